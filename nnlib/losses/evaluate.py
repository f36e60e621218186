"""A loss evaluated for a student: PyTorch's value and gradient, the same by hand, and the findings."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.core.formatting import tensor_literal
from nnlib.core.params import resolve
from nnlib.losses.record import Finding, LossInfo, Manual
from nnlib.losses.registry import get_loss
from nnlib.losses.steps import as_rows, class_dim

REDUCTIONS: tuple[str, ...] = ("mean", "sum", "none")


def values_match(a: Tensor, b: Tensor, rtol: float = 1e-5, atol: float = 1e-6) -> bool:
    a = a.detach().to(torch.float64)
    b = b.detach().to(torch.float64)
    if a.shape != b.shape:
        return False
    return bool(torch.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


class EmptyInput(InputError):
    """An empty prediction or target (``losses.empty``): the field is named in the reader's language."""

    def __init__(self, name: str) -> None:
        super().__init__("losses.empty", field=name, what=name)

    def words(self, language: str | None = None) -> str:
        what = messages.word(f"losses.field.{self.details['what']}", None, language)
        return messages.word(self.code, {**self.details, "what": what}, language)


class RefusedInputs(InputError):
    """PyTorch refuses these inputs: ``finding`` says why, ``findings`` lists every one found.

    The code and details are the finding's, plus ``torch_error``: PyTorch's own message.
    """

    def __init__(self, finding: Finding, findings: Iterable[Finding], torch_error: str | None) -> None:
        details = {name: value for name, value in finding.details.items() if name != "field"}
        super().__init__(finding.code, **{**details, "torch_error": torch_error})
        self.finding = finding
        self.findings = tuple(findings)

    def words(self, language: str | None = None) -> str:
        return self.finding.words(language)

    @property
    def others(self) -> tuple[Finding, ...]:
        """The findings besides the one that names the error."""
        return tuple(f for f in self.findings if f is not self.finding)


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
        """One row per element (or per sample) of the unreduced loss: its inputs, its share, its gradient."""
        if self.info.rows == "samples":
            return _sample_rows(self)
        return _element_rows(self)


def check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise InputError("losses.unknown_reduction", field="reduction", reduction=reduction)


def resolve_params(info: LossInfo, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The loss's arguments with defaults filled in, checked (``params.*`` errors)."""
    return resolve(info.params, params, owner=info.name)


def prepare_inputs(
    info: LossInfo, prediction: Tensor, target: Tensor
) -> tuple[Tensor, Tensor, list[Finding]]:
    """Float predictions (autograd needs them) and, for float-target losses, float targets."""
    notes: list[Finding] = []
    for name, tensor in (("prediction", prediction), ("target", target)):
        if tensor.numel() == 0:
            raise EmptyInput(name)
    if not prediction.dtype.is_floating_point:
        dtype = str(prediction.dtype).replace("torch.", "")
        notes.append(Finding("losses.prediction_converted", "note", {"dtype": dtype}))
        prediction = prediction.to(torch.float32)
    if info.target_kind == "float":
        if not target.dtype.is_floating_point:
            dtype = str(target.dtype).replace("torch.", "")
            notes.append(
                Finding("losses.target_converted", "note", {"dtype": dtype, "loss": info.module_name})
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
    check_reduction(reduction)
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
    said = tuple(dict.fromkeys(str(w.message) for w in caught))
    return value.detach(), leaf.grad.detach(), said


def evaluate(
    name: str,
    prediction: Tensor,
    target: Tensor,
    reduction: str = "mean",
    params: Mapping[str, Any] | None = None,
) -> LossReport:
    """The loss from PyTorch, worked out by hand, with its gradient and the findings.

    Raises :class:`RefusedInputs` (an :class:`InputError`) when PyTorch refuses the inputs:
    its ``code`` is the finding's code, ``findings`` holds every finding and
    ``details["torch_error"]`` the error PyTorch itself raised.
    """
    info = get_loss(name)
    check_reduction(reduction)
    resolved = resolve_params(info, params)
    prediction, target, notes = prepare_inputs(info, prediction.detach(), target.detach())
    with torch.no_grad():
        findings = notes + info.validate(info, prediction, target, reduction, resolved)
    errors = [f for f in findings if f.severity == "error"]
    try:
        torch_value, gradient, torch_warnings = _run_torch(info, prediction, target, reduction, resolved)
    except (RuntimeError, ValueError, IndexError) as error:
        said = str(error)
        first = (
            errors[0]
            if errors
            else Finding("losses.torch_error", "error", {"loss": info.module_name, "torch_error": said})
        )
        raise RefusedInputs(first, findings, said) from None
    if errors:
        raise RefusedInputs(errors[0], findings, None)
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


def _sample_rows(report: LossReport) -> list[dict[str, Any]]:
    """Per sample: its scores, target, softmax, loss, share and gradient row."""
    info = report.info
    contributions = report.manual.contributions.detach()
    total = float(contributions.sum())
    c = class_dim(report.prediction)
    scores = as_rows(report.prediction, c)
    gradients = as_rows(report.gradient, c)
    targets = as_rows(report.target, c) if info.target_kind == "float" else report.target.reshape(-1)
    probabilities = as_rows(torch.softmax(report.prediction, dim=c), c)
    rows = []
    for i, value in enumerate(contributions.reshape(-1).tolist()):
        target_text = tensor_literal(targets[i]) if info.target_kind == "float" else str(int(targets[i]))
        rows.append(
            {
                "sample": i,
                "scores": tensor_literal(scores[i]),
                "target": target_text,
                "softmax": tensor_literal(probabilities[i]),
                "contribution": value,
                "share": value / total if total else math.nan,
                "gradient": tensor_literal(gradients[i]),
            }
        )
    return rows


def _element_rows(report: LossReport) -> list[dict[str, Any]]:
    """Per element (after broadcasting): where it is, prediction, target, loss, share, gradients."""
    contributions = report.manual.contributions.detach()
    total = float(contributions.sum())
    p, y = torch.broadcast_tensors(report.prediction, report.target)
    broadcast = p.shape != report.prediction.shape
    gradient = None if broadcast else report.gradient.reshape(-1).tolist()
    closed = None if broadcast or report.closed_form is None else report.closed_form.reshape(-1).tolist()
    positions = (
        list(torch.cartesian_prod(*[torch.arange(s) for s in p.shape]).reshape(p.numel(), -1).tolist())
        if p.dim()
        else [[]]
    )
    rows = []
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
    target_dtype = ", dtype=torch.long" if not target.dtype.is_floating_point else ""
    prediction_expr = "prediction"
    if params.get("apply_log_softmax"):
        prediction_expr = f"torch.log_softmax(prediction, dim={class_dim(prediction)})"
    backward = "loss.sum().backward()" if reduction == "none" else "loss.backward()"
    return "\n".join(
        [
            "import torch",
            "from torch import nn",
            "",
            f"prediction = torch.tensor({tensor_literal(prediction, decimals=6)}, requires_grad=True)",
            f"target = torch.tensor({tensor_literal(target, decimals=6)}{target_dtype})",
            f"loss_fn = nn.{info.module_name}({', '.join(kwargs)})",
            f"loss = loss_fn({prediction_expr}, target)",
            backward,
            "print(loss)",
            "print(prediction.grad)",
        ]
    )
