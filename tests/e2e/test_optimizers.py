"""The Optimizers page in a real browser: 1-D presets, a surface race, one step's numbers."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from nnlib.optimizers.paths import Hyperparameters, run_paths
from nnlib.optimizers.surfaces import SURFACES
from tests.support.browser import assert_no_exception, screenshot, wait_for_script

URL_PATH = "optimizers"


def open_page(page: object, server_url: str) -> None:
    # A fresh server serves a deep link as a bare page until the entry point has run once.
    page.goto(server_url)
    wait_for_script(page)
    page.goto(f"{server_url}/{URL_PATH}")
    wait_for_script(page)
    page.locator(".st-key-optimizers_surface").wait_for(timeout=60_000)
    wait_for_script(page)
    assert_no_exception(page)


def keyed(page: object, key: str) -> object:
    return page.locator(f".st-key-{key}")


def choose(page: object, key: str, option: str) -> None:
    item = page.get_by_role("option", name=option, exact=True)
    for _ in range(3):  # a rerun that lands while the list is open closes it again
        wait_for_script(page)
        keyed(page, key).get_by_role("button", name="Open").click()
        try:
            item.wait_for(timeout=5_000)
            break
        except Exception:  # noqa: BLE001 - playwright's TimeoutError; try once more
            continue
    item.click()
    wait_for_script(page)


def set_number(page: object, key: str, value: str) -> None:
    box = keyed(page, key).locator("input")
    box.fill(value)
    box.press("Enter")
    wait_for_script(page)


def test_defaults_draw_both_sections(server_url: str, page: object) -> None:
    open_page(page, server_url)
    assert page.locator("h1").first.inner_text().strip() == "Optimizers"
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    # Two 1-D descents, the surface with paths, the loss curves; the last two come after the
    # five optimizers have run, which on a loaded machine can outlast the first status check.
    expect(charts).to_have_count(4, timeout=60_000)
    # Course alpha = 0.3: the fixed step oscillates 0.9 <-> 1.2, the derivative step arrives.
    assert page.get_by_text("Oscillating:").count() == 1
    assert page.get_by_text("Arrived:").count() == 1
    assert page.locator(".katex").count() >= 20
    screenshot(page, "optimizers")


def test_presets_surface_and_step_numbers(server_url: str, page: object) -> None:
    open_page(page, server_url)
    page.get_by_role("button", name="Too large: α = 1.1").click()
    wait_for_script(page)
    assert_no_exception(page)
    expect(page.get_by_text("Diverging:")).to_have_count(1, timeout=30_000)  # both columns redraw
    page.get_by_role("button", name="Too small: α = 0.02").click()
    wait_for_script(page)
    expect(page.get_by_text("Crawling:")).to_have_count(2, timeout=30_000)
    screenshot(page, "optimizers_1d_too_small")

    choose(page, "optimizers_surface", "Himmelblau")
    assert_no_exception(page)
    assert page.get_by_text("Four minima").count() == 1
    # The summary grid reports where each optimizer ended: the adaptive ones in the upper-left valley.
    summary = keyed(page, "optimizers_summary")
    summary.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => (document.querySelector('.st-key-optimizers_summary') || {}).innerText?.includes('Adam')",
        timeout=30_000,
    )
    text = summary.inner_text()
    assert "-2.8051" in text and "-3.7793" in text

    slider = keyed(page, "optimizers_step").locator('input[type="range"]')
    slider.focus()
    for _ in range(2):
        slider.press("ArrowRight")
    wait_for_script(page)
    assert_no_exception(page)
    page.get_by_role("tab", name="Adam").click()
    assert page.get_by_text("Step t = 3").count() >= 1
    screenshot(page, "optimizers_himmelblau_step3")



def url_params(page: object) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(page.url).query).items()}


def wait_for_params(page: object, expected: dict[str, str], timeout_s: float = 10.0) -> None:
    """The browser writes the address right after the rerun: poll until it holds ``expected``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if all(url_params(page).get(key) == value for key, value in expected.items()):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the address never held {expected}: {page.url}")


def summary_row(page: object, optimizer: str) -> object:
    return keyed(page, "optimizers_summary").locator("tr").filter(has_text=optimizer)


def expect_saddle_race(page: object, adam_end: str) -> None:
    expect(keyed(page, "optimizers_surface").get_by_role("combobox")).to_have_value("Saddle", timeout=30_000)
    expect(keyed(page, "optimizers_lr_adam").locator("input")).to_have_value("0.2", timeout=30_000)
    expect(keyed(page, "optimizers_steps").locator("input")).to_have_value("60", timeout=30_000)
    expect(summary_row(page, "Adam")).to_contain_text(adam_end, timeout=60_000)
    assert page.get_by_text("At (0, 0) the slope is zero but it is no minimum").count() == 1


def test_a_surface_link_survives_reload_page_switch_and_a_fresh_browser(
    server_url: str, page: object, browser: object
) -> None:
    open_page(page, server_url)
    assert not any(key.startswith("optimizers_") for key in url_params(page))  # the defaults: a clean link
    choose(page, "optimizers_surface", "Saddle")
    set_number(page, "optimizers_lr_adam", "0.2")
    set_number(page, "optimizers_steps", "60")
    assert_no_exception(page)
    saddle = SURFACES["saddle"]
    hyper = Hyperparameters(dict(saddle.learning_rates, adam=0.2))
    x, y = run_paths("saddle", ("adam",), hyper, saddle.start, 60)["adam"].points[-1]
    adam_end = f"({x:.4f}, {y:.4f})"
    expect_saddle_race(page, adam_end)
    wait_for_params(page, {"optimizers_surface": "Saddle", "optimizers_lr_adam": "0.2", "optimizers_steps": "60"})
    assert "optimizers_x0" not in url_params(page)  # the saddle's own start: left out, the link stays short

    page.reload()
    wait_for_script(page)
    assert_no_exception(page)
    expect_saddle_race(page, adam_end)
    screenshot(page, "optimizers_link_reloaded")

    # Another page and back: the surface is still the saddle, not the Rosenbrock default.
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Tensors", exact=True).click()
    wait_for_script(page)
    assert keyed(page, "optimizers_surface").count() == 0
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Optimizers", exact=True).click()
    wait_for_script(page)
    assert_no_exception(page)
    expect_saddle_race(page, adam_end)
    wait_for_params(page, {"optimizers_surface": "Saddle", "optimizers_lr_adam": "0.2", "optimizers_steps": "60"})

    # The instructor hands the link out: a fresh browser opens the same race.
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        other = context.new_page()
        parts = urlsplit(page.url)
        other.goto(f"{parts.scheme}://{parts.netloc}")  # the entry point first
        wait_for_script(other)
        other.goto(page.url)
        wait_for_script(other)
        assert_no_exception(other)
        expect_saddle_race(other, adam_end)
        screenshot(other, "optimizers_link_fresh_browser")
    finally:
        context.close()
