"""The classroom storage tests run twice: on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from nnlib.classroom.storage import ClassroomStore
from tests.support.postgres import fresh_database, running_postgres

_databases = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    with running_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ClassroomStore:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'classroom.sqlite3'}"
    else:
        url = fresh_database(request.getfixturevalue("postgres_server"), f"classroom_{next(_databases)}")
    store = ClassroomStore(url)
    store.migrate()
    return store
