"""An activation applied to a tensor a student typed: outputs, slopes and what to look at."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from nnlib.activations.inputs import Note, as_float, check_dim
from nnlib.activations.record import Params
from nnlib.activations.registry import get_activation
from nnlib.activations.softmax_detail import softmax_steps
from nnlib.core.errors import InputError


@dataclass(frozen=True)
class Applied:
    """An activation applied to a tensor."""

    name: str
    params: dict[str, float]
    dim: int | None  # the dim, made non-negative, for activations that act along one
    input: Tensor  # as a float tensor
    output: Tensor
    slope: Tensor  # f'(x) per element; for Softmax the Jacobian diagonal s(1 - s)
    code: str  # the layer in PyTorch
    notes: tuple[Note, ...]

    def note(self, code: str) -> Note | None:
        return next((note for note in self.notes if note.code == code), None)


def apply_activation(
    name: str, x: Tensor, params: Params | None = None, dim: int | None = None
) -> Applied:
    """Apply ``ACTIVATIONS[name]`` to ``x`` with PyTorch's module, plus slopes and notes.

    ``dim`` is used by activations that act along a dim (default: the last one).
    Notes (codes ``activations.*``): ``converted_to_float``, ``nonfinite_input``,
    ``dim_size_one``, ``naive_overflow`` (the textbook softmax formula would give inf/nan
    here), ``nonfinite_output``.
    """
    record = get_activation(name)
    if x.numel() == 0:
        raise InputError("activations.empty", shape=tuple(x.shape))
    values = record.resolve(params)
    x, converted = as_float(x)
    notes: list[Note] = [converted] if converted else []
    nonfinite = int((~torch.isfinite(x)).sum())
    if nonfinite:
        notes.append(Note("activations.nonfinite_input", {"count": nonfinite}))
    used_dim: int | None = None
    if record.along_dim:
        used_dim = check_dim(x, -1 if dim is None else dim)
        size = x.shape[used_dim] if x.dim() else 1
        if size == 1:
            notes.append(Note("activations.dim_size_one", {"dim": used_dim, "shape": tuple(x.shape)}, "warning"))
    module = record.build(values, dim=used_dim if used_dim is not None else -1)
    with torch.no_grad():
        output = module(x)
    slope = record.slope(x, values, dim=used_dim if used_dim is not None else -1)
    if record.along_dim:
        steps = softmax_steps(x, used_dim)
        overflowed = int((~torch.isfinite(steps.naive) & torch.isfinite(output)).sum())
        if overflowed:
            largest = float(x.nan_to_num(nan=0.0).abs().max())
            notes.append(
                Note("activations.naive_overflow", {"count": overflowed, "largest_input": largest}, "warning")
            )
    bad_output = int((~torch.isfinite(output)).sum())
    if bad_output:
        notes.append(Note("activations.nonfinite_output", {"count": bad_output}, "warning"))
    return Applied(
        name=record.name,
        params=values,
        dim=used_dim,
        input=x,
        output=output,
        slope=slope,
        code=record.torch_code(values, dim=used_dim if used_dim is not None else -1),
        notes=tuple(notes),
    )
