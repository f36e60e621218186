"""Activation functions: what each one computes, its slope, and why a network needs one.

``ACTIVATIONS`` is the one registry every page, the network builder and the tests read:
each :class:`Activation` record (one module per activation in :mod:`.functions`) carries the
PyTorch module, the closed-form derivative, the LaTeX of both, the output range, a sentence
each on strengths and weaknesses, its parameters, its chart colour, whether the builder offers
it as a layer, and the course's worked examples where there are some.

Around the registry, one module per idea:

* :mod:`.apply`: :func:`apply_activation` on a tensor a student typed, with the slope of every
  element and notes (codes with data) about what to look at;
* :mod:`.softmax_detail`: the naive and the stable softmax, and its full Jacobian;
* :mod:`.charts`: :func:`curves`, f(x), f'(x) and the saturation intervals for the charts;
* :mod:`.linear_collapse`: stacked linear layers multiply out into one, unless an activation
  sits between them;
* :mod:`.chain`: the derivative of a chain of n activations by autograd (vanishing gradients).

Messages are ``activations.*`` codes worded in ``locales/<language>/LC_MESSAGES/activations.po``.
"""

from __future__ import annotations

from nnlib.activations.apply import Applied, apply_activation
from nnlib.activations.chain import ChainGradients, chain_gradients
from nnlib.activations.charts import Curve, CurveSet, curves, saturation_intervals
from nnlib.activations.functions.gelu import GELU_MINIMUM
from nnlib.activations.functions.silu import SILU_MINIMUM
from nnlib.activations.functions.softplus import SOFTPLUS_THRESHOLD
from nnlib.activations.inputs import Note
from nnlib.activations.linear_collapse import (
    CollapseDemo,
    LinearStack,
    collapse,
    collapse_demo,
    linear_stack,
    random_stack,
    to_sequential,
)
from nnlib.activations.record import Activation, Example, Params
from nnlib.activations.registry import ACTIVATIONS, elementwise_names, get_activation, layer_names
from nnlib.activations.softmax_detail import (
    SoftmaxSteps,
    implicit_softmax_dim,
    slices_along,
    softmax_jacobian,
    softmax_steps,
)

__all__ = [
    "ACTIVATIONS",
    "GELU_MINIMUM",
    "SILU_MINIMUM",
    "SOFTPLUS_THRESHOLD",
    "Activation",
    "Applied",
    "ChainGradients",
    "CollapseDemo",
    "Curve",
    "CurveSet",
    "Example",
    "LinearStack",
    "Note",
    "Params",
    "SoftmaxSteps",
    "apply_activation",
    "chain_gradients",
    "collapse",
    "collapse_demo",
    "curves",
    "elementwise_names",
    "get_activation",
    "implicit_softmax_dim",
    "layer_names",
    "linear_stack",
    "random_stack",
    "saturation_intervals",
    "slices_along",
    "softmax_jacobian",
    "softmax_steps",
    "to_sequential",
]
