"""Backpropagation through the course's two-layer network, by hand and by autograd (course text 003).

The network of «Backpropagation. Математический аспект»::

    X [N x D] -> (. W1 [D x M]) -> T [N x M] -> (. W2 [M]) -> y_hat [N],   L = sum_i (y_hat_i - y_i)^2

One module per idea:

* :mod:`.network`: the four tensors a student types, checked (``backprop.*`` codes);
* :mod:`.gradients`: what sits between the layers (``HIDDEN``: an activation from
  :mod:`nnlib.activations`, or none), the loss's reduction, the gradients by the chain rule
  and by autograd;
* :mod:`.worked`: each step as a LaTeX line with the numbers substituted;
* :mod:`.mistakes`: the autograd mistakes students make, each run for real.

Messages are ``backprop.*`` codes worded in ``locales/<language>/LC_MESSAGES/backprop.po``.
"""

from __future__ import annotations

from nnlib.backprop.gradients import (
    GRADIENT_FIELDS,
    HIDDEN,
    REDUCTIONS,
    Gradients,
    Hidden,
    Reduction,
    by_autograd,
    by_hand,
    max_difference,
)
from nnlib.backprop.mistakes import (
    COURSE_X,
    InPlaceDemo,
    ModeDemo,
    SavedTensors,
    accumulated_gradients,
    course_autograd_loss,
    course_classifier,
    in_place_update,
    no_grad_savings,
    saved_for_backward,
    train_vs_eval,
)
from nnlib.backprop.network import (
    DEFAULT_W1,
    DEFAULT_W2,
    DEFAULT_X,
    DEFAULT_Y,
    DTYPE,
    Network,
    default_network,
    make_network,
    random_network,
)
from nnlib.backprop.worked import WorkedLine, backward_lines, forward_lines

__all__ = [
    "COURSE_X",
    "DEFAULT_W1",
    "DEFAULT_W2",
    "DEFAULT_X",
    "DEFAULT_Y",
    "DTYPE",
    "GRADIENT_FIELDS",
    "HIDDEN",
    "REDUCTIONS",
    "Gradients",
    "Hidden",
    "InPlaceDemo",
    "ModeDemo",
    "Network",
    "Reduction",
    "SavedTensors",
    "WorkedLine",
    "accumulated_gradients",
    "backward_lines",
    "by_autograd",
    "by_hand",
    "course_autograd_loss",
    "course_classifier",
    "default_network",
    "forward_lines",
    "in_place_update",
    "make_network",
    "max_difference",
    "no_grad_savings",
    "random_network",
    "saved_for_backward",
    "train_vs_eval",
]
