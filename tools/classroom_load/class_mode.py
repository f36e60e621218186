"""A class joined to a challenge, with and without the instructor watching, on SQLite and PostgreSQL.

    python -m tools.classroom_load --class                          # 10 students in a class, one challenge
    python -m tools.classroom_load --class --instructor             # ... with the Instructor page open
    python -m tools.classroom_load --class --database postgresql    # ... the class database on PostgreSQL
    python -m tools.classroom_load --class --compare --repeats 3     # all four, interleaved, in one run

Before the students arrive, the tool creates a class and a challenge (iris, dataset locked, a goal
every finished run reaches) in the database the server uses, through nnlib.classroom's storage
layer: the server gets that database as NNLIB_DATABASE_URL. SQLite is a fresh file in a
temporary folder; PostgreSQL is NNLIB_DATABASE_URL when it names one, else a throwaway cluster
on a loopback port (tests/support/postgres.py: Debian's ``postgresql`` package). Each student is
a protocol client (tools/classroom_load/protocol_client.py, a browser of its own) that opens the
challenge link (/classroom?class=CODE&challenge=ID), joins with a name, visits every page of the
course, comes back to the Class page, follows "Train for this challenge" and trains there: a class
member training the challenge, reported to the class by the server. With the instructor, one more
session signs in on the Instructor page (the secret the server was given as
NNLIB_INSTRUCTOR_SECRET) before the class arrives and stays there until it has left, its live
view rerunning every few seconds as the page asks.

Students connect through the timing relay (tools/classroom_load/relay.py): "server response" is
each rerun from the request passing the relay to the server's "script finished"; "page" is what
the student's client saw for each page it opened. The instructor connects to the server directly,
so its own reruns are not counted as the students'.

--compare starts one server per database (both warmed up by one unmeasured class member who
does the whole visit) and runs the four variants (SQLite or PostgreSQL, without or with the
instructor) --repeats times, the order reversed every other repeat (A B C D, D C B A, ...), so a
machine that gets busier or quieter during the run affects every variant alike. Each class is a
new class with its own challenge. Reported per variant: students' page times and server
responses (median and p90 over its repeats, and each repeat's median), their ratio to SQLite
without the instructor, runs finished, exceptions shown, leaderboard entries and finished runs
counted in the database (they must equal the students), the instructor's live-view reruns, server
CPU, and the machine's load average at the start and the end.

"runs_finished" counts the students whose Training page showed the run's results; a run the
server finished whose page was redrawn as finished but without results, and then asked for no more
redraws (a browser shows the same until its student clicks something), counts in
"pages_without_results" instead, after a few seconds rather than the whole wait.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import secrets
import signal
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tools.classroom_load.classroom import ModeServer, TimingRelay, protocol_student, warm_up
from tools.classroom_load.machine import machine_busy_s, process_cpu_s

ENGINES = ("sqlite", "postgresql")
CHALLENGE_GOAL = 0.5  # every finished iris run reaches it, so each run must be one leaderboard entry
CHALLENGE_DATASET = "iris"
NO_INSTRUCTOR_SQLITE = ("sqlite", False)  # the variant the others are compared with
RUN_PATIENCE_S = 180  # a 60-epoch iris run takes seconds: a student still waiting after this is a finding


@dataclass(frozen=True)
class ClassLink:
    code: str
    challenge_id: str

    @property
    def query(self) -> str:
        from pages.components.membership import CHALLENGE_PARAM, CLASS_PARAM

        return urllib.parse.urlencode({CLASS_PARAM: self.code, CHALLENGE_PARAM: self.challenge_id})


@dataclass
class ClassServer:
    """One server on one class database, its students behind a timing relay."""

    engine: str
    database_url: str
    server: ModeServer
    relay: TimingRelay
    secret: str
    store: object = field(default=None)

    @property
    def student_base(self) -> str:
        return f"http://127.0.0.1:{self.relay.port}"


def variant_order(engines: list[str], instructor: list[bool], repeats: int) -> list[tuple[str, bool]]:
    """Every (engine, instructor) variant ``repeats`` times, the order reversed every other repeat."""
    variants = [(engine, watching) for engine in engines for watching in instructor]
    order: list[tuple[str, bool]] = []
    for number in range(repeats):
        order += variants if number % 2 == 0 else variants[::-1]
    return order


def nearest_rank(times: list[float], share: float) -> float | None:
    """The ``share`` quantile by nearest rank (as the tool's other percentiles)."""
    if not times:
        return None
    ordered = sorted(times)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def create_class(store, title: str, epochs: int) -> ClassLink:
    """A new class with one challenge, made where the server will find it (the storage layer)."""
    from nnlib.classroom.challenges import ChallengeSetup, Goal

    info = store.create_class(title)
    setup = ChallengeSetup(goal=Goal(CHALLENGE_GOAL), base={"dataset": CHALLENGE_DATASET, "epochs": epochs},
                           locked=("dataset",), deadline=time.time() + 6 * 3600)
    setup.check()
    challenge_id = store.create_challenge(info.code, f"{title}: iris", setup.to_dict(), setup.deadline)
    return ClassLink(info.code, challenge_id)


async def instructor_tab(base: str, secret: str, inside: asyncio.Event, leave: asyncio.Event, record: dict) -> None:
    """The instructor signs in on the Instructor page, then leaves it open until ``leave``."""
    from tools.classroom_load.protocol_client import StreamlitSession, browser_cookie

    record.update({"exceptions": [], "signed_in": False})
    session = None
    try:
        session = StreamlitSession(base, await asyncio.to_thread(browser_cookie, base))
        await session.connect()
        await session.open("")
        run = await session.open("instructor")
        record["gate_s"] = round(run.seconds, 3)
        run = await session.submit({"Instructor secret": secret}, "Open")
        record["page_s"] = round(run.seconds, 3)
        record["signed_in"] = "The class live" in run.texts()
        record["exceptions"] += run.exceptions
        if not record["signed_in"]:
            raise RuntimeError("the Instructor page did not open with the secret")
        inside.set()
        await leave.wait()
        seconds = session.fragment_seconds
        record.update({
            "live_reruns": session.fragment_runs,
            "live_rerun_median_s": round(statistics.median(seconds), 3) if seconds else None,
            "live_rerun_slowest_s": round(max(seconds), 3) if seconds else None,
            "live_shows": session.last_fragment.texts().split("\n", 1)[0][:80],
        })
        record["exceptions"] += session.last_fragment.exceptions + session.latest.exceptions
    except Exception as error:  # noqa: BLE001 - a result, like a student's failure
        record["error"] = f"{type(error).__name__}: {str(error)[:300]}"
    finally:
        inside.set()  # never keep the class waiting for an instructor who failed
        if session is not None:
            await session.close()


async def class_counts(store, link: ClassLink, students: int, patience_s: float = 20.0) -> dict:
    """What the database holds of the class: finished runs of its challenge, leaderboard entries.

    A run reports its end from the training thread, around when its student sees the result,
    so the counts are read again for a little while until they reach the class's size."""
    deadline = time.monotonic() + patience_s
    while True:
        runs = await asyncio.to_thread(store.runs, link.code)
        board = await asyncio.to_thread(store.leaderboard, link.challenge_id, 10_000)
        counts = {
            "members": len(await asyncio.to_thread(store.students, link.code)),
            "runs_recorded": len(runs),
            "runs_finished_in_challenge": sum(r.status == "finished" and r.challenge_id == link.challenge_id
                                              for r in runs),
            "leaderboard_entries": len(board),
        }
        if (counts["leaderboard_entries"] >= students and counts["runs_finished_in_challenge"] >= students) \
                or time.monotonic() > deadline:
            return counts
        await asyncio.sleep(1.0)


async def one_class(target: ClassServer, watching: bool, args: argparse.Namespace, number: int) -> dict:
    """One class of ``args.sessions`` students on ``target``, with or without the instructor."""
    link = await asyncio.to_thread(create_class, target.store, f"Load test {number}", args.iris_epochs)
    load_start = os.getloadavg()
    first_record = len(target.relay.records)
    tracebacks_before = len(target.server.tracebacks())
    cpu_before = process_cpu_s(target.server.pid)
    instructor: dict = {}
    inside, leave = asyncio.Event(), asyncio.Event()
    watcher = None
    if watching:
        watcher = asyncio.create_task(instructor_tab(target.server.base, target.secret, inside, leave, instructor))
        await inside.wait()
    results: list[dict] = []
    step = args.ramp_seconds / max(args.sessions - 1, 1)
    started = time.monotonic()
    await asyncio.gather(*[protocol_student(target.student_base, i, i * step, False, args.iris_epochs, results,
                                            class_link=link.query, watch_limit_s=RUN_PATIENCE_S)
                           for i in range(args.sessions)])
    class_s = time.monotonic() - started
    leave.set()
    if watcher is not None:
        await watcher
    counts = await class_counts(target.store, link, args.sessions)
    records = target.relay.records[first_record:]
    pages = [t for r in results for t in r["pages"].values()]
    responses = [r["seconds"] for r in records if r["kind"] == "page"]
    tracebacks = target.server.tracebacks()[tracebacks_before:]
    return {
        "number": number, "engine": target.engine, "instructor": watching, "class": link.code,
        "students": args.sessions,
        "seconds": round(class_s, 1),
        "runs_finished": sum(r["finished"] for r in results),  # the student's page showed the results
        "pages_without_results": sum(bool(r.get("page_without_results")) for r in results),
        "errors": [f"session {r['session']}: {r['error']}" for r in results if r.get("error")],
        "not_finished_shows": {r["session"]: r.get("shown_at_end") for r in results if not r["finished"]},
        "exceptions": [f"session {r['session']}: {r['exceptions']}" for r in results if r["exceptions"]]
        + [f"instructor: {e[:200]}" for e in instructor.get("exceptions", [])],
        **counts,
        "page_times": pages,
        "responses": responses,
        "fragment_responses": [r["seconds"] for r in records if r["kind"] == "fragment"],
        "page_median_s": round(statistics.median(pages), 3) if pages else None,
        "response_median_s": round(statistics.median(responses), 3) if responses else None,
        "queue_wait_max_s": max((r.get("start_wait_s", 0.0) for r in results), default=0.0),
        "server_cpu_s": round(process_cpu_s(target.server.pid) - cpu_before, 1),
        "instructor_tab": {k: v for k, v in instructor.items() if k != "exceptions"} if watching else None,
        "server_tracebacks": tracebacks,
        # A student left waiting: what the server logged meanwhile (its last lines).
        "server_log_tail": target.server.log_text()[-2000:] if any(not r["finished"] for r in results) else "",
        "load_average_start": [round(v, 2) for v in load_start],
        "load_average_end": [round(v, 2) for v in os.getloadavg()],
    }


def summarize(classes: list[dict]) -> dict:
    """Per variant: pooled page and response times over its repeats, and ratios to SQLite without the instructor."""
    variants: dict[tuple[str, bool], dict] = {}
    for key in dict.fromkeys((c["engine"], c["instructor"]) for c in classes):
        mine = [c for c in classes if (c["engine"], c["instructor"]) == key]
        pages = [t for c in mine for t in c["page_times"]]
        responses = [t for c in mine for t in c["responses"]]
        variants[key] = {
            "engine": key[0], "instructor": key[1], "classes": len(mine),
            "runs_finished": f"{sum(c['runs_finished'] for c in mine)} of {sum(c['students'] for c in mine)}",
            "pages_without_results": sum(c.get("pages_without_results", 0) for c in mine),
            "leaderboard_entries": sum(c["leaderboard_entries"] for c in mine),
            "runs_finished_in_challenge_db": sum(c["runs_finished_in_challenge"] for c in mine),
            "exceptions": sum(len(c["exceptions"]) for c in mine),
            "pages": len(pages),
            "page_median_s": round(statistics.median(pages), 3) if pages else None,
            "page_p90_s": round(nearest_rank(pages, 0.9), 3) if pages else None,
            "page_median_per_class_s": [c["page_median_s"] for c in mine],
            "responses": len(responses),
            "response_median_s": round(statistics.median(responses), 3) if responses else None,
            "response_p90_s": round(nearest_rank(responses, 0.9), 3) if responses else None,
            "response_median_per_class_s": [c["response_median_s"] for c in mine],
            "server_cpu_s_per_class": [c["server_cpu_s"] for c in mine],
            "instructor_live_reruns": [c["instructor_tab"].get("live_reruns") for c in mine]
            if key[1] else None,
        }
    base = variants.get(NO_INSTRUCTOR_SQLITE)
    for entry in variants.values():
        for name in ("page_median", "page_p90", "response_median", "response_p90"):
            if base and base[f"{name}_s"] and entry[f"{name}_s"] is not None:
                entry[f"{name}_ratio"] = round(entry[f"{name}_s"] / base[f"{name}_s"], 2)
    return {f"{engine}, {'with' if watching else 'without'} instructor": entry
            for (engine, watching), entry in variants.items()}


@contextlib.contextmanager
def class_database(engine: str, folder: Path) -> Iterator[str]:
    """The database URL for ``engine``: NNLIB_DATABASE_URL if it is one of that engine, else a fresh one."""
    given = os.environ.get("NNLIB_DATABASE_URL", "").strip()
    if engine == "sqlite":
        yield given if given.startswith("sqlite:///") else f"sqlite:///{folder / 'classroom.sqlite3'}"
    elif given.startswith(("postgresql://", "postgres://")):
        yield given
    else:
        from tests.support.postgres import fresh_database, running_postgres

        with running_postgres() as server_url:
            yield fresh_database(server_url, "class_load")


def start_class_server(engine: str, database_url: str) -> ClassServer:
    from nnlib.classroom.storage import ClassroomStore

    store = ClassroomStore(database_url)
    store.migrate()
    secret = secrets.token_urlsafe(16)
    given = {name: value for name, value in os.environ.items() if name.startswith("NNLIB_")}
    server = ModeServer({**given, "NNLIB_DATABASE_URL": database_url, "NNLIB_INSTRUCTOR_SECRET": secret})
    try:
        relay = TimingRelay(server.port)
    except BaseException:
        server.stop()
        raise
    return ClassServer(engine, database_url, server, relay, secret, store)


async def warm_class_server(target: ClassServer, args: argparse.Namespace) -> dict:
    """The instructor checks the server before class: one home visit, then one member's whole visit."""
    await warm_up(target.server.base, 0)
    link = await asyncio.to_thread(create_class, target.store, "Warm-up", args.iris_epochs)
    results: list[dict] = []
    await protocol_student(target.server.base, 0, 0.0, False, args.iris_epochs, results, class_link=link.query)
    await asyncio.sleep(args.warm_up_seconds)
    return {"finished": results[0]["finished"], "error": results[0].get("error")}


def _print_waits() -> None:
    """What every session of the tool is waiting for (``kill -USR1`` the tool's process), on stderr."""
    for task in asyncio.all_tasks():
        print(f"--- {task.get_name()}", file=sys.stderr)
        task.print_stack(limit=8, file=sys.stderr)


async def run_classes(targets: dict[str, ClassServer], order: list[tuple[str, bool]],
                      args: argparse.Namespace) -> tuple[list[dict], dict]:
    with contextlib.suppress(NotImplementedError, RuntimeError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, _print_waits)
    warm = {engine: await warm_class_server(target, args) for engine, target in targets.items()}
    classes = []
    for number, (engine, watching) in enumerate(order, start=1):
        classes.append(await one_class(targets[engine], watching, args, number))
        shown = {k: v for k, v in classes[-1].items() if k not in ("page_times", "responses", "fragment_responses")}
        print(json.dumps(shown), flush=True)
        await asyncio.sleep(args.pause_seconds)
    return classes, warm


def class_mode(args: argparse.Namespace) -> int:
    """``--class``: see the module's docstring."""
    if args.compare:
        engines, instructor = list(ENGINES), [False, True]
        repeats = args.repeats if args.repeats is not None else 3
    else:
        given = os.environ.get("NNLIB_DATABASE_URL", "")
        engine = args.database or ("postgresql" if given.startswith(("postgresql://", "postgres://")) else "sqlite")
        engines, instructor = [engine], [args.instructor]
        repeats = args.repeats if args.repeats is not None else 1
    order = variant_order(engines, instructor, repeats)
    started = time.monotonic()
    load_start = os.getloadavg()
    busy_before = machine_busy_s()
    targets: dict[str, ClassServer] = {}
    with tempfile.TemporaryDirectory(prefix="class-load-") as folder, contextlib.ExitStack() as stack:
        for engine in engines:
            url = stack.enter_context(class_database(engine, Path(folder)))
            targets[engine] = start_class_server(engine, url)
            stack.callback(targets[engine].server.stop)
            stack.callback(targets[engine].relay.stop)
        classes, warm = asyncio.run(run_classes(targets, order, args))
        peaks = {engine: target.server.peak_mb() for engine, target in targets.items()}
    load_end = os.getloadavg()
    seconds = time.monotonic() - started
    summary = {
        "students_per_class": args.sessions,
        "order": [f"{engine}{' +instructor' if watching else ''}" for engine, watching in order],
        "settings": {k: v for k, v in os.environ.items() if k.startswith("NNLIB_")},
        "challenge": f"{CHALLENGE_DATASET}, dataset locked, goal test accuracy >= {CHALLENGE_GOAL:.0%}, "
                     f"{args.iris_epochs} epochs",
        "warm_up_member_finished": warm,
        "variants": summarize(classes),
        "all_runs_finished": all(c["runs_finished_in_challenge"] == c["students"] for c in classes),
        "all_results_shown": all(c["runs_finished"] == c["students"] for c in classes),
        "pages_without_results": sum(c.get("pages_without_results", 0) for c in classes),
        "no_exception_shown": not any(c["exceptions"] for c in classes),
        "leaderboard_equals_runs": all(c["leaderboard_entries"] == c["runs_finished_in_challenge"] == c["students"]
                                       for c in classes),
        "instructor_signed_in": all(c["instructor_tab"]["signed_in"] for c in classes if c["instructor"]),
        "errors": [e for c in classes for e in c["errors"]],
        "server_tracebacks": [t for c in classes for t in c["server_tracebacks"]],
        "server_peak_rss_mb": peaks,
        "seconds": round(seconds, 1),
        "cores": os.cpu_count(),
        "machine_busy_share": round((machine_busy_s() - busy_before) / (seconds * (os.cpu_count() or 1)), 2),
        "load_average_start": [round(v, 2) for v in load_start],
        "load_average_end": [round(v, 2) for v in load_end],
    }
    print(json.dumps(summary, indent=None if args.json else 2))
    ok = summary["all_runs_finished"] and summary["all_results_shown"] and summary["no_exception_shown"] and summary["leaderboard_equals_runs"] \
        and summary["instructor_signed_in"] and not summary["errors"] and not summary["server_tracebacks"]
    return 0 if ok else 1
