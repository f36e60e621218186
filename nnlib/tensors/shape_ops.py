"""Shape operations on one tensor T: reshape, view, squeeze, unsqueeze, transpose, flatten; the
new tensor and whether it shares T's memory, or PyTorch's error explained."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.core.formatting import shape_text
from nnlib.core.settings import Settings, get_settings
from nnlib.tensors.explanations import ErrorExplanation, explain_shape_error
from nnlib.tensors.facts import TORCH_ERRORS, Shape, TensorFacts, args_text, describe
from nnlib.tensors.sizes import parse_int_list


@dataclass(frozen=True)
class ShapeOp:
    """``T.<name>(args)``; its field label and summary are worded from the catalogue
    (``tensors.shape_op_<name>.args`` / ``.summary``) in the reader's language."""

    name: str
    example: str
    min_args: int
    max_args: int
    call: Callable[[torch.Tensor, Shape], torch.Tensor]
    code: Callable[[Shape], str]

    @property
    def args_label(self) -> str:
        return messages.word(f"tensors.shape_op_{self.name}.args")

    @property
    def summary(self) -> str:
        return messages.word(f"tensors.shape_op_{self.name}.summary")


def _dims_code(args: Shape) -> str:
    return ", ".join(map(str, args))


def _squeeze(tensor: torch.Tensor, args: Shape) -> torch.Tensor:
    if not args:
        return tensor.squeeze()
    return tensor.squeeze(args[0]) if len(args) == 1 else tensor.squeeze(args)


def _squeeze_code(args: Shape) -> str:
    if len(args) <= 1:
        return f"T.squeeze({_dims_code(args)})"
    return f"T.squeeze({shape_text(args)})"


SHAPE_OPS: dict[str, ShapeOp] = {
    op.name: op
    for op in (
        ShapeOp("reshape", "-1, 1", 0, 64, lambda t, a: t.reshape(a), lambda a: f"T.reshape({args_text(a)})"),
        ShapeOp("view", "1, -1", 0, 64, lambda t, a: t.view(a), lambda a: f"T.view({args_text(a)})"),
        ShapeOp("squeeze", "", 0, 64, _squeeze, _squeeze_code),
        ShapeOp("unsqueeze", "0", 1, 1, lambda t, a: t.unsqueeze(a[0]), lambda a: f"T.unsqueeze({a[0]})"),
        ShapeOp("transpose", "0, 1", 2, 2, lambda t, a: t.transpose(a[0], a[1]),
                lambda a: f"T.transpose({_dims_code(a)})"),
        ShapeOp("flatten", "", 0, 2, lambda t, a: t.flatten(*a), lambda a: f"T.flatten({_dims_code(a)})"),
    )
}


@dataclass(frozen=True, eq=False)
class ShapeOpResult:
    operation: ShapeOp
    code: str
    before: TensorFacts
    result: torch.Tensor | None
    after: TensorFacts | None
    shares_memory: bool | None
    torch_error: str | None = None
    torch_error_type: str | None = None
    explanation: ErrorExplanation | None = None

    @property
    def ok(self) -> bool:
        return self.result is not None


def apply_shape_op(
    name: str, tensor: torch.Tensor, args_text: str, *, settings: Settings | None = None
) -> ShapeOpResult:
    """``T.<name>(args)``: the new tensor and whether it shares T's memory, or PyTorch's error explained."""
    settings = settings or get_settings()
    op = SHAPE_OPS.get(name)
    if op is None:
        raise InputError("tensors.unknown_shape_operation", name=name, choices=", ".join(SHAPE_OPS))
    args = parse_int_list(args_text, allow_empty=op.min_args == 0, field=name, settings=settings)
    limit = min(op.max_args, settings.max_tensor_dims)
    if not op.min_args <= len(args) <= limit:
        given = {"name": name, "example": op.example, "given": len(args)}
        if op.min_args == limit:
            raise InputError("tensors.shape_op_arguments", field=name, wanted=limit, **given)
        code = "tensors.shape_op_arguments_range" if op.example else "tensors.shape_op_arguments_range_none"
        raise InputError(code, field=name, low=op.min_args, high=limit, **given)
    code = op.code(args)
    before = describe(tensor)
    try:
        result = op.call(tensor, args)
    except TORCH_ERRORS as error:
        return ShapeOpResult(
            op, code, before, None, None, None,
            torch_error=str(error),
            torch_error_type=type(error).__name__,
            explanation=explain_shape_error(name, tuple(tensor.shape), args, contiguous=tensor.is_contiguous()),
        )
    shares = result.untyped_storage().data_ptr() == tensor.untyped_storage().data_ptr()
    return ShapeOpResult(op, code, before, result, describe(result), shares)
