"""Loss functions: type predictions and targets, see PyTorch's loss worked out by hand.

Widgets and section order only; the sections are in pages/sections/losses.py and every number
they show comes from nnlib.losses and nnlib.losses.metrics.
"""

from __future__ import annotations

import streamlit as st

from pages.components import predict
from pages.components.startup import use_app_navigation
from pages.sections import losses as sections

use_app_navigation()

# Every input is mirrored in the URL and kept across page switches (pages.components.ui.SHARED).
st.title("Loss functions")
st.markdown(
    "A loss turns the model's predictions and the true values into one number: the smaller, the "
    "better. Choose one of the course's examples or type your own tensors, choose a loss and a "
    "reduction, and see PyTorch's value next to the same number worked out from the formula, each "
    "element's share, the gradient, and the metrics a person can read."
)
st.caption(
    "Everything you type or choose here is kept in the page's address: copy it to share this "
    "exact example, and a reload or a visit to another page loses nothing."
)

predict.ask("losses")  # predict, then run: the course's questions for this page
preset_name = sections.show_example_picker()
example_note = st.empty()  # filled once the inputs below are known

input_column, result_column = st.columns([1, 1.1], gap="large")
with input_column:
    chosen = sections.show_inputs()
    report = sections.show_evaluation(chosen)
course = sections.show_example_note(example_note, chosen, preset_name)
with result_column:
    sections.show_result(chosen, report, course)

if report is not None:
    sections.show_report_tabs(report)

sections.show_stability()
