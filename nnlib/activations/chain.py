"""Vanishing gradients: the derivative of a chain of n activations, measured with autograd."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from nnlib.activations.record import Params
from nnlib.activations.registry import get_activation
from nnlib.core.errors import InputError
from nnlib.core.settings import get_settings


@dataclass(frozen=True)
class ChainGradients:
    """``h_0 = x0``, ``h_k = f(w * h_{k-1} + b)``; ``dh_n/dx0`` for n = 1..depth."""

    name: str
    x0: float
    weight: float
    bias: float
    depths: list[int]
    outputs: list[float]  # h_n
    gradients: list[float]  # dh_n / dx0 from autograd
    slope_products: list[float]  # prod_k w * f'(w h_{k-1} + b), from the closed-form derivative


def chain_gradients(
    name: str,
    depth: int,
    x0: float = 0.5,
    weight: float = 1.0,
    bias: float = 0.0,
    params: Params | None = None,
) -> ChainGradients:
    """The derivative of a chain of ``depth`` activations, by autograd, in float64.

    With ``weight=1, bias=0`` it is the pure composition f(f(...f(x0))); other
    values put a one-unit linear layer ``w h + b`` before every activation.
    """
    record = get_activation(name)
    if record.along_dim:
        raise InputError("activations.not_elementwise", name=record.name)
    limit = get_settings().max_layers
    if not 1 <= int(depth) <= limit:
        raise InputError("activations.bad_depth", field="depth", depth=depth, limit=limit)
    for label, value in (("x0", x0), ("weight", weight), ("bias", bias)):
        if not math.isfinite(value):
            raise InputError("activations.not_finite", field=label, label=label, value=value)
    values = record.resolve(params)
    module = record.build(values)
    start = torch.tensor(float(x0), dtype=torch.float64, requires_grad=True)
    hidden = start
    outputs, gradients, products = [], [], []
    product = torch.tensor(1.0, dtype=torch.float64)
    for _ in range(int(depth)):
        pre = weight * hidden + bias
        product = product * weight * record.slope(pre.detach(), values)
        hidden = module(pre)
        (grad,) = torch.autograd.grad(hidden, start, retain_graph=True)
        outputs.append(float(hidden.detach()))
        gradients.append(float(grad))
        products.append(float(product))
    return ChainGradients(
        name=record.name,
        x0=float(x0),
        weight=float(weight),
        bias=float(bias),
        depths=list(range(1, int(depth) + 1)),
        outputs=outputs,
        gradients=gradients,
        slope_products=products,
    )
