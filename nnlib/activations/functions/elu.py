"""ELU: x for positive inputs, a smooth exponential floor at -α for negative ones."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from nnlib.activations.record import Activation
from nnlib.core.params import IF_CHANGED, Param


def elu_slope(x: Tensor, alpha: float) -> Tensor:
    return torch.where(x > 0, torch.ones_like(x), alpha * torch.exp(torch.clamp(x, max=0)))


ELU = Activation(
    name="ELU",
    module=nn.ELU,
    derivative=elu_slope,
    formula=r"\mathrm{ELU}(x) = \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases}",
    derivative_formula=r"\mathrm{ELU}'(x) = \begin{cases} 1 & x > 0 \\ \alpha\, e^{x} & x \le 0 \end{cases}",
    range_latex=r"(-\alpha,\ +\infty)",
    bounds=lambda alpha: (-alpha, math.inf),
    kinks=lambda alpha: (0.0,),
    color="#0c8599",
    parameters=(
        Param(
            "alpha", "float", default=1.0, minimum=0.0, maximum=5.0, step=0.1,
            label="α (the floor is -α)", symbol=r"\alpha", style=IF_CHANGED, torch_default=1.0,
        ),
    ),
    attribute="elu",
)
