"""Softmax shown honestly: the naive and the stable computation, and its full Jacobian."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from nnlib.activations.inputs import as_float, check_dim
from nnlib.core.errors import InputError


def implicit_softmax_dim(ndim: int) -> int:
    """The dim ``nn.Softmax()`` picks when none is given (deprecated, with a warning).

    PyTorch's legacy rule: 0 for 0-, 1- and 3-D tensors, else 1. For the
    course's 3x3 matrix that is dim=1, softmax across each row.
    """
    return 0 if ndim in (0, 1, 3) else 1


@dataclass(frozen=True)
class SoftmaxSteps:
    """Softmax computed twice: straight from the formula, and the stable way PyTorch does it."""

    dim: int
    exp: Tensor  # e^x: overflows to inf in float32 once x > 88.7
    naive: Tensor  # e^x / sum e^x: inf / inf = nan after an overflow
    maximum: Tensor  # max along dim (kept as a size-1 dim)
    shifted: Tensor  # x - max: every value <= 0, so e^(x - max) <= 1 never overflows
    exp_shifted: Tensor
    stable: Tensor  # e^(x - max) / sum e^(x - max): the same value, mathematically


def softmax_steps(x: Tensor, dim: int = -1) -> SoftmaxSteps:
    x, _ = as_float(x)
    dim = check_dim(x, dim)
    if x.dim() == 0:
        x = x.reshape(1)
        dim = 0
    exp = torch.exp(x)
    naive = exp / exp.sum(dim=dim, keepdim=True)
    maximum = x.amax(dim=dim, keepdim=True)
    shifted = x - maximum
    exp_shifted = torch.exp(shifted)
    stable = exp_shifted / exp_shifted.sum(dim=dim, keepdim=True)
    return SoftmaxSteps(dim, exp, naive, maximum, shifted, exp_shifted, stable)


def softmax_jacobian(vector: Tensor) -> Tensor:
    """The full Jacobian of softmax for one vector: ``J = diag(s) - s s^T``."""
    if vector.dim() != 1:
        raise InputError("activations.not_a_vector", shape=tuple(vector.shape))
    vector, _ = as_float(vector)
    s = torch.softmax(vector, dim=0)
    return torch.diag(s) - torch.outer(s, s)


def slices_along(x: Tensor, dim: int) -> Tensor:
    """Every 1-D slice of ``x`` along ``dim``, as the rows of a matrix (for Jacobians)."""
    dim = check_dim(x, dim)
    if x.dim() == 0:
        return x.reshape(1, 1)
    return x.movedim(dim, -1).reshape(-1, x.shape[dim])
