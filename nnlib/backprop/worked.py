"""The worked lines of the page: each step of the forward and backward pass as a LaTeX formula,
with the network's numbers substituted, next to where autograd keeps the same number."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from nnlib.backprop.gradients import HIDDEN, REDUCTIONS, Gradients
from nnlib.backprop.network import Network
from nnlib.core.formatting import latex_matrix


@dataclass(frozen=True)
class WorkedLine:
    """``lhs = symbolic = numbers = result``; ``field`` names the Gradients field the result is."""

    field: str
    lhs: str
    symbolic: str
    numbers: str
    result: torch.Tensor
    autograd_label: str  # where autograd keeps the same number

    def latex(self, decimals: int = 4, with_numbers: bool = True) -> str:
        rows = [rf"{self.lhs} &= {self.symbolic}"]
        if with_numbers:
            rows.append(rf"&= {self.numbers}")
        rows.append(rf"&= {latex_matrix(self.result, decimals)}")
        return r"\begin{aligned} " + r" \\ ".join(rows) + r" \end{aligned}"


def forward_lines(net: Network, grads: Gradients, hidden: str = "none", decimals: int = 4) -> list[WorkedLine]:
    """The forward pass, step by step, with the network's numbers."""
    m = lambda t: latex_matrix(t, decimals, trim=True)  # noqa: E731
    act = HIDDEN[hidden]
    lines = []
    if act.activation is None:
        lines.append(WorkedLine("t", "T", r"X \cdot W_1", rf"{m(net.x)} \cdot {m(net.w1)}", grads.t, "T"))
    else:
        lines.append(WorkedLine("z", "Z", r"X \cdot W_1", rf"{m(net.x)} \cdot {m(net.w1)}", grads.z, "Z"))
        lines.append(WorkedLine("t", "T", act.t_formula, act.t_numbers(m(grads.z)), grads.t, "T"))
    lines.append(WorkedLine("y_hat", r"\hat{y}", r"T \cdot W_2", rf"{m(grads.t)} \cdot {m(net.w2)}", grads.y_hat, "y_hat"))
    return lines


def backward_lines(
    net: Network, grads: Gradients, hidden: str = "none", reduction: str = "sum", decimals: int = 4
) -> list[WorkedLine]:
    """The backward pass by hand: each gradient as a matrix formula with the numbers substituted."""
    m = lambda t: latex_matrix(t, decimals, trim=True)  # noqa: E731
    n = net.x.shape[0]
    scale = REDUCTIONS[reduction].scale(n)
    factor, factor_symbol = ("2", "2") if scale == 1 else (rf"\frac{{2}}{{{n}}}", r"\frac{2}{N}")
    lines = [
        WorkedLine(
            "d_y_hat", r"\frac{\partial L}{\partial \hat{y}}", rf"{factor_symbol}\,(\hat{{y}} - y)",
            rf"{factor} \left({m(grads.y_hat)} - {m(net.y)}\right)", grads.d_y_hat, r"y_hat.grad",
        ),
        WorkedLine(
            "d_w2", r"\frac{\partial L}{\partial W_2}", r"T^\top \cdot \frac{\partial L}{\partial \hat{y}}",
            rf"{m(grads.t)}^\top \cdot {m(grads.d_y_hat)}", grads.d_w2, "W2.grad",
        ),
        WorkedLine(
            "d_t", r"\frac{\partial L}{\partial T}", r"\frac{\partial L}{\partial \hat{y}} \cdot W_2^\top",
            rf"{m(grads.d_y_hat)} \cdot {m(net.w2)}^\top", grads.d_t, "T.grad",
        ),
    ]
    act = HIDDEN[hidden]
    if act.activation is None:
        lines.append(
            WorkedLine(
                "d_w1", r"\frac{\partial L}{\partial W_1}", r"X^\top \cdot \frac{\partial L}{\partial T}",
                rf"{m(net.x)}^\top \cdot {m(grads.d_t)}", grads.d_w1, "W1.grad",
            )
        )
    else:
        mask = act.derivative(grads.z)
        lines.append(
            WorkedLine(
                "d_z", r"\frac{\partial L}{\partial Z}", rf"\frac{{\partial L}}{{\partial T}} \odot {act.slope_formula}",
                rf"{m(grads.d_t)} \odot {latex_matrix(mask, 0)}", grads.d_z, "Z.grad",
            )
        )
        lines.append(
            WorkedLine(
                "d_w1", r"\frac{\partial L}{\partial W_1}", r"X^\top \cdot \frac{\partial L}{\partial Z}",
                rf"{m(net.x)}^\top \cdot {m(grads.d_z)}", grads.d_w1, "W1.grad",
            )
        )
    return lines
