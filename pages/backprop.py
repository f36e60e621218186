"""Backpropagation: the chain rule through course text 003's two-layer network, by hand next to
autograd, then the autograd mistakes students make, each run for real.

Everything shown is computed by nnlib.backprop; the sections live in pages/sections/backprop.py,
in the order called here.
"""

from __future__ import annotations

import streamlit as st

from pages.components import predict
from pages.components.startup import use_app_navigation
from pages.sections import backprop as sections

use_app_navigation()

sections.init_state()

st.title("Backpropagation")
st.markdown(
    "A network learns by nudging each weight against the gradient of the loss. Backpropagation gets "
    "every gradient with the chain rule, layer by layer from the loss back to the input. Below: the "
    "two-layer network of course text 003 worked out by hand with your numbers, next to what PyTorch's "
    "autograd gets, then the mistakes with autograd that trip students up, each run for real."
)

predict.ask("backprop")  # predict, then run: the course's questions for this page
sections.show_chain_rule()

st.header("What trips students up")
sections.show_accumulation()
sections.show_in_place_update()
sections.show_train_and_eval()
sections.show_no_grad_savings()
