"""Who this student is: a browser, known by Streamlit's own XSRF cookie.

A student is a browser: every tab of it, and every reload, is the same student, so a run
started in one tab is found again in another and a class membership holds on every page. The
key comes from the raw token inside the XSRF cookie (random per browser, kept by the server
across requests); where there is none (XSRF off, an AppTest) each session is its own student.
This module imports nothing heavy, so the first page can use it.
"""

from __future__ import annotations

import binascii
import hashlib
import secrets

import streamlit as st

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
