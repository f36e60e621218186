"""The class load tool's --class mode: its order of variants, its summary, and one small class for real."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.server import ROOT
from tools.classroom_load.class_mode import nearest_rank, summarize, variant_order


def test_variants_alternate_so_a_drifting_machine_affects_them_alike() -> None:
    order = variant_order(["sqlite", "postgresql"], [False, True], 3)
    first = [("sqlite", False), ("sqlite", True), ("postgresql", False), ("postgresql", True)]
    assert order == first + first[::-1] + first
    assert variant_order(["sqlite"], [True], 2) == [("sqlite", True), ("sqlite", True)]


def test_nearest_rank_is_a_value_of_the_sample_and_never_below_the_median() -> None:
    assert nearest_rank([], 0.9) is None
    assert nearest_rank([0.4, 0.1], 0.9) == 0.4
    assert nearest_rank([float(i) for i in range(1, 11)], 0.9) == 9.0
    assert nearest_rank([float(i) for i in range(1, 11)], 0.5) == 5.0


def _class(engine: str, instructor: bool, pages: list[float], responses: list[float]) -> dict:
    return {"engine": engine, "instructor": instructor, "students": 2, "runs_finished": 2,
            "leaderboard_entries": 2, "runs_finished_in_challenge": 2, "exceptions": [], "page_times": pages,
            "responses": responses, "page_median_s": sorted(pages)[len(pages) // 2],
            "response_median_s": sorted(responses)[len(responses) // 2], "server_cpu_s": 1.0,
            "instructor_tab": {"live_reruns": 3} if instructor else None}


def test_summary_pools_the_repeats_and_compares_with_sqlite_without_the_instructor() -> None:
    classes = [
        _class("sqlite", False, [0.1, 0.1, 0.2], [0.1, 0.1]),
        _class("postgresql", True, [0.2, 0.2, 0.4], [0.3, 0.3]),
        _class("sqlite", False, [0.1, 0.1, 0.2], [0.1, 0.1]),
    ]
    summary = summarize(classes)
    base = summary["sqlite, without instructor"]
    assert base["classes"] == 2 and base["pages"] == 6 and base["runs_finished"] == "4 of 4"
    assert base["page_median_s"] == 0.1 and base["page_p90_s"] == 0.2 and base["page_median_ratio"] == 1.0
    other = summary["postgresql, with instructor"]
    assert other["page_median_ratio"] == 2.0 and other["response_median_ratio"] == 3.0
    assert other["instructor_live_reruns"] == [3]


@pytest.mark.slow
def test_a_small_class_joins_its_challenge_with_the_instructor_watching() -> None:
    """Two members join from the challenge link and train; both runs are on the leaderboard, once."""
    done = subprocess.run(
        [sys.executable, "-m", "tools.classroom_load", "--class", "--instructor", "--sessions", "2",
         "--ramp-seconds", "1", "--warm-up-seconds", "0", "--iris-epochs", "20", "--pause-seconds", "0",
         "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=400,
    )
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert done.returncode == 0, (summary, done.stderr[-2000:])
    variant = summary["variants"]["sqlite, with instructor"]
    assert variant["runs_finished"] == "2 of 2"
    assert variant["leaderboard_entries"] == variant["runs_finished_in_challenge_db"] == 2
    assert summary["instructor_signed_in"] and summary["no_exception_shown"]
    # Every page of the visit, the class link and the challenge link included, was timed.
    assert variant["pages"] == 2 * 11
