"""Regressions on the Training page in a real browser: the curve's fit drawn, the diabetes run's numbers and charts,
and a student's own CSV uploaded and trained to the end."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.browser import assert_no_exception, screenshot, wait_for_script

REGRESSION = "Regression (a 1-D curve, the diabetes table)"


def number(page: object, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")
    wait_for_script(page)


def choose(page: object, select: str, option: str) -> None:
    page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').filter(has_text=select).click()
    page.get_by_role("option", name=option).click()
    wait_for_script(page)


def open_regression(page: object, server_url: str, dataset: str) -> None:
    page.goto(f"{server_url}/training")
    wait_for_script(page)
    page.get_by_text(REGRESSION).click()
    wait_for_script(page)
    choose(page, "Regression set", dataset)
    assert_no_exception(page)


def test_the_curves_fit_is_drawn_over_its_points(server_url: str, page: object) -> None:
    open_regression(page, server_url, "A 1-D curve: y = sin(2x) + 0.3x with noise")
    expect(page.get_by_role("combobox", name="Preset")).to_have_value("Curve 1 → 32 → 32 → 1 (Tanh)")
    number(page, "Epochs", "30")
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("text=Test MSE", timeout=60_000)
    wait_for_script(page)
    assert_no_exception(page)
    expect(page.get_by_text("What the network has learned: its function (red) over the points")).to_be_visible()
    expect(page.get_by_text("Validation MAE (mean absolute error)")).to_be_visible()  # where iris shows accuracy
    # The fit's chart: points and the red line, drawn as a canvas or SVG by Vega.
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    assert charts.count() >= 3  # the points' preview, loss and MAE, the fit
    screenshot(page, "regression_curve")


def test_the_diabetes_run_shows_its_test_errors_and_the_predicted_vs_true_scatter(server_url: str,
                                                                                 page: object) -> None:
    open_regression(page, server_url, "Diabetes (442 patients, 3 inputs → disease progression)")
    choose(page, "Loss function", "L1Loss: mean absolute error")
    number(page, "Epochs", "20")
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("text=Test MAPE", timeout=60_000)
    wait_for_script(page)
    assert_no_exception(page)
    metrics = page.locator('[data-testid="stMetric"]').all_inner_texts()
    mape = next(m for m in metrics if "Test MAPE" in m)
    assert re.search(r"\d+\.\d{4} %", mape), mape
    for title in ("Predicted vs true values", "Residuals against the prediction"):
        expect(page.locator('[data-testid="stVegaLiteChart"]').filter(has_text=title)).to_have_count(1)
    screenshot(page, "regression_diabetes")


def test_a_students_csv_is_uploaded_and_trained_to_the_end(server_url: str, page: object, tmp_path) -> None:
    rows = ["width;height;colour;kind"] + [
        f"{w};{h};{c};{'big' if w * h > 30 else 'small'}"
        for w, h, c in ((w, h, ("red", "blue")[(w + h) % 2]) for w in range(1, 11) for h in range(1, 9))]
    rows[5] = "3;;red;small"  # a missing value: the row is dropped, with a note
    path = tmp_path / "shapes.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    page.goto(f"{server_url}/training")
    wait_for_script(page)
    page.get_by_text("Your own CSV table").click()
    wait_for_script(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    wait_for_script(page)
    assert_no_exception(page)
    expect(page.get_by_text("Classification: pick one of the classes")).to_be_visible()
    expect(page.get_by_text("colour holds text: it becomes 2 yes/no inputs, one per value.")).to_be_visible()
    expect(page.get_by_text("1 row of 80 has a missing value and is left out.")).to_be_visible()
    number(page, "Epochs", "10")
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("text=Test accuracy", timeout=60_000)
    wait_for_script(page)
    assert_no_exception(page)
    screenshot(page, "regression_csv")
