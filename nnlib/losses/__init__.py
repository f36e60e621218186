"""Loss functions as a student meets them: PyTorch's value next to the same number by hand.

``LOSSES`` is a registry of :class:`LossInfo` records. Each carries the torch
function, a manual computation that returns its steps (a label, a LaTeX line with
the student's numbers substituted, the intermediate tensor), the general formula,
what the prediction and target must look like, when to use the loss, the
closed-form gradient where it is simple, and a validator that spots the mistakes
students actually make. :func:`evaluate` puts it together into a
:class:`LossReport`; :func:`check` returns the findings alone.

The numerical-stability demonstrations (Sigmoid + BCELoss against
BCEWithLogitsLoss, log 0, softmax overflow and the log-sum-exp trick) are at the
end of the module. ``PRESETS`` holds the course's worked examples (text 004).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import Tensor

from nnlib.core.errors import InputError
from nnlib.core.parsing import format_tensor_literal, parse_tensor

REDUCTIONS: tuple[str, ...] = ("mean", "sum", "none")
LOG_CLAMP = -100.0  # BCELoss clamps each log term at -100 so that log 0 stays finite
BCE_GRAD_EPS = 1e-12  # BCELoss's backward divides by max(p(1 - p), 1e-12)
IGNORE_INDEX = -100  # CrossEntropyLoss / NLLLoss skip targets equal to this
SHOWN_TERMS = 4  # elements written out in a step; the table has every element
SHOWN_SUM_TERMS = 6  # terms written out in a sum
SHOWN_ROWS = 3  # samples written out in a per-row step (cross-entropy)
SHOWN_CLASSES = 4  # classes written out inside one row
ROW_SUM_TOLERANCE = 1e-3  # rows within this of 1 count as probability distributions

Severity = Literal["error", "warning", "note"]


# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One line of the worked computation."""

    label: str
    latex: str
    value: Tensor


@dataclass(frozen=True)
class Manual:
    """The loss worked out by hand: the steps, each element's contribution, the value."""

    steps: tuple[Step, ...]
    contributions: Tensor
    value: Tensor


@dataclass(frozen=True)
class ParamSpec:
    """A loss's own argument (Huber's delta, ...), enough for a page to draw a widget."""

    name: str
    label: str
    default: float | bool
    minimum: float | None = None
    strictly_positive: bool = False
    help: str = ""


@dataclass(frozen=True)
class Finding:
    """A mistake (or a thing worth knowing) spotted in the inputs.

    ``severity`` is ``"error"`` when PyTorch refuses the inputs, ``"warning"`` when
    it computes a number that is probably not the one wanted, ``"note"`` otherwise.
    ``details`` holds the numbers behind the message (tensors included).
    """

    code: str
    severity: Severity
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return FINDING_TEXT[self.code].format(**self.details)


LossFunction = Callable[[Tensor, Tensor, str, Mapping[str, Any]], Tensor]
ManualFunction = Callable[[Tensor, Tensor, str, Mapping[str, Any]], Manual]


@dataclass(frozen=True)
class LossInfo:
    """Everything the page and the tests need to know about one loss."""

    name: str
    module: type[torch.nn.Module]  # the class in torch.nn, e.g. nn.CrossEntropyLoss
    functional_name: str  # the function in torch.nn.functional
    formula: str  # LaTeX for one element / sample, before the reduction
    prediction_spec: str
    target_spec: str
    when_to_use: str
    task: Literal["regression", "binary", "multiclass"]
    prediction_space: Literal["values", "probabilities", "logits"]
    target_kind: Literal["float", "index"]
    torch_loss: LossFunction
    manual: ManualFunction
    validate: Callable[[LossInfo, Tensor, Tensor, str, Mapping[str, Any]], list[Finding]]
    closed_form_gradient: LossFunction | None = None
    gradient_formula: str | None = None  # "{s}" stands for 1/N (mean) or nothing (sum, none)
    params: tuple[ParamSpec, ...] = ()
    # What the network's last layer must output for this loss: "logits", "probabilities",
    # "log_probabilities" or "values" (the network builder checks the last layer against it).
    expects: str | None = None
    output_note: str = ""  # the builder's one-line description of that output
    in_builder: bool = False  # offered as a training loss in the network builder
    training_key: str | None = None  # the key nnlib.training uses for it in configs

    @property
    def module_name(self) -> str:
        return self.module.__name__

    def default_params(self) -> dict[str, Any]:
        return {spec.name: spec.default for spec in self.params}

    def formula_latex(self, reduction: str) -> str:
        """The formula as written for ``reduction``: the mean's 1/N goes for "sum" and "none"."""
        if reduction == "mean":
            return self.formula
        return self.formula.replace(r"\frac{1}{N}\sum", r"\sum")

    def gradient_latex(self, reduction: str) -> str | None:
        if self.gradient_formula is None:
            return None
        scale = r"\frac{1}{N}\," if reduction == "mean" else ""
        return self.gradient_formula.replace("{s}", scale)


@dataclass(frozen=True)
class LossReport:
    """The outcome of :func:`evaluate`."""

    info: LossInfo
    reduction: str
    params: Mapping[str, Any]
    prediction: Tensor  # as passed to torch (converted to float if it was not)
    target: Tensor
    torch_value: Tensor
    manual: Manual
    gradient: Tensor  # d loss / d prediction by autograd (of the sum, for reduction="none")
    closed_form: Tensor | None
    findings: tuple[Finding, ...]
    torch_warnings: tuple[str, ...]
    code: str

    @property
    def max_difference(self) -> float:
        """Largest |manual - torch| (0 where both are the same nan/inf)."""
        manual = self.manual.value.detach().to(torch.float64)
        value = self.torch_value.detach().to(torch.float64)
        same = (manual == value) | (manual.isnan() & value.isnan())
        diff = torch.where(same, torch.zeros_like(manual), (manual - value).abs())
        return float(diff.max()) if diff.numel() else 0.0

    @property
    def matches(self) -> bool:
        return values_match(self.manual.value, self.torch_value)

    @property
    def gradient_matches(self) -> bool | None:
        if self.closed_form is None:
            return None
        return values_match(self.closed_form, self.gradient)

    def contribution_rows(self) -> list[dict[str, Any]]:
        """One row per element of the unreduced loss: where it is, its inputs, its share."""
        return _contribution_rows(self)


def values_match(a: Tensor, b: Tensor, rtol: float = 1e-5, atol: float = 1e-6) -> bool:
    a = a.detach().to(torch.float64)
    b = b.detach().to(torch.float64)
    if a.shape != b.shape:
        return False
    return bool(torch.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


# ---------------------------------------------------------------------------
# Messages (one place, so that another language can replace them)
# ---------------------------------------------------------------------------

FINDING_TEXT: dict[str, str] = {
    "empty": "The {field} is empty: type at least one number.",
    "prediction_converted": (
        "Your predictions are {dtype} numbers; losses and gradients need floats, so they were "
        "converted to float32 (in your own code write 0.6, not 1, or call .float())."
    ),
    "target_converted": (
        "Your targets are {dtype} numbers; {loss} needs float targets here (BCELoss, for one, "
        "stops with 'Found dtype Long but expected Float'), so they were converted. In your "
        "code write 1.0 rather than 1, or call target.float()."
    ),
    "nonfinite": ("The {field} contains nan or inf, so the loss and its gradient will be nan or inf too."),
    "shape_mismatch": (
        "Prediction shape {prediction_shape} and target shape {target_shape} do not fit together: "
        "{loss} needs the same shape for both."
    ),
    "shape_mismatch_reshape": (
        "Prediction shape {prediction_shape} and target shape {target_shape} differ and {loss} "
        "refuses them. Both hold {count} numbers: write the target as target.reshape"
        "{prediction_shape} (on the reshaped target the loss is {reshaped_value})."
    ),
    "silent_broadcast": (
        "Prediction shape {prediction_shape} and target shape {target_shape} differ, and PyTorch "
        "silently broadcasts them to {broadcast_shape}: it compares every prediction with every "
        "target ({pairs} pairs instead of {expected}) and returns {torch_value}. PyTorch only prints "
        "a UserWarning. With target.reshape{prediction_shape} the loss is {reshaped_value}."
    ),
    "silent_broadcast_no_reshape": (
        "Prediction shape {prediction_shape} and target shape {target_shape} differ, and PyTorch "
        "silently broadcasts them to {broadcast_shape}: it compares {pairs} pairs instead of "
        "matching each prediction with its own target, and returns {torch_value}. Make both the "
        "same shape."
    ),
    "bce_input_out_of_range": (
        "BCELoss wants probabilities between 0 and 1, but {count} prediction value(s) are outside "
        "that range (e.g. {example}), so PyTorch stops with 'all elements of input should be "
        "between 0 and 1'. These look like raw scores (logits): use BCEWithLogitsLoss, which "
        "applies the sigmoid itself and is numerically stable{with_logits_text}."
    ),
    "bce_input_nan": (
        "BCELoss cannot take nan predictions: PyTorch stops with 'all elements of input should be "
        "between 0 and 1'."
    ),
    "bce_target_out_of_range": (
        "Binary targets must be between 0 and 1 (normally exactly 0 or 1), but {count} target "
        "value(s) are not (e.g. {example}). {consequence}"
    ),
    "bce_with_logits_given_probabilities": (
        "All your predictions are between 0 and 1. BCEWithLogitsLoss applies the sigmoid itself, "
        "so it expects raw scores (logits) from the last Linear layer. If these numbers already "
        "went through a sigmoid, the loss you want is BCELoss: {bce_value}."
    ),
    "swapped_binary": (
        "The prediction is all 0s and 1s while the target holds values in between (e.g. "
        "{example}): are the arguments swapped? Losses take (prediction, target): the model's "
        "output first, the true labels second."
    ),
    "swapped_class_indices": (
        "The prediction {prediction_shape} looks like a list of class numbers and the target "
        "{target_shape} like the model's outputs: the arguments are swapped. PyTorch stops with "
        "an error. Call loss_fn(model_output, class_numbers) — model output first."
    ),
    "swapped_distributions": (
        "Every row of the prediction is a probability distribution (or one-hot), while the target "
        "has values outside [0, 1]: are the arguments swapped? The model's outputs (logits) go "
        "first, the target probabilities second."
    ),
    "prediction_needs_classes": (
        "{loss} needs one score per class: a prediction of shape (C,) for one sample or (N, C) "
        "for N samples. Yours is a single number."
    ),
    "class_target_shape": (
        "For a prediction of shape {prediction_shape}, {loss} wants one class number per sample, "
        "a target of shape {expected_shape}, but yours has shape {target_shape}. {hint}"
    ),
    "float_class_targets": (
        "{loss} wants class numbers as integers (torch.long), but your targets are floats, so "
        "PyTorch stops with 'expected target dtype to be Long'. {hint}"
    ),
    "probability_target_for_index_loss": (
        "Your target has the same shape as the prediction, so PyTorch would read it as class "
        "probabilities, not class numbers. Choose 'CrossEntropyLoss (probability targets)', or "
        "give one class number per sample, shape {expected_shape}."
    ),
    "class_index_out_of_range": (
        "The prediction has {num_classes} classes (columns), numbered 0 to {max_class}, but the "
        "target contains {bad}. PyTorch stops with 'Target {first_bad} is out of bounds'. Classes "
        "are counted from 0: if yours run from 1 to {num_classes}, subtract 1."
    ),
    "ignored_targets": (
        "{count} target(s) equal -100, PyTorch's ignore_index: those samples are skipped and the "
        "mean divides by the {kept} that remain."
    ),
    "probabilities_to_cross_entropy": (
        "Every row of your prediction is between 0 and 1 and sums to 1: these look like "
        "probabilities (a Softmax output). {loss} applies softmax itself and wants raw scores "
        "(logits), so softmax is applied twice and the loss is squashed: PyTorch gives "
        "{torch_value}, while the cross-entropy of these probabilities, NLLLoss(log p), is "
        "{loss_if_probabilities}. Feed the last Linear layer's output, without Softmax."
    ),
    "probability_targets_not_distribution": (
        "Probability targets should be between 0 and 1 with each row summing to 1, but {problem}. "
        "PyTorch computes a number anyway."
    ),
    "index_targets_as_probabilities": (
        "Your target {target_shape} holds one class number per sample, but this variant wants a "
        "probability for every class, shape {prediction_shape}. Choose 'CrossEntropyLoss (class "
        "indices)', or write the target one-hot."
    ),
    "nll_not_log_probabilities": (
        "NLLLoss expects log-probabilities (all ≤ 0, e.g. the output of LogSoftmax), but some of "
        "your values are positive (e.g. {example}). Tick 'apply LogSoftmax first' or use "
        "CrossEntropyLoss on the raw scores."
    ),
    "mape_zero_target": (
        "{count} target(s) are exactly 0: MAPE divides by the target, so those elements are inf "
        "(or nan for 0 / 0) and so is the mean. Over the other elements MAPE is "
        "{value_without_zero_targets:.4f} %. Where true values can be 0, use MAE instead, or "
        "clamp the denominator away from 0 as course text 003 does."
    ),
    "torch_error": "PyTorch could not compute {loss} for these inputs: {torch_error}",
}


# ---------------------------------------------------------------------------
# LaTeX formatting of the student's numbers
# ---------------------------------------------------------------------------


def fmt(value: float | Tensor, decimals: int = 4) -> str:
    """A number for LaTeX: up to four decimals, trailing zeros dropped, powers of ten when tiny."""
    x = float(value)
    if math.isnan(x):
        return r"\text{nan}"
    if math.isinf(x):
        return r"\infty" if x > 0 else r"-\infty"
    if x == 0:
        return "0"
    if abs(x) < 10 ** (-decimals + 1) or abs(x) >= 1e7:
        mantissa, exponent = f"{x:.3e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    text = f"{x:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_plain(value: float | Tensor, decimals: int = 4) -> str:
    """A number for plain text messages."""
    x = float(value)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    return f"{x:.{decimals}f}"


def _p(value: float | Tensor) -> str:
    """A number that may follow an operator: negatives in parentheses."""
    text = fmt(value)
    return f"({text})" if text.startswith("-") or r"\times" in text else text


def _items(entries: list[str], total: int, header: str = "") -> str:
    """One entry per line (so long lines never overflow), after an optional header line."""
    lines = [f"&{entry}" for entry in entries]
    if total > len(entries):
        lines.append(rf"&\dots\ (\text{{{total} in all; every one is in the table}})")
    if header and lines:
        lines[0] = rf"{header}\quad {lines[0]}"
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def _sum_terms(flat: Tensor) -> str:
    values = flat.tolist()
    if len(values) <= SHOWN_SUM_TERMS:
        shown = values
        tail = ""
    else:
        shown = values[: SHOWN_SUM_TERMS - 1]
        tail = r" + \dots + " + _p(values[-1])
    if not shown:
        return "0"
    return " + ".join(_p(v) if i else fmt(v) for i, v in enumerate(shown)) + tail


def _vector(flat: Tensor) -> str:
    values = flat.reshape(-1).tolist()
    shown = ", ".join(fmt(v) for v in values[:SHOWN_SUM_TERMS])
    if len(values) > SHOWN_SUM_TERMS:
        shown += r", \dots"
    return rf"\left({shown}\right)"


def _shape(tensor_or_shape: Tensor | torch.Size | tuple[int, ...]) -> str:
    shape = tuple(tensor_or_shape.shape if isinstance(tensor_or_shape, Tensor) else tensor_or_shape)
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _example(values: Tensor) -> str:
    return ", ".join(fmt_plain(v, 4).rstrip("0").rstrip(".") for v in values.reshape(-1)[:3].tolist())


# ---------------------------------------------------------------------------
# Shared pieces of the manual computations
# ---------------------------------------------------------------------------


def _reduce(contributions: Tensor, reduction: str, count: int | None = None) -> tuple[Tensor, Step]:
    flat = contributions.reshape(-1)
    n = flat.numel() if count is None else count
    if reduction == "none":
        latex = rf"\mathcal{{L}} = (\ell_1, \dots, \ell_{{{flat.numel()}}}) = {_vector(flat)}"
        return contributions, Step("No reduction: one loss per element", latex, contributions)
    total = flat.sum()
    terms = _sum_terms(flat)
    if reduction == "sum":
        latex = rf"\mathcal{{L}} = \sum_i \ell_i = {terms} = {fmt(total)}"
        return total, Step("Sum over the elements", latex, total)
    value = total / n if n else total * math.nan
    latex = (
        rf"\mathcal{{L}} = \frac{{1}}{{N}}\sum_i \ell_i = \frac{{{terms}}}{{{n}}}"
        rf" = \frac{{{fmt(total)}}}{{{n}}} = {fmt(value)}"
    )
    return value, Step(f"Mean over the N = {n} elements", latex, value)


def _scale(reduction: str, count: int) -> float:
    return 1.0 / count if reduction == "mean" and count else 1.0


def _class_dim(prediction: Tensor) -> int:
    return 0 if prediction.dim() == 1 else 1


def _rows(scores: Tensor, class_dim: int) -> Tensor:
    """Samples as rows, classes as columns, whatever the layout."""
    return scores.movedim(class_dim, -1).reshape(-1, scores.shape[class_dim])


def _log_sum_exp(scores: Tensor, class_dim: int) -> tuple[Tensor, Tensor]:
    """Row maximum m and log Σ e^z computed as m + log Σ e^(z - m), so nothing overflows."""
    maximum = scores.amax(dim=class_dim, keepdim=True)
    maximum = torch.where(torch.isfinite(maximum), maximum, torch.zeros_like(maximum))
    lse = maximum + torch.log(torch.exp(scores - maximum).sum(dim=class_dim, keepdim=True))
    return maximum, lse


def _lse_step(scores: Tensor, class_dim: int, maximum: Tensor, lse: Tensor) -> Step:
    rows = _rows(scores, class_dim)
    maxima = maximum.reshape(-1).tolist()
    lses = lse.reshape(-1).tolist()
    lines = []
    for i in range(min(SHOWN_ROWS, rows.shape[0])):
        row = rows[i].tolist()
        exps = " + ".join(f"e^{{{fmt(z)}}}" for z in row[:SHOWN_CLASSES])
        shifted = " + ".join(f"e^{{{fmt(z - maxima[i])}}}" for z in row[:SHOWN_CLASSES])
        if len(row) > SHOWN_CLASSES:
            exps += r" + \dots"
            shifted += r" + \dots"
        lines.append(rf"\mathrm{{LSE}}_{{{i + 1}}} &= \log({exps})")
        lines.append(rf"&= {fmt(maxima[i])} + \log({shifted}) = {fmt(lses[i])}")
    if rows.shape[0] > SHOWN_ROWS:
        lines.append(rf"&\dots\ (\text{{{rows.shape[0]} samples in all}})")
    latex = r"\begin{aligned}" + r"\\ ".join(lines) + r"\end{aligned}"
    return Step(
        "Log-sum-exp of each sample's scores, written m + log Σ e^(z − m) with m the row maximum "
        "so that no exponential overflows",
        latex,
        lse.squeeze(class_dim),
    )


def _softmax_step(scores: Tensor, class_dim: int, lse: Tensor) -> tuple[Tensor, Step]:
    probabilities = torch.exp(scores - lse)
    rows = _rows(probabilities, class_dim)
    lines = [
        rf"p_{{{i + 1}}} = \mathrm{{softmax}}(z_{{{i + 1}}}) = {_vector(rows[i])}"
        for i in range(min(SHOWN_ROWS, rows.shape[0]))
    ]
    if rows.shape[0] > SHOWN_ROWS:
        lines.append(r"\dots")
    latex = r"\begin{aligned}" + r"\\ ".join(lines) + r"\end{aligned}"
    return probabilities, Step(
        "Softmax: the probabilities the scores stand for, p = e^z / Σ e^z (for reading only)",
        latex,
        probabilities,
    )


def _index_targets(target: Tensor) -> tuple[Tensor, Tensor]:
    """Targets safe for gather (ignored ones replaced by 0) and the mask of kept samples."""
    kept = target != IGNORE_INDEX
    safe = torch.where(kept, target, torch.zeros_like(target))
    return safe, kept


# ---------------------------------------------------------------------------
# Regression losses
# ---------------------------------------------------------------------------


def _differences(prediction: Tensor, target: Tensor) -> tuple[Tensor, Tensor, Tensor, Step]:
    p, y = torch.broadcast_tensors(prediction, target)
    d = p - y
    entries = [
        f"{fmt(a)} - {_p(b)} = {fmt(c)}"
        for a, b, c in zip(
            p.reshape(-1).tolist()[:SHOWN_TERMS], y.reshape(-1).tolist(), d.reshape(-1).tolist(), strict=False
        )
    ]
    step = Step(
        "Differences between prediction and target",
        _items(entries, d.numel(), header=r"\hat{y}_i - y_i:"),
        d,
    )
    return p, y, d, step


def _mse_manual(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Manual:
    _, _, d, first = _differences(prediction, target)
    squares = d * d
    entries = [
        f"{_p(a)}^2 = {fmt(b)}"
        for a, b in zip(d.reshape(-1).tolist()[:SHOWN_TERMS], squares.reshape(-1).tolist(), strict=False)
    ]
    second = Step(
        "Squares: ℓᵢ = (ŷᵢ − yᵢ)²",
        _items(entries, d.numel(), header=r"\ell_i = (\hat{y}_i - y_i)^2:"),
        squares,
    )
    value, last = _reduce(squares, reduction)
    return Manual((first, second, last), squares, value)


def _l1_manual(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Manual:
    _, _, d, first = _differences(prediction, target)
    absolute = d.abs()
    entries = [
        f"|{fmt(a)}| = {fmt(b)}"
        for a, b in zip(d.reshape(-1).tolist()[:SHOWN_TERMS], absolute.reshape(-1).tolist(), strict=False)
    ]
    second = Step(
        "Absolute values: ℓᵢ = |ŷᵢ − yᵢ|",
        _items(entries, d.numel(), header=r"\ell_i = |\hat{y}_i - y_i|:"),
        absolute,
    )
    value, last = _reduce(absolute, reduction)
    return Manual((first, second, last), absolute, value)


def _smooth_l1_manual(
    prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> Manual:
    beta = float(params["beta"])
    _, _, d, first = _differences(prediction, target)
    z = d.abs()
    if beta == 0:  # PyTorch: beta = 0 is exactly L1Loss
        contributions = z
    else:
        contributions = torch.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta)
    entries = []
    for a, b in zip(z.reshape(-1).tolist()[:SHOWN_TERMS], contributions.reshape(-1).tolist(), strict=False):
        if beta and a < beta:
            entries.append(rf"{fmt(a)} < {fmt(beta)}:\ 0.5 \cdot {fmt(a)}^2 / {fmt(beta)} = {fmt(b)}")
        else:
            entries.append(rf"{fmt(a)} \ge {fmt(beta)}:\ {fmt(a)} - 0.5 \cdot {fmt(beta)} = {fmt(b)}")
    second = Step(
        f"Quadratic near zero, linear beyond β = {fmt_plain(beta).rstrip('0').rstrip('.')}",
        _items(entries, z.numel(), header=r"\ell_i:"),
        contributions,
    )
    value, last = _reduce(contributions, reduction)
    return Manual((first, second, last), contributions, value)


def _huber_manual(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Manual:
    delta = float(params["delta"])
    _, _, d, first = _differences(prediction, target)
    z = d.abs()
    contributions = torch.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta))
    entries = []
    for a, b in zip(z.reshape(-1).tolist()[:SHOWN_TERMS], contributions.reshape(-1).tolist(), strict=False):
        if a < delta:
            entries.append(rf"{fmt(a)} < {fmt(delta)}:\ 0.5 \cdot {fmt(a)}^2 = {fmt(b)}")
        else:
            entries.append(
                rf"{fmt(a)} \ge {fmt(delta)}:\ {fmt(delta)} \cdot ({fmt(a)} - 0.5 \cdot {fmt(delta)}) = {fmt(b)}"
            )
    second = Step(
        f"Quadratic near zero, linear beyond δ = {fmt_plain(delta).rstrip('0').rstrip('.')}",
        _items(entries, z.numel(), header=r"\ell_i:"),
        contributions,
    )
    value, last = _reduce(contributions, reduction)
    return Manual((first, second, last), contributions, value)


def _broadcast_count(prediction: Tensor, target: Tensor) -> int:
    return math.prod(torch.broadcast_shapes(prediction.shape, target.shape))


def _elementwise_gradient(local: Callable[[Tensor], Tensor]) -> LossFunction:
    """Closed-form gradient of an element-wise loss, summed back to the prediction's shape."""

    def gradient(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Tensor:
        p, y = torch.broadcast_tensors(prediction, target)
        d = p - y
        grad = local(d, params) * _scale(reduction, d.numel())
        return grad.sum_to_size(prediction.shape)

    return gradient  # type: ignore[return-value]


def _smooth_l1_local(d: Tensor, params: Mapping[str, Any]) -> Tensor:
    beta = float(params["beta"])
    if beta == 0:
        return torch.sign(d)
    return torch.where(d.abs() < beta, d / beta, torch.sign(d))


def _huber_local(d: Tensor, params: Mapping[str, Any]) -> Tensor:
    delta = float(params["delta"])
    return torch.where(d.abs() < delta, d, delta * torch.sign(d))


# ---------------------------------------------------------------------------
# Binary classification
# ---------------------------------------------------------------------------


def _bce_manual(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Manual:
    p, y = prediction, target
    log_p = torch.clamp(torch.log(p), min=LOG_CLAMP)
    log_q = torch.clamp(torch.log1p(-p), min=LOG_CLAMP)
    clamped = bool(((torch.log(p) < LOG_CLAMP) | (torch.log1p(-p) < LOG_CLAMP)).any())
    entries = [
        rf"\log {fmt(a)} = {fmt(b)},\ \log(1 - {fmt(a)}) = {fmt(c)}"
        for a, b, c in zip(
            p.reshape(-1).tolist()[:SHOWN_TERMS],
            log_p.reshape(-1).tolist(),
            log_q.reshape(-1).tolist(),
            strict=False,
        )
    ]
    label = "Logarithms of the predicted probabilities"
    if clamped:
        label += " (PyTorch clamps each log at −100, so log 0 becomes −100 instead of −∞)"
    first = Step(label, _items(entries, p.numel()), torch.stack([log_p, log_q]))
    contributions = -(y * log_p + (1 - y) * log_q)
    entries = [
        rf"-[{fmt(t)} \cdot {_p(b)} + {_p(1 - t)} \cdot {_p(c)}] = {fmt(e)}"
        for t, b, c, e in zip(
            y.reshape(-1).tolist()[:SHOWN_TERMS],
            log_p.reshape(-1).tolist(),
            log_q.reshape(-1).tolist(),
            contributions.reshape(-1).tolist(),
            strict=False,
        )
    ]
    second = Step(
        "Each element: ℓᵢ = −[yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)]; only one term counts when yᵢ is 0 or 1",
        _items(entries, p.numel(), header=r"\ell_i:"),
        contributions,
    )
    value, last = _reduce(contributions, reduction)
    return Manual((first, second, last), contributions, value)


def _bce_gradient(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Tensor:
    denominator = torch.clamp(prediction * (1 - prediction), min=BCE_GRAD_EPS)
    return (prediction - target) / denominator * _scale(reduction, prediction.numel())


def _bce_logits_manual(
    prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> Manual:
    x, y = prediction, target
    probabilities = torch.sigmoid(x)
    entries = [
        rf"\sigma({fmt(a)}) = {fmt(b)}"
        for a, b in zip(
            x.reshape(-1).tolist()[:SHOWN_TERMS], probabilities.reshape(-1).tolist(), strict=False
        )
    ]
    first = Step(
        "Sigmoid: the probabilities the logits stand for, σ(x) = 1 / (1 + e^(−x)) (for reading only)",
        _items(entries, x.numel()),
        probabilities,
    )
    linear = torch.clamp(x, min=0) - x * y
    soft = torch.log1p(torch.exp(-x.abs()))
    contributions = linear + soft
    entries = [
        rf"\max({fmt(a)}, 0) - {_p(a)} \cdot {_p(t)} + \log(1 + e^{{-{fmt(abs(a))}}}) = {fmt(b)} + {_p(c)} = {fmt(e)}"
        for a, t, b, c, e in zip(
            x.reshape(-1).tolist()[:SHOWN_TERMS],
            y.reshape(-1).tolist(),
            linear.reshape(-1).tolist(),
            soft.reshape(-1).tolist(),
            contributions.reshape(-1).tolist(),
            strict=False,
        )
    ]
    second = Step(
        "Each element in the stable form ℓᵢ = max(xᵢ, 0) − xᵢyᵢ + log(1 + e^(−|xᵢ|)), "
        "equal to −[y log σ(x) + (1 − y) log(1 − σ(x))] without ever taking log 0",
        _items(entries, x.numel(), header=r"\ell_i:"),
        contributions,
    )
    value, last = _reduce(contributions, reduction)
    return Manual((first, second, last), contributions, value)


def _bce_logits_gradient(
    prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> Tensor:
    return (torch.sigmoid(prediction) - target) * _scale(reduction, prediction.numel())


# ---------------------------------------------------------------------------
# Multiclass classification
# ---------------------------------------------------------------------------


def _pick_step(
    log_probs_of_target: Tensor, lse: Tensor, picked_scores: Tensor, kept: Tensor, targets: Tensor
) -> tuple[Tensor, Step]:
    contributions = torch.where(kept, -log_probs_of_target, torch.zeros_like(log_probs_of_target))
    flat_lse = lse.reshape(-1).tolist()
    flat_z = picked_scores.reshape(-1).tolist()
    flat_l = contributions.reshape(-1).tolist()
    flat_t = targets.reshape(-1).tolist()
    flat_k = kept.reshape(-1).tolist()
    entries = []
    for i in range(min(SHOWN_TERMS, len(flat_l))):
        if not flat_k[i]:
            entries.append(rf"\ell_{{{i + 1}}} = 0\ (\text{{ignored}})")
            continue
        entries.append(
            rf"\ell_{{{i + 1}}} = \mathrm{{LSE}}_{{{i + 1}}} - z_{{{i + 1},{int(flat_t[i])}}}"
            rf" = {fmt(flat_lse[i])} - {_p(flat_z[i])} = {fmt(flat_l[i])}"
        )
    step = Step(
        "Loss of each sample: minus the log-probability of its true class, ℓᵢ = −log pᵢ,ᵧ = LSEᵢ − zᵢ,ᵧ",
        _items(entries, len(flat_l)),
        contributions,
    )
    return contributions, step


def _ce_index_manual(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Manual:
    c = _class_dim(prediction)
    safe, kept = _index_targets(target)
    maximum, lse = _log_sum_exp(prediction, c)
    _, soft_step = _softmax_step(prediction, c, lse)
    lse_step = _lse_step(prediction, c, maximum, lse)
    picked = prediction.gather(c, safe.unsqueeze(c)).squeeze(c)
    log_p = picked - lse.squeeze(c)
    contributions, pick_step = _pick_step(log_p, lse.squeeze(c), picked, kept, safe)
    value, last = _reduce(contributions, reduction, count=int(kept.sum()))
    return Manual((soft_step, lse_step, pick_step, last), contributions, value)


def _ce_index_gradient(
    prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> Tensor:
    c = _class_dim(prediction)
    safe, kept = _index_targets(target)
    probabilities = torch.softmax(prediction, dim=c)
    one_hot = torch.zeros_like(prediction).scatter(c, safe.unsqueeze(c), 1.0)
    grad = (probabilities - one_hot) * kept.unsqueeze(c)
    return grad * _scale(reduction, int(kept.sum()))


def _ce_probability_manual(
    prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> Manual:
    c = _class_dim(prediction)
    maximum, lse = _log_sum_exp(prediction, c)
    _, soft_step = _softmax_step(prediction, c, lse)
    lse_step = _lse_step(prediction, c, maximum, lse)
    log_p = prediction - lse
    contributions = -(target * log_p).sum(dim=c)
    rows_y = _rows(target, c)
    rows_l = _rows(log_p, c)
    flat_l = contributions.reshape(-1).tolist()
    entries = []
    for i in range(min(SHOWN_ROWS, rows_y.shape[0])):
        terms = " + ".join(
            rf"{fmt(t)} \cdot {_p(lp)}"
            for t, lp in zip(rows_y[i].tolist()[:SHOWN_CLASSES], rows_l[i].tolist(), strict=False)
        )
        if rows_y.shape[1] > SHOWN_CLASSES:
            terms += r" + \dots"
        entries.append(rf"\ell_{{{i + 1}}} = -({terms}) = {fmt(flat_l[i])}")
    pick_step = Step(
        "Loss of each sample: ℓᵢ = −Σₖ yᵢₖ log pᵢₖ with log pᵢₖ = zᵢₖ − LSEᵢ",
        _items(entries, len(flat_l)),
        contributions,
    )
    value, last = _reduce(contributions, reduction)
    return Manual((soft_step, lse_step, pick_step, last), contributions, value)


def _ce_probability_gradient(
    prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> Tensor:
    c = _class_dim(prediction)
    probabilities = torch.softmax(prediction, dim=c)
    grad = probabilities * target.sum(dim=c, keepdim=True) - target
    samples = prediction.numel() // prediction.shape[c]
    return grad * _scale(reduction, samples)


def _nll_manual(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Manual:
    c = _class_dim(prediction)
    safe, kept = _index_targets(target)
    steps: list[Step] = []
    if params.get("apply_log_softmax", True):
        maximum, lse = _log_sum_exp(prediction, c)
        steps.append(_lse_step(prediction, c, maximum, lse))
        log_probs = prediction - lse
        rows = _rows(log_probs, c)
        lines = [
            rf"\log p_{{{i + 1}}} = z_{{{i + 1}}} - \mathrm{{LSE}}_{{{i + 1}}} = {_vector(rows[i])}"
            for i in range(min(SHOWN_ROWS, rows.shape[0]))
        ]
        steps.append(
            Step(
                "LogSoftmax of your scores: the log-probabilities NLLLoss is fed",
                r"\begin{aligned}" + r"\\ ".join(lines) + r"\end{aligned}",
                log_probs,
            )
        )
    else:
        log_probs = prediction
    picked = log_probs.gather(c, safe.unsqueeze(c)).squeeze(c)
    contributions = torch.where(kept, -picked, torch.zeros_like(picked))
    flat_t = safe.reshape(-1).tolist()
    flat_p = picked.reshape(-1).tolist()
    flat_l = contributions.reshape(-1).tolist()
    flat_k = kept.reshape(-1).tolist()
    entries = [
        (rf"\ell_{{{i + 1}}} = -\log p_{{{i + 1},{int(flat_t[i])}}} = -{_p(flat_p[i])} = {fmt(flat_l[i])}")
        if flat_k[i]
        else rf"\ell_{{{i + 1}}} = 0\ (\text{{ignored}})"
        for i in range(min(SHOWN_TERMS, len(flat_l)))
    ]
    steps.append(
        Step(
            "Pick minus the log-probability of each sample's true class",
            _items(entries, len(flat_l)),
            contributions,
        )
    )
    value, last = _reduce(contributions, reduction, count=int(kept.sum()))
    steps.append(last)
    return Manual(tuple(steps), contributions, value)


def _nll_gradient(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Tensor:
    if params.get("apply_log_softmax", True):
        return _ce_index_gradient(prediction, target, reduction, params)
    c = _class_dim(prediction)
    safe, kept = _index_targets(target)
    one_hot = torch.zeros_like(prediction).scatter(c, safe.unsqueeze(c), 1.0)
    return -one_hot * kept.unsqueeze(c) * _scale(reduction, int(kept.sum()))


def _nll_torch(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Tensor:
    if params.get("apply_log_softmax", True):
        prediction = F.log_softmax(prediction, dim=_class_dim(prediction))
    return F.nll_loss(prediction, target, reduction=reduction)


# ---------------------------------------------------------------------------
# Validators: the mistakes students make
# ---------------------------------------------------------------------------


def _nonfinite(prediction: Tensor, target: Tensor) -> list[Finding]:
    findings = []
    for name, tensor in (("prediction", prediction), ("target", target)):
        if tensor.dtype.is_floating_point and not bool(torch.isfinite(tensor).all()):
            findings.append(Finding("nonfinite", "warning", {"field": name}))
    return findings


def _is_distribution(tensor: Tensor, class_dim: int) -> bool:
    """All values in [0, 1] and every row summing to 1 (a softmax output or one-hot)."""
    if not tensor.dtype.is_floating_point or tensor.numel() == 0 or tensor.shape[class_dim] < 2:
        return False
    if not bool(((tensor >= 0) & (tensor <= 1)).all()):
        return False
    sums = tensor.sum(dim=class_dim)
    return bool(((sums - 1).abs() <= ROW_SUM_TOLERANCE).all())


def _is_binary(tensor: Tensor) -> bool:
    return bool(((tensor == 0) | (tensor == 1)).all())


def _is_whole(tensor: Tensor) -> bool:
    if not tensor.dtype.is_floating_point:
        return True
    return bool(torch.isfinite(tensor).all()) and bool((tensor == tensor.round()).all())


def _same_shape_checks(
    info: LossInfo,
    prediction: Tensor,
    target: Tensor,
    reduction: str,
    params: Mapping[str, Any],
    *,
    broadcasts: bool,
) -> list[Finding]:
    """Shapes for element-wise losses; ``broadcasts`` says whether torch broadcasts silently."""
    if prediction.shape == target.shape:
        return []
    base = {
        "prediction_shape": _shape(prediction),
        "target_shape": _shape(target),
        "loss": info.module_name,
    }
    same_count = prediction.numel() == target.numel()
    reshaped_value = None
    if same_count:
        reshaped = target.reshape(prediction.shape)
        with torch.no_grad():
            reshaped_value = info.manual(prediction, reshaped, reduction, params).value
    try:
        broadcast_shape = torch.broadcast_shapes(prediction.shape, target.shape)
    except RuntimeError:
        broadcast_shape = None
    if not broadcasts or broadcast_shape is None:
        if same_count:
            return [
                Finding(
                    "shape_mismatch_reshape",
                    "error",
                    {
                        **base,
                        "count": prediction.numel(),
                        "reshaped_value": fmt_plain(reshaped_value)
                        if reduction != "none"
                        else "shown after reshaping",
                    },
                )
            ]
        return [Finding("shape_mismatch", "error", base)]
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch_value = info.torch_loss(prediction, target, reduction, params)
        matrix = info.manual(prediction, target, "none", params).contributions
    details = {
        **base,
        "broadcast_shape": _shape(broadcast_shape),
        "pairs": math.prod(broadcast_shape),
        "expected": max(prediction.numel(), target.numel()),
        "torch_value": fmt_plain(torch_value)
        if reduction != "none"
        else f"a {_shape(broadcast_shape)} tensor",
        "matrix": matrix,
        "torch_value_tensor": torch_value,
    }
    if same_count:
        details["reshaped_value"] = (
            fmt_plain(reshaped_value) if reduction != "none" else f"a {_shape(prediction)} tensor"
        )
        details["reshaped_value_tensor"] = reshaped_value
        return [Finding("silent_broadcast", "warning", details)]
    return [Finding("silent_broadcast_no_reshape", "warning", details)]


def _validate_regression(
    info: LossInfo, prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> list[Finding]:
    return _same_shape_checks(info, prediction, target, reduction, params, broadcasts=True) + _nonfinite(
        prediction, target
    )


def _with_logits_text(prediction: Tensor, target: Tensor, reduction: str) -> str:
    if (
        prediction.shape != target.shape
        or reduction == "none"
        or not bool(((target >= 0) & (target <= 1)).all())
    ):
        return ""
    value = F.binary_cross_entropy_with_logits(prediction, target, reduction=reduction)
    return f" (on your numbers, read as logits, it gives {fmt_plain(value)})"


def _target_range(target: Tensor, consequence: str) -> list[Finding]:
    outside = (target < 0) | (target > 1) | target.isnan()
    if not bool(outside.any()):
        return []
    return [
        Finding(
            "bce_target_out_of_range",
            "error" if consequence == "error" else "warning",
            {
                "count": int(outside.sum()),
                "example": _example(target[outside]),
                "consequence": "PyTorch stops with 'all elements of target should be between 0 and 1'."
                if consequence == "error"
                else "PyTorch computes a number anyway, but it is not a cross-entropy.",
            },
        )
    ]


def _swapped_binary(prediction: Tensor, target: Tensor) -> list[Finding]:
    if prediction.shape != target.shape or not _is_binary(prediction) or _is_binary(target):
        return []
    between = target[(target != 0) & (target != 1)]
    return [Finding("swapped_binary", "warning", {"example": _example(between)})]


def _validate_bce(
    info: LossInfo, prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> list[Finding]:
    findings = _same_shape_checks(info, prediction, target, reduction, params, broadcasts=False)
    if bool(prediction.isnan().any()):
        findings.append(Finding("bce_input_nan", "error"))
    outside = (prediction < 0) | (prediction > 1)
    if bool(outside.any()):
        findings.append(
            Finding(
                "bce_input_out_of_range",
                "error",
                {
                    "count": int(outside.sum()),
                    "example": _example(prediction[outside]),
                    "with_logits_text": _with_logits_text(prediction, target, reduction),
                },
            )
        )
    findings += _target_range(target, "error")
    findings += _swapped_binary(prediction, target)
    findings += [f for f in _nonfinite(prediction, target) if f.details["field"] == "target"]
    return findings


def _validate_bce_logits(
    info: LossInfo, prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> list[Finding]:
    findings = _same_shape_checks(info, prediction, target, reduction, params, broadcasts=False)
    findings += _target_range(target, "warning")
    swapped = _swapped_binary(prediction, target)
    findings += swapped
    in_unit = prediction.numel() and bool(((prediction >= 0) & (prediction <= 1)).all())
    if (
        in_unit
        and not swapped
        and not _is_binary(prediction)
        and prediction.shape == target.shape
        and reduction != "none"
    ):
        if bool(((target >= 0) & (target <= 1)).all()):
            bce = F.binary_cross_entropy(prediction, target, reduction=reduction)
            findings.append(
                Finding("bce_with_logits_given_probabilities", "note", {"bce_value": fmt_plain(bce)})
            )
    return findings + _nonfinite(prediction, target)


def _class_checks(info: LossInfo, prediction: Tensor, target: Tensor) -> list[Finding]:
    """Shape, dtype and range of class-number targets; empty when torch will accept them."""
    base = {"loss": info.module_name, "prediction_shape": _shape(prediction), "target_shape": _shape(target)}
    if prediction.dim() == 0:
        return [Finding("prediction_needs_classes", "error", base)]
    c = _class_dim(prediction)
    expected = prediction.shape[:c] + prediction.shape[c + 1 :]
    base["expected_shape"] = _shape(expected)
    looks_like_labels = prediction.dim() >= 1 and _is_whole(prediction) and bool((prediction >= 0).all())
    if target.dtype.is_floating_point and target.dim() == prediction.dim() + 1 and looks_like_labels:
        return [Finding("swapped_class_indices", "error", base)]
    if target.dtype.is_floating_point and target.shape == prediction.shape and prediction.dim() >= 2:
        return [Finding("probability_target_for_index_loss", "error", base)]
    if target.shape != expected:
        if (
            target.numel() == math.prod(expected)
            and target.dim() == len(expected) + 1
            and target.shape[-1] == 1
        ):
            hint = (
                "Remove the inner brackets: write [1, 2, 0], not [[1], [2], [0]] (or call target.squeeze(1))."
            )
        elif target.shape[:1] != expected[:1]:
            hint = "There must be as many targets as samples (rows)."
        else:
            hint = "Give exactly one class number for each sample."
        return [Finding("class_target_shape", "error", {**base, "hint": hint})]
    if target.dtype.is_floating_point:
        if _is_whole(target):
            literal = format_tensor_literal(target.to(torch.int64))
            hint = f"Write {literal} without decimal points, or call target.long()."
        else:
            hint = (
                "Class numbers are whole numbers 0, 1, 2, ...; if you meant a probability for every "
                "class, choose 'CrossEntropyLoss (probability targets)' with a target shaped like the prediction."
            )
        return [Finding("float_class_targets", "error", {**base, "hint": hint})]
    if target.dtype != torch.int64:
        return [Finding("float_class_targets", "error", {**base, "hint": "Call target.long()."})]
    num_classes = prediction.shape[c]
    bad = target[((target < 0) & (target != IGNORE_INDEX)) | (target >= num_classes)]
    if bad.numel():
        values = sorted(set(bad.tolist()))
        return [
            Finding(
                "class_index_out_of_range",
                "error",
                {
                    **base,
                    "num_classes": num_classes,
                    "max_class": num_classes - 1,
                    "bad": ", ".join(str(v) for v in values[:5]),
                    "first_bad": int(bad.reshape(-1)[0]),
                },
            )
        ]
    findings = []
    ignored = int((target == IGNORE_INDEX).sum())
    if ignored:
        findings.append(
            Finding("ignored_targets", "note", {"count": ignored, "kept": target.numel() - ignored})
        )
    return findings


def _probabilities_given(
    info: LossInfo, prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> list[Finding]:
    c = _class_dim(prediction)
    if reduction == "none" or not _is_distribution(prediction, c):
        return []
    with torch.no_grad():
        torch_value = info.torch_loss(prediction, target, reduction, params)
        log_p = torch.log(prediction.clamp(min=1e-45))
        if info.target_kind == "index":
            as_probabilities = F.nll_loss(log_p, target, reduction=reduction)
        else:
            as_probabilities = -(target * log_p).sum(dim=c)
            as_probabilities = as_probabilities.mean() if reduction == "mean" else as_probabilities.sum()
    return [
        Finding(
            "probabilities_to_cross_entropy",
            "warning",
            {
                "loss": info.module_name,
                "torch_value": fmt_plain(torch_value),
                "loss_if_probabilities": fmt_plain(as_probabilities),
            },
        )
    ]


def _validate_ce_index(
    info: LossInfo, prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> list[Finding]:
    findings = _class_checks(info, prediction, target)
    if any(f.severity == "error" for f in findings):
        return findings
    return (
        findings
        + _probabilities_given(info, prediction, target, reduction, params)
        + _nonfinite(prediction, target)
    )


def _validate_nll(
    info: LossInfo, prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> list[Finding]:
    findings = _class_checks(info, prediction, target)
    if any(f.severity == "error" for f in findings):
        return findings
    if params.get("apply_log_softmax", True):
        findings += _probabilities_given(info, prediction, target, reduction, params)
    elif bool((prediction > 0).any()):
        findings.append(
            Finding("nll_not_log_probabilities", "warning", {"example": _example(prediction[prediction > 0])})
        )
    return findings + _nonfinite(prediction, target)


def _validate_ce_probability(
    info: LossInfo, prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> list[Finding]:
    base = {"loss": info.module_name, "prediction_shape": _shape(prediction), "target_shape": _shape(target)}
    if prediction.dim() == 0:
        return [Finding("prediction_needs_classes", "error", base)]
    c = _class_dim(prediction)
    if target.shape != prediction.shape:
        expected = prediction.shape[:c] + prediction.shape[c + 1 :]
        if target.shape == expected and _is_whole(target):
            return [Finding("index_targets_as_probabilities", "error", base)]
        looks_like_labels = _is_whole(prediction) and bool((prediction >= 0).all())
        if target.dim() == prediction.dim() + 1 and looks_like_labels:
            return [Finding("swapped_class_indices", "error", base)]
        return [Finding("shape_mismatch", "error", base)]
    findings: list[Finding] = []
    target_is_distribution = _is_distribution(target, c)
    if _is_distribution(prediction, c) and not bool(((target >= 0) & (target <= 1)).all()):
        findings.append(Finding("swapped_distributions", "warning"))
    elif not target_is_distribution:
        if not bool(((target >= 0) & (target <= 1)).all()):
            problem = f"some are outside [0, 1] (e.g. {_example(target[(target < 0) | (target > 1)])})"
        else:
            sums = target.sum(dim=c).reshape(-1)
            off = sums[(sums - 1).abs() > ROW_SUM_TOLERANCE]
            problem = f"some rows sum to {_example(off)}"
        findings.append(Finding("probability_targets_not_distribution", "warning", {"problem": problem}))
        findings += _probabilities_given(info, prediction, target, reduction, params)
    else:
        findings += _probabilities_given(info, prediction, target, reduction, params)
    return findings + _nonfinite(prediction, target)


# ---------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------

_REGRESSION_PREDICTION = "Any float tensor: the model's outputs, e.g. shape (N, 1) or (N,)."
_REGRESSION_TARGET = (
    "Float tensor of exactly the same shape as the prediction. A different but compatible shape, "
    "such as (N,) against (N, 1), is broadcast silently and gives a wrong number."
)

LOSSES: dict[str, LossInfo] = {
    "MSELoss": LossInfo(
        name="MSELoss",
        module=torch.nn.MSELoss,
        functional_name="mse_loss",
        formula=r"\mathcal{L} = \frac{1}{N}\sum_{i=1}^{N} (\hat{y}_i - y_i)^2",
        prediction_spec=_REGRESSION_PREDICTION,
        target_spec=_REGRESSION_TARGET,
        when_to_use=(
            "Regression: predicting a number. Squaring removes the sign and punishes large errors "
            "much more than small ones, so a few outliers can dominate."
        ),
        task="regression",
        prediction_space="values",
        target_kind="float",
        torch_loss=lambda p, y, r, k: F.mse_loss(p, y, reduction=r),
        manual=_mse_manual,
        validate=_validate_regression,
        closed_form_gradient=_elementwise_gradient(lambda d, k: 2 * d),
        gradient_formula=r"\frac{\partial \mathcal{L}}{\partial \hat{y}_i} = {s}2(\hat{y}_i - y_i)",
        expects="values",
        output_note="Regression: any real numbers.",
        in_builder=True,
        training_key=None,
    ),
    "L1Loss": LossInfo(
        name="L1Loss",
        module=torch.nn.L1Loss,
        functional_name="l1_loss",
        formula=r"\mathcal{L} = \frac{1}{N}\sum_{i=1}^{N} |\hat{y}_i - y_i|",
        prediction_spec=_REGRESSION_PREDICTION,
        target_spec=_REGRESSION_TARGET,
        when_to_use=(
            "Regression when outliers should not dominate: the mean absolute error (MAE) grows "
            "linearly with the error. Its gradient has the same size for every error, only the sign changes."
        ),
        task="regression",
        prediction_space="values",
        target_kind="float",
        torch_loss=lambda p, y, r, k: F.l1_loss(p, y, reduction=r),
        manual=_l1_manual,
        validate=_validate_regression,
        closed_form_gradient=_elementwise_gradient(lambda d, k: torch.sign(d)),
        gradient_formula=r"\frac{\partial \mathcal{L}}{\partial \hat{y}_i} = {s}\operatorname{sign}(\hat{y}_i - y_i)",
        expects="values",
        output_note="Regression: any real numbers.",
        in_builder=False,
        training_key=None,
    ),
    "SmoothL1Loss": LossInfo(
        name="SmoothL1Loss",
        module=torch.nn.SmoothL1Loss,
        functional_name="smooth_l1_loss",
        formula=(
            r"\begin{aligned}\ell_i &= \begin{cases} 0.5\,(\hat{y}_i - y_i)^2 / \beta & |\hat{y}_i - y_i| < \beta \\"
            r" |\hat{y}_i - y_i| - 0.5\,\beta & \text{otherwise} \end{cases} \\"
            r" \mathcal{L} &= \frac{1}{N}\sum_{i=1}^{N} \ell_i\end{aligned}"
        ),
        prediction_spec=_REGRESSION_PREDICTION,
        target_spec=_REGRESSION_TARGET,
        when_to_use=(
            "Regression with outliers (e.g. bounding boxes in object detection): like MSE for small "
            "errors, like L1 for large ones. β = 0 makes it exactly L1Loss."
        ),
        task="regression",
        prediction_space="values",
        target_kind="float",
        torch_loss=lambda p, y, r, k: F.smooth_l1_loss(p, y, reduction=r, beta=float(k["beta"])),
        manual=_smooth_l1_manual,
        validate=_validate_regression,
        closed_form_gradient=_elementwise_gradient(_smooth_l1_local),
        gradient_formula=(
            r"\frac{\partial \mathcal{L}}{\partial \hat{y}_i} = {s}\begin{cases} (\hat{y}_i - y_i)/\beta"
            r" & |\hat{y}_i - y_i| < \beta \\ \operatorname{sign}(\hat{y}_i - y_i) & \text{otherwise} \end{cases}"
        ),
        params=(
            ParamSpec(
                "beta", "β (where quadratic turns linear)", 1.0, minimum=0.0, help="beta ≥ 0; 0 gives L1Loss."
            ),
        ),
        expects="values",
        output_note="Regression: any real numbers.",
        in_builder=False,
        training_key=None,
    ),
    "HuberLoss": LossInfo(
        name="HuberLoss",
        module=torch.nn.HuberLoss,
        functional_name="huber_loss",
        formula=(
            r"\begin{aligned}\ell_i &= \begin{cases} 0.5\,(\hat{y}_i - y_i)^2 & |\hat{y}_i - y_i| < \delta \\"
            r" \delta\,(|\hat{y}_i - y_i| - 0.5\,\delta) & \text{otherwise} \end{cases} \\"
            r" \mathcal{L} &= \frac{1}{N}\sum_{i=1}^{N} \ell_i\end{aligned}"
        ),
        prediction_spec=_REGRESSION_PREDICTION,
        target_spec=_REGRESSION_TARGET,
        when_to_use=(
            "Regression robust to outliers. Huber with δ equals δ · SmoothL1 with β = δ: the linear "
            "part keeps slope δ, so large errors pull with a bounded force."
        ),
        task="regression",
        prediction_space="values",
        target_kind="float",
        torch_loss=lambda p, y, r, k: F.huber_loss(p, y, reduction=r, delta=float(k["delta"])),
        manual=_huber_manual,
        validate=_validate_regression,
        closed_form_gradient=_elementwise_gradient(_huber_local),
        gradient_formula=(
            r"\frac{\partial \mathcal{L}}{\partial \hat{y}_i} = {s}\begin{cases} \hat{y}_i - y_i"
            r" & |\hat{y}_i - y_i| < \delta \\ \delta\,\operatorname{sign}(\hat{y}_i - y_i) & \text{otherwise} \end{cases}"
        ),
        params=(
            ParamSpec(
                "delta",
                "δ (where quadratic turns linear)",
                1.0,
                minimum=0.0,
                strictly_positive=True,
                help="delta > 0.",
            ),
        ),
        expects="values",
        output_note="Regression: any real numbers.",
        in_builder=False,
        training_key=None,
    ),
    "BCELoss": LossInfo(
        name="BCELoss",
        module=torch.nn.BCELoss,
        functional_name="binary_cross_entropy",
        formula=(
            r"\begin{aligned}\ell_i &= -\big[y_i \log \hat{y}_i + (1 - y_i) \log(1 - \hat{y}_i)\big] \\"
            r" \mathcal{L} &= \frac{1}{N}\sum_{i=1}^{N} \ell_i\end{aligned}"
        ),
        prediction_spec=("Probabilities in [0, 1]: the output of a Sigmoid layer. Any shape, e.g. (N, 1)."),
        target_spec="Float 0 or 1 (soft labels in [0, 1] are allowed), exactly the prediction's shape.",
        when_to_use=(
            "Binary classification when the model already ends in Sigmoid. Prefer BCEWithLogitsLoss "
            "on the raw scores: it is the same loss, computed without log 0."
        ),
        task="binary",
        prediction_space="probabilities",
        target_kind="float",
        torch_loss=lambda p, y, r, k: F.binary_cross_entropy(p, y, reduction=r),
        manual=_bce_manual,
        validate=_validate_bce,
        closed_form_gradient=_bce_gradient,
        gradient_formula=(
            r"\frac{\partial \mathcal{L}}{\partial \hat{y}_i} = {s}\frac{\hat{y}_i - y_i}{\hat{y}_i (1 - \hat{y}_i)}"
        ),
        expects="probabilities",
        output_note="Binary: probabilities in (0, 1) from Sigmoid.",
        in_builder=True,
        training_key=None,
    ),
    "BCEWithLogitsLoss": LossInfo(
        name="BCEWithLogitsLoss",
        module=torch.nn.BCEWithLogitsLoss,
        functional_name="binary_cross_entropy_with_logits",
        formula=(
            r"\begin{aligned}\ell_i &= -\big[y_i \log \sigma(x_i) + (1 - y_i) \log(1 - \sigma(x_i))\big] \\"
            r" \sigma(x) &= \frac{1}{1 + e^{-x}},\qquad \mathcal{L} = \frac{1}{N}\sum_{i=1}^{N} \ell_i\end{aligned}"
        ),
        prediction_spec="Raw scores (logits), any real numbers: the last Linear layer's output, no Sigmoid.",
        target_spec="Float 0 or 1 (soft labels in [0, 1] are allowed), exactly the prediction's shape.",
        when_to_use=(
            "Binary classification: the standard choice (course text 000). Sigmoid and the log are "
            "fused, so a very confident logit still gives the exact loss and a useful gradient."
        ),
        task="binary",
        prediction_space="logits",
        target_kind="float",
        torch_loss=lambda p, y, r, k: F.binary_cross_entropy_with_logits(p, y, reduction=r),
        manual=_bce_logits_manual,
        validate=_validate_bce_logits,
        closed_form_gradient=_bce_logits_gradient,
        gradient_formula=r"\frac{\partial \mathcal{L}}{\partial x_i} = {s}(\sigma(x_i) - y_i)",
        expects="logits",
        output_note="Binary: raw scores; applies Sigmoid itself.",
        in_builder=True,
        training_key=None,
    ),
    "CrossEntropyLoss": LossInfo(
        name="CrossEntropyLoss",
        module=torch.nn.CrossEntropyLoss,
        functional_name="cross_entropy",
        formula=(
            r"\begin{aligned}\mathcal{L} &= -\frac{1}{N}\sum_{i=1}^{N} \log \frac{e^{z_{i,y_i}}}{\sum_{k} e^{z_{i,k}}} \\"
            r" &= \frac{1}{N}\sum_{i=1}^{N} \Big(\log\sum_{k} e^{z_{i,k}} - z_{i,y_i}\Big)\end{aligned}"
        ),
        prediction_spec=(
            "Raw scores (logits) of shape (N, C): one row per sample, one column per class; the last "
            "Linear layer's output, no Softmax. (C,) for a single sample."
        ),
        target_spec=(
            "Class numbers 0 … C−1 as integers (torch.long), shape (N,): [1, 2, 0], not "
            "[[1], [2], [0]] and not [1., 2., 0.]. -100 means 'ignore this sample'."
        ),
        when_to_use=(
            "Multiclass classification with one correct class per sample. It applies LogSoftmax and "
            "NLLLoss itself, which is why the model must not end in Softmax (course texts 004, 001)."
        ),
        task="multiclass",
        prediction_space="logits",
        target_kind="index",
        torch_loss=lambda p, y, r, k: F.cross_entropy(p, y, reduction=r),
        manual=_ce_index_manual,
        validate=_validate_ce_index,
        closed_form_gradient=_ce_index_gradient,
        gradient_formula=(
            r"\frac{\partial \mathcal{L}}{\partial z_{i,k}} = {s}\big(\mathrm{softmax}(z_i)_k - [k = y_i]\big)"
        ),
        expects="logits",
        output_note="Multi-class: raw scores (logits); applies LogSoftmax itself.",
        in_builder=True,
        training_key="cross_entropy",
    ),
    "CrossEntropyLoss (probability targets)": LossInfo(
        name="CrossEntropyLoss (probability targets)",
        module=torch.nn.CrossEntropyLoss,
        functional_name="cross_entropy",
        formula=(
            r"\mathcal{L} = -\frac{1}{N}\sum_{i=1}^{N}\sum_{k=1}^{C} y_{i,k} \log \frac{e^{z_{i,k}}}{\sum_{j} e^{z_{i,j}}}"
        ),
        prediction_spec="Raw scores (logits) of shape (N, C), as for class-number targets.",
        target_spec=(
            "Float probabilities of the same shape (N, C), each row summing to 1: one-hot rows, or "
            "soft labels such as label smoothing or a teacher model's output."
        ),
        when_to_use=(
            "Multiclass classification when the target is a distribution over classes rather than one "
            "class. With one-hot rows it equals the class-number version (course text 004's formula)."
        ),
        task="multiclass",
        prediction_space="logits",
        target_kind="float",
        torch_loss=lambda p, y, r, k: F.cross_entropy(p, y, reduction=r),
        manual=_ce_probability_manual,
        validate=_validate_ce_probability,
        closed_form_gradient=_ce_probability_gradient,
        gradient_formula=(
            r"\frac{\partial \mathcal{L}}{\partial z_{i,k}} = {s}\Big(\mathrm{softmax}(z_i)_k \sum_j y_{i,j} - y_{i,k}\Big)"
        ),
        expects="logits",
        output_note="Multi-class: raw scores (logits); applies LogSoftmax itself.",
        in_builder=False,
        training_key=None,
    ),
    "NLLLoss": LossInfo(
        name="NLLLoss",
        module=torch.nn.NLLLoss,
        functional_name="nll_loss",
        formula=(
            r"\begin{aligned}\mathcal{L} &= -\frac{1}{N}\sum_{i=1}^{N} \log p_{i,y_i} \\"
            r" \log p_i &= \mathrm{LogSoftmax}(z_i) = z_i - \log\sum_k e^{z_{i,k}}\end{aligned}"
        ),
        prediction_spec=(
            "Log-probabilities of shape (N, C), the output of LogSoftmax(dim=1). Here you type raw "
            "scores and LogSoftmax is applied first (untick it to type log-probabilities yourself)."
        ),
        target_spec="Class numbers 0 … C−1 as integers (torch.long), shape (N,), as for CrossEntropyLoss.",
        when_to_use=(
            "When the model ends in LogSoftmax. LogSoftmax followed by NLLLoss is exactly "
            "CrossEntropyLoss, which does both in one step."
        ),
        task="multiclass",
        prediction_space="logits",
        target_kind="index",
        torch_loss=_nll_torch,
        manual=_nll_manual,
        validate=_validate_nll,
        closed_form_gradient=_nll_gradient,
        gradient_formula=(
            r"\frac{\partial \mathcal{L}}{\partial z_{i,k}} = {s}\big(\mathrm{softmax}(z_i)_k - [k = y_i]\big)"
            r"\ \text{(through LogSoftmax)}"
        ),
        params=(ParamSpec("apply_log_softmax", "Apply LogSoftmax to the prediction first", True),),
        expects="log_probabilities",
        output_note="Multi-class: log-probabilities from LogSoftmax.",
        in_builder=True,
        training_key="nll",
    ),
}


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------


def get_loss(name: str) -> LossInfo:
    try:
        return LOSSES[name]
    except KeyError:
        raise InputError(
            f"Unknown loss {name!r}: choose one of {', '.join(LOSSES)}.",
            code="unknown_loss",
            details={"loss": name, "choices": list(LOSSES)},
        ) from None


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise InputError(
            f"Unknown reduction {reduction!r}: choose mean, sum or none.",
            code="unknown_reduction",
            field="reduction",
            details={"reduction": reduction},
        )


def resolve_params(info: LossInfo, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The loss's arguments with defaults filled in, checked."""
    resolved = info.default_params()
    for name, value in (params or {}).items():
        if name not in resolved:
            raise InputError(
                f"{info.name} has no argument {name!r}.",
                code="unknown_param",
                field=name,
                details={"loss": info.name, "param": name},
            )
        resolved[name] = value
    for spec in info.params:
        value = resolved[spec.name]
        if isinstance(spec.default, bool):
            resolved[spec.name] = bool(value)
            continue
        number = float(value)
        if (
            not math.isfinite(number)
            or (spec.minimum is not None and number < spec.minimum)
            or (spec.strictly_positive and number <= 0)
        ):
            bound = "greater than 0" if spec.strictly_positive else f"at least {spec.minimum:g}"
            raise InputError(
                f"{spec.name} must be {bound}; got {value}.",
                code="bad_param",
                field=spec.name,
                details={"param": spec.name, "value": value},
            )
        resolved[spec.name] = number
    return resolved


def prepare_inputs(
    info: LossInfo, prediction: Tensor, target: Tensor
) -> tuple[Tensor, Tensor, list[Finding]]:
    """Float predictions (autograd needs them) and, for float-target losses, float targets."""
    notes: list[Finding] = []
    for name, tensor in (("prediction", prediction), ("target", target)):
        if tensor.numel() == 0:
            raise InputError(
                FINDING_TEXT["empty"].format(field=name),
                code="empty",
                field=name,
            )
    if not prediction.dtype.is_floating_point:
        notes.append(
            Finding("prediction_converted", "note", {"dtype": str(prediction.dtype).replace("torch.", "")})
        )
        prediction = prediction.to(torch.float32)
    if info.target_kind == "float":
        if not target.dtype.is_floating_point:
            notes.append(
                Finding(
                    "target_converted",
                    "note",
                    {"dtype": str(target.dtype).replace("torch.", ""), "loss": info.module_name},
                )
            )
            target = target.to(prediction.dtype)
        elif target.dtype != prediction.dtype:
            target = target.to(prediction.dtype)
    return prediction, target, notes


def check(
    name: str,
    prediction: Tensor,
    target: Tensor,
    reduction: str = "mean",
    params: Mapping[str, Any] | None = None,
) -> list[Finding]:
    """Every finding for these inputs (conversions, mistakes), without raising on them."""
    info = get_loss(name)
    _check_reduction(reduction)
    resolved = resolve_params(info, params)
    prediction, target, notes = prepare_inputs(info, prediction.detach(), target.detach())
    with torch.no_grad():
        return notes + info.validate(info, prediction, target, reduction, resolved)


def _run_torch(
    info: LossInfo, prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> tuple[Tensor, Tensor, tuple[str, ...]]:
    leaf = prediction.detach().clone().requires_grad_(True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = info.torch_loss(leaf, target, reduction, params)
        (value.sum() if reduction == "none" else value).backward()
    messages = tuple(dict.fromkeys(str(w.message) for w in caught))
    return value.detach(), leaf.grad.detach(), messages


def evaluate(
    name: str,
    prediction: Tensor,
    target: Tensor,
    reduction: str = "mean",
    params: Mapping[str, Any] | None = None,
) -> LossReport:
    """The loss from PyTorch, worked out by hand, with its gradient and the findings.

    Raises :class:`InputError` when PyTorch refuses the inputs; its ``code`` is the
    finding's code, ``details["findings"]`` holds every finding and
    ``details["torch_error"]`` the error PyTorch itself raised.
    """
    info = get_loss(name)
    _check_reduction(reduction)
    resolved = resolve_params(info, params)
    prediction, target, notes = prepare_inputs(info, prediction.detach(), target.detach())
    with torch.no_grad():
        findings = notes + info.validate(info, prediction, target, reduction, resolved)
    errors = [f for f in findings if f.severity == "error"]
    try:
        torch_value, gradient, torch_warnings = _run_torch(info, prediction, target, reduction, resolved)
    except (RuntimeError, ValueError, IndexError) as error:
        first = (
            errors[0]
            if errors
            else Finding("torch_error", "error", {"loss": info.module_name, "torch_error": str(error)})
        )
        raise InputError(
            first.message,
            code=first.code,
            details={"findings": findings, "torch_error": str(error), "finding": first},
        ) from None
    if errors:
        raise InputError(
            errors[0].message,
            code=errors[0].code,
            details={"findings": findings, "torch_error": None, "finding": errors[0]},
        )
    with torch.no_grad():
        manual = info.manual(prediction, target, reduction, resolved)
        closed = (
            info.closed_form_gradient(prediction, target, reduction, resolved)
            if info.closed_form_gradient
            else None
        )
    return LossReport(
        info=info,
        reduction=reduction,
        params=resolved,
        prediction=prediction,
        target=target,
        torch_value=torch_value,
        manual=manual,
        gradient=gradient,
        closed_form=closed,
        findings=tuple(findings),
        torch_warnings=torch_warnings,
        code=torch_code(info, prediction, target, reduction, resolved),
    )


def _contribution_rows(report: LossReport) -> list[dict[str, Any]]:
    info = report.info
    contributions = report.manual.contributions.detach()
    total = float(contributions.sum())
    rows: list[dict[str, Any]] = []
    if info.task == "multiclass":
        c = _class_dim(report.prediction)
        scores = _rows(report.prediction, c)
        gradients = _rows(report.gradient, c)
        targets = _rows(report.target, c) if info.target_kind == "float" else report.target.reshape(-1)
        probabilities = _rows(torch.softmax(report.prediction, dim=c), c)
        for i, value in enumerate(contributions.reshape(-1).tolist()):
            target_text = (
                format_tensor_literal(targets[i]) if info.target_kind == "float" else str(int(targets[i]))
            )
            rows.append(
                {
                    "sample": i,
                    "scores": format_tensor_literal(scores[i]),
                    "target": target_text,
                    "softmax": format_tensor_literal(probabilities[i]),
                    "contribution": value,
                    "share": value / total if total else math.nan,
                    "gradient": format_tensor_literal(gradients[i]),
                }
            )
        return rows
    p, y = torch.broadcast_tensors(report.prediction, report.target)
    broadcast = p.shape != report.prediction.shape
    gradient = None if broadcast else report.gradient.reshape(-1).tolist()
    closed = None if broadcast or report.closed_form is None else report.closed_form.reshape(-1).tolist()
    positions = (
        list(torch.cartesian_prod(*[torch.arange(s) for s in p.shape]).reshape(p.numel(), -1).tolist())
        if p.dim()
        else [[]]
    )
    for i, (a, b, value) in enumerate(
        zip(p.reshape(-1).tolist(), y.reshape(-1).tolist(), contributions.reshape(-1).tolist(), strict=False)
    ):
        row: dict[str, Any] = {
            "element": "(" + ", ".join(str(v) for v in positions[i]) + ")",
            "prediction": a,
            "target": b,
            "contribution": value,
            "share": value / total if total else math.nan,
        }
        if gradient is not None:
            row["gradient"] = gradient[i]
        if closed is not None:
            row["closed_form"] = closed[i]
        rows.append(row)
    return rows


def torch_code(
    info: LossInfo, prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> str:
    """A runnable PyTorch snippet that reproduces the value and the gradient."""
    kwargs = [f'reduction="{reduction}"'] if reduction != "mean" else []
    kwargs += [f"{name}={value:g}" for name, value in params.items() if not isinstance(value, bool)]
    target_literal = format_tensor_literal(target, decimals=6)
    target_dtype = ", dtype=torch.long" if not target.dtype.is_floating_point else ""
    prediction_expr = "prediction"
    if params.get("apply_log_softmax"):
        prediction_expr = f"torch.log_softmax(prediction, dim={_class_dim(prediction)})"
    backward = "loss.sum().backward()" if reduction == "none" else "loss.backward()"
    return "\n".join(
        [
            "import torch",
            "from torch import nn",
            "",
            f"prediction = torch.tensor({format_tensor_literal(prediction, decimals=6)}, requires_grad=True)",
            f"target = torch.tensor({target_literal}{target_dtype})",
            f"loss_fn = nn.{info.module_name}({', '.join(kwargs)})",
            f"loss = loss_fn({prediction_expr}, target)",
            backward,
            "print(loss)",
            "print(prediction.grad)",
        ]
    )


# ---------------------------------------------------------------------------
# Presets: the course's worked examples and the classic mistakes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    loss: str
    prediction: str
    target: str
    reduction: str = "mean"
    params: Mapping[str, Any] = field(default_factory=dict)
    expected: float | None = None  # the course's answer, where it gives one
    source: str = ""


COURSE_LOGITS = "[[-1.2, 2.2, 0.2], [2.3, 0.2, 0.7], [0.9, -2.2, -1.2]]"

PRESETS: dict[str, Preset] = {
    "MSE — course example (004)": Preset(
        "MSELoss",
        "[[0.6], [0.2], [0.5]]",
        "[[0.5], [1.5], [0.7]]",
        expected=0.58,
        source="004 «Функции потерь»: MSE = 0.58",
    ),
    "BCE — course example (004)": Preset(
        "BCELoss",
        "[[0.9], [0.3], [0.2]]",
        "[[1.0], [1.0], [0.0]]",
        expected=0.5108,
        source="004 «Функции потерь»: BCE = 0.5108",
    ),
    "CrossEntropy — course example (004)": Preset(
        "CrossEntropyLoss",
        COURSE_LOGITS,
        "[1, 2, 0]",
        expected=0.7306,
        source="004 «Функции потерь»: CrossEntropy = 0.7306",
    ),
    "L1 (MAE) on the course's regression example": Preset(
        "L1Loss", "[[0.6], [0.2], [0.5]]", "[[0.5], [1.5], [0.7]]", expected=None, source="004 data, L1Loss"
    ),
    "Huber δ = 1 on the course's regression example": Preset(
        "HuberLoss",
        "[[0.6], [0.2], [0.5]]",
        "[[0.5], [1.5], [0.7]]",
        params={"delta": 1.0},
        source="004 data, HuberLoss",
    ),
    "BCEWithLogits on logits": Preset(
        "BCEWithLogitsLoss",
        "[[2.1972], [-0.8473], [-1.3863]]",
        "[[1.0], [1.0], [0.0]]",
        expected=0.5108,
        source="000: BCEWithLogitsLoss on the logits of 004's probabilities",
    ),
    "LogSoftmax + NLLLoss on the course logits": Preset(
        "NLLLoss",
        COURSE_LOGITS,
        "[1, 2, 0]",
        params={"apply_log_softmax": True},
        expected=0.7306,
        source="001: LogSoftmax + NLLLoss = CrossEntropyLoss",
    ),
    "CrossEntropy with one-hot probability targets": Preset(
        "CrossEntropyLoss (probability targets)",
        COURSE_LOGITS,
        "[[0., 1., 0.], [0., 0., 1.], [1., 0., 0.]]",
        expected=0.7306,
        source="004's categorical cross-entropy formula",
    ),
    "Mistake: probabilities given to CrossEntropyLoss": Preset(
        "CrossEntropyLoss",
        "[[0.0286, 0.8556, 0.1158], [0.7551, 0.0925, 0.1524], [0.8565, 0.0386, 0.1049]]",
        "[1, 2, 0]",
        source="softmax of the course logits",
    ),
    "Mistake: raw scores given to BCELoss": Preset(
        "BCELoss", "[[2.2], [-0.85], [-1.4]]", "[[1.0], [1.0], [0.0]]", source="values outside [0, 1]"
    ),
    "Mistake: float class targets": Preset("CrossEntropyLoss", COURSE_LOGITS, "[1., 2., 0.]"),
    "Mistake: class index out of range": Preset("CrossEntropyLoss", COURSE_LOGITS, "[1, 3, 0]"),
    "Mistake: (3, 1) against (3,) broadcasts silently": Preset(
        "MSELoss", "[[0.6], [0.2], [0.5]]", "[0.5, 1.5, 0.7]"
    ),
    "Mistake: prediction and target swapped": Preset(
        "BCELoss", "[[1.0], [1.0], [0.0]]", "[[0.9], [0.3], [0.2]]"
    ),
}


def _same_values(a: Tensor, b: Tensor) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and bool(torch.equal(a, b))


def find_preset(
    loss: str,
    reduction: str,
    prediction: Tensor,
    target: Tensor,
    params: Mapping[str, Any] | None = None,
) -> tuple[str, Preset] | None:
    """The example these inputs are, recognised by their values (not by how they were typed).

    ``[[0.6],[0.2],[0.5]]`` typed without spaces, or as three lines, is still the course's MSE
    example; its answer holds only when the loss, the reduction and the parameters are the
    example's too. Both sides are compared as the loss receives them (after
    :func:`prepare_inputs`), so a float target stays distinct from class numbers where the loss
    tells them apart. Returns ``(name, preset)`` or None.
    """
    info = LOSSES.get(loss)
    if info is None or reduction not in REDUCTIONS:
        return None
    try:
        given = resolve_params(info, params)
        typed = prepare_inputs(info, prediction.detach(), target.detach())[:2]
    except InputError:
        return None
    for name, preset in PRESETS.items():
        if (preset.loss, preset.reduction) != (loss, reduction):
            continue
        if given != resolve_params(info, preset.params):
            continue
        example = prepare_inputs(info, parse_tensor(preset.prediction), parse_tensor(preset.target))[:2]
        if all(_same_values(a, b) for a, b in zip(typed, example, strict=True)):
            return name, preset
    return None


# ---------------------------------------------------------------------------
# Numerical stability (course texts 000 and 001)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SigmoidBceRow:
    logit: float
    target: float
    sigmoid: float  # σ(x) in float32, as BCELoss sees it
    sigmoid_rounded: bool  # σ(x) became exactly 0.0 or 1.0 in float32
    bce_value: float  # BCELoss(Sigmoid(x), y)
    bce_gradient: float  # d/dx through Sigmoid + BCELoss
    logits_value: float  # BCEWithLogitsLoss(x, y)
    logits_gradient: float
    exact_value: float  # the true loss, in float64

    @property
    def bce_error(self) -> float:
        return self.bce_value - self.exact_value


def sigmoid_bce_comparison(logits: Tensor, target: float = 0.0) -> list[SigmoidBceRow]:
    """Each logit through Sigmoid + BCELoss and through BCEWithLogitsLoss, in float32."""
    if not 0.0 <= target <= 1.0:
        raise InputError(
            "The target must be between 0 and 1.",
            code="bad_target",
            field="target",
            details={"target": target},
        )
    values = logits.detach().to(torch.float32).reshape(-1)
    nan_at = torch.isnan(values).nonzero().reshape(-1).tolist()
    if nan_at:
        # σ(nan) is nan, and BCELoss refuses anything outside [0, 1] with a RuntimeError.
        raise InputError(
            f"Logit {nan_at[0] + 1} is nan: Sigmoid gives nan and BCELoss refuses it. "
            "Type numbers; inf and -inf are fine.",
            code="nan_logit",
            field="logits",
            details={"index": nan_at[0]},
        )
    rows = []
    for x in values.tolist():
        y = torch.tensor([target], dtype=torch.float32)
        a = torch.tensor([x], dtype=torch.float32, requires_grad=True)
        probability = torch.sigmoid(a)
        bce = F.binary_cross_entropy(probability, y)
        bce.backward()
        b = torch.tensor([x], dtype=torch.float32, requires_grad=True)
        stable = F.binary_cross_entropy_with_logits(b, y)
        stable.backward()
        exact = F.binary_cross_entropy_with_logits(
            torch.tensor([x], dtype=torch.float64), y.to(torch.float64)
        )
        s = float(probability.detach())
        rows.append(
            SigmoidBceRow(
                logit=x,
                target=target,
                sigmoid=s,
                sigmoid_rounded=s in (0.0, 1.0),
                bce_value=float(bce.detach()),
                bce_gradient=float(a.grad),
                logits_value=float(stable.detach()),
                logits_gradient=float(b.grad),
                exact_value=float(exact),
            )
        )
    return rows


@dataclass(frozen=True)
class LogZeroDemo:
    log_zero: float  # torch.log(0.)
    zero_times_log_zero: float  # 0 * log(0): nan, why a naive BCE breaks even when y = 0
    bce_certain_wrong: float  # BCELoss(0., 1.): log clamped at -100
    bce_certain_right: float  # BCELoss(1., 1.)
    bce_gradient_certain_wrong: float  # its gradient: (p - y) / max(p(1 - p), 1e-12) / N


def log_zero_demo() -> LogZeroDemo:
    zero = torch.tensor(0.0)
    p = torch.tensor([0.0], requires_grad=True)
    loss = F.binary_cross_entropy(p, torch.tensor([1.0]))
    loss.backward()
    return LogZeroDemo(
        log_zero=float(torch.log(zero)),
        zero_times_log_zero=float(zero * torch.log(zero)),
        bce_certain_wrong=float(loss.detach()),
        bce_certain_right=float(F.binary_cross_entropy(torch.tensor([1.0]), torch.tensor([1.0]))),
        bce_gradient_certain_wrong=float(p.grad),
    )


@dataclass(frozen=True)
class SoftmaxOverflowDemo:
    logits: Tensor
    naive_exp: Tensor  # e^z: inf beyond about 88.7 in float32
    naive_softmax: Tensor  # e^z / Σ e^z: inf / inf = nan
    maximum: float
    shifted: Tensor  # z - max z
    shifted_exp: Tensor
    stable_softmax: Tensor  # e^(z - m) / Σ e^(z - m)
    torch_softmax: Tensor
    naive_log_sum_exp: float
    stable_log_sum_exp: float  # m + log Σ e^(z - m)
    torch_log_sum_exp: float
    naive_cross_entropy: Tensor  # -log(naive softmax) per class
    torch_cross_entropy: Tensor  # F.cross_entropy for each class as the target


def softmax_overflow_demo(logits: Tensor) -> SoftmaxOverflowDemo:
    """Softmax and log-sum-exp of one row of logits, naive and with the max subtracted (float32)."""
    z = logits.detach().to(torch.float32).reshape(-1)
    if z.numel() < 2:
        raise InputError("Type at least two scores, one per class.", code="too_few_classes", field="logits")
    naive_exp = torch.exp(z)
    naive_softmax = naive_exp / naive_exp.sum()
    maximum = z.max()
    shifted = z - maximum
    shifted_exp = torch.exp(shifted)
    stable = shifted_exp / shifted_exp.sum()
    stable_lse = maximum + torch.log(shifted_exp.sum())
    targets = torch.arange(z.numel())
    return SoftmaxOverflowDemo(
        logits=z,
        naive_exp=naive_exp,
        naive_softmax=naive_softmax,
        maximum=float(maximum),
        shifted=shifted,
        shifted_exp=shifted_exp,
        stable_softmax=stable,
        torch_softmax=torch.softmax(z, dim=0),
        naive_log_sum_exp=float(torch.log(naive_exp.sum())),
        stable_log_sum_exp=float(stable_lse),
        torch_log_sum_exp=float(torch.logsumexp(z, dim=0)),
        naive_cross_entropy=-torch.log(naive_softmax),
        torch_cross_entropy=F.cross_entropy(z.expand(z.numel(), -1), targets, reduction="none"),
    )
