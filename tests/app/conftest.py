"""AppTest helpers: run the entry point or one page script headlessly."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def app_test(relative_path: str, timeout: float = 60) -> AppTest:
    """An AppTest for a script given relative to the project root (not yet run)."""
    return AppTest.from_file(str(ROOT / relative_path), default_timeout=timeout)


@pytest.fixture()
def training_page() -> AppTest:
    """The Training page, run once with its defaults."""
    at = app_test("pages/training.py", timeout=120).run()
    assert not at.exception
    return at


def button(at: AppTest, key: str):
    """The page's button with this key (its label follows the language)."""
    return next(b for b in at.button if b.key == key)
