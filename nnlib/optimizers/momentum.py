"""SGD with momentum: a running sum of gradients, decayed by mu, sets the step."""

from __future__ import annotations

from collections.abc import Mapping

import torch

from nnlib.optimizers.formulas import State, StepNumbers, Substitution, Vector, vector, zeros
from nnlib.optimizers.record import Hyperparameter, Optimizer


def momentum_step(
    theta: Vector, grad: Vector, state: State, t: int, values: Mapping[str, float]
) -> tuple[Vector, State]:
    lr, mu = values["lr"], values["momentum"]
    # torch starts the buffer with the first gradient itself, the same as mu * 0 + g_1.
    previous = state.get("b", zeros())
    buffer = [mu * b + g for b, g in zip(previous, grad, strict=True)]
    theta_next = [p - lr * b for p, b in zip(theta, buffer, strict=True)]
    return vector(theta_next), {"b": vector(buffer)}


def momentum_numbers(x: StepNumbers) -> list[Substitution]:
    t = x.t
    return [
        Substitution(
            rf"b_{{{t}}}",
            rf"\mu\, b_{{{t - 1}}} + g_{{{t}}}",
            rf"{x.n(x.values['momentum'])} \cdot {x.prev('b')} + {x.vec(x.grad)}",
            x.now("b"),
        ),
        x.update(rf"\eta\, b_{{{t}}}", rf"{x.n(x.values['lr'])} \cdot {x.now('b')}"),
    ]


MOMENTUM = Optimizer(
    key="momentum",
    label="Momentum",
    torch_class=torch.optim.SGD,
    manual_step=momentum_step,
    numbers=momentum_numbers,
    formulas=(r"b_t = \mu\, b_{t-1} + g_t,\quad b_0 = 0", r"\theta_t = \theta_{t-1} - \eta\, b_t"),
    course_formulas=(r"v_{t+1} = \mu v_t - \eta \vec{\nabla} L(\theta_t)", r"\theta_{t+1} = \theta_t + v_{t+1}"),
    color="#f08c00",
    # Momentum 0 is plain SGD (torch then keeps no buffer to show), so the race starts above 0.
    hyperparameters=(
        Hyperparameter("momentum", default=0.9, minimum=0.0, minimum_inclusive=False, maximum=0.999, step=0.01,
                       label="μ (Momentum)", symbol=r"\mu", code="optimizers.momentum.race_momentum"),
    ),
    state_symbols={"momentum_buffer": "b"},
    summary_formula=r"v \leftarrow \mu v + \nabla_w L,\quad w \leftarrow w - \eta v",
    supports_fused=True,
    training_hyperparameters=(
        Hyperparameter("momentum", default=0.9, minimum=0.0, maximum=0.999, step=0.01, label="Momentum μ",
                       help="How much of the last step carries into the next.",
                       code="optimizers.momentum.training_momentum"),
    ),
)
