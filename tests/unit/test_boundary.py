"""The decision boundary and the hidden-unit maps equal the model's own outputs, point by point."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from nnlib.data.toy import plane_grid
from nnlib.training.boundary import plane_view


def model_2_4_3() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))


def test_the_boundary_is_the_models_own_prediction_at_every_point() -> None:
    model = model_2_4_3()
    grid = plane_grid(resolution=25)
    view = plane_view(model, grid)
    with torch.no_grad():
        expected = torch.softmax(model(torch.from_numpy(grid)), dim=1).numpy()
    np.testing.assert_allclose(view.probabilities, expected, rtol=1e-6, atol=1e-7)
    assert view.probabilities.shape == (625, 2)
    assert np.array_equal(view.predicted, expected.argmax(axis=1))


def test_each_hidden_unit_has_its_output_over_the_plane() -> None:
    model = model_2_4_3()
    grid = plane_grid(resolution=10)
    view = plane_view(model, grid)
    assert [(m.layer, m.name, m.values.shape) for m in view.hidden] == [(1, "ReLU", (4, 100)), (3, "Tanh", (3, 100))]
    point = torch.from_numpy(grid[37:38])
    with torch.no_grad():
        first = torch.relu(model[0](point))
        second = torch.tanh(model[2](first))
    np.testing.assert_allclose(view.hidden[0].values[:, 37], first[0].numpy(), rtol=1e-6)
    np.testing.assert_allclose(view.hidden[1].values[:, 37], second[0].numpy(), rtol=1e-6)


def test_a_single_output_is_read_as_a_binary_logit_and_the_model_is_left_as_it_was() -> None:
    model = nn.Sequential(nn.Linear(2, 1))
    model.train()
    before = [p.clone() for p in model.parameters()]
    grid = plane_grid(resolution=4)
    view = plane_view(model, grid, prepare=lambda pts: torch.from_numpy(pts) * 2)
    with torch.no_grad():
        positive = torch.sigmoid(model(torch.from_numpy(grid) * 2))[:, 0].numpy()
    np.testing.assert_allclose(view.probabilities[:, 1], positive, rtol=1e-6)
    np.testing.assert_allclose(view.probabilities.sum(axis=1), 1.0, rtol=1e-6)
    assert model.training and all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    assert all(p.grad is None for p in model.parameters())
