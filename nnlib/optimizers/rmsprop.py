"""RMSProp: each coordinate's step shrinks with a decaying average of its squared gradients."""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch

from nnlib.optimizers.formulas import State, StepNumbers, Substitution, Vector, vector, zeros
from nnlib.optimizers.record import Hyperparameter, Optimizer


def rmsprop_step(
    theta: Vector, grad: Vector, state: State, t: int, values: Mapping[str, float]
) -> tuple[Vector, State]:
    lr, alpha, eps = values["lr"], values["alpha"], values["eps"]
    previous = state.get("v", zeros())
    average = [alpha * s + (1 - alpha) * g * g for s, g in zip(previous, grad, strict=True)]
    theta_next = [p - lr * g / (math.sqrt(s) + eps) for p, g, s in zip(theta, grad, average, strict=True)]
    return vector(theta_next), {"v": vector(average)}


def rmsprop_numbers(x: StepNumbers) -> list[Substitution]:
    t, a = x.t, x.values["alpha"]
    g = x.vec(x.grad)
    return [
        Substitution(
            rf"v_{{{t}}}",
            rf"\alpha\, v_{{{t - 1}}} + (1 - \alpha)\, g_{{{t}}} \odot g_{{{t}}}",
            rf"{x.n(a)} \cdot {x.prev('v')} + {x.n(1 - a)} \cdot {g} \odot {g}",
            x.now("v"),
        ),
        x.update(
            rf"\frac{{\eta}}{{\sqrt{{v_{{{t}}}}} + \epsilon}} \odot g_{{{t}}}",
            rf"\frac{{{x.n(x.values['lr'])}}}{{\sqrt{{{x.now('v')}}} + {x.n(x.values['eps'])}}} \odot {g}",
        ),
    ]


RMSPROP = Optimizer(
    key="rmsprop",
    label="RMSProp",
    torch_class=torch.optim.RMSprop,
    manual_step=rmsprop_step,
    numbers=rmsprop_numbers,
    formulas=(
        r"v_t = \alpha\, v_{t-1} + (1 - \alpha)\, g_t \odot g_t,\quad v_0 = 0",
        r"\theta_t = \theta_{t-1} - \frac{\eta}{\sqrt{v_t} + \epsilon} \odot g_t",
    ),
    course_formulas=(
        r"G_t = \mu G_{t-1} + (1 - \mu) \vec{\nabla} L(\theta_t) \odot \vec{\nabla} L(\theta_t)",
        r"\theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{G_t + \epsilon}} \odot \vec{\nabla} L(\theta_t)",
    ),
    color="#1971c2",
    hyperparameters=(
        # The Optimizers page's address has called it rms_alpha since before the registry.
        Hyperparameter("alpha", default=0.99, minimum=0.0, maximum=0.9999, step=0.01, label="α (RMSProp decay)",
                       symbol=r"\alpha", number_format="%g", url_key="rms_alpha",
                       code="optimizers.rmsprop.race_alpha"),
    ),
    constants={"eps": 1e-8},
    state_symbols={"square_avg": "v"},
    summary_formula=r"E \leftarrow \alpha E + (1-\alpha)(\nabla_w L)^2,\quad "
    r"w \leftarrow w - \eta \frac{\nabla_w L}{\sqrt{E} + \varepsilon}",
    # torch has no fused RMSprop.
    supports_fused=False,
    training_hyperparameters=(
        Hyperparameter("alpha", default=0.99, minimum=0.0, maximum=0.999, step=0.01, label="α (smoothing)",
                       help="Decay of the running mean of squared gradients.",
                       code="optimizers.rmsprop.training_alpha"),
    ),
)
