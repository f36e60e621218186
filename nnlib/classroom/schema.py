"""The classroom schema as numbered migrations, in SQL that SQLite and PostgreSQL both run.

Append a new tuple to change the schema; never edit one that has shipped: a class database
records which versions it has, and :meth:`ClassroomStore.migrate` applies the rest in order.
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE classes (code TEXT PRIMARY KEY, title TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL)",
        "CREATE TABLE students (id TEXT PRIMARY KEY, class_code TEXT NOT NULL REFERENCES classes (code), "
        "name TEXT NOT NULL, joined_at DOUBLE PRECISION NOT NULL, page TEXT, seen_at DOUBLE PRECISION)",
        "CREATE INDEX students_by_class ON students (class_code)",
        "CREATE TABLE runs (run_id TEXT PRIMARY KEY, class_code TEXT NOT NULL, student_id TEXT NOT NULL, "
        "challenge_id TEXT, dataset TEXT NOT NULL, network TEXT NOT NULL, optimizer TEXT NOT NULL, "
        "settings TEXT NOT NULL, status TEXT NOT NULL, epochs_done INTEGER NOT NULL, "
        "epochs_total INTEGER NOT NULL, accuracy DOUBLE PRECISION, started_at DOUBLE PRECISION NOT NULL, "
        "updated_at DOUBLE PRECISION NOT NULL)",
        "CREATE INDEX runs_by_class ON runs (class_code)",
        "CREATE TABLE answers (student_id TEXT NOT NULL, question_id TEXT NOT NULL, "
        "value DOUBLE PRECISION NOT NULL, correct INTEGER NOT NULL, answered_at DOUBLE PRECISION NOT NULL, "
        "PRIMARY KEY (student_id, question_id))",
        "CREATE TABLE challenges (id TEXT PRIMARY KEY, class_code TEXT NOT NULL REFERENCES classes (code), "
        "title TEXT NOT NULL, setup TEXT NOT NULL, deadline DOUBLE PRECISION, created_at DOUBLE PRECISION NOT NULL)",
        "CREATE TABLE leaderboard (challenge_id TEXT NOT NULL, run_id TEXT NOT NULL, student_id TEXT NOT NULL, "
        "score DOUBLE PRECISION NOT NULL, size INTEGER NOT NULL, epochs INTEGER NOT NULL, "
        "posted_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (challenge_id, run_id))",
    ),
    (
        # The predict-then-run questions an instructor chose for a class.
        "CREATE TABLE class_questions (class_code TEXT NOT NULL REFERENCES classes (code), "
        "question_id TEXT NOT NULL, PRIMARY KEY (class_code, question_id))",
    ),
    (
        # Which browser a class member is, so every page (and a reload) finds their class again.
        "ALTER TABLE students ADD COLUMN browser TEXT",
        "CREATE INDEX students_by_browser ON students (browser, joined_at)",
    ),
)
