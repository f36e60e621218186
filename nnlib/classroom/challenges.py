"""Challenge links: a setup the instructor fixes, a goal, a deadline, and what counts as reaching it.

A challenge starts every student from the same training settings (``base``); the settings named
in ``locked`` cannot be changed; the goal is a test accuracy to reach, optionally with at most so
many hidden units or epochs. A finished run qualifies from the numbers the *server* measured
(:func:`outcome` takes them from the run, never from a student), and ranks by accuracy, then the
smaller network, then fewer epochs.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from nnlib.classroom.storage import RunRecord
from nnlib.core.errors import InputError

# The training settings a challenge may fix or lock (TrainConfig fields a student sets on the page).
SETTINGS = ("dataset", "network", "optimizer", "lr", "momentum", "batch_size", "epochs", "seed", "weight_decay")
SWEEP_AXES = ("lr", "batch_size", "epochs", "hidden_units", "momentum", "weight_decay")


@dataclass(frozen=True)
class Goal:
    min_accuracy: float  # test accuracy, 0-1
    max_hidden_units: int | None = None
    max_epochs: int | None = None


@dataclass(frozen=True)
class ChallengeSetup:
    goal: Goal
    base: Mapping[str, Any] = field(default_factory=dict)
    locked: tuple[str, ...] = ()
    deadline: float | None = None  # seconds since the epoch; None: open until the instructor closes it

    def to_dict(self) -> dict[str, Any]:
        return {"goal": asdict(self.goal), "base": dict(self.base), "locked": list(self.locked),
                "deadline": self.deadline}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChallengeSetup:
        goal = data.get("goal") or {}
        setup = cls(
            goal=Goal(float(goal.get("min_accuracy", 0.0)), goal.get("max_hidden_units"), goal.get("max_epochs")),
            base=dict(data.get("base") or {}),
            locked=tuple(data.get("locked") or ()),
            deadline=data.get("deadline"),
        )
        setup.check()
        return setup

    def check(self) -> None:
        """InputError if the instructor's setup cannot work."""
        if not 0.0 < self.goal.min_accuracy <= 1.0:
            raise InputError("classroom.challenge_goal", field="min_accuracy", value=self.goal.min_accuracy)
        unknown = [name for name in (*self.base, *self.locked) if name not in SETTINGS]
        if unknown:
            raise InputError("classroom.challenge_setting", field="locked", name=str(unknown[0])[:40],
                             known=", ".join(SETTINGS))
        unfixed = [name for name in self.locked if name not in self.base]
        if unfixed:
            raise InputError("classroom.challenge_unfixed", field="locked", name=unfixed[0])
        for limit in (self.goal.max_hidden_units, self.goal.max_epochs):
            if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
                raise InputError("classroom.challenge_limit", field="goal", value=str(limit)[:20])

    def apply(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        """The student's settings with the locked ones put back to the instructor's values."""
        applied = dict(settings)
        applied.update({name: self.base[name] for name in self.locked})
        return applied

    def open_at(self, moment: float | None = None) -> bool:
        return self.deadline is None or (moment if moment is not None else time.time()) <= self.deadline


@dataclass(frozen=True)
class Outcome:
    """Whether a finished run reached the goal; ``reason`` is a message code when it did not."""

    reached: bool
    score: float
    size: int
    epochs: int
    reason: str | None = None


def outcome(
    setup: ChallengeSetup, settings: Mapping[str, Any], test_accuracy: float, hidden_units: int, epochs: int,
    finished_at: float | None = None,
) -> Outcome:
    """How a run the server trained with ``settings`` stands against the challenge."""
    def result(reason: str | None) -> Outcome:
        return Outcome(reason is None, float(test_accuracy), int(hidden_units), int(epochs), reason)

    if not setup.open_at(finished_at):
        return result("classroom.challenge_closed")
    if any(settings.get(name) != setup.base[name] for name in setup.locked):
        return result("classroom.challenge_locked_changed")
    goal = setup.goal
    if goal.max_hidden_units is not None and hidden_units > goal.max_hidden_units:
        return result("classroom.challenge_too_big")
    if goal.max_epochs is not None and epochs > goal.max_epochs:
        return result("classroom.challenge_too_long")
    if test_accuracy < goal.min_accuracy:
        return result("classroom.challenge_below_goal")
    return result(None)


def class_points(runs: Iterable[RunRecord], axis: str, challenge_id: str | None = None) -> list[dict[str, Any]]:
    """The class as one experiment: each finished run's ``axis`` setting against its test accuracy."""
    if axis not in SWEEP_AXES:
        raise InputError("classroom.sweep_axis", field="axis", axis=str(axis)[:40], known=", ".join(SWEEP_AXES))
    points = []
    for run in runs:
        if run.status != "finished" or run.accuracy is None:
            continue
        if challenge_id is not None and run.challenge_id != challenge_id:
            continue
        value = (run.settings or {}).get(axis)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        points.append({"run": run.run_id, axis: value, "accuracy": run.accuracy})
    return points
