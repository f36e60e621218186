"""The Training page in a class: a challenge's goal and locked settings, and the run reported to the class.

A class member who opens a challenge link trains with the instructor's locked settings put back
into the run's config (whatever the widgets or the address say); the run reports itself to the
class database through an observer, so its leaderboard entry comes from the server's numbers.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass

import streamlit as st

from nnlib.classroom.challenges import ChallengeSetup
from nnlib.classroom.reporting import ClassRunObserver
from nnlib.classroom.storage import Student
from nnlib.data.registry import DATASETS
from nnlib.training import TrainConfig
from nnlib.training.runner import BackgroundRun
from pages.components import membership
from pages.components.i18n import _
from pages.sections.classroom import goal_text

_CHALLENGE_KEY = "training_challenge"
# The widget each lockable setting is drawn by ({dataset} is the chosen data set).
WIDGET_KEYS = {"dataset": "training_dataset", "optimizer": "training_optimizer", "seed": "training_seed",
               "lr": "training_lr_{dataset}", "batch_size": "training_batch_{dataset}",
               "epochs": "training_epochs_{dataset}"}


@dataclass(frozen=True)
class ChallengeContext:
    member: Student
    challenge_id: str
    title: str
    setup: ChallengeSetup


def current_challenge() -> ChallengeContext | None:
    """The challenge this class member opened (kept for the session), if it is their class's."""
    member = membership.current_member()
    if member is None:
        return None
    challenge_id = st.query_params.get(membership.CHALLENGE_PARAM) or st.session_state.get(_CHALLENGE_KEY)
    if not challenge_id:
        return None
    found = membership.store().challenge(challenge_id)
    if found is None or found[0] != member.class_code:
        return None
    st.session_state[_CHALLENGE_KEY] = challenge_id
    return ChallengeContext(member, challenge_id, found[1], ChallengeSetup.from_dict(found[2]))


def show_challenge_banner() -> ChallengeContext | None:
    """Above the settings: the goal, and the locked settings set on their widgets."""
    context = current_challenge()
    if context is None:
        return None
    setup = context.setup
    dataset = setup.base.get("dataset", st.session_state.get("training_dataset", "iris"))
    shown = dict(setup.base)
    info = DATASETS.get(dataset)
    if info is not None and "dataset" in setup.locked:
        # The page picks a family first (iris, notMNIST, toy data), then the toy set within it.
        shown["dataset"] = info.family
        if info.toy:
            st.session_state["training_toy_set"] = dataset
    for name in setup.locked:
        key = WIDGET_KEYS.get(name, "").format(dataset=dataset)
        if key and st.session_state.get(key) != shown[name]:
            st.session_state[key] = shown[name]
    fixed = ", ".join(f"`{name} = {setup.base[name]}`" for name in setup.locked)
    parts = [_("**Challenge: {title}.** Goal: {goal}.").format(title=membership.name_in_text(context.title),
                                                                goal=goal_text(setup))]
    if fixed:
        parts.append(_("Fixed by your instructor: {settings}.").format(settings=fixed))
    parts.append(_("A finished run that reaches the goal goes on your class's leaderboard."))
    st.info(" ".join(parts))
    if st.button(_("Leave the challenge"), key="training_leave_challenge"):
        st.session_state.pop(_CHALLENGE_KEY, None)
        st.query_params.pop(membership.CHALLENGE_PARAM, None)
        st.rerun()
    return context


def apply_challenge(config: TrainConfig, context: ChallengeContext | None) -> TrainConfig:
    """The run's config with the challenge's locked settings put back."""
    if context is None:
        return config
    locked = {name: context.setup.base[name] for name in context.setup.locked if hasattr(config, name)}
    return dataclasses.replace(config, **locked)


def report_to_class(run: BackgroundRun) -> None:
    """A class member's run reports itself to the class database (once per run, attached before it starts)."""
    member = membership.current_member()
    if member is None or any(isinstance(o, ClassRunObserver) for o in run.observers):
        return
    context = current_challenge()
    run.observers.append(ClassRunObserver(membership.store(), secrets.token_urlsafe(12), member.class_code,
                                          member.id, context.challenge_id if context else None))
