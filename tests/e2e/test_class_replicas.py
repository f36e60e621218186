"""Two replicas behind a real nginx: sticky sessions, websockets through the proxy, one class database."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.class_server import ClassServer, running_class_server
from tests.support.browser import assert_no_exception, wait_for_script


@pytest.fixture(scope="module")
def postgres_class() -> Iterator[tuple[ClassServer, str]]:
    """Two replicas behind nginx with one PostgreSQL class database (one set for the whole module)."""
    from tests.support.postgres import fresh_database, running_postgres

    with running_postgres() as server_url:
        url = fresh_database(server_url, "class_replicas")
        with running_class_server(2, database_url=url,
                                  extra_env={"NNLIB_INSTRUCTOR_SECRET": "room-12"}) as server:
            yield server, url


@pytest.fixture(scope="module")
def class_server(postgres_class: tuple[ClassServer, str]) -> ClassServer:
    return postgres_class[0]


def replica_of(url: str, cookie: str | None = None) -> tuple[str, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return reply.headers["X-Dashboard-Replica"], reply.headers["Set-Cookie"].split(";")[0]


def test_a_browser_keeps_its_replica_and_new_browsers_spread(class_server: ClassServer) -> None:
    replicas = {f"127.0.0.1:{url.rsplit(':', 1)[1]}" for url in class_server.replica_urls}
    first = []
    while len(first) < 40 and {replica for replica, _ in first} != replicas:  # fresh browsers spread over both
        first.append(replica_of(class_server.url + "/"))
    assert {replica for replica, _ in first} == replicas
    replica, cookie = first[0]
    assert {replica_of(class_server.url + "/", cookie)[0] for _ in range(8)} == {replica}


def test_pages_run_through_the_proxy_with_their_websocket(class_server: ClassServer, browser) -> None:
    seen = set()
    for _ in range(20):  # fresh browsers until both replicas have served one (each is a coin flip)
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


def test_a_run_on_one_replica_shows_on_the_instructor_page_of_the_other(postgres_class, browser) -> None:
    from nnlib.classroom.storage import ClassroomStore

    server, database = postgres_class
    store = ClassroomStore(database)
    store.migrate()
    made = store.create_class("Replicas")
    first, second = server.replica_urls

    student = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = student.new_page()
    page.goto(f"{first}/classroom?class={made.code}")
    wait_for_script(page)
    page.get_by_label("Your name").fill("Ann <b>the first</b>")
    page.get_by_role("button", name="Join").click()
    page.get_by_text("You are in the class «Replicas»").wait_for(timeout=60_000)
    page.goto(f"{first}/training?training_epochs_iris=5")
    wait_for_script(page)
    page.get_by_role("button", name="Start", exact=True).click()
    page.get_by_role("heading", name="5 · Results on the test set").wait_for(timeout=120_000)
    assert_no_exception(page)
    student.close()

    instructor = browser.new_context(viewport={"width": 1300, "height": 1000}, accept_downloads=True)
    page = instructor.new_page()
    page.goto(f"{second}/instructor")
    wait_for_script(page)
    page.get_by_label("Instructor secret").fill("room-12")
    page.get_by_test_id("stMain").get_by_role("button", name="Open").click()
    page.get_by_text("The class live · 1 student").wait_for(timeout=60_000)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the class's runs (CSV)").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert exported[0].startswith("student,run,dataset,network,optimizer,status,epochs_done,epochs_total,accuracy")
    (row,) = exported[1:]
    assert row.startswith("Ann <b>the first</b>,") and ",iris,4-16-3," in row and ",finished,5,5," in row
    assert_no_exception(page)
    instructor.close()
