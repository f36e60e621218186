"""What the class database learns about a class member's run, and when a run enters a leaderboard.

The server calls :func:`report_run` from the run it trains (its own config, its own measured
accuracy), never with numbers a student typed; a finished run in a challenge is checked against the
challenge (:func:`~nnlib.classroom.challenges.outcome`) and posted once.
"""

from __future__ import annotations

from collections.abc import Mapping
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
