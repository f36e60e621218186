"""The stack as a real ``nn.Sequential``, and a sample run through it layer by layer."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from nnlib.core.errors import InputError
from nnlib.core.formatting import batch_shape_text
from nnlib.core.settings import Settings, get_settings
from nnlib.layers.analysis import analyze
from nnlib.layers.kinds import LAYER_KINDS, LayerKind
from nnlib.layers.shapes import BATCH, check_input_shape
from nnlib.layers.spec import LayerSpec
from nnlib.layers.stack import check_layer_count, parameter_cap, resolve_params

MAX_SEED = 2**63 - 1
_SHAPE_KEEPING_ROLES = ("activation", "regularization", "normalization")


def checked_layers(layers: Sequence[LayerSpec], settings: Settings) -> list[tuple[LayerKind, dict]]:
    """Every layer's kind and checked arguments, within the caps; InputError otherwise."""
    check_layer_count(len(layers), settings)
    checked = []
    for position, spec in enumerate(layers):
        params = resolve_params(spec, position, settings)
        checked.append((LAYER_KINDS[spec.kind], params))
    total = sum(kind.count_params(params) for kind, params in checked)
    if total > parameter_cap(settings):
        raise InputError("layers.too_many_params", count=total, limit=parameter_cap(settings))
    return checked


def _check_linear_chain(checked: Sequence[tuple[LayerKind, dict]]) -> None:
    """Two Linear layers whose widths disagree fail for any input: say so before building."""
    width, source = None, None
    for position, (kind, params) in enumerate(checked):
        if kind.role == "linear":
            if width is not None and params["in_features"] != width:
                raise InputError("layers.mismatch", layer=position, label=kind.label(params), source=source + 1,
                                 param="in_features", expected=params["in_features"], actual=width)
            width, source = params["out_features"], position
        elif kind.role in _SHAPE_KEEPING_ROLES:
            source = position if width is not None else None
        else:  # a reshape changes the last dimension
            width, source = None, None


def build_model(
    layers: Sequence[LayerSpec],
    input_shape: Sequence[int] | None = None,
    *,
    settings: Settings | None = None,
) -> nn.Sequential:
    """The real ``nn.Sequential`` for a stack; InputError if the stack cannot work.

    Always checked: every layer's arguments, the caps, and Linear widths that disagree
    (those fail for any input). With ``input_shape`` every shape problem that
    :func:`~nnlib.layers.analysis.analyze` finds is an error too.
    """
    settings = settings or get_settings()
    checked = checked_layers(layers, settings)
    _check_linear_chain(checked)
    if input_shape is not None:
        errors = analyze(layers, input_shape, settings=settings).errors
        if errors:
            raise errors[0].error()
    return nn.Sequential(*(kind.module(**params) for kind, params in checked))


def parameter_count(model: nn.Module) -> int:
    return sum(parameter.numel() for parameter in model.parameters())


def check_seed(seed: int) -> int:
    """A seed torch accepts: a whole number from 0 to 2**63 - 1."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        shown = repr(seed) if len(repr(seed)) <= 30 else repr(seed)[:27] + "..."
        raise InputError("layers.bad_seed", field="seed", value=shown, maximum=MAX_SEED)
    return seed


def sample_input(
    input_shape: Sequence[int], batch_size: int = 2, seed: int = 0, settings: Settings | None = None
) -> torch.Tensor:
    """A reproducible standard-normal batch of shape (batch_size, *input_shape)."""
    settings = settings or get_settings()
    shape = check_input_shape(input_shape, settings)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InputError("layers.batch_too_small", field="batch_size", value=batch_size)
    elements = batch_size * math.prod(shape)
    if elements > settings.max_tensor_elements:
        raise InputError("layers.batch_too_large", field="batch_size", batch=batch_size, shape_text=str(shape),
                         elements=elements, limit=settings.max_tensor_elements)
    generator = torch.Generator().manual_seed(check_seed(seed))
    return torch.randn(batch_size, *shape, generator=generator)


def as_batch(x: torch.Tensor, input_shape: Sequence[int]) -> torch.Tensor:
    """A typed sample as a float batch: one sample of ``input_shape`` gets a batch dim of 1."""
    shape = tuple(input_shape)
    if tuple(x.shape) == shape:
        x = x.unsqueeze(0)
    elif tuple(x.shape[1:]) != shape:
        raise InputError("layers.sample_shape", field="sample", shape=list(x.shape), expected=list(shape),
                         shape_text=str(tuple(x.shape)), expected_text=batch_shape_text((BATCH, *shape)),
                         sample_text=str(shape))
    return x.to(torch.float32)


@dataclass(frozen=True)
class TraceStep:
    """The tensor after one layer (``index`` None: the input itself)."""

    index: int | None
    label: str
    output: torch.Tensor

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.output.shape)


def trace_forward(
    layers: Sequence[LayerSpec],
    x: torch.Tensor,
    *,
    seed: int = 0,
    train: bool = False,
    settings: Settings | None = None,
) -> list[TraceStep]:
    """Run ``x`` through the stack layer by layer; weights initialized from ``seed``.

    In eval mode (the default) Dropout passes values through and BatchNorm1d uses its
    running statistics; ``train=True`` shows what they do while training.
    """
    settings = settings or get_settings()
    check_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build_model(layers, settings=settings)
        model.train(train)
        steps = [TraceStep(None, "input", x.detach())]
        with torch.no_grad():
            for index, module in enumerate(model):
                try:
                    x = module(x)
                except RuntimeError as error:
                    raise InputError("layers.forward_failed", layer=index, position=index + 1,
                                     module=type(module).__name__, shape=list(x.shape),
                                     shape_text=str(tuple(x.shape)),
                                     reason=str(error).splitlines()[0][:200]) from None
                steps.append(TraceStep(index, LAYER_KINDS[layers[index].kind].label(
                    resolve_params(layers[index], index, settings)), x))
    return steps
