"""Hardtanh: x clipped to [min_val, max_val], a piecewise-linear tanh."""

from __future__ import annotations

from torch import Tensor, nn

from nnlib.activations.record import Activation
from nnlib.core.params import IF_CHANGED, Param


def hardtanh_slope(x: Tensor, min_val: float, max_val: float) -> Tensor:
    # PyTorch passes the gradient only strictly inside: at x = min_val or max_val the slope is 0.
    return ((x > min_val) & (x < max_val)).to(x.dtype)


HARDTANH = Activation(
    name="Hardtanh",
    module=nn.Hardtanh,
    derivative=hardtanh_slope,
    formula=r"\mathrm{Hardtanh}(x) = \begin{cases} a & x < a \\ x & a \le x \le b \\ b & x > b \end{cases}",
    derivative_formula=r"\mathrm{Hardtanh}'(x) = \begin{cases} 1 & a < x < b \\ 0 & \text{otherwise} \end{cases}",
    range_latex=r"[a,\ b]",
    bounds=lambda min_val, max_val: (min_val, max_val),
    kinks=lambda min_val, max_val: (min_val, max_val),
    color="#862e9c",
    # The limits keep min_val below max_val whatever a slider says (torch refuses min_val >= max_val);
    # min_val = 0, max_val = 6 is ReLU6.
    parameters=(
        Param(
            "min_val", "float", default=-1.0, minimum=-5.0, maximum=0.0, step=0.1,
            label="Lower end a", symbol="a", help="Inputs below it become it.",
            style=IF_CHANGED, torch_default=-1.0,
        ),
        Param(
            "max_val", "float", default=1.0, minimum=0.1, maximum=6.0, step=0.1,
            label="Upper end b", symbol="b", help="Inputs above it become it.",
            style=IF_CHANGED, torch_default=1.0,
        ),
    ),
    layer=True,
    attribute="hardtanh",
)
