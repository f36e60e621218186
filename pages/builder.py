"""Network builder: stack layers, see every shape and parameter count, export PyTorch code.

The sections, the session state the page keeps (``builder_layers``, ``builder_input_shape``,
which the Training page reads) and the link that carries the stack are described in
:mod:`pages.sections.builder`.
"""

from __future__ import annotations

import streamlit as st

from nnlib.core.settings import get_settings
from nnlib.layers import analyze, dataset_problems
from pages.components.i18n import _
from pages.components.startup import use_app_navigation
from pages.sections import builder as sections

use_app_navigation()

settings = get_settings()
sections.init_state(settings)
sections.sync_layers_from_widgets()
sections.mirror_stack_in_link()

sections.show_intro()
input_shape, planned, check_col = sections.show_settings(settings)
specs = sections.current_specs()
summary = analyze(specs, input_shape, loss=st.session_state["builder_loss"], settings=settings)
misfits = [] if planned == sections.NO_DATASET else dataset_problems(summary, planned)
sections.show_dataset_check(check_col, planned, misfits)
sections.show_network_problems(summary)

# The first screen: the stack editor next to its shapes, parameter count and print(model).
editor, overview = st.columns([1, 1], gap="large")
with editor:
    sections.show_layers(summary, input_shape, settings)
with overview:
    sections.show_overview(summary, input_shape, settings)
    sections.show_printed_model(specs, summary, settings)

sections.show_architecture(summary)
# Running a sample through it and the code to take away: one place, two tabs.
trace_tab, export_tab = st.tabs([_("Forward pass"), _("Export as PyTorch code")])
with trace_tab:
    sections.show_forward_pass(specs, summary, input_shape, settings)
with export_tab:
    sections.show_export(specs, summary, input_shape, settings)
st.caption(_("This network stays in the session: the Training page can train it."))
