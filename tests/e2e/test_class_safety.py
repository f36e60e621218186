"""A class on one server, in real browsers: what one student does never stops another.

Each student is a browser context of its own (its own cookies, so its own student key);
a student's tabs are pages of one context. The server runs with one training slot and
short idle timeouts, so a forgotten run gives the slot back within seconds.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception, running_server, screenshot, wait_for_script

CLASS_SETTINGS = {
    "NNLIB_CONCURRENT_RUNS": "1",
    "NNLIB_IDLE_PAUSE_SECONDS": "4",
    "NNLIB_IDLE_STOP_SECONDS": "600",
    "NNLIB_HEARTBEAT_SECONDS": "1",
}
LONG_RUN = "training_epochs_iris=400&training_batch_iris=1"


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


def press(tab, name: str) -> None:
    tab.get_by_role("button", name=name, exact=True).click()
    wait_for_script(tab)


def status_line(tab, pattern: str, timeout_s: float = 60) -> None:
    tab.wait_for_selector(f"text=/{pattern}/", timeout=timeout_s * 1000)


def test_reload_and_a_reopened_tab_find_the_run_another_student_does_not(class_url: str, students) -> None:
    alice = students()
    tab = open_training(alice, class_url)
    press(tab, "Start")
    status_line(tab, r"Running · epoch \d+\/400")
    assert "run=" in tab.url
    token_url = tab.url
    tab.reload()
    wait_for_script(tab)
    status_line(tab, r"Running · epoch \d+\/400")
    assert not tab.get_by_role("button", name="Stop", exact=True).is_disabled()
    tab.close()  # closed mid-run
    reopened = alice.new_page()
    reopened.goto(f"{class_url}/training")  # no token: the student's newest run
    wait_for_script(reopened)
    status_line(reopened, r"Running · epoch \d+\/400")
    expect(reopened.get_by_label("Epochs", exact=True)).to_have_value("400", timeout=15_000)
    assert_no_exception(reopened)
    bob = students()
    stranger = bob.new_page()
    stranger.goto(token_url)  # alice's link, with her run's token
    wait_for_script(stranger)
    assert stranger.get_by_text("Press Start to train").count() == 1
    assert stranger.get_by_role("button", name="Stop", exact=True).is_disabled()
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
