"""Recognising a worked example by its values, however a student typed it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from nnlib.core.errors import InputError
from nnlib.core.parsing import parse_tensor
from nnlib.losses.evaluate import REDUCTIONS, prepare_inputs, resolve_params
from nnlib.losses.record import Preset
from nnlib.losses.registry import LOSSES, PRESETS


def _same_values(a: Tensor, b: Tensor) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and bool(torch.equal(a, b))


def find_preset(
    loss: str,
    reduction: str,
    prediction: Tensor,
    target: Tensor,
    params: Mapping[str, Any] | None = None,
) -> tuple[str, Preset] | None:
    """The example these inputs are, recognised by their values (not by how they were typed).

    ``[[0.6],[0.2],[0.5]]`` typed without spaces, or as three lines, is still the course's MSE
    example; its answer holds only when the loss, the reduction and the parameters are the
    example's too. Both sides are compared as the loss receives them (after
    :func:`~nnlib.losses.evaluate.prepare_inputs`), so a float target stays distinct from class
    numbers where the loss tells them apart. Returns ``(name, preset)`` or None.
    """
    info = LOSSES.get(loss)
    if info is None or reduction not in REDUCTIONS:
        return None
    try:
        given = resolve_params(info, params)
        typed = prepare_inputs(info, prediction.detach(), target.detach())[:2]
    except InputError:
        return None
    for name, preset in PRESETS.items():
        if (preset.loss, preset.reduction) != (loss, reduction):
            continue
        if given != resolve_params(info, preset.params):
            continue
        example = prepare_inputs(info, parse_tensor(preset.prediction), parse_tensor(preset.target))[:2]
        if all(_same_values(a, b) for a, b in zip(typed, example, strict=True)):
            return name, preset
    return None
