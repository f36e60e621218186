"""The Activations page in a real browser: pick, type, read the numbers, look at the charts."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.support.browser import SCREENSHOTS, assert_no_exception, screenshot, wait_for_script


def open_page(page: object, server_url: str) -> None:
    # Open the entry point first: a deep link served before app.py has run once falls back
    # to Streamlit's pages/ folder navigation.
    page.goto(server_url)
    wait_for_script(page)
    page.goto(f"{server_url}/activations")
    wait_for_script(page)
    assert_no_exception(page)


def keyed(page: object, key: str) -> object:
    """What Streamlit draws for the widget or container with this key."""
    return page.locator(f".st-key-{key}")


def choose(page: object, key: str, option: str) -> None:
    keyed(page, key).get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_script(page)


def type_into(page: object, key: str, text: str) -> None:
    area = keyed(page, key).locator("textarea")
    area.fill(text)
    area.press("Control+Enter")
    wait_for_script(page)


def expect_text(locator: object, *fragments: str) -> None:
    """Wait (a busy server may take a while to rerun) until every fragment is shown."""
    for fragment in fragments:
        expect(locator).to_contain_text(fragment, timeout=30_000)


def section_screenshot(page: object, heading: str, name: str) -> None:
    """The window scrolled to a section's heading (the app scrolls inside its own container,
    so a full-page screenshot shows only the top)."""
    page.get_by_role("heading", name=heading).evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(400)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def open_tab(page: object, label: str) -> None:
    """Sections 3 and 4 share one place as tabs: show one."""
    page.get_by_role("tab", name=label).click()
    page.wait_for_timeout(400)


def tab_screenshot(page: object, label: str, name: str) -> None:
    """The window scrolled to the tabs of sections 3 and 4, with one of them shown."""
    tab = page.get_by_role("tab", name=label)
    tab.click()
    tab.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(400)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_defaults_render_charts_and_the_course_relu(server_url: str, page: object) -> None:
    open_page(page, server_url)
    assert page.locator("h1").first.inner_text().strip() == "Activation functions"
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    expect(charts).to_have_count(3, timeout=30_000)  # f(x), f'(x), and the vanishing-gradient chart
    # Both curves are on the first screen of a 1400 × 900 window.
    for index in range(2):
        charts.nth(index).locator("canvas, svg").first.wait_for(state="attached", timeout=30_000)
        box = charts.nth(index).bounding_box()
        assert box["width"] > 300 and box["height"] > 250 and box["y"] < 900
    expect(page.locator(".katex").nth(4)).to_be_attached(timeout=30_000)  # at least 5 formulas
    expect_text(keyed(page, "activations_printed_output"), "[0.4000, 0.0000, 0.9000]")
    screenshot(page, "activations")
    section_screenshot(page, "1 · The functions and their slopes", "activations_charts")
    # The vanishing-gradient chart is drawn in its tab.
    open_tab(page, "4 · Vanishing gradients")
    charts.nth(2).locator("canvas, svg").first.wait_for(state="attached", timeout=30_000)
    box = charts.nth(2).bounding_box()
    assert box["width"] > 300 and box["height"] > 250


def test_sigmoid_on_the_course_column(server_url: str, page: object) -> None:
    open_page(page, server_url)
    choose(page, "activations_name", "Sigmoid")
    type_into(page, "activations_matrix_text", "[[6.7], [-3.2], [1.1]]")
    assert_no_exception(page)
    expect_text(keyed(page, "activations_printed_output"), "0.9988", "0.0392", "0.7503")
    assert page.get_by_text("layer = nn.Sigmoid()").count() >= 1
    section_screenshot(page, "2 · On a matrix you type", "activations_sigmoid")


def test_softmax_huge_scores_then_bad_input(server_url: str, page: object) -> None:
    open_page(page, server_url)
    page.get_by_role("button", name="Softmax of huge scores").click()
    wait_for_script(page)
    assert_no_exception(page)
    expect_text(page.locator('[data-testid="stMain"]'), "overflows float32")
    expect_text(keyed(page, "activations_stability_code"), "nan", "0.6652")
    expect_text(keyed(page, "activations_printed_output"), "[0.0900, 0.2447, 0.6652]")
    section_screenshot(page, "2 · On a matrix you type", "activations_softmax_overflow")
    section_screenshot(page, "The full Jacobian of one slice", "activations_softmax_jacobian")

    type_into(page, "activations_matrix_text", "[[1, 2], [3]]")
    assert_no_exception(page)
    expect(page.locator('[data-testid="stAlert"]').filter(has_text="different lengths")).to_have_count(
        1, timeout=30_000
    )
    assert keyed(page, "activations_matrix_text").locator("textarea").input_value() == "[[1, 2], [3]]"
    # The rest of the page keeps working.
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(3)
    expect(keyed(page, "activations_table_one_layer")).to_have_count(1)


def test_collapse_and_vanishing_sections(server_url: str, page: object) -> None:
    open_page(page, server_url)
    keyed(page, "activations_collapse_mode").get_by_text("Typed").click()
    wait_for_script(page)
    assert_no_exception(page)
    expect_text(page.locator('[data-testid="stMain"]'), "W1")  # the typed weights are shown
    metrics = page.locator('[data-testid="stMetric"]')
    assert metrics.count() == 2
    same = float(metrics.nth(0).locator('[data-testid="stMetricValue"]').inner_text())
    bent = float(metrics.nth(1).locator('[data-testid="stMetricValue"]').inner_text())
    assert same < 1e-6 < 1e-3 < bent
    tab_screenshot(page, "3 · Why a network needs nonlinearity", "activations_collapse")
    tab_screenshot(page, "4 · Vanishing gradients", "activations_vanishing")
