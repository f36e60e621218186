"""Checks several losses share: the mistakes students make with shapes, ranges and class numbers.

Each check returns :class:`~nnlib.losses.record.Finding` records (a ``losses.*`` code and the
numbers behind it); a loss's own ``validate`` puts the ones that apply together.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from nnlib.core.formatting import plain_fixed, tensor_literal
from nnlib.losses.latex import examples, shape_of
from nnlib.losses.record import Finding, LossInfo
from nnlib.losses.steps import IGNORE_INDEX, class_dim

ROW_SUM_TOLERANCE = 1e-3  # rows within this of 1 count as probability distributions


def nonfinite(prediction: Tensor, target: Tensor) -> list[Finding]:
    findings = []
    for name, tensor in (("prediction", prediction), ("target", target)):
        if tensor.dtype.is_floating_point and not bool(torch.isfinite(tensor).all()):
            findings.append(Finding("losses.nonfinite", "warning", {"field": name}, {"field": f"losses.field.{name}"}))
    return findings


def is_distribution(tensor: Tensor, dim: int) -> bool:
    """All values in [0, 1] and every row summing to 1 (a softmax output or one-hot)."""
    if not tensor.dtype.is_floating_point or tensor.numel() == 0 or tensor.shape[dim] < 2:
        return False
    if not bool(((tensor >= 0) & (tensor <= 1)).all()):
        return False
    sums = tensor.sum(dim=dim)
    return bool(((sums - 1).abs() <= ROW_SUM_TOLERANCE).all())


def is_binary(tensor: Tensor) -> bool:
    return bool(((tensor == 0) | (tensor == 1)).all())


def is_whole(tensor: Tensor) -> bool:
    if not tensor.dtype.is_floating_point:
        return True
    return bool(torch.isfinite(tensor).all()) and bool((tensor == tensor.round()).all())


def in_unit_interval(tensor: Tensor) -> bool:
    return bool(((tensor >= 0) & (tensor <= 1)).all())


def same_shape_checks(
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
        "prediction_shape": shape_of(prediction),
        "target_shape": shape_of(target),
        "loss": info.module_name,
    }
    same_count = prediction.numel() == target.numel()
    reshaped_value = None
    if same_count:
        with torch.no_grad():
            reshaped_value = info.manual(
                prediction, target.reshape(prediction.shape), reduction, params
            ).value
    try:
        broadcast_shape = torch.broadcast_shapes(prediction.shape, target.shape)
    except RuntimeError:
        broadcast_shape = None
    unreduced = reduction == "none"
    if not broadcasts or broadcast_shape is None:
        if same_count:
            details = {**base, "count": prediction.numel()}
            if not unreduced:
                details["reshaped_value"] = plain_fixed(reshaped_value)
            parts = {"reshaped_value": "losses.shape_mismatch_reshape.shown_after"} if unreduced else {}
            return [Finding("losses.shape_mismatch_reshape", "error", details, parts)]
        return [Finding("losses.shape_mismatch", "error", base)]
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch_value = info.torch_loss(prediction, target, reduction, params)
        matrix = info.manual(prediction, target, "none", params).contributions
    details: dict[str, Any] = {
        **base,
        "broadcast_shape": shape_of(tuple(broadcast_shape)),
        "pairs": math.prod(broadcast_shape),
        "expected": max(prediction.numel(), target.numel()),
    }
    parts: dict[str, str] = {}
    if unreduced:
        parts["torch_value"] = "losses.silent_broadcast.tensor_of_broadcast_shape"
    else:
        details["torch_value"] = plain_fixed(torch_value)
    code = "losses.silent_broadcast_no_reshape"
    if same_count:
        code = "losses.silent_broadcast"
        if unreduced:
            parts["reshaped_value"] = "losses.silent_broadcast.tensor_of_prediction_shape"
        else:
            details["reshaped_value"] = plain_fixed(reshaped_value)
    return [Finding(code, "warning", details, parts, table=matrix, table_code="losses.broadcast_table")]


def target_range(target: Tensor, refused: bool) -> list[Finding]:
    """Binary targets outside [0, 1]: PyTorch refuses them (``refused``) or computes a number anyway."""
    outside = (target < 0) | (target > 1) | target.isnan()
    if not bool(outside.any()):
        return []
    consequence = (
        "losses.bce_target_out_of_range.refused" if refused else "losses.bce_target_out_of_range.computed"
    )
    return [
        Finding(
            "losses.bce_target_out_of_range",
            "error" if refused else "warning",
            {"count": int(outside.sum()), "example": examples(target[outside])},
            {"consequence": consequence},
        )
    ]


def swapped_binary(prediction: Tensor, target: Tensor) -> list[Finding]:
    if prediction.shape != target.shape or not is_binary(prediction) or is_binary(target):
        return []
    between = target[(target != 0) & (target != 1)]
    return [Finding("losses.swapped_binary", "warning", {"example": examples(between)})]


def class_checks(info: LossInfo, prediction: Tensor, target: Tensor) -> list[Finding]:
    """Shape, dtype and range of class-number targets; empty when torch will accept them."""
    base: dict[str, Any] = {
        "loss": info.module_name,
        "prediction_shape": shape_of(prediction),
        "target_shape": shape_of(target),
    }
    if prediction.dim() == 0:
        return [Finding("losses.prediction_needs_classes", "error", base)]
    c = class_dim(prediction)
    expected = prediction.shape[:c] + prediction.shape[c + 1 :]
    base["expected_shape"] = shape_of(tuple(expected))
    looks_like_labels = prediction.dim() >= 1 and is_whole(prediction) and bool((prediction >= 0).all())
    if target.dtype.is_floating_point and target.dim() == prediction.dim() + 1 and looks_like_labels:
        return [Finding("losses.swapped_class_indices", "error", base)]
    if target.dtype.is_floating_point and target.shape == prediction.shape and prediction.dim() >= 2:
        return [Finding("losses.probability_target_for_index_loss", "error", base)]
    if target.shape != expected:
        if (
            target.numel() == math.prod(expected)
            and target.dim() == len(expected) + 1
            and target.shape[-1] == 1
        ):
            hint = "losses.class_target_shape.inner_brackets"
        elif target.shape[:1] != expected[:1]:
            hint = "losses.class_target_shape.one_per_row"
        else:
            hint = "losses.class_target_shape.one_per_sample"
        return [Finding("losses.class_target_shape", "error", base, {"hint": hint})]
    if target.dtype.is_floating_point:
        if is_whole(target):
            details = {**base, "literal": tensor_literal(target.to(torch.int64))}
            return [
                Finding(
                    "losses.float_class_targets",
                    "error",
                    details,
                    {"hint": "losses.float_class_targets.whole"},
                )
            ]
        return [
            Finding(
                "losses.float_class_targets", "error", base, {"hint": "losses.float_class_targets.fractions"}
            )
        ]
    if target.dtype != torch.int64:
        return [
            Finding(
                "losses.float_class_targets", "error", base, {"hint": "losses.float_class_targets.call_long"}
            )
        ]
    num_classes = prediction.shape[c]
    bad = target[((target < 0) & (target != IGNORE_INDEX)) | (target >= num_classes)]
    if bad.numel():
        values = sorted(set(bad.tolist()))
        details = {
            **base,
            "num_classes": num_classes,
            "max_class": num_classes - 1,
            "bad": ", ".join(str(v) for v in values[:5]),
            "first_bad": int(bad.reshape(-1)[0]),
        }
        return [Finding("losses.class_index_out_of_range", "error", details)]
    ignored = int((target == IGNORE_INDEX).sum())
    if ignored:
        return [
            Finding("losses.ignored_targets", "note", {"count": ignored, "kept": target.numel() - ignored})
        ]
    return []


def probabilities_given(
    info: LossInfo, prediction: Tensor, target: Tensor, reduction: str, params: Mapping[str, Any]
) -> list[Finding]:
    """Softmax outputs fed to a loss that applies softmax itself: the squashed value and the meant one."""
    c = class_dim(prediction)
    if reduction == "none" or not is_distribution(prediction, c):
        return []
    with torch.no_grad():
        torch_value = info.torch_loss(prediction, target, reduction, params)
        log_p = torch.log(prediction.clamp(min=1e-45))
        if info.target_kind == "index":
            as_probabilities = F.nll_loss(log_p, target, reduction=reduction)
        else:
            as_probabilities = -(target * log_p).sum(dim=c)
            as_probabilities = as_probabilities.mean() if reduction == "mean" else as_probabilities.sum()
    details = {
        "loss": info.module_name,
        "torch_value": plain_fixed(torch_value),
        "loss_if_probabilities": plain_fixed(as_probabilities),
    }
    return [Finding("losses.probabilities_to_cross_entropy", "warning", details)]


def not_log_probabilities(code: str, prediction: Tensor) -> list[Finding]:
    """Positive numbers where log-probabilities (all ≤ 0) are expected."""
    if not bool((prediction > 0).any()):
        return []
    return [Finding(code, "warning", {"example": examples(prediction[prediction > 0])})]
