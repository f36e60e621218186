"""A student's steps in a browser tab (Playwright's async API), shared by the class and its adversaries."""

from __future__ import annotations

import asyncio
import time

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
