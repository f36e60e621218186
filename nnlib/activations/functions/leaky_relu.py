"""LeakyReLU: ReLU with a small slope α for negative inputs, so no unit dies completely."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from nnlib.activations.record import Activation
from nnlib.core.params import IF_CHANGED, Param


def leaky_relu_slope(x: Tensor, negative_slope: float) -> Tensor:
    return torch.where(x > 0, torch.ones_like(x), torch.full_like(x, negative_slope))


LEAKY_RELU = Activation(
    name="LeakyReLU",
    module=nn.LeakyReLU,
    derivative=leaky_relu_slope,
    formula=r"\mathrm{LeakyReLU}(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}",
    derivative_formula=r"\mathrm{LeakyReLU}'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases}",
    range_latex=r"(-\infty,\ +\infty)",
    bounds=lambda negative_slope: (-math.inf if negative_slope > 0 else 0.0, math.inf),
    kinks=lambda negative_slope: (0.0,),
    color="#1971c2",
    parameters=(
        Param(
            "negative_slope", "float", default=0.01, minimum=0.0, maximum=1.0, step=0.01,
            label="Slope α for negative inputs", symbol=r"\alpha", help="The slope for negative inputs.",
            style=IF_CHANGED, torch_default=0.01,
        ),
    ),
    layer=True,
    attribute="leaky_relu",
)
