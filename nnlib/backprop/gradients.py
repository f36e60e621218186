"""Gradients of the course's two-layer network: by the chain rule in matrix form, and by autograd.

By hand (course text 003, «Backpropagation. Математический аспект»)::

    dL/dy_hat = 2 (y_hat - y)            (times 1/N when the loss is the mean)
    dL/dW2    = T^T . dL/dy_hat
    dL/dT     = dL/dy_hat (outer) W2     (row i is 2 (T_i W2 - y_i) W2, as the course writes)
    dL/dW1    = X^T . dL/dT

With an activation between the layers, Z = X W1 and T = act(Z); the gradient passes it as
dL/dZ = dL/dT * act'(Z) and dL/dW1 = X^T . dL/dZ. The activation and its slope come from
:mod:`nnlib.activations`, the one registry of activations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from nnlib.activations import get_activation
from nnlib.backprop.network import Network
from nnlib.core import messages


@dataclass(frozen=True)
class Hidden:
    """What sits between the two linear layers: an activation of :mod:`nnlib.activations` by
    name, or none (``activation=None``: T is X · W1 itself), and how the page shows it."""

    key: str
    activation: str | None  # a name in nnlib.activations.ACTIVATIONS
    latex: str
    t_formula: str = ""  # LaTeX of T from Z, e.g. ReLU(Z) = max(0, Z)
    t_numbers: Callable[[str], str] = str  # the same with Z's numbers (LaTeX) filled in
    slope_formula: str = ""  # LaTeX of act'(Z) in dL/dZ = dL/dT ⊙ act'(Z)

    @property
    def label(self) -> str:
        """The page's tab (``backprop.hidden_<key>_label``), in the student's language."""
        return messages.word(f"backprop.hidden_{self.key}_label")

    @property
    def note(self) -> str:
        """What the tab shows, in the course's words (``backprop.hidden_<key>_note``)."""
        return messages.word(f"backprop.hidden_{self.key}_note")

    def apply(self, z: torch.Tensor) -> torch.Tensor:
        if self.activation is None:
            return z
        return get_activation(self.activation).build()(z)

    def derivative(self, z: torch.Tensor) -> torch.Tensor:
        """d act(Z) / dZ, element-wise (ones without an activation)."""
        if self.activation is None:
            return torch.ones_like(z)
        return get_activation(self.activation).slope(z)


HIDDEN: dict[str, Hidden] = {
    hidden.key: hidden
    for hidden in (
        Hidden("none", None, r"T = X \cdot W_1"),
        Hidden(
            "relu", "ReLU", r"Z = X \cdot W_1,\quad T = \mathrm{ReLU}(Z) = \max(0, Z)",
            t_formula=r"\mathrm{ReLU}(Z) = \max(0, Z)",
            t_numbers=lambda z: rf"\max\left(0, {z}\right)",
            slope_formula=r"\mathbf{1}[Z > 0]",
        ),
    )
}


@dataclass(frozen=True)
class Reduction:
    """How the squared errors become one number; ``scale(N)`` multiplies dL/dy_hat."""

    key: str
    latex: str
    scale: Callable[[int], float]
    torch_name: str

    @property
    def label(self) -> str:
        """The page's choice (``backprop.reduction_<key>``), in the student's language."""
        return messages.word(f"backprop.reduction_{self.key}")


REDUCTIONS: dict[str, Reduction] = {
    # The course's formula: a plain sum of squared errors.
    "sum": Reduction(
        "sum", r"L = \sum_{i=1}^{N} (\hat{y}_i - y_i)^2", lambda n: 1.0, "sum",
    ),
    # torch.nn.MSELoss() by default: the mean.
    "mean": Reduction(
        "mean", r"L = \frac{1}{N}\sum_{i=1}^{N} (\hat{y}_i - y_i)^2", lambda n: 1.0 / n, "mean",
    ),
}


@dataclass(frozen=True)
class Gradients:
    """Forward values and gradients of one network. ``z`` equals ``t`` without an activation."""

    z: torch.Tensor
    t: torch.Tensor
    y_hat: torch.Tensor
    loss: float
    d_y_hat: torch.Tensor
    d_w2: torch.Tensor
    d_t: torch.Tensor
    d_z: torch.Tensor
    d_w1: torch.Tensor


def by_hand(net: Network, hidden: str = "none", reduction: str = "sum") -> Gradients:
    """The chain rule in matrix form, no autograd anywhere."""
    act, red = HIDDEN[hidden], REDUCTIONS[reduction]
    with torch.no_grad():
        z = net.x @ net.w1
        t = act.apply(z)
        y_hat = t @ net.w2
        error = y_hat - net.y
        scale = red.scale(net.x.shape[0])
        loss = float(scale * (error**2).sum())
        d_y_hat = 2 * scale * error
        d_w2 = t.T @ d_y_hat
        d_t = torch.outer(d_y_hat, net.w2)
        d_z = d_t * act.derivative(z)
        d_w1 = net.x.T @ d_z
    return Gradients(z, t, y_hat, loss, d_y_hat, d_w2, d_t, d_z, d_w1)


def by_autograd(net: Network, hidden: str = "none", reduction: str = "sum") -> Gradients:
    """The same numbers from ``loss.backward()``; intermediate gradients via ``retain_grad``."""
    act, red = HIDDEN[hidden], REDUCTIONS[reduction]
    w1 = net.w1.clone().requires_grad_(True)
    w2 = net.w2.clone().requires_grad_(True)
    z = net.x @ w1
    z.retain_grad()
    t = act.apply(z)
    if t is z:
        t = z.view_as(z)  # a separate node, so dL/dT is kept even without an activation
    t.retain_grad()
    y_hat = t @ w2
    y_hat.retain_grad()
    loss = nn.functional.mse_loss(y_hat, net.y, reduction=red.torch_name)
    loss.backward()
    return Gradients(
        z.detach(), t.detach(), y_hat.detach(), float(loss.detach()),
        y_hat.grad, w2.grad, t.grad, z.grad, w1.grad,
    )


GRADIENT_FIELDS = ("d_y_hat", "d_w2", "d_t", "d_z", "d_w1")


def max_difference(a: Gradients, b: Gradients) -> float:
    """The largest absolute difference over every gradient and the loss."""
    gaps = [float((getattr(a, name) - getattr(b, name)).abs().max()) for name in GRADIENT_FIELDS]
    return max([abs(a.loss - b.loss), *gaps])
