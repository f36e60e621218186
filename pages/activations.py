"""Activations: what each nonlinearity computes, its slope, and why a network needs one.

Everything shown is computed by nnlib.activations; the sections live in
pages/sections/activations.py, in the order called here.
"""

from __future__ import annotations

import streamlit as st

from pages.components.startup import use_app_navigation
from pages.sections import activations as sections

use_app_navigation()

st.title("Activation functions")
st.markdown(
    "A linear layer only multiplies and adds. Between two linear layers a network applies an "
    "**activation function**: a fixed nonlinear function of each number (Softmax: of each vector). "
    "Below: what each one looks like and how steep it is, what it does to a matrix you type, why "
    "stacked linear layers without one collapse into a single layer, and why the slope matters when "
    "many layers are chained."
)

chosen = sections.show_choice()
sections.show_curves(chosen)
applied = sections.show_on_a_matrix(chosen)
if applied is not None and chosen.along_dim and applied.dim is not None:
    sections.show_along_dim_detail(applied)
sections.show_collapse()
sections.show_vanishing_gradients()
