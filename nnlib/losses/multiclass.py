"""Multiclass losses: CrossEntropyLoss with class numbers or with probability targets, and NLLLoss."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from nnlib.core.formatting import latex_fixed
from nnlib.core.params import Param
from nnlib.losses.checks import (
    ROW_SUM_TOLERANCE,
    class_checks,
    in_unit_interval,
    is_distribution,
    is_whole,
    nonfinite,
    not_log_probabilities,
    probabilities_given,
)
from nnlib.losses.latex import examples, items, operand, shape_of, vector
from nnlib.losses.record import Finding, LossInfo, Manual, Preset, Step
from nnlib.losses.steps import (
    SHOWN_CLASSES,
    SHOWN_ROWS,
    SHOWN_TERMS,
    as_rows,
    class_dim,
    ignored_entry,
    index_targets,
    log_sum_exp,
    log_sum_exp_step,
    reduce_step,
    scale,
    softmax_step,
)

# Course text 004's multiclass example: three samples, three classes (CrossEntropy 0.7306).
COURSE_LOGITS = "[[-1.2, 2.2, 0.2], [2.3, 0.2, 0.7], [0.9, -2.2, -1.2]]"
COURSE_CLASSES = "[1, 2, 0]"


def has_error(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


# ----------------------------------------------------------------------------- class numbers


def pick_step(
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
            entries.append(ignored_entry(i))
            continue
        entries.append(
            rf"\ell_{{{i + 1}}} = \mathrm{{LSE}}_{{{i + 1}}} - z_{{{i + 1},{int(flat_t[i])}}}"
            rf" = {latex_fixed(flat_lse[i])} - {operand(flat_z[i])} = {latex_fixed(flat_l[i])}"
        )
    return contributions, Step("losses.step.cross_entropy.pick", items(entries, len(flat_l)), contributions)


def cross_entropy_manual(
    prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> Manual:
    c = class_dim(prediction)
    safe, kept = index_targets(target)
    maximum, lse = log_sum_exp(prediction, c)
    _, softmax = softmax_step(prediction, c, lse)
    lse_step = log_sum_exp_step(prediction, c, maximum, lse)
    picked = prediction.gather(c, safe.unsqueeze(c)).squeeze(c)
    log_p = picked - lse.squeeze(c)
    contributions, picking = pick_step(log_p, lse.squeeze(c), picked, kept, safe)
    value, reduced = reduce_step(contributions, reduction, count=int(kept.sum()))
    return Manual((softmax, lse_step, picking, reduced), contributions, value)


def cross_entropy_gradient(
    prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> Tensor:
    c = class_dim(prediction)
    safe, kept = index_targets(target)
    probabilities = torch.softmax(prediction, dim=c)
    one_hot = torch.zeros_like(prediction).scatter(c, safe.unsqueeze(c), 1.0)
    grad = (probabilities - one_hot) * kept.unsqueeze(c)
    return grad * scale(reduction, int(kept.sum()))


def validate_cross_entropy(
    info: LossInfo, prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> list[Finding]:
    findings = class_checks(info, prediction, target)
    if has_error(findings):
        return findings
    return (
        findings
        + probabilities_given(info, prediction, target, reduction, params)
        + nonfinite(prediction, target)
    )


CROSS_ENTROPY = LossInfo(
    name="CrossEntropyLoss",
    module=torch.nn.CrossEntropyLoss,
    functional_name="cross_entropy",
    formula=(
        r"\begin{aligned}\mathcal{L} &= -\frac{1}{N}\sum_{i=1}^{N} \log \frac{e^{z_{i,y_i}}}{\sum_{k} e^{z_{i,k}}} \\"
        r" &= \frac{1}{N}\sum_{i=1}^{N} \Big(\log\sum_{k} e^{z_{i,k}} - z_{i,y_i}\Big)\end{aligned}"
    ),
    card="losses.cross_entropy",
    task="multiclass",
    prediction_space="logits",
    target_kind="index",
    torch_loss=lambda p, y, r, k: F.cross_entropy(p, y, reduction=r),
    manual=cross_entropy_manual,
    validate=validate_cross_entropy,
    closed_form_gradient=cross_entropy_gradient,
    gradient_formula=(
        r"\frac{\partial \mathcal{L}}{\partial z_{i,k}} = {s}\big(\mathrm{softmax}(z_i)_k - [k = y_i]\big)"
    ),
    presets=(
        Preset(
            "CrossEntropy — course example (004)",
            COURSE_LOGITS,
            COURSE_CLASSES,
            order=30,
            expected=0.7306,
            expected_metrics={"Accuracy (multiclass)": 66.6667},
            code="cross_entropy_course",
        ),
        Preset(
            "Mistake: probabilities given to CrossEntropyLoss",
            "[[0.0286, 0.8556, 0.1158], [0.7551, 0.0925, 0.1524], [0.8565, 0.0386, 0.1049]]",
            COURSE_CLASSES,
            order=100,
            mistake=True,
            code="cross_entropy_probabilities",
        ),
        Preset("Mistake: float class targets", COURSE_LOGITS, "[1., 2., 0.]", order=120, mistake=True, code="float_class_targets"),
        Preset("Mistake: class index out of range", COURSE_LOGITS, "[1, 3, 0]", order=130, mistake=True, code="class_out_of_range"),
    ),
    expects="logits",
    in_builder=True,
    training_key="cross_entropy",
    rows="samples",
)


# ----------------------------------------------------------------------------- probability targets


def cross_entropy_probability_manual(
    prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> Manual:
    c = class_dim(prediction)
    maximum, lse = log_sum_exp(prediction, c)
    _, softmax = softmax_step(prediction, c, lse)
    lse_step = log_sum_exp_step(prediction, c, maximum, lse)
    log_p = prediction - lse
    contributions = -(target * log_p).sum(dim=c)
    rows_y = as_rows(target, c)
    rows_l = as_rows(log_p, c)
    flat_l = contributions.reshape(-1).tolist()
    entries = []
    for i in range(min(SHOWN_ROWS, rows_y.shape[0])):
        terms = " + ".join(
            rf"{latex_fixed(t)} \cdot {operand(lp)}"
            for t, lp in zip(rows_y[i].tolist()[:SHOWN_CLASSES], rows_l[i].tolist(), strict=False)
        )
        if rows_y.shape[1] > SHOWN_CLASSES:
            terms += r" + \dots"
        entries.append(rf"\ell_{{{i + 1}}} = -({terms}) = {latex_fixed(flat_l[i])}")
    picking = Step("losses.step.cross_entropy_probability.sum", items(entries, len(flat_l)), contributions)
    value, reduced = reduce_step(contributions, reduction)
    return Manual((softmax, lse_step, picking, reduced), contributions, value)


def cross_entropy_probability_gradient(
    prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> Tensor:
    c = class_dim(prediction)
    probabilities = torch.softmax(prediction, dim=c)
    grad = probabilities * target.sum(dim=c, keepdim=True) - target
    samples = prediction.numel() // prediction.shape[c]
    return grad * scale(reduction, samples)


def validate_cross_entropy_probability(
    info: LossInfo, prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> list[Finding]:
    base = {
        "loss": info.module_name,
        "prediction_shape": shape_of(prediction),
        "target_shape": shape_of(target),
    }
    if prediction.dim() == 0:
        return [Finding("losses.prediction_needs_classes", "error", base)]
    c = class_dim(prediction)
    if target.shape != prediction.shape:
        expected = prediction.shape[:c] + prediction.shape[c + 1 :]
        if target.shape == expected and is_whole(target):
            return [Finding("losses.index_targets_as_probabilities", "error", base)]
        looks_like_labels = is_whole(prediction) and bool((prediction >= 0).all())
        if target.dim() == prediction.dim() + 1 and looks_like_labels:
            return [Finding("losses.swapped_class_indices", "error", base)]
        return [Finding("losses.shape_mismatch", "error", base)]
    findings: list[Finding] = []
    if is_distribution(prediction, c) and not in_unit_interval(target):
        findings.append(Finding("losses.swapped_distributions", "warning"))
    elif not is_distribution(target, c):
        if not in_unit_interval(target):
            outside = examples(target[(target < 0) | (target > 1)])
            problem = "losses.probability_targets_not_distribution.outside"
            details = {"example": outside}
        else:
            sums = target.sum(dim=c).reshape(-1)
            problem = "losses.probability_targets_not_distribution.sums"
            details = {"sums": examples(sums[(sums - 1).abs() > ROW_SUM_TOLERANCE])}
        findings.append(
            Finding("losses.probability_targets_not_distribution", "warning", details, {"problem": problem})
        )
        findings += probabilities_given(info, prediction, target, reduction, params)
    else:
        findings += probabilities_given(info, prediction, target, reduction, params)
    return findings + nonfinite(prediction, target)


CROSS_ENTROPY_PROBABILITIES = LossInfo(
    name="CrossEntropyLoss (probability targets)",
    module=torch.nn.CrossEntropyLoss,
    functional_name="cross_entropy",
    formula=(
        r"\mathcal{L} = -\frac{1}{N}\sum_{i=1}^{N}\sum_{k=1}^{C} y_{i,k} \log \frac{e^{z_{i,k}}}{\sum_{j} e^{z_{i,j}}}"
    ),
    card="losses.cross_entropy_probability",
    task="multiclass",
    prediction_space="logits",
    target_kind="float",
    torch_loss=lambda p, y, r, k: F.cross_entropy(p, y, reduction=r),
    manual=cross_entropy_probability_manual,
    validate=validate_cross_entropy_probability,
    closed_form_gradient=cross_entropy_probability_gradient,
    gradient_formula=(
        r"\frac{\partial \mathcal{L}}{\partial z_{i,k}} = {s}\Big(\mathrm{softmax}(z_i)_k \sum_j y_{i,j} - y_{i,k}\Big)"
    ),
    presets=(
        Preset(
            "CrossEntropy with one-hot probability targets",
            COURSE_LOGITS,
            "[[0., 1., 0.], [0., 0., 1.], [1., 0., 0.]]",
            order=80,
            expected=0.7306,
            code="one_hot_targets",
        ),
    ),
    expects="logits",
    rows="samples",
)


# ----------------------------------------------------------------------------- NLLLoss


def nll_manual(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Manual:
    c = class_dim(prediction)
    safe, kept = index_targets(target)
    steps: list[Step] = []
    if params.get("apply_log_softmax", True):
        maximum, lse = log_sum_exp(prediction, c)
        steps.append(log_sum_exp_step(prediction, c, maximum, lse))
        log_probs = prediction - lse
        rows = as_rows(log_probs, c)
        lines = [
            rf"\log p_{{{i + 1}}} = z_{{{i + 1}}} - \mathrm{{LSE}}_{{{i + 1}}} = {vector(rows[i])}"
            for i in range(min(SHOWN_ROWS, rows.shape[0]))
        ]
        latex = r"\begin{aligned}" + r"\\ ".join(lines) + r"\end{aligned}"
        steps.append(Step("losses.step.nll.log_softmax", latex, log_probs))
    else:
        log_probs = prediction
    picked = log_probs.gather(c, safe.unsqueeze(c)).squeeze(c)
    contributions = torch.where(kept, -picked, torch.zeros_like(picked))
    flat_t = safe.reshape(-1).tolist()
    flat_p = picked.reshape(-1).tolist()
    flat_l = contributions.reshape(-1).tolist()
    flat_k = kept.reshape(-1).tolist()
    entries = [
        (
            rf"\ell_{{{i + 1}}} = -\log p_{{{i + 1},{int(flat_t[i])}}} = -{operand(flat_p[i])} = {latex_fixed(flat_l[i])}"
        )
        if flat_k[i]
        else ignored_entry(i)
        for i in range(min(SHOWN_TERMS, len(flat_l)))
    ]
    steps.append(Step("losses.step.nll.pick", items(entries, len(flat_l)), contributions))
    value, reduced = reduce_step(contributions, reduction, count=int(kept.sum()))
    steps.append(reduced)
    return Manual(tuple(steps), contributions, value)


def nll_gradient(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Tensor:
    if params.get("apply_log_softmax", True):
        return cross_entropy_gradient(prediction, target, reduction, params)
    c = class_dim(prediction)
    safe, kept = index_targets(target)
    one_hot = torch.zeros_like(prediction).scatter(c, safe.unsqueeze(c), 1.0)
    return -one_hot * kept.unsqueeze(c) * scale(reduction, int(kept.sum()))


def nll_torch(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Tensor:
    if params.get("apply_log_softmax", True):
        prediction = F.log_softmax(prediction, dim=class_dim(prediction))
    return F.nll_loss(prediction, target, reduction=reduction)


def validate_nll(
    info: LossInfo, prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> list[Finding]:
    findings = class_checks(info, prediction, target)
    if has_error(findings):
        return findings
    if params.get("apply_log_softmax", True):
        findings += probabilities_given(info, prediction, target, reduction, params)
    else:
        findings += not_log_probabilities("losses.nll_not_log_probabilities", prediction)
    return findings + nonfinite(prediction, target)


NLL = LossInfo(
    name="NLLLoss",
    module=torch.nn.NLLLoss,
    functional_name="nll_loss",
    formula=(
        r"\begin{aligned}\mathcal{L} &= -\frac{1}{N}\sum_{i=1}^{N} \log p_{i,y_i} \\"
        r" \log p_i &= \mathrm{LogSoftmax}(z_i) = z_i - \log\sum_k e^{z_{i,k}}\end{aligned}"
    ),
    card="losses.nll",
    task="multiclass",
    prediction_space="logits",
    target_kind="index",
    torch_loss=nll_torch,
    manual=nll_manual,
    validate=validate_nll,
    closed_form_gradient=nll_gradient,
    gradient_formula=(
        r"\frac{\partial \mathcal{L}}{\partial z_{i,k}} = {s}\big(\mathrm{softmax}(z_i)_k - [k = y_i]\big)"
        r"\ \text{(through LogSoftmax)}"
    ),
    params=(
        Param(
            "apply_log_softmax", kind="bool", default=True, label="Apply LogSoftmax to the prediction first"
        ),
    ),
    presets=(
        Preset(
            "LogSoftmax + NLLLoss on the course logits",
            COURSE_LOGITS,
            COURSE_CLASSES,
            order=70,
            params={"apply_log_softmax": True},
            expected=0.7306,
            code="log_softmax_nll",
        ),
    ),
    expects="log_probabilities",
    in_builder=True,
    training_key="nll",
    rows="samples",
)

LOSSES = (CROSS_ENTROPY, CROSS_ENTROPY_PROBABILITIES, NLL)
