"""Who this student is, and that they are still here.

A student is a browser: every tab of it, and every reload, is the same student, so a
run started in one tab is found again in another, and the per-student limits count
tabs together. The key comes from Streamlit's own XSRF cookie (a random token per
browser that the server keeps across requests); where there is none (XSRF off, an
AppTest) each session is its own student.

Runs of a student who is no longer seen are paused and later stopped by the server's
run board; an open tab says "still here" through :func:`keep_alive`.
"""

from __future__ import annotations

import binascii
import hashlib
import secrets

import streamlit as st

from nnlib.core.settings import get_settings
from nnlib.training.runner import shared_board

XSRF_COOKIE = "_streamlit_xsrf"
_SESSION_KEY = "student_key"


def _xsrf_token(cookie: str) -> bytes | None:
    """The raw token of a version-2 XSRF cookie ("2|mask|masked token|time"), which stays
    the same for a browser while the mask changes with every response."""
    parts = cookie.strip("\"'").split("|")
    if len(parts) != 4 or parts[0] != "2":
        return None
    try:
        mask, masked = binascii.a2b_hex(parts[1]), binascii.a2b_hex(parts[2])
    except (binascii.Error, ValueError):
        return None
    if len(mask) != 4 or len(masked) < 16:
        return None
    return bytes(byte ^ mask[i % 4] for i, byte in enumerate(masked))


def student_key() -> str:
    """An opaque key for this browser (hashed: the cookie itself never leaves this function)."""
    known = st.session_state.get(_SESSION_KEY)
    if known:
        return known
    try:
        cookie = st.context.cookies.get(XSRF_COOKIE)
    except Exception:  # no browser behind this session (an AppTest)
        cookie = None
    token = _xsrf_token(cookie) if cookie else None
    key = hashlib.sha256(b"student:" + token).hexdigest()[:32] if token else "session:" + secrets.token_hex(16)
    st.session_state[_SESSION_KEY] = key
    return key


def touch() -> None:
    """This student is here: their runs stay awake."""
    shared_board().touch(student_key())


def keep_alive() -> None:
    """On every page: say "still here", and while a run of this student lives, keep saying it
    from an idle tab too (a small fragment that reruns every ``heartbeat_seconds``)."""
    touch()
    if shared_board().has_live_run(student_key()):
        st.fragment(touch, run_every=get_settings().heartbeat_seconds)()
