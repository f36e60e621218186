"""The Backpropagation page in a real browser: hand vs autograd, then the four mistakes."""

from __future__ import annotations

from tests.support.browser import assert_no_exception, screenshot, wait_for_script

URL_PATH = "backprop"


def keyed(page: object, key: str) -> object:
    return page.locator(f".st-key-{key}")


def open_page(page: object, server_url: str) -> None:
    # A fresh server serves a deep link as a bare page until the entry point has run once.
    page.goto(server_url)
    wait_for_script(page)
    page.goto(f"{server_url}/{URL_PATH}")
    wait_for_script(page)
    keyed(page, "backprop_accumulation").wait_for(timeout=60_000)  # the first mistake's tab
    wait_for_script(page)
    assert_no_exception(page)


def open_tab(page: object, name: str) -> None:
    """The mistakes sit in tabs: show one (the others stay in the page, hidden)."""
    page.get_by_role("tab", name=name).click()
    page.wait_for_timeout(500)




def type_into(page: object, key: str, text: str) -> None:
    area = keyed(page, key).locator("textarea")
    area.fill(text)
    area.press("Control+Enter")
    wait_for_script(page)


def test_course_numbers_hand_equals_autograd(server_url: str, page: object) -> None:
    open_page(page, server_url)
    assert page.locator("h1").first.inner_text().strip() == "Backpropagation"
    main = page.locator('[data-testid="stMain"]')
    # KaTeX renders the matrices: the course's y_hat = [2.3; 4.1] and dL/dW2 = [-0.22, -1.68].
    text = main.inner_text()
    for value in ("2.3000", "4.1000", "−0.2200", "−1.6800"):
        assert value in text, value
    assert page.get_by_text("Same to every digit shown").count() >= 4
    # The mistakes, run for real, one tab each.
    table = keyed(page, "backprop_accumulation").inner_text()
    for value in ("52", "104", "156"):
        assert value in table
    screenshot(page, "backprop")
    open_tab(page, "2 · Updating a weight in place")
    assert "in-place operation" in keyed(page, "backprop_inplace_error").inner_text()
    open_tab(page, "4 · What no_grad() saves")
    assert "64 × 784" in keyed(page, "backprop_saved").inner_text()


def test_relu_tab_and_bad_shape(server_url: str, page: object) -> None:
    open_page(page, server_url)
    page.get_by_role("tab", name="With a ReLU in between").click()
    page.wait_for_timeout(500)
    assert page.get_by_text("W1.grad").count() >= 1
    type_into(page, "backprop_w1_text", "[[1, 2], [3, 4]]")
    assert_no_exception(page)
    assert page.get_by_text("W1 needs one row per column of X").count() == 1
    # The rest of the page keeps working.
    open_tab(page, "2 · Updating a weight in place")
    assert "in-place operation" in keyed(page, "backprop_inplace_error").inner_text()
    page.get_by_role("button", name="Random numbers").click()
    wait_for_script(page)
    assert_no_exception(page)
    assert page.get_by_text("W1 needs one row per column of X").count() == 0
    assert page.get_by_text("Same to every digit shown").count() >= 4
    keyed(page, "backprop_x_text").scroll_into_view_if_needed()
    screenshot(page, "backprop_random")
