"""Shareable state in a real browser: what a student types on the tensors, activations and
builder pages goes into the address, survives a reload, reopens from the link in a new
browser, and is still there after a visit to another page."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import torch
from playwright.sync_api import expect

from tests.support.browser import assert_no_exception, screenshot, wait_for_script

TIMEOUT_MS = 30_000


def url_params(page: object) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(page.url).query).items()}


def wait_for_param(page: object, key: str, check: object, timeout_s: float = 10.0) -> str:
    """The browser writes the address right after the rerun: poll until ``check(value)`` holds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = url_params(page).get(key)
        if value is not None and check(value):
            return value
        page.wait_for_timeout(100)
    raise AssertionError(f"{key} never reached the expected value; the address is {page.url}")


def warm_up(server_url: str, page: object) -> None:
    """Open the entry point once: a fresh server's very first deep link can miss its parameters."""
    page.goto(server_url)
    wait_for_script(page)


def main(page: object) -> object:
    return page.locator('[data-testid="stMain"]')


def keyed(page: object, key: str) -> object:
    """What Streamlit draws for the widget or container with this key."""
    return page.locator(f".st-key-{key}")


def type_into(page: object, key: str, text: str) -> None:
    area = keyed(page, key).locator("textarea")
    area.fill(text)
    area.press("Control+Enter")  # commits a text area without leaving it
    wait_for_script(page)


def choose(page: object, key: str, option: str) -> None:
    keyed(page, key).get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_script(page)


def expect_chosen(page: object, key: str, option: str) -> None:
    expect(keyed(page, key).get_by_role("combobox")).to_have_value(option, timeout=TIMEOUT_MS)


def go_via_sidebar(page: object, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    wait_for_script(page)
    assert_no_exception(page)


def expect_main_text(page: object, *fragments: str) -> None:
    """Code blocks render a moment after the script ends; whitespace is not compared."""
    for fragment in fragments:
        expect(main(page)).to_contain_text(re.compile(r"\s*".join(map(re.escape, fragment.split()))),
                                           timeout=TIMEOUT_MS)


def metric_value(page: object, label: str) -> str:
    metric = main(page).locator('[data-testid="stMetric"]').filter(has_text=label).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def open_in_a_new_browser(browser: object, url: str) -> tuple[object, object]:
    """A second student opening the link: a fresh context, so a fresh session."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    parts = urlsplit(url)
    page.goto(f"{parts.scheme}://{parts.netloc}")  # the entry point first
    wait_for_script(page)
    page.goto(url)
    wait_for_script(page)
    assert_no_exception(page)
    return context, page


# --------------------------------------------------------------------------- tensors


def test_tensors_typed_operands_survive_reload_link_and_page_switch(
    server_url: str, page: object, browser: object
) -> None:
    warm_up(server_url, page)
    page.goto(f"{server_url}/tensors")
    wait_for_script(page)
    a, b = "[[1., 2.], [3., 4.]]", "[[5.], [6.]]"
    product = str(torch.tensor([[1.0, 2.0], [3.0, 4.0]]) @ torch.tensor([[5.0], [6.0]]))  # [[17.], [39.]]
    type_into(page, "tensors_a_text", a)
    type_into(page, "tensors_b_text", b)
    assert_no_exception(page)
    expect_main_text(page, product)
    wait_for_param(page, "tensors_a_text", lambda value: value == a)
    wait_for_param(page, "tensors_b_text", lambda value: value == b)
    assert "tensors_x_text" not in url_params(page)  # untouched inputs keep the address short

    page.reload()
    wait_for_script(page)
    assert_no_exception(page)
    expect(keyed(page, "tensors_a_text").locator("textarea")).to_have_value(a, timeout=TIMEOUT_MS)
    expect_main_text(page, product)
    screenshot(page, "links_tensors_reloaded")

    context, other = open_in_a_new_browser(browser, page.url)
    try:
        expect(keyed(other, "tensors_b_text").locator("textarea")).to_have_value(b, timeout=TIMEOUT_MS)
        expect_main_text(other, product)
    finally:
        context.close()

    go_via_sidebar(page, "Activations")
    assert keyed(page, "tensors_a_text").count() == 0
    go_via_sidebar(page, "Tensors")
    expect(keyed(page, "tensors_a_text").locator("textarea")).to_have_value(a, timeout=TIMEOUT_MS)
    expect(keyed(page, "tensors_b_text").locator("textarea")).to_have_value(b, timeout=TIMEOUT_MS)
    expect_main_text(page, product)
    wait_for_param(page, "tensors_a_text", lambda value: value == a)  # the address is shareable again
    screenshot(page, "links_tensors_after_page_switch")


# --------------------------------------------------------------------------- activations


def test_activations_choice_and_matrix_survive_reload_and_page_switch(server_url: str, page: object) -> None:
    warm_up(server_url, page)
    page.goto(f"{server_url}/activations")
    wait_for_script(page)
    column = "[[6.7], [-3.2], [1.1]]"
    choose(page, "activations_name", "Sigmoid")
    type_into(page, "activations_matrix_text", column)
    assert_no_exception(page)
    printed = keyed(page, "activations_printed_output")
    expect(printed).to_contain_text("[0.9988]", timeout=TIMEOUT_MS)  # text 004's numbers
    wait_for_param(page, "activations_name", lambda value: value == "Sigmoid")
    wait_for_param(page, "activations_matrix_text", lambda value: value == column)

    page.reload()
    wait_for_script(page)
    assert_no_exception(page)
    expect_chosen(page, "activations_name", "Sigmoid")
    expect(keyed(page, "activations_matrix_text").locator("textarea")).to_have_value(column, timeout=TIMEOUT_MS)
    for value in ("0.9988", "0.0392", "0.7503"):
        expect(printed).to_contain_text(value, timeout=TIMEOUT_MS)

    go_via_sidebar(page, "Tensors")
    go_via_sidebar(page, "Activations")
    expect_chosen(page, "activations_name", "Sigmoid")
    expect(keyed(page, "activations_matrix_text").locator("textarea")).to_have_value(column, timeout=TIMEOUT_MS)
    expect(printed).to_contain_text("0.7503", timeout=TIMEOUT_MS)
    wait_for_param(page, "activations_name", lambda value: value == "Sigmoid")


def test_activations_softmax_dim_from_a_button_and_a_choice_survives_a_reload(server_url: str, page: object) -> None:
    warm_up(server_url, page)
    page.goto(f"{server_url}/activations")
    wait_for_script(page)
    # An example button sets bound widgets from a callback: the address follows.
    page.get_by_role("button", name="Course: Softmax over the rows").click()
    wait_for_script(page)
    wait_for_param(page, "activations_name", lambda value: value == "Softmax")
    expect(keyed(page, "activations_printed_output")).to_contain_text("[0.3273, 0.1331, 0.5396]",
                                                                       timeout=TIMEOUT_MS)
    # A selectbox with format_func: the address holds the label shown.
    choose(page, "activations_dim", "dim=0: down each column")
    wait_for_param(page, "activations_dim", lambda value: value == "dim=0: down each column")
    matrix = torch.tensor([[0.4, -0.5, 0.9], [0.3, 0.2, -0.1], [0.1, 0.7, -0.2]])
    first_row = ", ".join(f"{v:.4f}" for v in torch.softmax(matrix, dim=0)[0].tolist())
    expect(keyed(page, "activations_printed_output")).to_contain_text(f"[{first_row}]", timeout=TIMEOUT_MS)

    page.reload()
    wait_for_script(page)
    assert_no_exception(page)
    expect_chosen(page, "activations_dim", "dim=0: down each column")
    expect(keyed(page, "activations_printed_output")).to_contain_text(f"[{first_row}]", timeout=TIMEOUT_MS)
    assert main(page).get_by_text("layer = nn.Softmax(dim=0)").count() >= 1
    screenshot(page, "links_activations_softmax_reloaded")


# --------------------------------------------------------------------------- builder


def _builder_settled(page: object) -> None:
    wait_for_script(page)
    main(page).get_by_text("Shapes and parameters").wait_for(timeout=TIMEOUT_MS)
    wait_for_script(page)


def _out_features(page: object) -> object:
    return main(page).get_by_label("out_features", exact=True)


def _layer_button(page: object, action: str, position: int) -> object:
    """A row's up, down or remove button (keyed by the layer's id, which the page picks)."""
    # Streamlit draws each button twice, once hidden: take the visible one.
    return page.locator(f'[class*="st-key-builder_{action}_"]').nth(position).locator("button:visible")


def _stack_in_url(page: object, check: object) -> list[dict]:
    return json.loads(wait_for_param(page, "builder_stack", lambda value: check(json.loads(value))))


def test_builder_stack_survives_reload_edits_link_and_page_switch(
    server_url: str, page: object, browser: object
) -> None:
    warm_up(server_url, page)
    page.goto(f"{server_url}/builder")
    _builder_settled(page)
    assert "builder_stack" not in url_params(page)  # the default network: a clean address

    # 4 → 8 → 3: the second Linear then expects 16, and its one-click fix sets 8.
    first = _out_features(page).first
    first.fill("8")
    first.press("Enter")
    _builder_settled(page)
    main(page).get_by_role("button", name="Set in_features to 8").click()
    _builder_settled(page)
    assert_no_exception(page)
    assert metric_value(page, "Parameters") == f"{4 * 8 + 8 + 8 * 3 + 3}"  # 67
    stack = _stack_in_url(page, lambda layers: layers[-1].get("in_features") == 8)
    assert [layer["kind"] for layer in stack] == ["Linear", "ReLU", "Linear"]
    assert stack[0]["out_features"] == 8
    # A bound widget's parameter and the page's own stack parameter live side by side.
    seed = main(page).get_by_label("Seed", exact=True)
    seed.fill("5")
    seed.press("Enter")
    _builder_settled(page)
    wait_for_param(page, "builder_seed", lambda value: value == "5")
    assert json.loads(url_params(page)["builder_stack"]) == stack

    page.reload()
    _builder_settled(page)
    assert_no_exception(page)
    assert metric_value(page, "Parameters") == "67"
    expect(_out_features(page).first).to_have_value("8", timeout=TIMEOUT_MS)
    expect(main(page).get_by_label("in_features", exact=True).last).to_have_value("8", timeout=TIMEOUT_MS)
    expect(main(page).get_by_label("Seed", exact=True)).to_have_value("5", timeout=TIMEOUT_MS)
    screenshot(page, "links_builder_reloaded")

    # Edit on after the reload: move the ReLU down, back up, then remove the last Linear.
    _layer_button(page, "down", 1).click()
    _builder_settled(page)
    _stack_in_url(page, lambda layers: [layer["kind"] for layer in layers] == ["Linear", "Linear", "ReLU"])
    _layer_button(page, "up", 2).click()
    _builder_settled(page)
    _layer_button(page, "remove", 2).click()
    _builder_settled(page)
    assert metric_value(page, "Parameters") == "40"
    assert metric_value(page, "Output shape") == "(N, 8)"
    stack = _stack_in_url(page, lambda layers: len(layers) == 2)
    assert stack == [{"kind": "Linear", "in_features": 4, "out_features": 8, "bias": True}, {"kind": "ReLU"}]

    page.reload()
    _builder_settled(page)
    assert metric_value(page, "Parameters") == "40"
    expect(_out_features(page)).to_have_count(1, timeout=TIMEOUT_MS)
    expect(_out_features(page)).to_have_value("8", timeout=TIMEOUT_MS)

    context, other = open_in_a_new_browser(browser, page.url)
    try:
        _builder_settled(other)
        assert metric_value(other, "Parameters") == "40"
        expect(_out_features(other).first).to_have_value("8", timeout=TIMEOUT_MS)
    finally:
        context.close()

    go_via_sidebar(page, "Training")
    go_via_sidebar(page, "Network builder")
    _builder_settled(page)
    assert metric_value(page, "Parameters") == "40"
    expect(_out_features(page).first).to_have_value("8", timeout=TIMEOUT_MS)  # the layer's box refilled from the stack
    _stack_in_url(page, lambda layers: layers == stack)  # and the address carries it again
    assert url_params(page).get("builder_seed") == "5"
    screenshot(page, "links_builder_after_page_switch")


def test_builder_link_with_a_broken_stack_says_so_and_opens_the_default(server_url: str, page: object) -> None:
    warm_up(server_url, page)
    page.goto(f'{server_url}/builder?builder_stack=[{{"kind":"Conv2d"}}]')
    _builder_settled(page)
    assert_no_exception(page)
    warning = main(page).locator('[data-testid="stAlert"]').filter(has_text="could not be used")
    expect(warning).to_have_count(1, timeout=TIMEOUT_MS)
    expect(warning).to_contain_text("unknown layer kind 'Conv2d'")
    assert metric_value(page, "Parameters") == "131"  # course 004's iris network
    for _ in range(50):  # the broken parameter leaves the address
        if "builder_stack" not in url_params(page):
            break
        page.wait_for_timeout(100)
    assert "builder_stack" not in url_params(page)
    screenshot(page, "links_builder_broken_link")
