"""Activation functions: what each one computes, its slope, and why a network needs one.

``ACTIVATIONS`` is the registry the page picks from: each :class:`Activation`
record carries the PyTorch module, the closed-form derivative (as a function
of the input), the LaTeX of both, the output range and a sentence each on
strengths and weaknesses. Adding an activation is adding one entry.

Around the registry:

* :func:`apply_activation` applies one to a tensor a student typed, with the
  slope of every element and notes (as codes with data) about what to look at
  (a softmax dim of size 1, overflow in the naive softmax, ...);
* :func:`softmax_steps` and :func:`softmax_jacobian` show softmax honestly:
  the naive and the stable (max-shifted) computation, and the full Jacobian;
* :func:`curves` gives the chart data: an x grid, f(x), f'(x) and the
  saturation intervals where the slope is near zero;
* :func:`collapse_demo` shows that stacked linear layers multiply out into one
  and that an activation between them stops this;
* :func:`chain_gradients` measures, with autograd, the derivative of a chain
  of n activations as n grows (vanishing gradients).

Conventions: linear layers use the course's row-vector form ``y = x W + b``
with ``W`` of shape ``(inputs, outputs)``; PyTorch's ``nn.Linear`` stores the
transpose, ``weight = W.T``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from nnlib.core.errors import InputError
from nnlib.core.settings import get_settings

Params = Mapping[str, float]


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Parameter:
    """A number an activation takes, such as LeakyReLU's slope for negative inputs."""

    name: str  # the keyword argument of the torch module
    symbol: str  # LaTeX symbol used in the formulas
    label: str
    default: float
    minimum: float
    maximum: float
    step: float


@dataclass(frozen=True)
class Activation:
    """One activation function, everything the page shows about it.

    ``module`` builds the torch module from the parameters as keyword
    arguments (plus ``dim`` when ``along_dim``). ``derivative(x, **params)`` is
    the closed-form slope at every element of ``x``; for an activation that acts
    along a dim (Softmax) it is the diagonal of the Jacobian,
    ``d s_i / d x_i``, and :func:`softmax_jacobian` gives the full matrix.
    ``bounds(**params)`` is the numeric output range behind ``output_range``.
    """

    name: str
    module: Callable[..., nn.Module]
    derivative: Callable[..., Tensor]
    formula: str
    derivative_formula: str
    output_range: str
    bounds: Callable[..., tuple[float, float]]
    strength: str
    weakness: str
    parameters: tuple[Parameter, ...] = ()
    along_dim: bool = False

    def resolve(self, params: Params | None = None) -> dict[str, float]:
        """The parameter values to use: defaults, overridden by ``params``, checked."""
        known = {p.name: p for p in self.parameters}
        values = {p.name: p.default for p in self.parameters}
        for key, raw in (params or {}).items():
            if key not in known:
                raise InputError(
                    f"{self.name} has no parameter {key!r}.",
                    code="unknown_parameter",
                    details={"activation": self.name, "parameter": key},
                )
            spec = known[key]
            value = float(raw)
            if not (math.isfinite(value) and spec.minimum <= value <= spec.maximum):
                raise InputError(
                    f"{spec.label} must be between {spec.minimum:g} and {spec.maximum:g}, got {raw!r}.",
                    code="parameter_out_of_range",
                    details={
                        "activation": self.name,
                        "parameter": key,
                        "value": raw,
                        "minimum": spec.minimum,
                        "maximum": spec.maximum,
                    },
                )
            values[key] = value
        return values

    def build(self, params: Params | None = None, dim: int = -1) -> nn.Module:
        kwargs: dict[str, Any] = dict(self.resolve(params))
        if self.along_dim:
            kwargs["dim"] = dim
        return self.module(**kwargs)

    def slope(self, x: Tensor, params: Params | None = None, dim: int = -1) -> Tensor:
        kwargs: dict[str, Any] = dict(self.resolve(params))
        if self.along_dim:
            kwargs["dim"] = dim
        return self.derivative(x, **kwargs)

    def torch_code(self, params: Params | None = None, dim: int = -1) -> str:
        """How to write this layer in PyTorch, e.g. ``nn.LeakyReLU(negative_slope=0.01)``."""
        args = [f"{key}={value:g}" for key, value in self.resolve(params).items()]
        if self.along_dim:
            args.append(f"dim={dim}")
        return f"nn.{self.module.__name__}({', '.join(args)})"

    def scalar_view(self, x: Tensor, params: Params | None = None) -> tuple[Tensor, Tensor]:
        """``(f(x), f'(x))`` for a 1-D grid of x, for charts.

        An activation that acts along a dim needs a vector: it is shown for the
        two scores ``(x, 0)``, as its first output and the diagonal Jacobian entry.
        (For Softmax that is Sigmoid(x) and s(1 - s).)
        """
        if self.along_dim:
            scores = torch.stack([x, torch.zeros_like(x)], dim=-1)
            with torch.no_grad():
                out = self.build(params, dim=-1)(scores)[..., 0]
            return out, self.slope(scores, params, dim=-1)[..., 0]
        with torch.no_grad():
            out = self.build(params)(x)
        return out, self.slope(x, params)


# --------------------------------------------------------------------------- derivatives


def _relu_slope(x: Tensor) -> Tensor:
    # PyTorch takes the slope at exactly 0 to be 0.
    return (x > 0).to(x.dtype)


def _leaky_relu_slope(x: Tensor, negative_slope: float) -> Tensor:
    return torch.where(x > 0, torch.ones_like(x), torch.full_like(x, negative_slope))


def _sigmoid_slope(x: Tensor) -> Tensor:
    s = torch.sigmoid(x)
    return s * (1 - s)


def _tanh_slope(x: Tensor) -> Tensor:
    t = torch.tanh(x)
    return 1 - t * t


def _softmax_diagonal(x: Tensor, dim: int) -> Tensor:
    s = torch.softmax(x, dim=dim)
    return s * (1 - s)


def _elu_slope(x: Tensor, alpha: float) -> Tensor:
    return torch.where(x > 0, torch.ones_like(x), alpha * torch.exp(torch.clamp(x, max=0)))


def _gelu_slope(x: Tensor) -> Tensor:
    cdf = 0.5 * (1 + torch.erf(x / math.sqrt(2)))
    pdf = torch.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    return cdf + x * pdf


def _silu_slope(x: Tensor) -> Tensor:
    s = torch.sigmoid(x)
    return s * (1 + x * (1 - s))


SOFTPLUS_THRESHOLD = 20.0  # nn.Softplus's default: above it PyTorch returns x itself


def _softplus_slope(x: Tensor) -> Tensor:
    # Where PyTorch switches to the identity, its slope is exactly 1, not σ(x) ≈ 1 − 2e−9.
    return torch.where(x > SOFTPLUS_THRESHOLD, torch.ones_like(x), torch.sigmoid(x))


_INF = math.inf
# Minima of the two non-monotonic smooth ReLUs (where their derivative is 0).
GELU_MINIMUM = -0.16997120747990653
SILU_MINIMUM = -0.27846454276107374


# --------------------------------------------------------------------------- the registry

ACTIVATIONS: dict[str, Activation] = {
    "ReLU": Activation(
        name="ReLU",
        module=nn.ReLU,
        derivative=_relu_slope,
        formula=r"\mathrm{ReLU}(x) = \max(0,\ x)",
        derivative_formula=r"\mathrm{ReLU}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}",
        output_range=r"[0,\ +\infty)",
        bounds=lambda: (0.0, _INF),
        strength="Cheap, and its slope is exactly 1 for every positive input, so gradients pass "
        "through deep stacks without shrinking.",
        weakness="Its slope is 0 for every negative input: a unit whose inputs stay negative stops "
        "learning (a dead neuron); the outputs are not centred on zero.",
    ),
    "LeakyReLU": Activation(
        name="LeakyReLU",
        module=nn.LeakyReLU,
        derivative=_leaky_relu_slope,
        formula=r"\mathrm{LeakyReLU}(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}",
        derivative_formula=r"\mathrm{LeakyReLU}'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases}",
        output_range=r"(-\infty,\ +\infty)",
        bounds=lambda negative_slope: (-_INF if negative_slope > 0 else 0.0, _INF),
        strength="Keeps a small slope α for negative inputs, so no unit dies completely.",
        weakness="α is one more number to choose, and the gradient for negative inputs is still "
        "α times smaller than for positive ones.",
        parameters=(
            Parameter("negative_slope", r"\alpha", "Slope α for negative inputs", 0.01, 0.0, 1.0, 0.01),
        ),
    ),
    "Sigmoid": Activation(
        name="Sigmoid",
        module=nn.Sigmoid,
        derivative=_sigmoid_slope,
        formula=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
        derivative_formula=r"\sigma'(x) = \sigma(x)\,\bigl(1 - \sigma(x)\bigr)",
        output_range=r"(0,\ 1)",
        bounds=lambda: (0.0, 1.0),
        strength="Squashes any number into (0, 1), which reads as a probability: the usual last "
        "layer for a yes/no answer.",
        weakness="Its slope is at most 0.25 and almost 0 for |x| > 5, so gradients vanish "
        "through stacked sigmoids; the outputs are not centred on zero.",
    ),
    "Tanh": Activation(
        name="Tanh",
        module=nn.Tanh,
        derivative=_tanh_slope,
        formula=r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
        derivative_formula=r"\tanh'(x) = 1 - \tanh^2(x)",
        output_range=r"(-1,\ 1)",
        bounds=lambda: (-1.0, 1.0),
        strength="Centred on zero and smooth, with slope 1 at x = 0, four times the sigmoid's "
        "best.",
        weakness="Saturates like the sigmoid (slope almost 0 for |x| > 3), so deep stacks still "
        "lose their gradients; needs exponentials.",
    ),
    "Softmax": Activation(
        name="Softmax",
        module=nn.Softmax,
        derivative=_softmax_diagonal,
        formula=r"\mathrm{Softmax}(\mathbf{x})_i = \frac{e^{x_i}}{\sum_j e^{x_j}}",
        derivative_formula=r"\frac{\partial s_i}{\partial x_j} = s_i\,(\delta_{ij} - s_j),"
        r"\qquad \frac{\partial s_i}{\partial x_i} = s_i\,(1 - s_i)",
        output_range=r"(0,\ 1),\ \text{each slice along dim sums to } 1",
        bounds=lambda: (0.0, 1.0),
        strength="Turns a vector of scores into probabilities that sum to 1: the last layer for "
        "picking one of several classes.",
        weakness="Not elementwise: every output depends on every input along dim, so the dim "
        "matters; a naive exp overflows for large scores (PyTorch subtracts the max first).",
        along_dim=True,
    ),
    "ELU": Activation(
        name="ELU",
        module=nn.ELU,
        derivative=_elu_slope,
        formula=r"\mathrm{ELU}(x) = \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases}",
        derivative_formula=r"\mathrm{ELU}'(x) = \begin{cases} 1 & x > 0 \\ \alpha\, e^{x} & x \le 0 \end{cases}",
        output_range=r"(-\alpha,\ +\infty)",
        bounds=lambda alpha: (-alpha, _INF),
        strength="Smooth for negative inputs and pulls the mean output towards 0, with no dead "
        "units.",
        weakness="Costs an exponential for every negative input and flattens out at -α for very "
        "negative ones.",
        parameters=(Parameter("alpha", r"\alpha", "α (the floor is -α)", 1.0, 0.0, 5.0, 0.1),),
    ),
    "GELU": Activation(
        name="GELU",
        module=nn.GELU,
        derivative=_gelu_slope,
        formula=r"\mathrm{GELU}(x) = x\,\Phi(x),\quad \Phi(x) = \tfrac12\bigl(1 + \operatorname{erf}(x/\sqrt2)\bigr)",
        derivative_formula=r"\mathrm{GELU}'(x) = \Phi(x) + x\,\varphi(x),\quad "
        r"\varphi(x) = \tfrac{1}{\sqrt{2\pi}}\, e^{-x^2/2}",
        output_range=r"[\approx -0.170,\ +\infty)",
        bounds=lambda: (GELU_MINIMUM, _INF),
        strength="A smooth ReLU used in transformers (BERT, GPT): each input is weighted by the "
        "chance that a standard normal value lies below it.",
        weakness="Costlier than ReLU (an error function per element) and not monotonic: it dips "
        "slightly below 0 around x ≈ -0.75.",
    ),
    "SiLU": Activation(
        name="SiLU",
        module=nn.SiLU,
        derivative=_silu_slope,
        formula=r"\mathrm{SiLU}(x) = x\,\sigma(x)",
        derivative_formula=r"\mathrm{SiLU}'(x) = \sigma(x)\,\bigl(1 + x\,(1 - \sigma(x))\bigr)",
        output_range=r"[\approx -0.278,\ +\infty)",
        bounds=lambda: (SILU_MINIMUM, _INF),
        strength="A smooth, self-gated ReLU (also called Swish) that often trains a little better "
        "than ReLU in deep networks.",
        weakness="Needs a sigmoid per element and, like GELU, dips below zero, so it is not "
        "monotonic.",
    ),
    "Softplus": Activation(
        name="Softplus",
        module=nn.Softplus,
        derivative=_softplus_slope,
        formula=r"\mathrm{Softplus}(x) = \ln\bigl(1 + e^{x}\bigr)",
        derivative_formula=r"\mathrm{Softplus}'(x) = \sigma(x) = \frac{1}{1 + e^{-x}}"
        rf"\quad(\text{{PyTorch returns }} x \text{{ itself for }} x > {SOFTPLUS_THRESHOLD:g}"
        r"\text{, so there the slope is } 1)",
        output_range=r"(0,\ +\infty)",
        bounds=lambda: (0.0, _INF),
        strength="A smooth ReLU whose slope is exactly the sigmoid: positive everywhere, so no "
        "unit dies.",
        weakness="Never exactly zero (no sparse outputs), and its slope still vanishes for very "
        "negative inputs.",
    ),
}


def get_activation(name: str) -> Activation:
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise InputError(
            f"Unknown activation {name!r}: choose one of {', '.join(ACTIVATIONS)}.",
            code="unknown_activation",
            details={"name": name, "choices": list(ACTIVATIONS)},
        ) from None


def elementwise_names() -> list[str]:
    """Activations that act on each number alone (all but those that act along a dim)."""
    return [name for name, record in ACTIVATIONS.items() if not record.along_dim]


def implicit_softmax_dim(ndim: int) -> int:
    """The dim ``nn.Softmax()`` picks when none is given (deprecated, with a warning).

    PyTorch's legacy rule: 0 for 0-, 1- and 3-D tensors, else 1. For the
    course's 3x3 matrix that is dim=1, softmax across each row.
    """
    return 0 if ndim in (0, 1, 3) else 1


# --------------------------------------------------------------------------- applying to a tensor


@dataclass(frozen=True)
class Note:
    """Something worth pointing out about a result, as data; the page words it."""

    code: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Applied:
    """An activation applied to a tensor."""

    name: str
    params: dict[str, float]
    dim: int | None  # the dim, made non-negative, for activations that act along one
    input: Tensor  # as a float tensor
    output: Tensor
    slope: Tensor  # f'(x) per element; for Softmax the Jacobian diagonal s(1 - s)
    code: str  # the layer in PyTorch
    notes: tuple[Note, ...]

    def note(self, code: str) -> Note | None:
        return next((note for note in self.notes if note.code == code), None)


def _check_dim(x: Tensor, dim: int) -> int:
    rank = max(x.dim(), 1)  # a 0-D tensor accepts dim 0 and -1
    if not -rank <= dim < rank:
        raise InputError(
            f"dim={dim} does not exist for a tensor with {x.dim()} dimension(s): "
            f"choose from {-rank} to {rank - 1}.",
            code="bad_dim",
            details={"dim": dim, "ndim": x.dim()},
        )
    return dim % rank


def _as_float(x: Tensor) -> tuple[Tensor, Note | None]:
    if x.dtype.is_floating_point:
        return x, None
    return x.to(torch.float32), Note("converted_to_float", {"dtype": str(x.dtype).replace("torch.", "")})


def apply_activation(
    name: str, x: Tensor, params: Params | None = None, dim: int | None = None
) -> Applied:
    """Apply ``ACTIVATIONS[name]`` to ``x`` with PyTorch's module, plus slopes and notes.

    ``dim`` is used by activations that act along a dim (default: the last one).
    Notes (codes): ``converted_to_float``, ``nonfinite_input``, ``dim_size_one``,
    ``naive_overflow`` (the textbook softmax formula would give inf/nan here),
    ``nonfinite_output``.
    """
    record = get_activation(name)
    if x.numel() == 0:
        raise InputError(
            "The tensor has no numbers to apply the activation to.",
            code="empty",
            details={"shape": tuple(x.shape)},
        )
    values = record.resolve(params)
    x, converted = _as_float(x)
    notes: list[Note] = [converted] if converted else []
    nonfinite = int((~torch.isfinite(x)).sum())
    if nonfinite:
        notes.append(Note("nonfinite_input", {"count": nonfinite}))
    used_dim: int | None = None
    if record.along_dim:
        used_dim = _check_dim(x, -1 if dim is None else dim)
        size = x.shape[used_dim] if x.dim() else 1
        if size == 1:
            notes.append(Note("dim_size_one", {"dim": used_dim, "shape": tuple(x.shape)}))
    module = record.build(values, dim=used_dim if used_dim is not None else -1)
    with torch.no_grad():
        output = module(x)
    slope = record.slope(x, values, dim=used_dim if used_dim is not None else -1)
    if record.along_dim:
        steps = softmax_steps(x, used_dim)
        overflowed = int((~torch.isfinite(steps.naive) & torch.isfinite(output)).sum())
        if overflowed:
            largest = float(x.nan_to_num(nan=0.0).abs().max())
            notes.append(Note("naive_overflow", {"count": overflowed, "largest_input": largest}))
    bad_output = int((~torch.isfinite(output)).sum())
    if bad_output:
        notes.append(Note("nonfinite_output", {"count": bad_output}))
    return Applied(
        name=record.name,
        params=values,
        dim=used_dim,
        input=x,
        output=output,
        slope=slope,
        code=record.torch_code(values, dim=used_dim if used_dim is not None else -1),
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class SoftmaxSteps:
    """Softmax computed twice: straight from the formula, and the stable way PyTorch does it."""

    dim: int
    exp: Tensor  # e^x: overflows to inf in float32 once x > 88.7
    naive: Tensor  # e^x / sum e^x: inf / inf = nan after an overflow
    maximum: Tensor  # max along dim (kept as a size-1 dim)
    shifted: Tensor  # x - max: every value <= 0, so e^(x - max) <= 1 never overflows
    exp_shifted: Tensor
    stable: Tensor  # e^(x - max) / sum e^(x - max): the same value, mathematically


def softmax_steps(x: Tensor, dim: int = -1) -> SoftmaxSteps:
    x, _ = _as_float(x)
    dim = _check_dim(x, dim)
    if x.dim() == 0:
        x = x.reshape(1)
        dim = 0
    exp = torch.exp(x)
    naive = exp / exp.sum(dim=dim, keepdim=True)
    maximum = x.amax(dim=dim, keepdim=True)
    shifted = x - maximum
    exp_shifted = torch.exp(shifted)
    stable = exp_shifted / exp_shifted.sum(dim=dim, keepdim=True)
    return SoftmaxSteps(dim, exp, naive, maximum, shifted, exp_shifted, stable)


def softmax_jacobian(vector: Tensor) -> Tensor:
    """The full Jacobian of softmax for one vector: ``J = diag(s) - s s^T``."""
    if vector.dim() != 1:
        raise InputError(
            f"The softmax Jacobian is for one vector; got shape {tuple(vector.shape)}.",
            code="not_a_vector",
            details={"shape": tuple(vector.shape)},
        )
    vector, _ = _as_float(vector)
    s = torch.softmax(vector, dim=0)
    return torch.diag(s) - torch.outer(s, s)


def slices_along(x: Tensor, dim: int) -> Tensor:
    """Every 1-D slice of ``x`` along ``dim``, as the rows of a matrix (for Jacobians)."""
    dim = _check_dim(x, dim)
    if x.dim() == 0:
        return x.reshape(1, 1)
    return x.movedim(dim, -1).reshape(-1, x.shape[dim])


# --------------------------------------------------------------------------- chart data


@dataclass(frozen=True)
class Curve:
    name: str
    y: list[float]
    slope: list[float]
    peak_slope: float  # the largest |f'| the function reaches (reference grid + plotted range)
    threshold: float  # slopes below this count as saturated
    saturated: list[tuple[float, float]]  # intervals of x


@dataclass(frozen=True)
class CurveSet:
    x: list[float]
    threshold_ratio: float
    curves: tuple[Curve, ...]

    def records(self) -> list[dict[str, Any]]:
        """Long format for charts: one row per activation, x and quantity."""
        rows: list[dict[str, Any]] = []
        for curve in self.curves:
            for x, y, dy in zip(self.x, curve.y, curve.slope, strict=True):
                rows.append({"activation": curve.name, "x": x, "quantity": "f(x)", "value": y})
                rows.append({"activation": curve.name, "x": x, "quantity": "f'(x)", "value": dy})
        return rows

    def interval_records(self) -> list[dict[str, Any]]:
        return [
            {"activation": curve.name, "start": start, "end": end}
            for curve in self.curves
            for start, end in curve.saturated
        ]


# Where the peak slope is looked for, besides the plotted range: wide enough for every
# activation here to reach its largest slope.
REFERENCE_GRID = (-20.0, 20.0, 4001)


def saturation_intervals(
    x: Sequence[float], slope: Sequence[float], threshold: float
) -> list[tuple[float, float]]:
    """Intervals of x where ``|slope| < threshold`` (every point if the threshold is 0 and the
    slope is 0 too), from a sorted grid.

    An interval ends half-way between a saturated grid point and its unsaturated
    neighbour (clipped to the grid), so each end is within half a grid step of
    the true crossing.
    """
    if len(x) != len(slope):
        raise ValueError("x and slope differ in length")
    if not x:
        return []
    flat = [abs(s) < threshold or (threshold == 0 and s == 0) for s in slope]
    intervals: list[tuple[float, float]] = []
    start: int | None = None
    for i, saturated in enumerate([*flat, False]):
        if saturated and start is None:
            start = i
        elif not saturated and start is not None:
            end = i - 1
            left = x[0] if start == 0 else (x[start - 1] + x[start]) / 2
            right = x[-1] if end == len(x) - 1 else (x[end] + x[end + 1]) / 2
            intervals.append((float(left), float(right)))
            start = None
    return intervals


def _check_range(x_min: float, x_max: float, points: int) -> None:
    limit = get_settings().max_tensor_elements
    if not (math.isfinite(x_min) and math.isfinite(x_max)) or x_min >= x_max:
        raise InputError(
            f"The x range must go from a smaller to a larger finite number; got {x_min:g} to {x_max:g}.",
            code="bad_range",
            details={"x_min": x_min, "x_max": x_max},
        )
    if not 2 <= points <= limit:
        raise InputError(
            f"Use between 2 and {limit:,} points; got {points}.",
            code="bad_points",
            details={"points": points, "limit": limit},
        )


def curves(
    names: Sequence[str],
    x_min: float = -6.0,
    x_max: float = 6.0,
    points: int = 601,
    params: Mapping[str, Params] | None = None,
    threshold_ratio: float = 0.05,
) -> CurveSet:
    """f(x), f'(x) and saturation intervals for each named activation, on one grid.

    Saturated means ``|f'(x)| < threshold_ratio * peak``, where ``peak`` is the
    largest slope the function reaches (looked for on [-20, 20] and on the
    plotted range), so a range that shows only a flat tail is shaded whole.
    Computed in float64.
    """
    _check_range(x_min, x_max, points)
    if not 0 < threshold_ratio < 1:
        raise InputError(
            f"The saturation threshold must be a fraction between 0 and 1; got {threshold_ratio:g}.",
            code="bad_threshold",
            details={"threshold_ratio": threshold_ratio},
        )
    grid = torch.linspace(x_min, x_max, points, dtype=torch.float64)
    reference = torch.linspace(*REFERENCE_GRID[:2], REFERENCE_GRID[2], dtype=torch.float64)
    xs = grid.tolist()
    result = []
    for name in names:
        record = get_activation(name)
        values = (params or {}).get(name)
        y, dy = record.scalar_view(grid, values)
        _, reference_dy = record.scalar_view(reference, values)
        peak = max(float(dy.abs().max()), float(reference_dy.abs().max()))
        threshold = threshold_ratio * peak
        slope = dy.tolist()
        result.append(
            Curve(
                name=record.name,
                y=y.tolist(),
                slope=slope,
                peak_slope=peak,
                threshold=threshold,
                saturated=saturation_intervals(xs, slope, threshold),
            )
        )
    return CurveSet(x=xs, threshold_ratio=threshold_ratio, curves=tuple(result))


# --------------------------------------------------------------------------- linear layers collapse


@dataclass(frozen=True)
class LinearStack:
    """Linear layers in row-vector form: layer k maps ``h -> h @ weights[k] + biases[k]``."""

    weights: tuple[Tensor, ...]  # shape (inputs, outputs)
    biases: tuple[Tensor, ...]  # shape (outputs,)

    @property
    def sizes(self) -> list[int]:
        return [self.weights[0].shape[0], *(w.shape[1] for w in self.weights)]


def _check_sizes(sizes: Sequence[int]) -> None:
    settings = get_settings()
    if not 2 <= len(sizes) <= settings.max_layers + 1:
        raise InputError(
            f"Give between 1 and {settings.max_layers} layers (that is 2 to "
            f"{settings.max_layers + 1} sizes); got {len(sizes)} size(s).",
            code="bad_layer_count",
            details={"sizes": list(sizes), "limit": settings.max_layers},
        )
    for size in sizes:
        if not 1 <= int(size) <= settings.max_units:
            raise InputError(
                f"Every layer size must be between 1 and {settings.max_units:,}; got {size}.",
                code="bad_size",
                details={"size": size, "limit": settings.max_units},
            )


def random_stack(sizes: Sequence[int], seed: int = 0, bias: bool = True) -> LinearStack:
    """Linear layers with PyTorch's default initialisation (uniform in ±1/sqrt(inputs)),
    drawn from their own generator so the global random state is untouched."""
    _check_sizes(sizes)
    generator = torch.Generator().manual_seed(int(seed))
    weights, biases = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        bound = 1 / math.sqrt(fan_in)
        weights.append((torch.rand(fan_in, fan_out, generator=generator) * 2 - 1) * bound)
        b = (torch.rand(fan_out, generator=generator) * 2 - 1) * bound
        biases.append(b if bias else torch.zeros(fan_out))
    return LinearStack(tuple(weights), tuple(biases))


def linear_stack(weights: Sequence[Tensor], biases: Sequence[Tensor | None] | None = None) -> LinearStack:
    """Layers from typed matrices, checking that each one's outputs fit the next one's inputs."""
    if not weights:
        raise InputError("Give at least one weight matrix.", code="bad_layer_count")
    biases = list(biases) if biases is not None else [None] * len(weights)
    if len(biases) != len(weights):
        raise InputError(
            f"{len(weights)} weight matrices but {len(biases)} biases.",
            code="bad_layer_count",
            details={"weights": len(weights), "biases": len(biases)},
        )
    checked_w: list[Tensor] = []
    checked_b: list[Tensor] = []
    for k, (w, b) in enumerate(zip(weights, biases, strict=True), start=1):
        w = _as_float(w)[0]
        if w.dim() == 1:
            w = w.reshape(-1, 1)  # a single column typed flat
        if w.dim() != 2:
            raise InputError(
                f"W{k} must be a matrix (inputs × outputs); got shape {tuple(w.shape)}.",
                code="not_a_matrix",
                field=f"W{k}",
                details={"layer": k, "shape": tuple(w.shape)},
            )
        if checked_w and checked_w[-1].shape[1] != w.shape[0]:
            raise InputError(
                f"W{k - 1} gives {checked_w[-1].shape[1]} outputs but W{k} expects {w.shape[0]} "
                f"inputs (its rows): W{k - 1} is {tuple(checked_w[-1].shape)}, W{k} is {tuple(w.shape)}.",
                code="shape_mismatch",
                field=f"W{k}",
                details={"layer": k, "previous": tuple(checked_w[-1].shape), "shape": tuple(w.shape)},
            )
        if b is None:
            b = torch.zeros(w.shape[1])
        b = _as_float(b)[0]
        if b.dim() == 0 or (b.dim() == 2 and b.shape[0] == 1):
            b = b.reshape(-1)  # a single number, or a row typed as [[...]]
        if b.dim() != 1 or b.shape[0] != w.shape[1]:
            raise InputError(
                f"b{k} must have {w.shape[1]} number(s), one per output of W{k}; got shape {tuple(b.shape)}.",
                code="shape_mismatch",
                field=f"b{k}",
                details={"layer": k, "expected": w.shape[1], "shape": tuple(b.shape)},
            )
        checked_w.append(w)
        checked_b.append(b.to(w.dtype))
    _check_sizes([checked_w[0].shape[0], *(w.shape[1] for w in checked_w)])
    return LinearStack(tuple(checked_w), tuple(checked_b))


def collapse(stack: LinearStack) -> tuple[Tensor, Tensor]:
    """The one layer the stack equals: ``W = W1 W2 W3``, ``b = b1 W2 W3 + b2 W3 + b3``."""
    weight = stack.weights[0]
    bias = stack.biases[0]
    for w, b in zip(stack.weights[1:], stack.biases[1:], strict=True):
        weight = weight @ w
        bias = bias @ w + b
    return weight, bias


def to_sequential(
    stack: LinearStack, activation: str | None = None, params: Params | None = None
) -> nn.Sequential:
    """The stack as PyTorch layers (``nn.Linear`` stores ``W.T``), with ``activation`` between
    every two of them if given."""
    layers: list[nn.Module] = []
    for k, (w, b) in enumerate(zip(stack.weights, stack.biases, strict=True)):
        if k and activation is not None:
            layers.append(get_activation(activation).build(params, dim=-1))
        linear = nn.Linear(w.shape[0], w.shape[1], dtype=w.dtype)
        with torch.no_grad():
            linear.weight.copy_(w.T)
            linear.bias.copy_(b)
        layers.append(linear)
    return nn.Sequential(*layers)


@dataclass(frozen=True)
class CollapseDemo:
    x: Tensor
    weight: Tensor  # the collapsed W
    bias: Tensor  # the collapsed b
    stack_output: Tensor  # the layers one after another (nn.Sequential)
    collapsed_output: Tensor  # x @ W + b
    max_abs_diff: float
    activation: str | None
    model_text: str  # print(model) of the stack with the activation
    nonlinear_output: Tensor | None  # the stack with the activation between the layers
    nonlinear_diff: float | None  # max |nonlinear_output - collapsed_output|


def collapse_demo(
    x: Tensor, stack: LinearStack, activation: str | None = None, params: Params | None = None
) -> CollapseDemo:
    """Run ``x`` through the stack, through its one-matrix collapse, and through the stack
    with ``activation`` inserted between the layers; compare."""
    x = _as_float(x)[0]
    if x.dim() == 1:
        x = x.reshape(1, -1)
    if x.dim() != 2 or x.shape[1] != stack.sizes[0]:
        raise InputError(
            f"X must be a matrix with {stack.sizes[0]} column(s), one per input of the first "
            f"layer; got shape {tuple(x.shape)}.",
            code="shape_mismatch",
            field="X",
            details={"expected_columns": stack.sizes[0], "shape": tuple(x.shape)},
        )
    x = x.to(stack.weights[0].dtype)
    weight, bias = collapse(stack)
    with torch.no_grad():
        stack_output = to_sequential(stack)(x)
        collapsed_output = x @ weight + bias
        model = to_sequential(stack, activation, params) if activation else None
        nonlinear_output = model(x) if model is not None else None
    diff = float((stack_output - collapsed_output).abs().max())
    nonlinear_diff = (
        float((nonlinear_output - collapsed_output).abs().max()) if nonlinear_output is not None else None
    )
    return CollapseDemo(
        x=x,
        weight=weight,
        bias=bias,
        stack_output=stack_output,
        collapsed_output=collapsed_output,
        max_abs_diff=diff,
        activation=activation,
        model_text=str(model if model is not None else to_sequential(stack)),
        nonlinear_output=nonlinear_output,
        nonlinear_diff=nonlinear_diff,
    )


# --------------------------------------------------------------------------- vanishing gradients


@dataclass(frozen=True)
class ChainGradients:
    """``h_0 = x0``, ``h_k = f(w * h_{k-1} + b)``; ``dh_n/dx0`` for n = 1..depth."""

    name: str
    x0: float
    weight: float
    bias: float
    depths: list[int]
    outputs: list[float]  # h_n
    gradients: list[float]  # dh_n / dx0 from autograd
    slope_products: list[float]  # prod_k w * f'(w h_{k-1} + b), from the closed-form derivative


def chain_gradients(
    name: str,
    depth: int,
    x0: float = 0.5,
    weight: float = 1.0,
    bias: float = 0.0,
    params: Params | None = None,
) -> ChainGradients:
    """The derivative of a chain of ``depth`` activations, by autograd, in float64.

    With ``weight=1, bias=0`` it is the pure composition f(f(...f(x0))); other
    values put a one-unit linear layer ``w h + b`` before every activation.
    """
    record = get_activation(name)
    if record.along_dim:
        raise InputError(
            f"{record.name} acts on a whole vector, not on one number, so it cannot be chained "
            "on a single number.",
            code="not_elementwise",
            details={"name": record.name},
        )
    limit = get_settings().max_layers
    if not 1 <= int(depth) <= limit:
        raise InputError(
            f"The chain length must be between 1 and {limit}; got {depth}.",
            code="bad_depth",
            details={"depth": depth, "limit": limit},
        )
    for label, value in (("x0", x0), ("weight", weight), ("bias", bias)):
        if not math.isfinite(value):
            raise InputError(
                f"{label} must be a finite number; got {value!r}.",
                code="not_finite",
                field=label,
                details={"value": value},
            )
    values = record.resolve(params)
    module = record.build(values)
    start = torch.tensor(float(x0), dtype=torch.float64, requires_grad=True)
    hidden = start
    outputs, gradients, products = [], [], []
    product = torch.tensor(1.0, dtype=torch.float64)
    for _ in range(int(depth)):
        pre = weight * hidden + bias
        product = product * weight * record.slope(pre.detach(), values)
        hidden = module(pre)
        (grad,) = torch.autograd.grad(hidden, start, retain_graph=True)
        outputs.append(float(hidden.detach()))
        gradients.append(float(grad))
        products.append(float(product))
    return ChainGradients(
        name=record.name,
        x0=float(x0),
        weight=float(weight),
        bias=float(bias),
        depths=list(range(1, int(depth) + 1)),
        outputs=outputs,
        gradients=gradients,
        slope_products=products,
    )
