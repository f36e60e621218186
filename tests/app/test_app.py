"""The entry point renders, lists the course pages and shows the shared sidebar."""

from __future__ import annotations

import torch

from nnlib.core.device import device_label
from pages.components.catalog import available_pages
from tests.app.conftest import app_test


def test_home_renders_with_sidebar_and_course_map() -> None:
    app = app_test("app.py").run()
    assert not app.exception
    assert app.title[0].value.startswith("Neural networks")
    sidebar_text = " ".join(m.value for m in app.sidebar.markdown) + " ".join(
        c.value for c in app.sidebar.caption
    )
    assert device_label() in sidebar_text
    assert torch.__version__ in sidebar_text
    # One card per course page, in teaching order.
    summaries = [m.value for m in app.main.markdown]
    for page in available_pages():
        assert page.summary in summaries
