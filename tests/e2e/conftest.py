"""A real browser against a real server: `streamlit run app.py` on a free loopback port.

Where Chromium or Playwright is missing these tests skip with the reason, unless CI is
set: then a missing browser fails the run, so CI can never pass without them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _missing_browser_reason() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -r requirements-dev.txt)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _missing_browser_reason()
    for item in items:
        if "e2e" in item.nodeid.split("::")[0]:
            item.add_marker(pytest.mark.e2e)
            if reason and not os.environ.get("CI"):
                item.add_marker(pytest.mark.skip(reason=reason))


def start_server(port: int, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start the dashboard headless on 127.0.0.1:port and wait for its health check."""
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]
    # The server's log goes to a file, not a pipe: nobody reads a pipe during a long run,
    # and a full pipe would block the server the moment it logs.
    log = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL, stderr=log, text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"streamlit exited early: {log.read()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("streamlit did not answer /_stcore/health within 60 s")


@contextlib.contextmanager
def running_server(env: dict[str, str] | None = None) -> Iterator[str]:
    """A dashboard server for the duration of a ``with`` block; yields its address."""
    reason = _missing_browser_reason()
    if reason:
        pytest.fail(f"CI is set but the browser tests cannot run: {reason}")
    port = _free_port()
    process = start_server(port, env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    with running_server() as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture()
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


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


@pytest.fixture(scope="session")
def chromium_available() -> bool:
    return shutil.which("chromium") is not None
