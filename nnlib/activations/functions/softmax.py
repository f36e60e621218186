"""Softmax: turns a vector of scores into probabilities that sum to 1 (it acts along a dim)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from nnlib.activations import course
from nnlib.activations.record import Activation, Example


def softmax_diagonal(x: Tensor, dim: int) -> Tensor:
    """The Jacobian's diagonal d s_i / d x_i = s_i (1 - s_i); the full matrix is softmax_jacobian."""
    s = torch.softmax(x, dim=dim)
    return s * (1 - s)


SOFTMAX = Activation(
    name="Softmax",
    module=nn.Softmax,
    derivative=softmax_diagonal,
    formula=r"\mathrm{Softmax}(\mathbf{x})_i = \frac{e^{x_i}}{\sum_j e^{x_j}}",
    derivative_formula=r"\frac{\partial s_i}{\partial x_j} = s_i\,(\delta_{ij} - s_j),"
    r"\qquad \frac{\partial s_i}{\partial x_i} = s_i\,(1 - s_i)",
    range_latex=r"(0,\ 1),\ \text{{words} } 1",  # {words}: the catalogue's activations.softmax.output_range
    bounds=lambda: (0.0, 1.0),
    color="#e8590c",
    along_dim=True,
    layer=True,
    attribute="softmax",
    examples=(
        # The course writes Softmax() without dim; for its matrix PyTorch picks dim=1.
        Example(
            "softmax_course", course.MATRIX, dim=1,
            expected=[[0.3273, 0.1331, 0.5396], [0.3883, 0.3514, 0.2603], [0.2807, 0.5114, 0.2079]],
            source=course.SOURCE,
        ),
        Example("softmax_huge_scores", "[[1000., 1001., 1002.], [1., 2., 3.]]", dim=1),
        Example("softmax_dim_size_one", course.COLUMN, dim=1),
    ),
)
