"""Binary classification losses: BCELoss on probabilities, BCEWithLogitsLoss on raw scores."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from nnlib.core.formatting import latex_fixed, plain_fixed
from nnlib.losses.checks import (
    in_unit_interval,
    is_binary,
    nonfinite,
    same_shape_checks,
    swapped_binary,
    target_range,
)
from nnlib.losses.latex import examples, items, operand
from nnlib.losses.record import Finding, LossInfo, Manual, Preset, Step
from nnlib.losses.steps import first, reduce_step, scale

LOG_CLAMP = -100.0  # BCELoss clamps each log term at -100 so that log 0 stays finite
BCE_GRAD_EPS = 1e-12  # BCELoss's backward divides by max(p(1 - p), 1e-12)
COURSE_TARGET = "[[1.0], [1.0], [0.0]]"  # course text 004's binary example (BCE 0.5108)


# ----------------------------------------------------------------------------- BCELoss


def bce_manual(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Manual:
    p, y = prediction, target
    log_p = torch.clamp(torch.log(p), min=LOG_CLAMP)
    log_q = torch.clamp(torch.log1p(-p), min=LOG_CLAMP)
    clamped = bool(((torch.log(p) < LOG_CLAMP) | (torch.log1p(-p) < LOG_CLAMP)).any())
    entries = [
        rf"\log {latex_fixed(a)} = {latex_fixed(b)},\ \log(1 - {latex_fixed(a)}) = {latex_fixed(c)}"
        for a, b, c in zip(first(p), log_p.reshape(-1).tolist(), log_q.reshape(-1).tolist(), strict=False)
    ]
    code = "losses.step.bce.logs_clamped" if clamped else "losses.step.bce.logs"
    logs = Step(code, items(entries, p.numel()), torch.stack([log_p, log_q]))
    contributions = -(y * log_p + (1 - y) * log_q)
    entries = [
        rf"-[{latex_fixed(t)} \cdot {operand(b)} + {operand(1 - t)} \cdot {operand(c)}] = {latex_fixed(e)}"
        for t, b, c, e in zip(
            first(y),
            log_p.reshape(-1).tolist(),
            log_q.reshape(-1).tolist(),
            contributions.reshape(-1).tolist(),
            strict=False,
        )
    ]
    terms = Step("losses.step.bce.terms", items(entries, p.numel(), header=r"\ell_i:"), contributions)
    value, reduced = reduce_step(contributions, reduction)
    return Manual((logs, terms, reduced), contributions, value)


def bce_gradient(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Tensor:
    denominator = torch.clamp(prediction * (1 - prediction), min=BCE_GRAD_EPS)
    return (prediction - target) / denominator * scale(reduction, prediction.numel())


def validate_bce(
    info: LossInfo, prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> list[Finding]:
    findings = same_shape_checks(info, prediction, target, reduction, params, broadcasts=False)
    if bool(prediction.isnan().any()):
        findings.append(Finding("losses.bce_input_nan", "error"))
    outside = (prediction < 0) | (prediction > 1)
    if bool(outside.any()):
        details: dict[str, Any] = {"count": int(outside.sum()), "example": examples(prediction[outside])}
        as_logits = ""
        if prediction.shape == target.shape and reduction != "none" and in_unit_interval(target):
            value = F.binary_cross_entropy_with_logits(prediction, target, reduction=reduction)
            details["with_logits_value"] = plain_fixed(value)
            as_logits = "losses.bce_input_out_of_range.as_logits"
        findings.append(
            Finding("losses.bce_input_out_of_range", "error", details, {"with_logits_text": as_logits})
        )
    findings += target_range(target, refused=True)
    findings += swapped_binary(prediction, target)
    findings += [f for f in nonfinite(prediction, target) if f.details["field"] == "target"]
    return findings


BCE = LossInfo(
    name="BCELoss",
    module=torch.nn.BCELoss,
    functional_name="binary_cross_entropy",
    formula=(
        r"\begin{aligned}\ell_i &= -\big[y_i \log \hat{y}_i + (1 - y_i) \log(1 - \hat{y}_i)\big] \\"
        r" \mathcal{L} &= \frac{1}{N}\sum_{i=1}^{N} \ell_i\end{aligned}"
    ),
    card="losses.bce",
    task="binary",
    prediction_space="probabilities",
    target_kind="float",
    torch_loss=lambda p, y, r, k: F.binary_cross_entropy(p, y, reduction=r),
    manual=bce_manual,
    validate=validate_bce,
    closed_form_gradient=bce_gradient,
    gradient_formula=(
        r"\frac{\partial \mathcal{L}}{\partial \hat{y}_i} = {s}\frac{\hat{y}_i - y_i}{\hat{y}_i (1 - \hat{y}_i)}"
    ),
    presets=(
        Preset(
            "BCE — course example (004)",
            "[[0.9], [0.3], [0.2]]",
            COURSE_TARGET,
            order=20,
            expected=0.5108,
            expected_metrics={"Accuracy (binary)": 66.6667},
            code="bce_course",
        ),
        Preset(
            "Mistake: raw scores given to BCELoss",
            "[[2.2], [-0.85], [-1.4]]",
            COURSE_TARGET,
            order=110,
            mistake=True,
            code="bce_raw_scores",
        ),
        Preset(
            "Mistake: prediction and target swapped",
            COURSE_TARGET,
            "[[0.9], [0.3], [0.2]]",
            order=150,
            mistake=True,
            code="bce_swapped",
        ),
    ),
    expects="probabilities",
    in_builder=True,
)


# ----------------------------------------------------------------------------- BCEWithLogitsLoss


def bce_logits_manual(
    prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> Manual:
    x, y = prediction, target
    probabilities = torch.sigmoid(x)
    entries = [
        rf"\sigma({latex_fixed(a)}) = {latex_fixed(b)}"
        for a, b in zip(first(x), probabilities.reshape(-1).tolist(), strict=False)
    ]
    sigmoid = Step("losses.step.bce_logits.sigmoid", items(entries, x.numel()), probabilities)
    linear = torch.clamp(x, min=0) - x * y
    soft = torch.log1p(torch.exp(-x.abs()))
    contributions = linear + soft
    entries = [
        rf"\max({latex_fixed(a)}, 0) - {operand(a)} \cdot {operand(t)} + \log(1 + e^{{-{latex_fixed(abs(a))}}})"
        rf" = {latex_fixed(b)} + {operand(c)} = {latex_fixed(e)}"
        for a, t, b, c, e in zip(
            first(x),
            y.reshape(-1).tolist(),
            linear.reshape(-1).tolist(),
            soft.reshape(-1).tolist(),
            contributions.reshape(-1).tolist(),
            strict=False,
        )
    ]
    stable = Step(
        "losses.step.bce_logits.stable", items(entries, x.numel(), header=r"\ell_i:"), contributions
    )
    value, reduced = reduce_step(contributions, reduction)
    return Manual((sigmoid, stable, reduced), contributions, value)


def bce_logits_gradient(
    prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> Tensor:
    return (torch.sigmoid(prediction) - target) * scale(reduction, prediction.numel())


def validate_bce_logits(
    info: LossInfo, prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> list[Finding]:
    findings = same_shape_checks(info, prediction, target, reduction, params, broadcasts=False)
    findings += target_range(target, refused=False)
    swapped = swapped_binary(prediction, target)
    findings += swapped
    looks_like_probabilities = (
        prediction.numel()
        and in_unit_interval(prediction)
        and not swapped
        and not is_binary(prediction)
        and prediction.shape == target.shape
        and reduction != "none"
    )
    if looks_like_probabilities and in_unit_interval(target):
        bce = F.binary_cross_entropy(prediction, target, reduction=reduction)
        findings.append(
            Finding("losses.bce_with_logits_given_probabilities", "note", {"bce_value": plain_fixed(bce)})
        )
    return findings + nonfinite(prediction, target)


BCE_WITH_LOGITS = LossInfo(
    name="BCEWithLogitsLoss",
    module=torch.nn.BCEWithLogitsLoss,
    functional_name="binary_cross_entropy_with_logits",
    formula=(
        r"\begin{aligned}\ell_i &= -\big[y_i \log \sigma(x_i) + (1 - y_i) \log(1 - \sigma(x_i))\big] \\"
        r" \sigma(x) &= \frac{1}{1 + e^{-x}},\qquad \mathcal{L} = \frac{1}{N}\sum_{i=1}^{N} \ell_i\end{aligned}"
    ),
    card="losses.bce_logits",
    task="binary",
    prediction_space="logits",
    target_kind="float",
    torch_loss=lambda p, y, r, k: F.binary_cross_entropy_with_logits(p, y, reduction=r),
    manual=bce_logits_manual,
    validate=validate_bce_logits,
    closed_form_gradient=bce_logits_gradient,
    gradient_formula=r"\frac{\partial \mathcal{L}}{\partial x_i} = {s}(\sigma(x_i) - y_i)",
    presets=(
        Preset(
            "BCEWithLogits on logits",
            "[[2.1972], [-0.8473], [-1.3863]]",
            COURSE_TARGET,
            order=60,
            expected=0.5108,
            code="bce_with_logits",
        ),
    ),
    expects="logits",
    in_builder=True,
)

LOSSES = (BCE, BCE_WITH_LOGITS)
