"""Sections of the Class page: joining, the class's challenges, a leaderboard, the class plot."""

from __future__ import annotations

import time

import altair as alt
import pandas as pd
import streamlit as st

from nnlib.classroom.challenges import SWEEP_AXES, ChallengeSetup, class_points
from nnlib.classroom.storage import Student
from nnlib.core.errors import InputError
from pages.components import membership
from pages.components.i18n import _, ngettext

LEADERBOARD_REFRESH_S = 5


def show_join() -> None:
    st.subheader(_("Join your class"))
    st.caption(_("No account, no password: your instructor's link has the class code; your name is what "
                 "the class sees on the leaderboard. Everything works without joining, too."))
    with st.form(key="class_join"):
        code = st.text_input(_("Class code"), value=membership.class_code_in_address() or "", max_chars=16,
                             key="class_join_code")
        name = st.text_input(_("Your name"), max_chars=80, key="class_join_name")
        if st.form_submit_button(_("Join"), type="primary"):
            try:
                membership.join(code.strip().upper(), name)
            except InputError as error:
                st.error(error.message)
            else:
                st.rerun()


def show_membership(member: Student) -> None:
    info = membership.store().find_class(member.class_code)
    title = info.title if info else member.class_code
    left, right = st.columns([4, 1])
    left.success(_("You are in the class «{title}» as {name}.").format(
        title=membership.name_in_text(title), name=membership.name_in_text(member.name)))
    if right.button(_("Leave"), help=_("Work alone again; the class keeps what you did.")):
        membership.leave()
        st.rerun()


def goal_text(setup: ChallengeSetup) -> str:
    goal = setup.goal
    parts = [_("test accuracy ≥ {percent}").format(percent=f"{goal.min_accuracy:.0%}")]
    if goal.max_hidden_units:
        parts.append(ngettext("at most {count} hidden unit", "at most {count} hidden units",
                              goal.max_hidden_units).format(count=goal.max_hidden_units))
    if goal.max_epochs:
        parts.append(ngettext("at most {count} epoch", "at most {count} epochs", goal.max_epochs).format(
            count=goal.max_epochs))
    return ", ".join(parts)


def show_challenges(member: Student) -> None:
    challenges = membership.store().challenges(member.class_code)
    st.subheader(_("Challenges"))
    if not challenges:
        st.info(_("Your instructor has not set a challenge yet."))
        return
    chosen = st.query_params.get(membership.CHALLENGE_PARAM)
    for challenge_id, title, data, deadline in challenges:
        setup = ChallengeSetup.from_dict(data)
        with st.expander(title, expanded=challenge_id == chosen or len(challenges) == 1):
            st.markdown(_("**Goal:** {goal}.").format(goal=goal_text(setup)))
            if setup.locked:
                st.markdown(_("**Fixed by your instructor:** {settings}").format(
                    settings=", ".join(f"`{name} = {setup.base[name]}`" for name in setup.locked)))
            if deadline:
                left = deadline - time.time()
                minutes = int(left // 60)
                st.caption(_("Closed.") if left <= 0 else ngettext(
                    "Closes in {count} minute.", "Closes in {count} minutes.", minutes).format(count=minutes))
            st.page_link("pages/training.py", label=_("Train for this challenge"), icon=":material/play_arrow:",
                         query_params={membership.CLASS_PARAM: member.class_code,
                                       membership.CHALLENGE_PARAM: challenge_id})
            show_leaderboard(challenge_id)
            show_class_plot(challenge_id, member.class_code)


@st.fragment(run_every=LEADERBOARD_REFRESH_S)
def show_leaderboard(challenge_id: str) -> None:
    board = membership.store().leaderboard(challenge_id)
    if not board:
        st.caption(_("No run has reached the goal yet."))
        return
    # A plain table (text, never markup): a name shows exactly as its student typed it.
    st.table(pd.DataFrame(
        [{_("Rank"): e.rank, _("Name"): membership.shown_name(e.name), _("Test accuracy"): f"{e.score:.2%}",
          _("Hidden units"): e.size, _("Epochs"): e.epochs} for e in board]
    ).set_index(_("Rank")))


def show_class_plot(challenge_id: str, class_code: str) -> None:
    axis = st.selectbox(_("The class as one experiment: plot test accuracy against"), SWEEP_AXES,
                        key=f"class_plot_axis_{challenge_id}")
    points = class_points(membership.store().runs(class_code), axis, challenge_id)
    if not points:
        st.caption(_("Each finished run of this challenge will be a point here."))
        return
    chart = alt.Chart(pd.DataFrame(points)).mark_circle(size=80).encode(
        x=alt.X(f"{axis}:Q", title=axis), y=alt.Y("accuracy:Q", title=_("test accuracy"), axis=alt.Axis(format="%")),
    )
    st.altair_chart(chart, use_container_width=True)
