"""Networks as plain data: a stack of layer specs, their shapes, parameters and code.

A network is a list of :class:`LayerSpec` (a layer kind and its arguments, JSON-able),
so a page can edit it, keep it in session state and hand it to the training engine.
:data:`LAYER_KINDS` is the registry that knows, for every kind, its torch constructor,
its arguments with defaults and limits, its shape rule and its parameter count.

:func:`analyze` walks a stack for a given input shape without running torch: the
output shape after every layer (batch written as ``"N"``), parameters per layer and
in total, and the problems a student should see before anything runs (mismatched
widths, two Linear layers that collapse into one, Softmax before CrossEntropyLoss),
each as data with a message and, where there is one, a one-click :class:`Fix`.
:func:`build_model` makes the real ``nn.Sequential``; :func:`sequential_code`,
:func:`module_code` and :func:`sequential_class_code` (course 002's ``BinaryClassifier``
style: an ``nn.Sequential`` subclass with named modules) write the same network as
runnable PyTorch code.

Layer numbers in messages count from 1 (as a student reads the stack); ``layer``
fields in data count from 0 (as the list is indexed).
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from nnlib.core.errors import InputError
from nnlib.core.settings import Settings, get_settings

BATCH = "N"
Shape = tuple[int | str, ...]  # a full shape whose first entry is the batch, ``"N"``

# How a constructor argument is written in exported code.
POSITIONAL = "positional"  # required, written bare: Linear(4, 16)
KEYWORD = "keyword"  # always written as name=value: Softmax(dim=1)
IF_CHANGED = "if_changed"  # written as name=value only when it differs from torch's default


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class ParamSpec:
    """One constructor argument of a layer kind."""

    name: str
    type: str  # "int", "float" or "bool"
    default: Any  # the value a new layer starts with
    style: str = IF_CHANGED
    torch_default: Any = None  # torch's own default (for IF_CHANGED)
    minimum: float | None = None
    minimum_inclusive: bool = True
    maximum: float | None = None
    width: bool = False  # a number of units or features: capped by settings.max_units
    step: float | None = None  # a sensible increment for a number input
    description: str = ""

    @property
    def required(self) -> bool:
        return self.style == POSITIONAL


class _ShapeFailure(Exception):
    """Raised by a shape rule: the layer cannot take this input.

    ``assumed`` is the output the layer would give had its input been right (for
    a width mismatch), so the layers after it are still checked.
    """

    def __init__(self, problem: Problem, assumed: Shape | None = None) -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.assumed = assumed


@dataclass
class _RuleContext:
    """What a shape rule needs to word a problem: where the layer is and what feeds it."""

    index: int
    label: str
    spec: LayerSpec
    warnings: list[Problem]

    @property
    def source(self) -> str:
        return "the input has" if self.index == 0 else f"layer {self.index} outputs"

    def fail(self, code: str, message: str, fix: Fix | None = None, assumed: Shape | None = None,
             **details: Any) -> None:
        raise _ShapeFailure(Problem(code, "error", message, self.index, fix, details), assumed)

    def warn(self, code: str, message: str, fix: Fix | None = None, **details: Any) -> None:
        self.warnings.append(Problem(code, "warning", message, self.index, fix, details))


ShapeRule = Callable[[Shape, dict, _RuleContext], Shape]


@dataclass(frozen=True)
class LayerKind:
    """A kind of layer: how to build it, describe it, and follow shapes through it."""

    name: str
    module: Callable[..., nn.Module]
    params: tuple[ParamSpec, ...]
    role: str  # "linear", "activation", "regularization", "normalization", "reshape"
    nonlinear: bool  # separates two Linear layers so they do not collapse
    shape_rule: ShapeRule
    count_params: Callable[[dict], int]
    short: Callable[[dict], str]  # the arguments as a student reads them: "4 → 16"
    attribute: str  # attribute stem in the nn.Module form: linear_1, relu_1
    description: str
    formula: Callable[[dict], str] | None = None  # the parameter count in LaTeX, with the numbers

    def param(self, name: str) -> ParamSpec:
        for spec in self.params:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        return {spec.name: spec.default for spec in self.params}

    def label(self, params: Mapping[str, Any]) -> str:
        inner = self.short(dict(params))
        return f"{self.name}({inner})" if inner else self.name

    def constructor_code(self, params: Mapping[str, Any], prefix: str = "nn.") -> str:
        arguments = []
        for spec in self.params:
            value = params[spec.name]
            if spec.style == POSITIONAL:
                arguments.append(_literal(value))
            elif spec.style == KEYWORD or value != spec.torch_default:
                arguments.append(f"{spec.name}={_literal(value)}")
        return f"{prefix}{self.name}({', '.join(arguments)})"


def _literal(value: Any) -> str:
    return repr(value)


def _ndim_range(shape: Shape) -> str:
    return f"{-len(shape)} to {len(shape) - 1}"


def _normalize_dim(dim: int, shape: Shape) -> int | None:
    """``dim`` as a non-negative index into ``shape``, or None when out of range."""
    if -len(shape) <= dim < len(shape):
        return dim % len(shape)
    return None


def _same_shape(shape: Shape, params: dict, ctx: _RuleContext) -> Shape:
    return shape


def _linear_shape(shape: Shape, params: dict, ctx: _RuleContext) -> Shape:
    expected, actual = params["in_features"], shape[-1]
    features = shape[1:]
    if expected != actual:
        flat = math.prod(int(n) for n in features)
        if len(features) > 1 and flat == expected:
            sizes = " × ".join(str(n) for n in features)
            ctx.fail(
                "needs_flatten",
                f"{ctx.label} expects {expected} input features but {ctx.source} shape "
                f"{format_shape(shape)}: flatten it first ({sizes} = {flat}).",
                Fix("insert", ctx.index, f"Insert Flatten before layer {ctx.index + 1}",
                    new_layer=LayerSpec("Flatten", {})),
                assumed=(BATCH, params["out_features"]), expected=expected, actual=list(features),
            )
        ctx.fail(
            "mismatch",
            f"{ctx.label} expects {expected} input features but {ctx.source} {actual}.",
            Fix("set", ctx.index, f"Set in_features to {actual}", param="in_features", value=actual),
            assumed=shape[:-1] + (params["out_features"],),
            param="in_features", expected=expected, actual=actual,
        )
    if len(features) > 1:
        ctx.warn(
            "linear_on_last_dim",
            f"{ctx.label} acts on the last dimension only: {format_shape(shape)} becomes "
            f"{format_shape(shape[:-1] + (params['out_features'],))}. To treat each sample as one "
            "vector of features, put Flatten before it.",
            Fix("insert", ctx.index, f"Insert Flatten before layer {ctx.index + 1}",
                new_layer=LayerSpec("Flatten", {})),
        )
    return shape[:-1] + (params["out_features"],)


def _softmax_shape(shape: Shape, params: dict, ctx: _RuleContext) -> Shape:
    dim = _normalize_dim(params["dim"], shape)
    if dim is None:
        ctx.fail(
            "dim_out_of_range",
            f"{ctx.label}: dim={params['dim']} does not exist for {format_shape(shape)}; "
            f"dims go from {_ndim_range(shape)}.",
            Fix("set", ctx.index, f"Set dim to {len(shape) - 1}", param="dim", value=len(shape) - 1),
            param="dim", value=params["dim"], ndim=len(shape),
        )
    if dim == 0:
        ctx.warn(
            "softmax_over_batch",
            f"{ctx.label} normalizes across the batch (dim {params['dim']} is N), so each sample's "
            "output depends on the other samples. Normalize across the features instead.",
            Fix("set", ctx.index, f"Set dim to {len(shape) - 1}", param="dim", value=len(shape) - 1),
        )
    return shape


def _batchnorm_shape(shape: Shape, params: dict, ctx: _RuleContext) -> Shape:
    if len(shape) not in (2, 3):
        ctx.fail(
            "bad_rank",
            f"{ctx.label} needs an input of shape (N, C) or (N, C, L) but {ctx.source} shape "
            f"{format_shape(shape)}.",
            Fix("insert", ctx.index, f"Insert Flatten before layer {ctx.index + 1}",
                new_layer=LayerSpec("Flatten", {})),
            shape=list(shape),
        )
    expected, actual = params["num_features"], shape[1]
    if expected != actual:
        ctx.fail(
            "mismatch",
            f"{ctx.label} expects {expected} channels but {ctx.source} {actual}.",
            Fix("set", ctx.index, f"Set num_features to {actual}", param="num_features", value=actual),
            assumed=shape, param="num_features", expected=expected, actual=actual,
        )
    return shape


def _flatten_shape(shape: Shape, params: dict, ctx: _RuleContext) -> Shape:
    start, end = (_normalize_dim(params[name], shape) for name in ("start_dim", "end_dim"))
    for name, value in (("start_dim", start), ("end_dim", end)):
        if value is None:
            ctx.fail(
                "dim_out_of_range",
                f"{ctx.label}: {name}={params[name]} does not exist for {format_shape(shape)}; "
                f"dims go from {_ndim_range(shape)}.",
                Fix("set", ctx.index, f"Set {name} to {1 if name == 'start_dim' else -1}",
                    param=name, value=1 if name == "start_dim" else -1),
                param=name, value=params[name], ndim=len(shape),
            )
    if start == 0:
        ctx.fail(
            "flatten_batch",
            f"{ctx.label} would merge the batch dimension N into the features; start at dim 1.",
            Fix("set", ctx.index, "Set start_dim to 1", param="start_dim", value=1),
        )
    if start > end:
        ctx.fail(
            "dim_order",
            f"{ctx.label}: start_dim ({params['start_dim']}) comes after end_dim "
            f"({params['end_dim']}) for {format_shape(shape)}.",
            Fix("set", ctx.index, "Set end_dim to -1", param="end_dim", value=-1),
        )
    merged = math.prod(int(n) for n in shape[start:end + 1])
    return shape[:start] + (merged,) + shape[end + 1:]


def _no_params(params: dict) -> int:
    return 0


def _no_short(params: dict) -> str:
    return ""


def _flatten_short(params: dict) -> str:
    if (params["start_dim"], params["end_dim"]) == (1, -1):
        return ""
    return f"start_dim={params['start_dim']}, end_dim={params['end_dim']}"


def _linear_formula(p: dict) -> str:
    weights = rf"\underbrace{{{p['out_features']} \times {p['in_features']}}}_{{W}}"
    total = p["in_features"] * p["out_features"] + (p["out_features"] if p["bias"] else 0)
    bias = rf" + \underbrace{{{p['out_features']}}}_{{b}}" if p["bias"] else ""
    return f"{weights}{bias} = {total:,}".replace(",", "{,}")


def _batchnorm_formula(p: dict) -> str:
    if not p["affine"]:
        return r"0 \quad (\text{affine=False: no } \gamma, \beta)"
    c = p["num_features"]
    return rf"\underbrace{{{c}}}_{{\gamma}} + \underbrace{{{c}}}_{{\beta}} = {2 * c:,}".replace(",", "{,}")


def _dim_param() -> ParamSpec:
    return ParamSpec("dim", "int", 1, KEYWORD, step=1,
                     description="The dimension that sums to 1; dim=1 is the features of (N, C).")


def _activation(name: str, module: Callable[..., nn.Module], attribute: str, description: str) -> LayerKind:
    return LayerKind(name, module, (), "activation", True, _same_shape, _no_params, _no_short,
                     attribute, description)


LAYER_KINDS: dict[str, LayerKind] = {
    kind.name: kind
    for kind in (
        LayerKind(
            "Linear",
            nn.Linear,
            (
                ParamSpec("in_features", "int", 4, POSITIONAL, minimum=1, width=True, step=1,
                          description="Features each sample brings in (the previous layer's width)."),
                ParamSpec("out_features", "int", 16, POSITIONAL, minimum=1, width=True, step=1,
                          description="Features each sample leaves with (this layer's width)."),
                ParamSpec("bias", "bool", True, IF_CHANGED, torch_default=True,
                          description="Add a learned bias vector b to X @ W.T."),
            ),
            "linear",
            False,
            _linear_shape,
            lambda p: p["in_features"] * p["out_features"] + (p["out_features"] if p["bias"] else 0),
            lambda p: f"{p['in_features']} → {p['out_features']}",
            "linear",
            "y = x @ W.T + b: every output feature is a weighted sum of every input feature.",
            _linear_formula,
        ),
        _activation("ReLU", nn.ReLU, "relu", "max(0, x): keeps positives, zeroes negatives."),
        LayerKind(
            "LeakyReLU",
            nn.LeakyReLU,
            (
                ParamSpec("negative_slope", "float", 0.01, IF_CHANGED, torch_default=0.01, step=0.01,
                          description="The slope for negative inputs."),
            ),
            "activation",
            True,
            _same_shape,
            _no_params,
            lambda p: f"{p['negative_slope']:g}",
            "leaky_relu",
            "x for x > 0, negative_slope · x otherwise: negatives keep a small gradient.",
        ),
        _activation("Sigmoid", nn.Sigmoid, "sigmoid", "1 / (1 + e^-x): squashes into (0, 1)."),
        _activation("Tanh", nn.Tanh, "tanh", "Squashes into (-1, 1), centred on zero."),
        LayerKind(
            "Softmax", nn.Softmax, (_dim_param(),), "activation", True, _softmax_shape, _no_params,
            lambda p: f"dim={p['dim']}", "softmax",
            "e^x / Σ e^x along dim: turns scores into probabilities that sum to 1.",
        ),
        LayerKind(
            "LogSoftmax", nn.LogSoftmax, (_dim_param(),), "activation", True, _softmax_shape,
            _no_params, lambda p: f"dim={p['dim']}", "log_softmax",
            "log(softmax(x)), computed stably: the input NLLLoss expects.",
        ),
        LayerKind(
            "Dropout",
            nn.Dropout,
            (
                ParamSpec("p", "float", 0.5, KEYWORD, minimum=0.0, maximum=1.0, step=0.05,
                          description="The probability of zeroing each value while training."),
            ),
            "regularization",
            False,
            _same_shape,
            _no_params,
            lambda p: f"p={p['p']:g}",
            "dropout",
            "While training, zeroes random values and scales the rest by 1/(1-p); "
            "in eval mode passes the input through.",
        ),
        LayerKind(
            "BatchNorm1d",
            nn.BatchNorm1d,
            (
                ParamSpec("num_features", "int", 16, POSITIONAL, minimum=1, width=True, step=1,
                          description="Channels C of an (N, C) or (N, C, L) input."),
                ParamSpec("eps", "float", 1e-5, IF_CHANGED, torch_default=1e-5, minimum=0.0,
                          minimum_inclusive=False, step=1e-5,
                          description="Added to the variance before the square root."),
                ParamSpec("momentum", "float", 0.1, IF_CHANGED, torch_default=0.1, minimum=0.0,
                          maximum=1.0, step=0.05,
                          description="How fast the running mean and variance follow each batch."),
                ParamSpec("affine", "bool", True, IF_CHANGED, torch_default=True,
                          description="Learn a scale γ and shift β per channel."),
            ),
            "normalization",
            False,
            _batchnorm_shape,
            lambda p: 2 * p["num_features"] if p["affine"] else 0,
            lambda p: str(p["num_features"]),
            "batch_norm",
            "Normalizes each channel over the batch to mean 0 and variance 1, then scales by γ "
            "and shifts by β.",
            _batchnorm_formula,
        ),
        LayerKind(
            "Flatten",
            nn.Flatten,
            (
                ParamSpec("start_dim", "int", 1, IF_CHANGED, torch_default=1, step=1,
                          description="The first dimension to merge (0 is the batch)."),
                ParamSpec("end_dim", "int", -1, IF_CHANGED, torch_default=-1, step=1,
                          description="The last dimension to merge (-1 is the last)."),
            ),
            "reshape",
            False,
            _flatten_shape,
            _no_params,
            _flatten_short,
            "flatten",
            "Merges dimensions into one: (N, 28, 28) → (N, 784).",
        ),
    )
}


# --------------------------------------------------------------------------- specs as data


@dataclass(frozen=True)
class LayerSpec:
    """One layer as plain data: a kind from LAYER_KINDS and its constructor arguments."""

    kind: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Fix:
    """A one-click change to the stack that resolves a problem.

    ``action`` is "set" (``param`` of layer ``layer`` to ``value``), "insert"
    (``new_layer`` at position ``layer``), "remove" (layer ``layer``) or "replace"
    (layer ``layer`` by ``new_layer``).
    """

    action: str
    layer: int
    label: str
    param: str | None = None
    value: Any = None
    new_layer: LayerSpec | None = None


@dataclass(frozen=True)
class Problem:
    """Something wrong ("error": the stack cannot run) or doubtful ("warning")."""

    code: str
    severity: str
    message: str
    layer: int | None = None
    fix: Fix | None = None
    details: dict = field(default_factory=dict)


def _kind(name: Any, position: int | None = None) -> LayerKind:
    if not isinstance(name, str) or name not in LAYER_KINDS:
        where = f"Layer {position + 1}: " if position is not None else ""
        raise InputError(
            f"{where}unknown layer kind {str(name)[:40]!r}. Choose one of: {', '.join(LAYER_KINDS)}.",
            code="unknown_kind",
            field="kind",
            details={"kind": str(name)[:40], "layer": position, "choices": list(LAYER_KINDS)},
        )
    return LAYER_KINDS[name]


def _coerce(spec: ParamSpec, value: Any, kind: LayerKind, where: str) -> Any:
    def bad(message: str, code: str = "bad_param", **details: Any) -> InputError:
        return InputError(f"{where}{kind.name}: {message}", code=code, field=spec.name,
                          details={"param": spec.name, "value": _jsonable(value), **details})

    if spec.type == "bool":
        if not isinstance(value, bool):
            raise bad(f"{spec.name} must be True or False, got {_short(value)}.")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad(f"{spec.name} must be a number, got {_short(value)}.")
    if not math.isfinite(value):
        raise bad(f"{spec.name} must be a finite number, got {value}.")
    if spec.type == "int":
        if isinstance(value, float):
            if not value.is_integer():
                raise bad(f"{spec.name} must be a whole number, got {value:g}.")
            value = int(value)
    else:
        value = float(value)
    if spec.minimum is not None:
        too_small = value < spec.minimum if spec.minimum_inclusive else value <= spec.minimum
        if too_small:
            bound = "at least" if spec.minimum_inclusive else "greater than"
            raise bad(f"{spec.name} must be {bound} {spec.minimum:g}, got {value:g}.", "too_small",
                      minimum=spec.minimum)
    if spec.maximum is not None and value > spec.maximum:
        raise bad(f"{spec.name} must be at most {spec.maximum:g}, got {value:g}.", "too_large",
                  maximum=spec.maximum)
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, bool | int | float | str) or value is None else _short(value)


def resolve_params(
    spec: LayerSpec, position: int | None = None, settings: Settings | None = None
) -> dict[str, Any]:
    """The full, checked arguments of one layer (defaults filled in); InputError if wrong."""
    settings = settings or get_settings()
    kind = _kind(spec.kind, position)
    where = f"Layer {position + 1}, " if position is not None else ""
    given = dict(spec.params)
    unknown = [name for name in given if name not in {p.name for p in kind.params}]
    if unknown:
        known = ", ".join(p.name for p in kind.params) or "none"
        raise InputError(
            f"{where}{kind.name} has no parameter {unknown[0]!r} (its parameters: {known}).",
            code="unknown_param", field=str(unknown[0]),
            details={"layer": position, "param": str(unknown[0]), "known": [p.name for p in kind.params]},
        )
    resolved: dict[str, Any] = {}
    for param in kind.params:
        if param.name not in given:
            if param.required:
                raise InputError(
                    f"{where}{kind.name} needs {param.name}.",
                    code="missing_param", field=param.name,
                    details={"layer": position, "param": param.name},
                )
            resolved[param.name] = param.default
            continue
        value = _coerce(param, given[param.name], kind, where)
        if param.width and value > settings.max_units:
            raise InputError(
                f"{where}{kind.name}: {param.name}={value:,} is more than the limit of "
                f"{settings.max_units:,} units per layer.",
                code="too_large", field=param.name,
                details={"layer": position, "param": param.name, "value": value,
                         "limit": settings.max_units},
            )
        resolved[param.name] = value
    return resolved


def layer_from_data(item: Any, position: int | None = None, settings: Settings | None = None) -> LayerSpec:
    """``{"kind": "Linear", "in_features": 4, "out_features": 16}`` → a checked LayerSpec."""
    if not isinstance(item, Mapping) or "kind" not in item:
        where = f"Layer {position + 1}" if position is not None else "A layer"
        raise InputError(
            f"{where} must be a mapping with a 'kind', like {{\"kind\": \"ReLU\"}}.",
            code="bad_layer", details={"layer": position},
        )
    params = {key: value for key, value in item.items() if key != "kind"}
    spec = LayerSpec(item["kind"], params)
    return LayerSpec(spec.kind, resolve_params(spec, position, settings))


def layers_from_data(data: Any, settings: Settings | None = None) -> list[LayerSpec]:
    """A list of layer dicts (as :func:`layers_to_data` writes them) → checked LayerSpecs."""
    settings = settings or get_settings()
    if not isinstance(data, list | tuple):
        raise InputError("A network must be a list of layers.", code="bad_layers")
    _check_layer_count(len(data), settings)
    return [layer_from_data(item, position, settings) for position, item in enumerate(data)]


def layers_to_data(layers: Sequence[LayerSpec]) -> list[dict]:
    """LayerSpecs → ``[{"kind": "Linear", "in_features": 4, ...}, {"kind": "ReLU"}]``."""
    return [{"kind": spec.kind, **spec.params} for spec in layers]


def _check_layer_count(count: int, settings: Settings) -> None:
    if count == 0:
        raise InputError("The network has no layers yet: add one, for example Linear.", code="empty")
    if count > settings.max_layers:
        raise InputError(
            f"The network has {count} layers; the limit is {settings.max_layers}.",
            code="too_many_layers", details={"count": count, "limit": settings.max_layers},
        )


def parameter_cap(settings: Settings | None = None) -> int:
    """The most parameters a network may have on this server (settings.max_params)."""
    return (settings or get_settings()).max_params


# --------------------------------------------------------------------------- shapes


_SHAPE_SPLIT = re.compile(r"[\s,x×*]+")


def parse_shape(text: str, settings: Settings | None = None) -> tuple[int, ...]:
    """"4", "28, 28", "(28, 28)", "28x28" or "N, 4" → the per-sample shape (no batch)."""
    settings = settings or get_settings()
    if len(text) > 200:
        raise InputError("The shape is too long: type a few numbers such as 28, 28.",
                         code="too_long", field="input_shape")
    body = text.strip().strip("()[]").strip()
    tokens = [token for token in _SHAPE_SPLIT.split(body) if token]
    if tokens and tokens[0].upper() == BATCH:
        tokens = tokens[1:]
    if not tokens:
        raise InputError("Type the shape of one sample, for example 4 or 28, 28.",
                         code="empty", field="input_shape")
    sizes = []
    for token in tokens:
        if not re.fullmatch(r"[+-]?\d+", token):
            raise InputError(
                f"{token[:20]!r} is not a whole number. Type sizes such as 4 or 28, 28.",
                code="not_a_number", field="input_shape", details={"token": token[:20]},
            )
        sizes.append(int(token))
    return check_input_shape(tuple(sizes), settings)


def check_input_shape(shape: Sequence[int], settings: Settings | None = None) -> tuple[int, ...]:
    """The shape of one sample, checked against the caps; InputError if it cannot be used."""
    settings = settings or get_settings()
    shape = tuple(shape)
    if not shape:
        raise InputError("The input needs at least one dimension, for example 4.",
                         code="empty", field="input_shape")
    if any(isinstance(n, bool) or not isinstance(n, int) for n in shape):
        raise InputError("Every size in the input shape must be a whole number.",
                         code="not_a_number", field="input_shape")
    if any(n < 1 for n in shape):
        raise InputError(
            f"Every size in the input shape must be at least 1, got {shape}.",
            code="too_small", field="input_shape", details={"shape": list(shape)},
        )
    if len(shape) + 1 > settings.max_tensor_dims:
        raise InputError(
            f"The input has {len(shape)} dimensions; with the batch that is more than the limit "
            f"of {settings.max_tensor_dims}.",
            code="too_many_dims", field="input_shape", details={"limit": settings.max_tensor_dims},
        )
    if math.prod(shape) > settings.max_tensor_elements:
        raise InputError(
            f"One sample of shape {shape} has {math.prod(shape):,} values; the limit is "
            f"{settings.max_tensor_elements:,}.",
            code="too_large", field="input_shape",
            details={"elements": math.prod(shape), "limit": settings.max_tensor_elements},
        )
    return shape


def format_shape(shape: Shape | None) -> str:
    """``("N", 28, 28)`` → ``"(N, 28, 28)"``; None (unknown) → ``"?"``."""
    if shape is None:
        return "?"
    return "(" + ", ".join(str(n) for n in shape) + ")"


@dataclass(frozen=True)
class LayerSummary:
    index: int
    spec: LayerSpec
    label: str
    input_shape: Shape | None  # None when an earlier problem hides it
    output_shape: Shape | None
    params: int | None  # None when the layer's arguments are invalid


@dataclass(frozen=True)
class NetworkSummary:
    input_shape: tuple[int, ...]
    layers: tuple[LayerSummary, ...]
    problems: tuple[Problem, ...]
    total_params: int
    loss: str | None = None

    @property
    def output_shape(self) -> Shape | None:
        if not self.layers:
            return (BATCH, *self.input_shape)
        return self.layers[-1].output_shape

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        """True when the stack can be built and run on this input."""
        return not self.errors

    def problems_for(self, index: int | None) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.layer == index)


# --------------------------------------------------------------------------- losses


@dataclass(frozen=True)
class OutputLoss:
    """What a loss function expects from the network's last layer."""

    name: str
    expects: str  # "logits", "probabilities", "log_probabilities", "values"
    description: str


OUTPUT_LOSSES: dict[str, OutputLoss] = {
    loss.name: loss
    for loss in (
        OutputLoss("CrossEntropyLoss", "logits",
                   "Multi-class: raw scores (logits); applies LogSoftmax itself."),
        OutputLoss("NLLLoss", "log_probabilities", "Multi-class: log-probabilities from LogSoftmax."),
        OutputLoss("BCELoss", "probabilities", "Binary: probabilities in (0, 1) from Sigmoid."),
        OutputLoss("BCEWithLogitsLoss", "logits", "Binary: raw scores; applies Sigmoid itself."),
        OutputLoss("MSELoss", "values", "Regression: any real numbers."),
    )
}


def _loss_problems(layers: Sequence[LayerSpec], loss: str | None) -> list[Problem]:
    if not layers:
        return []
    last = len(layers) - 1
    last_kind = layers[last].kind
    expects = OUTPUT_LOSSES[loss].expects if loss in OUTPUT_LOSSES else None
    remove = Fix("remove", last, f"Remove layer {last + 1} ({last_kind})")
    problems = []
    if last_kind == "Softmax" and loss in (None, "CrossEntropyLoss"):
        condition = "If you train with CrossEntropyLoss, drop it: " if loss is None else ""
        problems.append(Problem(
            "softmax_before_ce", "warning",
            f"Softmax is the last layer. {condition}CrossEntropyLoss applies LogSoftmax itself, so the "
            "scores would be squashed twice and the gradients shrink: the model learns slowly. Feed "
            "the raw outputs (logits) to the loss and apply Softmax only to read probabilities.",
            last, remove, {"loss": "CrossEntropyLoss"},
        ))
    elif expects == "logits" and last_kind in ("Sigmoid", "Softmax", "LogSoftmax"):
        problems.append(Problem(
            "activation_before_logits_loss", "warning",
            f"{last_kind} is the last layer, but {loss} takes raw scores (logits) and applies "
            "its own activation. Remove the last layer.",
            last, remove, {"loss": loss},
        ))
    elif expects == "probabilities" and last_kind != "Sigmoid":
        problems.append(Problem(
            "loss_needs_sigmoid", "warning",
            f"{loss} expects probabilities in (0, 1), but the last layer is {last_kind}. End with "
            "Sigmoid (or use BCEWithLogitsLoss on the raw outputs).",
            last, Fix("insert", last + 1, "Add Sigmoid at the end", new_layer=LayerSpec("Sigmoid", {})),
            {"loss": loss},
        ))
    elif expects == "log_probabilities" and last_kind != "LogSoftmax":
        new_layer = LayerSpec("LogSoftmax", {"dim": 1})
        fix = (Fix("replace", last, "Replace Softmax by LogSoftmax", new_layer=new_layer)
               if last_kind == "Softmax" else
               Fix("insert", last + 1, "Add LogSoftmax at the end", new_layer=new_layer))
        problems.append(Problem(
            "loss_needs_log_softmax", "warning",
            f"{loss} expects log-probabilities, but the last layer is {last_kind}. End with "
            "LogSoftmax (or use CrossEntropyLoss on the raw outputs).",
            last, fix, {"loss": loss},
        ))
    return problems


def _collapse_problems(layers: Sequence[LayerSpec], labels: Sequence[str]) -> list[Problem]:
    """Two Linear layers with no nonlinearity between them are one linear map."""
    problems = []
    previous_linear = None
    for index, spec in enumerate(layers):
        kind = LAYER_KINDS.get(spec.kind)
        if kind is None:
            continue
        if kind.nonlinear:
            previous_linear = None
        elif kind.role == "linear":
            if previous_linear is not None:
                first, second = layers[previous_linear].params, spec.params
                problems.append(Problem(
                    "collapse", "warning",
                    f"Layers {previous_linear + 1} and {index + 1} ({labels[previous_linear]} and "
                    f"{labels[index]}) have no activation between them, so together they are one "
                    f"linear map {first.get('in_features', '?')} → {spec.params.get('out_features', '?')}: "
                    "a single Linear would do the same. Add an activation such as ReLU between them.",
                    index,
                    Fix("insert", previous_linear + 1, f"Insert ReLU after layer {previous_linear + 1}",
                        new_layer=LayerSpec("ReLU", {})),
                    {"first": previous_linear, "second": index,
                     "in_features": first.get("in_features"), "out_features": second.get("out_features")},
                ))
            previous_linear = index
    return problems


def analyze(
    layers: Sequence[LayerSpec],
    input_shape: Sequence[int],
    *,
    loss: str | None = None,
    settings: Settings | None = None,
) -> NetworkSummary:
    """Shapes, parameters and problems of a stack for one sample shape (no batch).

    ``loss`` names the loss the network will be trained with (a key of
    OUTPUT_LOSSES), so the last layer can be checked against it; None checks
    for the most common mistake, Softmax before CrossEntropyLoss.
    Raises InputError only for an unusable ``input_shape``.
    """
    settings = settings or get_settings()
    sample = check_input_shape(input_shape, settings)
    problems: list[Problem] = []
    if not layers:
        problems.append(Problem("empty", "error", "The network has no layers yet: add one, for example Linear."))
    elif len(layers) > settings.max_layers:
        problems.append(Problem(
            "too_many_layers", "error",
            f"The network has {len(layers)} layers; the limit is {settings.max_layers}. Remove some.",
            details={"count": len(layers), "limit": settings.max_layers},
        ))

    summaries: list[LayerSummary] = []
    labels: list[str] = []
    shape: Shape | None = (BATCH, *sample)
    total = 0
    for index, spec in enumerate(layers):
        label = spec.kind
        try:
            params = resolve_params(spec, index, settings)
        except InputError as error:
            problems.append(Problem(error.code, "error", error.message, index, None,
                                    {**error.details, "param": error.field}))
            summaries.append(LayerSummary(index, spec, label, shape, None, None))
            labels.append(label)
            shape = None
            continue
        kind = LAYER_KINDS[spec.kind]
        label = kind.label(params)
        count = kind.count_params(params)
        total += count
        output: Shape | None = None
        if shape is not None:
            warnings: list[Problem] = []
            context = _RuleContext(index, label, LayerSpec(spec.kind, params), warnings)
            try:
                output = kind.shape_rule(shape, params, context)
            except _ShapeFailure as failure:
                problems.append(failure.problem)
                output = failure.assumed
            problems.extend(warnings)
        summaries.append(LayerSummary(index, LayerSpec(spec.kind, params), label, shape, output, count))
        labels.append(label)
        shape = output

    problems.extend(_collapse_problems([s.spec for s in summaries], labels))
    problems.extend(_loss_problems(layers, loss))
    if total > parameter_cap(settings):
        problems.append(Problem(
            "too_many_params", "error",
            f"The network has {total:,} parameters; the limit on this server is "
            f"{parameter_cap(settings):,}. Make the layers narrower.",
            details={"count": total, "limit": parameter_cap(settings)},
        ))
    problems.sort(key=lambda p: (-1 if p.layer is None else p.layer, p.severity != "error"))
    return NetworkSummary(sample, tuple(summaries), tuple(problems), total, loss)


def apply_fix(layers: Sequence[LayerSpec], fix: Fix) -> list[LayerSpec]:
    """The stack with one Fix applied (the input is left unchanged)."""
    result = list(layers)
    if fix.action == "set":
        target = result[fix.layer]
        result[fix.layer] = LayerSpec(target.kind, {**target.params, fix.param: fix.value})
    elif fix.action == "insert":
        result.insert(fix.layer, fix.new_layer)
    elif fix.action == "remove":
        del result[fix.layer]
    elif fix.action == "replace":
        result[fix.layer] = fix.new_layer
    else:
        raise ValueError(f"unknown fix action {fix.action!r}")
    return result


def suggested_layer(kind_name: str, layers: Sequence[LayerSpec], input_shape: Sequence[int]) -> LayerSpec:
    """A new layer of ``kind_name`` that fits after ``layers`` (its widths follow the stack)."""
    kind = _kind(kind_name)
    params = kind.defaults()
    try:
        shape = analyze(layers, input_shape).output_shape
    except InputError:
        shape = None
    if shape is not None:
        if "in_features" in params:
            params["in_features"] = shape[-1]
        if "num_features" in params and len(shape) in (2, 3):
            params["num_features"] = shape[1]
    return LayerSpec(kind.name, params)


# --------------------------------------------------------------------------- torch


def _checked(layers: Sequence[LayerSpec], settings: Settings) -> list[tuple[LayerKind, dict]]:
    _check_layer_count(len(layers), settings)
    checked = []
    for position, spec in enumerate(layers):
        params = resolve_params(spec, position, settings)
        checked.append((LAYER_KINDS[spec.kind], params))
    total = sum(kind.count_params(params) for kind, params in checked)
    if total > parameter_cap(settings):
        raise InputError(
            f"The network has {total:,} parameters; the limit on this server is "
            f"{parameter_cap(settings):,}.",
            code="too_many_params", details={"count": total, "limit": parameter_cap(settings)},
        )
    return checked


_SHAPE_KEEPING_ROLES = ("activation", "regularization", "normalization")


def _check_linear_chain(checked: Sequence[tuple[LayerKind, dict]]) -> None:
    """Two Linear layers whose widths disagree fail for any input: say so before building."""
    width, source = None, None
    for position, (kind, params) in enumerate(checked):
        if kind.role == "linear":
            if width is not None and params["in_features"] != width:
                raise InputError(
                    f"{kind.label(params)} expects {params['in_features']} input features but layer "
                    f"{source + 1} outputs {width}.",
                    code="mismatch",
                    details={"layer": position, "param": "in_features", "expected": params["in_features"],
                             "actual": width},
                )
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
    :func:`analyze` finds is an error too.
    """
    settings = settings or get_settings()
    checked = _checked(layers, settings)
    _check_linear_chain(checked)
    if input_shape is not None:
        errors = analyze(layers, input_shape, settings=settings).errors
        if errors:
            raise InputError(errors[0].message, code=errors[0].code,
                             details={"layer": errors[0].layer, **errors[0].details})
    return nn.Sequential(*(kind.module(**params) for kind, params in checked))


def parameter_count(model: nn.Module) -> int:
    return sum(parameter.numel() for parameter in model.parameters())


MAX_SEED = 2**63 - 1


def check_seed(seed: int) -> int:
    """A seed torch accepts: a whole number from 0 to 2**63 - 1."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise InputError(
            f"The seed must be a whole number from 0 to {MAX_SEED:,}, got {_short(seed)}.",
            code="bad_seed", field="seed", details={"value": _jsonable(seed)},
        )
    return seed


def sample_input(
    input_shape: Sequence[int], batch_size: int = 2, seed: int = 0, settings: Settings | None = None
) -> torch.Tensor:
    """A reproducible standard-normal batch of shape (batch_size, *input_shape)."""
    settings = settings or get_settings()
    shape = check_input_shape(input_shape, settings)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InputError(f"The batch size must be at least 1, got {batch_size}.",
                         code="too_small", field="batch_size")
    elements = batch_size * math.prod(shape)
    if elements > settings.max_tensor_elements:
        raise InputError(
            f"A batch of {batch_size} samples of shape {shape} has {elements:,} values; the limit is "
            f"{settings.max_tensor_elements:,}. Use a smaller batch.",
            code="too_large", field="batch_size",
            details={"elements": elements, "limit": settings.max_tensor_elements},
        )
    generator = torch.Generator().manual_seed(check_seed(seed))
    return torch.randn(batch_size, *shape, generator=generator)


def as_batch(x: torch.Tensor, input_shape: Sequence[int]) -> torch.Tensor:
    """A typed sample as a float batch: one sample of ``input_shape`` gets a batch dim of 1."""
    shape = tuple(input_shape)
    if tuple(x.shape) == shape:
        x = x.unsqueeze(0)
    elif tuple(x.shape[1:]) != shape:
        raise InputError(
            f"The sample has shape {tuple(x.shape)}, but the network takes {format_shape((BATCH, *shape))} "
            f"(or one sample of shape {shape}).",
            code="shape_mismatch", field="sample",
            details={"shape": list(x.shape), "expected": list(shape)},
        )
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
                    raise InputError(
                        f"Layer {index + 1} ({type(module).__name__}) cannot take a tensor of shape "
                        f"{tuple(x.shape)}: {str(error).splitlines()[0][:200]}",
                        code="forward_failed", details={"layer": index, "shape": list(x.shape)},
                    ) from None
                steps.append(TraceStep(index, LAYER_KINDS[layers[index].kind].label(
                    resolve_params(layers[index], index, settings)), x))
    return steps


# --------------------------------------------------------------------------- presets


@dataclass(frozen=True)
class NetworkPreset:
    name: str
    title: str
    input_shape: tuple[int, ...]  # one sample, without the batch dimension
    layers: tuple[LayerSpec, ...]
    description: str
    loss: str = "CrossEntropyLoss"  # what the course trains it with (a key of OUTPUT_LOSSES)


def linear(in_features: int, out_features: int) -> LayerSpec:
    return LayerSpec("Linear", {"in_features": in_features, "out_features": out_features, "bias": True})


def binary_classifier_layers(layer_dims: Sequence[int]) -> tuple[LayerSpec, ...]:
    """The stack of course 002's ``BinaryClassifier(layer_dims)``: Linear + ReLU, Sigmoid at the end."""
    layers: list[LayerSpec] = []
    for index in range(len(layer_dims) - 1):
        layers.append(linear(layer_dims[index], layer_dims[index + 1]))
        layers.append(LayerSpec("ReLU", {}) if index < len(layer_dims) - 2 else LayerSpec("Sigmoid", {}))
    return tuple(layers)


PRESETS: dict[str, NetworkPreset] = {
    preset.name: preset
    for preset in (
        NetworkPreset(
            "iris", "Iris classifier 4 → 16 → 3", (4,),
            (linear(4, 16), LayerSpec("ReLU", {}), linear(16, 3)),
            "Course 004, «Обучаем нейросеть»: Sequential(Linear(4, 16), ReLU(), Linear(16, 3)). Four "
            "flower measurements in, three class scores out; no Softmax, because CrossEntropyLoss "
            "applies it.",
        ),
        NetworkPreset(
            "notmnist", "notMNIST letters 784 → 256 → 10", (28, 28),
            (LayerSpec("Flatten", {"start_dim": 1, "end_dim": -1}), linear(784, 256),
             LayerSpec("ReLU", {}), linear(256, 10)),
            "Course 003, «Построение модели»: a 28 × 28 image reshaped to 28 * 28 = 784 features, "
            "Linear to hidden_dim = 256, ReLU, Linear to 10 letters. The course's SimpleModel also ends "
            "with Softmax(dim=1) before F.cross_entropy; add it here to see why that is a mistake.",
        ),
        NetworkPreset(
            "regression", "Regression 3 → 10 → 20 → 1", (3,),
            (linear(3, 10), LayerSpec("ReLU", {}), linear(10, 20), LayerSpec("ReLU", {}), linear(20, 1)),
            "Course 004, «Собираем нейросеть»: three features mapped to 10, then to 20, then to one "
            "predicted number, with ReLU between the linear layers.",
            loss="MSELoss",
        ),
        NetworkPreset(
            "binary", "Binary classifier [5, 5, 3, 1]", (5,),
            binary_classifier_layers([5, 5, 3, 1]),
            "Course 002, B.5.2: BinaryClassifier(layer_dims) with layer_dims = [5, 5, 3, 1], five "
            "features, hidden layers of 5 and 3 units with ReLU, one output through Sigmoid.",
            loss="BCELoss",
        ),
    )
}


# --------------------------------------------------------------------------- planned data sets


@dataclass(frozen=True)
class PlannedDataset:
    """A data set the Training page trains on, as far as the network must fit it."""

    name: str
    label: str  # as a sentence names it
    title: str
    input_shape: tuple[int, ...]  # one sample, as the Training page hands it over
    classes: int
    sample_words: str  # what one sample is, in words


PLANNED_DATASETS: dict[str, PlannedDataset] = {
    dataset.name: dataset
    for dataset in (
        PlannedDataset("iris", "Iris", "iris: 4 measurements → 3 species", (4,), 3, "4 flower measurements"),
        PlannedDataset("notmnist", "notMNIST", "notMNIST: 28 × 28 images → 10 letters", (28, 28), 10,
                       "28 × 28 images"),
    )
}
TRAINING_LOSSES = ("CrossEntropyLoss", "NLLLoss")  # what the Training page trains a classifier with


def _shape_words(shape: Sequence[int]) -> str:
    return ", ".join(str(n) for n in shape)


def dataset_problems(summary: NetworkSummary, dataset: str) -> list[Problem]:
    """Where the network does not fit a data set the student plans to train on, before any run.

    The Training page hands over one sample of ``input_shape`` and needs one score per class
    out, (N, classes), trained with CrossEntropyLoss. Each mismatch is a warning with a fix:
    ``Fix("input_shape", value=shape)`` and ``Fix("loss", value=name)`` change the page's
    settings rather than the stack (:func:`apply_fix` does not take them); an output of the
    wrong width sets the last Linear layer's ``out_features``.
    """
    planned = PLANNED_DATASETS[dataset]
    problems: list[Problem] = []
    if tuple(summary.input_shape) != planned.input_shape:
        wanted = _shape_words(planned.input_shape)
        advice = " Begin the stack with Flatten for images." if len(planned.input_shape) > 1 else ""
        problems.append(Problem(
            "dataset_input_shape", "warning",
            f"{planned.label} samples are {planned.sample_words}: the Training page feeds them as "
            f"{format_shape((BATCH, *planned.input_shape))}, but this network takes "
            f"{format_shape((BATCH, *summary.input_shape))}.{advice}",
            None, Fix("input_shape", 0, f"Set the input shape to {wanted}", value=planned.input_shape),
            {"dataset": planned.name, "expected": list(planned.input_shape), "actual": list(summary.input_shape)},
        ))
    output = summary.output_shape
    if output is not None and summary.layers:
        expected = format_shape((BATCH, planned.classes))
        if len(output) != 2 and summary.ok:  # a broken stack's shapes after the break are guesses
            problems.append(Problem(
                "dataset_output_rank", "warning",
                f"{planned.label} needs one row of {planned.classes} class scores per sample, {expected}, "
                f"but this network outputs {format_shape(output)}: put Flatten before the Linear layers.",
                None, None, {"dataset": planned.name, "classes": planned.classes, "output": list(output)},
            ))
        elif output[-1] != planned.classes:
            linears = [row.index for row in summary.layers if row.spec.kind == "Linear"]
            fix = (Fix("set", linears[-1], f"Set out_features of layer {linears[-1] + 1} to {planned.classes}",
                       param="out_features", value=planned.classes) if linears else None)
            problems.append(Problem(
                "dataset_classes", "warning",
                f"{planned.label} has {planned.classes} classes, so the network must end with one score per "
                f"class, {expected}, but it ends with {output[-1]} output{'s' if output[-1] != 1 else ''}.",
                linears[-1] if linears else None, fix,
                {"dataset": planned.name, "classes": planned.classes, "outputs": output[-1]},
            ))
    if summary.loss is not None and summary.loss not in TRAINING_LOSSES:
        problems.append(Problem(
            "dataset_loss", "warning",
            f"The Training page trains {planned.label} as a choice among {planned.classes} classes with "
            f"CrossEntropyLoss; {summary.loss} is meant for another task.",
            None, Fix("loss", 0, "Plan to train with CrossEntropyLoss", value="CrossEntropyLoss"),
            {"dataset": planned.name, "loss": summary.loss},
        ))
    return problems


# --------------------------------------------------------------------------- code export


def _code_lines(layers: Sequence[LayerSpec], input_shape: Sequence[int], settings: Settings
                ) -> tuple[list[tuple[LayerKind, dict, LayerSummary]], NetworkSummary]:
    checked = _checked(layers, settings)
    summary = analyze(layers, input_shape, settings=settings)
    if not summary.ok:
        first = summary.errors[0]
        raise InputError(
            f"Fix the network before exporting it: {first.message}",
            code="invalid_network", details={"problems": [p.code for p in summary.errors]},
        )
    return [(kind, params, row) for (kind, params), row in zip(checked, summary.layers, strict=True)], summary


def _example_lines(input_shape: Sequence[int], summary: NetworkSummary) -> list[str]:
    sizes = ", ".join(str(n) for n in (2, *input_shape))
    output = tuple(2 if n == BATCH else n for n in summary.output_shape)
    return [
        "print(model)",
        "",
        f"x = torch.randn({sizes})  # a batch of 2 samples",
        "y = model(x)",
        f"print(y.shape)  # torch.Size({list(output)})",
        f"print(sum(p.numel() for p in model.parameters()))  # {summary.total_params} parameters",
        "",
    ]


def sequential_code(
    layers: Sequence[LayerSpec], input_shape: Sequence[int], *, settings: Settings | None = None
) -> str:
    """Runnable Python that builds the stack as ``model = nn.Sequential(...)`` and runs it once."""
    settings = settings or get_settings()
    rows, summary = _code_lines(layers, input_shape, settings)
    lines = [
        "import torch",
        "from torch import nn",
        "",
        f"# input: {format_shape((BATCH, *summary.input_shape))}",
        "model = nn.Sequential(",
    ]
    for kind, params, row in rows:
        lines.append(f"    {kind.constructor_code(params)},  # -> {format_shape(row.output_shape)}")
    lines += [")", *_example_lines(input_shape, summary)]
    return "\n".join(lines)


def _check_class_name(class_name: str) -> None:
    if not class_name.isidentifier() or keyword.iskeyword(class_name):
        raise InputError(f"{class_name[:40]!r} is not a valid Python class name.",
                         code="bad_name", field="class_name")


def default_class_name(loss: str | None) -> str:
    """What to call the exported class, after the task the loss says it has (course 002's
    ``BinaryClassifier`` for a binary loss)."""
    return {
        "BCELoss": "BinaryClassifier",
        "BCEWithLogitsLoss": "BinaryClassifier",
        "CrossEntropyLoss": "Classifier",
        "NLLLoss": "Classifier",
        "MSELoss": "Regressor",
    }.get(loss or "", "Net")


def course_layer_names(layers: Sequence[LayerSpec]) -> list[str]:
    """Module names the way course 002's ``BinaryClassifier`` gives them: ``linear0, relu0,
    linear1, relu1, linear2, sigmoid2``. A Linear layer takes the next number; every other
    layer takes the number of the Linear layer before it (0 before the first). A name used
    twice gets ``_2``, ``_3``."""
    names: list[str] = []
    used: set[str] = set()
    linears = 0
    for spec in layers:
        if spec.kind == "Linear":
            number, linears = linears, linears + 1
        else:
            number = max(linears - 1, 0)
        base = f"{_kind(spec.kind).attribute}{number}"
        name, copy = base, 2
        while name in used:
            name, copy = f"{base}_{copy}", copy + 1
        used.add(name)
        names.append(name)
    return names


def _layer_dims_form(rows: Sequence[tuple[LayerKind, dict, LayerSummary]]
                     ) -> tuple[list[int], str | None, str | None] | None:
    """``(layer_dims, hidden activation, output activation)`` when the stack is course 002's
    pattern: Linear layers with bias, one and the same activation between them, at most one
    activation after the last. None for any other stack."""
    linear_at = [i for i, (kind, _, _) in enumerate(rows) if kind.name == "Linear"]
    if not linear_at or linear_at[0] != 0 or any(not rows[i][1]["bias"] for i in linear_at):
        return None
    hidden: set[str] = set()
    for before, after in zip(linear_at, linear_at[1:], strict=False):
        between = rows[before + 1:after]
        if len(between) != 1 or between[0][0].role != "activation":
            return None
        hidden.add(between[0][0].constructor_code(between[0][1]))
    tail = rows[linear_at[-1] + 1:]
    if len(hidden) > 1 or len(tail) > 1 or (tail and tail[0][0].role != "activation"):
        return None
    dims = [rows[0][1]["in_features"], *(rows[i][1]["out_features"] for i in linear_at)]
    output = tail[0][0].constructor_code(tail[0][1]) if tail else None
    return dims, next(iter(hidden), None), output


def sequential_class_code(
    layers: Sequence[LayerSpec],
    input_shape: Sequence[int],
    class_name: str = "BinaryClassifier",
    *,
    settings: Settings | None = None,
) -> str:
    """The network as course 002 writes it (B.5.2): a class that extends ``nn.Sequential`` and
    adds its modules by name, so ``print(model)`` reads ``BinaryClassifier( (linear0): ...``.

    A stack of the course's pattern (Linear, activation, ..., Linear, optional activation) is
    built from ``layer_dims`` in the course's loop; any other stack adds each module by name.
    """
    settings = settings or get_settings()
    _check_class_name(class_name)
    rows, summary = _code_lines(layers, input_shape, settings)
    names = course_layer_names(layers)
    lines = [
        "import torch",
        "from torch import nn",
        "",
        "",
        f"class {class_name}(nn.Sequential):",
    ]
    form = _layer_dims_form(rows)
    if form is not None:
        dims, hidden, output = form
        hidden_name = _kind(layers[1].kind).attribute if hidden else None
        output_name = _kind(layers[-1].kind).attribute if output else None
        lines += [
            "    def __init__(self, layer_dims):",
            "        super().__init__()",
            "        for idx, dim in enumerate(layer_dims):",
            "            if idx < len(layer_dims) - 1:",
            "                module = nn.Linear(dim, layer_dims[idx + 1])",
            '                self.add_module(f"linear{idx}", module)',
        ]
        if hidden:
            lines += [
                "            if idx < len(layer_dims) - 2:  # after every hidden layer",
                f"                activation = {hidden}",
                f'                self.add_module(f"{hidden_name}{{idx}}", activation)',
            ]
        if output:
            lines += [
                f"            {'elif' if hidden else 'if'} idx == len(layer_dims) - 2:  # after the output layer",
                f"                activation = {output}",
                f'                self.add_module(f"{output_name}{{idx}}", activation)',
            ]
        lines += [
            "",
            "",
            f"# input: {format_shape((BATCH, *summary.input_shape))}, output: {format_shape(summary.output_shape)}",
            f"layer_dims = {dims}",
            f"model = {class_name}(layer_dims)",
        ]
    else:
        lines += ["    def __init__(self):", "        super().__init__()"]
        lines += [f'        self.add_module("{name}", {kind.constructor_code(params)})  '
                  f"# -> {format_shape(row.output_shape)}"
                  for name, (kind, params, row) in zip(names, rows, strict=True)]
        lines += ["", "", f"# input: {format_shape((BATCH, *summary.input_shape))}", f"model = {class_name}()"]
    return "\n".join([*lines, *_example_lines(input_shape, summary)])


def module_code(
    layers: Sequence[LayerSpec],
    input_shape: Sequence[int],
    class_name: str = "Net",
    *,
    settings: Settings | None = None,
) -> str:
    """The same network as an ``nn.Module`` subclass with one attribute per layer."""
    settings = settings or get_settings()
    _check_class_name(class_name)
    rows, summary = _code_lines(layers, input_shape, settings)
    counts: dict[str, int] = {}
    names = []
    for kind, _, _ in rows:
        counts[kind.attribute] = counts.get(kind.attribute, 0) + 1
        names.append(f"{kind.attribute}_{counts[kind.attribute]}")
    lines = [
        "import torch",
        "from torch import nn",
        "",
        "",
        f"class {class_name}(nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
    ]
    lines += [f"        self.{name} = {kind.constructor_code(params)}"
              for name, (kind, params, _) in zip(names, rows, strict=True)]
    lines += ["", "    def forward(self, x):", f"        # x: {format_shape((BATCH, *summary.input_shape))}"]
    lines += [f"        x = self.{name}(x)  # -> {format_shape(row.output_shape)}"
              for name, (_, _, row) in zip(names, rows, strict=True)]
    lines += ["        return x", "", "", f"model = {class_name}()", *_example_lines(input_shape, summary)]
    return "\n".join(lines)


# --------------------------------------------------------------------------- drawing

_ROLE_COLORS = {  # fill, stroke
    "linear": ("#dbe8f6", "#3a6ea5"),
    "activation": ("#fde6cf", "#c96a12"),
    "regularization": ("#ececec", "#777777"),
    "normalization": ("#ebdff6", "#7a4fa3"),
    "reshape": ("#dcf1dc", "#3d8a3d"),
    "input": ("#ffffff", "#333333"),
}
_SEVERITY_STROKES = {"error": "#d62728", "warning": "#e0a800"}


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def architecture_svg(summary: NetworkSummary, per_row: int = 6) -> str:
    """The stack as boxes left to right (wrapping into rows), one per layer, with shapes.

    A box's height grows with the number of features the layer outputs (log scale),
    so a network's narrowing or widening is visible at a glance.
    """
    box_width, gap, row_gap, pad = 132, 34, 44, 12
    nodes = [("input", "Input", "", "", None, (BATCH, *summary.input_shape))]
    for row in summary.layers:
        kind = LAYER_KINDS.get(row.spec.kind)
        inner = row.label[len(row.spec.kind):].strip("()") if kind else ""
        params = "" if not row.params else f"{row.params:,} params"
        severities = {p.severity for p in summary.problems_for(row.index)}
        severity = "error" if "error" in severities else ("warning" if severities else None)
        nodes.append((kind.role if kind else "regularization", f"{row.index + 1}. {row.spec.kind}",
                      inner, params, severity, row.output_shape))

    def height(shape: Shape | None) -> float:
        if shape is None:
            return 60.0
        features = math.prod(int(n) for n in shape[1:]) if len(shape) > 1 else 1
        return 60.0 + min(120.0, 10.0 * math.log2(max(features, 1)))

    columns = min(per_row, len(nodes))
    rows = [nodes[i:i + per_row] for i in range(0, len(nodes), per_row)]
    row_heights = [max(height(node[5]) for node in row) for row in rows]
    width = pad * 2 + columns * box_width + (columns - 1) * gap
    total_height = pad * 2 + sum(row_heights) + row_gap * (len(rows) - 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total_height:.0f}" '
        f'viewBox="0 0 {width} {total_height:.0f}" font-family="sans-serif" font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>',
    ]
    top = pad
    previous_exit = None
    for row, row_height in zip(rows, row_heights, strict=True):
        middle = top + row_height / 2
        for column, (role, title, inner, params, severity, shape) in enumerate(row):
            x = pad + column * (box_width + gap)
            h = height(shape)
            y = middle - h / 2
            fill, stroke = _ROLE_COLORS[role]
            stroke = _SEVERITY_STROKES.get(severity, stroke)
            stroke_width = 3 if severity else 1.5
            if previous_exit is not None:
                px, py, wrapped = previous_exit
                if wrapped:
                    turn = top - row_gap / 2
                    parts.append(
                        f'<polyline points="{px:.0f},{py:.0f} {px:.0f},{turn:.0f} {x + box_width / 2:.0f},{turn:.0f} '
                        f'{x + box_width / 2:.0f},{y - 2:.0f}" fill="none" stroke="#555" stroke-width="1.5" '
                        'marker-end="url(#arrow)"/>'
                    )
                else:
                    parts.append(
                        f'<line x1="{px:.0f}" y1="{middle:.0f}" x2="{x - 2:.0f}" y2="{middle:.0f}" '
                        'stroke="#555" stroke-width="1.5" marker-end="url(#arrow)"/>'
                    )
            parts.append(
                f'<rect x="{x}" y="{y:.1f}" width="{box_width}" height="{h:.1f}" rx="7" fill="{fill}" '
                f'stroke="{stroke}" stroke-width="{stroke_width}"/>'
            )
            lines = [(title, "bold", "#111"), (inner, "normal", "#333"),
                     (format_shape(shape), "normal", "#111"), (params, "normal", "#555")]
            lines = [line for line in lines if line[0]]
            first_y = middle - (len(lines) - 1) * 8
            for number, (text, weight, color) in enumerate(lines):
                parts.append(
                    f'<text x="{x + box_width / 2:.0f}" y="{first_y + number * 16 + 4:.0f}" text-anchor="middle" '
                    f'font-weight="{weight}" fill="{color}">{_xml(text)}</text>'
                )
            last_in_row = column == len(row) - 1
            previous_exit = ((x + box_width / 2, y + h + 2, True) if last_in_row
                             else (x + box_width + 2, middle, False))
        top += row_height + row_gap
    parts.append("</svg>")
    return "\n".join(parts)
