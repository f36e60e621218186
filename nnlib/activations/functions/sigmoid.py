"""Sigmoid: squashes any number into (0, 1)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from nnlib.activations import course
from nnlib.activations.record import Activation, Example


def sigmoid_slope(x: Tensor) -> Tensor:
    s = torch.sigmoid(x)
    return s * (1 - s)


SIGMOID = Activation(
    name="Sigmoid",
    module=nn.Sigmoid,
    derivative=sigmoid_slope,
    formula=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
    derivative_formula=r"\sigma'(x) = \sigma(x)\,\bigl(1 - \sigma(x)\bigr)",
    range_latex=r"(0,\ 1)",
    bounds=lambda: (0.0, 1.0),
    color="#2f9e44",
    layer=True,
    attribute="sigmoid",
    examples=(
        Example(
            "sigmoid_course", course.COLUMN,
            expected=[[0.9988], [0.0392], [0.7503]], source=course.SOURCE,
        ),
    ),
)
