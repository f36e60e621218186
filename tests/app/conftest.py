"""AppTest helpers: run the entry point or one page script headlessly."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def app_test(relative_path: str, timeout: float = 60) -> AppTest:
    """An AppTest for a script given relative to the project root (not yet run)."""
    return AppTest.from_file(str(ROOT / relative_path), default_timeout=timeout)
