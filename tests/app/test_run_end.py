"""A run's end as the Training page sees it: results wait for the run's thread, and the page keeps watching.

The class observer writes to the database after the run's status reads "finished"; a page that
stopped redrawing at "finished" while that write was under way showed "Finished" without results
and a disabled Start until the student clicked something (3 of 240 students in a class load test).
"""

from __future__ import annotations

import threading

from nnlib.training.runner import BackgroundRun, RunSlots
from pages.sections.training import redraw_seconds, watched
from tests.unit.test_runner import make_trainer


def test_a_finished_run_still_telling_its_observers_keeps_the_page_watching() -> None:
    release, told = threading.Event(), threading.Event()

    def slow_database(run: BackgroundRun) -> None:
        if run.status == "finished":
            told.set()
            release.wait(30)

    run = BackgroundRun(make_trainer(epochs=3), slots=RunSlots(1))
    run.observers.append(slow_database)
    run.start()
    assert told.wait(60)
    # Finished, but its thread is still at the database: the panel redraws each second, and what it
    # watches changes once the thread ends, which reruns the page with the results.
    assert run.status == "finished" and run.is_alive
    assert redraw_seconds(run) == 1.0
    while_writing = watched(run)
    release.set()
    assert run.wait(30)
    assert watched(run) == ("finished", False) != while_writing == ("finished", True)
    assert redraw_seconds(run) is None and redraw_seconds(None) is None
