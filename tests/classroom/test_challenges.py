"""Challenges: locked settings, goals, deadlines, and the class plot."""

from __future__ import annotations

import pytest

from nnlib.classroom.challenges import ChallengeSetup, Goal, class_points, outcome
from nnlib.classroom.storage import RunRecord
from nnlib.core.errors import InputError

MOONS = ChallengeSetup(
    goal=Goal(min_accuracy=0.95, max_hidden_units=8),
    base={"dataset": "moons", "epochs": 200, "lr": 0.1},
    locked=("dataset", "epochs"),
    deadline=2_000_000_000.0,
)


def test_a_setup_round_trips_through_the_database_form() -> None:
    assert ChallengeSetup.from_dict(MOONS.to_dict()) == MOONS


def test_locked_settings_are_put_back() -> None:
    chosen = {"dataset": "iris", "epochs": 5000, "lr": 0.5, "optimizer": "adam"}
    assert MOONS.apply(chosen) == {"dataset": "moons", "epochs": 200, "lr": 0.5, "optimizer": "adam"}


@pytest.mark.parametrize(
    ("settings", "accuracy", "hidden", "epochs", "finished", "reason"),
    [
        ({"dataset": "moons", "epochs": 200}, 0.97, 8, 200, 1e9, None),
        ({"dataset": "moons", "epochs": 200}, 0.97, 9, 200, 1e9, "classroom.challenge_too_big"),
        ({"dataset": "moons", "epochs": 200}, 0.949, 4, 200, 1e9, "classroom.challenge_below_goal"),
        ({"dataset": "moons", "epochs": 300}, 0.99, 4, 300, 1e9, "classroom.challenge_locked_changed"),
        ({"dataset": "moons", "epochs": 200}, 0.99, 4, 200, 2.1e9, "classroom.challenge_closed"),
    ],
    ids=["reached", "too-big", "below", "unlocked", "late"],
)
def test_a_run_reaches_the_goal_only_within_every_rule(settings, accuracy, hidden, epochs, finished, reason) -> None:
    result = outcome(MOONS, settings, accuracy, hidden, epochs, finished_at=finished)
    assert (result.reached, result.reason) == (reason is None, reason)
    assert (result.score, result.size, result.epochs) == (accuracy, hidden, epochs)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"goal": {"min_accuracy": 1.5}}, "classroom.challenge_goal"),
        ({"goal": {"min_accuracy": 0.9}, "base": {"data_path": "/etc/passwd"}}, "classroom.challenge_setting"),
        ({"goal": {"min_accuracy": 0.9}, "locked": ["lr"]}, "classroom.challenge_unfixed"),
        ({"goal": {"min_accuracy": 0.9, "max_epochs": 0}}, "classroom.challenge_limit"),
    ],
    ids=["goal", "setting", "unfixed", "limit"],
)
def test_a_setup_that_cannot_work_is_refused(data, code) -> None:
    with pytest.raises(InputError) as wrong:
        ChallengeSetup.from_dict(data)
    assert wrong.value.code == code


def test_the_class_plot_has_one_point_per_finished_run() -> None:
    def run(run_id, status, accuracy, lr, challenge="c1"):
        return RunRecord(run_id, "K", "s", "moons", "2-8-2", "sgd", status, 200, 200, accuracy, challenge,
                         {"lr": lr})

    runs = [run("a", "finished", 0.9, 0.1), run("b", "training", None, 0.5), run("c", "finished", 0.97, 1.0),
            run("d", "finished", 0.5, 3.0, challenge="other")]
    assert class_points(runs, "lr", "c1") == [{"run": "a", "lr": 0.1, "accuracy": 0.9},
                                              {"run": "c", "lr": 1.0, "accuracy": 0.97}]
    with pytest.raises(InputError):
        class_points(runs, "__class__")
