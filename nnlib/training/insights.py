"""What a training run looks like from the inside: gradient norms per layer and dead ReLU units.

Pure functions over a ``torch.nn.Sequential`` and a batch; none of them changes the model's
weights, its ``.grad`` fields or its train/eval mode. A training page can call them every few
batches and chart the results: a norm falling towards zero layer by layer means vanishing
gradients, one growing without bound means exploding gradients; a ReLU unit whose output is 0
for every sample of a batch passes no gradient and is "dead" for that batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class LayerGradNorm:
    index: int  # position in the Sequential
    name: str  # e.g. "Linear(4→16)"
    norm: float  # Euclidean (Frobenius) norm of the weight's gradient


@dataclass(frozen=True)
class DeadUnits:
    index: int  # position of the ReLU in the Sequential
    dead: int  # units that are 0 for every sample
    total: int  # units in the layer's output (per sample)

    @property
    def share(self) -> float:
        return self.dead / self.total if self.total else 0.0


def _linear_layers(model: nn.Sequential) -> list[tuple[int, nn.Linear]]:
    return [(index, layer) for index, layer in enumerate(model) if isinstance(layer, nn.Linear)]


def _linear_name(layer: nn.Linear) -> str:
    return f"Linear({layer.in_features}→{layer.out_features})"


def weight_grad_norms(model: nn.Sequential) -> list[LayerGradNorm]:
    """||W.grad|| for every Linear layer, read from the ``.grad`` a ``backward()`` left.

    Cheap enough to call after every batch in a training loop, before ``zero_grad()``.
    A layer whose weight has no gradient yet reports 0.
    """
    norms = []
    for index, layer in _linear_layers(model):
        grad = layer.weight.grad
        norm = float(torch.linalg.vector_norm(grad.detach())) if grad is not None else 0.0
        norms.append(LayerGradNorm(index, _linear_name(layer), norm))
    return norms


def batch_grad_norms(
    model: nn.Sequential,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
) -> list[LayerGradNorm]:
    """||dL/dW|| for every Linear layer on this batch, without touching ``.grad``.

    Uses ``torch.autograd.grad``, so the model's accumulated gradients stay as they were.
    The model runs in its current mode (train or eval), as a training step would.
    """
    layers = _linear_layers(model)
    if not layers:
        return []
    loss = loss_fn(model(inputs), targets)
    weights = [layer.weight for _, layer in layers]
    grads = torch.autograd.grad(loss, weights, allow_unused=True)
    return [
        LayerGradNorm(index, _linear_name(layer), float(torch.linalg.vector_norm(grad)) if grad is not None else 0.0)
        for (index, layer), grad in zip(layers, grads, strict=True)
    ]


def dead_relu_units(model: nn.Sequential, inputs: torch.Tensor) -> list[DeadUnits]:
    """For every ``nn.ReLU`` in the model: how many of its units output 0 for every sample.

    The batch runs in eval mode (so Dropout does not zero units at random) and without a
    graph; every module's own train/eval flag is put back afterwards. Units are all the
    output positions of one sample (features of a Linear layer, or channel x position).
    """
    relus = [(index, layer) for index, layer in enumerate(model) if isinstance(layer, nn.ReLU)]
    if not relus:
        return []
    outputs: dict[int, torch.Tensor] = {}
    handles = [
        layer.register_forward_hook(lambda _module, _args, output, index=index: outputs.__setitem__(index, output))
        for index, layer in relus
    ]
    modes = {module: module.training for module in model.modules()}
    try:
        model.eval()
        with torch.no_grad():
            model(inputs)
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes.items():
            module.training = training
    result = []
    for index, _ in relus:
        output = outputs[index]
        per_unit = output.reshape(1, -1) if output.dim() == 1 else output.reshape(output.shape[0], -1)
        alive = (per_unit != 0).any(dim=0)
        result.append(DeadUnits(index, int((~alive).sum()), int(per_unit.shape[1])))
    return result


def dead_relu_share(model: nn.Sequential, inputs: torch.Tensor) -> float:
    """The share of dead units over all ReLU layers together (0 when there is no ReLU)."""
    layers = dead_relu_units(model, inputs)
    total = sum(layer.total for layer in layers)
    return sum(layer.dead for layer in layers) / total if total else 0.0


def confusion_matrix(predicted: torch.Tensor, true: torch.Tensor, n_classes: int) -> torch.Tensor:
    """counts[i, j] = how many samples of true class i were predicted as class j."""
    index = true.to(torch.int64) * n_classes + predicted.to(torch.int64)
    return torch.bincount(index, minlength=n_classes * n_classes).reshape(n_classes, n_classes)
