"""GELU: x weighted by the normal CDF, the smooth ReLU of transformers."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from nnlib.activations.record import Activation

# Where GELU is smallest (its derivative is 0 there): the bottom of its output range.
GELU_MINIMUM = -0.16997120747990653


def gelu_slope(x: Tensor) -> Tensor:
    cdf = 0.5 * (1 + torch.erf(x / math.sqrt(2)))
    pdf = torch.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    return cdf + x * pdf


GELU = Activation(
    name="GELU",
    module=nn.GELU,
    derivative=gelu_slope,
    formula=r"\mathrm{GELU}(x) = x\,\Phi(x),\quad \Phi(x) = \tfrac12\bigl(1 + \operatorname{erf}(x/\sqrt2)\bigr)",
    derivative_formula=r"\mathrm{GELU}'(x) = \Phi(x) + x\,\varphi(x),\quad "
    r"\varphi(x) = \tfrac{1}{\sqrt{2\pi}}\, e^{-x^2/2}",
    range_latex=r"[\approx -0.170,\ +\infty)",
    bounds=lambda: (GELU_MINIMUM, math.inf),
    color="#c2255c",
    attribute="gelu",
)
