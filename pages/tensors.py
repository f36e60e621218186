"""Tensors: make one and read its facts, reshape it, combine two, cross to NumPy, follow autograd.

Everything shown is computed by nnlib.tensors; the sections live in pages/sections/tensors.py,
in the order called here. The first screen holds section 1 (make T, its facts and its code);
the NumPy bridge and the chain rule by hand open on request.
"""

from __future__ import annotations

import streamlit as st

from pages.components import predict
from pages.components.i18n import _
from pages.components.startup import use_app_navigation
from pages.sections import tensors as sections

use_app_navigation()

st.title(_("Tensors"))
st.markdown(
    _("A tensor is PyTorch's grid of numbers: every element has the same type (the **dtype**) and the "
      "whole grid lives on one **device**, the CPU or a GPU. Make one, reshape it, combine two, cross "
      "over to NumPy and follow a gradient through it. The course's examples are filled in; change any "
      "number and the page recomputes it with PyTorch.")
)
predict_col, device_col = st.columns([2, 1], vertical_alignment="bottom")
with predict_col:
    st.caption(_("Course texts: 002, appendix B (tensors, dtypes, devices, operations, autograd); "
                 "004 «Линейные слои»."))
    predict.ask("tensors")  # predict, then run: the course's questions for this page
with device_col:
    device = sections.choose_device()
made = sections.show_make_tensor(device)
tensor = made.tensor if made is not None else None
sections.show_shape_operations(tensor)
sections.show_operations(device)
sections.show_numpy_bridge(tensor)
sections.show_autograd(device)
