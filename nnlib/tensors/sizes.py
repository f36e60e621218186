"""Whole numbers a student types: sizes of a new tensor, dimensions, a seed.

Read with the tensor parser of :mod:`nnlib.core.parsing` (never ``eval``); every failure is an
:class:`InputError` with a ``tensors.*`` code.
"""

from __future__ import annotations

import re

from nnlib.core.errors import InputError
from nnlib.core.formatting import shape_text
from nnlib.core.parsing import parse_nested
from nnlib.core.settings import Settings, get_settings
from nnlib.tensors.facts import Shape, numel

_SIZE_WRAPPER = re.compile(r"^\s*(?:torch\.)?Size\s*\((?P<body>.*)\)\s*$", re.S)
_TUPLE_WRAPPER = re.compile(r"^\s*\((?P<body>.*)\)\s*$", re.S)
_TIMES = re.compile(r"(?<=\d)\s*[x×]\s*(?=[+-]?\d)")


def parse_int_list(
    text: str,
    *,
    allow_empty: bool = False,
    field: str | None = None,
    settings: Settings | None = None,
) -> Shape:
    """Whole numbers typed as ``3, 2``, ``(3, 2)``, ``[3, 2]``, ``3 2``, ``3x2`` or ``torch.Size([3, 2])``.

    ``()`` and ``[]`` are the empty tuple; blank text is one too when ``allow_empty``.
    """
    settings = settings or get_settings()
    try:
        if not isinstance(text, str):
            raise InputError("tensors.sizes_not_text")
        if len(text) > settings.max_text_chars:
            raise InputError("parsing.too_long", length=len(text), limit=settings.max_text_chars)
        body = text
        for wrapper in (_SIZE_WRAPPER, _TUPLE_WRAPPER):
            match = wrapper.match(body)
            if match:
                body = match.group("body")
                if not body.strip():
                    return ()
                break
        else:
            if not body.strip():
                if allow_empty:
                    return ()
                raise InputError("tensors.sizes_empty")
        value = parse_nested(_TIMES.sub(", ", body), settings=settings)
        items = value if isinstance(value, list) else [value]
        if any(isinstance(item, list) for item in items):
            raise InputError("tensors.sizes_not_flat")
        for item in items:
            if isinstance(item, bool) or not isinstance(item, int):
                raise InputError("tensors.not_whole", value=repr(item))
        return tuple(items)  # type: ignore[arg-type]
    except InputError as error:
        raise (error.for_field(field) if field else error) from None


def parse_shape(text: str, *, field: str | None = None, settings: Settings | None = None) -> Shape:
    """A shape for a new tensor: sizes ≥ 0, within the dimension and element caps."""
    settings = settings or get_settings()
    shape = parse_int_list(text, field=field, settings=settings)
    check_new_shape(shape, settings, field)
    return shape


def check_new_shape(shape: Shape, settings: Settings, field: str | None) -> None:
    if len(shape) > settings.max_tensor_dims:
        raise InputError("tensors.too_many_sizes", field=field, given=len(shape), limit=settings.max_tensor_dims)
    negative = [size for size in shape if size < 0]
    if negative:
        raise InputError("tensors.negative_size", field=field, size=negative[0])
    elements = numel(shape)
    if elements > settings.max_tensor_elements:
        raise InputError(
            "tensors.too_many_elements", field=field, shape=shape_text(shape), elements=elements,
            limit=settings.max_tensor_elements,
        )


def parse_seed(text: str | None, *, settings: Settings | None = None) -> int | None:
    """The seed for ``torch.manual_seed``: one whole number ≥ 0, or None when left blank."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    values = parse_int_list(text, field="seed", settings=settings)
    if len(values) != 1 or values[0] < 0:
        raise InputError("tensors.bad_seed", field="seed")
    return values[0]
