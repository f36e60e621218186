"""Softplus: ln(1 + e^x), a smooth ReLU whose slope is the sigmoid."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from nnlib.activations.record import Activation

SOFTPLUS_THRESHOLD = 20.0  # nn.Softplus's default: above it PyTorch returns x itself


def softplus_slope(x: Tensor) -> Tensor:
    # Where PyTorch switches to the identity, its slope is exactly 1, not σ(x) ≈ 1 − 2e−9.
    return torch.where(x > SOFTPLUS_THRESHOLD, torch.ones_like(x), torch.sigmoid(x))


SOFTPLUS = Activation(
    name="Softplus",
    module=nn.Softplus,
    derivative=softplus_slope,
    formula=r"\mathrm{Softplus}(x) = \ln\bigl(1 + e^{x}\bigr)",
    derivative_formula=r"\mathrm{Softplus}'(x) = \sigma(x) = \frac{1}{1 + e^{-x}}"
    rf"\quad(\text{{PyTorch returns }} x \text{{ itself for }} x > {SOFTPLUS_THRESHOLD:g}"
    r"\text{, so there the slope is } 1)",
    range_latex=r"(0,\ +\infty)",
    bounds=lambda: (0.0, math.inf),
    kinks=lambda: (SOFTPLUS_THRESHOLD,),
    color="#495057",
    attribute="softplus",
)
