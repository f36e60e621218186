"""A class on one server, in real browsers: what one student does never stops another.

Each student is a browser context of its own (its own cookies, so its own student key);
a student's tabs are pages of one context. The server runs with one training slot and
short idle timeouts, so a forgotten run gives the slot back within seconds.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.support.archives import long_name_bomb, tiny_letters_archive
from tests.support.browser import assert_no_exception, screenshot, wait_for_script
from tests.support.server import running_server

CLASS_SETTINGS = {
    "NNLIB_CONCURRENT_RUNS": "1",
    "NNLIB_MAX_EPOCHS": "100000",  # a run that is surely still training when the next step looks
    "NNLIB_IDLE_PAUSE_SECONDS": "4",
    "NNLIB_IDLE_STOP_SECONDS": "600",
    "NNLIB_HEARTBEAT_SECONDS": "1",
}
LONG_RUN = "training_epochs_iris=50000&training_batch_iris=1"


@pytest.fixture(scope="module")
def class_url() -> Iterator[str]:
    with running_server(CLASS_SETTINGS) as url:
        yield url


@pytest.fixture()
def students(browser: object) -> Iterator[list]:
    """Call ``new()`` for each student: a browser context of its own."""
    contexts: list = []

    def new():
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        return context

    try:
        yield new
    finally:
        for context in contexts:
            context.close()


def open_training(context, url: str, query: str = LONG_RUN):
    tab = context.new_page()
    tab.goto(f"{url}/training?{query}")
    wait_for_script(tab)
    expect(tab.get_by_label("Epochs", exact=True)).to_have_value(query.split("training_epochs_iris=")[1].split("&")[0]
                                                                   if "training_epochs_iris" in query else "60",
                                                                   timeout=15_000)
    return tab


def button(tab, name: str):
    """A button of the page itself: while a rerun takes long, Streamlit's toolbar shows its own "Stop"."""
    return tab.locator('[data-testid="stMain"]').get_by_role("button", name=name, exact=True)


def press(tab, name: str) -> None:
    button(tab, name).click()
    wait_for_script(tab)


def status_line(tab, pattern: str, timeout_s: float = 60) -> None:
    tab.wait_for_selector(f"text=/{pattern}/", timeout=timeout_s * 1000)


def test_reload_and_a_reopened_tab_find_the_run_another_student_does_not(class_url: str, students) -> None:
    alice = students()
    tab = open_training(alice, class_url)
    press(tab, "Start")
    status_line(tab, r"Running · epoch \d+\/50000")
    assert "run=" in tab.url
    token_url = tab.url
    tab.reload()
    wait_for_script(tab)
    status_line(tab, r"Running · epoch \d+\/50000")
    assert not button(tab, "Stop").is_disabled()
    tab.close()  # closed mid-run
    reopened = alice.new_page()
    reopened.goto(f"{class_url}/training")  # no token: the student's newest run
    wait_for_script(reopened)
    status_line(reopened, r"Running · epoch \d+\/50000")
    expect(reopened.get_by_label("Epochs", exact=True)).to_have_value("50000", timeout=15_000)
    assert_no_exception(reopened)
    bob = students()
    stranger = bob.new_page()
    stranger.goto(token_url)  # alice's link, with her run's token
    wait_for_script(stranger)
    assert stranger.get_by_text("Press Start to train").count() == 1
    assert button(stranger, "Stop").is_disabled()
    press(reopened, "Stop")
    status_line(reopened, r"Stopped · epoch")


def test_pause_then_leave_gives_the_slot_to_the_next_student(class_url: str, students) -> None:
    alice, bob = students(), students()
    first = open_training(alice, class_url)
    press(first, "Start")
    status_line(first, r"Running · epoch")
    press(first, "Pause")
    status_line(first, r"Paused · epoch")
    first.close()  # and leaves
    second = open_training(bob, class_url, "training_epochs_iris=30")
    press(second, "Start")
    status_line(second, r"(Running|Finished) · epoch", timeout_s=20)  # not "number 1 in the queue"
    second.wait_for_selector("text=Test accuracy", timeout=120_000)
    assert_no_exception(second)


def test_a_closed_tab_mid_run_is_paused_and_the_queue_moves_on(class_url: str, students) -> None:
    alice, bob = students(), students()
    first = open_training(alice, class_url)
    press(first, "Start")
    status_line(first, r"Running · epoch")
    first.close()
    second = open_training(bob, class_url, "training_epochs_iris=30")
    press(second, "Start")
    # Alice's run holds the one slot until the server notices she is gone (4 s here).
    second.wait_for_selector("text=Test accuracy", timeout=120_000)
    assert_no_exception(second)
    back = alice.new_page()
    back.goto(f"{class_url}/training")
    wait_for_script(back)
    status_line(back, r"Paused · epoch")
    assert back.get_by_text("nobody has looked at this run").count() == 1
    screenshot(back, "training_paused_when_left")
    press(back, "Stop")


def test_one_run_per_student_across_tabs_race_included(class_url: str, students) -> None:
    carol = students()
    first = open_training(carol, class_url)
    press(first, "Start")
    status_line(first, r"(Running|Waiting)")
    second = carol.new_page()
    second.goto(f"{class_url}/training")
    wait_for_script(second)
    press(second, "Race")
    expect(second.get_by_text("You already have a training run in progress")).to_be_visible(timeout=15_000)
    screenshot(second, "training_one_run_per_student")
    press(second, "Stop")
    first.close()


def open_letters(context, url: str):
    tab = context.new_page()
    tab.goto(f"{url}/training")
    wait_for_script(tab)
    tab.get_by_text("notMNIST letters A–J").click()
    wait_for_script(tab)
    tab.get_by_text("Get the real notMNIST").click()
    return tab


def test_an_upload_stays_with_its_student_and_a_bomb_is_refused_at_once(class_url: str, students,
                                                                        tmp_path) -> None:
    alice, bob = students(), students()
    mine = open_letters(alice, class_url)
    mine.locator('input[type="file"]').set_input_files(str(tiny_letters_archive(tmp_path)))
    expect(mine.get_by_text("Your upload: notMNIST_small.tar.gz")).to_be_visible(timeout=30_000)
    expect(mine.get_by_text("notMNIST (your upload): 10 images from notMNIST_small.tar.gz").first).to_be_visible()
    assert_no_exception(mine)
    theirs = open_letters(bob, class_url)
    assert theirs.get_by_text("Your upload").count() == 0  # bob still trains on the class's letters
    expect(theirs.get_by_text("10,000 samples", exact=False).first).to_be_visible()
    theirs.locator('input[type="file"]').set_input_files(str(long_name_bomb(tmp_path)))
    alert = theirs.locator('[data-testid="stAlert"]', has_text="letters.tar.gz")
    expect(alert).to_be_visible(timeout=15_000)
    assert ".part" not in alert.inner_text() and "/tmp" not in alert.inner_text()
    screenshot(theirs, "training_upload_bomb_refused")
    assert_no_exception(theirs)
    # Alice's upload is hers for her whole session (away to another page and back); bob's bomb changed nothing.
    mine.get_by_role("link", name="Tensors").click()
    wait_for_script(mine)
    mine.get_by_role("link", name="Training").click()
    wait_for_script(mine)
    expect(mine.get_by_text("Your upload: notMNIST_small.tar.gz")).to_be_visible(timeout=15_000)
