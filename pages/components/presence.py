"""That a student is still here (who they are: pages.components.identity).

Runs of a student who is no longer seen are paused and later stopped by the server's
run board; an open tab says "still here" through :func:`keep_alive`.
"""

from __future__ import annotations

import streamlit as st

from nnlib.core.settings import get_settings
from nnlib.training.runner import shared_board
from pages.components.identity import student_key


def touch() -> None:
    """This student is here: their runs stay awake."""
    shared_board().touch(student_key())


def keep_alive() -> None:
    """On every page: say "still here", and while a run of this student lives, keep saying it
    from an idle tab too (a small fragment that reruns every ``heartbeat_seconds``)."""
    touch()
    if shared_board().has_live_run(student_key()):
        st.fragment(touch, run_every=get_settings().heartbeat_seconds)()
