"""What a page shows about any tensor, and the small vocabulary the tensor modules share."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

Shape = tuple[int, ...]

# Errors PyTorch raises for arguments it refuses (NotImplementedError is a RuntimeError).
TORCH_ERRORS = (RuntimeError, IndexError, TypeError, ValueError, OverflowError)


def dtype_name(dtype: torch.dtype) -> str:
    """``torch.float32`` → ``"float32"``."""
    return str(dtype).removeprefix("torch.")


def numel(shape: Sequence[int]) -> int:
    return math.prod(shape)


def args_text(shape: Shape) -> str:
    """A shape as call arguments: ``3, 2`` for ``torch.zeros(3, 2)``; ``()`` for a scalar."""
    return ", ".join(str(size) for size in shape) if shape else "()"


@dataclass(frozen=True)
class TensorFacts:
    """What the page shows about a tensor, as plain values."""

    printed: str
    shape: Shape
    ndim: int
    dtype: str
    device: str
    numel: int
    element_size: int
    nbytes: int
    requires_grad: bool
    is_contiguous: bool
    stride: Shape
    grad_fn: str | None


def describe(tensor: torch.Tensor) -> TensorFacts:
    """The printed form (as PyTorch prints it), shape, dtype, device, size in memory."""
    return TensorFacts(
        printed=str(tensor),
        shape=tuple(tensor.shape),
        ndim=tensor.ndim,
        dtype=dtype_name(tensor.dtype),
        device=str(tensor.device),
        numel=tensor.numel(),
        element_size=tensor.element_size(),
        nbytes=tensor.numel() * tensor.element_size(),
        requires_grad=tensor.requires_grad,
        is_contiguous=tensor.is_contiguous(),
        stride=tuple(tensor.stride()),
        grad_fn=type(tensor.grad_fn).__name__ if tensor.grad_fn is not None else None,
    )
