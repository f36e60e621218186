"""Pieces of the worked computations that several losses share: differences, reductions, softmax."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import Tensor

from nnlib.core.formatting import latex_fixed
from nnlib.losses.latex import items, operand, sum_terms, vector, worded
from nnlib.losses.record import LossFunction, Step

IGNORE_INDEX = -100  # CrossEntropyLoss / NLLLoss skip targets equal to this
SHOWN_TERMS = 4  # elements written out in a step; the table has every element
SHOWN_ROWS = 3  # samples written out in a per-row step (cross-entropy)
SHOWN_CLASSES = 4  # classes written out inside one row


def reduce_step(contributions: Tensor, reduction: str, count: int | None = None) -> tuple[Tensor, Step]:
    """The reduction as the last step: the loss and how it came from the per-element terms."""
    flat = contributions.reshape(-1)
    n = flat.numel() if count is None else count
    if reduction == "none":
        latex = rf"\mathcal{{L}} = (\ell_1, \dots, \ell_{{{flat.numel()}}}) = {vector(flat)}"
        return contributions, Step("losses.step.no_reduction", latex, contributions)
    total = flat.sum()
    terms = sum_terms(flat)
    if reduction == "sum":
        latex = rf"\mathcal{{L}} = \sum_i \ell_i = {terms} = {latex_fixed(total)}"
        return total, Step("losses.step.sum", latex, total)
    value = total / n if n else total * math.nan
    latex = (
        rf"\mathcal{{L}} = \frac{{1}}{{N}}\sum_i \ell_i = \frac{{{terms}}}{{{n}}}"
        rf" = \frac{{{latex_fixed(total)}}}{{{n}}} = {latex_fixed(value)}"
    )
    return value, Step("losses.step.mean", latex, value, {"n": n})


def scale(reduction: str, count: int) -> float:
    """The factor the reduction puts on each element's gradient: 1/N for the mean."""
    return 1.0 / count if reduction == "mean" and count else 1.0


def broadcast_count(prediction: Tensor, target: Tensor) -> int:
    return math.prod(torch.broadcast_shapes(prediction.shape, target.shape))


def first(tensor: Tensor, count: int = SHOWN_TERMS) -> list[float]:
    """The first ``count`` numbers of ``tensor``, flattened (what a step writes out)."""
    return tensor.reshape(-1).tolist()[:count]


def differences_step(prediction: Tensor, target: Tensor) -> tuple[Tensor, Tensor, Tensor, Step]:
    """ŷ − y element by element, broadcast as PyTorch broadcasts them."""
    p, y = torch.broadcast_tensors(prediction, target)
    d = p - y
    entries = [
        f"{latex_fixed(a)} - {operand(b)} = {latex_fixed(c)}"
        for a, b, c in zip(first(p), y.reshape(-1).tolist(), d.reshape(-1).tolist(), strict=False)
    ]
    step = Step("losses.step.differences", items(entries, d.numel(), header=r"\hat{y}_i - y_i:"), d)
    return p, y, d, step


def elementwise_gradient(local: Callable[[Tensor, Mapping[str, Any]], Tensor]) -> LossFunction:
    """Closed-form gradient of an element-wise loss of d = ŷ − y, summed back to the prediction's shape."""

    def gradient(prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]) -> Tensor:
        p, y = torch.broadcast_tensors(prediction, target)
        d = p - y
        grad = local(d, params) * scale(reduction, d.numel())
        return grad.sum_to_size(prediction.shape)

    return gradient


# ----------------------------------------------------------------------------- classes


def class_dim(prediction: Tensor) -> int:
    """Where the classes are: (C,) for one sample, (N, C, ...) for a batch."""
    return 0 if prediction.dim() == 1 else 1


def as_rows(scores: Tensor, dim: int) -> Tensor:
    """Samples as rows, classes as columns, whatever the layout."""
    return scores.movedim(dim, -1).reshape(-1, scores.shape[dim])


def log_sum_exp(scores: Tensor, dim: int) -> tuple[Tensor, Tensor]:
    """Row maximum m and log Σ e^z computed as m + log Σ e^(z - m), so nothing overflows."""
    maximum = scores.amax(dim=dim, keepdim=True)
    maximum = torch.where(torch.isfinite(maximum), maximum, torch.zeros_like(maximum))
    lse = maximum + torch.log(torch.exp(scores - maximum).sum(dim=dim, keepdim=True))
    return maximum, lse


def log_sum_exp_step(scores: Tensor, dim: int, maximum: Tensor, lse: Tensor) -> Step:
    rows = as_rows(scores, dim)
    maxima = maximum.reshape(-1).tolist()
    lses = lse.reshape(-1).tolist()
    lines = []
    for i in range(min(SHOWN_ROWS, rows.shape[0])):
        row = rows[i].tolist()
        exps = " + ".join(f"e^{{{latex_fixed(z)}}}" for z in row[:SHOWN_CLASSES])
        shifted = " + ".join(f"e^{{{latex_fixed(z - maxima[i])}}}" for z in row[:SHOWN_CLASSES])
        if len(row) > SHOWN_CLASSES:
            exps += r" + \dots"
            shifted += r" + \dots"
        lines.append(rf"\mathrm{{LSE}}_{{{i + 1}}} &= \log({exps})")
        lines.append(rf"&= {latex_fixed(maxima[i])} + \log({shifted}) = {latex_fixed(lses[i])}")
    if rows.shape[0] > SHOWN_ROWS:
        lines.append(rf"&\dots\ ({worded('losses.latex.samples_in_all', samples=rows.shape[0])})")
    latex = r"\begin{aligned}" + r"\\ ".join(lines) + r"\end{aligned}"
    return Step("losses.step.log_sum_exp", latex, lse.squeeze(dim))


def softmax_step(scores: Tensor, dim: int, lse: Tensor) -> tuple[Tensor, Step]:
    probabilities = torch.exp(scores - lse)
    rows = as_rows(probabilities, dim)
    lines = [
        rf"p_{{{i + 1}}} = \mathrm{{softmax}}(z_{{{i + 1}}}) = {vector(rows[i])}"
        for i in range(min(SHOWN_ROWS, rows.shape[0]))
    ]
    if rows.shape[0] > SHOWN_ROWS:
        lines.append(r"\dots")
    latex = r"\begin{aligned}" + r"\\ ".join(lines) + r"\end{aligned}"
    return probabilities, Step("losses.step.softmax", latex, probabilities)


def index_targets(target: Tensor) -> tuple[Tensor, Tensor]:
    """Targets safe for gather (ignored ones replaced by 0) and the mask of kept samples."""
    kept = target != IGNORE_INDEX
    safe = torch.where(kept, target, torch.zeros_like(target))
    return safe, kept


def ignored_entry(i: int) -> str:
    return rf"\ell_{{{i + 1}}} = 0\ ({worded('losses.latex.ignored')})"
