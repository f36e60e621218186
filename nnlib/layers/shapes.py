"""Shapes as a student types and reads them: ``"28, 28"`` in, ``"(N, 28, 28)"`` out.

A full shape starts with the batch, written ``"N"``; the shape of one sample has no batch.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from nnlib.core.errors import InputError
from nnlib.core.settings import Settings, get_settings

BATCH = "N"
Shape = tuple[int | str, ...]  # a full shape whose first entry is the batch, ``"N"``

MAX_SHAPE_TEXT = 200  # a shape is a few numbers; anything longer is not one
_SHAPE_SPLIT = re.compile(r"[\s,x×*]+")


def shape_words(shape: Sequence[int]) -> str:
    """``(28, 28)`` → ``"28, 28"``: the shape the way the input box takes it."""
    return ", ".join(str(n) for n in shape)


def normalize_dim(dim: int, shape: Shape) -> int | None:
    """``dim`` as a non-negative index into ``shape``, or None when out of range."""
    if -len(shape) <= dim < len(shape):
        return dim % len(shape)
    return None


def parse_shape(text: str, settings: Settings | None = None) -> tuple[int, ...]:
    """"4", "28, 28", "(28, 28)", "28x28" or "N, 4" → the per-sample shape (no batch)."""
    settings = settings or get_settings()
    if len(text) > MAX_SHAPE_TEXT:
        raise InputError("layers.shape_too_long", field="input_shape", length=len(text))
    body = text.strip().strip("()[]").strip()
    tokens = [token for token in _SHAPE_SPLIT.split(body) if token]
    if tokens and tokens[0].upper() == BATCH:
        tokens = tokens[1:]
    if not tokens:
        raise InputError("layers.shape_empty", field="input_shape")
    sizes = []
    for token in tokens:
        if not re.fullmatch(r"[+-]?\d+", token):
            raise InputError("layers.shape_not_a_number", field="input_shape", token=token[:20])
        sizes.append(int(token))
    return check_input_shape(tuple(sizes), settings)


def check_input_shape(shape: Sequence[int], settings: Settings | None = None) -> tuple[int, ...]:
    """The shape of one sample, checked against the caps; InputError if it cannot be used."""
    settings = settings or get_settings()
    shape = tuple(shape)
    if not shape:
        raise InputError("layers.shape_no_dims", field="input_shape")
    if any(isinstance(n, bool) or not isinstance(n, int) for n in shape):
        raise InputError("layers.shape_not_whole", field="input_shape")
    if any(n < 1 for n in shape):
        raise InputError("layers.shape_too_small", field="input_shape", shape=list(shape), shape_text=str(shape))
    if len(shape) + 1 > settings.max_tensor_dims:
        raise InputError("layers.shape_too_many_dims", field="input_shape", dims=len(shape),
                         limit=settings.max_tensor_dims)
    if math.prod(shape) > settings.max_tensor_elements:
        raise InputError("layers.shape_too_large", field="input_shape", shape_text=str(shape),
                         elements=math.prod(shape), limit=settings.max_tensor_elements)
    return shape
