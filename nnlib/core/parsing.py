"""Read a tensor a student typed, with a real parser (never ``eval``).

Accepted forms, all giving the same tensor:

* Python / NumPy nested lists: ``[[1., 0.], [0., 1.]]`` or ``[[1. 0.] [0. 1.]]``
* the same wrapped as printed: ``tensor([[1., 0.], [0., 1.]])``, ``array([...])``
* bare numbers, rows on lines: ``1 0`` / ``0 1`` (a single line gives a 1-D tensor)
* a single number: ``3.5`` (a 0-D tensor)

Numbers may be ints, floats (``1e-3``, ``.5``), ``nan``, ``inf``, ``True``/``False``.
Every failure is an :class:`InputError` with a message fit for a student; the
caps on characters, elements and dimensions come from :mod:`nnlib.core.settings`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import torch

from nnlib.core.errors import InputError
from nnlib.core.formatting import tensor_literal
from nnlib.core.settings import Settings, get_settings

Number = bool | int | float
Nested = Number | list["Nested"]

DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "float64": torch.float64,
    "int32": torch.int32,
    "int64": torch.int64,
    "bool": torch.bool,
}

_WRAPPER = re.compile(r"^\s*(?:torch\.tensor|tensor|np\.array|numpy\.array|array)\s*\((.*)\)\s*$", re.S)
_TOKEN = re.compile(
    r"""
    (?P<space>[\s,]+)
  | (?P<open>\[)
  | (?P<close>\])
  | (?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<word>[+-]?[A-Za-z_][A-Za-z_0-9.]*)
    """,
    re.X,
)
_WORDS: dict[str, Number] = {
    "nan": math.nan,
    "inf": math.inf,
    "infinity": math.inf,
    "true": True,
    "false": False,
}
_INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class _Token:
    kind: str  # "open", "close", "sep", "number"
    text: str
    position: int
    value: Number | None = None


def _number_from_word(word: str, position: int) -> Number:
    sign = -1 if word.startswith("-") else 1
    bare = word.lstrip("+-").lower()
    if bare not in _WORDS:
        raise InputError(
            f"'{_shorten(word)}' at character {position + 1} is not a number. "
            "Type numbers such as 1, -0.5, 2e-3, nan or inf.",
            code="not_a_number",
            details={"token": _shorten(word), "position": position},
        )
    value = _WORDS[bare]
    if isinstance(value, bool):
        if word[0] in "+-":
            raise InputError(
                f"'{word}' at character {position + 1}: True and False take no sign.",
                code="not_a_number",
                details={"token": word, "position": position},
            )
        return value
    return sign * value


def _number_from_literal(text: str, position: int) -> Number:
    if re.fullmatch(r"[+-]?\d+", text):
        # Count digits before int(): Python refuses to convert more than 4,300 of them
        # (ValueError), and anything past 19 digits is beyond int64 anyway.
        too_long = len(text.lstrip("+-").lstrip("0")) > len(str(_INT64_MAX))
        value = 0 if too_long else int(text)
        if too_long or abs(value) > _INT64_MAX:
            raise InputError(
                f"{_shorten(text)} at character {position + 1} is too large for a 64-bit integer.",
                code="overflow",
                details={"token": _shorten(text), "position": position},
            )
        return value
    value = float(text)
    if math.isinf(value):
        raise InputError(
            f"{_shorten(text)} at character {position + 1} is beyond the largest float "
            "(about 1.8e308). Type inf if you mean infinity.",
            code="overflow",
            details={"token": _shorten(text), "position": position},
        )
    return value


def _shorten(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            char = text[position]
            raise InputError(
                f"Unexpected character {char!r} at character {position + 1}. "
                "Use numbers, square brackets, commas and spaces.",
                code="unexpected_character",
                details={"character": char, "position": position},
            )
        kind = match.lastgroup
        chunk = match.group()
        if kind == "space":
            tokens.append(_Token("sep", chunk, position))
        elif kind == "number":
            tokens.append(_Token("number", chunk, position, _number_from_literal(chunk, position)))
        elif kind == "word":
            tokens.append(_Token("number", chunk, position, _number_from_word(chunk, position)))
        else:
            tokens.append(_Token(kind, chunk, position))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Token], settings: Settings) -> None:
        self.tokens = [t for t in tokens if t.kind != "sep"]
        self.index = 0
        self.settings = settings
        self.count = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def value(self, depth: int) -> Nested:
        token = self.peek()
        if token is None:
            raise InputError(
                "The input ends too early: a closing ']' is missing.",
                code="unbalanced",
            )
        if token.kind == "number":
            self.index += 1
            self.count += 1
            if self.count > self.settings.max_tensor_elements:
                raise _too_many(self.settings)
            return token.value  # type: ignore[return-value]
        if token.kind == "close":
            raise InputError(
                f"Unexpected ']' at character {token.position + 1}: it closes nothing.",
                code="unbalanced",
                details={"position": token.position},
            )
        if depth >= self.settings.max_tensor_dims:
            raise InputError(
                f"Too many nested brackets: at most {self.settings.max_tensor_dims} dimensions.",
                code="too_many_dims",
                details={"limit": self.settings.max_tensor_dims},
            )
        self.index += 1  # the '['
        items: list[Nested] = []
        while True:
            token = self.peek()
            if token is None:
                raise InputError(
                    "The input ends too early: a closing ']' is missing.",
                    code="unbalanced",
                )
            if token.kind == "close":
                self.index += 1
                return items
            items.append(self.value(depth + 1))


def _too_many(settings: Settings) -> InputError:
    return InputError(
        f"Too many numbers: at most {settings.max_tensor_elements:,} elements.",
        code="too_many_elements",
        details={"limit": settings.max_tensor_elements},
    )


def _shape_of(value: Nested, path: str = "") -> tuple[int, ...]:
    """The shape of a nested list, or InputError if it is ragged."""
    if not isinstance(value, list):
        return ()
    if not value:
        return (0,)
    shapes = [_shape_of(item, f"{path}[{i}]") for i, item in enumerate(value)]
    first = shapes[0]
    for i, shape in enumerate(shapes[1:], start=1):
        if shape != first:
            where = f"row {path}[{i}]" if path else f"item [{i}]"
            raise InputError(
                f"The rows have different lengths: {where} has shape {_fmt(shape)} "
                f"but {path}[0] has shape {_fmt(first)}. Every row must have as many numbers "
                "as the others (a tensor is a rectangular grid).",
                code="ragged",
                details={"first_shape": first, "other_shape": shape, "index": i},
            )
    return (len(value), *first)


def _fmt(shape: tuple[int, ...]) -> str:
    if not shape:
        return "() (a single number)"
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _flatten(value: Nested) -> list[Number]:
    if not isinstance(value, list):
        return [value]
    out: list[Number] = []
    for item in value:
        out.extend(_flatten(item))
    return out


def parse_nested(text: str, *, settings: Settings | None = None) -> Nested:
    """Parse text into nested Python lists of numbers (rectangular, checked)."""
    settings = settings or get_settings()
    if not isinstance(text, str):
        raise InputError("Type the tensor as text.", code="not_text")
    if len(text) > settings.max_text_chars:
        raise InputError(
            f"The input is {len(text):,} characters long; the limit is {settings.max_text_chars:,}.",
            code="too_long",
            details={"length": len(text), "limit": settings.max_text_chars},
        )
    wrapped = _WRAPPER.match(text)
    body = wrapped.group(1) if wrapped else text
    if not body.strip():
        raise InputError(
            "The input is empty: type numbers, e.g. [[1, 2], [3, 4]].",
            code="empty",
        )
    if "[" not in body and "]" not in body:
        return _parse_bare(body, settings)
    parser = _Parser(_tokenize(body), settings)
    value = parser.value(depth=0)
    leftover = parser.peek()
    if leftover is not None:
        raise InputError(
            f"Unexpected {leftover.text!r} at character {leftover.position + 1} after the "
            "closing bracket: wrap everything in one outer pair of [ ].",
            code="trailing",
            details={"position": leftover.position},
        )
    _shape_of(value)
    return value


def _parse_bare(body: str, settings: Settings) -> Nested:
    """Numbers without brackets: one line is a vector, several lines are rows."""
    lines = [line for line in body.splitlines() if line.strip()]
    rows: list[list[Number]] = []
    count = 0
    for line in lines:
        row = [t.value for t in _tokenize(line) if t.kind == "number"]
        count += len(row)
        if count > settings.max_tensor_elements:
            raise _too_many(settings)
        rows.append(row)  # type: ignore[arg-type]
    if len(rows) == 1:
        return rows[0][0] if len(rows[0]) == 1 and "," not in body and " " not in body.strip() else rows[0]
    _shape_of(rows)  # type: ignore[arg-type]
    return rows  # type: ignore[return-value]


def infer_dtype(value: Nested) -> torch.dtype:
    """The dtype torch.tensor would pick: bool, int64, or float32."""
    flat = _flatten(value)
    if flat and all(isinstance(v, bool) for v in flat):
        return torch.bool
    if flat and all(isinstance(v, int) for v in flat):
        return torch.int64
    return torch.float32


def to_tensor(value: Nested, dtype: torch.dtype | str | None = None) -> torch.Tensor:
    """Build the tensor, refusing values the dtype cannot hold."""
    if isinstance(dtype, str):
        if dtype not in DTYPES:
            raise InputError(
                f"Unknown dtype {dtype!r}: choose one of {', '.join(DTYPES)}.",
                code="unknown_dtype",
            )
        dtype = DTYPES[dtype]
    dtype = dtype or infer_dtype(value)
    flat = _flatten(value)
    if not dtype.is_floating_point and dtype != torch.bool:
        if any(isinstance(v, float) and not math.isfinite(v) for v in flat):
            raise InputError(
                f"{str(dtype).replace('torch.', '')} cannot hold nan or inf: choose a float dtype.",
                code="nonfinite_int",
            )
        info = torch.iinfo(dtype)
        if any(not info.min <= v <= info.max for v in flat):
            raise InputError(
                f"A value is outside the range of {str(dtype).replace('torch.', '')} "
                f"({info.min} to {info.max}).",
                code="overflow",
            )
    if dtype.is_floating_point:
        largest = torch.finfo(dtype).max
        if any(math.isfinite(v) and abs(v) > largest for v in flat):
            raise InputError(
                f"A value is beyond the largest {str(dtype).replace('torch.', '')} "
                f"(about {largest:.3g}): it would become inf. Choose float64 or smaller numbers.",
                code="overflow",
            )
    return torch.tensor(value, dtype=dtype)


def parse_tensor(
    text: str,
    dtype: torch.dtype | str | None = None,
    *,
    field: str | None = None,
    settings: Settings | None = None,
) -> torch.Tensor:
    """Text → tensor, or an :class:`InputError` naming ``field``."""
    try:
        return to_tensor(parse_nested(text, settings=settings), dtype)
    except InputError as error:
        raise (error.for_field(field) if field else error) from None


# TRANSITION (issue 16): the losses, activations and builder modules still import the literal
# writer from here; it lives in nnlib.core.formatting, and this name goes once they import it there.
format_tensor_literal = tensor_literal
