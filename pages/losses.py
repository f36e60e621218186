"""Loss functions: type predictions and targets, see PyTorch's loss worked out by hand.

Widgets and section order only; the sections are in pages/sections/losses.py and every number
they show comes from nnlib.losses and nnlib.losses.metrics.
"""

from __future__ import annotations

import streamlit as st

from pages.components import predict
from pages.components.i18n import _
from pages.components.startup import use_app_navigation
from pages.sections import losses as sections

use_app_navigation()

# Every input is mirrored in the URL and kept across page switches (pages.components.ui.SHARED).
# The first screen holds the inputs and the result side by side; the worked steps, the gradient
# and numerical stability follow below it.
st.title(_("Loss functions"))
st.caption(
    _("A loss turns the model's predictions and the true values into one number: the smaller, the "
      "better. Choose a course example or type your own tensors: PyTorch's value appears on the right, "
      "next to the same number worked out from the formula, with the metrics a person can read.")
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
st.caption(
    _("Everything you type or choose here is kept in the page's address: copy it to share this "
      "exact example, and a reload or a visit to another page loses nothing.")
)
