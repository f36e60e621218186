"""What a test does with a dashboard page in headless Chromium (Playwright's sync API)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "e2e" / "screenshots"


def missing_browser_reason() -> str | None:
    """Why the browser tests cannot run here (no Chromium, no Playwright), or None when they can."""
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -r requirements-dev.txt)"
    return None


def wait_for_script(page: object, timeout_s: float = 60.0) -> None:
    """Wait until the app has rendered and its script is no longer running."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_s * 1000)
    # Every page starts with a title: until it is drawn the script has not really run.
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=timeout_s * 1000)
    if not wait_until_quiet(page, lambda: page.locator('[data-testid="stStatusWidget"]').count() > 0,
                            quiet_s=0.8, poll_ms=150, timeout_s=timeout_s):
        raise AssertionError(f"the page's script was still running after {timeout_s:.0f} s")


def wait_until_quiet(page: object, busy: Callable[[], bool], quiet_s: float, poll_ms: int,
                     timeout_s: float) -> bool:
    """Poll ``busy()`` until it has been false for ``quiet_s``; False if that never happened in time."""
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        if busy():
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > quiet_s:
            return True
        page.wait_for_timeout(poll_ms)
    return False


def assert_no_exception(page: object) -> None:
    errors = page.locator('[data-testid="stException"]')
    if errors.count():
        raise AssertionError("the page shows an exception:\n" + errors.first.inner_text()[:2000])


def screenshot(page: object, name: str, max_height: int = 6000) -> Path:
    """Save the whole page: Streamlit scrolls inside its main block, so grow the viewport to fit."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    viewport = page.viewport_size
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m ? m.scrollHeight : document.body.scrollHeight; }"
    )
    page.set_viewport_size({"width": viewport["width"], "height": min(max(height, viewport["height"]), max_height)})
    page.wait_for_timeout(1200)  # elements below the old fold draw once they are in view
    page.screenshot(path=str(path))
    page.set_viewport_size(viewport)
    return path
