"""The Optimizers page in a real browser: 1-D presets, a surface race, one step's numbers."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception, screenshot, wait_for_script

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
    assert page.get_by_text("Diverging:").count() == 1
    page.get_by_role("button", name="Too small: α = 0.02").click()
    wait_for_script(page)
    assert page.get_by_text("Crawling:").count() == 2
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

