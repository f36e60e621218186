"""The losses page's inputs live in the URL: a reload, a shared link or a visit to another page
loses nothing a student typed."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import torch
import torch.nn.functional as F

from tests.e2e.test_losses import choose, metric_value, type_into
from tests.support.browser import assert_no_exception, screenshot, wait_for_script

PREDICTION_LABEL = "Prediction ŷ (the model's output)"
TARGET_LABEL = "Target y (the true values)"


def url_params(page: object) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(page.url).query).items()}


def warm_up(server_url: str, page: object) -> None:
    """Open the entry point once: a fresh server's very first deep link can miss its parameters."""
    page.goto(server_url)
    wait_for_script(page)


def wait_for_param(page: object, key: str, value: str, timeout_ms: int = 5000) -> None:
    """The URL is updated by the browser right after the rerun; give it a moment."""
    for _ in range(timeout_ms // 100):
        if url_params(page).get(key) == value:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{key}={value!r} never appeared in {page.url}")


def test_typed_prediction_survives_a_reload_and_a_page_switch(server_url: str, page: object) -> None:
    warm_up(server_url, page)
    page.goto(f"{server_url}/losses")
    wait_for_script(page)
    prediction = "[[0.9], [0.1], [0.4]]"
    type_into(page, PREDICTION_LABEL, prediction)
    assert_no_exception(page)
    wait_for_param(page, "losses_prediction_text", prediction)
    p, y = torch.tensor([[0.9], [0.1], [0.4]]), torch.tensor([[0.5], [1.5], [0.7]])
    expected = f"{float(F.mse_loss(p, y)):.4f}"
    assert metric_value(page, "PyTorch value") == expected

    page.reload()
    wait_for_script(page)
    assert_no_exception(page)
    assert page.get_by_label(PREDICTION_LABEL, exact=True).input_value() == prediction
    assert metric_value(page, "PyTorch value") == expected

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Tensors").click()
    wait_for_script(page)
    assert "/tensors" in page.url
    assert page.get_by_label(PREDICTION_LABEL, exact=True).count() == 0
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Loss functions").click()
    wait_for_script(page)
    assert_no_exception(page)
    assert page.get_by_label(PREDICTION_LABEL, exact=True).input_value() == prediction
    assert metric_value(page, "PyTorch value") == expected
    wait_for_param(page, "losses_prediction_text", prediction)  # the address is shareable again
    screenshot(page, "losses_link_after_page_switch")


def test_a_shared_link_opens_the_prepared_case(server_url: str, page: object) -> None:
    warm_up(server_url, page)
    prediction, target = "[[3.0], [-1.0], [0.5]]", "[[1.0], [0.0], [0.0]]"
    link = (
        f"{server_url}/losses?losses_loss=BCEWithLogitsLoss&losses_reduction=sum"
        f"&losses_prediction_text={quote(prediction)}&losses_target_text={quote(target)}"
    )
    page.goto(link)
    wait_for_script(page)
    assert_no_exception(page)
    expected = F.binary_cross_entropy_with_logits(
        torch.tensor([3.0, -1.0, 0.5]), torch.tensor([1.0, 0.0, 0.0]), reduction="sum"
    )
    assert metric_value(page, "PyTorch value") == f"{float(expected):.4f}"
    assert page.get_by_label(TARGET_LABEL, exact=True).input_value() == target
    assert page.get_by_text("BCEWithLogitsLoss, reduction “sum”").count() == 1
    screenshot(page, "losses_link_opened")


def test_loading_an_example_gives_a_link_that_reopens_it(server_url: str, page: object) -> None:
    warm_up(server_url, page)
    page.goto(f"{server_url}/losses")
    wait_for_script(page)
    choose(page, "Example", "CrossEntropy — course example (004)")
    page.get_by_role("button", name="Reload example").click()
    wait_for_script(page)
    assert metric_value(page, "PyTorch value") == "0.7306"
    wait_for_param(page, "losses_loss", "CrossEntropyLoss")
    params = url_params(page)
    assert params["losses_target_text"] == "[1, 2, 0]"
    assert params["losses_prediction_text"] == "[[-1.2, 2.2, 0.2], [2.3, 0.2, 0.7], [0.9, -2.2, -1.2]]"

    # "Copy the link": the address, opened in a fresh browser session, shows the same example.
    link = page.url
    fresh = page.context.browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        other = fresh.new_page()
        other.goto(link)
        wait_for_script(other)
        assert_no_exception(other)
        assert metric_value(other, "PyTorch value") == "0.7306"
        assert other.get_by_label(TARGET_LABEL, exact=True).input_value() == "[1, 2, 0]"
        screenshot(other, "losses_link_loaded_example")
    finally:
        fresh.close()
