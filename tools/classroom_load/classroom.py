"""A class at once: N browser sessions visit every page and train, against one server.

    python -m tools.classroom_load                    # 10 sessions
    python -m tools.classroom_load --sessions 30      # a whole class
    python -m tools.classroom_load --sessions 30 --notmnist-every 5 --ramp-seconds 60
    python -m tools.classroom_load --sessions 30 --client protocol   # websocket clients, no browser
    python -m tools.classroom_load --sessions 30 --url http://class-server:8501   # browsers here, server there
    python -m tools.classroom_load --reload-every-page   # a full page load per page (worst case)
    python -m tools.classroom_load --class --compare     # a class in a challenge, instructor watching or not,
                                                         # SQLite and PostgreSQL (tools/classroom_load/class_mode.py)

Starts `streamlit run app.py` on a free loopback port with the instructor settings
from the environment (NNLIB_*) (or uses the server at --url), opens the home page once
and waits (--warm-up-seconds, as an instructor checks the server before class), then
opens N sessions that arrive spread over --ramp-seconds ("thirty students open it in
the same minute"). Each opens the home page, goes through every page of the course with
the sidebar (as a student does: one browser tab, one server session), then trains iris
on the Training page; every k-th session trains notMNIST (2 epochs).

A session is a headless Chromium tab, or with --client protocol a light client that
speaks Streamlit's websocket protocol (tools/classroom_load/protocol_client.py). Thirty Chromium tabs
use several times the CPU the server does, and here they share its two cores, where in a
class each tab runs on its own laptop. So when the server runs on this machine:
- the tabs run at the lowest CPU priority (--browser-nice, default 19): they take the
  CPU the server leaves, and hardly slow it;
- the tabs connect through tools/classroom_load/relay.py, a relay at normal priority that times
  each rerun from the tab's request passing through to the server's "script finished"
  ("server response": what a student on their own laptop waits for, network aside);
- "page" times are what the tabs themselves saw, click until the new page's script
  finished on screen, and include drawing in a tab starved on purpose.

Reports whether every run finished, any exception shown, page and server response
times, how long runs waited in the queue, the server's peak memory (resident set sampled
every 0.2 s and the kernel's high-water mark), and how the machine's CPU time was split
between the server and everything else.

Two more modes start their own server with the settings an instructor would give it:

    python -m tools.classroom_load --adversarial              # 30 students, 8 of them adversaries
    python -m tools.classroom_load --mix closer=3,pauser=1,bomb=1,tiny=1,tabs=1 --sessions 20
    python -m tools.classroom_load --soak                     # 3 rounds of 10 notMNIST sessions

--adversarial (or --mix): a class in which some students do not behave. The well-behaved
majority are protocol clients (each a browser of its own: it fetches its XSRF cookie as the
frontend does, so the app sees one student per client) and make the visit described above.
The adversaries are Chromium browser contexts played by tools/classroom_load/adversaries.py, which says
what each does: closer (closes the tab mid-run), pauser (Start, Pause, leave), bomb
(uploads a .tar.gz whose GNU long-name header declares 2 GiB), tiny (uploads a valid
10-image notMNIST archive and trains on it), tabs (three tabs of one browser press Start at
once); ptabs is the same three tabs as protocol sessions sharing one cookie, so the presses
really are simultaneous. The adversaries' tabs run at normal CPU priority (--browser-nice
0), unlike --client browser's: a tab starved of CPU cannot send its heartbeat, and the
server rightly takes its student for gone, which is not what a closer or a pauser is meant
to test; they are few, and the timed majority are protocol clients. Well-behaved notMNIST
students in the last third of the arrivals choose their data only after the tiny upload
was taken. Reports how many well-behaved runs finished, the slowest answer (any script
run a client waited for), queue waits, server memory (after the warm-up, peak, and after
the class left), what each adversary saw, and whether every well-behaved notMNIST run
trained on the class's data (the same number of images and test samples before and after
the tiny upload); "findings" lists what looked wrong.

--soak: --rounds rounds of --soak-sessions protocol sessions that visit every page and train
notMNIST (2 epochs), all closed after each round; reports each round's peak and the memory
once the class has left. Target: after each round, within 100 MB of the first round's.

"Once the class has left" means: every session closed, Streamlit has dropped them and the
run board has forgotten their runs. Streamlit keeps a closed session for
disconnectedSessionTTL and drops it only when its session store is next written (another
session closing), so the bench waits out the TTL, opens and closes one probe session (the
next visitor would do the same), waits until the board's sweeper must have forgotten every
run (keep_results_seconds, or idle_stop_seconds for runs left in progress, plus two sweeps),
then takes the median resident set of ten samples over 5 s.

Server settings of these modes (NNLIB_* and STREAMLIT_* in the environment override them):
- NNLIB_CONCURRENT_RUNS=2: one training run per core on a 2-core server; the rest queue.
- NNLIB_IDLE_PAUSE_SECONDS=20: a run whose student has gone gives its slot back within
  seconds, not the default 2 minutes, so a closed tab costs the class little and the
  adversarial class fits in a few minutes.
- NNLIB_IDLE_STOP_SECONDS=40: a left run is stopped soon after (the pauser checks it).
- NNLIB_HEARTBEAT_SECONDS=5: well under the idle pause, so an open tab is never paused.
- NNLIB_KEEP_RESULTS_SECONDS=60 (adversarial), 15 (soak): ended runs are forgotten soon,
  so memory can be measured after the class within the run; in the adversarial class
  longer than the idle stop, so a student coming back still finds a stopped run.
- STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL=5: closed sessions are dropped soon (a real
  class would keep the default 120 s so that a network blip does not lose a tab's state).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from pages.components.catalog import available_pages
from tests.support.browser import BROWSER_ARGS, CHROMIUM
from tests.support.server import ROOT, free_port, start_server
from tools.classroom_load.browser_steps import (
    MAIN_TITLE,
    PATIENCE_S,
    set_number,
    wait_for_page,
    wait_for_quiet,
    watch_run,
)
from tools.classroom_load.machine import (
    MemoryWatch,
    lower_autogroups_of_descendants,
    machine_busy_s,
    process_cpu_s,
    rss_kib,
    thread_count,
)


class TimingRelay:
    """tools/classroom_load/relay.py in its own process at normal priority: the tabs connect through it."""

    def __init__(self, server_port: int) -> None:
        self.port = free_port()
        self.records: list[dict] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tools.classroom_load.relay", "--listen", str(self.port), "--to", str(server_port)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        json.loads(self.process.stdout.readline())  # listening
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.records.append(json.loads(line))

    def seconds(self, kind: str) -> list[float]:
        return [r["seconds"] for r in self.records if r["kind"] == kind]

    def stop(self) -> float:
        """Stops the relay; returns the CPU seconds it used."""
        cpu = process_cpu_s(self.process.pid)
        self.process.terminate()
        self.process.wait(timeout=30)
        self._reader.join(timeout=5)
        return cpu




async def student(browser, base: str, number: int, start_delay: float, notmnist: bool, iris_epochs: int,
                  reload_every_page: bool, results: list[dict]) -> None:
    await asyncio.sleep(start_delay)
    record: dict = {"session": number, "dataset": "notmnist" if notmnist else "iris", "pages": {},
                    "exceptions": [], "finished": False}
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    # Thirty tabs on two cores take minutes to load the frontend's scripts and to draw; a
    # student's own laptop would not. Waiting longer lets the run measure the server instead
    # of stopping there.
    page.set_default_navigation_timeout(PATIENCE_S * 1000)
    page.set_default_timeout(PATIENCE_S * 1000)
    try:
        started = time.monotonic()
        await page.goto(base + "/")
        record["pages"]["home"] = round(await wait_for_page(page, None) - started, 3)
        for info in available_pages():
            previous = await page.locator(MAIN_TITLE).first.inner_text()
            started = time.monotonic()
            if reload_every_page:
                await page.goto(f"{base}/{info.url_path}")
            else:
                await page.locator('[data-testid="stSidebarNav"] a').filter(has_text=info.title).first.click()
            record["pages"][info.url_path] = round(await wait_for_page(page, previous) - started, 3)
            if await page.locator('[data-testid="stException"]').count():
                record["exceptions"].append(info.url_path)
        # The training page is open now (it is the last page of the course).
        if notmnist:
            await page.get_by_text("notMNIST letters A–J").click()
            # The letters' own fields replace iris's: wait for them before typing.
            await page.get_by_label("Batch size (0 = the whole training set)", exact=True).and_(
                page.locator('input[value="128"]')).wait_for()
            await wait_for_quiet(page)
            await set_number(page, "Epochs", 2)
        else:
            await set_number(page, "Epochs", iris_epochs)
        clicked = time.monotonic()
        await page.get_by_role("button", name="Start").click()
        progress = page.locator('[data-testid="stProgress"]')
        finished = page.locator('[data-testid="stMetric"]').filter(has_text="Test accuracy")

        async def tab_shows() -> tuple[bool, bool, bool]:
            return (await page.get_by_text("Waiting for a free training slot").count() > 0,
                    await progress.filter(has_text="Running · epoch").count() > 0,
                    await finished.count() > 0)

        await watch_run(record, clicked, tab_shows, poll_s=0.5)
        if await finished.count():
            record["test_accuracy"] = (await finished.first.inner_text()).split("\n")[-1]
            record["epochs"] = (await page.locator('[data-testid="stMetric"]').filter(
                has_text="Epochs").first.inner_text()).split("\n")[-1]
        if await page.locator('[data-testid="stException"]').count():
            record["exceptions"].append("training")
    except Exception as error:  # one student's failure is a result, not the end of the benchmark
        record["error"] = f"{type(error).__name__}: {str(error)[:300]}"
    finally:
        await context.close()
        results.append(record)


DATA_CAPTION = re.compile(r"\*\*(.+?)\*\* · ([\d,]+) samples")  # the Training page's line about its data
TEST_COUNT = re.compile(r"= \d+ / (\d+)\.")  # "Accuracy = correct predictions / test samples = 1234 / 1500."


async def protocol_student(base: str, number: int, start_delay: float, notmnist: bool, iris_epochs: int,
                           results: list[dict], before_choosing_data: asyncio.Event | None = None,
                           class_link: str | None = None, watch_limit_s: float = 900) -> None:
    """The same visit as ``student``, spoken over Streamlit's websocket without a browser.

    The client is a browser of its own (it fetches its cookie first, as the frontend does).
    With ``before_choosing_data``, a notMNIST student waits for that event on the Training
    page before choosing the letters. Every script run it waits for is kept in "answers".
    With ``class_link`` (the query of a challenge link, "class=CODE&challenge=ID"), the student
    opens the Class page with it and joins under a name first, visits the course, comes back to
    the Class page and follows its "Train for this challenge" link to the Training page.
    """
    from tools.classroom_load.protocol_client import StreamlitSession, browser_cookie

    await asyncio.sleep(start_delay)
    record: dict = {"session": number, "dataset": "notmnist" if notmnist else "iris", "pages": {},
                    "exceptions": [], "finished": False, "answers": []}
    session = None
    try:
        session = StreamlitSession(base, await asyncio.to_thread(browser_cookie, base))
        await session.connect()
        visits = [("", "")] + [(p.url_path, "") for p in available_pages()]
        if class_link:
            await join_class(session, class_link, f"Student {number + 1}", record)
            visits += [("classroom", ""), ("training", class_link)]
        for path, query in visits:
            run = await session.open(path, query=query)
            name = (path or "home") + (" (challenge link)" if query else "")
            record["pages"][name] = round(run.seconds, 3)
            record["answers"].append((round(run.seconds, 3), f"/{path}" + (f"?{query}" if query else "")))
            if run.exceptions:
                record["exceptions"].append(name)
        if class_link and CHALLENGE_BANNER not in session.latest.texts():
            raise RuntimeError("the Training page did not show the challenge from its link")
        if notmnist:
            if before_choosing_data is not None:
                waited = time.monotonic()
                await asyncio.wait_for(before_choosing_data.wait(), PATIENCE_S)
                record["waited_s"] = round(time.monotonic() - waited, 1)
            run = await session.set_widget("Dataset", "notMNIST letters A–J (28×28 images)")  # radios send the label
            record["data_at"] = time.monotonic()
            record["answers"].append((round(run.seconds, 3), "choose notMNIST"))
            data = DATA_CAPTION.search(run.texts())
            if data:
                record["data"], record["data_samples"] = data.group(1), int(data.group(2).replace(",", ""))
            run = await session.set_widget("Epochs", 2)
        else:
            run = await session.set_widget("Epochs", iris_epochs)
        record["answers"].append((round(run.seconds, 3), "set Epochs"))
        clicked = time.monotonic()
        run = await session.click("Start")
        record["answers"].append((round(run.seconds, 3), "press Start"))

        stalled_since: list[float] = []

        async def session_shows() -> tuple[bool, bool, bool]:
            shown = session.latest.texts() + session.last_fragment.texts()
            page = session.latest.texts()
            if FINISHED_STATUS in page and "Test accuracy" not in page and not session.ticking(LIVE_REDRAW_MAX_S):
                # The page was redrawn with the run finished but without its results, and its live
                # panel asks for no more redraws (a heartbeat may still tick): a browser would show
                # the same until the student clicks something.
                stalled_since[:] = stalled_since or [time.monotonic()]
                if time.monotonic() - stalled_since[0] > STALL_GRACE_S:
                    record["page_without_results"] = True
                    return False, True, True
            else:
                stalled_since.clear()
            return ("Waiting for a free training slot" in shown,
                    "Running · epoch" in shown or FINISHED_STATUS in shown,
                    "Test accuracy" in page)

        await watch_run(record, clicked, session_shows, poll_s=0.25, limit_s=watch_limit_s)
        if record.get("page_without_results"):
            record["finished"] = False
        if not record["finished"]:  # what the student was left looking at
            record["shown_at_end"] = {"page": session.latest.texts()[-600:],
                                      "live panel": session.last_fragment.texts()[-300:],
                                      "live reruns": session.fragment_runs}
        metrics = {e.label: e.text.split("\n")[-1] for e in session.latest.elements if e.kind == "metric"}
        record["test_accuracy"] = metrics.get("Test accuracy")
        record["epochs"] = metrics.get("Epochs")
        tested = TEST_COUNT.search(session.latest.texts())
        record["test_samples"] = int(tested.group(1)) if tested else None
        record["fragment_runs"] = session.fragment_runs
        if session.latest.exceptions:
            record["exceptions"].append("training")
    except Exception as error:  # one student's failure is a result, not the end of the benchmark
        record["error"] = f"{type(error).__name__}: {str(error)[:300]}"
    finally:
        if session is not None:
            await session.close()
        record["closed_at"] = time.monotonic()
        results.append(record)


FINISHED_STATUS = "Finished · epoch"  # the live panel's status line of a finished run
LIVE_REDRAW_MAX_S = 5.0  # the live panel redraws at least this often while a run is queued or training
STALL_GRACE_S = 10.0  # a finished run's page that has shown no results and asked for no redraw this long
CHALLENGE_BANNER = "**Challenge: "  # the Training page's line above a challenge's settings
JOINED = "You are in the class"  # the Class page's line for a member


async def join_class(session, class_link: str, name: str, record: dict) -> None:
    """Open a class's link on the Class page and join it under ``name`` (its form: one rerun)."""
    run = await session.open("classroom", query=class_link)
    record["pages"]["classroom (class link)"] = round(run.seconds, 3)
    record["answers"].append((round(run.seconds, 3), "/classroom (class link)"))
    run = await session.submit({"Your name": name}, "Join")
    record["answers"].append((round(run.seconds, 3), "join the class"))
    if run.exceptions:
        record["exceptions"].append("join")
    if JOINED not in run.texts():
        raise RuntimeError(f"joining the class did not show {JOINED!r}")


async def protocol_tabs(base: str, start_delay: float, records: list[dict], tabs: int = 3) -> None:
    """One student (one cookie) with three protocol sessions on the Training page pressing Start
    at the same moment: one run should exist (distinct ``?run=`` tokens), and finish. A press is
    refused when it meets the run in progress; one that arrives after its script found the run
    (it opens with the student's runs) shows that run instead."""
    from tools.classroom_load.adversaries import REFUSED, STATUS
    from tools.classroom_load.protocol_client import StreamlitSession, browser_cookie

    await asyncio.sleep(start_delay)
    begun = time.monotonic()
    record: dict = {"adversary": "ptabs", "number": 0, "exceptions": [], "answers": []}
    sessions: list = []
    try:
        cookie = await asyncio.to_thread(browser_cookie, base)
        if not cookie:
            record["seen"] = ["the server set no XSRF cookie: each session is a student of its own"]
        for _ in range(tabs):
            session = StreamlitSession(base, cookie)
            sessions.append(session)
            await session.connect()
            await session.open("")
            await session.open("training")
            await session.set_widget("Epochs", 200)  # these presses are simultaneous: a short run will do
        clicked = time.monotonic()
        runs = await asyncio.gather(*[session.click("Start") for session in sessions])
        record["answers"] = [(round(run.seconds, 3), "press Start (ptabs)") for run in runs]
        outcome, tokens = [], set()
        for session in sessions:
            shown = session.latest.texts() + session.last_fragment.texts()
            status = STATUS.search(shown)
            # A session showing a run has its token in its address: distinct tokens are distinct runs.
            token = urllib.parse.parse_qs(session.query_string).get("run", [""])[0]
            if status and token:
                tokens.add(token)
            outcome.append("refused" if REFUSED in shown else f"shows {status.group(0)}" if status else "nothing")
            record["exceptions"] += session.latest.exceptions
        record["tabs"], record["runs"] = outcome, len(tokens)
        record["refused"] = outcome.count("refused")
        if not record["refused"]:
            record["seen"] = record.get("seen", []) + ["no press was refused: each found the run in progress"]
        if any(o.startswith("shows") for o in outcome):
            trainer = sessions[next(i for i, o in enumerate(outcome) if o.startswith("shows"))]

            async def shows() -> tuple[bool, bool, bool]:
                shown = trainer.latest.texts() + trainer.last_fragment.texts()
                return ("Waiting for a free training slot" in shown,
                        "Running · epoch" in shown or "Finished · epoch" in shown,
                        "Test accuracy" in trainer.latest.texts())

            await watch_run(record, clicked, shows, poll_s=0.25)
            record["exceptions"] += trainer.latest.exceptions
        record["ok"] = record["runs"] == 1 and record.get("finished", False) and not record["exceptions"]
    except Exception as error:  # noqa: BLE001 - a result, like a student's failure
        record["ok"] = False
        record["error"] = f"{type(error).__name__}: {str(error)[:300]}"
    finally:
        for session in sessions:
            await session.close()
        record["seconds"] = round(time.monotonic() - begun, 1)
        record["left_at"] = time.monotonic()
        records.append(record)


async def warm_up(base: str, seconds: float) -> None:
    """The instructor opens the dashboard once before the class arrives, then waits."""
    from tools.classroom_load.protocol_client import StreamlitSession

    session = StreamlitSession(base)
    await session.connect()
    await session.open("")
    await session.close()
    await asyncio.sleep(seconds)


async def run_class(args: argparse.Namespace, base: str, server_base: str) -> list[dict]:
    results: list[dict] = []
    if args.warm_up_seconds > 0:
        await warm_up(server_base, args.warm_up_seconds)  # straight to the server: not the class's load
    step = args.ramp_seconds / max(args.sessions - 1, 1)
    plans = [(i, i * step, args.notmnist_every > 0 and i % args.notmnist_every == 0) for i in range(args.sessions)]
    if args.client == "protocol":
        await asyncio.gather(*[protocol_student(base, i, delay, notmnist, args.iris_epochs, results)
                               for i, delay, notmnist in plans])
        return sorted(results, key=lambda r: r["session"])
    from playwright.async_api import async_playwright

    if args.browser_nice:
        # Lowers this thread's priority; the Playwright driver and Chromium started from it
        # inherit it, the server started before does not.
        os.nice(args.browser_nice)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        if args.browser_nice:
            args.browser_groups_niced = lower_autogroups_of_descendants(args.browser_nice)
        await asyncio.gather(*[
            student(browser, base, i, delay, notmnist, args.iris_epochs, args.reload_every_page, results)
            for i, delay, notmnist in plans
        ])
        await browser.close()
    return sorted(results, key=lambda r: r["session"])


# ------------------------------------------------------------------ instructor modes

ADVERSARIAL_SETTINGS = {
    "NNLIB_CONCURRENT_RUNS": "2",
    "NNLIB_IDLE_PAUSE_SECONDS": "20",
    "NNLIB_IDLE_STOP_SECONDS": "40",
    "NNLIB_HEARTBEAT_SECONDS": "5",
    "NNLIB_KEEP_RESULTS_SECONDS": "60",
    "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": "5",
}
SOAK_SETTINGS = {**ADVERSARIAL_SETTINGS, "NNLIB_KEEP_RESULTS_SECONDS": "15"}
MB = 1024  # KiB per MiB: /proc reports KiB


def instructor_env(defaults: dict[str, str]) -> dict[str, str]:
    """The mode's settings; a setting already in the environment wins (and any other NNLIB_* there is shown)."""
    given = {name: value for name, value in os.environ.items() if name.startswith("NNLIB_")}
    return {**{name: os.environ.get(name, value) for name, value in defaults.items()}, **given}


class ModeServer:
    """A server started with a mode's settings, its memory watched from the start."""

    def __init__(self, env: dict[str, str]) -> None:
        from nnlib.core.settings import load_settings

        self.env = env
        self.settings = load_settings({**os.environ, **env})
        self.ttl_s = float(env.get("STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL", 120))
        self.sweep_s = min(5.0, max(0.5, self.settings.idle_pause_seconds / 4))  # the run board's period
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile(mode="w+")  # the server's stderr, read for tracebacks at the end
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(self.port),
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=self.log, text=True)
        self.pid = self.process.pid
        self._wait_healthy()
        self.watch = MemoryWatch(self.pid)
        self.watch.start()

    def _wait_healthy(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited early: {self.log_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.process.kill()
        raise RuntimeError(f"streamlit did not answer /_stcore/health within {timeout_s:.0f} s")

    def log_text(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def tracebacks(self, lines: int = 12) -> list[str]:
        """Each distinct traceback in the server's log, its last ``lines`` lines (where it was raised)."""
        found: dict[str, None] = {}
        for block in self.log_text().split("Traceback (most recent call last):")[1:]:
            body = [line for line in block.splitlines() if line.strip()]
            end = next((i for i, line in enumerate(body) if not line.startswith(" ")), len(body) - 1)
            found["\n".join(body[max(0, end + 1 - lines):end + 1])] = None
        return list(found)

    def rss_mb(self) -> float:
        return round(rss_kib(self.pid) / MB, 1)

    def peak_mb(self) -> float:
        return round(max(self.watch.peak_kib, rss_kib(self.pid, "VmHWM")) / MB, 1)

    def stop(self) -> None:
        self.watch.running = False
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


async def probe_visit(base: str) -> None:
    """Open the home page in a new session and close it: what the next visitor does. Closing a
    session writes Streamlit's session store, which is when it drops sessions past their TTL."""
    from tools.classroom_load.protocol_client import StreamlitSession

    session = StreamlitSession(base)
    try:
        await session.connect()
        await session.open("")
    finally:
        await session.close()


def connected_sessions(base: str) -> int | None:
    """Streamlit's own count of connected sessions (/_stcore/metrics); sessions kept for
    reconnecting are not counted."""
    try:
        with urllib.request.urlopen(f"{base}/_stcore/metrics?families=active_sessions", timeout=30) as reply:
            text = reply.read().decode()
    except OSError:
        return None
    return next((int(float(line.split()[-1])) for line in text.splitlines()
                 if line.startswith("active_sessions ")), None)


async def after_class(server: ModeServer, closed_at: float, left_running: bool, probe: bool = True) -> dict:
    """The server's memory once the class has left (see the module's docstring)."""
    settings = server.settings
    await asyncio.sleep(max(0.0, closed_at + server.ttl_s + 1 - time.monotonic()))
    if probe:
        await probe_visit(server.base)
    forget_s = max(settings.keep_results_seconds, settings.idle_stop_seconds if left_running else 0)
    await asyncio.sleep(max(0.0, closed_at + forget_s + 2 * server.sweep_s + 3 - time.monotonic()))
    samples = []
    for _ in range(10):
        samples.append(rss_kib(server.pid))
        await asyncio.sleep(0.5)
    return {"rss_mb": round(statistics.median(samples) / MB, 1), "threads": thread_count(server.pid),
            "measured_s_after_last_close": round(time.monotonic() - closed_at, 1),
            "connected_sessions": await asyncio.to_thread(connected_sessions, server.base)}


def _answers_summary(answers: list[tuple[float, str]]) -> dict:
    """Every script run a client waited for: (seconds, what)."""
    if not answers:
        return {}
    times = sorted(t for t, _ in answers)
    slowest = max(answers)
    return {"answers": len(times), "answer_median_s": round(statistics.median(times), 3),
            "answer_p95_s": times[int(0.95 * (len(times) - 1))], "answer_slowest_s": slowest[0],
            "answer_slowest_where": slowest[1], "answers_over_3s": sum(t > 3 for t in times)}


def _data_check(notmnist: list[dict], tiny_at: float | None) -> dict:
    """Did every well-behaved notMNIST run train on the class's letters, before and after the tiny upload?"""
    from nnlib import data as datasets

    expected = datasets.load_letters()
    expected_test = len(datasets.stratified_indices(expected.labels, 0.15, 0.15, 0)[2])
    before = [r for r in notmnist if tiny_at is None or r.get("data_at", 0) < tiny_at]
    after = [r for r in notmnist if tiny_at is not None and r.get("data_at", 0) >= tiny_at]

    def seen(records: list[dict]) -> list:
        return sorted({(r.get("data_samples"), r.get("test_samples"), r.get("data")) for r in records}, key=str)

    same = all(r.get("data_samples") == len(expected) and r.get("test_samples") == expected_test
               and r.get("data") == expected.description for r in notmnist)
    return {
        "class_letters": f"{expected.description}: {len(expected)} images, {expected_test} test samples",
        "runs_before_tiny_upload": len(before), "seen_before": seen(before),
        "runs_after_tiny_upload": len(after), "seen_after": seen(after),
        # None: nothing to compare (no notMNIST run after the upload, or the upload never happened)
        "data_unchanged": same if after and notmnist else (None if same else False),
    }


def _findings(results: list[dict], adversaries: list[dict]) -> list[str]:
    """What looks wrong, in words: unfinished well-behaved runs, adversaries that saw the unexpected."""
    found = [f"well-behaved session {r['session']} ({r['dataset']}): run not finished"
             + (f", {r['error']}" if r.get("error") else "") for r in results if not r["finished"]]
    for a in adversaries:
        who = f"{a['adversary']} {a['number']}"
        if a.get("error"):
            found.append(f"{who}: {a['error']}")
        elif a["adversary"] in ("closer", "pauser") and not a.get("ok"):
            found.append(f"{who}: left at '{a.get('status_left')}'"
                         + (f", paused: '{a.get('status_paused')}'" if a["adversary"] == "pauser" else "")
                         + f"; back after {a.get('back_after_s')} s: '{a.get('status_back')}' "
                           f"'{a.get('message_back')}' (expected '{a.get('expected_back')}')")
        elif a["adversary"] == "bomb" and not a.get("ok"):
            found.append(f"{who}: refused={a.get('refused')} after {a.get('answer_s')} s: {a.get('alert')}")
        elif a["adversary"] == "tiny" and (not a.get("accepted") or not a.get("status_end", "").startswith("Finished")):
            found.append(f"{who}: upload accepted={a.get('accepted')}; its run ended '{a.get('status_end')}'"
                         + (f": {a['message_end']}" if a.get("message_end") else ""))
        elif a["adversary"] in ("tabs", "ptabs") and not a.get("ok"):
            found.append(f"{who}: tabs {a.get('tabs')}, runs {a.get('runs')}, finished {a.get('finished')}")
        if a.get("exceptions"):
            found.append(f"{who}: exception shown: {a['exceptions']}")
    return found


def _print_students(results: list[dict]) -> None:
    for r in results:
        data = f" data={r.get('data_samples')}/{r.get('test_samples')}" if r["dataset"] == "notmnist" else ""
        print(f"session {r['session']:2d} {r['dataset']:8s} finished={r['finished']} "
              f"wait={r.get('start_wait_s')}s run={r.get('run_s')}s acc={r.get('test_accuracy')} "
              f"epochs={r.get('epochs')}{data} "
              f"slowest answer={max((t for t, _ in r.get('answers', [])), default=0):.2f}s {r.get('error', '')}")


async def adversarial_class(args: argparse.Namespace, server: ModeServer, relay: TimingRelay,
                            mix: dict[str, int]) -> dict:
    from tools.classroom_load.adversaries import schedule, students_in

    await warm_up(server.base, args.warm_up_seconds)
    baseline = {"rss_mb": server.rss_mb(), "threads": thread_count(server.pid)}
    server.watch.restart_peak()
    well = args.sessions - students_in(mix)
    if well < 1:
        raise SystemExit(f"--sessions {args.sessions} leaves no well-behaved student beside {students_in(mix)} "
                         "adversaries")
    adversaries: list[dict] = []
    events: dict[str, float] = {}
    tiny_taken = asyncio.Event()
    if not mix.get("tiny"):
        tiny_taken.set()
    browser_mix = ",".join(f"{kind}={count}" for kind, count in mix.items() if kind != "ptabs" and count)

    async def browsers() -> None:
        if not browser_mix:
            return
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tools.classroom_load.adversaries", "--url", f"http://127.0.0.1:{relay.port}",
            "--mix", browser_mix, "--ramp-seconds", str(args.ramp_seconds),
            cwd=ROOT, env={**os.environ, **server.env}, stdout=asyncio.subprocess.PIPE,
            preexec_fn=(lambda: os.nice(args.browser_nice)) if args.browser_nice else None,
        )
        try:
            async for line in process.stdout:
                message = json.loads(line)
                if message.get("event") == "browser_started" and args.browser_nice:
                    args.browser_groups_niced = lower_autogroups_of_descendants(args.browser_nice)
                elif message.get("event") == "tiny_uploaded":
                    events["tiny_uploaded"] = message["at"]
                    tiny_taken.set()
                elif "adversary" in message:
                    adversaries.append(message)
                    if message["adversary"] == "tiny" and not message.get("accepted"):
                        tiny_taken.set()  # nobody waits for an upload that was not taken
        finally:
            events["adversaries_exit_status"] = await process.wait()
            tiny_taken.set()

    step = args.ramp_seconds / max(well - 1, 1)
    results: list[dict] = []
    students = []
    for i in range(well):
        notmnist = args.notmnist_every > 0 and i % args.notmnist_every == 0
        late = notmnist and i >= 2 * well / 3 and mix.get("tiny")
        students.append(protocol_student(server.base, i, i * step, notmnist, args.iris_epochs, results,
                                         before_choosing_data=tiny_taken if late else None))
    ptabs = [protocol_tabs(server.base, delay, adversaries) for kind, _, delay in schedule(mix, args.ramp_seconds)
             if kind == "ptabs"]
    started = time.monotonic()
    await asyncio.gather(browsers(), *students, *ptabs)
    class_s = time.monotonic() - started
    peak = server.peak_mb()
    closed_at = max([r["closed_at"] for r in results] + [a.get("left_at", 0) for a in adversaries])
    after = await after_class(server, closed_at, left_running=bool(mix.get("closer") or mix.get("pauser")),
                              probe=not args.no_probe_visit)
    results.sort(key=lambda r: r["session"])
    adversaries.sort(key=lambda a: (a["adversary"], a["number"]))
    answers = [a for r in results for a in r["answers"]]
    answers += [a for r in adversaries for a in r.get("answers", [])]
    answers += [(r["seconds"], f"/{r['page']} (a browser adversary, timed by the relay)")
                for r in relay.records if r.get("kind") == "page"]
    waits = [r.get("start_wait_s", 0.0) for r in results]
    notmnist = [r for r in results if r["dataset"] == "notmnist"]
    findings = _findings(results, adversaries)
    tracebacks = server.tracebacks()
    if tracebacks:
        findings.append(f"the server logged {len(tracebacks)} distinct traceback(s): server_log_tracebacks")
    missing = students_in(mix) - len(adversaries)
    if missing:
        findings.append(f"{missing} adversaries never reported (tools/classroom_load/adversaries.py exit status "
                        f"{events.get('adversaries_exit_status')}; its errors are on stderr)")
    return {"results": results, "adversaries": adversaries, "summary": {
        "findings": findings,
        "students": args.sessions,
        "well_behaved": well,
        "adversaries": mix,
        "settings": server.env,
        "class_seconds": round(class_s, 1),
        "well_behaved_runs_finished": sum(r["finished"] for r in results),
        "well_behaved_errors": [f"session {r['session']}: {r['error']}" for r in results if r.get("error")],
        "exceptions": [f"session {r['session']}: {r['exceptions']}" for r in results if r["exceptions"]]
        + [f"{a['adversary']} {a['number']}: {a['exceptions']}" for a in adversaries if a.get("exceptions")],
        "adversaries_ok": {f"{a['adversary']} {a['number']}": a.get("ok") for a in adversaries},
        **_answers_summary(answers),
        "queued_runs": sum(bool(r.get("queued")) for r in results),
        "queue_wait_median_s": round(statistics.median(waits), 2) if waits else None,
        "queue_wait_max_s": max(waits, default=0.0),
        "run_max_s": max((r.get("run_s", 0.0) for r in results), default=0.0),
        "tiny_upload_taken_s_after_start": round(events["tiny_uploaded"] - started, 1)
        if "tiny_uploaded" in events else None,
        "data_check": _data_check(notmnist, events.get("tiny_uploaded")),
        "server_rss_after_warm_up_mb": baseline["rss_mb"],
        "server_peak_rss_mb": peak,
        "server_rss_after_class_mb": after["rss_mb"],
        "server_threads_after_warm_up": baseline["threads"],
        "server_threads_after_class": after["threads"],
        "server_connected_sessions_after_class": after["connected_sessions"],
        "after_class_measured_s_after_last_close": after["measured_s_after_last_close"],
        "browser_nice": args.browser_nice,
        "browser_groups_niced": args.browser_groups_niced,
        "server_log_tracebacks": tracebacks,
    }}


async def soak_class(args: argparse.Namespace, server: ModeServer) -> dict:
    await warm_up(server.base, args.warm_up_seconds)
    baseline = {"rss_mb": server.rss_mb(), "threads": thread_count(server.pid)}
    rounds = []
    step = args.ramp_seconds / max(args.soak_sessions - 1, 1)
    for number in range(1, args.rounds + 1):
        server.watch.restart_peak()
        begun = time.monotonic()
        results: list[dict] = []
        await asyncio.gather(*[protocol_student(server.base, i, i * step, True, args.iris_epochs, results)
                               for i in range(args.soak_sessions)])
        peak = round(server.watch.peak_kib / MB, 1)
        closed_at = max(r["closed_at"] for r in results)
        after = await after_class(server, closed_at, left_running=False, probe=not args.no_probe_visit)
        rounds.append({
            "round": number, "runs_finished": sum(r["finished"] for r in results),
            "errors": [f"session {r['session']}: {r['error']}" for r in results if r.get("error")],
            "exceptions": sum(len(r["exceptions"]) for r in results),
            "class_seconds": round(closed_at - begun, 1),
            "peak_rss_mb": peak, "after_rss_mb": after["rss_mb"], "threads_after": after["threads"],
            "connected_sessions_after": after["connected_sessions"],
            "slowest_answer_s": max((t for r in results for t, _ in r["answers"]), default=None),
            "queue_wait_max_s": max((r.get("start_wait_s", 0.0) for r in results), default=0.0),
        })
        print(json.dumps(rounds[-1]), flush=True)
    first = rounds[0]["after_rss_mb"]
    for entry in rounds:
        entry["after_minus_first_mb"] = round(entry["after_rss_mb"] - first, 1)
    return {"summary": {
        "rounds": args.rounds, "sessions_per_round": args.soak_sessions, "settings": server.env,
        "probe_visit": not args.no_probe_visit,
        "server_rss_after_warm_up_mb": baseline["rss_mb"], "server_threads_after_warm_up": baseline["threads"],
        "per_round": rounds,
        "server_high_water_mb": server.peak_mb(),
        "within_100mb_of_first_round": all(r["after_minus_first_mb"] <= 100 for r in rounds),
        "server_log_tracebacks": server.tracebacks(),
    }}


def instructor_mode(args: argparse.Namespace) -> int:
    started = time.monotonic()
    busy_before = machine_busy_s()
    if args.soak:
        server = ModeServer(instructor_env(SOAK_SETTINGS))
        try:
            outcome = asyncio.run(soak_class(args, server))
        finally:
            server.stop()
        summary = outcome["summary"]
        ok = summary["within_100mb_of_first_round"] and not summary["server_log_tracebacks"] and all(
            r["runs_finished"] == args.soak_sessions and not r["exceptions"] for r in summary["per_round"])
    else:
        from tools.classroom_load.adversaries import DEFAULT_MIX, parse_mix

        mix = parse_mix(args.mix or DEFAULT_MIX)
        server = ModeServer(instructor_env(ADVERSARIAL_SETTINGS))
        relay = None
        try:
            relay = TimingRelay(server.port)
            outcome = asyncio.run(adversarial_class(args, server, relay, mix))
        finally:
            if relay is not None:
                relay.stop()
            server.stop()
        summary = outcome["summary"]
        _print_students(outcome["results"])
        for record in outcome["adversaries"]:
            print(json.dumps({k: v for k, v in record.items() if k not in ("answers", "left_at")}))
        ok = summary["well_behaved_runs_finished"] == summary["well_behaved"] and not summary["exceptions"] \
            and not summary["findings"] and all(summary["adversaries_ok"].values()) \
            and summary["data_check"]["data_unchanged"] is not False
    summary["seconds"] = round(time.monotonic() - started, 1)
    summary["machine_busy_share"] = round(
        (machine_busy_s() - busy_before) / ((time.monotonic() - started) * (os.cpu_count() or 1)), 2)
    summary["load_average"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(json.dumps(summary, indent=None if args.json else 2))
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.classroom_load", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, help="default 10; --adversarial: 30 (adversaries included)")
    parser.add_argument("--ramp-seconds", type=float,
                        help="arrivals spread over this many seconds (default 30; --adversarial 60; --soak 10)")
    parser.add_argument("--notmnist-every", type=int,
                        help="every k-th session trains notMNIST (0: none; default 5; --adversarial 3)")
    parser.add_argument("--iris-epochs", type=int, default=60)
    parser.add_argument("--client", choices=["browser", "protocol"], default="browser",
                        help="browser: headless Chromium tabs; protocol: light clients that speak Streamlit's "
                             "websocket protocol, so the load generator does not starve the server's cores")
    parser.add_argument("--warm-up-seconds", type=float, default=10.0,
                        help="open the home page once and wait this long before the class arrives "
                             "(0: the first students meet a cold server)")
    parser.add_argument("--reload-every-page", action="store_true",
                        help="open each page with a full page load instead of the sidebar")
    parser.add_argument("--url", help="a server already running elsewhere (e.g. the class server, with the "
                                      "browsers on another machine); default: start one here")
    parser.add_argument("--browser-nice", type=int, default=None,
                        help="run the browser tabs at this lower CPU priority (default 19 when the server "
                             "runs on this machine, so the tabs stand in for the students' own laptops "
                             "and only get the CPU the server leaves; 0 to let them compete; "
                             "--adversarial: default 0)")
    parser.add_argument("--adversarial", action="store_true",
                        help="a class with adversaries (tools/classroom_load/adversaries.py) against a server started with "
                             "instructor settings; --sessions counts every student, adversaries included")
    parser.add_argument("--mix", help="the adversaries, kind=count,... (implies --adversarial; default "
                                      "closer=2,pauser=2,bomb=1,tiny=1,tabs=1,ptabs=1)")
    parser.add_argument("--soak", action="store_true", help="rounds of notMNIST sessions; memory after each round")
    parser.add_argument("--rounds", type=int, default=3, help="--soak: how many rounds")
    parser.add_argument("--soak-sessions", type=int, default=10, help="--soak: sessions per round")
    parser.add_argument("--no-probe-visit", action="store_true",
                        help="--adversarial, --soak: measure memory after the class without the probe session "
                             "that makes Streamlit drop the closed ones")
    parser.add_argument("--class", dest="class_mode", action="store_true",
                        help="the students join a class and train its challenge (protocol clients; "
                             "tools/classroom_load/class_mode.py), against a server started on that class's database")
    parser.add_argument("--instructor", action="store_true",
                        help="--class: the Instructor page stays open, signed in, the whole time")
    parser.add_argument("--database", choices=["sqlite", "postgresql"],
                        help="--class: the class database (default: NNLIB_DATABASE_URL's engine, else sqlite; "
                             "postgresql without NNLIB_DATABASE_URL starts a throwaway cluster)")
    parser.add_argument("--compare", action="store_true",
                        help="--class: SQLite and PostgreSQL, each without and with the instructor, interleaved")
    parser.add_argument("--repeats", type=int,
                        help="--class: how many times each variant runs (default 1; --compare 3)")
    parser.add_argument("--pause-seconds", type=float, default=5.0,
                        help="--class: quiet time between two classes")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    args.browser_groups_niced = 0
    if args.class_mode:
        if args.url or args.adversarial or args.mix or args.soak:
            parser.error("--class starts its own servers: no --url, --adversarial, --mix or --soak")
        if args.client != "protocol" and "--client" in sys.argv:
            parser.error("--class students are protocol clients (--client protocol)")
        args.sessions = 10 if args.sessions is None else args.sessions
        args.ramp_seconds = 30.0 if args.ramp_seconds is None else args.ramp_seconds
        from tools.classroom_load.class_mode import class_mode

        return class_mode(args)
    if args.instructor or args.database or args.compare or args.repeats is not None:
        parser.error("--instructor, --database, --compare and --repeats go with --class")
    if args.adversarial or args.mix or args.soak:
        if args.url:
            parser.error("--adversarial, --mix and --soak start their own server: no --url")
        if args.browser_nice is None:
            args.browser_nice = 0
        args.sessions = 30 if args.sessions is None else args.sessions
        args.ramp_seconds = (10.0 if args.soak else 60.0) if args.ramp_seconds is None else args.ramp_seconds
        args.notmnist_every = 3 if args.notmnist_every is None else args.notmnist_every
        return instructor_mode(args)
    args.sessions = 10 if args.sessions is None else args.sessions
    args.ramp_seconds = 30.0 if args.ramp_seconds is None else args.ramp_seconds
    args.notmnist_every = 5 if args.notmnist_every is None else args.notmnist_every
    if args.browser_nice is None:
        args.browser_nice = 19 if args.client == "browser" and not args.url else 0

    server = relay = None
    if args.url:
        base = server_base = args.url.rstrip("/")
    else:
        port = free_port()
        server = start_server(port)
        base = server_base = f"http://127.0.0.1:{port}"
        watch = MemoryWatch(server.pid)
        watch.start()
    started = time.monotonic()
    # Count CPU from here: the server's start-up is not the class's load (the warm-up is).
    startup_cpu = process_cpu_s(server.pid) if server else 0.0
    busy_before = machine_busy_s()
    try:
        if server and args.client == "browser":
            # Time the server where it answers, not in tabs that share its cores.
            relay = TimingRelay(port)
            base = f"http://127.0.0.1:{relay.port}"
        results = asyncio.run(run_class(args, base, server_base))
    finally:
        busy = machine_busy_s() - busy_before
        try:
            relay_cpu = relay.stop() if relay else 0.0
        finally:
            if server:
                watch.running = False
                high_water_kib = rss_kib(server.pid, "VmHWM")
                server_cpu = process_cpu_s(server.pid) - startup_cpu
                server.terminate()
                server.wait(timeout=30)
    page_times = [t for r in results for t in r["pages"].values()]
    responses = relay.seconds("page") if relay else []
    fragment_responses = relay.seconds("fragment") if relay else []
    slowest_response = max((r for r in relay.records if r["kind"] == "page"), key=lambda r: r["seconds"],
                           default=None) if relay else None
    slowest = max(((t, r["session"], name) for r in results for name, t in r["pages"].items()), default=(0, 0, ""))
    waits = [r.get("start_wait_s", 0.0) for r in results]
    summary = {
        "sessions": args.sessions,
        "client": args.client,
        "cores": os.cpu_count(),
        "settings": {k: v for k, v in os.environ.items() if k.startswith("NNLIB_")},
        "seconds": round(time.monotonic() - started, 1),
        "runs_finished": sum(r["finished"] for r in results),
        "errors": [r.get("error") for r in results if r.get("error")],
        "exceptions": sum(len(r["exceptions"]) for r in results),
        "page_median_s": round(statistics.median(page_times), 3) if page_times else None,
        "page_p95_s": round(sorted(page_times)[int(0.95 * (len(page_times) - 1))], 3) if page_times else None,
        "page_slowest_s": slowest[0],
        "page_slowest_where": f"session {slowest[1]} /{slowest[2]}",
        "pages_over_3s": sum(t > 3 for t in page_times),
        "page_median_by_page_s": {
            name: round(statistics.median(r["pages"][name] for r in results if name in r["pages"]), 2)
            for name in ["home"] + [p.url_path for p in available_pages()]
            if any(name in r["pages"] for r in results)
        },
        "queued_runs": sum(bool(r.get("queued")) for r in results),
        **({} if not responses else {
            "server_response_median_s": round(statistics.median(responses), 3),
            "server_response_p95_s": round(sorted(responses)[int(0.95 * (len(responses) - 1))], 3),
            "server_response_slowest_s": round(max(responses), 3),
            "server_response_slowest_where": f"/{slowest_response['page']}",
            "server_response_median_by_page_s": {
                page: round(statistics.median(r["seconds"] for r in relay.records
                                              if r["kind"] == "page" and r["page"] == page), 3)
                for page in dict.fromkeys(r["page"] for r in relay.records if r["kind"] == "page")
            },
            "server_responses_over_3s": sum(t > 3 for t in responses),
            "server_responses": len(responses),
            "live_chart_response_median_s": round(statistics.median(fragment_responses), 3)
            if fragment_responses else None,
            "live_chart_response_slowest_s": max(fragment_responses, default=None),
        }),
        "queue_wait_max_s": max(waits, default=0.0),
        "queue_wait_median_s": round(statistics.median(waits), 2) if waits else None,
        "run_max_s": max((r.get("run_s", 0.0) for r in results), default=0.0),
        "browser_nice": args.browser_nice if args.client == "browser" else None,
        # How many scheduler groups took the niceness (0 where autogroups do not apply).
        "browser_groups_niced": args.browser_groups_niced if args.client == "browser" else None,
        "machine_busy_share": round(busy / ((time.monotonic() - started) * (os.cpu_count() or 1)), 2),
        **({} if server is None else {  # a server elsewhere (--url) is measured where it runs
            "server_peak_rss_mb": round(max(watch.peak_kib, high_water_kib) / 1024, 1),
            "server_startup_cpu_s": round(startup_cpu, 1),
            "server_cpu_s": round(server_cpu, 1),
            "other_cpu_s": round(busy - server_cpu, 1),
            **({"relay_cpu_s": round(relay_cpu, 1)} if relay else {}),
        }),
    }
    for r in results:
        print(f"session {r['session']:2d} {r['dataset']:8s} finished={r['finished']} "
              f"wait={r.get('start_wait_s')}s run={r.get('run_s')}s acc={r.get('test_accuracy')} "
              f"epochs={r.get('epochs')} "
              f"slowest page={max(r['pages'].values(), default=0):.2f}s {r.get('error', '')}")
    print(json.dumps(summary, indent=None if args.json else 2))
    return 0 if summary["runs_finished"] == args.sessions and not summary["exceptions"] else 1


if __name__ == "__main__":
    sys.exit(main())
