"""The one formatting module: numbers, shapes and tensors written the way the pages show them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

from nnlib.core.formatting import (
    fixed,
    latex_factor,
    latex_matrix,
    python_literal,
    shape_text,
    significant,
    tensor_literal,
    tensor_table,
)
from nnlib.core.parsing import parse_tensor


def test_numbers() -> None:
    assert fixed(2.34567) == "2.3457"
    assert fixed(-0.00001) == "0.0000"  # no "-0.0000"
    assert fixed(1.5, trim=True) == "1.5" and fixed(2.0, trim=True) == "2"
    assert significant(0.76441234) == "0.7644" and significant(12345.0) == "1.234e+04"
    assert significant(True) == "True" and significant(52) == "52"
    assert latex_factor(-0.5) == "(-0.5)" and latex_factor(0.25) == "0.25"
    assert latex_factor(math.inf) == r"\infty" and latex_factor(-math.inf) == r"(-\infty)"


def test_shapes_and_literals() -> None:
    assert (shape_text((4, 2)), shape_text((3,)), shape_text(())) == ("(4, 2)", "(3,)", "()")
    assert python_literal([1, 2.5, True, math.nan, -math.inf]) == "[1, 2.5, True, float('nan'), float('-inf')]"
    course = torch.tensor([[0.7644, 0.3751], [0.0751, 0.5308]])
    assert tensor_literal(course) == "[[0.7644, 0.3751], [0.0751, 0.5308]]"
    assert tensor_literal(torch.tensor([[1.0, 0.0], [0.0, 1.0]])) == "[[1., 0.], [0., 1.]]"
    assert tensor_literal(torch.tensor([[1.0, 0.5], [-2.0, 0.0]]), float_marks=False) == "[[1, 0.5], [-2, 0]]"
    assert tensor_literal(torch.tensor([math.nan, math.inf, -math.inf])) == "[nan, inf, -inf]"
    assert tensor_literal(torch.tensor([True, False])) == "[True, False]"
    assert tensor_literal(torch.tensor([3, -4])) == "[3, -4]"
    for tensor in (course, torch.tensor([1e-6, 2.0, -3.25])):
        assert torch.allclose(parse_tensor(tensor_literal(tensor, decimals=6)), tensor)


def test_latex_matrix() -> None:
    assert latex_matrix(torch.tensor([1.0, -2.0])) == r"\begin{bmatrix}1.0000 \\ -2.0000\end{bmatrix}"
    assert latex_matrix(torch.tensor([[1.0, 2.0]])) == r"\begin{bmatrix}1.0000 & 2.0000\end{bmatrix}"
    assert latex_matrix(torch.tensor([[2.3, 4.1]]), trim=True) == r"\begin{bmatrix}2.3 & 4.1\end{bmatrix}"
    assert latex_matrix(torch.tensor(0.5), 2) == "0.50"


def test_tensor_tables_match_the_frames_pages_built_before() -> None:
    values = torch.tensor([[0.123456, -1.0], [2.5, 3.00004]], dtype=torch.float64)
    table = tensor_table(values, column_prefix="c", decimals=4)
    old_backprop = pd.DataFrame(values.numpy(), columns=["c0", "c1"]).round(4)
    assert pd.DataFrame(list(table.rows), columns=list(table.columns)).equals(old_backprop)
    vector = tensor_table(torch.tensor([1.0, 2.0, 3.0]))
    assert vector.rows == ((1.0,), (2.0,), (3.0,)) and vector.columns == ("0",) and vector.index is None
    row = tensor_table(torch.tensor([1.0, 2.0]), vector="row", row_prefix="row ", column_prefix="col ")
    assert row.rows == ((1.0, 2.0),) and row.columns == ("col 0", "col 1") and row.index == ("row 0",)
    cube = tensor_table(torch.arange(8.0).reshape(2, 2, 2))
    assert np.array(cube.rows).shape == (4, 2)
    assert tensor_table(torch.tensor(7.0)).rows == ((7.0,),)
