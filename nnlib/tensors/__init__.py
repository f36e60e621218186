"""Tensors for the sandbox page: make them, describe them, combine and reshape them, bridge
them to NumPy and follow autograd through the course's chain (course texts 002 B.3, B.5.1
and 004 «Линейные слои»).

Everything a student types is read by :mod:`nnlib.core.parsing` (never ``eval``) and every
failure a student can cause is an :class:`InputError`. Where the lesson is PyTorch's own
error (a shape mismatch, a bad reshape) the error text is kept verbatim and explained from
the shapes, as data plus a message, together with variants PyTorch does accept.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from nnlib.core.device import resolve_device
from nnlib.core.errors import InputError
from nnlib.core.parsing import DTYPES, Nested, Number, infer_dtype, parse_nested, to_tensor
from nnlib.core.settings import Settings, get_settings

Shape = tuple[int, ...]

AUTO = "auto"
DTYPE_CHOICES: tuple[str, ...] = (AUTO, *DTYPES)

# Errors PyTorch raises for arguments it refuses (NotImplementedError is a RuntimeError).
TORCH_ERRORS = (RuntimeError, IndexError, TypeError, ValueError, OverflowError)


# --------------------------------------------------------------------------- small helpers


def dtype_name(dtype: torch.dtype) -> str:
    """``torch.float32`` → ``"float32"``."""
    return str(dtype).removeprefix("torch.")


def shape_text(shape: Sequence[int]) -> str:
    """A shape as Python writes a tuple: ``(4, 2)``, ``(3,)``, ``()``."""
    shape = tuple(shape)
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(size) for size in shape) + ")"


def _args_text(shape: Shape) -> str:
    """A shape as call arguments: ``3, 2`` for ``torch.zeros(3, 2)``; ``()`` for a scalar."""
    return ", ".join(str(size) for size in shape) if shape else "()"


def _numel(shape: Sequence[int]) -> int:
    return math.prod(shape)


def python_literal(value: Nested) -> str:
    """Nested numbers as Python source that rebuilds exactly the same values."""
    if isinstance(value, list):
        return "[" + ", ".join(python_literal(item) for item in value) + "]"
    if isinstance(value, bool | int):
        return repr(value)
    if math.isnan(value):
        return "float('nan')"
    if math.isinf(value):
        return "float('inf')" if value > 0 else "float('-inf')"
    return repr(value)


def _resolve_dtype(choice: str | torch.dtype | None) -> torch.dtype | None:
    if choice is None or choice == AUTO:
        return None
    if isinstance(choice, torch.dtype):
        return choice
    if choice not in DTYPES:
        raise InputError(
            f"Unknown dtype {choice!r}: choose one of {', '.join(DTYPE_CHOICES)}.",
            code="unknown_dtype",
            details={"dtype": choice},
        )
    return DTYPES[choice]


def _check_grad(dtype: torch.dtype, requires_grad: bool) -> None:
    if requires_grad and not dtype.is_floating_point:
        raise InputError(
            f"Only floating-point tensors can require gradients, and this one is {dtype_name(dtype)}: "
            "choose float32 or float64, or untick requires_grad.",
            code="grad_needs_float",
            details={"dtype": dtype_name(dtype)},
        )


def _to_device(tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
    try:
        return tensor.to(device)
    except TORCH_ERRORS as error:
        raise InputError(
            f"PyTorch cannot put a {dtype_name(tensor.dtype)} tensor on {device.type}: {error}",
            code="device_refused",
            details={"device": str(device), "dtype": dtype_name(tensor.dtype), "torch_error": str(error)},
        ) from None


def _keywords(dtype: torch.dtype, device: torch.device, requires_grad: bool) -> str:
    """The keyword arguments of a constructor call, as source text."""
    text = f"dtype=torch.{dtype_name(dtype)}"
    if device.type != "cpu":
        text += f', device="{device}"'
    if requires_grad:
        text += ", requires_grad=True"
    return text


# --------------------------------------------------------------------------- facts and made tensors


@dataclass(frozen=True)
class TensorFacts:
    """What the page shows about a tensor, as plain values."""

    printed: str
    shape: Shape
    ndim: int
    dtype: str
    device: str
    numel: int
    element_size: int
    nbytes: int
    requires_grad: bool
    is_contiguous: bool
    stride: Shape
    grad_fn: str | None


def describe(tensor: torch.Tensor) -> TensorFacts:
    """The printed form (as PyTorch prints it), shape, dtype, device, size in memory."""
    return TensorFacts(
        printed=str(tensor),
        shape=tuple(tensor.shape),
        ndim=tensor.ndim,
        dtype=dtype_name(tensor.dtype),
        device=str(tensor.device),
        numel=tensor.numel(),
        element_size=tensor.element_size(),
        nbytes=tensor.numel() * tensor.element_size(),
        requires_grad=tensor.requires_grad,
        is_contiguous=tensor.is_contiguous(),
        stride=tuple(tensor.stride()),
        grad_fn=type(tensor.grad_fn).__name__ if tensor.grad_fn is not None else None,
    )


@dataclass(frozen=True, eq=False)
class MadeTensor:
    """A tensor and the code that makes it: ``setup`` (may be empty) then ``expression``."""

    tensor: torch.Tensor
    expression: str
    setup: str = ""

    @property
    def code(self) -> str:
        """One line of Python that makes the same tensor."""
        return f"{self.setup}; {self.expression}" if self.setup else self.expression

    @property
    def facts(self) -> TensorFacts:
        return describe(self.tensor)


def tensor_from_text(
    text: str,
    *,
    dtype: str | torch.dtype | None = AUTO,
    device: str | torch.device = "cpu",
    requires_grad: bool = False,
    field: str | None = None,
    settings: Settings | None = None,
) -> MadeTensor:
    """A typed tensor (nested lists as in Python or NumPy) → the tensor and its code line."""
    try:
        nested = parse_nested(text, settings=settings)
        tensor = to_tensor(nested, _resolve_dtype(dtype))
        _check_grad(tensor.dtype, requires_grad)
        target = resolve_device(device)
        tensor = _to_device(tensor, target)
    except InputError as error:
        raise (error.for_field(field) if field else error) from None
    if requires_grad:
        tensor.requires_grad_(True)
    keywords = _keywords(tensor.dtype, target, requires_grad)
    return MadeTensor(tensor, f"torch.tensor({python_literal(nested)}, {keywords})")


# --------------------------------------------------------------------------- whole numbers: shapes, dims, seed

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
            raise InputError("Type whole numbers as text, e.g. 3, 2.", code="not_text")
        if len(text) > settings.max_text_chars:
            raise InputError(
                f"The input is {len(text):,} characters long; the limit is {settings.max_text_chars:,}.",
                code="too_long",
                details={"length": len(text), "limit": settings.max_text_chars},
            )
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
                raise InputError(
                    "The input is empty: type whole numbers such as 3, 2 (or () for a single number).",
                    code="empty",
                )
        value = parse_nested(_TIMES.sub(", ", body), settings=settings)
        items = value if isinstance(value, list) else [value]
        if any(isinstance(item, list) for item in items):
            raise InputError(
                "Type one flat list of whole numbers, e.g. 3, 2 — not nested lists.",
                code="not_flat",
            )
        for item in items:
            if isinstance(item, bool) or not isinstance(item, int):
                raise InputError(
                    f"{item!r} is not a whole number: sizes and dimensions are whole numbers such as 3 or -1.",
                    code="not_whole",
                    details={"value": repr(item)},
                )
        return tuple(items)  # type: ignore[arg-type]
    except InputError as error:
        raise (error.for_field(field) if field else error) from None


def parse_shape(text: str, *, field: str | None = None, settings: Settings | None = None) -> Shape:
    """A shape for a new tensor: sizes ≥ 0, within the dimension and element caps."""
    settings = settings or get_settings()
    shape = parse_int_list(text, field=field, settings=settings)
    _check_new_shape(shape, settings, field)
    return shape


def _check_new_shape(shape: Shape, settings: Settings, field: str | None) -> None:
    if len(shape) > settings.max_tensor_dims:
        raise InputError(
            f"{len(shape)} sizes is too many: at most {settings.max_tensor_dims} dimensions.",
            code="too_many_dims",
            field=field,
            details={"limit": settings.max_tensor_dims},
        )
    negative = [size for size in shape if size < 0]
    if negative:
        raise InputError(
            f"Sizes cannot be negative (got {negative[0]}): a dimension holds 0 or more elements.",
            code="negative_size",
            field=field,
            details={"size": negative[0]},
        )
    count = _numel(shape)
    if count > settings.max_tensor_elements:
        raise InputError(
            f"Shape {shape_text(shape)} holds {count:,} elements; the limit is {settings.max_tensor_elements:,}.",
            code="too_many_elements",
            field=field,
            details={"count": count, "limit": settings.max_tensor_elements},
        )


def parse_seed(text: str | None, *, settings: Settings | None = None) -> int | None:
    """The seed for ``torch.manual_seed``: one whole number ≥ 0, or None when left blank."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    values = parse_int_list(text, field="seed", settings=settings)
    if len(values) != 1 or values[0] < 0:
        raise InputError(
            "The seed is one whole number, 0 or more (the course uses 24); leave it blank for "
            "new random numbers on every run.",
            code="bad_seed",
            field="seed",
        )
    return values[0]


# --------------------------------------------------------------------------- factories


@dataclass(frozen=True)
class FactoryArgs:
    """Parsed factory arguments: what goes to torch, the same as source, how many elements."""

    call: tuple[Any, ...]
    code: str
    numel: int
    inferred_dtype: torch.dtype | None = None  # what torch picks when no dtype is given


@dataclass(frozen=True)
class ArgsKind:
    key: str
    label: str
    example: str
    help: str
    parse: Callable[[str, Settings], FactoryArgs]


def _shape_args(text: str, settings: Settings) -> FactoryArgs:
    shape = parse_shape(text, field="shape", settings=settings)
    return FactoryArgs(call=(shape,), code=_args_text(shape), numel=_numel(shape))


def _eye_args(text: str, settings: Settings) -> FactoryArgs:
    sizes = parse_int_list(text, field="eye size", settings=settings)
    if len(sizes) not in (1, 2):
        raise InputError(
            "eye takes n (an n×n matrix) or n, m (n rows, m columns), e.g. 3.",
            code="bad_arguments",
            field="eye size",
        )
    _check_new_shape(sizes if len(sizes) == 2 else (sizes[0], sizes[0]), settings, "eye size")
    numel = sizes[0] * (sizes[1] if len(sizes) == 2 else sizes[0])
    return FactoryArgs(call=sizes, code=", ".join(map(str, sizes)), numel=numel)


def _arange_args(text: str, settings: Settings) -> FactoryArgs:
    try:
        value = parse_nested(text, settings=settings)
    except InputError as error:
        raise error.for_field("arange") from None
    numbers = value if isinstance(value, list) else [value]
    if not 1 <= len(numbers) <= 3 or any(isinstance(n, list | bool) for n in numbers):
        raise InputError(
            "arange takes end, or start, end, or start, end, step (numbers), e.g. 0, 10, 2.",
            code="bad_arguments",
            field="arange",
        )
    if any(not math.isfinite(n) for n in numbers):
        raise InputError("arange needs finite numbers (no nan or inf).", code="not_finite", field="arange")
    if len(numbers) == 1:
        start, end, step = 0, numbers[0], 1
    elif len(numbers) == 2:
        start, end, step = numbers[0], numbers[1], 1
    else:
        start, end, step = numbers
    if step == 0:
        raise InputError("The step of arange cannot be 0.", code="zero_step", field="arange")
    span = (end - start) / step
    if not math.isfinite(span) or span > settings.max_tensor_elements:
        raise InputError(
            f"arange({', '.join(map(python_literal, numbers))}) would make more than "
            f"{settings.max_tensor_elements:,} elements.",
            code="too_many_elements",
            field="arange",
            details={"limit": settings.max_tensor_elements},
        )
    if span < 0:
        raise InputError(
            f"The step {python_literal(step)} goes away from the end: from {python_literal(start)} a "
            f"{'positive' if step > 0 else 'negative'} step never reaches {python_literal(end)}.",
            code="step_sign",
            field="arange",
        )
    inferred = torch.int64 if all(isinstance(n, int) for n in numbers) else torch.get_default_dtype()
    return FactoryArgs(
        call=tuple(numbers),
        code=", ".join(python_literal(n) for n in numbers),
        numel=math.ceil(span),
        inferred_dtype=inferred,
    )


ARGS_KINDS: dict[str, ArgsKind] = {
    kind.key: kind
    for kind in (
        ArgsKind("shape", "Shape (sizes, e.g. 2, 3)", "3, 2", "Sizes separated by commas, e.g. 3, 2 or (2, 3, 4); () is a single number.", _shape_args),
        ArgsKind("eye", "Size n (or n, m)", "3", "n for an n×n identity matrix, or n, m for n rows and m columns.", _eye_args),
        ArgsKind("arange", "end, or start, end[, step]", "0, 10, 2", "Like Python's range, but numbers may be floats: 0, 1, 0.25.", _arange_args),
    )
}


@dataclass(frozen=True)
class Factory:
    """A tensor constructor of PyTorch, as the page offers it."""

    name: str
    args: str  # key into ARGS_KINDS
    summary: str
    random: bool = False
    float_only: bool = False
    needs_fill: bool = False


FACTORIES: dict[str, Factory] = {
    factory.name: factory
    for factory in (
        Factory("zeros", "shape", "every element is 0"),
        Factory("ones", "shape", "every element is 1"),
        Factory("rand", "shape", "uniform random numbers in [0, 1)", random=True, float_only=True),
        Factory("randn", "shape", "normal random numbers: mean 0, standard deviation 1", random=True, float_only=True),
        Factory("empty", "shape", "memory as it was found: not initialised, so the values are leftovers"),
        Factory("arange", "arange", "evenly spaced values from start up to, not including, end"),
        Factory("eye", "eye", "the identity matrix: 1 on the diagonal, 0 elsewhere"),
        Factory("full", "shape", "every element is the fill value", needs_fill=True),
    )
}


def _parse_fill(text: str, settings: Settings) -> Number:
    try:
        value = parse_nested(text, settings=settings)
    except InputError as error:
        raise error.for_field("fill value") from None
    if isinstance(value, list):
        raise InputError("The fill value is one number, e.g. 7.", code="not_a_number", field="fill value")
    return value


def make_factory_tensor(
    name: str,
    args_text: str,
    *,
    fill_text: str = "",
    dtype: str | torch.dtype | None = AUTO,
    device: str | torch.device = "cpu",
    requires_grad: bool = False,
    seed_text: str | None = "",
    settings: Settings | None = None,
) -> MadeTensor:
    """``torch.<name>(...)`` from typed arguments, with the code line that makes it.

    Random factories use their own generator seeded like ``torch.manual_seed(seed)``, so
    the numbers match the course without touching the process-wide generator that other
    sessions share.
    """
    settings = settings or get_settings()
    factory = FACTORIES.get(name)
    if factory is None:
        raise InputError(
            f"Unknown factory {name!r}: choose one of {', '.join(FACTORIES)}.",
            code="unknown_factory",
            details={"name": name},
        )
    args = ARGS_KINDS[factory.args].parse(args_text, settings)
    fill = _parse_fill(fill_text, settings) if factory.needs_fill else None
    chosen = _resolve_dtype(dtype)
    if chosen is not None:
        target = chosen
    elif fill is not None:
        target = infer_dtype(fill)
    else:
        target = args.inferred_dtype or torch.get_default_dtype()
    if factory.float_only and not target.is_floating_point:
        raise InputError(
            f"{name} draws random floats, so it needs float32 or float64 (PyTorch has no {name} for "
            f"{dtype_name(target)}).",
            code="needs_float",
            field="dtype",
            details={"factory": name, "dtype": dtype_name(target)},
        )
    if name == "arange" and not target.is_floating_point and any(isinstance(n, float) for n in args.call):
        raise InputError(
            f"arange with dtype {dtype_name(target)} needs whole-number start, end and step.",
            code="not_whole",
            field="arange",
        )
    if fill is not None:
        to_tensor(fill, target)  # the same range checks as a typed tensor (nan in an int, overflow)
    _check_grad(target, requires_grad)
    target_device = resolve_device(device)
    seed = parse_seed(seed_text, settings=settings) if factory.random else None

    keywords: dict[str, Any] = {"dtype": target, "device": target_device, "requires_grad": requires_grad}
    if seed is not None:
        keywords["generator"] = torch.Generator(device=target_device).manual_seed(seed)
    call = (*args.call, fill) if fill is not None else args.call
    try:
        tensor = getattr(torch, name)(*call, **keywords)
    except TORCH_ERRORS as error:
        raise InputError(
            f"PyTorch refused torch.{name}: {error}",
            code="torch_refused",
            details={"factory": name, "torch_error": str(error)},
        ) from None

    if factory.needs_fill:
        code_args = f"{shape_text(args.call[0])}, {python_literal(fill)}"
    else:
        code_args = args.code
    expression = f"torch.{name}({code_args}, {_keywords(target, target_device, requires_grad)})"
    return MadeTensor(tensor, expression, setup=f"torch.manual_seed({seed})" if seed is not None else "")


# --------------------------------------------------------------------------- operations on two tensors


@dataclass(frozen=True)
class Operation:
    label: str
    symbol: str
    name: str
    elementwise: bool
    latex: str
    summary: str
    apply: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


OPERATIONS: dict[str, Operation] = {
    op.label: op
    for op in (
        Operation("A + B", "+", "sum", True, r"C_{ij} = A_{ij} + B_{ij}", "adds matching elements", operator.add),
        Operation("A - B", "-", "difference", True, r"C_{ij} = A_{ij} - B_{ij}", "subtracts matching elements", operator.sub),
        Operation(
            "A * B", "*", "elementwise product", True, r"C_{ij} = A_{ij} \cdot B_{ij}",
            "multiplies matching elements (this is not the matrix product)", operator.mul,
        ),
        Operation(
            "A / B", "/", "elementwise quotient", True, r"C_{ij} = A_{ij} / B_{ij}",
            "divides matching elements; the result is always floating point", operator.truediv,
        ),
        Operation(
            "A @ B", "@", "matrix product", False, r"C_{ij} = \sum_k A_{ik} \, B_{kj}",
            "each row of A times each column of B, summed", operator.matmul,
        ),
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
    op = _operation(label)
    return broadcast_plan(a_shape, b_shape).result_shape if op.elementwise else matmul_plan(a_shape, b_shape).result_shape


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
        if shape is None or _numel(shape) > settings.max_tensor_elements:
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


@dataclass(frozen=True)
class ErrorExplanation:
    """Why PyTorch refused, in plain words (``message``) and as data (``code``, ``details``)."""

    code: str
    reason: str
    details: dict[str, Any] = field(default_factory=dict)
    suggestions: tuple[Suggestion, ...] = ()

    @property
    def message(self) -> str:
        """The reason, followed by what would work (when anything does)."""
        return self.reason + _works_text(self.suggestions)


def _dim_words(dim: BroadcastDim) -> str:
    where = "the last" if dim.from_right == 1 else f"{_ordinal(dim.from_right)} from the right"
    return f"dimension {dim.index} ({where})"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _works_text(suggestions: Sequence[Suggestion]) -> str:
    if not suggestions:
        return ""
    items = "; ".join(f"{s.expression} → {shape_text(s.result_shape)}" for s in suggestions)
    return f" What would work: {items}."


def explain_operation_error(label: str, a: torch.Tensor, b: torch.Tensor) -> ErrorExplanation:
    """Why ``A op B`` fails for these tensors, computed from their shapes and dtypes."""
    op = _operation(label)
    a_shape, b_shape = tuple(a.shape), tuple(b.shape)
    suggestions = suggest(label, a, b)
    head = f"A has shape {shape_text(a_shape)} and B has shape {shape_text(b_shape)}."
    if op.elementwise:
        plan = broadcast_plan(a_shape, b_shape)
        if not plan.ok:
            clashes = "; ".join(f"in {_dim_words(d)} A has {d.a} and B has {d.b}" for d in reversed(plan.clashes))
            reported = plan.reported_clash
            message = (
                f"{head} {label} works element by element, so PyTorch lines the shapes up from the "
                "right, and each pair of sizes must be equal, or one of them must be 1 (that one is "
                f"stretched), or missing. Here {clashes}: neither size is 1, so nothing can be "
                f"stretched to match. PyTorch reports dimension {reported.index}, the first clash "
                "it meets from the right."
            )
            return ErrorExplanation(
                "broadcast_clash",
                message,
                {"a_shape": a_shape, "b_shape": b_shape, "clashes": [(d.index, d.a, d.b) for d in plan.clashes]},
                suggestions,
            )
    else:
        plan = matmul_plan(a_shape, b_shape)
        if "zero_dim" in plan.problems:
            which = " and ".join(name for name, s in (("A", a_shape), ("B", b_shape)) if not s)
            message = (
                f"{head} @ needs at least one dimension on each side, but {which} "
                f"{'is a single number' if ' and ' not in which else 'are single numbers'} (shape ()). "
                "To scale by a number use * instead."
            )
            return ErrorExplanation("zero_dim", message, {"a_shape": a_shape, "b_shape": b_shape}, suggestions)
        parts = []
        if "inner_mismatch" in plan.problems:
            parts.append(_inner_mismatch_words(plan))
        if "batch_clash" in plan.problems and plan.batch is not None:
            clashes = "; ".join(
                f"in batch dimension {d.index} A has {d.a} and B has {d.b}" for d in reversed(plan.batch.clashes)
            )
            parts.append(
                "Every dimension before the last two is a batch dimension, and those must broadcast "
                f"(equal, 1 or missing), but {clashes}."
            )
        if parts:
            message = f"{head} {' '.join(parts)}"
            return ErrorExplanation(
                "batch_clash" if "inner_mismatch" not in plan.problems else "inner_mismatch",
                message,
                {"a_shape": a_shape, "b_shape": b_shape, "inner_a": plan.inner_a, "inner_b": plan.inner_b},
                suggestions,
            )
    expected = result_shape(label, a_shape, b_shape)
    has_bool = torch.bool in (a.dtype, b.dtype)
    if op.symbol == "@" and has_bool:
        detail = "There is no matrix product of bool tensors: convert them to numbers first."
    elif op.symbol == "@" and a.dtype != b.dtype:
        detail = "@ needs both sides to have the same dtype (+, -, * and / convert automatically)."
    elif op.symbol == "-" and has_bool:
        detail = "Subtraction is not defined for bool tensors: use A ^ B (exclusive or) for two bools, or convert to numbers first."
    else:
        detail = f"PyTorch has no {label} for these dtypes on {a.device.type}."
    message = (
        f"{head} The shapes fit ({shape_text(a_shape)} {op.symbol} {shape_text(b_shape)} → "
        f"{shape_text(expected or ())}), so PyTorch refused the dtypes: A is {dtype_name(a.dtype)} and "
        f"B is {dtype_name(b.dtype)}. {detail}"
    )
    return ErrorExplanation(
        "dtype",
        message,
        {"a_dtype": dtype_name(a.dtype), "b_dtype": dtype_name(b.dtype), "device": str(a.device)},
        suggestions,
    )


def _inner_mismatch_words(plan: MatmulPlan) -> str:
    a, b = plan.inner_a, plan.inner_b
    if plan.kind == "dot":
        return f"For two vectors @ is the dot product, which needs equal lengths, but A has {a} elements and B has {b}."
    if plan.kind == "matrix_vector":
        return f"A matrix times a vector needs one vector element per column: A has {a} columns but B has {b} elements."
    if plan.kind == "vector_matrix":
        return f"A vector times a matrix needs one vector element per row: A has {a} elements but B has {b} rows."
    return (
        "@ multiplies each row of A by each column of B, so A's last size (its columns) must equal "
        f"B's second-to-last size (its rows): here A has {a} columns and B has {b} rows."
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


def _operation(label: str) -> Operation:
    op = OPERATIONS.get(label)
    if op is None:
        raise InputError(
            f"Unknown operation {label!r}: choose one of {', '.join(OPERATIONS)}.",
            code="unknown_operation",
            details={"operation": label},
        )
    return op


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
    op = _operation(label)
    a_shape, b_shape = tuple(a.shape), tuple(b.shape)
    broadcast = broadcast_plan(a_shape, b_shape) if op.elementwise else None
    matmul = None if op.elementwise else matmul_plan(a_shape, b_shape)
    expected = (broadcast or matmul).result_shape  # type: ignore[union-attr]
    if expected is not None and _numel(expected) > settings.max_tensor_elements:
        raise InputError(
            f"{label} would give shape {shape_text(expected)}, {_numel(expected):,} elements; "
            f"the limit is {settings.max_tensor_elements:,}.",
            code="result_too_large",
            details={"shape": expected, "limit": settings.max_tensor_elements},
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


# --------------------------------------------------------------------------- shape operations


@dataclass(frozen=True)
class ShapeOp:
    name: str
    args_label: str
    example: str
    summary: str
    min_args: int
    max_args: int
    call: Callable[[torch.Tensor, Shape], torch.Tensor]
    code: Callable[[Shape], str]


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
        ShapeOp(
            "reshape", "New shape (one size may be -1: PyTorch works it out)", "-1, 1",
            "the same elements in a new shape; shares memory when it can, copies when it must",
            0, 64, lambda t, a: t.reshape(a), lambda a: f"T.reshape({_args_text(a)})",
        ),
        ShapeOp(
            "view", "New shape (one size may be -1)", "1, -1",
            "like reshape, but never copies: it fails when the memory layout does not allow it",
            0, 64, lambda t, a: t.view(a), lambda a: f"T.view({_args_text(a)})",
        ),
        ShapeOp(
            "squeeze", "Dimension(s) to drop, or blank for every size-1 dimension", "",
            "removes dimensions of size 1", 0, 64, _squeeze, _squeeze_code,
        ),
        ShapeOp(
            "unsqueeze", "Where to insert the new size-1 dimension", "0",
            "inserts a dimension of size 1 (e.g. a batch of one)",
            1, 1, lambda t, a: t.unsqueeze(a[0]), lambda a: f"T.unsqueeze({a[0]})",
        ),
        ShapeOp(
            "transpose", "The two dimensions to swap", "0, 1",
            "swaps two dimensions (for a matrix: rows become columns); shares memory",
            2, 2, lambda t, a: t.transpose(a[0], a[1]), lambda a: f"T.transpose({_dims_code(a)})",
        ),
        ShapeOp(
            "flatten", "start_dim, end_dim (blank: all of them)", "",
            "joins dimensions start_dim…end_dim into one",
            0, 2, lambda t, a: t.flatten(*a), lambda a: f"T.flatten({_dims_code(a)})",
        ),
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
        raise InputError(
            f"Unknown shape operation {name!r}: choose one of {', '.join(SHAPE_OPS)}.",
            code="unknown_operation",
        )
    args = parse_int_list(args_text, allow_empty=op.min_args == 0, field=name, settings=settings)
    limit = min(op.max_args, settings.max_tensor_dims)
    if not op.min_args <= len(args) <= limit:
        wanted = str(op.min_args) if op.min_args == limit else f"{op.min_args} to {limit}"
        raise InputError(
            f"{name} takes {wanted} whole number(s), e.g. {op.example or 'nothing'}; got {len(args)}.",
            code="bad_arguments",
            field=name,
            details={"count": len(args)},
        )
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


def _shapes_for(count: int, limit: int = 4) -> list[Shape]:
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
    ndim, count = len(shape), _numel(shape)
    head = f"T has shape {shape_text(shape)}: {ndim} dimension{'s' if ndim != 1 else ''}, {count:,} element{'s' if count != 1 else ''}."
    if name in ("reshape", "view"):
        inferred = [size for size in args if size == -1]
        if len(inferred) > 1:
            return ErrorExplanation(
                "two_inferred",
                f"{head} Only one size can be -1: PyTorch works that one out from the others, and two unknowns have no single answer.",
                {"args": args},
            )
        bad = [size for size in args if size < -1]
        if bad:
            return ErrorExplanation(
                "negative_size",
                f"{head} Sizes cannot be negative ({bad[0]}); only -1 is allowed, meaning 'work this one out'.",
                {"args": args},
            )
        known = _numel(size for size in args if size != -1)
        try_text = ", ".join(shape_text(s) for s in _shapes_for(count))
        if inferred and known == 0:
            return ErrorExplanation(
                "ambiguous",
                f"{head} The other sizes multiply to 0, so any value of -1 would fit: PyTorch cannot work it out. "
                "Give that size explicitly.",
                {"args": args},
            )
        if inferred:
            if count % known:
                return ErrorExplanation(
                    "not_divisible",
                    f"{head} The other sizes multiply to {known}, and {count} elements cannot be split into "
                    f"groups of {known}, so -1 has no whole-number answer. Shapes that fit: {try_text}.",
                    {"numel": count, "known": known, "try": _shapes_for(count)},
                )
        elif known != count:
            return ErrorExplanation(
                "size_mismatch",
                f"{head} {name} keeps every element, so the new sizes must multiply to {count}, but "
                f"{shape_text(args)} holds {known:,}. Shapes that fit: {try_text} (or use -1 for one size).",
                {"numel": count, "new_numel": known, "try": _shapes_for(count)},
            )
        if name == "view" and not contiguous:
            return ErrorExplanation(
                "not_contiguous",
                f"{head} view never copies, and T's elements are not laid out in memory in the order this "
                "shape needs (T is not contiguous, e.g. after a transpose). Use reshape, which copies when it "
                "must, or T.contiguous().view(...).",
                {"contiguous": False},
            )
    if name in ("squeeze", "unsqueeze", "transpose", "flatten"):
        low, high = _dim_range(ndim, 1 if name == "unsqueeze" else 0)
        outside = [dim for dim in args if not low <= dim <= high]
        if outside:
            return ErrorExplanation(
                "dim_out_of_range",
                f"{head} So {name} accepts dimensions from {low} to {high}, and {outside[0]} is outside that "
                "range. Negative dimensions count from the end: -1 is the last.",
                {"low": low, "high": high, "dim": outside[0]},
            )
        if name == "flatten" and len(args) == 2:
            start, end = (dim % max(ndim, 1) for dim in args)
            if start > end:
                return ErrorExplanation(
                    "start_after_end",
                    f"{head} flatten joins the dimensions from start_dim to end_dim, so start_dim ({args[0]}) "
                    f"must not come after end_dim ({args[1]}).",
                    {"start": args[0], "end": args[1]},
                )
        if name == "squeeze" and len(set(dim % max(ndim, 1) for dim in args)) != len(args):
            return ErrorExplanation(
                "repeated_dim", f"{head} Each dimension can be named only once.", {"args": args}
            )
    return ErrorExplanation("other", f"{head} PyTorch refused {name}{shape_text(args)}; its message says why.", {})


# --------------------------------------------------------------------------- NumPy bridge


@dataclass(frozen=True, eq=False)
class NumpyBridge:
    """``.numpy()`` shares memory with a CPU tensor: change the tensor, the array changes too.

    ``to_numpy`` is the call needed for this tensor (``.detach()`` if it requires grad,
    ``.cpu()`` if it lives on a GPU — a copy, so nothing is shared then).
    """

    to_numpy: str
    change_code: str
    array_before: np.ndarray
    array_after: np.ndarray
    shares_memory: bool
    changed: bool
    from_array_dtype: str
    from_list_dtype: str
    array_dtype: str
    from_array_printed: str
    from_numpy_shares: bool

    @property
    def code_lines(self) -> tuple[str, ...]:
        return (f"array = {self.to_numpy}", self.change_code)


def _index_code(ndim: int) -> str:
    return "T[" + ", ".join("0" for _ in range(ndim)) + "]"


def numpy_bridge(tensor: torch.Tensor) -> NumpyBridge:
    """Show the tensor ↔ NumPy bridge on a private copy of ``tensor`` (the original is untouched)."""
    work = tensor.detach().clone().requires_grad_(tensor.requires_grad)
    to_numpy = "T" + (".detach()" if tensor.requires_grad else "") + (".cpu()" if tensor.device.type != "cpu" else "") + ".numpy()"
    array = work.detach().cpu().numpy()
    before = array.copy()
    changed = work.numel() > 0
    if work.dtype == torch.bool:
        new_value: Number = not bool(work.detach().flatten()[0].item()) if changed else True
    else:
        new_value = 100.0 if work.dtype.is_floating_point else 100
    target = _index_code(work.ndim) if work.ndim else "T"
    assignment = f"{target} = {python_literal(new_value)}" if work.ndim else f"T.fill_({python_literal(new_value)})"
    change_code = f"with torch.no_grad(): {assignment}" if tensor.requires_grad else assignment
    if changed:
        with torch.no_grad():
            if work.ndim:
                work[(0,) * work.ndim] = new_value
            else:
                work.fill_(new_value)
    after = array.copy()
    shares = work.device.type == "cpu" and np.shares_memory(array, work.detach().numpy())

    values = tensor.detach().cpu().tolist()
    plain = np.array(values)
    from_array = torch.tensor(plain)
    from_numpy = torch.from_numpy(plain)
    return NumpyBridge(
        to_numpy=to_numpy,
        change_code=change_code,
        array_before=before,
        array_after=after,
        shares_memory=bool(shares),
        changed=changed,
        from_array_dtype=dtype_name(from_array.dtype),
        from_list_dtype=dtype_name(torch.tensor(values).dtype),
        array_dtype=str(plain.dtype),
        from_array_printed=str(from_array),
        from_numpy_shares=bool(np.shares_memory(from_numpy.numpy(), plain)),
    )


# --------------------------------------------------------------------------- autograd: the course's chain


@dataclass(frozen=True, eq=False)
class AutogradChain:
    """x → w = 2x → y = w³ + 3w² + 2w + 1 → z = sum(y), with ``z.backward()`` and the chain rule
    dz/dx = 1 · (3w² + 6w + 2) · 2 worked out elementwise with the same numbers."""

    x: torch.Tensor
    w: torch.Tensor
    y: torch.Tensor
    z: float
    z_printed: str
    grad: torch.Tensor
    dy_dw: torch.Tensor
    by_hand: torch.Tensor
    grad_fns: dict[str, str]
    max_difference: float
    matches: bool

    def rows(self) -> list[dict[str, Any]]:
        """One record per element of x, in row-major order, with its index."""
        shape = tuple(self.x.shape)
        columns = {name: t.flatten().tolist() for name, t in (
            ("x", self.x), ("w", self.w), ("y", self.y), ("dy_dw", self.dy_dw),
            ("by_hand", self.by_hand), ("grad", self.grad),
        )}
        indices = list(np.ndindex(*shape))
        return [
            {"index": tuple(int(i) for i in index), **{name: values[n] for name, values in columns.items()}}
            for n, index in enumerate(indices)
        ]


def autograd_chain(x: torch.Tensor) -> AutogradChain:
    """The course's chain (002 B.5.1) on ``x``: x = ones(2, 3) gives z = 150 and x.grad = 52."""
    if not x.dtype.is_floating_point:
        x = x.float()
    leaf = x.detach().clone().requires_grad_(True)
    w = 2 * leaf
    y = w * w * w + 3 * w * w + 2 * w + 1  # written as in the course
    z = torch.sum(y)
    z.backward()
    with torch.no_grad():
        dy_dw = 3 * w * w + 6 * w + 2
        by_hand = 1 * dy_dw * 2  # dz/dy · dy/dw · dw/dx
    grad = leaf.grad.detach().cpu()
    hand = by_hand.detach().cpu()
    finite = torch.isfinite(grad) & torch.isfinite(hand)
    difference = (grad - hand).abs()[finite]
    return AutogradChain(
        x=leaf.detach().cpu(),
        w=w.detach().cpu(),
        y=y.detach().cpu(),
        z=z.item(),
        z_printed=str(z),
        grad=grad,
        dy_dw=dy_dw.detach().cpu(),
        by_hand=hand,
        grad_fns={name: type(t.grad_fn).__name__ for name, t in (("w", w), ("y", y), ("z", z))},
        max_difference=difference.max().item() if difference.numel() else 0.0,
        matches=bool(torch.allclose(grad, hand, rtol=1e-5, atol=1e-6, equal_nan=True)),
    )


def autograd_from_text(
    text: str,
    *,
    dtype: str = "float32",
    device: str | torch.device = "cpu",
    settings: Settings | None = None,
) -> AutogradChain:
    """Parse x as typed (a float dtype) and run the course's chain on it."""
    if dtype not in ("float32", "float64"):
        raise InputError("Gradients need a floating-point x: choose float32 or float64.", code="grad_needs_float")
    made = tensor_from_text(text, dtype=dtype, device=device, field="x", settings=settings)
    return autograd_chain(made.tensor)
