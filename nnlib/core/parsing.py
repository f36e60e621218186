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
from nnlib.core.formatting import shape_text
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
        raise InputError("parsing.not_a_number", token=_shorten(word), position=position + 1)
    value = _WORDS[bare]
    if isinstance(value, bool):
        if word[0] in "+-":
            raise InputError("parsing.signed_bool", token=word, position=position + 1)
        return value
    return sign * value


def _number_from_literal(text: str, position: int) -> Number:
    if re.fullmatch(r"[+-]?\d+", text):
        # Count digits before int(): Python refuses to convert more than 4,300 of them
        # (ValueError), and anything past 19 digits is beyond int64 anyway.
        too_long = len(text.lstrip("+-").lstrip("0")) > len(str(_INT64_MAX))
        value = 0 if too_long else int(text)
        if too_long or abs(value) > _INT64_MAX:
            raise InputError("parsing.int_overflow", token=_shorten(text), position=position + 1)
        return value
    value = float(text)
    if math.isinf(value):
        raise InputError("parsing.float_overflow", token=_shorten(text), position=position + 1)
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
            raise InputError("parsing.unexpected_character", character=char, position=position + 1)
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
            raise InputError("parsing.missing_close")
        if token.kind == "number":
            self.index += 1
            self.count += 1
            if self.count > self.settings.max_tensor_elements:
                raise _too_many(self.settings)
            return token.value  # type: ignore[return-value]
        if token.kind == "close":
            raise InputError("parsing.extra_close", position=token.position + 1)
        if depth >= self.settings.max_tensor_dims:
            raise InputError("parsing.too_many_dims", limit=self.settings.max_tensor_dims)
        self.index += 1  # the '['
        items: list[Nested] = []
        while True:
            token = self.peek()
            if token is None:
                raise InputError("parsing.missing_close")
            if token.kind == "close":
                self.index += 1
                return items
            items.append(self.value(depth + 1))


def _too_many(settings: Settings) -> InputError:
    return InputError("parsing.too_many_elements", limit=settings.max_tensor_elements)


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
            # The sentence names a single number as such, so a scalar side has its own wording.
            code = "parsing.ragged_row" if path else "parsing.ragged"
            code += "_number" if not shape else "_after_number" if not first else ""
            raise InputError(
                code, path=path, index=i, shape=shape_text(shape), first_shape=shape_text(first),
            )
    return (len(value), *first)


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
        raise InputError("parsing.not_text")
    if len(text) > settings.max_text_chars:
        raise InputError("parsing.too_long", length=len(text), limit=settings.max_text_chars)
    wrapped = _WRAPPER.match(text)
    body = wrapped.group(1) if wrapped else text
    if not body.strip():
        raise InputError("parsing.empty")
    if "[" not in body and "]" not in body:
        return _parse_bare(body, settings)
    parser = _Parser(_tokenize(body), settings)
    value = parser.value(depth=0)
    leftover = parser.peek()
    if leftover is not None:
        raise InputError("parsing.trailing", token=leftover.text, position=leftover.position + 1)
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


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


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
            raise InputError("parsing.unknown_dtype", dtype=dtype, choices=", ".join(DTYPES))
        dtype = DTYPES[dtype]
    dtype = dtype or infer_dtype(value)
    flat = _flatten(value)
    if not dtype.is_floating_point and dtype != torch.bool:
        if any(isinstance(v, float) and not math.isfinite(v) for v in flat):
            raise InputError("parsing.nonfinite_int", dtype=_dtype_name(dtype))
        info = torch.iinfo(dtype)
        if any(not info.min <= v <= info.max for v in flat):
            raise InputError("parsing.int_out_of_range", dtype=_dtype_name(dtype), minimum=info.min, maximum=info.max)
    if dtype.is_floating_point:
        largest = torch.finfo(dtype).max
        if any(math.isfinite(v) and abs(v) > largest for v in flat):
            raise InputError("parsing.float_out_of_range", dtype=_dtype_name(dtype), largest=largest)
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

