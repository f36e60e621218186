"""Students who do not play along, in real browsers (for ``python -m tools.classroom_load --adversarial``).

    python -m tools.classroom_load.adversaries --url http://127.0.0.1:8501                      # the default mix
    python -m tools.classroom_load.adversaries --url http://127.0.0.1:8501 --mix closer=3,bomb=2 --ramp-seconds 0

Each adversary is a browser context of its own (its own cookies, so its own student to
the app) with one headless Chromium tab, or three:
- closer: starts a long notMNIST run (one image per batch, 50 epochs), closes the tab while
  it trains, and comes back once the server should have paused it (idle_pause_seconds and
  one sweep of the run board) to read what the page says about it;
- pauser: starts the same long run, presses Pause, closes the tab, and comes back once the
  server should have stopped it (idle_stop_seconds and one sweep; this needs
  keep_results_seconds longer than idle_stop_seconds, or the stopped run is already
  forgotten);
- bomb: uploads a header bomb as its notMNIST: a .tar.gz holding one GNU long-name
  header (type L) that declares 2 GiB, followed by 4 MB of zeros (built in a temporary
  folder and deleted after);
- tiny: uploads a valid notMNIST archive of 10 images, then trains 2 epochs on it;
- tabs: opens the Training page in three tabs of one browser (iris, 500 epochs of one
  flower per batch) and presses Start in all three at once: one run should exist (the
  distinct ``?run=`` tokens in the tabs' addresses), the other presses refused if they
  met it in progress, and the run finish.
(``ptabs``, the same three tabs as protocol sessions sharing one cookie, is played by
classroom.py itself.)

Prints JSON lines on stdout: {"event": "browser_started"} once Chromium runs,
{"event": "tiny_uploaded", "at": ...} (time.monotonic(), the same clock in every process
of this machine) once the tiny archive is the student's data, and one {"adversary": ...}
line per adversary when it has left. The idle times it waits for are the NNLIB_* settings
in its environment: run it with the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from nnlib.core.settings import load_settings
from tests.support.archives import long_name_bomb, tiny_letters_archive
from tests.support.browser import BROWSER_ARGS, CHROMIUM
from tools.classroom_load.browser_steps import PATIENCE_S, set_number, wait_for_quiet

KINDS = ("closer", "pauser", "bomb", "tiny", "tabs", "ptabs")
DEFAULT_MIX = "closer=2,pauser=2,bomb=1,tiny=1,tabs=1,ptabs=1"
# Shareable links set the Training page's fields (a radio takes its label).
NOTMNIST_LABEL = "notMNIST letters A–J (28×28 images)"
# notMNIST one image at a time: minutes of training, so it is still going when its student leaves.
LONG_RUN = urllib.parse.urlencode({"training_dataset": NOTMNIST_LABEL, "training_epochs_notmnist": 50,
                                   "training_batch_notmnist": 1})
# Tens of seconds: even a tab starved of CPU presses while the first press's run is in progress.
TABS_EPOCHS = 500
TABS_RUN = f"training_epochs_iris={TABS_EPOCHS}&training_batch_iris=1"
STATUS = re.compile(r"(Queued|Running|Paused|Stopped|Finished|Failed|Ready) · epoch \d+/\d+")
REFUSED = "You already have a training run in progress"
MAIN = '[data-testid="stMainBlockContainer"]'


def parse_mix(text: str) -> dict[str, int]:
    """"closer=2,bomb=1" -> {"closer": 2, "bomb": 1}; unknown kinds are an error."""
    mix: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, count = part.partition("=")
        if kind not in KINDS:
            raise ValueError(f"unknown adversary {kind!r} (known: {', '.join(KINDS)})")
        mix[kind] = int(count or 1)
    return mix


def students_in(mix: dict[str, int]) -> int:
    return sum(mix.values())


def emit(record: dict) -> None:
    print(json.dumps(record), flush=True)


class Adversary:
    """One student's browser context, and what it saw."""

    def __init__(self, browser, base: str, kind: str, number: int) -> None:
        self.browser, self.base = browser, base
        self.record: dict = {"adversary": kind, "number": number, "exceptions": [], "seen": []}
        self.context = None

    async def __aenter__(self) -> Adversary:
        self.context = await self.browser.new_context(viewport={"width": 1280, "height": 900})
        return self

    async def __aexit__(self, *exc) -> None:
        await self.context.close()

    async def tab(self, query: str = ""):
        """A new tab of this browser on the Training page, its script finished."""
        page = await self.context.new_page()
        page.set_default_navigation_timeout(PATIENCE_S * 1000)
        page.set_default_timeout(PATIENCE_S * 1000)
        await page.goto(f"{self.base}/training" + (f"?{query}" if query else ""))
        await page.locator(f"{MAIN} h1").first.wait_for()
        await wait_for_quiet(page)
        return page

    async def check(self, page, where: str) -> str:
        """Note any exception on the page; return the run's status line ("" if none shown)."""
        errors = page.locator('[data-testid="stException"]')
        if await errors.count():
            shown = f"{where}: {(await errors.first.inner_text())[:500]}"
            if shown not in self.record["exceptions"]:  # polling sees the same one again
                self.record["exceptions"].append(shown)
        text = await page.locator(MAIN).first.inner_text()
        found = STATUS.search(text)
        return found.group(0) if found else ""

    async def wait_for_status(self, page, pattern: str, timeout_s: float = PATIENCE_S) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            status = await self.check(page, "waiting")
            if re.match(pattern, status):
                return status
            await asyncio.sleep(0.5)
        return await self.check(page, "waiting")

    async def come_back(self, left: float, after_s: float) -> None:
        """Open the Training page again ``after_s`` after leaving; note the run's status and message
        ("" and "no run": the server has forgotten it)."""
        await asyncio.sleep(max(0.0, left + after_s - time.monotonic()))
        page = await self.tab()
        self.record["back_after_s"] = round(time.monotonic() - left, 1)
        deadline, status, text = time.monotonic() + 20, "", ""
        while time.monotonic() < deadline:  # the live panel may be drawn a moment after the page
            status = await self.check(page, "back")
            text = await page.locator(MAIN).first.inner_text()
            if status or "Press Start to train" in text:
                break
            await asyncio.sleep(0.5)
        self.record["status_back"] = status or ("no run" if "Press Start to train" in text else "")
        message = re.search(r"(Paused|Stopped): [^\n]*", text)
        self.record["message_back"] = message.group(0) if message else ""
        await page.close()


async def start_long_run(adversary: Adversary):
    page = await adversary.tab(LONG_RUN)
    await page.get_by_role("button", name="Start", exact=True).click()
    # Leaving while it trains is the point: wait (a while) for the queue to let it in.
    status = await adversary.wait_for_status(page, r"Running", timeout_s=120)
    adversary.record["status_left"] = status
    adversary.record["in_progress_when_left"] = bool(re.match(r"(Running|Queued|Paused)", status))
    if status.startswith("Paused"):  # its tab was open, but said nothing for idle_pause_seconds
        adversary.record["seen"].append("paused by the server before its student left")
    return page


async def closer(browser, base: str, number: int, settings, sweep_s: float) -> dict:
    async with Adversary(browser, base, "closer", number) as me:
        page = await start_long_run(me)
        await page.close()  # the tab, mid-run; the browser (its cookie) stays
        left = time.monotonic()
        await me.come_back(left, settings.idle_pause_seconds + sweep_s + 3)
        me.record["expected_back"] = "Paused: nobody has looked at this run"
        me.record["ok"] = me.record["in_progress_when_left"] and me.record["status_back"].startswith("Paused") \
            and me.record["message_back"].startswith("Paused: nobody has looked") and not me.record["exceptions"]
        return me.record


async def pauser(browser, base: str, number: int, settings, sweep_s: float) -> dict:
    async with Adversary(browser, base, "pauser", number) as me:
        page = await start_long_run(me)
        if me.record["status_left"].startswith(("Running", "Queued")):
            await page.get_by_role("button", name="Pause", exact=True).click()
        me.record["status_paused"] = await me.wait_for_status(page, r"Paused", timeout_s=120)
        await page.close()
        left = time.monotonic()
        await me.come_back(left, settings.idle_stop_seconds + sweep_s + 5)
        me.record["expected_back"] = "Stopped: nobody had looked at this run"
        me.record["ok"] = me.record.get("status_paused", "").startswith("Paused") \
            and me.record["status_back"].startswith("Stopped") \
            and me.record["message_back"].startswith("Stopped: nobody had looked") and not me.record["exceptions"]
        return me.record


async def open_letters(me: Adversary):
    page = await me.tab()
    await page.get_by_text("notMNIST letters A–J").click()
    await page.get_by_text("Get the real notMNIST").first.wait_for()
    await wait_for_quiet(page)
    await page.get_by_text("Get the real notMNIST").first.click()
    return page


async def bomb(browser, base: str, number: int, folder: Path) -> dict:
    async with Adversary(browser, base, "bomb", number) as me:
        page = await open_letters(me)
        path = long_name_bomb(folder)
        me.record["file_bytes"] = path.stat().st_size
        sent = time.monotonic()
        await page.locator('input[type="file"]').set_input_files(str(path))
        alert = page.locator('[data-testid="stAlert"]', has_text=path.name)
        try:
            await alert.first.wait_for(timeout=120_000)
            me.record["refused"] = True
            me.record["alert"] = (await alert.first.inner_text())[:300]
        except Exception as error:  # noqa: BLE001 - not refused in time is the result
            me.record["refused"] = False
            me.record["alert"] = f"no alert: {type(error).__name__}"
        me.record["answer_s"] = round(time.monotonic() - sent, 2)
        await wait_for_quiet(page)
        await me.check(page, "after upload")
        me.record["ok"] = me.record["refused"] and not me.record["exceptions"]
        return me.record


async def tiny(browser, base: str, number: int, folder: Path) -> dict:
    async with Adversary(browser, base, "tiny", number) as me:
        page = await open_letters(me)
        path = tiny_letters_archive(folder)
        sent = time.monotonic()
        await page.locator('input[type="file"]').set_input_files(str(path))
        try:
            await page.get_by_text(f"Your upload: {path.name}").first.wait_for(timeout=120_000)
            me.record["accepted"] = True
        except Exception as error:  # noqa: BLE001
            me.record["accepted"] = False
            me.record["seen"].append(f"upload not taken: {type(error).__name__}")
        me.record["answer_s"] = round(time.monotonic() - sent, 2)
        await wait_for_quiet(page)
        if me.record["accepted"]:
            emit({"event": "tiny_uploaded", "at": time.monotonic()})
            text = await page.locator(MAIN).first.inner_text()
            caption = re.search(r"notMNIST \(your upload\): [^\n]*", text)
            me.record["caption"] = caption.group(0) if caption else ""
            await set_number(page, "Epochs", 2)
            await page.get_by_role("button", name="Start", exact=True).click()
            me.record["status_end"] = await me.wait_for_status(page, r"(Finished|Stopped|Failed)", timeout_s=180)
            if me.record["status_end"].startswith("Finished"):
                finished = page.locator('[data-testid="stMetric"]').filter(has_text="Test accuracy")
                await finished.first.wait_for(timeout=60_000)
                me.record["test_accuracy"] = (await finished.first.inner_text()).split("\n")[-1]
            else:  # what the page says about it
                text = await page.locator(MAIN).first.inner_text()
                failed = re.search(r"Training failed: [^\n]*|Stopped[^\n]*\.", text)
                me.record["message_end"] = failed.group(0)[:300] if failed else ""
            await me.check(page, "after training")
        me.record["ok"] = me.record["accepted"] and not me.record["exceptions"]
        return me.record


async def tabs(browser, base: str, number: int) -> dict:
    async with Adversary(browser, base, "tabs", number) as me:
        pages = [await me.tab(TABS_RUN) for _ in range(3)]
        await asyncio.gather(*[p.get_by_role("button", name="Start", exact=True).click() for p in pages])
        outcome, runs = [], set()
        for page in pages:
            await wait_for_quiet(page)
            deadline = time.monotonic() + 20
            while True:  # a rerun may still be drawing: wait for one or the other
                refused = await page.get_by_text(REFUSED).count() > 0
                status = await me.check(page, "after Start")
                if refused or status or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
            # A tab showing a run has its token in the address: distinct tokens are distinct runs.
            token = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query).get("run", [""])[0]
            if status and token:
                runs.add(token)
            outcome.append("refused" if refused else f"shows {status}" if status else "nothing")
        me.record["tabs"], me.record["runs"] = outcome, len(runs)
        me.record["refused"] = sum(o == "refused" for o in outcome)
        if not me.record["refused"]:
            me.record["seen"].append("no press was refused: the presses did not meet a run in progress")
        page = next((p for p, o in zip(pages, outcome, strict=True) if o.startswith("shows")), None)
        if page is not None:
            finished = page.locator('[data-testid="stMetric"]').filter(has_text="Test accuracy")
            try:
                await finished.first.wait_for(timeout=PATIENCE_S * 1000)
                me.record["finished"] = True
            except Exception:  # noqa: BLE001 - not finished in time is the result
                me.record["finished"] = False
            await me.check(page, "finished")
        # One run for the student whatever the order the presses arrived in; refusals depend on it.
        me.record["ok"] = me.record["runs"] == 1 and me.record.get("finished", False) and not me.record["exceptions"]
        return me.record


def schedule(mix: dict[str, int], ramp_s: float) -> list[tuple[str, int, float]]:
    """(kind, number, start delay): closers and pausers as the class arrives, so they hold
    slots while it trains; the uploads and the three tabs during the first half."""
    at = {"closer": 0.0, "pauser": 0.05, "bomb": 0.2, "tiny": 0.25, "tabs": 0.4, "ptabs": 0.45}
    plans = []
    for kind in KINDS:
        for number in range(mix.get(kind, 0)):
            plans.append((kind, number, ramp_s * at[kind] + 3.0 * number))
    return plans


async def play(base: str, mix: dict[str, int], ramp_s: float) -> None:
    from playwright.async_api import async_playwright

    settings = load_settings()
    sweep_s = min(5.0, max(0.5, settings.idle_pause_seconds / 4))  # the run board's sweep period

    async def one(kind: str, number: int, delay: float, browser, files: Path) -> None:
        await asyncio.sleep(delay)
        begun = time.monotonic()
        folder = files / f"{kind}{number}"
        folder.mkdir()
        try:
            if kind == "closer":
                record = await closer(browser, base, number, settings, sweep_s)
            elif kind == "pauser":
                record = await pauser(browser, base, number, settings, sweep_s)
            elif kind == "bomb":
                record = await bomb(browser, base, number, folder)
            elif kind == "tiny":
                record = await tiny(browser, base, number, folder)
            else:
                record = await tabs(browser, base, number)
        except Exception as error:  # one adversary's failure is a result, not the end of the class
            record = {"adversary": kind, "number": number, "ok": False,
                      "error": f"{type(error).__name__}: {str(error)[:300]}"}
        record["seconds"] = round(time.monotonic() - begun, 1)
        record["left_at"] = time.monotonic()
        emit(record)

    plans = [p for p in schedule(mix, ramp_s) if p[0] != "ptabs"]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        emit({"event": "browser_started"})
        with tempfile.TemporaryDirectory(prefix="nnlib-adversaries-") as files:
            await asyncio.gather(*[one(kind, number, delay, browser, Path(files)) for kind, number, delay in plans])
        await browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the dashboard (or a timing relay in front of it)")
    parser.add_argument("--mix", default=DEFAULT_MIX, help=f"kind=count,... of {', '.join(KINDS[:-1])}")
    parser.add_argument("--ramp-seconds", type=float, default=60.0, help="the class's arrival spread")
    args = parser.parse_args()
    asyncio.run(play(args.url.rstrip("/"), parse_mix(args.mix), args.ramp_seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
