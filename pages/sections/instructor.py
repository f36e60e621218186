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
from pages.components import membership
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
            f"This page is for the instructor and is off until you set a secret: start the server with "
            f"the environment variable `{SECRET_VARIABLE}`, or put `instructor_secret = \"...\"` in "
            "`.streamlit/secrets.toml`. Then open this page and type it."
        )
        return False
    if st.session_state.get(_UNLOCKED_KEY) == _fingerprint(secret):
        return True
    with st.form("instructor_secret_form"):
        given = st.text_input("Instructor secret", type="password", key="instructor_secret_given")
        if st.form_submit_button("Open", type="primary"):
            if secret_matches(given, secret):
                st.session_state[_UNLOCKED_KEY] = _fingerprint(secret)
                st.rerun()
            st.error("That is not the instructor secret.")
    return False


def show_class_picker() -> ClassInfo | None:
    store = membership.store()
    with st.expander("New class", expanded=not store.classes()):
        with st.form("instructor_new_class"):
            title = st.text_input("Class title", max_chars=200, key="instructor_new_title")
            if st.form_submit_button("Create class"):
                try:
                    store.create_class(title)
                except InputError as error:
                    st.error(error.message)
    classes = store.classes()
    if not classes:
        return None
    chosen = st.selectbox("Class", classes, format_func=lambda c: f"{c.title} ({c.code})", key="instructor_class")
    st.markdown("Students join with this link (the class code is in it):")
    st.code(f"{_base_url()}/classroom?{membership.CLASS_PARAM}={chosen.code}", language=None)
    return chosen


def _base_url() -> str:
    url = st.context.url or ""
    return url.split("/instructor")[0].rstrip("/") if url else ""


def _ago(seconds: float | None) -> str:
    if not seconds:
        return ""
    return f"{max(0, int(time.time() - seconds))} s ago"


@st.fragment(run_every=LIVE_REFRESH_S)
def show_live(info: ClassInfo) -> None:
    """Who is where, every run, and this server's queue; refreshed on its own."""
    store = membership.store()
    students = store.students(info.code)
    runs = store.runs(info.code)
    names = {s.id: membership.shown_name(s.name) for s in students}
    st.subheader(f"The class live · {len(students)} student{'s' if len(students) != 1 else ''}")
    st.dataframe(
        pd.DataFrame([{"Name": names[s.id], "Page": s.page or "", "Last seen": _ago(s.seen_at)} for s in students],
                     columns=["Name", "Page", "Last seen"]),
        hide_index=True,
    )
    st.dataframe(
        pd.DataFrame(
            [{"Name": names.get(r.student_id, ""), "Dataset": r.dataset, "Network": r.network,
              "Optimizer": r.optimizer, "Status": r.status, "Epochs": f"{r.epochs_done}/{r.epochs_total}",
              "Test accuracy": r.accuracy} for r in runs],
            columns=["Name", "Dataset", "Network", "Optimizer", "Status", "Epochs", "Test accuracy"],
        ),
        hide_index=True,
        column_config={"Test accuracy": st.column_config.NumberColumn(format="percent")},
    )
    from nnlib.training.runner import shared_board

    statuses = Counter(entry.run.status for entry in shared_board().entries())
    st.caption("This server now: " + (", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) or "no runs")
               + ". Each server behind the proxy keeps its own queue.")


def show_questions(info: ClassInfo) -> None:
    store = membership.store()
    st.subheader("Predict, then run")
    try:
        questions = available_questions()
    except InputError as error:
        st.error(error.message)
        return
    chosen = st.multiselect(
        "Questions this class gets", list(questions), default=[q for q in store.questions_for(info.code)
                                                               if q in questions],
        format_func=lambda q: f"{q} · {questions[q].page}", key=f"instructor_questions_{info.code}",
    )
    if st.button("Give these questions to the class"):
        store.set_questions(info.code, chosen)
        st.success(f"The class gets {len(chosen)} questions.")
    for question_id in store.questions_for(info.code):
        question = questions.get(question_id)
        if question is None:
            continue
        answers = store.answers(info.code, question_id)
        right = sum(a.correct for a in answers)
        st.markdown(f"**{question.words('prompt')}** — {right} of {len(answers)} right "
                    f"(expected {question.expected()}).")
        if answers and question.kind == NUMBER:
            chart = alt.Chart(pd.DataFrame({"answer": [a.value for a in answers]})).mark_bar().encode(
                x=alt.X("answer:Q", bin=alt.Bin(maxbins=20), title="answer"), y=alt.Y("count()", title="students"))
            st.altair_chart(chart, use_container_width=True)
        elif answers:
            picked = Counter(labels_for(question, question.choices[int(a.value)]) for a in answers)
            st.bar_chart(pd.Series(picked, name="students"))


def show_challenge_form(info: ClassInfo) -> None:
    st.subheader("New challenge")
    with st.form(f"instructor_challenge_{info.code}"):
        title = st.text_input("Title", value="Iris: 95 % with the smallest network", max_chars=200)
        left, middle, right = st.columns(3)
        accuracy = left.number_input("Goal: test accuracy (%)", 1.0, 100.0, 95.0, 0.5)
        hidden = middle.number_input("At most hidden units (0: any)", 0, 100_000, 0)
        minutes = right.number_input("Open for (minutes, 0: no deadline)", 0, 100_000, 45)
        dataset = st.selectbox("Dataset", ["iris", "notmnist"])
        epochs = st.number_input("Epochs", 1, 100_000, 100)
        locked = st.multiselect("Students cannot change", [s for s in SETTINGS if s in ("dataset", "epochs")],
                                default=["dataset"])
        if st.form_submit_button("Create challenge"):
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
                st.success("Challenge created. Its link:")
                st.code(f"{_base_url()}/classroom?{membership.CLASS_PARAM}={info.code}"
                        f"&{membership.CHALLENGE_PARAM}={challenge_id}", language=None)


def show_export(info: ClassInfo) -> None:
    store = membership.store()
    st.download_button(
        "Download the class's runs (CSV)", runs_csv(store.students(info.code), store.runs(info.code)),
        file_name=f"class-{info.code}-runs.csv", mime="text/csv", key=f"instructor_export_{info.code}",
    )
