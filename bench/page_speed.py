"""The Training page's own speed, with live charts drawing, against the CLI on the same config.

    python -m bench.page_speed                 # notMNIST defaults (offline letters), 3 rounds each
    python -m bench.page_speed --dataset iris

Runs `python -m nnlib train --json` and a real browser session on `streamlit run app.py`
alternately, and prints the median samples per second of each and their ratio
(page / CLI). The page's figure is the one it shows after the run ("Samples / s").
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys

from tests.support.browser import BROWSER_ARGS, CHROMIUM, wait_for_script
from tests.support.server import ROOT, free_port, start_server


def cli_speed(dataset: str) -> float:
    output = subprocess.run([sys.executable, "-m", "nnlib", "train", "--dataset", dataset, "--json"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])["samples_per_s"]


def page_speed(page, base: str, dataset: str) -> float:
    page.goto(f"{base}/training")
    wait_for_script(page)
    if dataset == "notmnist":
        page.get_by_text("notMNIST letters A–J").click()
        wait_for_script(page)
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("text=Test accuracy", timeout=600_000)
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Samples / s").first.inner_text()
    value = float(re.sub(r"[^\d.]", "", metric.split("\n")[-1]))
    page.get_by_role("button", name="Reset").click()
    wait_for_script(page)
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=("iris", "notmnist"), default="notmnist")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    server = start_server(port)
    cli, web = [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/")
            wait_for_script(page)
            for _ in range(args.rounds):
                cli.append(cli_speed(args.dataset))
                web.append(page_speed(page, f"http://127.0.0.1:{port}", args.dataset))
                print(f"cli {cli[-1]:>10,.0f}/s   page {web[-1]:>10,.0f}/s", flush=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    ratio = statistics.median(web) / statistics.median(cli)
    print(f"{args.dataset}: page {statistics.median(web):,.0f}/s, CLI {statistics.median(cli):,.0f}/s, "
          f"ratio {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
