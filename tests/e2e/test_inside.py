"""Inside the trained network in a real browser: a letters run's first-layer pictures, a student's own letter
with its ten probabilities, and the mistakes pair by pair."""

from __future__ import annotations

import re

from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.support.browser import assert_no_exception, screenshot, wait_for_script


def test_a_letters_runs_first_layer_and_an_uploaded_letter(server_url: str, page: object, tmp_path) -> None:
    picture = Image.new("RGB", (160, 120), "white")  # dark ink on light paper, not 28×28
    ImageDraw.Draw(picture).polygon([(80, 10), (30, 110), (45, 110), (80, 35), (115, 110), (130, 110)], fill="black")
    ImageDraw.Draw(picture).rectangle([55, 70, 105, 80], fill="black")
    letter = tmp_path / "my_a.png"
    picture.save(letter)
    page.goto(f"{server_url}/training")
    wait_for_script(page)
    page.get_by_text("notMNIST letters A–J (28×28 images)").click()
    wait_for_script(page)
    box = page.get_by_label("Epochs", exact=True)
    box.fill("1")
    box.press("Enter")
    wait_for_script(page)
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("text=Test accuracy", timeout=60_000)
    wait_for_script(page)
    assert_no_exception(page)
    page.get_by_text("Inside the trained network: what it looks for and where it goes wrong").click()
    expect(page.get_by_text("First-layer weights as 28×28 pictures")).to_be_visible()
    expect(page.get_by_text("The first 64 of 256 units, numbered", exact=False)).to_be_visible()
    expect(page.get_by_text("The test mistakes, pair by pair")).to_be_visible()
    page.locator('[data-testid="stFileUploader"]').filter(has_text="A picture of one letter").locator(
        'input[type="file"]').set_input_files(str(letter))
    wait_for_script(page)
    assert_no_exception(page)
    expect(page.get_by_text("What the network sees (28×28)")).to_be_visible()
    expect(page.get_by_text(re.compile(r"The network says [A-J] with probability \d+\.\d%\."))).to_be_visible()
    screenshot(page, "inside_letters")
