"""Two tensors combined: the operations the page offers (``+ - * / @``) and the shape rules
behind them, broadcasting for the elementwise ones and ``torch.matmul``'s rules for ``@``."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.tensors.facts import Shape


@dataclass(frozen=True)
class Operation:
    """``A op B`` as the page offers it; its name and summary are worded from the catalogue
    (``tensors.operation_<key>.name`` / ``.summary``) in the reader's language."""

    label: str
    symbol: str
    key: str
    elementwise: bool
    latex: str
    apply: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

    @property
    def name(self) -> str:
        return messages.word(f"tensors.operation_{self.key}.name")

    @property
    def summary(self) -> str:
        return messages.word(f"tensors.operation_{self.key}.summary")


OPERATIONS: dict[str, Operation] = {
    op.label: op
    for op in (
        Operation("A + B", "+", "sum", True, r"C_{ij} = A_{ij} + B_{ij}", operator.add),
        Operation("A - B", "-", "difference", True, r"C_{ij} = A_{ij} - B_{ij}", operator.sub),
        Operation("A * B", "*", "product", True, r"C_{ij} = A_{ij} \cdot B_{ij}", operator.mul),
        Operation("A / B", "/", "quotient", True, r"C_{ij} = A_{ij} / B_{ij}", operator.truediv),
        Operation("A @ B", "@", "matmul", False, r"C_{ij} = \sum_k A_{ik} \, B_{kj}", operator.matmul),
    )
}

# How a pair of aligned sizes combines, one code per rule.
BROADCAST_RULES = ("equal", "a_is_one", "b_is_one", "a_missing", "b_missing", "clash")


@dataclass(frozen=True)
class BroadcastDim:
    """One aligned dimension: ``index`` counts from the left of the result (PyTorch's
    "dimension"), ``from_right`` from its end (1 = last)."""

    index: int
    from_right: int
    a: int | None
    b: int | None
    rule: str
    result: int | None

    @property
    def rule_words(self) -> str:
        """How the two sizes combine, in words (``tensors.rule_<rule>``)."""
        return messages.word(f"tensors.rule_{self.rule}")


@dataclass(frozen=True)
class BroadcastPlan:
    a_shape: Shape
    b_shape: Shape
    dims: tuple[BroadcastDim, ...]

    @property
    def ok(self) -> bool:
        return not self.clashes

    @property
    def clashes(self) -> tuple[BroadcastDim, ...]:
        return tuple(dim for dim in self.dims if dim.rule == "clash")

    @property
    def reported_clash(self) -> BroadcastDim | None:
        """The clash PyTorch names in its error: the rightmost one."""
        return self.clashes[-1] if self.clashes else None

    @property
    def result_shape(self) -> Shape | None:
        return tuple(dim.result for dim in self.dims) if self.ok else None  # type: ignore[misc]


def broadcast_plan(a_shape: Sequence[int], b_shape: Sequence[int]) -> BroadcastPlan:
    """Align two shapes from the right and say, for each dimension, how the sizes combine."""
    a_shape, b_shape = tuple(a_shape), tuple(b_shape)
    ndim = max(len(a_shape), len(b_shape))
    dims = []
    for index in range(ndim):
        from_right = ndim - index
        a = a_shape[-from_right] if from_right <= len(a_shape) else None
        b = b_shape[-from_right] if from_right <= len(b_shape) else None
        if a is None:
            rule, result = "a_missing", b
        elif b is None:
            rule, result = "b_missing", a
        elif a == b:
            rule, result = "equal", a
        elif a == 1:
            rule, result = "a_is_one", b
        elif b == 1:
            rule, result = "b_is_one", a
        else:
            rule, result = "clash", None
        dims.append(BroadcastDim(index, from_right, a, b, rule, result))
    return BroadcastPlan(a_shape, b_shape, tuple(dims))


MATMUL_KINDS = ("dot", "matrix_vector", "vector_matrix", "matrix", "batched")


@dataclass(frozen=True)
class MatmulPlan:
    """How ``A @ B`` pairs the shapes (the rules of ``torch.matmul``).

    ``inner_a`` is A's last size, ``inner_b`` the size of B it meets (B's only size if B is a
    vector, else its second-to-last); they must be equal. Dimensions before the last two are
    batch dimensions and broadcast.
    """

    a_shape: Shape
    b_shape: Shape
    kind: str | None
    inner_a: int | None
    inner_b: int | None
    batch: BroadcastPlan | None
    result_shape: Shape | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def kind_words(self) -> str:
        """What kind of product this is, in words (``tensors.matmul_<kind>``); empty without a kind."""
        return messages.word(f"tensors.matmul_{self.kind}") if self.kind else ""


def matmul_plan(a_shape: Sequence[int], b_shape: Sequence[int]) -> MatmulPlan:
    a, b = tuple(a_shape), tuple(b_shape)
    if not a or not b:
        return MatmulPlan(a, b, None, None, None, None, None, ("zero_dim",))
    inner_a, inner_b = a[-1], (b[0] if len(b) == 1 else b[-2])
    problems = [] if inner_a == inner_b else ["inner_mismatch"]
    batch = None
    if len(a) == 1 and len(b) == 1:
        kind, result = "dot", ()
    elif len(a) == 2 and len(b) == 2:
        kind, result = "matrix", (a[0], b[1])
    elif len(a) == 2 and len(b) == 1:
        kind, result = "matrix_vector", (a[0],)
    elif len(a) == 1 and len(b) == 2:
        kind, result = "vector_matrix", (b[1],)
    else:
        kind = "batched"
        batch = broadcast_plan(a[:-2], b[:-2])
        if not batch.ok:
            problems.append("batch_clash")
        rows = (a[-2],) if len(a) >= 2 else ()
        cols = (b[-1],) if len(b) >= 2 else ()
        result = (*(batch.result_shape or ()), *rows, *cols)
    return MatmulPlan(a, b, kind, inner_a, inner_b, batch, None if problems else result, tuple(problems))


def result_shape(label: str, a_shape: Sequence[int], b_shape: Sequence[int]) -> Shape | None:
    """The shape ``label`` ("A * B", "A @ B", ...) gives for these shapes, or None if they do not fit."""
    op = get_operation(label)
    return broadcast_plan(a_shape, b_shape).result_shape if op.elementwise else matmul_plan(a_shape, b_shape).result_shape


def get_operation(label: str) -> Operation:
    op = OPERATIONS.get(label)
    if op is None:
        raise InputError("tensors.unknown_operation", operation=label, choices=", ".join(OPERATIONS))
    return op
