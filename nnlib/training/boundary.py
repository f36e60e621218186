"""What a network trained on 2-D points has learned, drawn over the plane.

:func:`plane_view` runs the model on every point of a grid (:func:`nnlib.data.toy.plane_grid`)
once, in eval mode and without gradients, and keeps two things: each class's probability (the
decision boundary under the points) and, for every hidden unit, its output over the plane (the
small per-neuron maps of TensorFlow Playground). It never changes the model's weights or mode.

:func:`grid_inputs` turns the plane's raw (x, y) points into what the network was trained on:
the run's extra inputs (x², xy, ...) appended, then standardized with the *training split's*
mean and std, exactly as the split did to the training data. :func:`run_plane_view` draws a
run that may still be training in another thread: it reads a copy of the weights, so the
training thread never sees its model switched to eval mode.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from nnlib.data.toy import expand_features, plane_grid

GRID_RESOLUTION = 60  # points per side: 3,600 in all, a few milliseconds through a small network
# Points go through in chunks of at most this many numbers per layer: below PyTorch's grain size
# (32,768) each operation stays on the calling thread. Spread over threads on cores a training run
# keeps busy, 3,600 points through 2-8-8-2 took 18-36 ms; in chunks, under a millisecond.
CHUNK_ELEMENTS = 16_384


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
    widest = max([inputs.shape[1], *(m.out_features for m in model.modules() if isinstance(m, nn.Linear))])
    rows = max(64, CHUNK_ELEMENTS // max(1, widest))
    try:
        with torch.no_grad():
            chunks = [_forward(model, inputs[start:start + rows]) for start in range(0, len(inputs), rows)]
        logits = torch.cat([chunk[0] for chunk in chunks])
        hidden = tuple(
            HiddenLayerMaps(index, name, torch.cat([chunk[1][position] for chunk in chunks], dim=1).numpy())
            for position, (index, name) in enumerate(chunks[0][2])
        )
        if logits.shape[1] == 1:  # one output: a binary classifier's logit
            positive = torch.sigmoid(logits)
            probabilities = torch.cat([1 - positive, positive], dim=1)
        else:
            probabilities = torch.softmax(logits, dim=1)
    finally:
        model.train(was_training)
    return PlaneView(probabilities.cpu().numpy(), hidden)


def _forward(model: nn.Sequential, inputs: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor], list]:
    """Logits, each hidden activation's outputs (units, points) and where they are, for one chunk of points."""
    out, maps, where = inputs, [], []
    last = len(model) - 1
    for index, layer in enumerate(model):
        out = layer(out)
        if index < last and _is_activation(layer) and out.dim() == 2:
            maps.append(out.T.float().cpu())
            where.append((index, type(layer).__name__))
    return out.float(), maps, where


def grid_inputs(points: np.ndarray, features: Sequence[str], mean: torch.Tensor | None,
                std: torch.Tensor | None) -> torch.Tensor:
    """Raw (x, y) points as the network's inputs: the extra inputs appended, then the split's scaling.

    ``mean`` and ``std`` are the training split's (:class:`nnlib.data.Split`), None when the run
    does not standardize.
    """
    inputs = torch.from_numpy(expand_features(np.asarray(points, dtype=np.float32), features))
    if mean is not None and std is not None:
        inputs = (inputs - mean) / std
    return inputs


def run_plane_view(model: nn.Module, split: Any, features: Sequence[str],
                   resolution: int = GRID_RESOLUTION) -> PlaneView:
    """The plane view of a run's model, from a CPU copy of its weights (safe while it trains).
    """
    snapshot = copy.deepcopy(model).to("cpu", torch.float32)
    grid = plane_grid(resolution)
    return plane_view(snapshot, grid, lambda points: grid_inputs(points, features, split.mean, split.std))


def plane_points(inputs: torch.Tensor, mean: torch.Tensor | None, std: torch.Tensor | None) -> np.ndarray:
    """A split's rows back on the plane: their (x, y), the standardization undone (for drawing the points)."""
    xy = inputs[:, :2].detach().cpu().float()
    if mean is not None and std is not None:
        xy = xy * std[:2] + mean[:2]
    return xy.numpy()
