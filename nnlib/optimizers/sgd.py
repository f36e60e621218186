"""Plain SGD: a step of the learning rate against the gradient."""

from __future__ import annotations

from collections.abc import Mapping

import torch

from nnlib.optimizers.formulas import State, StepNumbers, Substitution, Vector
from nnlib.optimizers.record import Optimizer


def sgd_step(theta: Vector, grad: Vector, state: State, t: int, values: Mapping[str, float]) -> tuple[Vector, State]:
    lr = values["lr"]
    return (theta[0] - lr * grad[0], theta[1] - lr * grad[1]), {}


def sgd_numbers(x: StepNumbers) -> list[Substitution]:
    return [x.update(rf"\eta\, g_{{{x.t}}}", rf"{x.n(x.values['lr'])} \cdot {x.vec(x.grad)}")]


SGD = Optimizer(
    key="sgd",
    label="SGD",
    torch_class=torch.optim.SGD,
    manual_step=sgd_step,
    numbers=sgd_numbers,
    formulas=(r"\theta_t = \theta_{t-1} - \eta\, g_t",),
    course_formulas=(r"\theta_{t+1} = \theta_t + \alpha \vec{\nabla} L(\theta_t, x_i, y_i)",),
    color="#e03131",
    summary_formula=r"w \leftarrow w - \eta \, \nabla_w L",
    supports_fused=True,
)
