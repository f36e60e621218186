"""Metrics a person can read, next to the loss (course text 004 «Метрики», text 003 MAPE).

A loss of 0.73 says little; "the model got 2 of 3 right" says a lot. Accuracy for
binary predictions rounds them, for multiclass predictions takes the argmax of each
row; MAPE is the mean absolute percentage error and warns where a target is zero.
Every function returns a :class:`MetricResult`; bad shapes raise
:class:`~nnlib.core.errors.InputError`. :func:`regression_scores` gives a trained regression's
MSE, MAE and MAPE as plain numbers (the trainer's epoch records and the CLI's JSON line).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.core.formatting import shape_text
from nnlib.losses.record import Finding


@dataclass(frozen=True)
class MetricResult:
    """A metric in percent, with the per-element values behind it.

    ``name`` is its English name (a key, as the course's answers name it); ``code`` where its
    words live in the metrics catalogue: ``title`` and ``latex`` say them in the reader's language.
    """

    name: str
    value: float  # percent
    formula: str  # LaTeX
    per_element: Tensor  # 1.0 / 0.0 for correct / wrong, or each absolute percentage error
    predicted: Tensor | None = None  # the labels the prediction stands for (accuracy)
    findings: tuple[Finding, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    code: str = ""

    @property
    def title(self) -> str:
        """Its name as a page shows it (``metrics.<code>.name``)."""
        code = f"metrics.{self.code}.name"
        return messages.word(code) if self.code and messages.template(code) is not None else self.name

    @property
    def latex(self) -> str:
        """``formula`` with its words (\\text{accuracy}) in the reader's language."""
        english = r"\text{accuracy}"
        if english not in self.formula:
            return self.formula
        return self.formula.replace(english, r"\text{" + messages.word("metrics.accuracy_symbol") + "}")


def _matched(prediction: Tensor, target: Tensor, expected_shape: torch.Size, what: str) -> Tensor:
    """The target in ``expected_shape`` (reshaped if it holds as many numbers), else InputError."""
    if target.shape == expected_shape:
        return target
    if target.numel() == math.prod(expected_shape):
        return target.reshape(expected_shape)
    raise InputError(
        "metrics.shape",
        field="target",
        metric=what,
        expected=math.prod(expected_shape),
        found=target.numel(),
        prediction_shape=shape_text(prediction.shape),
        target_shape=shape_text(target.shape),
    )


def binary_accuracy(prediction: Tensor, target: Tensor, *, from_logits: bool = False) -> MetricResult:
    """Percent of predictions that round to the target (course: (ŷ.round() == y).mean() · 100).

    ``from_logits`` first turns raw scores into probabilities with the sigmoid.
    Like ``torch.round``, 0.5 rounds to 0 (half to even).
    """
    probabilities = torch.sigmoid(prediction.float()) if from_logits else prediction.float()
    target = _matched(prediction, target, prediction.shape, "Accuracy").to(probabilities.dtype)
    labels = probabilities.round()
    correct = (labels == target).to(torch.float32)
    return MetricResult(
        name="Accuracy (binary)",
        value=float(correct.mean() * 100),
        formula=(
            r"\text{accuracy} = \frac{100}{N}\sum_{i=1}^{N} [\operatorname{round}(\hat{y}_i) = y_i]"
            if not from_logits
            else r"\text{accuracy} = \frac{100}{N}\sum_{i=1}^{N} [\operatorname{round}(\sigma(x_i)) = y_i]"
        ),
        per_element=correct,
        predicted=labels,
        details={"correct": int(correct.sum()), "total": correct.numel()},
        code="accuracy_binary",
    )


def multiclass_accuracy(prediction: Tensor, target: Tensor) -> MetricResult:
    """Percent of samples whose highest score is the true class (course: argmax(1) == y).

    ``target`` holds class numbers, or one probability row per sample (its argmax is used).
    """
    if prediction.dim() == 0:
        raise InputError("metrics.needs_classes", field="prediction")
    class_dim = 0 if prediction.dim() == 1 else 1
    labels = prediction.argmax(dim=class_dim)
    if target.shape == prediction.shape and prediction.dim() >= 2:
        target = target.argmax(dim=class_dim)
    target = _matched(prediction, target, labels.shape, "Accuracy")
    correct = (labels == target).to(torch.float32)
    return MetricResult(
        name="Accuracy (multiclass)",
        value=float(correct.mean() * 100),
        formula=r"\text{accuracy} = \frac{100}{N}\sum_{i=1}^{N} [\operatorname{argmax}_k \hat{y}_{i,k} = y_i]",
        per_element=correct,
        predicted=labels,
        details={"correct": int(correct.sum()), "total": correct.numel()},
        code="accuracy_multiclass",
    )


def mape(prediction: Tensor, target: Tensor) -> MetricResult:
    """Mean absolute percentage error: mean of |y − ŷ| / |y| · 100 (course: 45.0794).

    Where a target is zero the ratio is inf (or nan for 0 / 0) and so is the mean;
    a finding says where, and ``details["value_without_zero_targets"]`` gives the
    mean over the other elements.
    """
    prediction = prediction.float()
    target = _matched(prediction, target, prediction.shape, "MAPE").to(prediction.dtype)
    errors = (target - prediction).abs() / target.abs() * 100
    zero = target == 0
    findings: tuple[Finding, ...] = ()
    details: dict[str, Any] = {}
    if bool(zero.any()):
        positions = [tuple(p) for p in zero.nonzero().tolist()]
        kept = errors[~zero]
        without = float(kept.mean()) if kept.numel() else math.nan
        details["value_without_zero_targets"] = without
        findings = (
            Finding(
                "metrics.mape_zero_target",
                "warning",
                {"count": len(positions), "positions": positions, "value_without_zero_targets": without},
            ),
        )
    return MetricResult(
        name="MAPE",
        value=float(errors.mean()),
        formula=r"\text{MAPE} = \frac{100}{N}\sum_{i=1}^{N} \frac{|y_i - \hat{y}_i|}{|y_i|}",
        per_element=errors,
        findings=findings,
        details=details,
        code="mape",
    )


@dataclass(frozen=True)
class RegressionScores:
    """A regression's errors in the target's own units (MSE, MAE) and in percent (MAPE)."""

    mse: float
    mae: float
    mape: float  # inf where a target is 0 (see :func:`mape`)


def regression_scores(prediction: Tensor, target: Tensor) -> RegressionScores:
    """MSE = mean (y − ŷ)², MAE = mean |y − ŷ|, MAPE = mean |y − ŷ| / |y| · 100 (course text 004)."""
    prediction = prediction.detach().double()
    target = _matched(prediction, target, prediction.shape, "MSE").detach().to(prediction.dtype)
    difference = target - prediction
    return RegressionScores(mse=float((difference * difference).mean()), mae=float(difference.abs().mean()),
                            mape=mape(prediction, target).value)


MetricFunction = Callable[[Tensor, Tensor], MetricResult]

# Which metrics sit next to a loss, by the loss's task and what its prediction holds.
METRICS_BY_TASK: dict[tuple[str, str], tuple[MetricFunction, ...]] = {
    ("regression", "values"): (mape,),
    ("binary", "probabilities"): (binary_accuracy,),
    ("binary", "logits"): (lambda p, y: binary_accuracy(p, y, from_logits=True),),
    ("multiclass", "logits"): (multiclass_accuracy,),
    ("multiclass", "probabilities"): (multiclass_accuracy,),
}


def metrics_for(task: str, prediction_space: str, prediction: Tensor, target: Tensor) -> list[MetricResult]:
    """The metrics that fit a loss's task, computed on its inputs."""
    functions = METRICS_BY_TASK.get((task, prediction_space), ())
    return [function(prediction, target) for function in functions]
