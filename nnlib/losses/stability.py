"""Numerical stability in numbers PyTorch computes now (course texts 000 and 001).

Sigmoid + BCELoss against BCEWithLogitsLoss, log 0, softmax overflow and the log-sum-exp trick.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from nnlib.core.errors import InputError


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
        raise InputError("losses.bad_target", field="target", target=target)
    values = logits.detach().to(torch.float32).reshape(-1)
    nan_at = torch.isnan(values).nonzero().reshape(-1).tolist()
    if nan_at:
        # σ(nan) is nan, and BCELoss refuses anything outside [0, 1] with a RuntimeError.
        raise InputError("losses.nan_logit", field="logits", position=nan_at[0] + 1)
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
        raise InputError("losses.too_few_classes", field="logits")
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
