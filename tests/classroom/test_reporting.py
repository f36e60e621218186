"""A class member's run reaches the class database and, finished in a challenge, its leaderboard once."""

from __future__ import annotations

from nnlib.classroom.challenges import ChallengeSetup, Goal
from nnlib.classroom.reporting import report_run
from nnlib.classroom.storage import ClassroomStore

CONFIG = {"dataset": "iris", "optimizer": "adam", "lr": 0.01, "epochs": 60, "batch_size": 16}


def test_a_run_is_recorded_then_posted_once_when_it_reaches_the_goal(store: ClassroomStore) -> None:
    made = store.create_class("a")
    ann = store.join(made.code, "Ann", "k")
    setup = ChallengeSetup(Goal(0.9, max_hidden_units=16), base={"dataset": "iris"}, locked=("dataset",))
    challenge = store.create_challenge(made.code, "iris 90", setup.to_dict(), None)
    common = dict(run_id="r1", class_code=made.code, student_id=ann.id, challenge_id=challenge, config=CONFIG,
                  network="4-16-3", epochs_total=60, hidden_units=16)
    assert report_run(store, status="training", epochs_done=10, test_accuracy=None, **common) is None
    (run,) = store.runs(made.code)
    assert (run.status, run.epochs_done, run.settings["hidden_units"], run.settings["lr"]) == ("training", 10, 16, 0.01)
    result = report_run(store, status="finished", epochs_done=60, test_accuracy=0.9667, **common)
    assert result.reached
    again = report_run(store, status="finished", epochs_done=60, test_accuracy=0.9667, **common)
    assert again.reached
    board = store.leaderboard(challenge)
    assert [(e.name, e.score, e.size, e.epochs) for e in board] == [("Ann", 0.9667, 16, 60)]


def test_a_run_that_breaks_a_rule_is_recorded_but_not_posted(store: ClassroomStore) -> None:
    made = store.create_class("a")
    ann = store.join(made.code, "Ann", "k")
    setup = ChallengeSetup(Goal(0.9, max_hidden_units=8), base={"dataset": "iris"}, locked=("dataset",))
    challenge = store.create_challenge(made.code, "iris small", setup.to_dict(), None)
    result = report_run(store, run_id="r2", class_code=made.code, student_id=ann.id, challenge_id=challenge,
                        config=CONFIG, network="4-16-3", status="finished", epochs_done=60, epochs_total=60,
                        test_accuracy=0.97, hidden_units=16)
    assert (result.reached, result.reason) == (False, "classroom.challenge_too_big")
    assert store.leaderboard(challenge) == []
    assert store.runs(made.code)[0].accuracy == 0.97


def test_a_background_run_reports_itself_even_with_no_tab_open(store: ClassroomStore) -> None:
    from nnlib.classroom.reporting import ClassRunObserver
    from nnlib.training.runner import BackgroundRun, RunSlots
    from tests.unit.test_runner import make_trainer

    made = store.create_class("a")
    ann = store.join(made.code, "Ann", "k")
    setup = ChallengeSetup(Goal(0.5, max_hidden_units=8), base={"optimizer": "adam"}, locked=("optimizer",))
    challenge = store.create_challenge(made.code, "blobs", setup.to_dict(), None)
    reference = make_trainer(epochs=12)
    reference.run()
    run = BackgroundRun(make_trainer(epochs=12), slots=RunSlots(1))
    observer = ClassRunObserver(store, "tok-1", made.code, ann.id, challenge, every_s=0.0)
    run.observers.append(observer)
    run.start()
    assert run.wait(60)
    (row,) = store.runs(made.code)
    assert (row.status, row.epochs_done, row.epochs_total, row.network) == ("finished", 12, 12, "4-8-3")
    assert row.accuracy == reference.state["test_acc"] and row.settings["hidden_units"] == 8
    assert observer.outcome.reached == (reference.state["test_acc"] >= 0.5)
    assert [e.run_id for e in store.leaderboard(challenge)] == (["tok-1"] if observer.outcome.reached else [])


def test_an_observer_that_fails_never_stops_the_run() -> None:
    from nnlib.training.runner import BackgroundRun, RunSlots
    from tests.unit.test_runner import make_trainer

    run = BackgroundRun(make_trainer(epochs=3), slots=RunSlots(1))
    run.observers.append(lambda _: 1 / 0)
    run.start()
    assert run.wait(60) and run.status == "finished" and run.epoch == 3
