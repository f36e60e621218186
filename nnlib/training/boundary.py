"""What a network trained on 2-D points has learned, drawn over the plane.

:func:`plane_view` runs the model on every point of a grid (:func:`nnlib.data.toy.plane_grid`)
once, in eval mode and without gradients, and keeps two things: each class's probability (the
decision boundary under the points) and, for every hidden unit, its output over the plane (the
small per-neuron maps of TensorFlow Playground). It never changes the model's weights or mode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


@dataclass(frozen=True)
class HiddenLayerMaps:
    layer: int  # index in the Sequential of the activation whose output this is
    name: str  # e.g. "ReLU"
    values: np.ndarray  # (units, grid points)


@dataclass(frozen=True)
class PlaneView:
    probabilities: np.ndarray  # (grid points, classes)
    hidden: tuple[HiddenLayerMaps, ...]

    @property
    def predicted(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)


def _is_activation(module: nn.Module) -> bool:
    return not isinstance(module, nn.Linear | nn.Dropout | nn.BatchNorm1d | nn.Flatten | nn.Identity) and not list(
        module.parameters(recurse=False)
    )


def plane_view(
    model: nn.Sequential, grid: np.ndarray, prepare: Callable[[np.ndarray], torch.Tensor] | None = None
) -> PlaneView:
    """The model's class probabilities and hidden-unit outputs at every grid point.

    ``prepare`` turns raw (x, y) points into the model's inputs exactly as training did (extra
    inputs, standardization with the training split's statistics); by default they go in as they are.
    """
    inputs = prepare(grid) if prepare is not None else torch.as_tensor(grid, dtype=torch.float32)
    parameter = next(model.parameters(), None)
    if parameter is not None:
        inputs = inputs.to(device=parameter.device, dtype=parameter.dtype)
    was_training = model.training
    model.eval()
    hidden: list[HiddenLayerMaps] = []
    try:
        with torch.no_grad():
            out = inputs
            last = len(model) - 1
            for index, layer in enumerate(model):
                out = layer(out)
                if index < last and _is_activation(layer) and out.dim() == 2:
                    hidden.append(HiddenLayerMaps(index, type(layer).__name__, out.T.float().cpu().numpy()))
            logits = out.float()
            if logits.shape[1] == 1:  # one output: a binary classifier's logit
                positive = torch.sigmoid(logits)
                probabilities = torch.cat([1 - positive, positive], dim=1)
            else:
                probabilities = torch.softmax(logits, dim=1)
    finally:
        model.train(was_training)
    return PlaneView(probabilities.cpu().numpy(), tuple(hidden))
