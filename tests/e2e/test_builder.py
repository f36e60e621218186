"""The network builder in a real browser: load a preset, break a layer, fix it in one click."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.support.browser import assert_no_exception, screenshot, wait_for_script


def _settle(page) -> None:
    """Wait for the run to finish and the canvas-drawn tables to paint."""
    wait_for_script(page)
    page.locator('[data-testid="stMain"]').get_by_text("Shapes and parameters").wait_for(timeout=30_000)
    wait_for_script(page)
    page.wait_for_timeout(800)


def test_builder_preset_mismatch_and_fix(server_url: str, page: object) -> None:
    page.set_viewport_size({"width": 1400, "height": 2600})  # the whole page in each screenshot
    # Open the entry point first: on a fresh server, a deep link served before app.py has
    # run once falls back to Streamlit's pages/ folder navigation (without app.py's layout).
    page.goto(server_url)
    wait_for_script(page)
    page.goto(f"{server_url}/builder")
    _settle(page)
    assert_no_exception(page)
    main = page.locator('[data-testid="stMain"]')
    assert page.locator('[data-testid="stSidebarNav"]').get_by_text("Network builder").count() == 1
    assert main.get_by_label("Input shape of one sample", exact=True).input_value() == "4"
    # The default network is course 004's iris classifier.
    assert main.get_by_text("131", exact=True).count() >= 1
    architecture = main.locator('[data-testid="stImage"] img').first
    architecture.wait_for(state="visible", timeout=10_000)
    assert architecture.bounding_box()["width"] > 300
    screenshot(page, "builder_iris")

    # Load notMNIST from course 003.
    main.locator('[data-testid="stSelectbox"]').filter(has_text="Preset from the course").click()
    page.get_by_role("option", name="notMNIST letters 784 → 256 → 10").click()
    wait_for_script(page)
    main.get_by_role("button", name="Load preset").click()
    _settle(page)
    assert_no_exception(page)
    assert main.get_by_label("Input shape of one sample", exact=True).input_value() == "28, 28"
    assert main.get_by_text("203,530", exact=True).count() >= 1
    assert main.get_by_text("Sequential(").count() >= 1

    # Break the last Linear's in_features; the message and its fix appear next to it.
    in_features = main.get_by_label("in_features", exact=True).last
    in_features.fill("100")
    in_features.press("Enter")
    _settle(page)
    alert = main.get_by_text("Linear(100 → 10) expects 100 input features but layer 3 outputs 256.")
    assert alert.count() == 1
    assert main.get_by_text("Sequential(").count() == 0
    screenshot(page, "builder_mismatch")
    main.get_by_role("button", name="Set in_features to 256").click()
    _settle(page)
    assert_no_exception(page)
    assert alert.count() == 0
    assert main.get_by_label("in_features", exact=True).last.input_value() == "256"
    assert main.get_by_text("203,530", exact=True).count() >= 1
    screenshot(page, "builder_notmnist")


def test_planned_dataset_warns_before_training(server_url: str, page: object) -> None:
    page.set_viewport_size({"width": 1400, "height": 2600})
    page.goto(server_url)
    wait_for_script(page)
    page.goto(f"{server_url}/builder")
    _settle(page)
    main = page.locator('[data-testid="stMain"]')
    check = page.locator(".st-key-builder_dataset_check")
    assert check.count() == 0  # no plan yet, nothing to check against

    # The default iris network, planned for notMNIST: both misfits are named at once.
    main.locator('[data-testid="stSelectbox"]').filter(has_text="Planned dataset").click()
    page.get_by_role("option", name="notMNIST: 28 × 28 images → 10 letters").click()
    _settle(page)
    assert_no_exception(page)
    expect(check).to_contain_text("notMNIST has 10 classes", timeout=30_000)
    expect(check).to_contain_text("the Training page feeds them as (N, 28, 28), but this network takes (N, 4)")
    assert "/builder" in page.url  # said on the builder, before any run
    screenshot(page, "builder_planned_notmnist")

    main.get_by_role("button", name="Set out_features of layer 3 to 10").click()
    _settle(page)
    expect(check).not_to_contain_text("notMNIST has 10 classes", timeout=30_000)
    assert main.get_by_label("out_features", exact=True).last.input_value() == "10"

    # The course's letters network fits.
    main.locator('[data-testid="stSelectbox"]').filter(has_text="Preset from the course").click()
    page.get_by_role("option", name="notMNIST letters 784 → 256 → 10").click()
    wait_for_script(page)
    main.get_by_role("button", name="Load preset").click()
    _settle(page)
    expect(check).to_contain_text("Fits notMNIST: 28 × 28 images in, (N, 10) out", timeout=30_000)
    assert check.locator('[data-testid="stAlertContentWarning"]').count() == 0
    screenshot(page, "builder_planned_fits")


def test_class_export_as_in_course_002(server_url: str, page: object) -> None:
    page.set_viewport_size({"width": 1400, "height": 2600})
    page.goto(server_url)
    wait_for_script(page)
    page.goto(f"{server_url}/builder")
    _settle(page)
    main = page.locator('[data-testid="stMain"]')
    main.locator('[data-testid="stSelectbox"]').filter(has_text="Preset from the course").click()
    page.get_by_role("option", name="Binary classifier [5, 5, 3, 1]").click()
    wait_for_script(page)
    main.get_by_role("button", name="Load preset").click()
    _settle(page)
    main.get_by_role("tab", name="Export as PyTorch code").click()  # the forward pass shares its place
    page.wait_for_timeout(300)
    main.get_by_role("tab", name="Sequential class, as in course 002").click()
    page.wait_for_timeout(500)
    panel = main.get_by_role("tabpanel").filter(has_text="layer_dims").last  # the inner tab, in the export tab
    expect(panel).to_contain_text("class BinaryClassifier(nn.Sequential):", timeout=30_000)
    expect(panel).to_contain_text("layer_dims = [5, 5, 3, 1]")
    expect(panel).to_contain_text('self.add_module(f"sigmoid{idx}", activation)')
    assert_no_exception(page)
    screenshot(page, "builder_class_export")
