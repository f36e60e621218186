"""The class's state behind one small storage layer: SQLite in ``data/`` by default, PostgreSQL by URL.

Everything classroom mode keeps (classes, who joined, where they are, their runs, their answers,
challenges and their leaderboards) goes through :class:`ClassroomStore`. The same SQL runs on both
engines: parameters are always bound (nothing a student types is ever part of an SQL string),
identifiers are made in Python, times are seconds since the epoch, and "written once" is a
primary key plus ``INSERT ... ON CONFLICT DO NOTHING``, so two servers racing to post the same run
leave one row.

A connection is opened per operation: a class makes a few writes a second at most, SQLite
connections cost microseconds, and no connection is ever shared between two sessions' threads.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnlib.classroom.schema import MIGRATIONS
from nnlib.core.errors import InputError

MAX_NAME_CHARS = 20_000  # a name is stored as typed (markup, SQL and all); pages shorten it for display
MAX_TITLE_CHARS = 200
CLASS_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a classroom
CLASS_CODE_LENGTH = 6


@dataclass(frozen=True)
class ClassInfo:
    code: str
    title: str
    created_at: float


@dataclass(frozen=True)
class Student:
    id: str
    class_code: str
    name: str
    joined_at: float
    page: str | None = None
    seen_at: float | None = None


@dataclass(frozen=True)
class RunRecord:
    """What the class sees of one training run; the server writes it, never the student."""

    run_id: str
    class_code: str
    student_id: str
    dataset: str
    network: str
    optimizer: str
    status: str
    epochs_done: int
    epochs_total: int
    accuracy: float | None = None
    challenge_id: str | None = None
    settings: dict[str, Any] | None = None
    started_at: float = 0.0
    updated_at: float = 0.0


@dataclass(frozen=True)
class Answer:
    student_id: str
    question_id: str
    value: float
    correct: bool
    answered_at: float


@dataclass(frozen=True)
class LeaderboardEntry:
    """The public fields of a run that reached a challenge's goal."""

    rank: int
    name: str
    score: float
    size: int
    epochs: int
    run_id: str
    posted_at: float


def _engine_of(url: str) -> str:
    if url.startswith("sqlite:///"):
        return "sqlite"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql"
    raise InputError("classroom.bad_database_url", scheme=url.split(":", 1)[0][:20])


class ClassroomStore:
    """Class state in SQLite (``sqlite:///path``) or PostgreSQL (``postgresql://...``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _engine_of(url)
        if self.engine == "sqlite":
            Path(self._sqlite_path).parent.mkdir(parents=True, exist_ok=True)

    @property
    def _sqlite_path(self) -> str:
        return self.url.removeprefix("sqlite:///")

    # ------------------------------------------------------------------ connections

    @contextlib.contextmanager
    def _connect(self) -> Iterator[Any]:
        if self.engine == "sqlite":
            connection = sqlite3.connect(self._sqlite_path, timeout=30, isolation_level=None)
            try:
                connection.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
                connection.execute("PRAGMA busy_timeout=30000")
                yield connection
            finally:
                connection.close()
        else:
            import psycopg  # only an instructor who set a PostgreSQL URL needs it

            with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as connection:
                yield connection

    def _sql(self, statement: str) -> str:
        """The statement with this engine's placeholder (statements are written with ``?``)."""
        return statement if self.engine == "sqlite" else statement.replace("?", "%s")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self._connect() as connection:
            if self.engine == "sqlite":
                connection.execute("BEGIN IMMEDIATE")
                try:
                    yield connection
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
            else:
                with connection.transaction():
                    yield connection

    def _execute(self, statement: str, values: Sequence[Any] = ()) -> int:
        with self._connect() as connection:
            cursor = connection.execute(self._sql(statement), tuple(values))
            return cursor.rowcount

    def _rows(self, statement: str, values: Sequence[Any] = ()) -> list[tuple]:
        with self._connect() as connection:
            return list(connection.execute(self._sql(statement), tuple(values)).fetchall())

    # ------------------------------------------------------------------ schema

    def migrate(self) -> int:
        """Create or bring the schema up to date; returns the version. Safe when replicas race."""
        with self._transaction() as connection:
            if self.engine == "postgresql":
                # One migrator at a time across every replica; released with the transaction.
                connection.execute("SELECT pg_advisory_xact_lock(715517)")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION)"
            )
            done = {row[0] for row in connection.execute("SELECT version FROM schema_version").fetchall()}
            for version, statements in enumerate(MIGRATIONS, start=1):
                if version in done:
                    continue
                for statement in statements:
                    connection.execute(statement)
                connection.execute(
                    self._sql("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)"),
                    (version, time.time()),
                )
        return len(MIGRATIONS)

    def version(self) -> int:
        rows = self._rows("SELECT MAX(version) FROM schema_version")
        return int(rows[0][0] or 0)

    # ------------------------------------------------------------------ classes and students

    def create_class(self, title: str) -> ClassInfo:
        title = _checked_text(title, MAX_TITLE_CHARS, "title")
        for _ in range(20):
            code = "".join(secrets.choice(CLASS_CODE_ALPHABET) for _ in range(CLASS_CODE_LENGTH))
            now = time.time()
            inserted = self._execute(
                "INSERT INTO classes (code, title, created_at) VALUES (?, ?, ?) ON CONFLICT (code) DO NOTHING",
                (code, title, now),
            )
            if inserted:
                return ClassInfo(code, title, now)
        raise RuntimeError("no free class code after 20 tries")

    def find_class(self, code: str) -> ClassInfo | None:
        rows = self._rows("SELECT code, title, created_at FROM classes WHERE code = ?", (str(code)[:32],))
        return ClassInfo(*rows[0]) if rows else None

    def classes(self) -> list[ClassInfo]:
        """Every class, newest first (for the instructor)."""
        rows = self._rows("SELECT code, title, created_at FROM classes ORDER BY created_at DESC, code")
        return [ClassInfo(*row) for row in rows]

    def set_questions(self, class_code: str, question_ids: Sequence[str]) -> None:
        """The questions the class gets (replacing the previous choice)."""
        with self._transaction() as connection:
            connection.execute(self._sql("DELETE FROM class_questions WHERE class_code = ?"), (class_code,))
            for question_id in dict.fromkeys(question_ids):
                connection.execute(
                    self._sql("INSERT INTO class_questions (class_code, question_id) VALUES (?, ?)"),
                    (class_code, str(question_id)[:64]),
                )

    def questions_for(self, class_code: str) -> list[str]:
        rows = self._rows(
            "SELECT question_id FROM class_questions WHERE class_code = ? ORDER BY question_id", (class_code,)
        )
        return [row[0] for row in rows]

    def challenges(self, class_code: str) -> list[tuple[str, str, dict[str, Any], float | None]]:
        """(id, title, setup, deadline) of every challenge of a class, newest first."""
        rows = self._rows(
            "SELECT id, title, setup, deadline FROM challenges WHERE class_code = ? ORDER BY created_at DESC, id",
            (class_code,),
        )
        return [(row[0], row[1], json.loads(row[2]), row[3]) for row in rows]

    def join(self, class_code: str, name: str, student_key: str) -> Student:
        """The student ``student_key`` (a browser) in the class, under ``name``; joining again renames."""
        name = _checked_text(name, MAX_NAME_CHARS, "name")
        if self.find_class(class_code) is None:
            raise InputError("classroom.no_such_class", field="class_code", code_given=str(class_code)[:32])
        student_id = member_id(class_code, student_key)
        now = time.time()
        self._execute(
            "INSERT INTO students (id, class_code, name, joined_at, browser) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET name = excluded.name, joined_at = excluded.joined_at",
            (student_id, class_code, name, now, browser_id(student_key)),
        )
        return self.student(student_id)  # type: ignore[return-value]

    def student(self, student_id: str) -> Student | None:
        rows = self._rows(
            "SELECT id, class_code, name, joined_at, page, seen_at FROM students WHERE id = ?", (student_id,)
        )
        return Student(*rows[0]) if rows else None

    def member_of(self, student_key: str) -> Student | None:
        """The class membership this browser joined last, if any."""
        rows = self._rows(
            "SELECT id, class_code, name, joined_at, page, seen_at FROM students WHERE browser = ? "
            "ORDER BY joined_at DESC LIMIT 1",
            (browser_id(student_key),),
        )
        return Student(*rows[0]) if rows else None

    def seen(self, student_id: str, page: str) -> None:
        """The student is on ``page`` now (a heartbeat)."""
        self._execute(
            "UPDATE students SET page = ?, seen_at = ? WHERE id = ?", (str(page)[:64], time.time(), student_id)
        )

    def students(self, class_code: str) -> list[Student]:
        rows = self._rows(
            "SELECT id, class_code, name, joined_at, page, seen_at FROM students WHERE class_code = ? "
            "ORDER BY joined_at, id",
            (class_code,),
        )
        return [Student(*row) for row in rows]

    # ------------------------------------------------------------------ runs

    def record_run(self, run: RunRecord) -> None:
        """Insert or update a run's row (the server calls this as the run goes)."""
        now = time.time()
        self._execute(
            "INSERT INTO runs (run_id, class_code, student_id, challenge_id, dataset, network, optimizer, "
            "settings, status, epochs_done, epochs_total, accuracy, started_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, epochs_done = excluded.epochs_done, "
            "accuracy = excluded.accuracy, updated_at = excluded.updated_at",
            (
                run.run_id, run.class_code, run.student_id, run.challenge_id, run.dataset, run.network,
                run.optimizer, json.dumps(run.settings or {}, sort_keys=True), run.status, int(run.epochs_done),
                int(run.epochs_total), run.accuracy, run.started_at or now, now,
            ),
        )

    def runs(self, class_code: str) -> list[RunRecord]:
        rows = self._rows(
            "SELECT run_id, class_code, student_id, dataset, network, optimizer, status, epochs_done, "
            "epochs_total, accuracy, challenge_id, settings, started_at, updated_at FROM runs "
            "WHERE class_code = ? ORDER BY started_at, run_id",
            (class_code,),
        )
        return [RunRecord(*row[:11], json.loads(row[11] or "{}"), row[12], row[13]) for row in rows]

    # ------------------------------------------------------------------ answers

    def answer(self, student_id: str, question_id: str, value: float, correct: bool) -> None:
        """The student's latest answer to a question (answering again replaces it)."""
        self._execute(
            "INSERT INTO answers (student_id, question_id, value, correct, answered_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (student_id, question_id) DO UPDATE SET value = excluded.value, "
            "correct = excluded.correct, answered_at = excluded.answered_at",
            (student_id, str(question_id)[:64], float(value), int(bool(correct)), time.time()),
        )

    def answers(self, class_code: str, question_id: str) -> list[Answer]:
        """Every answer of the class to one question (for the instructor only)."""
        rows = self._rows(
            "SELECT a.student_id, a.question_id, a.value, a.correct, a.answered_at FROM answers a "
            "JOIN students s ON s.id = a.student_id WHERE s.class_code = ? AND a.question_id = ? "
            "ORDER BY a.answered_at",
            (class_code, question_id),
        )
        return [Answer(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]

    def my_answer(self, student_id: str, question_id: str) -> Answer | None:
        rows = self._rows(
            "SELECT student_id, question_id, value, correct, answered_at FROM answers "
            "WHERE student_id = ? AND question_id = ?",
            (student_id, question_id),
        )
        return Answer(rows[0][0], rows[0][1], rows[0][2], bool(rows[0][3]), rows[0][4]) if rows else None

    # ------------------------------------------------------------------ challenges

    def create_challenge(self, class_code: str, title: str, setup: dict[str, Any], deadline: float | None) -> str:
        title = _checked_text(title, MAX_TITLE_CHARS, "title")
        challenge_id = secrets.token_urlsafe(9)
        self._execute(
            "INSERT INTO challenges (id, class_code, title, setup, deadline, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (challenge_id, class_code, title, json.dumps(setup, sort_keys=True), deadline, time.time()),
        )
        return challenge_id

    def challenge(self, challenge_id: str) -> tuple[str, str, dict[str, Any], float | None] | None:
        """(class code, title, setup, deadline) of a challenge, or None."""
        rows = self._rows(
            "SELECT class_code, title, setup, deadline FROM challenges WHERE id = ?", (str(challenge_id)[:32],)
        )
        if not rows:
            return None
        code, title, setup, deadline = rows[0]
        return code, title, json.loads(setup), deadline

    def post_result(
        self, challenge_id: str, run_id: str, student_id: str, score: float, size: int, epochs: int
    ) -> bool:
        """Put a finished run on the challenge's board; True if this call wrote it (once per run)."""
        inserted = self._execute(
            "INSERT INTO leaderboard (challenge_id, run_id, student_id, score, size, epochs, posted_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (challenge_id, run_id) DO NOTHING",
            (challenge_id, run_id, student_id, float(score), int(size), int(epochs), time.time()),
        )
        return inserted == 1

    def leaderboard(self, challenge_id: str, limit: int = 50) -> list[LeaderboardEntry]:
        """Each student's best entry: highest score, then smallest network, fewest epochs, earliest."""
        rows = self._rows(
            "SELECT s.name, l.score, l.size, l.epochs, l.run_id, l.posted_at, l.student_id FROM leaderboard l "
            "JOIN students s ON s.id = l.student_id WHERE l.challenge_id = ? "
            "ORDER BY l.score DESC, l.size ASC, l.epochs ASC, l.posted_at ASC",
            (challenge_id,),
        )
        best: list[LeaderboardEntry] = []
        seen: set[str] = set()
        for name, score, size, epochs, run_id, posted_at, student_id in rows:
            if student_id in seen:
                continue
            seen.add(student_id)
            best.append(LeaderboardEntry(len(best) + 1, name, score, size, epochs, run_id, posted_at))
            if len(best) == limit:
                break
        return best


def browser_id(student_key: str) -> str:
    """What the class database keeps of a browser's key (a hash: the key itself stays in the server)."""
    import hashlib

    return hashlib.sha256(f"browser\x00{student_key}".encode()).hexdigest()[:32]


def member_id(class_code: str, student_key: str) -> str:
    """One id per browser per class, not guessable from the class code alone."""
    import hashlib

    return hashlib.sha256(f"{class_code}\x00{student_key}".encode()).hexdigest()[:32]


def _checked_text(text: Any, limit: int, field: str) -> str:
    value = str(text).strip()
    if not value:
        raise InputError(f"classroom.empty_{field}", field=field)
    if len(value) > limit:
        raise InputError(f"classroom.{field}_too_long", field=field, limit=limit, length=len(value))
    return value


DATABASE_URL_VARIABLE = "NNLIB_DATABASE_URL"


def database_url(data_dir: str | Path | None = None) -> str:
    """``NNLIB_DATABASE_URL`` if the instructor set one, else the SQLite file in the data folder."""
    import os

    configured = os.environ.get(DATABASE_URL_VARIABLE, "").strip()
    if configured:
        return configured
    if data_dir is None:
        from nnlib.core.settings import get_settings

        data_dir = get_settings().data_dir
    return f"sqlite:///{Path(data_dir) / 'classroom.sqlite3'}"


_opened: dict[str, ClassroomStore] = {}


def class_store(url: str | None = None) -> ClassroomStore:
    """The process's store for ``url`` (default :func:`database_url`), migrated on first use."""
    url = url or database_url()
    store = _opened.get(url)
    if store is None:
        store = ClassroomStore(url)
        store.migrate()
        _opened[url] = store
    return store
