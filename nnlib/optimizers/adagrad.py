"""AdaGrad: each coordinate's step shrinks with the sum of its squared gradients so far."""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch

from nnlib.optimizers.formulas import State, StepNumbers, Substitution, Vector, vector, zeros
from nnlib.optimizers.record import Optimizer


def adagrad_step(
    theta: Vector, grad: Vector, state: State, t: int, values: Mapping[str, float]
) -> tuple[Vector, State]:
    lr, eps = values["lr"], values["eps"]
    previous = state.get("G", zeros())
    total = [s + g * g for s, g in zip(previous, grad, strict=True)]
    theta_next = [p - lr * g / (math.sqrt(s) + eps) for p, g, s in zip(theta, grad, total, strict=True)]
    return vector(theta_next), {"G": vector(total)}


def adagrad_numbers(x: StepNumbers) -> list[Substitution]:
    t = x.t
    g = x.vec(x.grad)
    return [
        Substitution(
            rf"G_{{{t}}}", rf"G_{{{t - 1}}} + g_{{{t}}} \odot g_{{{t}}}", rf"{x.prev('G')} + {g} \odot {g}", x.now("G")
        ),
        x.update(
            rf"\frac{{\eta}}{{\sqrt{{G_{{{t}}}}} + \epsilon}} \odot g_{{{t}}}",
            rf"\frac{{{x.n(x.values['lr'])}}}{{\sqrt{{{x.now('G')}}} + {x.n(x.values['eps'])}}} \odot {g}",
        ),
    ]


ADAGRAD = Optimizer(
    key="adagrad",
    label="AdaGrad",
    torch_class=torch.optim.Adagrad,
    manual_step=adagrad_step,
    numbers=adagrad_numbers,
    formulas=(
        r"G_t = G_{t-1} + g_t \odot g_t,\quad G_0 = 0",
        r"\theta_t = \theta_{t-1} - \frac{\eta}{\sqrt{G_t} + \epsilon} \odot g_t",
    ),
    course_formulas=(
        r"G_t = G_{t-1} + \vec{\nabla} L(\theta_t) \odot \vec{\nabla} L(\theta_t)",
        r"\theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{G_t + \epsilon}} \odot \vec{\nabla} L(\theta_t)",
    ),
    color="#2f9e44",
    constants={"eps": 1e-10},
    state_symbols={"sum": "G"},
    summary_formula=r"G \leftarrow G + (\nabla_w L)^2,\quad w \leftarrow w - \eta \frac{\nabla_w L}{\sqrt{G} + \varepsilon}",
    supports_fused=True,
)
