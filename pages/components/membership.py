"""Which class this student is in, if any: kept in the address (?class=CODE) and the class database.

A student joins with a name they type; the class database keys them by class and browser (the
same key as their runs), so a reload, a second tab or another replica behind the proxy finds
them again from the class code in the address. A student who never joins works alone as before.
"""

from __future__ import annotations

import streamlit as st

from nnlib.classroom.storage import ClassroomStore, Student, class_store, member_id
from pages.components.presence import student_key

CLASS_PARAM = "class"
CHALLENGE_PARAM = "challenge"
_MEMBER_KEY = "class_member_id"
SHOWN_NAME_CHARS = 40


def store() -> ClassroomStore:
    return class_store()


def class_code_in_address() -> str | None:
    code = st.query_params.get(CLASS_PARAM, "").strip().upper()
    return code[:16] or None


def current_member() -> Student | None:
    """This browser's membership of the class in the address (or the one joined in this session)."""
    known = st.session_state.get(_MEMBER_KEY)
    if known:
        member = store().student(known)
        if member is not None:
            return member
    code = class_code_in_address()
    if code is None:
        return None
    member = store().student(member_id(code, student_key()))
    if member is not None:
        st.session_state[_MEMBER_KEY] = member.id
    return member


def join(code: str, name: str) -> Student:
    member = store().join(code, name, student_key())
    st.session_state[_MEMBER_KEY] = member.id
    st.query_params[CLASS_PARAM] = member.class_code
    return member


def leave() -> None:
    st.session_state.pop(_MEMBER_KEY, None)
    st.query_params.pop(CLASS_PARAM, None)


def shown_name(name: str) -> str:
    """A name as a table shows it: plain text, cut to a readable length."""
    return name if len(name) <= SHOWN_NAME_CHARS else name[: SHOWN_NAME_CHARS - 1] + "…"


_MARKDOWN_SPECIALS = "\\`*_{}[]()#+-.!|<>~$:"


def name_in_text(name: str) -> str:
    """A name inside a markdown sentence, every markdown character escaped: it shows as typed."""
    return "".join("\\" + char if char in _MARKDOWN_SPECIALS else char for char in shown_name(name))


def note_page(page: str) -> None:
    """The instructor sees which page a class member is on."""
    member = current_member()
    if member is not None:
        store().seen(member.id, page)
