"""The losses page in a real browser: load a course example, type a case, read the values."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from tests.support.browser import assert_no_exception, screenshot, wait_for_script


def metric_value(page: object, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def choose(page: object, select_label: str, option: str) -> None:
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=select_label).first
    choice = page.get_by_role("option", name=option, exact=True)
    for _ in range(3):  # a click that lands during a re-layout can leave the list closed
        box.click()
        try:
            choice.wait_for(timeout=3000)
            break
        except Exception:
            page.keyboard.press("Escape")
    choice.click()
    wait_for_script(page)


def open_losses(server_url: str, page: object) -> None:
    """Through the entry point first: a fresh server's first deep link would skip app.py."""
    page.goto(server_url)
    wait_for_script(page)
    page.goto(f"{server_url}/losses")
    wait_for_script(page)


def tall_screenshot(page: object, name: str) -> None:
    """Streamlit scrolls inside its own container, so grow the window to show the whole page."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || 1000")
    page.set_viewport_size({"width": 1400, "height": min(max(int(height) + 40, 1000), 9000)})
    page.wait_for_timeout(400)
    screenshot(page, name)
    page.set_viewport_size({"width": 1400, "height": 1000})


def type_into(page: object, label: str, text: str) -> None:
    area = page.get_by_label(label, exact=True)
    area.fill(text)
    area.press("Control+Enter")
    wait_for_script(page)


def test_course_examples_and_a_typed_case(server_url: str, page: object) -> None:
    open_losses(server_url, page)
    assert_no_exception(page)
    assert metric_value(page, "PyTorch value") == "0.5800"
    assert metric_value(page, "MAPE") == "45.0794 %"  # course 004 prints tensor(45.0794)
    tall_screenshot(page, "losses_mse")

    choose(page, "Example", "CrossEntropy — course example (004)")  # choosing it loads it
    assert_no_exception(page)
    assert metric_value(page, "PyTorch value") == "0.7306"
    assert metric_value(page, "By hand") == "0.7306"
    assert metric_value(page, "Accuracy (multiclass)") == "66.6667 %"
    # The result sits beside the inputs, not below them.
    area = page.get_by_label("Prediction ŷ (the model's output)", exact=True).bounding_box()
    value = page.locator('[data-testid="stMetric"]').filter(has_text="PyTorch value").first.bounding_box()
    assert value["x"] > area["x"] + area["width"] and value["y"] < area["y"] + area["height"]
    page.get_by_role("tab", name="Each element's contribution").click()
    tall_screenshot(page, "losses_cross_entropy")

    type_into(page, "Target y (the true values)", "[1, 3, 0]")
    assert_no_exception(page)
    assert page.get_by_text("numbered 0 to 2").count() >= 1
    assert page.locator('[data-testid="stMetric"]').filter(has_text="PyTorch value").count() == 0
    tall_screenshot(page, "losses_mistake")

    choose(page, "Loss", "BCEWithLogitsLoss")
    type_into(page, "Prediction ŷ (the model's output)", "[[3.0], [-1.0], [0.5]]")
    type_into(page, "Target y (the true values)", "[[1.0], [0.0], [0.0]]")
    assert_no_exception(page)
    expected = F.binary_cross_entropy_with_logits(
        torch.tensor([3.0, -1.0, 0.5]), torch.tensor([1.0, 0.0, 0.0])
    )
    assert metric_value(page, "PyTorch value") == f"{float(expected):.4f}"
    assert (
        page.get_by_label("Prediction ŷ (the model's output)", exact=True).input_value()
        == "[[3.0], [-1.0], [0.5]]"
    )
    tall_screenshot(page, "losses_typed")


def test_broadcast_mistake_shows_the_matrix(server_url: str, page: object) -> None:
    open_losses(server_url, page)
    choose(page, "Example", "Mistake: (3, 1) against (3,) broadcasts silently")
    assert_no_exception(page)
    assert metric_value(page, "PyTorch value") == "0.4333"
    assert page.get_by_text("What PyTorch really computes").count() == 1
    tall_screenshot(page, "losses_broadcast")


def test_own_edits_then_reload_example_and_a_hand_typed_example(server_url: str, page: object) -> None:
    open_losses(server_url, page)
    choose(page, "Example", "BCE — course example (004)")
    assert metric_value(page, "PyTorch value") == "0.5108"
    assert metric_value(page, "Accuracy (binary)") == "66.6667 %"
    type_into(page, "Prediction ŷ (the model's output)", "[[0.9], [0.8], [0.2]]")
    assert_no_exception(page)
    expected = F.binary_cross_entropy(torch.tensor([0.9, 0.8, 0.2]), torch.tensor([1.0, 1.0, 0.0]))
    assert metric_value(page, "PyTorch value") == f"{float(expected):.4f}"
    assert page.get_by_text("The inputs below are not this example").count() == 1
    assert page.get_by_text("PyTorch agrees").count() == 0
    page.get_by_role("button", name="Reload example").click()
    wait_for_script(page)
    assert metric_value(page, "PyTorch value") == "0.5108"
    assert page.get_by_text("The inputs below are not this example").count() == 0
    # The course example typed by hand in another spelling is still the example: one story, not two.
    type_into(page, "Target y (the true values)", "[[1],[1],[0]]")
    assert metric_value(page, "PyTorch value") == "0.5108"
    assert page.get_by_text("The inputs below are not this example").count() == 0
    assert page.get_by_text("PyTorch agrees").count() == 1
    tall_screenshot(page, "losses_typed_course_example")


def test_gradient_and_stability_tabs(server_url: str, page: object) -> None:
    open_losses(server_url, page)
    page.get_by_role("tab", name="Gradient").click()
    page.wait_for_timeout(300)
    assert page.get_by_text("The formula gives the same gradient as autograd.").count() == 1
    tall_screenshot(page, "losses_gradient")  # the tables are drawn on a canvas: look at the picture
    page.get_by_role("tab", name="Softmax overflow and log-sum-exp").click()
    page.wait_for_timeout(300)
    assert metric_value(page, "torch.logsumexp") == "1000.4076"
    assert metric_value(page, "log Σ eᶻ, naive") == "inf"
    tall_screenshot(page, "losses_gradient_softmax")
    page.get_by_role("tab", name="log(0)").click()
    page.wait_for_timeout(300)
    assert page.get_by_text("-inf", exact=True).count() >= 1
    assert_no_exception(page)


def test_kl_div_example(server_url: str, page: object) -> None:
    open_losses(server_url, page)
    choose(page, "Example", "KLDiv: log-probabilities against a target distribution")
    assert_no_exception(page)
    expected = F.kl_div(torch.tensor([[-2.3026, -0.3567, -1.6094]]), torch.tensor([[0.2, 0.5, 0.3]]), reduction="sum")
    assert metric_value(page, "PyTorch value") == f"{float(expected):.4f}" == "0.0920"
    assert metric_value(page, "By hand") == "0.0920"
    assert page.get_by_text("No metric fits this loss.").count() == 1
    tall_screenshot(page, "losses_kl_div")
