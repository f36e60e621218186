"""Train iris in a real browser, watch the live charts, read the test accuracy."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.browser import assert_no_exception, screenshot, wait_for_script


def test_train_iris_to_the_end_in_the_browser(server_url: str, page: object) -> None:
    page.goto(f"{server_url}/training")
    wait_for_script(page)
    assert_no_exception(page)
    epochs = page.get_by_label("Epochs", exact=True)
    epochs.fill("40")
    epochs.press("Enter")
    wait_for_script(page)
    page.get_by_role("button", name="Start").click()
    # Live: the progress line reports the epoch while the run trains (or has just finished).
    page.wait_for_selector("text=/(Running|Finished) · epoch \\d+\\/40/", timeout=60_000)
    screenshot(page, "training_live")
    page.wait_for_selector("text=Test accuracy", timeout=120_000)
    wait_for_script(page)
    assert_no_exception(page)
    metrics = page.locator('[data-testid="stMetric"]').all_inner_texts()
    accuracy_text = next(m for m in metrics if "Test accuracy" in m)
    accuracy = float(re.search(r"([\d.]+)%", accuracy_text).group(1))
    assert 80.0 <= accuracy <= 100.0
    assert any("40" in m for m in metrics if "Epochs" in m)
    assert page.get_by_text("Misclassified").count() == 1
    screenshot(page, "training_done")


def test_a_link_opens_a_prepared_config_and_survives_a_reload(server_url: str, page: object) -> None:
    page.goto(server_url)  # a warm server: on the very first request the link's values can be missed
    wait_for_script(page)
    page.goto(f"{server_url}/training?training_optimizer=Adam&training_epochs_iris=7&training_lr_iris=0.02")
    wait_for_script(page)
    assert_no_exception(page)
    # Bound values can arrive a moment after the script has finished: poll, don't read once.
    expect(page.get_by_label("Epochs", exact=True)).to_have_value("7", timeout=15_000)
    expect(page.get_by_label("Learning rate η")).to_have_value("0.0200", timeout=15_000)
    assert page.get_by_label("β₁ (first moment)").count() >= 1  # only Adam has β₁
    seed = page.get_by_label("Seed", exact=True)
    seed.fill("5")
    seed.press("Enter")
    wait_for_script(page)
    assert "training_seed=5" in page.url
    page.reload()
    wait_for_script(page)
    expect(page.get_by_label("Seed", exact=True)).to_have_value("5", timeout=15_000)
    expect(page.get_by_label("Epochs", exact=True)).to_have_value("7", timeout=15_000)
