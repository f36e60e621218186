"""The 2-D playground in a real browser: train moons to the end, see the boundary and the per-unit maps drawn."""

from __future__ import annotations

import io
import re

import numpy as np
from PIL import Image
from playwright.sync_api import expect

from pages.components.heatmap import CLASS_COLOURS
from tests.support.browser import assert_no_exception, screenshot, wait_for_script


def colour_shares(png: bytes) -> tuple[float, float]:
    """The shares of a picture's pixels nearer the first class's orange and the second's blue than white."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float64).reshape(-1, 3)
    distances = np.stack([np.linalg.norm(pixels - colour, axis=1)
                          for colour in (CLASS_COLOURS[0], CLASS_COLOURS[1], np.array([255.0, 255, 255]))])
    nearest = distances.argmin(axis=0)
    tinted = distances.min(axis=0) < 150
    return float(((nearest == 0) & tinted).mean()), float(((nearest == 1) & tinted).mean())


def number(page: object, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")
    wait_for_script(page)


def test_train_moons_to_the_end_and_see_the_boundary_and_the_units(server_url: str, page: object) -> None:
    page.goto(f"{server_url}/training")
    wait_for_script(page)
    page.get_by_text("2-D toy data (circles, moons, XOR, spirals, blobs)").click()
    wait_for_script(page)
    main = page.locator('[data-testid="stMain"]')
    main.locator('[data-testid="stSelectbox"]').filter(has_text="Toy set").click()
    page.get_by_role("option", name="Moons: two interleaved half circles").click()
    wait_for_script(page)
    assert_no_exception(page)
    expect(page.get_by_text("Two interleaved half circles. Both axes from -1.75 to 1.75.")).to_be_visible()
    expect(page.get_by_role("combobox", name="Preset")).to_have_value("Playground 2 → 8 → 8 → classes (Tanh)")
    number(page, "Batch size (0 = the whole training set)", "2")  # slow enough to watch it redraw
    number(page, "Epochs", "60")
    page.get_by_role("button", name="Start").click()
    # Live: the boundary is drawn under the points while the run trains.
    page.wait_for_selector("text=/Running · epoch \\d+\\/60/", timeout=60_000)
    boundary = page.locator('[data-testid="stImage"]').filter(has_text="Decision boundary").locator("img")
    expect(boundary).to_be_visible(timeout=30_000)
    screenshot(page, "playground_live")
    page.wait_for_selector("text=Test accuracy", timeout=180_000)
    wait_for_script(page)
    assert_no_exception(page)
    metrics = page.locator('[data-testid="stMetric"]').all_inner_texts()
    accuracy = float(re.search(r"([\d.]+)%", next(m for m in metrics if "Test accuracy" in m)).group(1))
    assert accuracy >= 95.0
    # The trained boundary: both moons' colours, each over a good part of the plane.
    orange, blue = colour_shares(boundary.screenshot())
    assert orange > 0.25 and blue > 0.25, (orange, blue)
    # Sixteen small maps, one per Tanh unit of both hidden layers, each a real picture.
    expect(page.get_by_text("Hidden layer 1 · Tanh: 8 units, model[1] (orange below 0, blue above)")).to_be_visible()
    expect(page.get_by_text("Hidden layer 2 · Tanh: 8 units, model[3] (orange below 0, blue above)")).to_be_visible()
    assert page.get_by_text(re.compile(r"^unit \d+$")).count() == 16
    # Every picture on the page (the set's preview, the boundary, 16 maps) has loaded and has pixels.
    loaded = page.locator('[data-testid="stImage"] img').evaluate_all(
        "images => images.map(i => i.complete && i.naturalWidth > 0)")
    assert loaded == [True] * 18
    screenshot(page, "playground_done")
