"""The Tensors page in a real browser: type into a field, read the result PyTorch computed."""

from __future__ import annotations

import re
import time

import torch

from tests.support.browser import assert_no_exception, screenshot, wait_for_script

T_LABEL = "T, typed as nested lists (Python or NumPy style)"
X_LABEL = "x (float32, requires_grad=True)"


def _text_area(page: object, label: str) -> object:
    return page.get_by_role("textbox", name=label, exact=True)


def _type(page: object, label: str, text: str) -> None:
    area = _text_area(page, label)
    area.fill(text)
    area.press("Control+Enter")  # commits a text area without leaving it
    wait_for_script(page)


def _main_text(page: object) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _wait_for_text(page: object, needle: str, timeout_s: float = 20.0) -> None:
    """Code blocks and LaTeX render a moment after the script ends: poll the main area."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _squeeze(needle) in _squeeze(_main_text(page)):
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"{needle!r} never appeared; the page shows:\n{_main_text(page)[-3000:]}")


def _open_tensors_page(server_url: str, page: object) -> None:
    """Open the app, then the page from the navigation, as a student does."""
    page.goto(server_url)
    wait_for_script(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Tensors", exact=True).click()
    page.wait_for_url("**/tensors")
    wait_for_script(page)


def test_course_example_then_typed_operands(server_url: str, page: object) -> None:
    _open_tensors_page(server_url, page)
    assert_no_exception(page)
    # Opens on the course's X @ W (004) and the autograd chain (002).
    _wait_for_text(page, "[[0.4300, 0.4000, 0.6000]")
    _wait_for_text(page, "[[52., 52., 52.]")
    screenshot(page, "tensors_course")

    a = [[1.0, 2.0], [3.0, 4.0]]
    b = [[5.0], [6.0]]
    _type(page, "A", str(a))
    _type(page, "B", str(b))
    assert_no_exception(page)
    _wait_for_text(page, str(torch.tensor(a) @ torch.tensor(b)))  # tensor([[17.], [39.]])

    # The elementwise product of (2, 2) and (2, 1) broadcasts B's single column.
    page.get_by_role("radiogroup", name="Operation on A and B", exact=True).get_by_text("A * B", exact=True).click()
    wait_for_script(page)
    assert_no_exception(page)
    _wait_for_text(page, str(torch.tensor(a) * torch.tensor(b)))
    _wait_for_text(page, "B has 1: stretched to A's size")

    # A shape that does not fit: PyTorch's own message and the plain explanation.
    _type(page, "A", "[[0.4, 0.5], [0.9, 0.2], [0.2, 0.0], [0.1, 0.0]]")
    _type(page, "B", "[[0.2, 0.5, 1.0], [0.7, 0.4, 0.4]]")
    _wait_for_text(page, "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1")
    _wait_for_text(page, "What would work")
    assert_no_exception(page)
    screenshot(page, "tensors_shape_error")


def test_bad_input_keeps_the_text_and_the_rest_of_the_page(server_url: str, page: object) -> None:
    _open_tensors_page(server_url, page)
    _type(page, T_LABEL, "[[1, 2], [3]]")
    assert_no_exception(page)
    _wait_for_text(page, "The rows have different lengths")
    assert _text_area(page, T_LABEL).input_value() == "[[1, 2], [3]]"
    _wait_for_text(page, "[[0.4300, 0.4000, 0.6000]")  # section 3 still works

    _type(page, X_LABEL, "[[1., 2.]]")
    x = torch.tensor([[1.0, 2.0]], requires_grad=True)
    w = 2 * x
    torch.sum(w * w * w + 3 * w * w + 2 * w + 1).backward()
    _wait_for_text(page, str(x.grad))  # tensor([[ 52., 148.]])
    _wait_for_text(page, "Autograd agrees with the chain rule")

    # A factory instead of typing: the course's seeded rand(3, 2) (002 B.3) makes T valid again.
    page.get_by_role("radiogroup", name="Make T by").get_by_text("Use a factory", exact=True).click()
    wait_for_script(page)
    _wait_for_text(page, "torch.manual_seed(24); torch.rand(3, 2, dtype=torch.float32)")
    _wait_for_text(page, "tensor([[0.7644, 0.3751],\n        [0.0751, 0.5308],\n        [0.9660, 0.2770]])")
    assert "The rows have different lengths" not in _main_text(page)
    assert_no_exception(page)
    screenshot(page, "tensors_bad_input")
