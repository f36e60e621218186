"""Activations: what each nonlinearity computes, its slope, and why a network needs one.

Everything shown is computed by nnlib.activations; the sections live in
pages/sections/activations.py, in the order called here. The first screen holds the picker, the
formulas and both curves; sections 3 and 4 share one place as tabs.
"""

from __future__ import annotations

import streamlit as st

from pages.components.i18n import _
from pages.components.startup import use_app_navigation
from pages.sections import activations as sections

use_app_navigation()

st.title(_("Activation functions"))
st.markdown(_(
    "A linear layer only multiplies and adds. Between two linear layers a network applies an "
    "**activation function**: a fixed nonlinear function of each number (Softmax: of each vector). "
    "Below: what each one looks like and how steep it is, what it does to a matrix you type, why "
    "stacked linear layers without one collapse into a single layer, and why the slope matters when "
    "many layers are chained."
))

chosen, others = sections.show_choice()
sections.show_curves(chosen, others)
applied = sections.show_on_a_matrix(chosen)
if applied is not None and chosen.along_dim and applied.dim is not None:
    sections.show_along_dim_detail(applied)
st.divider()
collapse_tab, vanishing_tab = st.tabs([_("3 · Why a network needs nonlinearity"), _("4 · Vanishing gradients")])
with collapse_tab:
    sections.show_collapse()
with vanishing_tab:
    sections.show_vanishing_gradients()
