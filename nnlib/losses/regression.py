"""Regression losses: MSE, L1 (MAE), SmoothL1 and Huber, each worked out element by element."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from nnlib.core.formatting import latex_fixed, plain_short
from nnlib.core.params import Param
from nnlib.losses.checks import nonfinite, same_shape_checks
from nnlib.losses.latex import items, operand
from nnlib.losses.record import Finding, LossInfo, Manual, Preset, Step
from nnlib.losses.steps import differences_step, elementwise_gradient, first, reduce_step

# Course text 004's regression example: y_hat and y (MSE 0.58, MAPE 45.0794).
COURSE_PREDICTION = "[[0.6], [0.2], [0.5]]"
COURSE_TARGET = "[[0.5], [1.5], [0.7]]"


def validate(
    info: LossInfo, prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> list[Finding]:
    shapes = same_shape_checks(info, prediction, target, reduction, params, broadcasts=True)
    return shapes + nonfinite(prediction, target)


# ----------------------------------------------------------------------------- MSE


def mse_manual(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Manual:
    _, _, d, differences = differences_step(prediction, target)
    squares = d * d
    entries = [
        f"{operand(a)}^2 = {latex_fixed(b)}" for a, b in zip(first(d), squares.reshape(-1).tolist(), strict=False)
    ]
    squaring = Step(
        "losses.step.mse.squares", items(entries, d.numel(), header=r"\ell_i = (\hat{y}_i - y_i)^2:"), squares
    )
    value, reduced = reduce_step(squares, reduction)
    return Manual((differences, squaring, reduced), squares, value)


MSE = LossInfo(
    name="MSELoss",
    module=torch.nn.MSELoss,
    functional_name="mse_loss",
    formula=r"\mathcal{L} = \frac{1}{N}\sum_{i=1}^{N} (\hat{y}_i - y_i)^2",
    card="losses.mse",
    task="regression",
    prediction_space="values",
    target_kind="float",
    torch_loss=lambda p, y, r, k: F.mse_loss(p, y, reduction=r),
    manual=mse_manual,
    validate=validate,
    closed_form_gradient=elementwise_gradient(lambda d, k: 2 * d),
    gradient_formula=r"\frac{\partial \mathcal{L}}{\partial \hat{y}_i} = {s}2(\hat{y}_i - y_i)",
    presets=(
        Preset(
            "MSE — course example (004)",
            COURSE_PREDICTION,
            COURSE_TARGET,
            order=10,
            expected=0.58,
            expected_metrics={"MAPE": 45.0794},
            code="mse_course",
        ),
        Preset(
            "Mistake: (3, 1) against (3,) broadcasts silently",
            COURSE_PREDICTION,
            "[0.5, 1.5, 0.7]",
            order=140,
            mistake=True,
            code="broadcast_mistake",
        ),
    ),
    expects="values",
    in_builder=True,
)


# ----------------------------------------------------------------------------- L1 (MAE)


def l1_manual(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Manual:
    _, _, d, differences = differences_step(prediction, target)
    absolute = d.abs()
    entries = [
        f"|{latex_fixed(a)}| = {latex_fixed(b)}" for a, b in zip(first(d), absolute.reshape(-1).tolist(), strict=False)
    ]
    absolutes = Step(
        "losses.step.l1.absolute", items(entries, d.numel(), header=r"\ell_i = |\hat{y}_i - y_i|:"), absolute
    )
    value, reduced = reduce_step(absolute, reduction)
    return Manual((differences, absolutes, reduced), absolute, value)


L1 = LossInfo(
    name="L1Loss",
    module=torch.nn.L1Loss,
    functional_name="l1_loss",
    formula=r"\mathcal{L} = \frac{1}{N}\sum_{i=1}^{N} |\hat{y}_i - y_i|",
    card="losses.l1",
    task="regression",
    prediction_space="values",
    target_kind="float",
    torch_loss=lambda p, y, r, k: F.l1_loss(p, y, reduction=r),
    manual=l1_manual,
    validate=validate,
    closed_form_gradient=elementwise_gradient(lambda d, k: torch.sign(d)),
    gradient_formula=r"\frac{\partial \mathcal{L}}{\partial \hat{y}_i} = {s}\operatorname{sign}(\hat{y}_i - y_i)",
    presets=(
        Preset(
            "L1 (MAE) on the course's regression example",
            COURSE_PREDICTION,
            COURSE_TARGET,
            order=40,
            code="l1_course",
        ),
    ),
    expects="values",
)


# ----------------------------------------------------------------------------- SmoothL1


def smooth_l1_manual(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Manual:
    beta = float(params["beta"])
    _, _, d, differences = differences_step(prediction, target)
    z = d.abs()
    if beta == 0:  # PyTorch: beta = 0 is exactly L1Loss
        contributions = z
    else:
        contributions = torch.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta)
    entries = []
    for a, b in zip(first(z), contributions.reshape(-1).tolist(), strict=False):
        if beta and a < beta:
            entries.append(rf"{latex_fixed(a)} < {latex_fixed(beta)}:\ 0.5 \cdot {latex_fixed(a)}^2 / {latex_fixed(beta)} = {latex_fixed(b)}")
        else:
            entries.append(rf"{latex_fixed(a)} \ge {latex_fixed(beta)}:\ {latex_fixed(a)} - 0.5 \cdot {latex_fixed(beta)} = {latex_fixed(b)}")
    pieces = Step(
        "losses.step.smooth_l1.pieces",
        items(entries, z.numel(), header=r"\ell_i:"),
        contributions,
        {"beta": plain_short(beta)},
    )
    value, reduced = reduce_step(contributions, reduction)
    return Manual((differences, pieces, reduced), contributions, value)


def smooth_l1_local(d: Tensor, params: Mapping[str, Any]) -> Tensor:
    beta = float(params["beta"])
    if beta == 0:
        return torch.sign(d)
    return torch.where(d.abs() < beta, d / beta, torch.sign(d))


SMOOTH_L1 = LossInfo(
    name="SmoothL1Loss",
    module=torch.nn.SmoothL1Loss,
    functional_name="smooth_l1_loss",
    formula=(
        r"\begin{aligned}\ell_i &= \begin{cases} 0.5\,(\hat{y}_i - y_i)^2 / \beta & |\hat{y}_i - y_i| < \beta \\"
        r" |\hat{y}_i - y_i| - 0.5\,\beta & \text{otherwise} \end{cases} \\"
        r" \mathcal{L} &= \frac{1}{N}\sum_{i=1}^{N} \ell_i\end{aligned}"
    ),
    card="losses.smooth_l1",
    task="regression",
    prediction_space="values",
    target_kind="float",
    torch_loss=lambda p, y, r, k: F.smooth_l1_loss(p, y, reduction=r, beta=float(k["beta"])),
    manual=smooth_l1_manual,
    validate=validate,
    closed_form_gradient=elementwise_gradient(smooth_l1_local),
    gradient_formula=(
        r"\frac{\partial \mathcal{L}}{\partial \hat{y}_i} = {s}\begin{cases} (\hat{y}_i - y_i)/\beta"
        r" & |\hat{y}_i - y_i| < \beta \\ \operatorname{sign}(\hat{y}_i - y_i) & \text{otherwise} \end{cases}"
    ),
    params=(
        Param(
            "beta",
            default=1.0,
            minimum=0.0,
            step=0.1,
            label="β (where quadratic turns linear)",
            help="beta ≥ 0; 0 gives L1Loss.",
            torch_default=1.0,
        ),
    ),
    expects="values",
)


# ----------------------------------------------------------------------------- Huber


def huber_manual(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Manual:
    delta = float(params["delta"])
    _, _, d, differences = differences_step(prediction, target)
    z = d.abs()
    contributions = torch.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta))
    entries = []
    for a, b in zip(first(z), contributions.reshape(-1).tolist(), strict=False):
        if a < delta:
            entries.append(rf"{latex_fixed(a)} < {latex_fixed(delta)}:\ 0.5 \cdot {latex_fixed(a)}^2 = {latex_fixed(b)}")
        else:
            entries.append(
                rf"{latex_fixed(a)} \ge {latex_fixed(delta)}:\ {latex_fixed(delta)} \cdot ({latex_fixed(a)} - 0.5 \cdot {latex_fixed(delta)}) = {latex_fixed(b)}"
            )
    pieces = Step(
        "losses.step.huber.pieces",
        items(entries, z.numel(), header=r"\ell_i:"),
        contributions,
        {"delta": plain_short(delta)},
    )
    value, reduced = reduce_step(contributions, reduction)
    return Manual((differences, pieces, reduced), contributions, value)


def huber_local(d: Tensor, params: Mapping[str, Any]) -> Tensor:
    delta = float(params["delta"])
    return torch.where(d.abs() < delta, d, delta * torch.sign(d))


HUBER = LossInfo(
    name="HuberLoss",
    module=torch.nn.HuberLoss,
    functional_name="huber_loss",
    formula=(
        r"\begin{aligned}\ell_i &= \begin{cases} 0.5\,(\hat{y}_i - y_i)^2 & |\hat{y}_i - y_i| < \delta \\"
        r" \delta\,(|\hat{y}_i - y_i| - 0.5\,\delta) & \text{otherwise} \end{cases} \\"
        r" \mathcal{L} &= \frac{1}{N}\sum_{i=1}^{N} \ell_i\end{aligned}"
    ),
    card="losses.huber",
    task="regression",
    prediction_space="values",
    target_kind="float",
    torch_loss=lambda p, y, r, k: F.huber_loss(p, y, reduction=r, delta=float(k["delta"])),
    manual=huber_manual,
    validate=validate,
    closed_form_gradient=elementwise_gradient(huber_local),
    gradient_formula=(
        r"\frac{\partial \mathcal{L}}{\partial \hat{y}_i} = {s}\begin{cases} \hat{y}_i - y_i"
        r" & |\hat{y}_i - y_i| < \delta \\ \delta\,\operatorname{sign}(\hat{y}_i - y_i) & \text{otherwise} \end{cases}"
    ),
    params=(
        Param(
            "delta",
            default=1.0,
            minimum=0.0,
            minimum_inclusive=False,
            step=0.1,
            label="δ (where quadratic turns linear)",
            help="delta > 0.",
            torch_default=1.0,
        ),
    ),
    presets=(
        Preset(
            "Huber δ = 1 on the course's regression example",
            COURSE_PREDICTION,
            COURSE_TARGET,
            order=50,
            params={"delta": 1.0},
            code="huber_course",
        ),
    ),
    expects="values",
)

LOSSES = (MSE, L1, SMOOTH_L1, HUBER)
