"""KLDivLoss: how far the model's distribution is from the target distribution, in nats.

PyTorch's KLDivLoss takes the model's *log*-probabilities (a LogSoftmax output) and the target's
probabilities, and sums yᵢ (log yᵢ − xᵢ) element by element (0 · log 0 counts as 0). Its "mean"
divides by every element, not by the samples: PyTorch warns and recommends
reduction="batchmean" (the sum divided by the batch size), which is the KL divergence per sample.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from nnlib.core.formatting import latex_fixed
from nnlib.losses.checks import nonfinite, not_log_probabilities, same_shape_checks, target_range
from nnlib.losses.latex import items, operand
from nnlib.losses.record import Finding, LossInfo, Manual, Preset, Step
from nnlib.losses.steps import first, reduce_step, scale


def kl_div_manual(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Manual:
    x, y = torch.broadcast_tensors(prediction, target)
    log_y = torch.where(y > 0, torch.log(y), torch.zeros_like(y))  # 0 · log 0 = 0, as torch.xlogy
    entries = [
        rf"\log {latex_fixed(b)} = {latex_fixed(c)}" if b > 0 else rf"y_i = {latex_fixed(b)}:\ 0 \cdot \log 0 = 0"
        for b, c in zip(first(y), log_y.reshape(-1).tolist(), strict=False)
    ]
    logs = Step("losses.step.kl_div.log_target", items(entries, y.numel(), header=r"\log y_i:"), log_y)
    contributions = torch.xlogy(y, y) - y * x
    entries = [
        rf"{latex_fixed(b)} \cdot ({latex_fixed(c)} - {operand(a)}) = {latex_fixed(e)}"
        for a, b, c, e in zip(
            first(x),
            y.reshape(-1).tolist(),
            log_y.reshape(-1).tolist(),
            contributions.reshape(-1).tolist(),
            strict=False,
        )
    ]
    terms = Step(
        "losses.step.kl_div.terms",
        items(entries, y.numel(), header=r"\ell_i = y_i (\log y_i - x_i):"),
        contributions,
    )
    value, reduced = reduce_step(contributions, reduction)
    return Manual((logs, terms, reduced), contributions, value)


def kl_div_gradient(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Tensor:
    x, y = torch.broadcast_tensors(prediction, target)
    return (-y * scale(reduction, x.numel())).sum_to_size(prediction.shape)


def validate_kl_div(
    info: LossInfo, prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> list[Finding]:
    findings = same_shape_checks(info, prediction, target, reduction, params, broadcasts=True)
    findings += not_log_probabilities("losses.kl_div_not_log_probabilities", prediction)
    findings += target_range(target, refused=False)
    return findings + nonfinite(prediction, target)


KL_DIV = LossInfo(
    name="KLDivLoss",
    module=torch.nn.KLDivLoss,
    functional_name="kl_div",
    formula=(
        r"\begin{aligned}\ell_i &= y_i\,(\log y_i - x_i),\qquad x_i = \log \hat{y}_i \\"
        r" \mathcal{L} &= \frac{1}{N}\sum_{i=1}^{N} \ell_i\end{aligned}"
    ),
    card="losses.kl_div",
    task="distribution",
    prediction_space="log_probabilities",
    target_kind="float",
    torch_loss=lambda p, y, r, k: F.kl_div(p, y, reduction=r),
    manual=kl_div_manual,
    validate=validate_kl_div,
    closed_form_gradient=kl_div_gradient,
    gradient_formula=r"\frac{\partial \mathcal{L}}{\partial x_i} = -{s}y_i",
    presets=(
        Preset(
            "KLDiv: log-probabilities against a target distribution",
            "[[-2.3026, -0.3567, -1.6094]]",
            "[[0.2, 0.5, 0.3]]",
            order=90,
            reduction="sum",
            code="kl_div",
        ),
    ),
    expects="log_probabilities",
)
