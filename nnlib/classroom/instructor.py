"""What only the instructor gets: the secret check and the class's results as CSV."""

from __future__ import annotations

import csv
import hmac
import io
import time
from collections.abc import Iterable

from nnlib.classroom.storage import RunRecord, Student

# A spreadsheet runs a cell that starts with one of these as a formula; a student's name must not.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("student", "run", "dataset", "network", "optimizer", "status", "epochs_done", "epochs_total",
               "accuracy", "challenge", "started", "updated")


def secret_matches(given: str | None, expected: str | None) -> bool:
    """True only when a secret is set and ``given`` is exactly it (compared in constant time)."""
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _when(seconds: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds)) if seconds else ""


def runs_csv(students: Iterable[Student], runs: Iterable[RunRecord]) -> str:
    """One row per run with the student's name, safe to open in a spreadsheet (UTC times)."""
    names = {student.id: student.name for student in students}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for run in runs:
        writer.writerow([
            _cell(names.get(run.student_id, "")), _cell(run.run_id), _cell(run.dataset), _cell(run.network),
            _cell(run.optimizer), _cell(run.status), run.epochs_done, run.epochs_total,
            "" if run.accuracy is None else f"{run.accuracy:.4f}", _cell(run.challenge_id or ""),
            _when(run.started_at), _when(run.updated_at),
        ])
    return out.getvalue()
