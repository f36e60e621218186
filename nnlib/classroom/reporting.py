"""What the class database learns about a class member's run, and when a run enters a leaderboard.

The server calls :func:`report_run` from the run it trains (its own config, its own measured
accuracy), never with numbers a student typed; a finished run in a challenge is checked against the
challenge (:func:`~nnlib.classroom.challenges.outcome`) and posted once.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nnlib.classroom.challenges import ChallengeSetup, Outcome, outcome
from nnlib.classroom.storage import ClassroomStore, RunRecord

FINISHED = "finished"


def report_run(
    store: ClassroomStore, *, run_id: str, class_code: str, student_id: str, challenge_id: str | None,
    config: Mapping[str, Any], network: str, status: str, epochs_done: int, epochs_total: int,
    test_accuracy: float | None, hidden_units: int,
) -> Outcome | None:
    """Record the run's state; for a finished run in a challenge, how it stands (posted if it qualifies)."""
    settings = {key: config[key] for key in ("lr", "batch_size", "epochs", "momentum", "weight_decay", "seed")
                if key in config}
    settings["hidden_units"] = int(hidden_units)
    store.record_run(RunRecord(
        run_id=run_id, class_code=class_code, student_id=student_id, dataset=str(config.get("dataset", "")),
        network=network, optimizer=str(config.get("optimizer", "")), status=status,
        epochs_done=int(epochs_done), epochs_total=int(epochs_total), accuracy=test_accuracy,
        challenge_id=challenge_id, settings=settings,
    ))
    if status != FINISHED or challenge_id is None or test_accuracy is None:
        return None
    found = store.challenge(challenge_id)
    if found is None or found[0] != class_code:
        return None
    result = outcome(ChallengeSetup.from_dict(found[2]), config, test_accuracy, hidden_units, epochs_done)
    if result.reached:
        store.post_result(challenge_id, run_id, student_id, result.score, result.size, result.epochs)
    return result


def network_shape(model: object) -> tuple[str, int]:
    """("4-16-3", 16): the Linear layers' sizes, and the hidden units (every Linear output but the last)."""
    from torch import nn

    linears = [m for m in model.modules() if isinstance(m, nn.Linear)] if isinstance(model, nn.Module) else []
    if not linears:
        return "", 0
    sizes = [linears[0].in_features, *(m.out_features for m in linears)]
    return "-".join(str(size) for size in sizes), sum(m.out_features for m in linears[:-1])


@dataclass
class ClassRunObserver:
    """Told by a background run after each epoch and at its end; keeps the class database up to date.

    Runs in the training thread, so it writes at most every ``every_s`` seconds (and always at the
    end); the numbers come from the run itself. A closed tab changes nothing: the run still reports.
    """

    store: ClassroomStore
    run_id: str
    class_code: str
    student_id: str
    challenge_id: str | None = None
    every_s: float = 2.0
    last_written: float = field(default=0.0)
    outcome: Outcome | None = None

    def __call__(self, run: Any) -> None:
        status = run.status
        now = time.monotonic()
        ending = status in ("finished", "stopped", "failed")
        if not ending and now - self.last_written < self.every_s:
            return
        self.last_written = now
        trainer = run.trainer
        network, hidden = network_shape(trainer.model) if trainer is not None else ("", 0)
        accuracy = None
        if status == FINISHED and trainer is not None and trainer.state.get("test_acc", -1) >= 0:
            accuracy = float(trainer.state["test_acc"])
        self.outcome = report_run(
            self.store, run_id=self.run_id, class_code=self.class_code, student_id=self.student_id,
            challenge_id=self.challenge_id, config=run.config.to_dict(), network=network, status=status,
            epochs_done=run.epoch, epochs_total=run.config.epochs, test_accuracy=accuracy, hidden_units=hidden,
        ) or self.outcome
