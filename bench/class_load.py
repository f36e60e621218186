"""A class at once: N browser sessions visit every page and train, against one server.

    python bench/class_load.py                    # 10 sessions
    python bench/class_load.py --sessions 30      # a whole class
    python bench/class_load.py --sessions 30 --notmnist-every 5 --ramp-seconds 60
    python bench/class_load.py --sessions 30 --client protocol   # websocket clients, no browser
    python bench/class_load.py --sessions 30 --url http://class-server:8501   # browsers here, server there
    python bench/class_load.py --reload-every-page   # a full page load per page (worst case)

Starts `streamlit run app.py` on a free loopback port with the instructor settings
from the environment (NNLIB_*) (or uses the server at --url), opens the home page once
and waits (--warm-up-seconds, as an instructor checks the server before class), then
opens N sessions that arrive spread over --ramp-seconds ("thirty students open it in
the same minute"). Each opens the home page, goes through every page of the course with
the sidebar (as a student does: one browser tab, one server session), then trains iris
on the Training page; every k-th session trains notMNIST (2 epochs).

A session is a headless Chromium tab, or with --client protocol a light client that
speaks Streamlit's websocket protocol (bench/streamlit_session.py). Thirty Chromium tabs
use several times the CPU the server does, and here they share its two cores, where in a
class each tab runs on its own laptop. So when the server runs on this machine:
- the tabs run at the lowest CPU priority (--browser-nice, default 19): they take the
  CPU the server leaves, and hardly slow it;
- the tabs connect through bench/stream_relay.py, a relay at normal priority that times
  each rerun from the tab's request passing through to the server's "script finished"
  ("server response": what a student on their own laptop waits for, network aside);
- "page" times are what the tabs themselves saw, click until the new page's script
  finished on screen, and include drawing in a tab starved on purpose.

Reports whether every run finished, any exception shown, page and server response
times, how long runs waited in the queue, the server's peak memory (resident set sampled
every 0.2 s and the kernel's high-water mark), and how the machine's CPU time was split
between the server and everything else.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pages.components.catalog import available_pages  # noqa: E402
from tests.e2e.conftest import BROWSER_ARGS, CHROMIUM, start_server  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_kib(pid: int, field: str = "VmRSS") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads) so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _machine_busy_s() -> float:
    """CPU seconds every core of this machine has spent busy so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _lower_autogroups_of_descendants(nice: int) -> int:
    """Give our descendants' scheduler autogroups the niceness ``nice``; returns how many groups.

    Playwright starts Chromium in a new session, and with the kernel's autogroup scheduling
    a new session is a new group that gets an equal share of the CPU whatever its processes'
    own niceness: the group itself has to be niced.
    """
    ours = Path("/proc/self/autogroup")
    if not ours.exists():
        return 0
    own_group = ours.read_text().split()[0]
    changed: set[str] = set()
    for pid in _descendants(os.getpid()):
        path = Path(f"/proc/{pid}/autogroup")
        try:
            group = path.read_text().split()[0]
            if group != own_group and group not in changed:
                path.write_text(str(nice))
                changed.add(group)
        except OSError:
            continue
    return len(changed)


class TimingRelay:
    """bench/stream_relay.py in its own process at normal priority: the tabs connect through it."""

    def __init__(self, server_port: int) -> None:
        self.port = _free_port()
        self.records: list[dict] = []
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "stream_relay.py"), "--listen", str(self.port),
             "--to", str(server_port)], stdout=subprocess.PIPE, text=True)
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
        cpu = _process_cpu_s(self.process.pid)
        self.process.terminate()
        self.process.wait(timeout=30)
        self._reader.join(timeout=5)
        return cpu


class MemoryWatch(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            self.peak_kib = max(self.peak_kib, _rss_kib(self.pid))
            time.sleep(0.2)


MAIN_TITLE = '[data-testid="stMainBlockContainer"] h1'
PATIENCE_S = 300.0  # how long a browser tab may take for one step before it counts as failed


async def wait_for_page(page, previous_title: str | None, timeout_s: float = PATIENCE_S) -> float:
    """Wait until a page other than ``previous_title`` is drawn and its script has finished.

    Returns the moment (time.monotonic) the page was complete; the extra half second of
    quiet that confirms it is not counted.
    """
    await page.wait_for_function(
        """([selector, previous]) => {
               const title = document.querySelector(selector);
               return title !== null && title.innerText.trim() !== "" && title.innerText !== previous;
           }""",
        arg=[MAIN_TITLE, previous_title], timeout=timeout_s * 1000, polling=100,
    )
    return await wait_for_quiet(page, timeout_s)


async def wait_for_quiet(page, timeout_s: float = PATIENCE_S) -> float:
    """Wait until the script has not been running for half a second; return when it stopped."""
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        running = await page.locator('[data-testid="stStatusWidget"]').count() > 0
        if running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 0.5:
            return quiet_since
        await page.wait_for_timeout(100)
    raise TimeoutError("script still running")


async def set_number(page, label: str, value: int, attempts: int = 5) -> None:
    """Type a number into a field and make sure the page has taken it (reruns can race typing)."""
    field = page.get_by_label(label, exact=True)
    for _ in range(attempts):
        await field.fill(str(value))
        await field.press("Enter")
        await wait_for_quiet(page)
        if await field.input_value() == str(value):
            return
    raise RuntimeError(f"{label!r} did not keep {value}")


async def watch_run(record: dict, clicked: float, shows, poll_s: float, limit_s: float = 900) -> None:
    """Follow a run after Start until the test accuracy is shown; note queueing and timings.

    ``shows()`` says what the student sees now: (waiting for a slot, training, finished).
    """
    queued_seen = False
    started_training = None
    while time.monotonic() < clicked + limit_s:
        waiting, training, finished = await shows()
        if waiting:
            queued_seen = True
        elif started_training is None and training:
            started_training = time.monotonic()
        if finished:
            record["finished"] = True
            break
        await asyncio.sleep(poll_s)
    done = time.monotonic()
    record["queued"] = queued_seen
    record["start_wait_s"] = round((started_training or done) - clicked, 2)
    record["run_s"] = round(done - clicked, 2)


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


async def protocol_student(base: str, number: int, start_delay: float, notmnist: bool, iris_epochs: int,
                           results: list[dict]) -> None:
    """The same visit as ``student``, spoken over Streamlit's websocket without a browser."""
    from streamlit_session import StreamlitSession

    await asyncio.sleep(start_delay)
    record: dict = {"session": number, "dataset": "notmnist" if notmnist else "iris", "pages": {},
                    "exceptions": [], "finished": False}
    session = StreamlitSession(base)
    try:
        await session.connect()
        for path in [""] + [p.url_path for p in available_pages()]:
            run = await session.open(path)
            record["pages"][path or "home"] = round(run.seconds, 3)
            if run.exceptions:
                record["exceptions"].append(path or "home")
        if notmnist:
            await session.set_widget("Dataset", "notMNIST letters A–J (28×28 images)")  # radios send the label
            await session.set_widget("Epochs", 2)
        else:
            await session.set_widget("Epochs", iris_epochs)
        clicked = time.monotonic()
        await session.click("Start")

        async def session_shows() -> tuple[bool, bool, bool]:
            shown = session.latest.texts() + session.last_fragment.texts()
            return ("Waiting for a free training slot" in shown,
                    "Running · epoch" in shown or "Finished · epoch" in shown,
                    "Test accuracy" in session.latest.texts())

        await watch_run(record, clicked, session_shows, poll_s=0.25)
        metrics = {e.label: e.text.split("\n")[-1] for e in session.latest.elements if e.kind == "metric"}
        record["test_accuracy"] = metrics.get("Test accuracy")
        record["epochs"] = metrics.get("Epochs")
        record["fragment_runs"] = session.fragment_runs
        if session.latest.exceptions:
            record["exceptions"].append("training")
    except Exception as error:  # one student's failure is a result, not the end of the benchmark
        record["error"] = f"{type(error).__name__}: {str(error)[:300]}"
    finally:
        await session.close()
        results.append(record)


async def warm_up(base: str, seconds: float) -> None:
    """The instructor opens the dashboard once before the class arrives, then waits."""
    from streamlit_session import StreamlitSession

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
            args.browser_groups_niced = _lower_autogroups_of_descendants(args.browser_nice)
        await asyncio.gather(*[
            student(browser, base, i, delay, notmnist, args.iris_epochs, args.reload_every_page, results)
            for i, delay, notmnist in plans
        ])
        await browser.close()
    return sorted(results, key=lambda r: r["session"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--ramp-seconds", type=float, default=30.0, help="arrivals spread over this many seconds")
    parser.add_argument("--notmnist-every", type=int, default=5, help="every k-th session trains notMNIST (0: none)")
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
                             "and only get the CPU the server leaves; 0 to let them compete)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.browser_nice is None:
        args.browser_nice = 19 if args.client == "browser" and not args.url else 0

    server = relay = None
    args.browser_groups_niced = 0
    if args.url:
        base = server_base = args.url.rstrip("/")
    else:
        port = _free_port()
        server = start_server(port)
        base = server_base = f"http://127.0.0.1:{port}"
        watch = MemoryWatch(server.pid)
        watch.start()
    started = time.monotonic()
    # Count CPU from here: the server's start-up is not the class's load (the warm-up is).
    startup_cpu = _process_cpu_s(server.pid) if server else 0.0
    busy_before = _machine_busy_s()
    try:
        if server and args.client == "browser":
            # Time the server where it answers, not in tabs that share its cores.
            relay = TimingRelay(port)
            base = f"http://127.0.0.1:{relay.port}"
        results = asyncio.run(run_class(args, base, server_base))
    finally:
        busy = _machine_busy_s() - busy_before
        try:
            relay_cpu = relay.stop() if relay else 0.0
        finally:
            if server:
                watch.running = False
                high_water_kib = _rss_kib(server.pid, "VmHWM")
                server_cpu = _process_cpu_s(server.pid) - startup_cpu
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
