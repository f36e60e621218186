"""Why PyTorch refused, computed from the shapes and dtypes: the lesson of a shape error.

PyTorch's own error text is kept verbatim by the callers; an :class:`ErrorExplanation` adds the
reason in plain words (a tree of ``tensors.*`` codes, worded from the catalogue when read) and,
for two tensors, the variants PyTorch does accept.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from nnlib.core import messages
from nnlib.core.formatting import shape_text
from nnlib.tensors.facts import Shape, dtype_name, numel
from nnlib.tensors.operations import (
    BroadcastDim,
    MatmulPlan,
    broadcast_plan,
    get_operation,
    matmul_plan,
    result_shape,
)
from nnlib.tensors.phrases import Phrase, phrase, sentences
from nnlib.tensors.suggestions import Suggestion, suggest


@dataclass(frozen=True)
class ErrorExplanation:
    """Why PyTorch refused: ``code`` names the reason, ``parts`` word it, ``details`` are its data."""

    code: str
    parts: tuple[Phrase, ...]
    details: dict[str, Any] = field(default_factory=dict)
    suggestions: tuple[Suggestion, ...] = ()

    def reason_words(self, language: str | None = None) -> str:
        return sentences(self.parts, language)

    def words(self, language: str | None = None) -> str:
        """The reason, followed by what would work (when anything does)."""
        text = self.reason_words(language)
        if self.suggestions:
            items = "; ".join(f"{s.expression} → {shape_text(s.result_shape)}" for s in self.suggestions)
            text += " " + messages.word("tensors.what_would_work", {"items": items}, language)
        return text

    @property
    def reason(self) -> str:
        return self.reason_words()

    @property
    def message(self) -> str:
        return self.words()


# --------------------------------------------------------------------------- two tensors


def _ordinal(n: int) -> Phrase:
    # The English suffix picks the entry; a language with one form words all four the same.
    suffix = "" if 10 <= n % 100 <= 20 else {1: "_1", 2: "_2", 3: "_3"}.get(n % 10, "")
    return phrase(f"tensors.ordinal{suffix}", n=n)


def _dimension(dim: BroadcastDim) -> Phrase:
    if dim.from_right == 1:
        return phrase("tensors.dimension_last", index=dim.index)
    return phrase("tensors.dimension_from_right", index=dim.index, ordinal=_ordinal(dim.from_right))


def explain_operation_error(label: str, a: torch.Tensor, b: torch.Tensor) -> ErrorExplanation:
    """Why ``A op B`` fails for these tensors, computed from their shapes and dtypes."""
    op = get_operation(label)
    a_shape, b_shape = tuple(a.shape), tuple(b.shape)
    suggestions = suggest(label, a, b)
    head = phrase("tensors.operands_head", a_shape=shape_text(a_shape), b_shape=shape_text(b_shape))
    shapes = {"a_shape": a_shape, "b_shape": b_shape}
    if op.elementwise:
        plan = broadcast_plan(a_shape, b_shape)
        if not plan.ok:
            clashes = tuple(
                phrase("tensors.clash_in", dimension=_dimension(d), a=d.a, b=d.b) for d in reversed(plan.clashes)
            )
            reported = plan.reported_clash
            why = phrase("tensors.broadcast_clash", label=label, clashes=clashes, reported=reported.index)
            return ErrorExplanation(
                "tensors.broadcast_clash", (head, why),
                {**shapes, "clashes": [(d.index, d.a, d.b) for d in plan.clashes]}, suggestions,
            )
    else:
        plan = matmul_plan(a_shape, b_shape)
        if "zero_dim" in plan.problems:
            scalars = [name for name, s in (("A", a_shape), ("B", b_shape)) if not s]
            why = phrase("tensors.zero_dim_both") if len(scalars) == 2 else phrase("tensors.zero_dim", which=scalars[0])
            return ErrorExplanation("tensors.zero_dim", (head, why), shapes, suggestions)
        parts = []
        if "inner_mismatch" in plan.problems:
            parts.append(_inner_mismatch(plan))
        if "batch_clash" in plan.problems and plan.batch is not None:
            clashes = tuple(
                phrase("tensors.batch_clash_in", index=d.index, a=d.a, b=d.b) for d in reversed(plan.batch.clashes)
            )
            parts.append(phrase("tensors.batch_clash", clashes=clashes))
        if parts:
            return ErrorExplanation(
                "tensors.batch_clash" if "inner_mismatch" not in plan.problems else "tensors.inner_mismatch",
                (head, *parts),
                {**shapes, "inner_a": plan.inner_a, "inner_b": plan.inner_b},
                suggestions,
            )
    expected = result_shape(label, a_shape, b_shape)
    has_bool = torch.bool in (a.dtype, b.dtype)
    if op.symbol == "@" and has_bool:
        detail = phrase("tensors.dtype_matmul_bool")
    elif op.symbol == "@" and a.dtype != b.dtype:
        detail = phrase("tensors.dtype_matmul_mixed")
    elif op.symbol == "-" and has_bool:
        detail = phrase("tensors.dtype_subtract_bool")
    else:
        detail = phrase("tensors.dtype_other", label=label, device_type=a.device.type)
    why = phrase(
        "tensors.dtype_refused", a_shape=shape_text(a_shape), b_shape=shape_text(b_shape), symbol=op.symbol,
        result_shape=shape_text(expected or ()), a_dtype=dtype_name(a.dtype), b_dtype=dtype_name(b.dtype),
    )
    return ErrorExplanation(
        "tensors.dtype",
        (head, why, detail),
        {"a_dtype": dtype_name(a.dtype), "b_dtype": dtype_name(b.dtype), "device": str(a.device)},
        suggestions,
    )


def _inner_mismatch(plan: MatmulPlan) -> Phrase:
    kind = plan.kind if plan.kind in ("dot", "matrix_vector", "vector_matrix") else "matrix"
    return phrase(f"tensors.inner_{kind}", a=plan.inner_a, b=plan.inner_b)


# --------------------------------------------------------------------------- one tensor, a new shape


def shapes_for(count: int, limit: int = 4) -> list[Shape]:
    """A few shapes holding exactly ``count`` elements: (n,), then factor pairs."""
    shapes: list[Shape] = [(count,)]
    for rows in range(2, int(math.isqrt(count)) + 1 if count else 0):
        if count % rows == 0:
            shapes.extend([(rows, count // rows), (count // rows, rows)])
    unique = list(dict.fromkeys(shapes))
    return unique[:limit]


def _dim_range(ndim: int, extra: int) -> tuple[int, int]:
    """Valid dims for a tensor with ``ndim`` dims, as PyTorch checks them: ``extra`` = 1 for
    unsqueeze (it may insert after the last), and a 0-d tensor still accepts -1 and 0."""
    span = max(ndim + extra, 1)
    return -span, span - 1


def explain_shape_error(
    name: str, shape: Sequence[int], args: Sequence[int], *, contiguous: bool = True
) -> ErrorExplanation:
    """Why ``T.<name>(args)`` fails for a tensor of this shape, computed from the numbers."""
    shape, args = tuple(shape), tuple(args)
    ndim, count = len(shape), numel(shape)
    head = phrase(
        "tensors.tensor_head", shape=shape_text(shape),
        dimensions=phrase("tensors.dimensions", count=ndim), elements=phrase("tensors.elements", count=count),
    )

    def because(code: str, details: dict[str, Any], **words: Any) -> ErrorExplanation:
        return ErrorExplanation(f"tensors.{code}", (head, phrase(f"tensors.{code}", **words)), details)

    if name in ("reshape", "view"):
        inferred = [size for size in args if size == -1]
        if len(inferred) > 1:
            return because("two_inferred", {"args": args})
        bad = [size for size in args if size < -1]
        if bad:
            return because("reshape_negative", {"args": args}, size=bad[0])
        known = numel(size for size in args if size != -1)
        fits = shapes_for(count)
        fits_text = ", ".join(shape_text(s) for s in fits)
        if inferred and known == 0:
            return because("ambiguous", {"args": args})
        if inferred:
            if count % known:
                return because(
                    "not_divisible", {"numel": count, "known": known, "try": fits},
                    known=known, numel=count, fits=fits_text,
                )
        elif known != count:
            return because(
                "size_mismatch", {"numel": count, "new_numel": known, "try": fits},
                name=name, numel=count, shape=shape_text(args), new_numel=known, fits=fits_text,
            )
        if name == "view" and not contiguous:
            return because("not_contiguous", {"contiguous": False})
    if name in ("squeeze", "unsqueeze", "transpose", "flatten"):
        low, high = _dim_range(ndim, 1 if name == "unsqueeze" else 0)
        outside = [dim for dim in args if not low <= dim <= high]
        if outside:
            return because(
                "dim_out_of_range", {"low": low, "high": high, "dim": outside[0]},
                name=name, low=low, high=high, dim=outside[0],
            )
        if name == "flatten" and len(args) == 2:
            start, end = (dim % max(ndim, 1) for dim in args)
            if start > end:
                return because("start_after_end", {"start": args[0], "end": args[1]}, start=args[0], end=args[1])
        if name == "squeeze" and len(set(dim % max(ndim, 1) for dim in args)) != len(args):
            return because("repeated_dim", {"args": args})
    return because("shape_other", {}, name=name, args=shape_text(args))
