"""Gradient descent in one dimension (course text 004) and optimizer paths on 2-D surfaces (003).

One dimension: a loss curve of one weight ``w``, stepped either a fixed distance against the
sign of the derivative, ``w <- w - alpha * sign(dL/dw)``, or by the derivative itself,
``w <- w - alpha * dL/dw``. The derivative comes from autograd.

Two dimensions: every optimizer of :data:`nnlib.optimizers.OPTIMIZERS` moves a two-element
tensor over a surface with ``torch.optim``. Every step keeps the gradient and the optimizer's
state as torch left them, so a page can show the update formula with those numbers substituted.
:func:`manual_path` walks the same surface with the record's hand-written rule instead; the
tests check that torch's path and the hand-written rule agree step for step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import torch

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.core.settings import get_settings
from nnlib.optimizers import OPTIMIZERS
from nnlib.optimizers.formulas import State, StepNumbers, Substitution, Vector, vector
from nnlib.optimizers.surfaces import CURVES, SURFACES, Curve, surface_loss

# Beyond this the path has left every plotted range for good; stop and call it diverged.
DIVERGENCE_BOUND = 1e6


def max_steps() -> int:
    """The path length a student can ask for (a setting: a few thousand keep a rerun near one second)."""
    return get_settings().max_optimizer_steps


# ---------------------------------------------------------------- one dimension


@dataclass(frozen=True)
class StepRule:
    """How far one 1-D step goes given the derivative: ``update = -alpha * direction(dL/dw)``."""

    key: str
    latex: str
    direction: Callable[[float], float]

    @property
    def title(self) -> str:
        """The heading of its column on the page (``optimizers.rule.<key>.title``)."""
        return messages.word(f"optimizers.rule.{self.key}.title")

    @property
    def note(self) -> str:
        """Why the course takes it at this point (``optimizers.rule.<key>.note``)."""
        return messages.word(f"optimizers.rule.{self.key}.note")


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


@dataclass(frozen=True)
class AlphaPreset:
    """A learning rate that shows one behaviour on the default curve, and its button's words."""

    key: str
    alpha: float

    @property
    def label(self) -> str:
        """Its button's words with {alpha} for the value (``optimizers.alpha_preset.<key>``)."""
        code = f"optimizers.alpha_preset.{self.key}"
        return messages.template(code) or code


# The course's alpha = 0.3 first, then one too large and one too small.
ALPHA_PRESETS: dict[str, AlphaPreset] = {
    preset.key: preset
    for preset in (
        AlphaPreset("course", 0.3),
        AlphaPreset("too_large", 1.1),
        AlphaPreset("too_small", 0.02),
    )
}


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

    @property
    def status_code(self) -> str:
        """The message code that words the status (``optimizers.descent_<status>``)."""
        return f"optimizers.descent_{self.status}"


def _check_steps(steps: int) -> int:
    maximum = max_steps()
    if not 1 <= int(steps) <= maximum:
        raise InputError("optimizers.steps_out_of_range", field="steps", steps=steps, maximum=maximum)
    return int(steps)


def _check_finite(name: str, value: float) -> float:
    if not math.isfinite(value):
        raise InputError("optimizers.not_finite", field=name, name=name, value=value)
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
        raise InputError("optimizers.alpha_not_positive", field="alpha", alpha=alpha)
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


# ---------------------------------------------------------------- two dimensions: settings


@dataclass(frozen=True)
class Hyperparameters:
    """The learning rate of each optimizer, and each one's other hyperparameters by name.

    ``settings`` overrides a record's defaults: ``{"adam": {"beta1": 0.8}}``. Limits are the
    records' (:class:`~nnlib.optimizers.record.Hyperparameter`).
    """

    learning_rates: Mapping[str, float]
    settings: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def lr(self, key: str) -> float:
        return float(self.learning_rates[key])

    def values(self, key: str) -> dict[str, float]:
        """Everything optimizer ``key``'s hand rule and formulas read (lr, constants, hyperparameters)."""
        self.validate((key,))
        return OPTIMIZERS[key].values(self.lr(key), self.settings.get(key))

    def validate(self, keys: tuple[str, ...]) -> Hyperparameters:
        for key in keys:
            lr = self.learning_rates.get(key)
            if lr is None or not math.isfinite(lr) or lr <= 0:
                raise InputError("optimizers.bad_learning_rate", field=f"lr_{key}", optimizer=OPTIMIZERS[key].label,
                                 key=key, lr=lr)
            OPTIMIZERS[key].values(lr, self.settings.get(key))  # raises params.* for a value out of its limits
        return self


def surface_learning_rates(surface_key: str) -> dict[str, float]:
    """Every optimizer's learning rate on a surface: its tuned one, or the record's default."""
    tuned = SURFACES[surface_key].learning_rates
    return {key: float(tuned.get(key, record.default_lr)) for key, record in OPTIMIZERS.items()}


# ---------------------------------------------------------------- two dimensions: paths


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


def _runs_away(point: Vector) -> bool:
    return not all(math.isfinite(v) and abs(v) <= DIVERGENCE_BOUND for v in point)


def run_path(
    surface_key: str,
    optimizer_key: str,
    hyper: Hyperparameters,
    start: Vector,
    steps: int,
) -> OptimizerPath:
    """Move a two-element tensor over the surface with ``torch.optim`` and record every step."""
    surface = SURFACES[surface_key]
    record = OPTIMIZERS[optimizer_key]
    steps = _check_steps(steps)
    hyper.validate((optimizer_key,))
    start = (_check_finite("x0", start[0]), _check_finite("y0", start[1]))
    theta = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    # One loop per tensor (foreach=False): the order of operations the hand-written rules follow.
    optimizer = record.build([theta], hyper.lr(optimizer_key), hyper.settings.get(optimizer_key), foreach=False)
    records: list[PathStep] = []
    diverged = False
    for t in range(1, steps + 1):
        optimizer.zero_grad()
        loss = surface.fn(theta[0], theta[1])
        loss.backward()
        before = vector(theta.detach().tolist())
        grad = vector(theta.grad.tolist())
        optimizer.step()
        state = {symbol: vector(optimizer.state[theta][name].tolist()) for name, symbol in record.state_symbols.items()}
        after = vector(theta.detach().tolist())
        records.append(PathStep(t, before, float(loss.detach()), grad, state, after))
        if _runs_away(after):
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
    values = hyper.values(optimizer_key)
    theta: Vector = (float(start[0]), float(start[1]))
    state: State = {}
    points = [theta]
    for t in range(1, steps + 1):
        point = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
        surface.fn(point[0], point[1]).backward()
        theta, state = rule(theta, vector(point.grad.tolist()), state, t, values)
        points.append(theta)
        if _runs_away(theta):
            break
    return points


# ---------------------------------------------------------------- formulas with numbers


def substituted_formulas(
    path: OptimizerPath, t: int, hyper: Hyperparameters, digits: int = 4
) -> list[Substitution]:
    """Step ``t`` of ``path``: the gradient, then each update line with torch's numbers in it."""
    if not 1 <= t <= len(path.steps):
        raise InputError("optimizers.step_off_path", field="step", step=t, steps=len(path.steps))
    step = path.steps[t - 1]
    previous = dict(path.steps[t - 2].state) if t > 1 else {}
    numbers = StepNumbers(t, step.theta, step.grad, step.theta_next, dict(step.state), previous,
                          hyper.values(path.key), digits)
    gradient = Substitution(
        f"g_{{{t}}}",
        rf"\vec{{\nabla}} L(\theta_{{{t - 1}}})",
        rf"\vec{{\nabla}} L{numbers.vec(step.theta)}",
        numbers.vec(step.grad),
    )
    return [gradient, *OPTIMIZERS[path.key].numbers(numbers)]
