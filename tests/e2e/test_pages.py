"""Every page of the navigation opens in a real browser without an exception."""

from __future__ import annotations

import pytest

from pages.components.catalog import available_pages
from tests.e2e.conftest import assert_no_exception, screenshot, wait_for_script

PAGE_PATHS = [""] + [page.url_path for page in available_pages()]


@pytest.mark.parametrize("url_path", PAGE_PATHS)
def test_page_opens_without_exception(server_url: str, page: object, url_path: str) -> None:
    page.goto(f"{server_url}/{url_path}")
    wait_for_script(page)
    assert_no_exception(page)
    assert page.get_by_text("Page not found").count() == 0
    screenshot(page, url_path or "home")
    assert page.locator("h1").count() >= 1


def test_home_links_every_course_page(server_url: str, page: object) -> None:
    page.goto(server_url)
    wait_for_script(page)
    nav = page.locator('[data-testid="stSidebarNav"]')
    for course_page in available_pages():
        assert nav.get_by_text(course_page.title, exact=True).count() >= 1
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "PyTorch" in sidebar and "CPU" in sidebar
