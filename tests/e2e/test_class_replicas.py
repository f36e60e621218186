"""Two replicas behind a real nginx: sticky sessions, websockets through the proxy, one class database."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest

from deploy.class_server import ClassServer, running_class_server
from tests.support.browser import assert_no_exception, wait_for_script


@pytest.fixture(scope="module")
def class_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClassServer]:
    database = tmp_path_factory.mktemp("class") / "classroom.sqlite3"
    with running_class_server(2, database_url=f"sqlite:///{database}") as server:
        yield server


def replica_of(url: str, cookie: str | None = None) -> tuple[str, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return reply.headers["X-Dashboard-Replica"], reply.headers["Set-Cookie"].split(";")[0]


def test_a_browser_keeps_its_replica_and_new_browsers_spread(class_server: ClassServer) -> None:
    replicas = {f"127.0.0.1:{url.rsplit(':', 1)[1]}" for url in class_server.replica_urls}
    first = [replica_of(class_server.url + "/") for _ in range(12)]
    assert {replica for replica, _ in first} == replicas  # 12 fresh browsers reach both (1 in 2**11 to fail)
    replica, cookie = first[0]
    assert {replica_of(class_server.url + "/", cookie)[0] for _ in range(8)} == {replica}


def test_pages_run_through_the_proxy_with_their_websocket(class_server: ClassServer, browser) -> None:
    seen = set()
    for _ in range(6):
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        reply = page.goto(class_server.url + "/losses")
        seen.add(reply.headers["x-dashboard-replica"])
        wait_for_script(page)
        assert page.get_by_role("heading", name="Loss functions").first.is_visible()
        assert_no_exception(page)
        context.close()
        if len(seen) == 2:
            break
    assert len(seen) == 2
