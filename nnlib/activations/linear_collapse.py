"""Why a network needs nonlinearity: stacked linear layers multiply out into one.

Linear layers use the course's row-vector form ``y = x W + b`` with ``W`` of shape
``(inputs, outputs)``; PyTorch's ``nn.Linear`` stores the transpose, ``weight = W.T``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from nnlib.activations.inputs import as_float
from nnlib.activations.record import Params
from nnlib.activations.registry import get_activation
from nnlib.core.errors import InputError
from nnlib.core.settings import get_settings


@dataclass(frozen=True)
class LinearStack:
    """Linear layers in row-vector form: layer k maps ``h -> h @ weights[k] + biases[k]``."""

    weights: tuple[Tensor, ...]  # shape (inputs, outputs)
    biases: tuple[Tensor, ...]  # shape (outputs,)

    @property
    def sizes(self) -> list[int]:
        return [self.weights[0].shape[0], *(w.shape[1] for w in self.weights)]


def _check_sizes(sizes: Sequence[int]) -> None:
    settings = get_settings()
    if not 2 <= len(sizes) <= settings.max_layers + 1:
        raise InputError(
            "activations.bad_layer_count", count=len(sizes), limit=settings.max_layers,
            size_limit=settings.max_layers + 1,
        )
    for size in sizes:
        if not 1 <= int(size) <= settings.max_units:
            raise InputError("activations.bad_size", size=size, limit=settings.max_units)


def random_stack(sizes: Sequence[int], seed: int = 0, bias: bool = True) -> LinearStack:
    """Linear layers with PyTorch's default initialisation (uniform in ±1/sqrt(inputs)),
    drawn from their own generator so the global random state is untouched."""
    _check_sizes(sizes)
    generator = torch.Generator().manual_seed(int(seed))
    weights, biases = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        bound = 1 / math.sqrt(fan_in)
        weights.append((torch.rand(fan_in, fan_out, generator=generator) * 2 - 1) * bound)
        b = (torch.rand(fan_out, generator=generator) * 2 - 1) * bound
        biases.append(b if bias else torch.zeros(fan_out))
    return LinearStack(tuple(weights), tuple(biases))


def linear_stack(weights: Sequence[Tensor], biases: Sequence[Tensor | None] | None = None) -> LinearStack:
    """Layers from typed matrices, checking that each one's outputs fit the next one's inputs."""
    if not weights:
        raise InputError("activations.no_weights")
    biases = list(biases) if biases is not None else [None] * len(weights)
    if len(biases) != len(weights):
        raise InputError("activations.bias_count", weights=len(weights), biases=len(biases))
    checked_w: list[Tensor] = []
    checked_b: list[Tensor] = []
    for k, (w, b) in enumerate(zip(weights, biases, strict=True), start=1):
        w = as_float(w)[0]
        if w.dim() == 1:
            w = w.reshape(-1, 1)  # a single column typed flat
        if w.dim() != 2:
            raise InputError("activations.not_a_matrix", field=f"W{k}", layer=k, shape=tuple(w.shape))
        if checked_w and checked_w[-1].shape[1] != w.shape[0]:
            raise InputError(
                "activations.weights_mismatch", field=f"W{k}", layer=k, previous_layer=k - 1,
                outputs=checked_w[-1].shape[1], inputs=w.shape[0],
                previous=tuple(checked_w[-1].shape), shape=tuple(w.shape),
            )
        if b is None:
            b = torch.zeros(w.shape[1])
        b = as_float(b)[0]
        if b.dim() == 0 or (b.dim() == 2 and b.shape[0] == 1):
            b = b.reshape(-1)  # a single number, or a row typed as [[...]]
        if b.dim() != 1 or b.shape[0] != w.shape[1]:
            raise InputError(
                "activations.bias_mismatch", field=f"b{k}", layer=k, expected=w.shape[1], shape=tuple(b.shape)
            )
        checked_w.append(w)
        checked_b.append(b.to(w.dtype))
    _check_sizes([checked_w[0].shape[0], *(w.shape[1] for w in checked_w)])
    return LinearStack(tuple(checked_w), tuple(checked_b))


def collapse(stack: LinearStack) -> tuple[Tensor, Tensor]:
    """The one layer the stack equals: ``W = W1 W2 W3``, ``b = b1 W2 W3 + b2 W3 + b3``."""
    weight = stack.weights[0]
    bias = stack.biases[0]
    for w, b in zip(stack.weights[1:], stack.biases[1:], strict=True):
        weight = weight @ w
        bias = bias @ w + b
    return weight, bias


def to_sequential(
    stack: LinearStack, activation: str | None = None, params: Params | None = None
) -> nn.Sequential:
    """The stack as PyTorch layers (``nn.Linear`` stores ``W.T``), with ``activation`` between
    every two of them if given."""
    layers: list[nn.Module] = []
    for k, (w, b) in enumerate(zip(stack.weights, stack.biases, strict=True)):
        if k and activation is not None:
            layers.append(get_activation(activation).build(params, dim=-1))
        linear = nn.Linear(w.shape[0], w.shape[1], dtype=w.dtype)
        with torch.no_grad():
            linear.weight.copy_(w.T)
            linear.bias.copy_(b)
        layers.append(linear)
    return nn.Sequential(*layers)


@dataclass(frozen=True)
class CollapseDemo:
    x: Tensor
    weight: Tensor  # the collapsed W
    bias: Tensor  # the collapsed b
    stack_output: Tensor  # the layers one after another (nn.Sequential)
    collapsed_output: Tensor  # x @ W + b
    max_abs_diff: float
    activation: str | None
    model_text: str  # print(model) of the stack with the activation
    nonlinear_output: Tensor | None  # the stack with the activation between the layers
    nonlinear_diff: float | None  # max |nonlinear_output - collapsed_output|


def collapse_demo(
    x: Tensor, stack: LinearStack, activation: str | None = None, params: Params | None = None
) -> CollapseDemo:
    """Run ``x`` through the stack, through its one-matrix collapse, and through the stack
    with ``activation`` inserted between the layers; compare."""
    x = as_float(x)[0]
    if x.dim() == 1:
        x = x.reshape(1, -1)
    if x.dim() != 2 or x.shape[1] != stack.sizes[0]:
        raise InputError(
            "activations.inputs_mismatch", field="X", expected_columns=stack.sizes[0], shape=tuple(x.shape)
        )
    x = x.to(stack.weights[0].dtype)
    weight, bias = collapse(stack)
    with torch.no_grad():
        stack_output = to_sequential(stack)(x)
        collapsed_output = x @ weight + bias
        model = to_sequential(stack, activation, params) if activation else None
        nonlinear_output = model(x) if model is not None else None
    diff = float((stack_output - collapsed_output).abs().max())
    nonlinear_diff = (
        float((nonlinear_output - collapsed_output).abs().max()) if nonlinear_output is not None else None
    )
    return CollapseDemo(
        x=x,
        weight=weight,
        bias=bias,
        stack_output=stack_output,
        collapsed_output=collapsed_output,
        max_abs_diff=diff,
        activation=activation,
        model_text=str(model if model is not None else to_sequential(stack)),
        nonlinear_output=nonlinear_output,
        nonlinear_diff=nonlinear_diff,
    )


