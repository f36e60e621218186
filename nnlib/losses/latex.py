"""The student's numbers written into LaTeX lines: short, exact enough to check by hand."""

from __future__ import annotations

from torch import Tensor

from nnlib.core import messages
from nnlib.core.formatting import latex_fixed, plain_short, shape_text

SHOWN_SUM_TERMS = 6  # terms written out in a sum


def operand(value: float | Tensor) -> str:
    """A number that may follow an operator: negatives (and powers of ten) in parentheses."""
    text = latex_fixed(value)
    return f"({text})" if text.startswith("-") or r"\times" in text else text


def worded(code: str, **details: object) -> str:
    """A catalogue sentence inside LaTeX's \\text{...} (its braces and backslashes escaped)."""
    text = messages.word(code, details)
    for char in ("\\", "{", "}"):
        text = text.replace(char, "\\" + char)
    return rf"\text{{{text}}}"


def items(entries: list[str], total: int, header: str = "") -> str:
    """One entry per line (so long lines never overflow), after an optional header line."""
    lines = [f"&{entry}" for entry in entries]
    if total > len(entries):
        lines.append(rf"&\dots\ ({worded('losses.latex.more_in_table', total=total)})")
    if header and lines:
        lines[0] = rf"{header}\quad {lines[0]}"
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def sum_terms(flat: Tensor) -> str:
    values = flat.tolist()
    if len(values) <= SHOWN_SUM_TERMS:
        shown = values
        tail = ""
    else:
        shown = values[: SHOWN_SUM_TERMS - 1]
        tail = r" + \dots + " + operand(values[-1])
    if not shown:
        return "0"
    return " + ".join(operand(v) if i else latex_fixed(v) for i, v in enumerate(shown)) + tail


def vector(flat: Tensor) -> str:
    values = flat.reshape(-1).tolist()
    shown = ", ".join(latex_fixed(v) for v in values[:SHOWN_SUM_TERMS])
    if len(values) > SHOWN_SUM_TERMS:
        shown += r", \dots"
    return rf"\left({shown}\right)"


def shape_of(tensor_or_shape: Tensor | tuple[int, ...]) -> str:
    """A tensor's shape as Python writes the tuple: (3, 1), (3,)."""
    shape = tuple(tensor_or_shape.shape if isinstance(tensor_or_shape, Tensor) else tensor_or_shape)
    return shape_text(shape)


def examples(values: Tensor) -> str:
    """Up to three of ``values`` for a message: "2.2, -0.85, -1.4"."""
    return ", ".join(plain_short(v) for v in values.reshape(-1)[:3].tolist())
