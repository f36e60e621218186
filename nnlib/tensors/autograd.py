"""Autograd through the course's chain (course text 002, B.5.1): x → w = 2x →
y = w³ + 3w² + 2w + 1 → z = sum(y), ``z.backward()`` next to the chain rule by hand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from nnlib.core.errors import InputError
from nnlib.core.settings import Settings
from nnlib.tensors.make import tensor_from_text


@dataclass(frozen=True, eq=False)
class AutogradChain:
    """x → w = 2x → y = w³ + 3w² + 2w + 1 → z = sum(y), with ``z.backward()`` and the chain rule
    dz/dx = 1 · (3w² + 6w + 2) · 2 worked out elementwise with the same numbers."""

    x: torch.Tensor
    w: torch.Tensor
    y: torch.Tensor
    z: float
    z_printed: str
    grad: torch.Tensor
    dy_dw: torch.Tensor
    by_hand: torch.Tensor
    grad_fns: dict[str, str]
    max_difference: float
    matches: bool

    def rows(self) -> list[dict[str, Any]]:
        """One record per element of x, in row-major order, with its index."""
        shape = tuple(self.x.shape)
        columns = {name: t.flatten().tolist() for name, t in (
            ("x", self.x), ("w", self.w), ("y", self.y), ("dy_dw", self.dy_dw),
            ("by_hand", self.by_hand), ("grad", self.grad),
        )}
        indices = list(np.ndindex(*shape))
        return [
            {"index": tuple(int(i) for i in index), **{name: values[n] for name, values in columns.items()}}
            for n, index in enumerate(indices)
        ]


def autograd_chain(x: torch.Tensor) -> AutogradChain:
    """The course's chain (002 B.5.1) on ``x``: x = ones(2, 3) gives z = 150 and x.grad = 52."""
    if not x.dtype.is_floating_point:
        x = x.float()
    leaf = x.detach().clone().requires_grad_(True)
    w = 2 * leaf
    y = w * w * w + 3 * w * w + 2 * w + 1  # written as in the course
    z = torch.sum(y)
    z.backward()
    with torch.no_grad():
        dy_dw = 3 * w * w + 6 * w + 2
        by_hand = 1 * dy_dw * 2  # dz/dy · dy/dw · dw/dx
    grad = leaf.grad.detach().cpu()
    hand = by_hand.detach().cpu()
    finite = torch.isfinite(grad) & torch.isfinite(hand)
    difference = (grad - hand).abs()[finite]
    return AutogradChain(
        x=leaf.detach().cpu(),
        w=w.detach().cpu(),
        y=y.detach().cpu(),
        z=z.item(),
        z_printed=str(z),
        grad=grad,
        dy_dw=dy_dw.detach().cpu(),
        by_hand=hand,
        grad_fns={name: type(t.grad_fn).__name__ for name, t in (("w", w), ("y", y), ("z", z))},
        max_difference=difference.max().item() if difference.numel() else 0.0,
        matches=bool(torch.allclose(grad, hand, rtol=1e-5, atol=1e-6, equal_nan=True)),
    )


def autograd_from_text(
    text: str,
    *,
    dtype: str = "float32",
    device: str | torch.device = "cpu",
    settings: Settings | None = None,
) -> AutogradChain:
    """Parse x as typed (a float dtype) and run the course's chain on it."""
    if dtype not in ("float32", "float64"):
        raise InputError("tensors.grad_needs_float_x", field="x", dtype=dtype)
    made = tensor_from_text(text, dtype=dtype, device=device, field="x", settings=settings)
    return autograd_chain(made.tensor)
