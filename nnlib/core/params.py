"""One type for a number or switch that an activation, a loss, a layer or an optimizer takes.

A :class:`Param` is enough for a page to draw its widget (kind, default, limits, step, label)
and for the engine to check a value (:meth:`Param.check`, :func:`resolve`). Out-of-range and
unknown values raise :class:`~nnlib.core.errors.InputError` with ``params.*`` codes, worded in
``locales/<language>/LC_MESSAGES/params.po``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from nnlib.core.errors import InputError

# How an argument is written in exported PyTorch code.
POSITIONAL = "positional"  # required, written bare: Linear(4, 16)
KEYWORD = "keyword"  # always written as name=value: Softmax(dim=1)
IF_CHANGED = "if_changed"  # written as name=value only when it differs from torch's default

KINDS = ("float", "int", "bool")


@dataclass(frozen=True)
class Param:
    """One argument: its torch keyword, kind, default, limits, and how a page shows it."""

    name: str  # the keyword argument of the torch call
    kind: str = "float"  # "float", "int" or "bool"
    default: Any = 0.0
    minimum: float | None = None
    maximum: float | None = None
    minimum_inclusive: bool = True  # False: the value must be greater than the minimum
    step: float | None = None  # a sensible increment for a number input
    label: str = ""  # what the widget says; the name where empty
    symbol: str = ""  # the LaTeX symbol in formulas (alpha for LeakyReLU's slope)
    help: str = ""
    style: str = IF_CHANGED  # how exported code writes it
    torch_default: Any = None  # torch's own default (for IF_CHANGED)
    width: bool = False  # a number of units or features: capped by settings.max_units

    @property
    def required(self) -> bool:
        return self.style == POSITIONAL

    @property
    def shown_label(self) -> str:
        return self.label or self.name

    def check(self, value: Any, owner: str = "") -> Any:
        """``value`` as this argument's kind, or InputError (``params.*``) naming ``owner``."""
        details = {"owner": owner, "param": self.name, "value": _shown(value)}
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise InputError("params.not_bool", field=self.name, **details)
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError("params.not_a_number", field=self.name, **details)
        if not math.isfinite(value):
            raise InputError("params.not_finite", field=self.name, **details)
        if self.kind == "int":
            if isinstance(value, float) and not value.is_integer():
                raise InputError("params.not_whole", field=self.name, **details)
            value = int(value)
        else:
            value = float(value)
        if self.minimum is not None:
            if self.minimum_inclusive and value < self.minimum:
                raise InputError("params.too_small", field=self.name, minimum=self.minimum, **details)
            if not self.minimum_inclusive and value <= self.minimum:
                raise InputError("params.not_above", field=self.name, minimum=self.minimum, **details)
        if self.maximum is not None and value > self.maximum:
            raise InputError("params.too_large", field=self.name, maximum=self.maximum, **details)
        return value


def resolve(specs: Iterable[Param], given: Mapping[str, Any] | None, owner: str = "") -> dict[str, Any]:
    """Every argument of ``owner``: defaults, overridden by ``given``, each checked."""
    specs = tuple(specs)
    known = {spec.name: spec for spec in specs}
    for name in given or {}:
        if name not in known:
            raise InputError(
                "params.unknown", field=str(name), owner=owner, param=str(name),
                known=", ".join(known) or "-",
            )
    values: dict[str, Any] = {}
    for spec in specs:
        if given and spec.name in given:
            values[spec.name] = spec.check(given[spec.name], owner)
        elif spec.required:
            raise InputError("params.missing", field=spec.name, owner=owner, param=spec.name)
        else:
            values[spec.name] = spec.default
    return values


def _shown(value: Any) -> Any:
    """A detail safe to keep and to print: numbers and short strings as they are."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."
