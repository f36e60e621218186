"""The instructor's secret and the CSV export."""

from __future__ import annotations

import csv
import io

from nnlib.classroom.instructor import CSV_COLUMNS, runs_csv, secret_matches
from nnlib.classroom.storage import ClassroomStore, RunRecord


def test_the_secret_must_be_set_and_given_exactly() -> None:
    assert secret_matches("class-2026", "class-2026")
    assert not secret_matches("class-2025", "class-2026")
    assert not secret_matches("", "class-2026")
    assert not secret_matches(None, "class-2026")
    assert not secret_matches("", "") and not secret_matches("anything", None)


def test_the_export_has_every_run_and_no_formula_from_a_name(store: ClassroomStore) -> None:
    made = store.create_class("a")
    mallory = store.join(made.code, '=HYPERLINK("http://x","click")', "k1")
    ann = store.join(made.code, "Ann, \"the best\"", "k2")
    store.record_run(RunRecord("r1", made.code, mallory.id, "iris", "4-16-3", "sgd", "finished", 50, 50, 0.96))
    store.record_run(RunRecord("r2", made.code, ann.id, "notmnist", "784-128-10", "adam", "training", 2, 10))
    rows = list(csv.reader(io.StringIO(runs_csv(store.students(made.code), store.runs(made.code)))))
    assert tuple(rows[0]) == CSV_COLUMNS
    by_run = {row[1]: row for row in rows[1:]}
    assert by_run["r1"][0] == "'=HYPERLINK(\"http://x\",\"click\")"
    assert by_run["r1"][8] == "0.9600"
    assert by_run["r2"][0] == 'Ann, "the best"' and by_run["r2"][8] == ""
    assert (by_run["r2"][6], by_run["r2"][7]) == ("2", "10")
