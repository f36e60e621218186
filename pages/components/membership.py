"""Which class this student is in, if any.

A student joins with a name they type, from the instructor's link (?class=CODE). The class
database keys them by class and browser, so every page, a reload, a second tab or another
replica behind the proxy finds their class again. A student who never joins works alone, and
their pages never touch the class database.
"""

from __future__ import annotations

import time

import streamlit as st

from nnlib.classroom.storage import ClassroomStore, Student, class_store, member_id
from nnlib.core.settings import get_settings
from pages.components.identity import student_key

CLASS_PARAM = "class"
CHALLENGE_PARAM = "challenge"
SHOWN_NAME_CHARS = 40
_MEMBER_KEY = "class_member"  # (Student or None, when it was looked up, its class code)
_PAGE_KEY = "class_page_noted"  # (page, when it was written)
_MARKDOWN_SPECIALS = "\\`*_{}[]()#+-.!|<>~$:"


def store() -> ClassroomStore:
    return class_store()


def class_code_in_address() -> str | None:
    code = st.query_params.get(CLASS_PARAM, "").strip().upper()
    return code[:16] or None


def current_member() -> Student | None:
    """This browser's class membership: the class in the address, else the one it joined last.

    Looked up at most once per heartbeat per session, so a student's pages stay as fast as alone (and
    cost no database connection in between: on PostgreSQL each lookup is one).
    """
    code = class_code_in_address()
    known = st.session_state.get(_MEMBER_KEY)
    fresh = known is not None and time.monotonic() - known[1] < get_settings().heartbeat_seconds
    if fresh and (code is None or (known[0] is not None and known[2] == code)):
        return known[0]
    if code is not None:
        member = store().student(member_id(code, student_key())) or store().member_of(student_key())
    else:
        member = store().member_of(student_key())
    st.session_state[_MEMBER_KEY] = (member, time.monotonic(), member.class_code if member else None)
    return member


def join(code: str, name: str) -> Student:
    member = store().join(code, name, student_key())
    st.session_state[_MEMBER_KEY] = (member, time.monotonic(), member.class_code)
    st.query_params[CLASS_PARAM] = member.class_code
    return member


def leave() -> None:
    """Work alone again in this session (the class keeps what the student did)."""
    st.session_state[_MEMBER_KEY] = (None, float("inf"), None)
    st.query_params.pop(CLASS_PARAM, None)


def shown_name(name: str) -> str:
    """A name as a table shows it: plain text, cut to a readable length."""
    return name if len(name) <= SHOWN_NAME_CHARS else name[: SHOWN_NAME_CHARS - 1] + "…"


def name_in_text(name: str) -> str:
    """A name inside a markdown sentence, every markdown character escaped: it shows as typed."""
    return "".join("\\" + char if char in _MARKDOWN_SPECIALS else char for char in shown_name(name))


def note_page(page: str) -> None:
    """The instructor sees which page a class member is on (written on a change, or once a heartbeat)."""
    member = current_member()
    if member is None:
        return
    noted = st.session_state.get(_PAGE_KEY)
    if noted and noted[0] == page and time.monotonic() - noted[1] < get_settings().heartbeat_seconds:
        return
    store().seen(member.id, page)
    st.session_state[_PAGE_KEY] = (page, time.monotonic())
