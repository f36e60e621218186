"""Training: fit iris, notMNIST or a 2-D toy set on the detected device, with live charts, then test.

This page holds the order of the sections; they live in pages.sections.training, the numbers in
nnlib.training. A run belongs to the student, not to the tab (see pages.sections.training).
"""

from __future__ import annotations

import streamlit as st

from pages.components.i18n import _
from pages.components.startup import use_app_navigation
from pages.sections import class_training
from pages.sections import training as sections
from pages.sections.course_iris import show_course_iris

use_app_navigation()

st.title(_("Training"))
st.caption(_(
    "Everything from the earlier pages comes together: a dataset, a network, a loss (CrossEntropyLoss on "
    "the network's raw outputs for classes, MSE or another regression loss for numbers) and an optimizer. "
    "Training runs in the background "
    "while the charts update, so you can pause, step one epoch at a time, or leave and come back."
))

sections.find_my_runs()
challenge = class_training.show_challenge_banner()
run = sections.current_run()
locked = run is not None and (run.in_progress or run.epoch > 0)

# The first screen: the settings on the left, Start and the live panel beside them.
settings_column, training_column = st.columns([9, 10], gap="large")
with settings_column:
    data = sections.show_data(locked)
    dataset = data.dataset
    network = sections.show_network(data.name, dataset, locked)
    config = sections.show_optimizer_and_schedule(data, network, locked)
    config = class_training.apply_challenge(config, challenge)
with training_column:
    sections.show_controls(config, dataset, locked)
    sections.show_live_panel()
sections.show_boundary_panel()
sections.show_results(dataset)
# Further experiments on the same settings, one tab each.
race_tab, course_tab = st.tabs([_("Race two optimizers"), _("Iris exactly as in the course")])
with race_tab:
    sections.show_race(config, dataset)
with course_tab:
    show_course_iris()  # iris exactly as course text 004 trains it, one seed or many
