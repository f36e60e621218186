"""Every page of the navigation opens in a real browser without an exception."""

from __future__ import annotations

import pytest

from pages.components.catalog import available_pages
from tests.support.browser import assert_no_exception, screenshot, wait_for_script
from tests.support.server import running_server

PAGE_PATHS = ["", "glossary"] + [page.url_path for page in available_pages()]
HOME_TITLE = "Course map"  # app.py's name for the home page in its navigation


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


def test_a_shared_link_is_the_first_request_of_a_fresh_server(page: object) -> None:
    """Streamlit serves a fresh server's first deep link in its old pages/-folder mode, which
    skips app.py: the page must hand over to app.py's navigation and sidebar all the same."""
    training = next(p for p in available_pages() if p.url_path == "training")
    with running_server() as url:
        page.goto(f"{url}/{training.url_path}")
        wait_for_script(page)
        assert_no_exception(page)
        nav = page.locator('[data-testid="stSidebarNav"]')
        nav.get_by_text(HOME_TITLE, exact=True).wait_for(timeout=30_000)
        for course_page in available_pages():
            assert nav.get_by_text(course_page.title, exact=True).count() == 1
        assert nav.get_by_text("app", exact=True).count() == 0  # the old mode's name for app.py
        assert "PyTorch" in page.locator('[data-testid="stSidebar"]').inner_text()  # app.py's sidebar
        assert page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text().startswith(training.title)
