"""Optimizers: gradient descent on one weight (course text 004), then every optimizer of the registry
racing across a 2-D loss surface with its update formulas and the numbers of any step (text 003).

This page holds the widgets and the order of the sections; they live in pages.sections.optimizers,
the numbers in nnlib.optimizers.
"""

from __future__ import annotations

import streamlit as st

from nnlib.optimizers.paths import ALPHA_PRESETS, max_steps
from nnlib.optimizers.surfaces import CURVES, SURFACES
from pages.components.i18n import _
from pages.components.startup import use_app_navigation
from pages.components.ui import SHARED, accept_linked_label
from pages.sections import optimizers as sections

use_app_navigation()

DEFAULT_CURVE = "parabola"
DEFAULT_SURFACE = "rosenbrock"
DEFAULT_1D_STEPS = 12

st.title(_("Optimizers"))
st.caption(
    _("Training a network means walking downhill on its loss. First one weight and one curve, stepped by "
      "hand as in course text 004; then the five optimizers of course text 003 (SGD, Momentum, AdaGrad, "
      "RMSProp, Adam), each a real `torch.optim` optimizer moving a two-number tensor across a loss surface. "
      "Pick any step to see its update formula with that step's numbers in it.")
)

st.header(_("Gradient descent on one weight"))
controls = st.columns([2, 1, 1, 1])
accept_linked_label("optimizers_1d_curve", list(CURVES), lambda key: CURVES[key].label)
curve_key = controls[0].selectbox(
    _("Loss curve"), list(CURVES), index=list(CURVES).index(DEFAULT_CURVE), format_func=lambda key: CURVES[key].label,
    key="optimizers_1d_curve", on_change=sections.apply_curve_defaults, **SHARED,
)
start_1d = controls[1].number_input(
    _("Start w₁"), min_value=-10.0, max_value=10.0, value=float(CURVES[curve_key].start), step=0.1,
    key="optimizers_1d_start", **SHARED,
)
alpha_1d = controls[2].number_input(
    _("Learning rate α"), min_value=0.001, max_value=5.0, value=ALPHA_PRESETS["course"].alpha, step=0.05,
    format="%g", key="optimizers_1d_alpha", **SHARED,
)
steps_1d = controls[3].number_input(
    _("Steps"), min_value=1, max_value=200, value=DEFAULT_1D_STEPS, step=1, key="optimizers_1d_steps", **SHARED,
)
# The α presets and the curve's formula share one row, so the two descents start on the first screen.
presets = st.columns([1.2] * len(ALPHA_PRESETS) + [1.4], vertical_alignment="center")
for column, preset in zip(presets, ALPHA_PRESETS.values(), strict=False):
    column.button(
        preset.label.format(alpha=preset.alpha), key=f"optimizers_1d_preset_{preset.key}",
        on_click=sections.set_alpha, args=(preset.alpha,), width="stretch",
    )
presets[-1].latex(CURVES[curve_key].latex)
sections.show_descents(curve_key, float(alpha_1d), float(start_1d), int(steps_1d))
st.caption(
    _("Course text 004 calls α the learning rate and suggests 10⁻⁴…10⁻² for real networks; this toy curve "
      "tolerates far larger steps. On the parabola the derivative rule multiplies the distance to the minimum "
      "by (1 − 2α) each step: below α = 0.5 it shrinks steadily, between 0.5 and 1 it flips sides while "
      "shrinking, above 1 it grows.")
)

st.header(_("Five optimizers on a loss surface"))
top = st.columns([2, 1, 1, 1])
accept_linked_label("optimizers_surface", list(SURFACES), lambda key: SURFACES[key].name)
surface_key = top[0].selectbox(
    _("Surface"), list(SURFACES), index=list(SURFACES).index(DEFAULT_SURFACE),
    format_func=lambda key: SURFACES[key].name, key="optimizers_surface", on_change=sections.apply_surface_defaults,
    help=_("Choosing a surface loads its start, steps and learning rates."), **SHARED,
)
surface = SURFACES[surface_key]
x0 = top[1].number_input(_("Start x"), min_value=-10.0, max_value=10.0, value=float(surface.start[0]), step=0.1,
                         key="optimizers_x0", **SHARED)
y0 = top[2].number_input(_("Start y"), min_value=-10.0, max_value=10.0, value=float(surface.start[1]), step=0.1,
                         format="%g", key="optimizers_y0", **SHARED)
steps_2d = top[3].number_input(_("Steps"), min_value=1, max_value=max_steps(),
                               value=min(surface.steps, max_steps()), step=50, key="optimizers_steps", **SHARED)
st.latex(surface.latex)
st.caption(surface.note)

with st.expander(_("Learning rates and the other hyperparameters"), expanded=True):
    sections.show_optimizer_settings(surface_key)
    st.caption(
        _("The defaults of each surface are learning rates that work there; ε is torch's default "
          "(AdaGrad 1e−10, RMSProp and Adam 1e−8). Change the surface to restore them.")
    )

chosen = sections.chosen_optimizers()
hyper = sections.chosen_hyperparameters()
if not chosen:
    st.info(_("Tick at least one optimizer above to run it."))
else:
    paths = sections.race(surface_key, chosen, hyper, (float(x0), float(y0)), int(steps_2d))
    if paths:
        sections.show_race(surface_key, paths, hyper)
