"""The Class and Instructor pages with AppTest, on a real SQLite class database of their own."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnlib.classroom.storage import class_store
from tests.app.conftest import app_test

SECRET = "physics-room-12"


@pytest.fixture()
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'classroom.sqlite3'}"
    monkeypatch.setenv("NNLIB_DATABASE_URL", url)
    return url


def unlocked_instructor(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NNLIB_INSTRUCTOR_SECRET", SECRET)
    at = app_test("pages/instructor.py").run()
    at.text_input(key="instructor_secret_given").input(SECRET)
    at.button[0].click().run()
    return at


def test_without_a_secret_the_instructor_page_says_how_and_shows_nothing(database, monkeypatch) -> None:
    monkeypatch.delenv("NNLIB_INSTRUCTOR_SECRET", raising=False)
    at = app_test("pages/instructor.py").run()
    assert "NNLIB_INSTRUCTOR_SECRET" in at.info[0].value
    assert not at.text_input and not at.get("download_button")


def test_a_wrong_secret_opens_nothing(database, monkeypatch) -> None:
    monkeypatch.setenv("NNLIB_INSTRUCTOR_SECRET", SECRET)
    class_store(database).create_class("Evening group")
    at = app_test("pages/instructor.py").run()
    at.text_input(key="instructor_secret_given").input("physics-room-13")
    at.button[0].click().run()
    assert at.error[0].value == "That is not the instructor secret."
    assert not at.get("download_button") and not at.selectbox and not at.dataframe


def test_the_instructor_creates_a_class_and_sees_students_runs_and_the_export(database, monkeypatch) -> None:
    at = unlocked_instructor(monkeypatch)
    at.text_input(key="instructor_new_title").input("Группа 3")
    at.button[0].click().run()
    store = class_store(database)
    (made,) = store.classes()
    assert made.title == "Группа 3"
    assert f"/classroom?class={made.code}" in at.code[0].value
    store.join(made.code, "<img src=x onerror=alert(1)>", "browser-1")
    at.run()
    names = at.dataframe[0].value["Name"].tolist()
    assert names == ["<img src=x onerror=alert(1)>"]
    assert at.get("download_button")
    # A challenge's goal is test accuracy: its data sets are those with classes, by their titles.
    (datasets,) = [box for box in at.selectbox if box.label == "Dataset"]
    assert datasets.options == ["Iris (150 flowers, 4 features, 3 species)", "notMNIST letters A–J (28×28 images)",
                                "Circles: a disc inside a ring", "Moons: two interleaved half circles",
                                "XOR: four squares", "Two spirals", "Blobs: three Gaussian clouds"]


def test_a_student_joins_from_the_link_and_sees_the_challenge(database, monkeypatch) -> None:
    store = class_store(database)
    made = store.create_class("Morning")
    store.create_challenge(made.code, "Iris 95", {"goal": {"min_accuracy": 0.95}, "base": {"dataset": "iris"},
                                                  "locked": ["dataset"]}, None)
    at = app_test("pages/classroom.py")
    at.query_params["class"] = made.code
    at.run()
    assert at.text_input(key="class_join_code").value == made.code
    at.text_input(key="class_join_name").input("**Ann** :red[x]")
    at.button[0].click().run()
    (ann,) = store.students(made.code)
    assert ann.name == "**Ann** :red[x]"
    assert at.success[0].value == "You are in the class «Morning» as \\*\\*Ann\\*\\* \\:red\\[x\\]."
    assert "test accuracy ≥ 95%" in at.markdown[0].value
    assert "dataset = iris" in at.markdown[1].value


def test_a_wrong_class_code_gets_one_clear_message(database) -> None:
    at = app_test("pages/classroom.py").run()
    at.text_input(key="class_join_code").input("NOPE42")
    at.text_input(key="class_join_name").input("Ann")
    at.button[0].click().run()
    assert at.error[0].value == "There is no class with the code NOPE42. Check the link your instructor gave you."


def test_a_challenge_run_keeps_the_locks_and_reaches_the_leaderboard_from_the_servers_numbers(
        database, monkeypatch) -> None:
    from nnlib.classroom.challenges import ChallengeSetup, Goal

    store = class_store(database)
    made = store.create_class("Morning")
    store.join(made.code, "Ann", "test-ann")
    setup = ChallengeSetup(Goal(0.5), base={"dataset": "iris", "epochs": 3}, locked=("dataset", "epochs"))
    challenge = store.create_challenge(made.code, "Iris in 3 epochs", setup.to_dict(), None)
    at = app_test("pages/training.py", timeout=120)
    at.session_state["student_key"] = "test-ann"
    at.query_params["class"] = made.code
    at.query_params["challenge"] = challenge
    at.run()
    assert "Challenge: Iris in 3 epochs." in at.info[0].value and "`epochs = 3`" in at.info[0].value
    at.number_input(key="training_epochs_iris").set_value(40).run()  # the lock wins at Start
    next(b for b in at.button if b.key == "training_start").click().run()
    run = at.session_state["training_run"]
    assert run.wait(120) and run.status == "finished"
    assert run.config.epochs == 3 and run.epoch == 3
    (row,) = store.runs(made.code)
    assert (row.status, row.epochs_done, row.challenge_id) == ("finished", 3, challenge)
    assert row.accuracy == run.trainer.state["test_acc"]
    board = store.leaderboard(challenge)
    assert row.accuracy >= 0.5  # iris after 3 epochs of the default recipe (seed 0)
    assert [(e.name, e.score, e.epochs) for e in board] == [("Ann", row.accuracy, 3)]


def test_a_student_alone_predicts_first_and_is_told_why(database) -> None:
    at = app_test("pages/losses.py").run()
    assert at.expander[0].label == "Predict first (3 questions)"
    at.number_input(key="predict_mse_course_value").set_value(0.7).run()
    at.button(key="predict_mse_course_check").click().run()
    assert at.warning[0].value == "Not quite. The answer is 0.58."
    assert any("(0.01 + 1.69 + 0.04) / 3 = 0.58" in caption.value for caption in at.caption)


def test_a_class_members_answer_reaches_the_instructor_only_for_the_chosen_questions(database) -> None:
    store = class_store(database)
    made = store.create_class("Morning")
    ann = store.join(made.code, "Ann", "test-ann")
    store.set_questions(made.code, ["gradient_sign"])
    at = app_test("pages/backprop.py")
    at.session_state["student_key"] = "test-ann"
    at.run()
    assert at.expander[0].label == "Predict first (1 question)"
    at.radio(key="predict_gradient_sign_value").set_value("negative").run()
    at.button(key="predict_gradient_sign_check").click().run()
    assert at.success[0].value == "Right. The answer is negative."
    (answer,) = store.answers(made.code, "gradient_sign")
    assert (answer.student_id, answer.correct) == (ann.id, True)
    losses = app_test("pages/losses.py")
    losses.session_state["student_key"] = "test-ann"
    losses.run()
    assert not losses.expander or not losses.expander[0].label.startswith("Predict first")


def test_a_challenge_on_a_toy_set_opens_that_set_with_its_lock(database) -> None:
    from nnlib.classroom.challenges import ChallengeSetup, Goal

    store = class_store(database)
    made = store.create_class("Playground")
    store.join(made.code, "Ann", "test-ann-toy")
    setup = ChallengeSetup(Goal(0.9), base={"dataset": "moons", "epochs": 4}, locked=("dataset", "epochs"))
    challenge = store.create_challenge(made.code, "Moons", setup.to_dict(), None)
    at = app_test("pages/training.py", timeout=120)
    at.session_state["student_key"] = "test-ann-toy"
    at.query_params["class"] = made.code
    at.query_params["challenge"] = challenge
    at.run()
    assert not at.exception
    assert at.radio(key="training_dataset").value == "toy"
    assert at.selectbox(key="training_toy_set").value == "moons"
    assert at.number_input(key="training_epochs_moons").value == 4
