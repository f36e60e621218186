"""Predict, then run: a page's questions, answered before the answer shows, recorded for the class."""

from __future__ import annotations

import streamlit as st

from nnlib.classroom.questions import NUMBER, Question, available_questions, check
from nnlib.core import messages
from nnlib.core.errors import InputError
from pages.components import membership
from pages.components.i18n import _, ngettext


def _questions_for(page: str) -> list[Question]:
    """A class member gets the questions the instructor chose; a student alone, the built-in ones."""
    try:
        questions = available_questions()
    except InputError:
        return []  # the instructor's page shows what is wrong with the file
    member = membership.current_member()
    if member is not None:
        chosen = membership.store().questions_for(member.class_code)
        return [questions[q] for q in chosen if q in questions and questions[q].page == page]
    return [q for q in questions.values() if q.built_in and q.page == page]


def ask(page: str) -> None:
    """The page's questions in one expander; each checked within its tolerance and explained."""
    questions = _questions_for(page)
    if not questions:
        return
    with st.expander(ngettext("Predict first ({count} question)", "Predict first ({count} questions)",
                              len(questions)).format(count=len(questions))):
        for question in questions:
            _ask_one(question)


def _ask_one(question: Question) -> None:
    key = f"predict_{question.id}"
    st.markdown(question.words("prompt"))
    if question.kind == NUMBER:
        given = st.number_input(_("Your answer"), value=None, format="%.4f", key=f"{key}_value")
    else:
        labels = {c: messages.word(f"classroom.choice_{c}") if question.built_in else c for c in question.choices}
        given = st.radio(_("Your answer"), question.choices, index=None, format_func=labels.get,
                         key=f"{key}_value", horizontal=True)
    if st.button(_("Check"), key=f"{key}_check", disabled=given is None):
        try:
            verdict = check(question, given)
        except InputError as error:
            st.error(error.message)
            return
        member = membership.current_member()
        if member is not None:
            membership.store().answer(member.id, question.id, _stored(verdict.given, question),
                                      verdict.correct)
        shown = verdict.expected if question.kind == NUMBER else labels_for(question, verdict.expected)
        (st.success if verdict.correct else st.warning)(
            (_("Right. The answer is {answer}.") if verdict.correct else _("Not quite. The answer is {answer}.")).format(
                answer=shown)
        )
        if question.words("explanation"):
            st.caption(question.words("explanation"))


def labels_for(question: Question, choice: object) -> str:
    return messages.word(f"classroom.choice_{choice}") if question.built_in else str(choice)


def _stored(given: object, question: Question) -> float:
    """Answers are kept as numbers: a choice as its position in the list."""
    return float(given) if question.kind == NUMBER else float(question.choices.index(str(given)))
