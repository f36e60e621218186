"""How the engine writes numbers, shapes and tensors for a student: the one place for it.

Three families, each in one style per purpose:

* a number: :func:`fixed` (the digits a student compares: ``2.3000``), :func:`significant`
  (a compact reading: ``0.7644``, ``1.235e+04``), :func:`readable_number` (fixed decimals, a
  compact form when huge or tiny), :func:`plain_fixed` / :func:`plain_short` (a number inside
  a message: ``0.2500`` / ``0.25``), and in LaTeX :func:`latex_factor` (inside a product,
  negatives in parentheses), :func:`latex_fixed` (the losses' steps: ``3.5 \\times 10^{-5}``),
  :func:`latex_significant` and :func:`latex_column` (the optimizers' updates: ``1.5 \\cdot 10^{-3}``);
* a tensor as text: :func:`tensor_literal` (text the parser reads back), :func:`python_literal`
  (Python source that rebuilds exactly the same values), :func:`latex_matrix` (a LaTeX
  ``bmatrix``), :func:`shape_text` (a shape as Python writes the tuple), :func:`batch_shape_text`
  (a layer's shape with its batch: ``(N, 28, 28)``, ``?`` when unknown);
* a tensor as a table: :func:`tensor_table` (rows, column names and row names, for a page to
  hand to its table widget).

Nothing here imports streamlit or pandas; pages turn a :class:`TensorTable` into a frame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

# ----------------------------------------------------------------------------- numbers


def fixed(value: float, decimals: int = 4, trim: bool = False) -> str:
    """Fixed decimals (the digits a student compares); ``trim`` drops trailing zeros (1.5000 -> 1.5).

    A value that rounds to zero is written without a sign (``-0.00001`` -> ``0.0000``).
    """
    text = f"{value:.{decimals}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def significant(value: object, digits: int = 4) -> str:
    """Whole numbers and True/False as they are, floats to ``digits`` significant digits."""
    if isinstance(value, bool | int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def latex_factor(value: object, digits: int = 4) -> str:
    """A number inside a LaTeX product or sum: negatives in parentheses, infinity as a symbol."""
    text = significant(value, digits).replace("inf", r"\infty")
    return f"({text})" if text.startswith("-") else text


# ----------------------------------------------------------------------------- shapes and tensors as text


def shape_text(shape: Sequence[int]) -> str:
    """A shape as Python writes a tuple: ``(4, 2)``, ``(3,)``, ``()``."""
    shape = tuple(shape)
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(size) for size in shape) + ")"


def python_literal(value: Any) -> str:
    """Nested numbers as Python source that rebuilds exactly the same values."""
    if isinstance(value, list):
        return "[" + ", ".join(python_literal(item) for item in value) + "]"
    if isinstance(value, bool | int):
        return repr(value)
    if math.isnan(value):
        return "float('nan')"
    if math.isinf(value):
        return "float('inf')" if value > 0 else "float('-inf')"
    return repr(value)


def tensor_literal(tensor: torch.Tensor, decimals: int = 4, float_marks: bool = True) -> str:
    """A tensor as nested lists that :mod:`nnlib.core.parsing` reads back.

    Floats are rounded to ``decimals``; ``float_marks`` writes whole floats with a dot
    (``1.``) so the text reads back as floats, without it they read as a student types
    them (``[[1, 0.5], [-2, 0]]``).
    """
    values = tensor.detach().cpu()
    if values.dtype.is_floating_point:
        values = values.to(torch.float64)

    def render(item: object) -> str:
        if isinstance(item, list):
            return "[" + ", ".join(render(x) for x in item) + "]"
        if isinstance(item, bool):
            return str(item)
        if isinstance(item, float):
            if math.isnan(item):
                return "nan"
            if math.isinf(item):
                return "inf" if item > 0 else "-inf"
            text = f"{round(item, decimals):g}" if abs(item) >= 1e-4 or item == 0 else f"{item:.{decimals}e}"
            return text if not float_marks or any(c in text for c in ".en") else text + "."
        return str(item)

    return render(values.tolist())


def latex_matrix(tensor: torch.Tensor, decimals: int = 4, trim: bool = False) -> str:
    """A tensor as a LaTeX bmatrix of :func:`fixed` numbers; a 1-D tensor becomes a column,
    as the course draws vectors, and a 0-D tensor a bare number."""
    values = tensor.detach().to(torch.float64)
    if values.dim() == 0:
        return fixed(float(values), decimals, trim)
    rows = values.reshape(-1, 1) if values.dim() == 1 else values
    body = r" \\ ".join(" & ".join(fixed(float(v), decimals, trim) for v in row) for row in rows)
    return r"\begin{bmatrix}" + body + r"\end{bmatrix}"


# ----------------------------------------------------------------------------- tensors as tables


@dataclass(frozen=True)
class TensorTable:
    """A tensor laid out as a table: ``rows`` of floats under ``columns``; ``index`` names the
    rows (None: the rows are just numbered from 0)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[float, ...], ...]
    index: tuple[str, ...] | None = None


def tensor_table(
    tensor: torch.Tensor,
    *,
    vector: str = "column",
    column_prefix: str = "",
    row_prefix: str | None = None,
    decimals: int | None = None,
) -> TensorTable:
    """Rows of the last dimension (higher dimensions folded into rows).

    ``vector`` says how a 1-D tensor stands: ``"column"`` (as the course draws vectors) or
    ``"row"``; a 0-D tensor is one cell. Columns are named ``column_prefix`` + position, rows
    ``row_prefix`` + position when given; ``decimals`` rounds the values.
    """
    if vector not in ("column", "row"):
        raise ValueError(f"vector must be 'column' or 'row', not {vector!r}")
    values = tensor.detach().cpu().to(torch.float64)
    if values.dim() == 0:
        values = values.reshape(1, 1)
    elif values.dim() == 1:
        values = values.reshape(-1, 1) if vector == "column" else values.reshape(1, -1)
    elif values.dim() > 2:
        values = values.reshape(-1, values.shape[-1])
    grid = values.numpy()
    if decimals is not None:
        grid = grid.round(decimals)  # NumPy's rounding, as a page's table would round
    rows = tuple(tuple(row) for row in grid.tolist())
    columns = tuple(f"{column_prefix}{j}" for j in range(values.shape[1]))
    index = None if row_prefix is None else tuple(f"{row_prefix}{i}" for i in range(values.shape[0]))
    return TensorTable(columns, rows, index)


def latex_fixed(value: float | torch.Tensor, decimals: int = 4) -> str:
    """A number for LaTeX: up to four decimals, trailing zeros dropped, powers of ten when tiny."""
    x = float(value)
    if math.isnan(x):
        return r"\text{nan}"
    if math.isinf(x):
        return r"\infty" if x > 0 else r"-\infty"
    if x == 0:
        return "0"
    if abs(x) < 10 ** (-decimals + 1) or abs(x) >= 1e7:
        mantissa, exponent = f"{x:.3e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    text = f"{x:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def plain_fixed(value: float | torch.Tensor, decimals: int = 4) -> str:
    """A number for a plain-text message detail: fixed decimals, nan and inf by name."""
    x = float(value)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    return f"{x:.{decimals}f}"


def plain_short(value: float | torch.Tensor) -> str:
    """A parameter as a student typed it: 1 rather than 1.0000, 0.25 as is."""
    return plain_fixed(value).rstrip("0").rstrip(".")


def latex_significant(value: float, digits: int = 4) -> str:
    """A number for LaTeX: ``digits`` significant digits, powers of ten written out."""
    if math.isnan(value):
        return r"\text{nan}"
    if math.isinf(value):
        return r"\infty" if value > 0 else r"-\infty"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        power = f"10^{{{int(exponent)}}}"
        return power if mantissa == "1" else f"{mantissa} \\cdot {power}"
    return text


def latex_column(values: Sequence[float], digits: int = 4) -> str:
    """A column vector (narrower on the page than a row when formulas get long)."""
    return r"\begin{pmatrix}" + r" \\ ".join(latex_significant(v, digits) for v in values) + r"\end{pmatrix}"


def batch_shape_text(shape: Sequence[int | str] | None) -> str:
    """``("N", 28, 28)`` → ``"(N, 28, 28)"``; None (unknown) → ``"?"``."""
    if shape is None:
        return "?"
    return "(" + ", ".join(str(n) for n in shape) + ")"


def readable_number(value: float, decimals: int = 4) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value != 0 and (abs(value) >= 1e6 or abs(value) < 10**-decimals):
        return f"{value:.4g}"
    return f"{value:.{decimals}f}"
