"""The registry of layer kinds: how to build each one, write it, count its parameters and
follow a shape through it.

The activation layers (ReLU, Sigmoid, Softmax, ...) are not declared here: they come from
the activation records in :mod:`nnlib.activations` that say ``layer=True``, so a new
activation is a new layer kind with no edit here. The kinds below are the ones that are
not activations: Linear, LogSoftmax, Dropout, BatchNorm1d and Flatten.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from torch import nn

from nnlib.activations import ACTIVATIONS, Activation
from nnlib.core import messages
from nnlib.core.formatting import batch_shape_text
from nnlib.core.params import IF_CHANGED, KEYWORD, POSITIONAL, Param
from nnlib.layers.shapes import BATCH, Shape, normalize_dim
from nnlib.layers.spec import Fix, LayerSpec, Problem

# What a layer's output is, for checking the last layer against the loss (None: any numbers).
PROBABILITIES = "probabilities"  # each value in (0, 1) on its own: Sigmoid
DISTRIBUTION = "distribution"  # probabilities that sum to 1 along a dim: Softmax
LOG_PROBABILITIES = "log_probabilities"  # LogSoftmax


class ShapeFailure(Exception):
    """Raised by a shape rule: the layer cannot take this input.

    ``assumed`` is the output the layer would give had its input been right (for a width
    mismatch), so the layers after it are still checked.
    """

    def __init__(self, problem: Problem, assumed: Shape | None = None) -> None:
        super().__init__(problem.code)
        self.problem = problem
        self.assumed = assumed


@dataclass
class RuleContext:
    """What a shape rule needs to report a problem: where the layer is and what feeds it."""

    index: int
    label: str
    warnings: list[Problem]

    def _problem(self, code: str, severity: str, fix: Fix | None, fed: bool, says: str, details: dict) -> Problem:
        # ``fed``: the sentence names what feeds the layer, which reads differently for the
        # input itself ("the input has 8" / "layer 2 outputs 8"): a wording of its own.
        sentence = says or code
        wording = f"layers.{sentence}_input" if fed and self.index == 0 else f"layers.{sentence}"
        shown = {"label": self.label, **({"source": self.index} if fed else {}), **details}
        code = f"layers.{code}"
        return Problem(code, severity, self.index, fix, shown, "" if wording == code else wording)

    def fail(self, code: str, fix: Fix | None = None, assumed: Shape | None = None, *, fed: bool = False,
             says: str = "", **details: Any) -> None:
        """An error: the layer cannot take this input (``says``: the sentence, where not ``code``)."""
        raise ShapeFailure(self._problem(code, "error", fix, fed, says, details), assumed)

    def warn(self, code: str, fix: Fix | None = None, *, fed: bool = False, **details: Any) -> None:
        self.warnings.append(self._problem(code, "warning", fix, fed, "", details))

    def insert_flatten(self) -> Fix:
        return Fix("insert", self.index, "layers.fix_insert_before", new_layer=LayerSpec("Flatten", {}),
                   details={"kind": "Flatten", "position": self.index + 1})

    def set_param(self, param: str, value: Any) -> Fix:
        return Fix("set", self.index, "layers.fix_set", param=param, value=value,
                   details={"param": param, "value": value})


ShapeRule = Callable[[Shape, dict, RuleContext], Shape]


@dataclass(frozen=True)
class LayerKind:
    """A kind of layer: how to build it, describe it, and follow shapes through it."""

    name: str
    module: Callable[..., nn.Module]
    params: tuple[Param, ...]
    role: str  # "linear", "activation", "regularization", "normalization", "reshape"
    nonlinear: bool  # separates two Linear layers so they do not collapse
    shape_rule: ShapeRule
    count_params: Callable[[dict], int]
    short: Callable[[dict], str]  # the arguments as a student reads them: "4 → 16"
    attribute: str  # attribute stem in the nn.Module form: linear_1, relu_1
    describe: Callable[[], str]  # what the layer does, in the current language (see description)
    formula: Callable[[dict], str] | None = None  # the parameter count in LaTeX, with the numbers
    output: str | None = None  # PROBABILITIES, DISTRIBUTION, LOG_PROBABILITIES or None

    @property
    def description(self) -> str:
        """What the layer does, in one sentence, worded when it is read (the student's language)."""
        return self.describe()

    def help_for(self, spec: Param) -> str:
        """A parameter's help text in the current language: ``layers.help_<attribute>_<name>`` (or
        ``layers.help_<name>`` for one every kind shares), else the parameter's own words."""
        for code in (f"layers.help_{self.attribute}_{spec.name}", f"layers.help_{spec.name}"):
            if messages.template(code) is not None:
                return messages.word(code)
        return spec.help

    def param(self, name: str) -> Param:
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
                arguments.append(repr(value))
            elif spec.style == KEYWORD or value != spec.torch_default:
                arguments.append(f"{spec.name}={value!r}")
        return f"{prefix}{self.name}({', '.join(arguments)})"


# --------------------------------------------------------------------------- shape rules


def _same_shape(shape: Shape, params: dict, ctx: RuleContext) -> Shape:
    return shape


def _dims_details(name: str, value: int, shape: Shape) -> dict:
    return {"param": name, "value": value, "ndim": len(shape), "shape_text": batch_shape_text(shape),
            "lowest": -len(shape), "highest": len(shape) - 1}


def _linear_shape(shape: Shape, params: dict, ctx: RuleContext) -> Shape:
    expected, actual = params["in_features"], shape[-1]
    features = shape[1:]
    if expected != actual:
        flat = math.prod(int(n) for n in features)
        if len(features) > 1 and flat == expected:
            ctx.fail("needs_flatten", ctx.insert_flatten(), assumed=(BATCH, params["out_features"]), fed=True,
                     expected=expected, actual=list(features), shape_text=batch_shape_text(shape),
                     sizes=" × ".join(str(n) for n in features), flat=flat)
        ctx.fail("mismatch", ctx.set_param("in_features", actual), assumed=shape[:-1] + (params["out_features"],),
                 fed=True, param="in_features", expected=expected, actual=actual)
    if len(features) > 1:
        ctx.warn("linear_on_last_dim", ctx.insert_flatten(), shape_text=batch_shape_text(shape),
                 output_text=batch_shape_text(shape[:-1] + (params["out_features"],)))
    return shape[:-1] + (params["out_features"],)


def _along_dim_shape(shape: Shape, params: dict, ctx: RuleContext) -> Shape:
    dim = normalize_dim(params["dim"], shape)
    last = len(shape) - 1
    if dim is None:
        ctx.fail("dim_out_of_range", ctx.set_param("dim", last), **_dims_details("dim", params["dim"], shape))
    if dim == 0:
        ctx.warn("softmax_over_batch", ctx.set_param("dim", last), value=params["dim"])
    return shape


def _batchnorm_shape(shape: Shape, params: dict, ctx: RuleContext) -> Shape:
    if len(shape) not in (2, 3):
        ctx.fail("bad_rank", ctx.insert_flatten(), fed=True, shape=list(shape), shape_text=batch_shape_text(shape))
    expected, actual = params["num_features"], shape[1]
    if expected != actual:
        ctx.fail("mismatch", ctx.set_param("num_features", actual), assumed=shape, fed=True, says="channels_mismatch",
                 param="num_features", expected=expected, actual=actual)
    return shape


def _flatten_shape(shape: Shape, params: dict, ctx: RuleContext) -> Shape:
    start, end = (normalize_dim(params[name], shape) for name in ("start_dim", "end_dim"))
    for name, value, default in (("start_dim", start, 1), ("end_dim", end, -1)):
        if value is None:
            ctx.fail("dim_out_of_range", ctx.set_param(name, default), **_dims_details(name, params[name], shape))
    if start == 0:
        ctx.fail("flatten_batch", ctx.set_param("start_dim", 1))
    if start > end:
        ctx.fail("dim_order", ctx.set_param("end_dim", -1), start=params["start_dim"], end=params["end_dim"],
                 shape_text=batch_shape_text(shape))
    merged = math.prod(int(n) for n in shape[start:end + 1])
    return shape[:start] + (merged,) + shape[end + 1:]


# --------------------------------------------------------------------------- counts and labels


def _no_params(params: dict) -> int:
    return 0


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
        return r"0 \quad (\text{" + messages.word("layers.formula_no_affine") + r"} \gamma, \beta)"
    c = p["num_features"]
    return rf"\underbrace{{{c}}}_{{\gamma}} + \underbrace{{{c}}}_{{\beta}} = {2 * c:,}".replace(",", "{,}")


def dim_param() -> Param:
    """The ``dim`` of a layer that acts along one dimension (Softmax, LogSoftmax)."""
    return Param("dim", "int", 1, style=KEYWORD, step=1)  # its help: layers.help_dim


def _worded(code: str) -> Callable[[], str]:
    """A description read from the layers catalogue each time it is shown."""
    return lambda: messages.word(code)


def _dim_short(params: dict) -> str:
    return f"dim={params['dim']}"


LINEAR = LayerKind(
    "Linear",
    nn.Linear,
    (
        Param("in_features", "int", 4, minimum=1, width=True, step=1, style=POSITIONAL),
        Param("out_features", "int", 16, minimum=1, width=True, step=1, style=POSITIONAL),
        Param("bias", "bool", True, style=IF_CHANGED, torch_default=True),
    ),
    "linear",
    False,
    _linear_shape,
    lambda p: p["in_features"] * p["out_features"] + (p["out_features"] if p["bias"] else 0),
    lambda p: f"{p['in_features']} → {p['out_features']}",
    "linear",
    _worded("layers.kind_linear"),
    _linear_formula,
)

LOG_SOFTMAX = LayerKind(
    "LogSoftmax", nn.LogSoftmax, (dim_param(),), "activation", True, _along_dim_shape, _no_params, _dim_short,
    "log_softmax", _worded("layers.kind_log_softmax"), output=LOG_PROBABILITIES,
)

DROPOUT = LayerKind(
    "Dropout",
    nn.Dropout,
    (
        Param("p", "float", 0.5, minimum=0.0, maximum=1.0, step=0.05, style=KEYWORD),
    ),
    "regularization",
    False,
    _same_shape,
    _no_params,
    lambda p: f"p={p['p']:g}",
    "dropout",
    _worded("layers.kind_dropout"),
)

BATCH_NORM = LayerKind(
    "BatchNorm1d",
    nn.BatchNorm1d,
    (
        Param("num_features", "int", 16, minimum=1, width=True, step=1, style=POSITIONAL),
        Param("eps", "float", 1e-5, minimum=0.0, minimum_inclusive=False, step=1e-5, style=IF_CHANGED,
              torch_default=1e-5),
        Param("momentum", "float", 0.1, minimum=0.0, maximum=1.0, step=0.05, style=IF_CHANGED, torch_default=0.1),
        Param("affine", "bool", True, style=IF_CHANGED, torch_default=True),
    ),
    "normalization",
    False,
    _batchnorm_shape,
    lambda p: 2 * p["num_features"] if p["affine"] else 0,
    lambda p: str(p["num_features"]),
    "batch_norm",
    _worded("layers.kind_batch_norm"),
    _batchnorm_formula,
)

FLATTEN = LayerKind(
    "Flatten",
    nn.Flatten,
    (
        Param("start_dim", "int", 1, step=1, style=IF_CHANGED, torch_default=1),
        Param("end_dim", "int", -1, step=1, style=IF_CHANGED, torch_default=-1),
    ),
    "reshape",
    False,
    _flatten_shape,
    _no_params,
    _flatten_short,
    "flatten",
    _worded("layers.kind_flatten"),
)


# --------------------------------------------------------------------------- activations as layers


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float | int) and not isinstance(value, bool) else str(value)


def activation_kind(record: Activation) -> LayerKind:
    """The layer kind of an activation record (``nnlib.activations.Activation`` with ``layer=True``)."""
    own = tuple(record.parameters)
    params = (*own, dim_param()) if record.along_dim else own

    def short(values: dict) -> str:
        shown = [_number(values[spec.name]) for spec in own]
        return ", ".join(shown + ([_dim_short(values)] if record.along_dim else []))

    # Its output range with the default arguments says whether it gives probabilities (the
    # last layer a probability loss wants): each value alone (Sigmoid) or summing to 1 along dim.
    low, high = record.bounds(**{spec.name: spec.default for spec in own})
    output = None
    if (low, high) == (0.0, 1.0):
        output = DISTRIBUTION if record.along_dim else PROBABILITIES
    return LayerKind(
        record.name, record.module, params, "activation", True,
        _along_dim_shape if record.along_dim else _same_shape, _no_params, short,
        record.attribute, lambda: record.layer_description, output=output,
    )


def _registry() -> dict[str, LayerKind]:
    activations = [activation_kind(record) for record in ACTIVATIONS.values() if record.layer]
    kinds = (LINEAR, *activations, LOG_SOFTMAX, DROPOUT, BATCH_NORM, FLATTEN)
    return {kind.name: kind for kind in kinds}


LAYER_KINDS: dict[str, LayerKind] = _registry()
