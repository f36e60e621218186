"""Gradient descent in one dimension (course text 004) and optimizer paths on 2-D surfaces (003).

One dimension: a loss curve of one weight ``w``, stepped either a fixed distance against the
sign of the derivative, ``w <- w - alpha * sign(dL/dw)``, or by the derivative itself,
``w <- w - alpha * dL/dw``. The derivative comes from autograd.

Two dimensions: SGD, Momentum, AdaGrad, RMSProp and Adam from ``torch.optim`` move a
two-element tensor over a surface. Every step keeps the gradient and the optimizer's state
as torch left them, so a page can show the update formula with those numbers substituted.
Each optimizer record also carries ``manual_step``: the same update written out by hand in
plain Python floats, in exactly the form the formulas show (torch's conventions). The tests
check that torch's path and the hand-written rule agree step for step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch

from nnlib.core.errors import InputError
from nnlib.core.settings import get_settings

Vector = tuple[float, float]

# Beyond this the path has left every plotted range for good; stop and call it diverged.
DIVERGENCE_BOUND = 1e6
# The path length a student can ask for; a few thousand steps keep a rerun near one second.
MAX_STEPS = get_settings().max_optimizer_steps  # read once per process, like every setting

# ---------------------------------------------------------------- numbers in LaTeX


def latex_number(value: float, digits: int = 4) -> str:
    """A number for LaTeX: ``digits`` significant digits, powers of ten written out."""
    if math.isnan(value):
        return r"\text{nan}"
    if math.isinf(value):
        return r"\infty" if value > 0 else r"-\infty"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        power = f"10^{{{int(exponent)}}}"
        return power if mantissa == "1" else f"{mantissa} \\cdot {power}"
    return text


def latex_vector(values: Vector, digits: int = 4) -> str:
    """A column vector (narrower on the page than a row when formulas get long)."""
    return r"\begin{pmatrix}" + r" \\ ".join(latex_number(v, digits) for v in values) + r"\end{pmatrix}"


# ---------------------------------------------------------------- one dimension


@dataclass(frozen=True)
class Curve:
    """A loss of one weight: ``fn`` works on a tensor element-wise (a grid or one value)."""

    key: str
    latex: str
    fn: Callable[[torch.Tensor], torch.Tensor]
    w_range: Vector
    start: float
    minimum: float  # where the lowest point is (the global one)


CURVES: dict[str, Curve] = {
    "parabola": Curve(
        "parabola",
        r"\mathcal{L}(w_1) = (w_1 - 1)^2",
        lambda w: (w - 1) ** 2,
        (-2.5, 4.5),
        -1.5,
        1.0,
    ),
    "two_valleys": Curve(
        "two_valleys",
        r"\mathcal{L}(w_1) = \tfrac{1}{4}w_1^4 - w_1^2 + \tfrac{1}{2}w_1",
        lambda w: 0.25 * w**4 - w**2 + 0.5 * w,
        (-2.6, 2.4),
        2.2,
        -1.5257,
    ),
}


@dataclass(frozen=True)
class StepRule:
    """How far one 1-D step goes given the derivative: ``update = -alpha * direction(dL/dw)``."""

    key: str
    latex: str
    direction: Callable[[float], float]


STEP_RULES: dict[str, StepRule] = {
    "sign": StepRule(
        "sign",
        r"w_1 = w_1 - \alpha\ \text{sign}\left(\frac{\partial \mathcal{L}}{\partial w_1}\right)",
        lambda derivative: float(math.copysign(1.0, derivative)) if derivative != 0 else 0.0,
    ),
    "gradient": StepRule(
        "gradient",
        r"w_1 = w_1 - \alpha\ \frac{\partial \mathcal{L}}{\partial w_1}",
        lambda derivative: derivative,
    ),
}

# |dL/dw| below this at the end counts as having arrived at a flat point.
CONVERGED_SLOPE = 1e-3
DESCENT_STATUSES = ("converged", "oscillating", "crawling", "diverging")

# Learning rates that show the three behaviours on the default curve (alpha = 0.3 is the course's).
ALPHA_PRESETS: dict[str, float] = {"course": 0.3, "too_large": 1.1, "too_small": 0.02}


@dataclass(frozen=True)
class Step1D:
    step: int
    w: float
    loss: float
    derivative: float
    update: float
    w_next: float


@dataclass(frozen=True)
class Descent1D:
    curve: str
    rule: str
    alpha: float
    steps: tuple[Step1D, ...]
    final_w: float
    final_loss: float
    final_derivative: float
    diverged: bool

    @property
    def ws(self) -> list[float]:
        return [s.w for s in self.steps] + [self.final_w]

    @property
    def status(self) -> str:
        """One of DESCENT_STATUSES: how the run ended, read from its numbers."""
        first_loss = self.steps[0].loss
        if self.diverged or not math.isfinite(self.final_loss) or self.final_loss > first_loss:
            return "diverging"
        if abs(self.final_derivative) < CONVERGED_SLOPE:
            return "converged"
        updates = [s.update for s in self.steps[-2:]]
        if len(updates) == 2 and updates[0] * updates[1] < 0:
            return "oscillating"
        return "crawling"


def _check_steps(steps: int) -> int:
    if not 1 <= int(steps) <= MAX_STEPS:
        raise InputError(
            f"The number of steps must be between 1 and {MAX_STEPS}.",
            code="steps_out_of_range",
            field="steps",
            details={"steps": steps, "maximum": MAX_STEPS},
        )
    return int(steps)


def _check_finite(name: str, value: float) -> float:
    if not math.isfinite(value):
        raise InputError(f"{name} must be a finite number.", code="not_finite", field=name, details={name: value})
    return float(value)


def loss_and_derivative(curve: Curve, w: float) -> tuple[float, float]:
    """L(w) and dL/dw at one point, the derivative from autograd."""
    weight = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    loss = curve.fn(weight)
    loss.backward()
    return float(loss.detach()), float(weight.grad)


def descend_1d(curve_key: str, rule_key: str, alpha: float, start: float, steps: int) -> Descent1D:
    """Run ``steps`` steps of ``rule_key`` on ``curve_key``, stopping early if the path runs away."""
    curve = CURVES[curve_key]
    rule = STEP_RULES[rule_key]
    steps = _check_steps(steps)
    alpha = _check_finite("alpha", alpha)
    if alpha <= 0:
        raise InputError("The learning rate α must be positive.", code="not_positive", field="alpha",
                         details={"alpha": alpha})
    w = _check_finite("start", start)
    records: list[Step1D] = []
    diverged = False
    for step in range(1, steps + 1):
        loss, derivative = loss_and_derivative(curve, w)
        update = -alpha * rule.direction(derivative)
        w_next = w + update
        records.append(Step1D(step, w, loss, derivative, update, w_next))
        w = w_next
        if not math.isfinite(w) or abs(w) > DIVERGENCE_BOUND:
            diverged = True
            break
    final_loss, final_derivative = loss_and_derivative(curve, w) if math.isfinite(w) else (math.inf, math.inf)
    return Descent1D(curve_key, rule_key, alpha, tuple(records), w, final_loss, final_derivative, diverged)


def curve_points(curve_key: str, w_range: Vector | None = None, count: int = 200) -> tuple[list[float], list[float]]:
    """The curve sampled on ``count`` points for drawing."""
    curve = CURVES[curve_key]
    low, high = w_range or curve.w_range
    ws = torch.linspace(low, high, count, dtype=torch.float64)
    return ws.tolist(), curve.fn(ws).tolist()


# ---------------------------------------------------------------- two dimensions: surfaces


@dataclass(frozen=True)
class Surface:
    """A loss of two parameters; ``fn(x, y)`` works element-wise on tensors."""

    key: str
    name: str
    latex: str
    fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    x_range: Vector
    y_range: Vector
    start: Vector
    minimum_value: float  # the lowest loss on the surface, L*
    minima: tuple[Vector, ...]
    learning_rates: Mapping[str, float]  # a sensible learning rate for each optimizer here
    steps: int


SURFACES: dict[str, Surface] = {
    "bowl": Surface(
        "bowl",
        "Ill-conditioned bowl",
        r"\mathcal{L}(x, y) = 0.1\,x^2 + 2\,y^2",
        lambda x, y: 0.1 * x**2 + 2 * y**2,
        (-5.0, 5.0),
        (-2.5, 2.5),
        (-4.5, 1.5),
        0.0,
        ((0.0, 0.0),),
        {"sgd": 0.45, "momentum": 0.05, "adagrad": 0.8, "rmsprop": 0.05, "adam": 0.3},
        100,
    ),
    "rosenbrock": Surface(
        "rosenbrock",
        "Rosenbrock",
        r"\mathcal{L}(x, y) = (1 - x)^2 + 100\,(y - x^2)^2",
        lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
        (-2.0, 2.0),
        (-1.0, 3.0),
        (-1.5, 2.0),
        0.0,
        ((1.0, 1.0),),
        {"sgd": 0.001, "momentum": 0.0005, "adagrad": 0.5, "rmsprop": 0.01, "adam": 0.05},
        1000,
    ),
    "saddle": Surface(
        "saddle",
        "Saddle",
        r"\mathcal{L}(x, y) = x^2 - y^2 + \tfrac{1}{4}\,y^4",
        lambda x, y: x**2 - y**2 + 0.25 * y**4,
        (-3.0, 3.0),
        (-2.5, 2.5),
        (-2.5, 0.001),
        -1.0,
        ((0.0, math.sqrt(2.0)), (0.0, -math.sqrt(2.0))),
        {"sgd": 0.05, "momentum": 0.01, "adagrad": 0.5, "rmsprop": 0.02, "adam": 0.05},
        200,
    ),
    "himmelblau": Surface(
        "himmelblau",
        "Himmelblau",
        r"\mathcal{L}(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
        (-5.0, 5.0),
        (-5.0, 5.0),
        (-0.3, -0.9),
        0.0,
        ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848127)),
        {"sgd": 0.01, "momentum": 0.002, "adagrad": 1.0, "rmsprop": 0.05, "adam": 0.1},
        300,
    ),
}


def surface_grid(surface_key: str, resolution: int = 60) -> tuple[list[float], list[float], list[list[float]]]:
    """Cell centres along x and y, and the loss at every centre (rows follow y)."""
    surface = SURFACES[surface_key]
    xs = torch.linspace(*surface.x_range, resolution, dtype=torch.float64)
    ys = torch.linspace(*surface.y_range, resolution, dtype=torch.float64)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    values = surface.fn(grid_x, grid_y)
    return xs.tolist(), ys.tolist(), values.tolist()


def surface_loss(surface_key: str, point: Vector) -> float:
    surface = SURFACES[surface_key]
    x, y = (torch.tensor(v, dtype=torch.float64) for v in point)
    return float(surface.fn(x, y))


# ---------------------------------------------------------------- two dimensions: optimizers


@dataclass(frozen=True)
class Hyperparameters:
    """Everything the five optimizers read. ``eps`` values are torch's defaults."""

    learning_rates: Mapping[str, float]
    momentum: float = 0.9
    rms_alpha: float = 0.99
    beta1: float = 0.9
    beta2: float = 0.999
    adagrad_eps: float = 1e-10
    rms_eps: float = 1e-8
    adam_eps: float = 1e-8

    def lr(self, key: str) -> float:
        return float(self.learning_rates[key])

    def validate(self, keys: tuple[str, ...]) -> Hyperparameters:
        for key in keys:
            lr = self.learning_rates.get(key)
            if lr is None or not math.isfinite(lr) or lr <= 0:
                raise InputError(
                    f"The learning rate of {OPTIMIZERS[key].name} must be a positive number.",
                    code="bad_learning_rate",
                    field=f"lr_{key}",
                    details={"optimizer": key, "lr": lr},
                )
        # Momentum 0 is plain SGD (torch then keeps no buffer), so it starts above 0.
        lowest = {"momentum": 0.0, "rms_alpha": 0.0, "beta1": 0.0, "beta2": 0.0}
        for name, low in lowest.items():
            value = getattr(self, name)
            allowed = (low < value < 1) if name == "momentum" else (low <= value < 1)
            if not (math.isfinite(value) and allowed):
                raise InputError(
                    f"{name} must be {'above' if name == 'momentum' else 'at least'} {low:g} and below 1.",
                    code="out_of_range",
                    field=name,
                    details={name: value, "minimum": low, "maximum": 1.0},
                )
        return self


State = dict[str, Vector]


def _v(values: list[float]) -> Vector:
    return (values[0], values[1])


def _zeros() -> Vector:
    return (0.0, 0.0)


@dataclass(frozen=True)
class PathStep:
    """Step ``t``: from ``theta`` (loss ``loss``, gradient ``grad``) to ``theta_next``.

    ``state`` is the optimizer's state after the step, by formula symbol, as torch holds it.
    """

    t: int
    theta: Vector
    loss: float
    grad: Vector
    state: State
    theta_next: Vector


@dataclass(frozen=True)
class OptimizerPath:
    key: str
    steps: tuple[PathStep, ...]
    final_loss: float
    diverged: bool

    @property
    def points(self) -> list[Vector]:
        return [s.theta for s in self.steps] + ([self.steps[-1].theta_next] if self.steps else [])

    @property
    def losses(self) -> list[float]:
        return [s.loss for s in self.steps] + [self.final_loss]

    def steps_to_reach(self, target: float) -> int | None:
        """The first step count after which the loss is at most ``target`` (0 = already at start)."""
        for count, loss in enumerate(self.losses):
            if loss <= target:
                return count
        return None


# Hand-written rules: one step of each optimizer, per component, in the order the page's formulas show.
# ``state`` is what the previous step left (empty before the first); ``t`` counts steps from 1.


def _sgd_step(theta: Vector, grad: Vector, state: State, t: int, h: Hyperparameters) -> tuple[Vector, State]:
    lr = h.lr("sgd")
    return (theta[0] - lr * grad[0], theta[1] - lr * grad[1]), {}


def _momentum_step(theta: Vector, grad: Vector, state: State, t: int, h: Hyperparameters) -> tuple[Vector, State]:
    lr, mu = h.lr("momentum"), h.momentum
    # torch starts the buffer with the first gradient itself, the same as mu * 0 + g_1.
    previous = state.get("b", _zeros())
    buffer = [mu * b + g for b, g in zip(previous, grad, strict=True)]
    theta_next = [p - lr * b for p, b in zip(theta, buffer, strict=True)]
    return _v(theta_next), {"b": _v(buffer)}


def _adagrad_step(theta: Vector, grad: Vector, state: State, t: int, h: Hyperparameters) -> tuple[Vector, State]:
    lr, eps = h.lr("adagrad"), h.adagrad_eps
    previous = state.get("G", _zeros())
    total = [s + g * g for s, g in zip(previous, grad, strict=True)]
    theta_next = [p - lr * g / (math.sqrt(s) + eps) for p, g, s in zip(theta, grad, total, strict=True)]
    return _v(theta_next), {"G": _v(total)}


def _rmsprop_step(theta: Vector, grad: Vector, state: State, t: int, h: Hyperparameters) -> tuple[Vector, State]:
    lr, alpha, eps = h.lr("rmsprop"), h.rms_alpha, h.rms_eps
    previous = state.get("v", _zeros())
    average = [alpha * s + (1 - alpha) * g * g for s, g in zip(previous, grad, strict=True)]
    theta_next = [p - lr * g / (math.sqrt(s) + eps) for p, g, s in zip(theta, grad, average, strict=True)]
    return _v(theta_next), {"v": _v(average)}


def _adam_step(theta: Vector, grad: Vector, state: State, t: int, h: Hyperparameters) -> tuple[Vector, State]:
    lr, b1, b2, eps = h.lr("adam"), h.beta1, h.beta2, h.adam_eps
    m_prev, v_prev = state.get("m", _zeros()), state.get("v", _zeros())
    m = [b1 * a + (1 - b1) * g for a, g in zip(m_prev, grad, strict=True)]
    v = [b2 * a + (1 - b2) * g * g for a, g in zip(v_prev, grad, strict=True)]
    m_hat = [a / (1 - b1**t) for a in m]
    v_hat = [a / (1 - b2**t) for a in v]
    theta_next = [p - lr * a / (math.sqrt(s) + eps) for p, a, s in zip(theta, m_hat, v_hat, strict=True)]
    return _v(theta_next), {"m": _v(m), "v": _v(v), "m_hat": _v(m_hat), "v_hat": _v(v_hat)}


# Formulas with step t's numbers substituted. The results are torch's own state and parameters
# after the step; the numbers in the middle are the previous state, the gradient and the
# hyperparameters that produced them.


@dataclass(frozen=True)
class Substitution:
    """One line of an update: ``lhs = symbolic = numbers = result``, each part LaTeX."""

    lhs: str
    symbolic: str
    numbers: str
    result: str

    @property
    def latex(self) -> str:
        """The line as an aligned block, one '=' per row, so long numbers do not run off the page."""
        return (
            rf"\begin{{aligned}} {self.lhs} &= {self.symbolic} \\ &= {self.numbers} \\ &= {self.result}"
            r" \end{aligned}"
        )


@dataclass(frozen=True)
class _Numbers:
    step: PathStep
    previous: State
    h: Hyperparameters
    digits: int

    def n(self, value: float) -> str:
        return latex_number(value, self.digits)

    def vec(self, values: Vector) -> str:
        return latex_vector(values, self.digits)

    def prev(self, symbol: str) -> str:
        return self.vec(self.previous.get(symbol, _zeros()))

    def now(self, symbol: str) -> str:
        return self.vec(self.step.state[symbol])

    def update(self, symbolic: str, numbers: str) -> Substitution:
        t = self.step.t
        return Substitution(
            rf"\theta_{{{t}}}",
            rf"\theta_{{{t - 1}}} - {symbolic}",
            rf"{self.vec(self.step.theta)} - {numbers}",
            self.vec(self.step.theta_next),
        )


def _sgd_numbers(x: _Numbers) -> list[Substitution]:
    t, s = x.step.t, x.step
    return [x.update(rf"\eta\, g_{{{t}}}", rf"{x.n(x.h.lr('sgd'))} \cdot {x.vec(s.grad)}")]


def _momentum_numbers(x: _Numbers) -> list[Substitution]:
    t, s = x.step.t, x.step
    return [
        Substitution(
            rf"b_{{{t}}}",
            rf"\mu\, b_{{{t - 1}}} + g_{{{t}}}",
            rf"{x.n(x.h.momentum)} \cdot {x.prev('b')} + {x.vec(s.grad)}",
            x.now("b"),
        ),
        x.update(rf"\eta\, b_{{{t}}}", rf"{x.n(x.h.lr('momentum'))} \cdot {x.now('b')}"),
    ]


def _adagrad_numbers(x: _Numbers) -> list[Substitution]:
    t, s = x.step.t, x.step
    g = x.vec(s.grad)
    return [
        Substitution(
            rf"G_{{{t}}}", rf"G_{{{t - 1}}} + g_{{{t}}} \odot g_{{{t}}}", rf"{x.prev('G')} + {g} \odot {g}", x.now("G")
        ),
        x.update(
            rf"\frac{{\eta}}{{\sqrt{{G_{{{t}}}}} + \epsilon}} \odot g_{{{t}}}",
            rf"\frac{{{x.n(x.h.lr('adagrad'))}}}{{\sqrt{{{x.now('G')}}} + {x.n(x.h.adagrad_eps)}}} \odot {g}",
        ),
    ]


def _rmsprop_numbers(x: _Numbers) -> list[Substitution]:
    t, s, a = x.step.t, x.step, x.h.rms_alpha
    g = x.vec(s.grad)
    return [
        Substitution(
            rf"v_{{{t}}}",
            rf"\alpha\, v_{{{t - 1}}} + (1 - \alpha)\, g_{{{t}}} \odot g_{{{t}}}",
            rf"{x.n(a)} \cdot {x.prev('v')} + {x.n(1 - a)} \cdot {g} \odot {g}",
            x.now("v"),
        ),
        x.update(
            rf"\frac{{\eta}}{{\sqrt{{v_{{{t}}}}} + \epsilon}} \odot g_{{{t}}}",
            rf"\frac{{{x.n(x.h.lr('rmsprop'))}}}{{\sqrt{{{x.now('v')}}} + {x.n(x.h.rms_eps)}}} \odot {g}",
        ),
    ]


def adam_bias_corrected(state: State, t: int, h: Hyperparameters) -> tuple[Vector, Vector]:
    """m-hat and v-hat from torch's raw moments after step ``t``."""
    m_hat = _v([m / (1 - h.beta1**t) for m in state["m"]])
    v_hat = _v([v / (1 - h.beta2**t) for v in state["v"]])
    return m_hat, v_hat


def _adam_numbers(x: _Numbers) -> list[Substitution]:
    t, s, b1, b2 = x.step.t, x.step, x.h.beta1, x.h.beta2
    g = x.vec(s.grad)
    m_hat, v_hat = adam_bias_corrected(s.state, t, x.h)
    return [
        Substitution(
            rf"m_{{{t}}}",
            rf"\beta_1 m_{{{t - 1}}} + (1 - \beta_1)\, g_{{{t}}}",
            rf"{x.n(b1)} \cdot {x.prev('m')} + {x.n(1 - b1)} \cdot {g}",
            x.now("m"),
        ),
        Substitution(
            rf"v_{{{t}}}",
            rf"\beta_2 v_{{{t - 1}}} + (1 - \beta_2)\, g_{{{t}}} \odot g_{{{t}}}",
            rf"{x.n(b2)} \cdot {x.prev('v')} + {x.n(1 - b2)} \cdot {g} \odot {g}",
            x.now("v"),
        ),
        Substitution(
            rf"\hat m_{{{t}}}",
            rf"\frac{{m_{{{t}}}}}{{1 - \beta_1^{{{t}}}}}",
            rf"\frac{{{x.now('m')}}}{{1 - {x.n(b1)}^{{{t}}}}}",
            x.vec(m_hat),
        ),
        Substitution(
            rf"\hat v_{{{t}}}",
            rf"\frac{{v_{{{t}}}}}{{1 - \beta_2^{{{t}}}}}",
            rf"\frac{{{x.now('v')}}}{{1 - {x.n(b2)}^{{{t}}}}}",
            x.vec(v_hat),
        ),
        x.update(
            rf"\frac{{\eta}}{{\sqrt{{\hat v_{{{t}}}}} + \epsilon}} \odot \hat m_{{{t}}}",
            rf"\frac{{{x.n(x.h.lr('adam'))}}}{{\sqrt{{{x.vec(v_hat)}}} + {x.n(x.h.adam_eps)}}} \odot {x.vec(m_hat)}",
        ),
    ]


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer: how torch builds it, where its state lives, and its update by hand.

    ``state_symbols`` maps a torch state name to the symbol the formulas use. ``formulas`` is the
    update as torch computes it, in the course's notation; ``course_formulas`` is what text 003
    writes, for comparison.
    """

    key: str
    name: str
    build: Callable[[list[torch.Tensor], Hyperparameters], torch.optim.Optimizer]
    state_symbols: Mapping[str, str]
    manual_step: Callable[[Vector, Vector, State, int, Hyperparameters], tuple[Vector, State]]
    numbers: Callable[[_Numbers], list[Substitution]]
    formulas: tuple[str, ...]
    course_formulas: tuple[str, ...]


OPTIMIZERS: dict[str, OptimizerSpec] = {
    "sgd": OptimizerSpec(
        "sgd",
        "SGD",
        lambda params, h: torch.optim.SGD(params, lr=h.lr("sgd"), foreach=False),
        {},
        _sgd_step,
        _sgd_numbers,
        (r"\theta_t = \theta_{t-1} - \eta\, g_t",),
        (r"\theta_{t+1} = \theta_t + \alpha \vec{\nabla} L(\theta_t, x_i, y_i)",),
    ),
    "momentum": OptimizerSpec(
        "momentum",
        "Momentum",
        lambda params, h: torch.optim.SGD(params, lr=h.lr("momentum"), momentum=h.momentum, foreach=False),
        {"momentum_buffer": "b"},
        _momentum_step,
        _momentum_numbers,
        (r"b_t = \mu\, b_{t-1} + g_t,\quad b_0 = 0", r"\theta_t = \theta_{t-1} - \eta\, b_t"),
        (r"v_{t+1} = \mu v_t - \eta \vec{\nabla} L(\theta_t)", r"\theta_{t+1} = \theta_t + v_{t+1}"),
    ),
    "adagrad": OptimizerSpec(
        "adagrad",
        "AdaGrad",
        lambda params, h: torch.optim.Adagrad(params, lr=h.lr("adagrad"), eps=h.adagrad_eps, foreach=False),
        {"sum": "G"},
        _adagrad_step,
        _adagrad_numbers,
        (
            r"G_t = G_{t-1} + g_t \odot g_t,\quad G_0 = 0",
            r"\theta_t = \theta_{t-1} - \frac{\eta}{\sqrt{G_t} + \epsilon} \odot g_t",
        ),
        (
            r"G_t = G_{t-1} + \vec{\nabla} L(\theta_t) \odot \vec{\nabla} L(\theta_t)",
            r"\theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{G_t + \epsilon}} \odot \vec{\nabla} L(\theta_t)",
        ),
    ),
    "rmsprop": OptimizerSpec(
        "rmsprop",
        "RMSProp",
        lambda params, h: torch.optim.RMSprop(
            params, lr=h.lr("rmsprop"), alpha=h.rms_alpha, eps=h.rms_eps, foreach=False
        ),
        {"square_avg": "v"},
        _rmsprop_step,
        _rmsprop_numbers,
        (
            r"v_t = \alpha\, v_{t-1} + (1 - \alpha)\, g_t \odot g_t,\quad v_0 = 0",
            r"\theta_t = \theta_{t-1} - \frac{\eta}{\sqrt{v_t} + \epsilon} \odot g_t",
        ),
        (
            r"G_t = \mu G_{t-1} + (1 - \mu) \vec{\nabla} L(\theta_t) \odot \vec{\nabla} L(\theta_t)",
            r"\theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{G_t + \epsilon}} \odot \vec{\nabla} L(\theta_t)",
        ),
    ),
    "adam": OptimizerSpec(
        "adam",
        "Adam",
        lambda params, h: torch.optim.Adam(
            params, lr=h.lr("adam"), betas=(h.beta1, h.beta2), eps=h.adam_eps, foreach=False
        ),
        {"exp_avg": "m", "exp_avg_sq": "v"},
        _adam_step,
        _adam_numbers,
        (
            r"m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t,\quad m_0 = 0",
            r"v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t \odot g_t,\quad v_0 = 0",
            r"\hat m_t = \frac{m_t}{1 - \beta_1^t},\quad \hat v_t = \frac{v_t}{1 - \beta_2^t}",
            r"\theta_t = \theta_{t-1} - \frac{\eta}{\sqrt{\hat v_t} + \epsilon} \odot \hat m_t",
        ),
        (
            r"v_{t+1} = \beta_1 v_t + (1 - \beta_1) \vec{\nabla} L(\theta_t)",
            r"g_t = \mu g_{t-1} + (1 - \mu) \nabla L(\theta_t) \odot \nabla L(\theta_t)",
            r"\theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{g_t + \epsilon}} \odot v_{t+1}",
        ),
    ),
}


# ---------------------------------------------------------------- two dimensions: paths


def run_path(
    surface_key: str,
    optimizer_key: str,
    hyper: Hyperparameters,
    start: Vector,
    steps: int,
) -> OptimizerPath:
    """Move a two-element tensor over the surface with ``torch.optim`` and record every step."""
    surface = SURFACES[surface_key]
    spec = OPTIMIZERS[optimizer_key]
    steps = _check_steps(steps)
    hyper.validate((optimizer_key,))
    start = (_check_finite("x0", start[0]), _check_finite("y0", start[1]))
    theta = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = spec.build([theta], hyper)
    records: list[PathStep] = []
    diverged = False
    for t in range(1, steps + 1):
        optimizer.zero_grad()
        loss = surface.fn(theta[0], theta[1])
        loss.backward()
        before = _v(theta.detach().tolist())
        grad = _v(theta.grad.tolist())
        optimizer.step()
        state = {symbol: _v(optimizer.state[theta][name].tolist()) for name, symbol in spec.state_symbols.items()}
        after = _v(theta.detach().tolist())
        records.append(PathStep(t, before, float(loss.detach()), grad, state, after))
        if not all(math.isfinite(v) and abs(v) <= DIVERGENCE_BOUND for v in after):
            diverged = True
            break
    last = records[-1].theta_next
    final_loss = surface_loss(surface_key, last) if all(math.isfinite(v) for v in last) else math.inf
    if not math.isfinite(final_loss):
        diverged = True
    return OptimizerPath(optimizer_key, tuple(records), final_loss, diverged)


def run_paths(
    surface_key: str,
    optimizer_keys: tuple[str, ...],
    hyper: Hyperparameters,
    start: Vector,
    steps: int,
) -> dict[str, OptimizerPath]:
    hyper.validate(optimizer_keys)
    return {key: run_path(surface_key, key, hyper, start, steps) for key in optimizer_keys}


def manual_path(
    surface_key: str, optimizer_key: str, hyper: Hyperparameters, start: Vector, steps: int
) -> list[Vector]:
    """The same path from the hand-written rule, gradients from autograd. Points from the start on."""
    surface = SURFACES[surface_key]
    rule = OPTIMIZERS[optimizer_key].manual_step
    theta: Vector = (float(start[0]), float(start[1]))
    state: State = {}
    points = [theta]
    for t in range(1, steps + 1):
        point = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
        surface.fn(point[0], point[1]).backward()
        theta, state = rule(theta, _v(point.grad.tolist()), state, t, hyper)
        points.append(theta)
        if not all(math.isfinite(v) and abs(v) <= DIVERGENCE_BOUND for v in theta):
            break
    return points




# ---------------------------------------------------------------- formulas with numbers


def substituted_formulas(
    path: OptimizerPath, t: int, hyper: Hyperparameters, digits: int = 4
) -> list[Substitution]:
    """Step ``t`` of ``path``: the gradient, then each update line with torch's numbers in it."""
    if not 1 <= t <= len(path.steps):
        raise InputError(
            f"Step {t} is not on this path (it has {len(path.steps)} steps).",
            code="step_out_of_range",
            field="step",
            details={"step": t, "steps": len(path.steps)},
        )
    step = path.steps[t - 1]
    previous = dict(path.steps[t - 2].state) if t > 1 else {}
    numbers = _Numbers(step, previous, hyper, digits)
    gradient = Substitution(
        f"g_{{{t}}}",
        rf"\vec{{\nabla}} L(\theta_{{{t - 1}}})",
        rf"\vec{{\nabla}} L{numbers.vec(step.theta)}",
        numbers.vec(step.grad),
    )
    return [gradient, *OPTIMIZERS[path.key].numbers(numbers)]
