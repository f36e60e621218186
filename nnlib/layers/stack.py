"""A stack of layers as plain data (JSON-able dicts), checked into :class:`LayerSpec` values.

A page keeps the stack as ``[{"kind": "Linear", "in_features": 4, ...}, {"kind": "ReLU"}]``
in its session and its link; :func:`layers_from_data` and :func:`resolve_params` turn that
back into checked layers, or raise :class:`~nnlib.core.errors.InputError` saying which
layer is wrong and why (``layers.*`` and ``params.*`` codes).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.core.params import Param
from nnlib.core.settings import Settings, get_settings
from nnlib.layers.kinds import LAYER_KINDS, LayerKind
from nnlib.layers.spec import LayerSpec

# A value out of a parameter's range that a student can type into its number box: the page
# marks it with a fix, so a link that carries one keeps it rather than dropping the network.
OUT_OF_RANGE_CODES = frozenset({"params.too_small", "params.not_above", "params.too_large", "layers.too_wide"})
BROWSER_SAFE_INTEGER = 2**53 - 1  # the largest whole number a browser's number box holds exactly


def layer_kind(name: Any, position: int | None = None) -> LayerKind:
    """The registry entry for ``name``; InputError naming layer ``position`` (from 0) if unknown."""
    if not isinstance(name, str) or name not in LAYER_KINDS:
        details = {"kind": str(name)[:40], "layer": position, "choices": ", ".join(LAYER_KINDS)}
        if position is None:
            raise InputError("layers.unknown_kind_alone", field="kind", **details)
        raise InputError("layers.unknown_kind", field="kind", position=position + 1, **details)
    return LAYER_KINDS[name]


def owner(kind: LayerKind, position: int | None) -> str:
    """How a message names the layer: ``"Layer 3, Linear"``, or ``"Linear"`` without a place."""
    if position is None:
        return kind.name
    return messages.word("layers.owner", {"position": position + 1, "kind": kind.name})


def _check(spec: Param, value: Any, kind: LayerKind, position: int | None, settings: Settings) -> Any:
    where = owner(kind, position)
    try:
        value = spec.check(value, where)
    except InputError as error:
        error.details["layer"] = position
        raise
    if spec.width and value > settings.max_units:
        raise InputError("layers.too_wide", field=spec.name, owner=where, layer=position, param=spec.name,
                         value=value, limit=settings.max_units)
    return value


def resolve_params(
    spec: LayerSpec, position: int | None = None, settings: Settings | None = None
) -> dict[str, Any]:
    """The full, checked arguments of one layer (defaults filled in); InputError if wrong."""
    settings = settings or get_settings()
    kind = layer_kind(spec.kind, position)
    given = dict(spec.params)
    known = [p.name for p in kind.params]
    unknown = [name for name in given if name not in known]
    if unknown:
        raise InputError("params.unknown", field=str(unknown[0]), owner=owner(kind, position), layer=position,
                         param=str(unknown[0]), known=", ".join(known) or "none")
    resolved: dict[str, Any] = {}
    for param in kind.params:
        if param.name in given:
            resolved[param.name] = _check(param, given[param.name], kind, position, settings)
        elif param.required:
            raise InputError("params.missing", field=param.name, owner=owner(kind, position), layer=position,
                             param=param.name)
        else:
            resolved[param.name] = param.default
    return resolved


def layer_from_data(item: Any, position: int | None = None, settings: Settings | None = None) -> LayerSpec:
    """``{"kind": "Linear", "in_features": 4, "out_features": 16}`` → a checked LayerSpec."""
    if not isinstance(item, Mapping) or "kind" not in item:
        if position is None:
            raise InputError("layers.bad_layer_alone", layer=position)
        raise InputError("layers.bad_layer", layer=position, position=position + 1)
    params = {key: value for key, value in item.items() if key != "kind"}
    spec = LayerSpec(item["kind"], params)
    return LayerSpec(spec.kind, resolve_params(spec, position, settings))


def layers_from_data(data: Any, settings: Settings | None = None) -> list[LayerSpec]:
    """A list of layer dicts (as :func:`layers_to_data` writes them) → checked LayerSpecs."""
    settings = settings or get_settings()
    if not isinstance(data, list | tuple):
        raise InputError("layers.bad_layers")
    check_layer_count(len(data), settings)
    return [layer_from_data(item, position, settings) for position, item in enumerate(data)]


def layers_to_data(layers: Sequence[LayerSpec]) -> list[dict]:
    """LayerSpecs → ``[{"kind": "Linear", "in_features": 4, ...}, {"kind": "ReLU"}]``."""
    return [{"kind": spec.kind, **spec.params} for spec in layers]


def check_layer_count(count: int, settings: Settings) -> None:
    if count == 0:
        raise InputError("layers.empty")
    if count > settings.max_layers:
        raise InputError("layers.too_many_layers", count=count, limit=settings.max_layers)


def parameter_cap(settings: Settings | None = None) -> int:
    """The most parameters a network may have on this server (settings.max_params)."""
    return (settings or get_settings()).max_params


# --------------------------------------------------------------------------- links


def stack_text(layers: Sequence[Mapping]) -> str:
    """The stack as compact JSON, the way a link carries it."""
    return json.dumps(list(layers), separators=(",", ":"))


def _typeable(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and abs(value) <= BROWSER_SAFE_INTEGER


def _link_layer(item: Any, position: int, settings: Settings) -> dict:
    """One layer from a link, checked by layer_from_data. A number out of range that a student
    can type is kept (the page marks it with a fix, as it did before the link was made)."""
    scratch = dict(item) if isinstance(item, dict) else item
    kept: dict[str, Any] = {}
    while True:
        try:
            spec = layer_from_data(scratch, position, settings)
        except InputError as error:
            param = error.details.get("param")
            value = scratch.get(param) if isinstance(scratch, dict) and isinstance(param, str) else None
            if error.code not in OUT_OF_RANGE_CODES or param in kept or not _typeable(value):
                raise
            kept[param] = value
            # Check the layer's other values with this one at its default.
            scratch[param] = LAYER_KINDS[scratch["kind"]].param(param).default
        else:
            return {"kind": spec.kind, **spec.params, **kept}


def stack_from_link(text: str, settings: Settings | None = None) -> list[dict]:
    """The stack a shared link carries (JSON, never evaluated), as layer dicts; InputError if unusable.

    An empty list is a stack too (the student cleared it). Values out of range that a number
    box can hold are kept as they are, for the page to mark.
    """
    settings = settings or get_settings()
    if len(text) > settings.max_text_chars:
        raise InputError("layers.link_too_long", limit=settings.max_text_chars)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise InputError("layers.link_not_json") from None
    if data == []:
        return []
    if not isinstance(data, list) or len(data) > settings.max_layers:
        layers_from_data(data, settings)  # raises: not a list of layers, or too many of them
    return [_link_layer(item, position, settings) for position, item in enumerate(data)]
