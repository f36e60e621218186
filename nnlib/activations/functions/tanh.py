"""Tanh: squashes into (-1, 1), centred on zero."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from nnlib.activations.record import Activation


def tanh_slope(x: Tensor) -> Tensor:
    t = torch.tanh(x)
    return 1 - t * t


TANH = Activation(
    name="Tanh",
    module=nn.Tanh,
    derivative=tanh_slope,
    formula=r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
    derivative_formula=r"\tanh'(x) = 1 - \tanh^2(x)",
    range_latex=r"(-1,\ 1)",
    bounds=lambda: (-1.0, 1.0),
    color="#7048e8",
    layer=True,
    attribute="tanh",
)
