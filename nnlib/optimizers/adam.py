"""Adam: momentum on the gradient and RMSProp's scaling, both bias-corrected for their zero start."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch

from nnlib.optimizers.formulas import State, StepNumbers, Substitution, Vector, vector, zeros
from nnlib.optimizers.record import Hyperparameter, Optimizer


def adam_step(theta: Vector, grad: Vector, state: State, t: int, values: Mapping[str, float]) -> tuple[Vector, State]:
    lr, b1, b2, eps = values["lr"], values["beta1"], values["beta2"], values["eps"]
    m_prev, v_prev = state.get("m", zeros()), state.get("v", zeros())
    m = [b1 * a + (1 - b1) * g for a, g in zip(m_prev, grad, strict=True)]
    v = [b2 * a + (1 - b2) * g * g for a, g in zip(v_prev, grad, strict=True)]
    m_hat = [a / (1 - b1**t) for a in m]
    v_hat = [a / (1 - b2**t) for a in v]
    theta_next = [p - lr * a / (math.sqrt(s) + eps) for p, a, s in zip(theta, m_hat, v_hat, strict=True)]
    return vector(theta_next), {"m": vector(m), "v": vector(v), "m_hat": vector(m_hat), "v_hat": vector(v_hat)}


def adam_bias_corrected(state: State, t: int, values: Mapping[str, float]) -> tuple[Vector, Vector]:
    """m-hat and v-hat from torch's raw moments after step ``t``."""
    m_hat = vector([m / (1 - values["beta1"] ** t) for m in state["m"]])
    v_hat = vector([v / (1 - values["beta2"] ** t) for v in state["v"]])
    return m_hat, v_hat


def adam_numbers(x: StepNumbers) -> list[Substitution]:
    t, b1, b2 = x.t, x.values["beta1"], x.values["beta2"]
    g = x.vec(x.grad)
    m_hat, v_hat = adam_bias_corrected(x.state, t, x.values)
    return [
        Substitution(
            rf"m_{{{t}}}",
            rf"\beta_1 m_{{{t - 1}}} + (1 - \beta_1)\, g_{{{t}}}",
            rf"{x.n(b1)} \cdot {x.prev('m')} + {x.n(1 - b1)} \cdot {g}",
            x.now("m"),
        ),
        Substitution(
            rf"v_{{{t}}}",
            rf"\beta_2 v_{{{t - 1}}} + (1 - \beta_2)\, g_{{{t}}} \odot g_{{{t}}}",
            rf"{x.n(b2)} \cdot {x.prev('v')} + {x.n(1 - b2)} \cdot {g} \odot {g}",
            x.now("v"),
        ),
        Substitution(
            rf"\hat m_{{{t}}}",
            rf"\frac{{m_{{{t}}}}}{{1 - \beta_1^{{{t}}}}}",
            rf"\frac{{{x.now('m')}}}{{1 - {x.n(b1)}^{{{t}}}}}",
            x.vec(m_hat),
        ),
        Substitution(
            rf"\hat v_{{{t}}}",
            rf"\frac{{v_{{{t}}}}}{{1 - \beta_2^{{{t}}}}}",
            rf"\frac{{{x.now('v')}}}{{1 - {x.n(b2)}^{{{t}}}}}",
            x.vec(v_hat),
        ),
        x.update(
            rf"\frac{{\eta}}{{\sqrt{{\hat v_{{{t}}}}} + \epsilon}} \odot \hat m_{{{t}}}",
            rf"\frac{{{x.n(x.values['lr'])}}}{{\sqrt{{{x.vec(v_hat)}}} + {x.n(x.values['eps'])}}} \odot {x.vec(m_hat)}",
        ),
    ]


def adam_arguments(values: Mapping[str, float]) -> dict[str, Any]:
    return {"betas": (values["beta1"], values["beta2"])}


ADAM = Optimizer(
    key="adam",
    label="Adam",
    torch_class=torch.optim.Adam,
    manual_step=adam_step,
    numbers=adam_numbers,
    formulas=(
        r"m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t,\quad m_0 = 0",
        r"v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t \odot g_t,\quad v_0 = 0",
        r"\hat m_t = \frac{m_t}{1 - \beta_1^t},\quad \hat v_t = \frac{v_t}{1 - \beta_2^t}",
        r"\theta_t = \theta_{t-1} - \frac{\eta}{\sqrt{\hat v_t} + \epsilon} \odot \hat m_t",
    ),
    course_formulas=(
        r"v_{t+1} = \beta_1 v_t + (1 - \beta_1) \vec{\nabla} L(\theta_t)",
        r"g_t = \mu g_{t-1} + (1 - \mu) \nabla L(\theta_t) \odot \nabla L(\theta_t)",
        r"\theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{g_t + \epsilon}} \odot v_{t+1}",
    ),
    color="#9c36b5",
    hyperparameters=(
        Hyperparameter("beta1", default=0.9, minimum=0.0, maximum=0.999, step=0.01, label="β₁ (Adam)",
                       symbol=r"\beta_1", code="optimizers.adam.race_beta1"),
        Hyperparameter("beta2", default=0.999, minimum=0.0, maximum=0.9999, step=0.001, label="β₂ (Adam)",
                       symbol=r"\beta_2", number_format="%g", code="optimizers.adam.race_beta2"),
    ),
    torch_arguments=adam_arguments,
    constants={"eps": 1e-8},
    state_symbols={"exp_avg": "m", "exp_avg_sq": "v"},
    summary_formula=r"m \leftarrow \beta_1 m + (1-\beta_1) g,\ v \leftarrow \beta_2 v + (1-\beta_2) g^2,\ "
    r"w \leftarrow w - \eta \frac{m / (1-\beta_1^t)}{\sqrt{v / (1-\beta_2^t)} + \varepsilon}",
    supports_fused=True,
    training_hyperparameters=(
        # The Training page's address calls it betas (it sets β₁; β₂ stays torch's 0.999).
        Hyperparameter("beta1", default=0.9, minimum=0.0, maximum=0.999, step=0.01, label="β₁ (first moment)",
                       help="Decay of the running mean of gradients.", url_key="betas",
                       code="optimizers.adam.training_beta1"),
    ),
)
