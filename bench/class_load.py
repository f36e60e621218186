"""A class at once: N browser sessions visit every page and train, against one server.

    python bench/class_load.py                    # 10 sessions
    python bench/class_load.py --sessions 30      # a whole class
    python bench/class_load.py --sessions 30 --notmnist-every 5 --ramp-seconds 60

Starts `streamlit run app.py` on a free loopback port with the instructor settings
from the environment (NNLIB_*), then opens N sessions in headless Chromium that
arrive spread over --ramp-seconds ("thirty students open it in the same minute").
Each visits every page of the course, then trains iris on the Training page; every
k-th session trains notMNIST (2 epochs). Reports whether every run finished, any
exception shown, page response times (navigation until the script has finished),
how long runs waited in the queue, and the server's peak memory (resident set of
the server process, sampled every 0.2 s, and the kernel's high-water mark).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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


class MemoryWatch(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            self.peak_kib = max(self.peak_kib, _rss_kib(self.pid))
            time.sleep(0.2)


async def wait_for_script(page, timeout_s: float = 120.0) -> None:
    await page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        running = await page.locator('[data-testid="stStatusWidget"]').count() > 0
        if running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 0.5:
            return
        await page.wait_for_timeout(100)
    raise TimeoutError("script still running")


async def student(browser, base: str, number: int, start_delay: float, notmnist: bool, iris_epochs: int,
                  results: list[dict]) -> None:
    await asyncio.sleep(start_delay)
    record: dict = {"session": number, "dataset": "notmnist" if notmnist else "iris", "pages": {},
                    "exceptions": [], "finished": False}
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        for path in [""] + [p.url_path for p in available_pages()]:
            started = time.monotonic()
            await page.goto(f"{base}/{path}")
            await wait_for_script(page)
            record["pages"][path or "home"] = round(time.monotonic() - started, 3)
            if await page.locator('[data-testid="stException"]').count():
                record["exceptions"].append(path)
        # The training page is open now (it is the last page of the course).
        if notmnist:
            await page.get_by_text("notMNIST letters A–J").click()
            await wait_for_script(page)
            epochs = page.get_by_label("Epochs", exact=True)
            await epochs.fill("2")
        else:
            epochs = page.get_by_label("Epochs", exact=True)
            await epochs.fill(str(iris_epochs))
        await epochs.press("Enter")
        await wait_for_script(page)
        clicked = time.monotonic()
        await page.get_by_role("button", name="Start").click()
        queued_seen = False
        started_training = None
        deadline = clicked + 900
        while time.monotonic() < deadline:
            text = await page.locator("body").inner_text()
            if "Waiting for a free training slot" in text:
                queued_seen = True
            elif started_training is None and ("Running · epoch" in text or "Finished · epoch" in text):
                started_training = time.monotonic()
            if "Test accuracy" in text:
                record["finished"] = True
                break
            await page.wait_for_timeout(500)
        done = time.monotonic()
        record["queued"] = queued_seen
        record["start_wait_s"] = round((started_training or done) - clicked, 2)
        record["run_s"] = round(done - clicked, 2)
        metric = page.locator('[data-testid="stMetric"]').filter(has_text="Test accuracy")
        if await metric.count():
            record["test_accuracy"] = (await metric.first.inner_text()).split("\n")[-1]
        if await page.locator('[data-testid="stException"]').count():
            record["exceptions"].append("training")
    except Exception as error:  # one student's failure is a result, not the end of the benchmark
        record["error"] = f"{type(error).__name__}: {str(error)[:300]}"
    finally:
        await context.close()
        results.append(record)


async def run_class(args: argparse.Namespace, base: str) -> list[dict]:
    from playwright.async_api import async_playwright

    results: list[dict] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        step = args.ramp_seconds / max(args.sessions - 1, 1)
        await asyncio.gather(*[
            student(browser, base, i, i * step, args.notmnist_every > 0 and i % args.notmnist_every == 0,
                    args.iris_epochs, results)
            for i in range(args.sessions)
        ])
        await browser.close()
    return sorted(results, key=lambda r: r["session"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--ramp-seconds", type=float, default=30.0, help="arrivals spread over this many seconds")
    parser.add_argument("--notmnist-every", type=int, default=5, help="every k-th session trains notMNIST (0: none)")
    parser.add_argument("--iris-epochs", type=int, default=60)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    port = _free_port()
    server = start_server(port)
    watch = MemoryWatch(server.pid)
    watch.start()
    started = time.monotonic()
    try:
        results = asyncio.run(run_class(args, f"http://127.0.0.1:{port}"))
    finally:
        watch.running = False
        high_water_kib = _rss_kib(server.pid, "VmHWM")
        server.terminate()
        server.wait(timeout=30)
    page_times = [t for r in results for t in r["pages"].values()]
    slowest = max(((t, r["session"], name) for r in results for name, t in r["pages"].items()), default=(0, 0, ""))
    waits = [r.get("start_wait_s", 0.0) for r in results]
    summary = {
        "sessions": args.sessions,
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
        "queued_runs": sum(bool(r.get("queued")) for r in results),
        "queue_wait_max_s": max(waits, default=0.0),
        "queue_wait_median_s": round(statistics.median(waits), 2) if waits else None,
        "run_max_s": max((r.get("run_s", 0.0) for r in results), default=0.0),
        "server_peak_rss_mb": round(max(watch.peak_kib, high_water_kib) / 1024, 1),
    }
    for r in results:
        print(f"session {r['session']:2d} {r['dataset']:8s} finished={r['finished']} "
              f"wait={r.get('start_wait_s')}s run={r.get('run_s')}s acc={r.get('test_accuracy')} "
              f"slowest page={max(r['pages'].values(), default=0):.2f}s {r.get('error', '')}")
    print(json.dumps(summary, indent=None if args.json else 2))
    return 0 if summary["runs_finished"] == args.sessions and not summary["exceptions"] else 1


if __name__ == "__main__":
    sys.exit(main())
