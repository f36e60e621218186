"""Variants of ``A op B`` that PyTorch accepts when ``A op B`` fails: the other product, a
transpose, swapped operands, a new size-1 dimension, a dtype conversion; each one tried on the
real tensors before it is offered."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from nnlib.core import messages
from nnlib.core.settings import Settings, get_settings
from nnlib.tensors.facts import TORCH_ERRORS, Shape, numel
from nnlib.tensors.operations import OPERATIONS, result_shape


@dataclass(frozen=True)
class Transform:
    """A change to one operand: ``.T``, ``.mT``, ``.unsqueeze(d)``, ``.float()``, ``.to(X.dtype)``."""

    kind: str  # "transpose", "unsqueeze", "float", "to_dtype_of_other"
    dim: int | None = None

    def code(self, other: str) -> str:
        return {
            "transpose": ".T",
            "batch_transpose": ".mT",
            "unsqueeze": f".unsqueeze({self.dim})",
            "float": ".float()",
            "to_dtype_of_other": f".to({other}.dtype)",
        }[self.kind]

    def shape(self, shape: Shape) -> Shape:
        if self.kind == "transpose":
            return shape[::-1]
        if self.kind == "batch_transpose":
            return (*shape[:-2], shape[-1], shape[-2])
        if self.kind == "unsqueeze":
            return (*shape[: self.dim], 1, *shape[self.dim :])
        return shape

    def apply(self, tensor: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
        if self.kind == "transpose":
            return tensor.T
        if self.kind == "batch_transpose":
            return tensor.mT
        if self.kind == "unsqueeze":
            return tensor.unsqueeze(self.dim)
        if self.kind == "float":
            return tensor.float()
        return tensor.to(other.dtype)


@dataclass(frozen=True)
class Suggestion:
    """A variant PyTorch accepts: ``expression`` (e.g. ``A.unsqueeze(2) * B``) and its result shape."""

    expression: str
    operation: str
    kind: str  # "matmul_instead", "elementwise_instead", "transpose", "swap", "unsqueeze", "dtype"
    result_shape: Shape
    a_transform: Transform | None = None
    b_transform: Transform | None = None
    swapped: bool = False

    @property
    def words(self) -> str:
        """What the variant does, in words (``tensors.suggestion_<kind>``)."""
        return messages.word(f"tensors.suggestion_{self.kind}")

    def apply(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Run the suggestion on real tensors."""
        left = self.a_transform.apply(a, b) if self.a_transform else a
        right = self.b_transform.apply(b, a) if self.b_transform else b
        if self.swapped:
            left, right = right, left
        return OPERATIONS[self.operation].apply(left, right)


def _operand_code(name: str, other: str, transform: Transform | None) -> str:
    return name + (transform.code(other) if transform else "")


def _candidate(
    label: str, kind: str, a_t: Transform | None = None, b_t: Transform | None = None, swapped: bool = False
) -> tuple[str, str, Transform | None, Transform | None, bool]:
    left, right = _operand_code("A", "B", a_t), _operand_code("B", "A", b_t)
    if swapped:
        left, right = right, left
    return f"{left} {OPERATIONS[label].symbol} {right}", kind, a_t, b_t, swapped


def _transposes(shape: Shape) -> list[Transform]:
    if len(shape) == 2:
        return [Transform("transpose")]
    if len(shape) > 2:
        return [Transform("batch_transpose")]
    return []


def _unsqueezes(shape: Shape) -> list[Transform]:
    return [Transform("unsqueeze", dim) for dim in range(len(shape) + 1)]


def _candidates(label: str, a_shape: Shape, b_shape: Shape) -> list[tuple]:
    """Variants of ``A op B`` to try, cheapest first."""
    op = OPERATIONS[label]
    out = []
    if op.symbol == "*":
        out.append(_candidate("A @ B", "matmul_instead"))
    if op.symbol == "@":
        out.append(_candidate("A * B", "elementwise_instead"))
    for t in _transposes(a_shape):
        out.append(_candidate(label, "transpose", a_t=t))
    for t in _transposes(b_shape):
        out.append(_candidate(label, "transpose", b_t=t))
    if op.symbol == "@":
        out.append(_candidate(label, "swap", swapped=True))
    for ta in _transposes(a_shape):
        for tb in _transposes(b_shape):
            out.append(_candidate(label, "transpose", a_t=ta, b_t=tb))
    for t in _unsqueezes(a_shape):
        out.append(_candidate(label, "unsqueeze", a_t=t))
    for t in _unsqueezes(b_shape):
        out.append(_candidate(label, "unsqueeze", b_t=t))
    for ta in _unsqueezes(a_shape):
        for tb in _unsqueezes(b_shape):
            out.append(_candidate(label, "unsqueeze", a_t=ta, b_t=tb))
    return out


def _dtype_candidates(label: str, a: torch.Tensor, b: torch.Tensor) -> list[tuple]:
    out = []
    if a.dtype != b.dtype:
        out.append(_candidate(label, "dtype", a_t=Transform("to_dtype_of_other")))
        out.append(_candidate(label, "dtype", b_t=Transform("to_dtype_of_other")))
    out.append(_candidate(label, "dtype", a_t=Transform("float"), b_t=Transform("float")))
    return out


def suggest(
    label: str, a: torch.Tensor, b: torch.Tensor, *, limit: int = 4, settings: Settings | None = None
) -> tuple[Suggestion, ...]:
    """Variants of ``A op B`` that PyTorch accepts for these tensors, cheapest first.

    Shapes are checked by the rules above, then each survivor is run on the real tensors, so
    every suggestion is known to work here (same dtypes, same device).
    """
    settings = settings or get_settings()
    a_shape, b_shape = tuple(a.shape), tuple(b.shape)
    shapes_fit = result_shape(label, a_shape, b_shape) is not None
    candidates = _dtype_candidates(label, a, b) if shapes_fit else _candidates(label, a_shape, b_shape)
    elementwise = OPERATIONS[label].elementwise
    found: list[Suggestion] = []
    seen_kinds: dict[str, int] = {}
    for expression, kind, a_t, b_t, swapped in candidates:
        if seen_kinds.get(kind, 0) >= 2:
            continue
        if kind == "unsqueeze":
            # Broadcasting is the lesson of an elementwise clash; for @ a new axis is a last resort.
            if not elementwise and found:
                continue
            if a_t and b_t and seen_kinds.get("unsqueeze"):
                continue
        new_a = a_t.shape(a_shape) if a_t else a_shape
        new_b = b_t.shape(b_shape) if b_t else b_shape
        if swapped:
            new_a, new_b = new_b, new_a
        operation = "A @ B" if kind == "matmul_instead" else "A * B" if kind == "elementwise_instead" else label
        shape = result_shape(operation, new_a, new_b)
        if shape is None or numel(shape) > settings.max_tensor_elements:
            continue
        suggestion = Suggestion(expression, operation, kind, shape, a_t, b_t, swapped)
        try:
            suggestion.apply(a, b)
        except TORCH_ERRORS:
            continue
        found.append(suggestion)
        seen_kinds[kind] = seen_kinds.get(kind, 0) + 1
        if len(found) >= limit:
            break
    return tuple(found)
