"""SiLU (Swish): x times its own sigmoid."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from nnlib.activations.record import Activation

# Where SiLU is smallest (its derivative is 0 there): the bottom of its output range.
SILU_MINIMUM = -0.27846454276107374


def silu_slope(x: Tensor) -> Tensor:
    s = torch.sigmoid(x)
    return s * (1 + x * (1 - s))


SILU = Activation(
    name="SiLU",
    module=nn.SiLU,
    derivative=silu_slope,
    formula=r"\mathrm{SiLU}(x) = x\,\sigma(x)",
    derivative_formula=r"\mathrm{SiLU}'(x) = \sigma(x)\,\bigl(1 + x\,(1 - \sigma(x))\bigr)",
    range_latex=r"[\approx -0.278,\ +\infty)",
    bounds=lambda: (SILU_MINIMUM, math.inf),
    color="#5c940d",
    attribute="silu",
)
