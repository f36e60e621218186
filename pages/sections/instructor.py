"""Sections of the Instructor page: the secret, the class live, questions, challenges, export."""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter

import altair as alt
import pandas as pd
import streamlit as st

from nnlib.classroom.challenges import SETTINGS, ChallengeSetup, Goal
from nnlib.classroom.instructor import runs_csv, secret_matches
from nnlib.classroom.questions import NUMBER, available_questions
from nnlib.classroom.storage import ClassInfo
from nnlib.core.errors import InputError
from nnlib.data.registry import DATASETS
from pages.components import membership
from pages.components.i18n import _, ngettext
from pages.components.predict import labels_for

SECRET_VARIABLE = "NNLIB_INSTRUCTOR_SECRET"
LIVE_REFRESH_S = 5
_UNLOCKED_KEY = "instructor_unlocked"


def configured_secret() -> str | None:
    """The instructor's secret: the environment variable, else ``instructor_secret`` in Streamlit secrets."""
    secret = os.environ.get(SECRET_VARIABLE, "").strip()
    if secret:
        return secret
    try:
        value = st.secrets.get("instructor_secret")
    except Exception:  # no secrets file at all
        return None
    return str(value).strip() or None if value else None


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def show_secret_gate() -> bool:
    """True once this session gave the secret; nothing of the class shows before."""
    secret = configured_secret()
    if secret is None:
        st.info(
            _("This page is for the instructor and is off until you set a secret: start the server with "
              "the environment variable `{variable}`, or put `instructor_secret = \"...\"` in "
              "`.streamlit/secrets.toml`. Then open this page and type it.").format(variable=SECRET_VARIABLE)
        )
        return False
    if st.session_state.get(_UNLOCKED_KEY) == _fingerprint(secret):
        return True
    with st.form(key="instructor_secret_form"):
        given = st.text_input(_("Instructor secret"), type="password", key="instructor_secret_given")
        if st.form_submit_button(_("Open"), type="primary"):
            if secret_matches(given, secret):
                st.session_state[_UNLOCKED_KEY] = _fingerprint(secret)
                st.rerun()
            st.error(_("That is not the instructor secret."))
    return False


def show_class_picker() -> ClassInfo | None:
    store = membership.store()
    with st.expander(_("New class"), expanded=not store.classes()):
        with st.form(key="instructor_new_class"):
            title = st.text_input(_("Class title"), max_chars=200, key="instructor_new_title")
            if st.form_submit_button(_("Create class")):
                try:
                    store.create_class(title)
                except InputError as error:
                    st.error(error.message)
    classes = store.classes()
    if not classes:
        return None
    chosen = st.selectbox(_("Class"), classes, format_func=lambda c: f"{c.title} ({c.code})", key="instructor_class")
    st.markdown(_("Students join with this link (the class code is in it):"))
    st.code(f"{_base_url()}/classroom?{membership.CLASS_PARAM}={chosen.code}", language=None)
    return chosen


def _base_url() -> str:
    url = st.context.url or ""
    return url.split("/instructor")[0].rstrip("/") if url else ""


def _ago(seconds: float | None) -> str:
    if not seconds:
        return ""
    return _("{seconds} s ago").format(seconds=max(0, int(time.time() - seconds)))


@st.fragment(run_every=LIVE_REFRESH_S)
def show_live(info: ClassInfo) -> None:
    """Who is where, every run, and this server's queue; refreshed on its own."""
    store = membership.store()
    students = store.students(info.code)
    runs = store.runs(info.code)
    names = {s.id: membership.shown_name(s.name) for s in students}
    st.subheader(ngettext("The class live · {count} student", "The class live · {count} students",
                          len(students)).format(count=len(students)))
    st.dataframe(
        pd.DataFrame([{_("Name"): names[s.id], _("Page"): s.page or "", _("Last seen"): _ago(s.seen_at)}
                      for s in students], columns=[_("Name"), _("Page"), _("Last seen")]),
        hide_index=True,
    )
    st.dataframe(
        pd.DataFrame(
            [{_("Name"): names.get(r.student_id, ""), _("Dataset"): r.dataset, _("Network"): r.network,
              _("Optimizer"): r.optimizer, _("Status"): r.status, _("Epochs"): f"{r.epochs_done}/{r.epochs_total}",
              _("Test accuracy"): r.accuracy} for r in runs],
            columns=[_("Name"), _("Dataset"), _("Network"), _("Optimizer"), _("Status"), _("Epochs"),
                     _("Test accuracy")],
        ),
        hide_index=True,
        column_config={_("Test accuracy"): st.column_config.NumberColumn(format="percent")},
    )
    from nnlib.training.runner import shared_board

    statuses = Counter(entry.run.status for entry in shared_board().entries())
    now = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items())) or _("no runs")
    st.caption(_("This server now: {runs}. Each server behind the proxy keeps its own queue.").format(runs=now))


def show_questions(info: ClassInfo) -> None:
    store = membership.store()
    st.subheader(_("Predict, then run"))
    try:
        questions = available_questions()
    except InputError as error:
        st.error(error.message)
        return
    chosen = st.multiselect(
        _("Questions this class gets"), list(questions), default=[q for q in store.questions_for(info.code)
                                                               if q in questions],
        format_func=lambda q: f"{q} · {questions[q].page}", key=f"instructor_questions_{info.code}",
    )
    if st.button(_("Give these questions to the class")):
        store.set_questions(info.code, chosen)
        st.success(ngettext("The class gets {count} question.", "The class gets {count} questions.",
                           len(chosen)).format(count=len(chosen)))
    for question_id in store.questions_for(info.code):
        question = questions.get(question_id)
        if question is None:
            continue
        answers = store.answers(info.code, question_id)
        right = sum(a.correct for a in answers)
        st.markdown(_("**{prompt}** — {right} of {total} right (expected {expected}).").format(
            prompt=question.words("prompt"), right=right, total=len(answers), expected=question.expected()))
        if answers and question.kind == NUMBER:
            chart = alt.Chart(pd.DataFrame({"answer": [a.value for a in answers]})).mark_bar().encode(
                x=alt.X("answer:Q", bin=alt.Bin(maxbins=20), title="answer"), y=alt.Y("count()", title="students"))
            st.altair_chart(chart, use_container_width=True)
        elif answers:
            picked = Counter(labels_for(question, question.choices[int(a.value)]) for a in answers)
            st.bar_chart(pd.Series(picked, name="students"))


def show_challenge_form(info: ClassInfo) -> None:
    st.subheader(_("New challenge"))
    with st.form(f"instructor_challenge_{info.code}"):
        title = st.text_input(_("Title"), value=_("Iris: 95 % with the smallest network"), max_chars=200)
        left, middle, right = st.columns(3)
        accuracy = left.number_input(_("Goal: test accuracy (%)"), 1.0, 100.0, 95.0, 0.5)
        hidden = middle.number_input(_("At most hidden units (0: any)"), 0, 100_000, 0)
        minutes = right.number_input(_("Open for (minutes, 0: no deadline)"), 0, 100_000, 45)
        # A challenge's goal is test accuracy: only the data sets with classes can be one.
        dataset = st.selectbox(_("Dataset"), [name for name, info in DATASETS.items() if info.task == "classification"],
                               format_func=lambda name: str(DATASETS[name].title))
        epochs = st.number_input(_("Epochs"), 1, 100_000, 100)
        locked = st.multiselect(_("Students cannot change"), [s for s in SETTINGS if s in ("dataset", "epochs")],
                                default=["dataset"])
        if st.form_submit_button(_("Create challenge")):
            setup = ChallengeSetup(
                goal=Goal(accuracy / 100, int(hidden) or None),
                base={"dataset": dataset, "epochs": int(epochs)}, locked=tuple(locked),
                deadline=time.time() + minutes * 60 if minutes else None,
            )
            try:
                setup.check()
            except InputError as error:
                st.error(error.message)
            else:
                challenge_id = membership.store().create_challenge(info.code, title, setup.to_dict(),
                                                                   setup.deadline)
                st.success(_("Challenge created. Its link:"))
                st.code(f"{_base_url()}/classroom?{membership.CLASS_PARAM}={info.code}"
                        f"&{membership.CHALLENGE_PARAM}={challenge_id}", language=None)


def show_export(info: ClassInfo) -> None:
    store = membership.store()
    st.download_button(
        _("Download the class's runs (CSV)"), runs_csv(store.students(info.code), store.runs(info.code)),
        file_name=f"class-{info.code}-runs.csv", mime="text/csv", key=f"instructor_export_{info.code}",
    )
