"""``A op B`` with PyTorch: the result and its facts, or PyTorch's own error with an explanation,
and for ``@`` the first entry of the product worked out."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from nnlib.core.errors import InputError
from nnlib.core.formatting import shape_text
from nnlib.core.parsing import Number
from nnlib.core.settings import Settings, get_settings
from nnlib.tensors.explanations import ErrorExplanation, explain_operation_error
from nnlib.tensors.facts import TORCH_ERRORS, TensorFacts, describe, numel
from nnlib.tensors.operations import (
    BroadcastPlan,
    MatmulPlan,
    Operation,
    broadcast_plan,
    get_operation,
    matmul_plan,
)


@dataclass(frozen=True)
class MatmulEntry:
    """The first entry of ``A @ B`` worked out: the products summed and the value."""

    terms: tuple[tuple[Number, Number], ...]
    value: Number


@dataclass(frozen=True, eq=False)
class OperationResult:
    operation: Operation
    a: TensorFacts
    b: TensorFacts
    broadcast: BroadcastPlan | None
    matmul: MatmulPlan | None
    result: torch.Tensor | None
    facts: TensorFacts | None
    torch_error: str | None = None
    torch_error_type: str | None = None
    explanation: ErrorExplanation | None = None
    first_entry: MatmulEntry | None = None

    @property
    def ok(self) -> bool:
        return self.result is not None

    @property
    def code(self) -> str:
        return f"C = {self.operation.label}"


def _first_entry(a: torch.Tensor, b: torch.Tensor, result: torch.Tensor) -> MatmulEntry | None:
    """Row 0 of A (first batch) against column 0 of B: the terms of ``C[0, ..., 0]``."""
    if result.numel() == 0:
        return None
    row = a[(0,) * (a.ndim - 1)]
    column = b if b.ndim == 1 else b[(0,) * (b.ndim - 2)][:, 0]
    pairs = zip(row.detach().cpu().tolist(), column.detach().cpu().tolist(), strict=True)
    return MatmulEntry(tuple(pairs), result.detach().cpu().flatten()[0].item())


def apply_operation(
    label: str, a: torch.Tensor, b: torch.Tensor, *, settings: Settings | None = None
) -> OperationResult:
    """``A op B`` with PyTorch, or PyTorch's own error plus an explanation of it."""
    settings = settings or get_settings()
    op = get_operation(label)
    a_shape, b_shape = tuple(a.shape), tuple(b.shape)
    broadcast = broadcast_plan(a_shape, b_shape) if op.elementwise else None
    matmul = None if op.elementwise else matmul_plan(a_shape, b_shape)
    expected = (broadcast or matmul).result_shape  # type: ignore[union-attr]
    if expected is not None and numel(expected) > settings.max_tensor_elements:
        raise InputError(
            "tensors.result_too_large", operation=label, shape=expected, shown_shape=shape_text(expected),
            elements=numel(expected), limit=settings.max_tensor_elements,
        )
    facts_a, facts_b = describe(a), describe(b)
    try:
        with torch.no_grad():
            result = op.apply(a, b)
    except TORCH_ERRORS as error:
        return OperationResult(
            op, facts_a, facts_b, broadcast, matmul, None, None,
            torch_error=str(error),
            torch_error_type=type(error).__name__,
            explanation=explain_operation_error(label, a, b),
        )
    first = _first_entry(a, b, result) if matmul is not None else None
    return OperationResult(op, facts_a, facts_b, broadcast, matmul, result, describe(result), first_entry=first)
