"""Backpropagation: the chain rule through course text 003's two-layer network, by hand next to
autograd, then the autograd mistakes students make, each run for real.

Everything shown is computed by nnlib.backprop; the sections live in pages/sections/backprop.py,
in the order called here.
"""

from __future__ import annotations

import streamlit as st

from pages.components import predict
from pages.components.i18n import _
from pages.components.startup import use_app_navigation
from pages.sections import backprop as sections

use_app_navigation()

sections.init_state()

st.title(_("Backpropagation"))
st.markdown(_(
    "A network learns by nudging each weight against the gradient of the loss; backpropagation gets every "
    "gradient with the chain rule, from the loss back to the input. Below: course text 003's network by hand "
    "next to PyTorch's autograd, then the autograd mistakes that trip students up, each run for real."
))

predict.ask("backprop")  # predict, then run: the course's questions for this page
sections.show_chain_rule()
sections.show_mistakes()  # secondary: one tab per mistake
