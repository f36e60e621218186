"""Classroom mode in real browsers: two students on one challenge, and a question seen by the instructor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nnlib.classroom.challenges import ChallengeSetup, Goal
from nnlib.classroom.storage import ClassroomStore
from tests.support.browser import assert_no_exception, screenshot, wait_for_script
from tests.support.server import running_server

SECRET = "room-7"


@pytest.fixture(scope="module")
def classroom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ClassroomStore]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('classroom') / 'classroom.sqlite3'}"
    store = ClassroomStore(url)
    store.migrate()
    with running_server({"NNLIB_DATABASE_URL": url, "NNLIB_INSTRUCTOR_SECRET": SECRET}) as server:
        yield server, store


def join(browser, server: str, code: str, name: str, challenge: str | None = None):
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    page.goto(f"{server}/classroom?class={code}" + (f"&challenge={challenge}" if challenge else ""))
    wait_for_script(page)
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Join").click()
    page.get_by_text("You are in the class").wait_for(timeout=60_000)
    return context, page


def test_two_students_on_one_challenge_reach_the_leaderboard_in_order(classroom, browser) -> None:
    server, store = classroom
    made = store.create_class("Challenge day")
    setup = ChallengeSetup(Goal(0.5), base={"dataset": "iris", "epochs": 8}, locked=("dataset", "epochs"))
    challenge = store.create_challenge(made.code, "Iris in 8 epochs", setup.to_dict(), None)
    students = []
    for name, lr in (("Ann", "0.1000"), ("Bob <i>2</i>", "0.0100")):
        context, page = join(browser, server, made.code, name, challenge)
        page.get_by_role("link", name="Train for this challenge").click()
        page.get_by_text("Challenge: Iris in 8 epochs.").wait_for(timeout=60_000)
        learning_rate = page.get_by_label("Learning rate η")
        learning_rate.fill(lr)
        learning_rate.press("Enter")
        wait_for_script(page)
        page.get_by_role("button", name="Start", exact=True).click()
        page.get_by_role("heading", name="5 · Results on the test set").wait_for(timeout=120_000)
        assert_no_exception(page)
        students.append((context, page))
    runs = sorted(store.runs(made.code), key=lambda r: (-r.accuracy, r.settings["hidden_units"]))
    assert [r.epochs_done for r in runs] == [8, 8] and all(r.accuracy >= 0.5 for r in runs)
    names = {s.id: s.name for s in store.students(made.code)}
    expected = [names[r.student_id] for r in runs]
    _, page = students[1]
    page.goto(f"{server}/classroom?class={made.code}&challenge={challenge}")
    wait_for_script(page)
    table = page.locator("[data-testid='stTable']").first
    table.wait_for(timeout=60_000)
    shown = [row.locator("td").first.inner_text().strip() for row in table.locator("tbody tr").all()]
    assert shown == expected  # "Bob <i>2</i>" as typed, not markup
    screenshot(page, "classroom_leaderboard")
    for context, _ in students:
        context.close()


def test_a_predict_then_run_answer_shows_on_the_instructor_page(classroom, browser) -> None:
    server, store = classroom
    made = store.create_class("Questions")
    store.set_questions(made.code, ["mse_course"])
    context, page = join(browser, server, made.code, "Cid")
    page.goto(f"{server}/losses")
    wait_for_script(page)
    page.get_by_text("Predict first (1 question)").click()
    answer = page.get_by_label("Your answer")
    answer.fill("0.5800")
    answer.press("Enter")
    wait_for_script(page)
    page.get_by_role("button", name="Check").click()
    page.get_by_text("Right. The answer is 0.58.").wait_for(timeout=60_000)
    context.close()

    instructor = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = instructor.new_page()
    page.goto(f"{server}/instructor")
    wait_for_script(page)
    page.get_by_label("Instructor secret").fill(SECRET)
    page.get_by_test_id("stMain").get_by_role("button", name="Open").click()
    page.get_by_text("The class live").wait_for(timeout=60_000)
    page.get_by_text(f"/classroom?class={made.code}").wait_for(timeout=30_000)  # the newest class comes first
    page.get_by_text("1 of 1 right (expected 0.58)").wait_for(timeout=60_000)
    assert_no_exception(page)
    screenshot(page, "instructor")
    instructor.close()
    assert Path("tests/e2e/screenshots/instructor.png").exists()
