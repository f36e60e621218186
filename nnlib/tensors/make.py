"""Make a tensor: typed as nested lists, or from one of PyTorch's factories, with the one line of
code that makes the same tensor (course text 002, appendix B)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from nnlib.core import messages
from nnlib.core.device import resolve_device
from nnlib.core.errors import InputError
from nnlib.core.formatting import python_literal, shape_text
from nnlib.core.parsing import DTYPES, Number, infer_dtype, parse_nested, to_tensor
from nnlib.core.settings import Settings, get_settings
from nnlib.tensors.facts import TORCH_ERRORS, TensorFacts, args_text, describe, dtype_name, numel
from nnlib.tensors.sizes import check_new_shape, parse_int_list, parse_seed, parse_shape

AUTO = "auto"
DTYPE_CHOICES: tuple[str, ...] = (AUTO, *DTYPES)


def resolve_dtype(choice: str | torch.dtype | None) -> torch.dtype | None:
    """A dtype choice (``"auto"``, a name, a torch dtype) as a torch dtype; None for auto."""
    if choice is None or choice == AUTO:
        return None
    if isinstance(choice, torch.dtype):
        return choice
    if choice not in DTYPES:
        raise InputError("tensors.unknown_dtype", dtype=choice, choices=", ".join(DTYPE_CHOICES))
    return DTYPES[choice]


def check_grad(dtype: torch.dtype, requires_grad: bool) -> None:
    if requires_grad and not dtype.is_floating_point:
        raise InputError("tensors.grad_needs_float", dtype=dtype_name(dtype))


def _to_device(tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
    try:
        return tensor.to(device)
    except TORCH_ERRORS as error:
        raise InputError(
            "tensors.device_refused", device=str(device), device_type=device.type,
            dtype=dtype_name(tensor.dtype), torch_error=str(error),
        ) from None


def _keywords(dtype: torch.dtype, device: torch.device, requires_grad: bool) -> str:
    """The keyword arguments of a constructor call, as source text."""
    text = f"dtype=torch.{dtype_name(dtype)}"
    if device.type != "cpu":
        text += f', device="{device}"'
    if requires_grad:
        text += ", requires_grad=True"
    return text


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
        tensor = to_tensor(nested, resolve_dtype(dtype))
        check_grad(tensor.dtype, requires_grad)
        target = resolve_device(device)
        tensor = _to_device(tensor, target)
    except InputError as error:
        raise (error.for_field(field) if field else error) from None
    if requires_grad:
        tensor.requires_grad_(True)
    keywords = _keywords(tensor.dtype, target, requires_grad)
    return MadeTensor(tensor, f"torch.tensor({python_literal(nested)}, {keywords})")


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
    """What a factory's arguments look like; its field label and help are worded from the
    catalogue (``tensors.args_<key>.label`` / ``.help``) in the reader's language."""

    key: str
    example: str
    parse: Callable[[str, Settings], FactoryArgs]

    @property
    def label(self) -> str:
        return messages.word(f"tensors.args_{self.key}.label")

    @property
    def help(self) -> str:
        return messages.word(f"tensors.args_{self.key}.help")


def _shape_args(text: str, settings: Settings) -> FactoryArgs:
    shape = parse_shape(text, field="shape", settings=settings)
    return FactoryArgs(call=(shape,), code=args_text(shape), numel=numel(shape))


def _eye_args(text: str, settings: Settings) -> FactoryArgs:
    sizes = parse_int_list(text, field="eye size", settings=settings)
    if len(sizes) not in (1, 2):
        raise InputError("tensors.eye_arguments", field="eye size")
    check_new_shape(sizes if len(sizes) == 2 else (sizes[0], sizes[0]), settings, "eye size")
    elements = sizes[0] * (sizes[1] if len(sizes) == 2 else sizes[0])
    return FactoryArgs(call=sizes, code=", ".join(map(str, sizes)), numel=elements)


def _arange_args(text: str, settings: Settings) -> FactoryArgs:
    try:
        value = parse_nested(text, settings=settings)
    except InputError as error:
        raise error.for_field("arange") from None
    numbers = value if isinstance(value, list) else [value]
    if not 1 <= len(numbers) <= 3 or any(isinstance(n, list | bool) for n in numbers):
        raise InputError("tensors.arange_arguments", field="arange")
    if any(not math.isfinite(n) for n in numbers):
        raise InputError("tensors.arange_not_finite", field="arange")
    if len(numbers) == 1:
        start, end, step = 0, numbers[0], 1
    elif len(numbers) == 2:
        start, end, step = numbers[0], numbers[1], 1
    else:
        start, end, step = numbers
    if step == 0:
        raise InputError("tensors.arange_zero_step", field="arange")
    span = (end - start) / step
    if not math.isfinite(span) or span > settings.max_tensor_elements:
        raise InputError(
            "tensors.arange_too_many", field="arange",
            arguments=", ".join(map(python_literal, numbers)), limit=settings.max_tensor_elements,
        )
    if span < 0:
        # A step of the wrong sign never gets there; the sentence names the sign.
        raise InputError(
            "tensors.arange_step_positive" if step > 0 else "tensors.arange_step_negative", field="arange",
            start=python_literal(start), end=python_literal(end), step=python_literal(step),
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
        ArgsKind("shape", "3, 2", _shape_args),
        ArgsKind("eye", "3", _eye_args),
        ArgsKind("arange", "0, 10, 2", _arange_args),
    )
}


@dataclass(frozen=True)
class Factory:
    """A tensor constructor of PyTorch, as the page offers it.

    ``summary`` and ``note`` (what the page adds under the made tensor; empty: nothing) are
    worded from the catalogue (``tensors.factory_<name>.summary`` / ``.note``) in the reader's
    language; ``whole_args`` says its arguments must be whole numbers when the dtype is an
    integer one.
    """

    name: str
    args: str  # key into ARGS_KINDS
    random: bool = False
    float_only: bool = False
    needs_fill: bool = False
    whole_args: bool = False

    @property
    def summary(self) -> str:
        return messages.word(f"tensors.factory_{self.name}.summary")

    @property
    def note(self) -> str:
        code = f"tensors.factory_{self.name}.note"
        return messages.word(code) if messages.template(code) is not None else ""


FACTORIES: dict[str, Factory] = {
    factory.name: factory
    for factory in (
        Factory("zeros", "shape"),
        Factory("ones", "shape"),
        Factory("rand", "shape", random=True, float_only=True),
        Factory("randn", "shape", random=True, float_only=True),
        Factory("empty", "shape"),  # its note: the values are whatever was in memory
        Factory("arange", "arange", whole_args=True),
        Factory("eye", "eye"),
        Factory("full", "shape", needs_fill=True),
    )
}


def _parse_fill(text: str, settings: Settings) -> Number:
    try:
        value = parse_nested(text, settings=settings)
    except InputError as error:
        raise error.for_field("fill value") from None
    if isinstance(value, list):
        raise InputError("tensors.fill_not_a_number", field="fill value")
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
        raise InputError("tensors.unknown_factory", name=name, choices=", ".join(FACTORIES))
    args = ARGS_KINDS[factory.args].parse(args_text, settings)
    fill = _parse_fill(fill_text, settings) if factory.needs_fill else None
    chosen = resolve_dtype(dtype)
    if chosen is not None:
        target = chosen
    elif fill is not None:
        target = infer_dtype(fill)
    else:
        target = args.inferred_dtype or torch.get_default_dtype()
    if factory.float_only and not target.is_floating_point:
        raise InputError("tensors.needs_float", field="dtype", factory=name, dtype=dtype_name(target))
    if factory.whole_args and not target.is_floating_point and any(isinstance(n, float) for n in args.call):
        raise InputError("tensors.needs_whole_arguments", field=name, factory=name, dtype=dtype_name(target))
    if fill is not None:
        to_tensor(fill, target)  # the same range checks as a typed tensor (nan in an int, overflow)
    check_grad(target, requires_grad)
    target_device = resolve_device(device)
    seed = parse_seed(seed_text, settings=settings) if factory.random else None

    keywords: dict[str, Any] = {"dtype": target, "device": target_device, "requires_grad": requires_grad}
    if seed is not None:
        keywords["generator"] = torch.Generator(device=target_device).manual_seed(seed)
    call = (*args.call, fill) if fill is not None else args.call
    try:
        tensor = getattr(torch, name)(*call, **keywords)
    except TORCH_ERRORS as error:
        raise InputError("tensors.torch_refused", factory=name, torch_error=str(error)) from None

    if factory.needs_fill:
        code_args = f"{shape_text(args.call[0])}, {python_literal(fill)}"
    else:
        code_args = args.code
    expression = f"torch.{name}({code_args}, {_keywords(target, target_device, requires_grad)})"
    return MadeTensor(tensor, expression, setup=f"torch.manual_seed({seed})" if seed is not None else "")
