"""ReLU: max(0, x), the course's default hidden activation."""

from __future__ import annotations

import math

from torch import Tensor, nn

from nnlib.activations import course
from nnlib.activations.record import Activation, Example


def relu_slope(x: Tensor) -> Tensor:
    # PyTorch takes the slope at exactly 0 to be 0.
    return (x > 0).to(x.dtype)


RELU = Activation(
    name="ReLU",
    module=nn.ReLU,
    derivative=relu_slope,
    formula=r"\mathrm{ReLU}(x) = \max(0,\ x)",
    derivative_formula=r"\mathrm{ReLU}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}",
    range_latex=r"[0,\ +\infty)",
    bounds=lambda: (0.0, math.inf),
    kinks=lambda: (0.0,),
    color="#d9480f",
    layer=True,
    attribute="relu",
    examples=(
        Example(
            "relu_course", course.MATRIX,
            expected=[[0.4, 0.0, 0.9], [0.3, 0.2, 0.0], [0.1, 0.7, 0.0]], source=course.SOURCE,
        ),
    ),
)
