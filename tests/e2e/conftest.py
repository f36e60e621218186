"""A real browser against a real server: `streamlit run app.py` on a free loopback port.

Where Chromium or Playwright is missing these tests skip with the reason, unless CI is
set: then a missing browser fails the run, so CI can never pass without them.

The helpers live in tests/support/ (bench/ and tools/ use them too); this file only
wraps them in fixtures.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.browser import (
    BROWSER_ARGS,
    CHROMIUM,
    missing_browser_reason,
)
from tests.support.server import running_server


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = missing_browser_reason()
    for item in items:
        if "e2e" in item.nodeid.split("::")[0]:
            item.add_marker(pytest.mark.e2e)
            if reason and not os.environ.get("CI"):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    with running_server() as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    reason = missing_browser_reason()
    if reason:  # only reached with CI set: elsewhere these tests were skipped at collection
        pytest.fail(f"CI is set but the browser tests cannot run: {reason}")
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
