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
