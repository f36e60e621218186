"""Start-up: how long after ``streamlit run app.py`` a student sees the first heading.

Each round starts the dashboard and a bare one-line Streamlit app (``st.title``) the
same way (headless, a free loopback port, the flags the browser tests use), in an
order that alternates from round to round, and for each measures, from the moment the
process is launched, when ``/_stcore/health`` first answers and when headless Chromium
first shows an ``h1`` in the main block. The ratio dashboard / bare app is paired within
the round and reported as median and IQR, next to the seconds themselves.

    python -m bench.startup_speed                 # the home page, 9 rounds
    python -m bench.startup_speed --page training --rounds 5
    python -m bench.startup_speed --json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.support.browser import BROWSER_ARGS, CHROMIUM
from tests.support.server import ROOT, free_port

BARE_APP = 'import streamlit as st; st.title("Hello")\n'
HEADING = '[data-testid="stMainBlockContainer"] h1'


def launch(script: Path, port: int) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def first_heading(browser: object, script: Path, url_path: str) -> tuple[float, float]:
    """Seconds from launch to the health check answering, and to the first heading."""
    port = free_port()
    started = time.perf_counter()
    process = launch(script, port)
    try:
        deadline = started + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{script.name} exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.perf_counter() > deadline:
                raise RuntimeError("the server did not answer within 120 s")
            time.sleep(0.02)
        healthy = time.perf_counter() - started
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/{url_path}", wait_until="commit")
            page.wait_for_selector(HEADING, timeout=120_000)
            heading = time.perf_counter() - started
        finally:
            context.close()
        return healthy, heading
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def quartiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        return values[0], values[0], values[0]
    low, middle, high = statistics.quantiles(values, n=4, method="inclusive")
    return low, middle, high


def summary(values: list[float]) -> dict[str, float]:
    low, middle, high = quartiles(values)
    return {"median": round(middle, 3), "q1": round(low, 3), "q3": round(high, 3)}


def load() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--page", default="", help="the page's url path (default: the home page)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the results")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        bare = Path(folder) / "bare.py"
        bare.write_text(BARE_APP)
        scripts = {"bare app": (bare, ""), "dashboard": (ROOT / "app.py", args.page)}
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        load_before = load()
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in scripts}
        try:
            first_heading(browser, bare, "")  # the first start of all pays for cold disk caches
            for index in range(args.rounds):
                order = list(scripts) if index % 2 == 0 else list(reversed(scripts))
                for name in order:
                    script, url_path = scripts[name]
                    times[name].append(first_heading(browser, script, url_path))
        finally:
            browser.close()
    result = {
        "page": args.page or "home", "rounds": args.rounds, "load_before": load_before, "load_after": load(),
        "seconds_to_health": {name: summary([h for h, _ in values]) for name, values in times.items()},
        "seconds_to_first_heading": {name: summary([f for _, f in values]) for name, values in times.items()},
        "first_heading_ratio": summary([d[1] / b[1] for d, b in zip(times["dashboard"], times["bare app"],
                                                                        strict=True)]),
    }
    print(f"page {result['page']!r}, {args.rounds} rounds, load {result['load_before']} before, "
          f"{result['load_after']} after")
    for name in scripts:
        health, heading = result["seconds_to_health"][name], result["seconds_to_first_heading"][name]
        print(f"  {name:10s} server answers {health['median']:.2f} s (IQR {health['q1']:.2f}-{health['q3']:.2f}), "
              f"first heading {heading['median']:.2f} s (IQR {heading['q1']:.2f}-{heading['q3']:.2f})")
    ratio = result["first_heading_ratio"]
    print(f"first heading, dashboard / bare app: {ratio['median']:.2f}x (IQR {ratio['q1']:.2f}-{ratio['q3']:.2f})")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
