"""The decision boundary and the hidden-unit maps equal the model's own outputs, point by point."""

from __future__ import annotations

import io

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


# ------------------------------------------------------------------ a real run's grid, prepared like its data


def test_the_grid_gets_the_extra_inputs_and_the_training_splits_standardization() -> None:
    from nnlib.data import make_toy, make_toy_dataset, split_dataset, stratified_indices
    from nnlib.training.boundary import grid_inputs, plane_points

    features = ("x²", "sin y")
    data = make_toy_dataset("circles", samples=200, noise=0.3, seed=2, features=features)
    split = split_dataset(data, seed=5, standardize=True)
    train_rows, _, test_rows = stratified_indices(data.labels, 0.15, 0.15, 5)
    raw = make_toy("circles", samples=200, noise=0.3, seed=2).features
    # The statistics are the training part's, not the whole set's ...
    expanded = data.features[train_rows].astype(np.float64)
    np.testing.assert_allclose(split.mean.numpy(), expanded.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(split.std.numpy(), expanded.std(axis=0), rtol=1e-6)
    assert not np.allclose(split.mean.numpy(), data.features.mean(axis=0), rtol=1e-3)
    # ... and raw (x, y) points through grid_inputs are exactly what the network was trained on.
    np.testing.assert_allclose(grid_inputs(raw[train_rows], features, split.mean, split.std).numpy(),
                               split.train_x.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grid_inputs(raw[test_rows], features, split.mean, split.std).numpy(),
                               split.test_x.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(plane_points(split.test_x, split.mean, split.std), raw[test_rows], rtol=1e-5, atol=1e-6)
    unscaled = grid_inputs(np.array([[0.5, -1.0]], np.float32), features, None, None).numpy()
    np.testing.assert_allclose(unscaled, [[0.5, -1.0, 0.25, np.sin(-1.0)]], rtol=1e-6)


def test_a_trained_runs_plane_view_is_its_models_own_prediction_on_its_own_inputs() -> None:
    import dataclasses

    from nnlib.data import make_toy, stratified_indices
    from nnlib.training import Trainer, default_config, prepare_split
    from nnlib.training.boundary import GRID_RESOLUTION, grid_inputs, run_plane_view

    config = dataclasses.replace(default_config("moons"), epochs=30, device="cpu", toy_features=("xy",))
    split = prepare_split(config)
    trainer = Trainer(config, split)
    trainer.run()
    model = trainer.model
    model.train()
    before = {name: value.clone() for name, value in model.state_dict().items()}
    view = run_plane_view(model, split, config.toy_features)
    assert view.probabilities.shape == (GRID_RESOLUTION**2, 2)
    assert [(maps.name, maps.values.shape) for maps in view.hidden] == [("Tanh", (8, 3600)), ("Tanh", (8, 3600))]
    grid = plane_grid(GRID_RESOLUTION)
    with torch.no_grad():
        expected = torch.softmax(model(grid_inputs(grid, ("xy",), split.mean, split.std)), dim=1).numpy()
    np.testing.assert_allclose(view.probabilities, expected, rtol=1e-5, atol=1e-6)
    # At the training points themselves the view says what the trainer predicts.
    train_rows, _, _ = stratified_indices(make_toy("moons", 400, 0.2, 0).labels, 0.15, 0.15, config.seed)
    points = plane_view(model, make_toy("moons", 400, 0.2, 0).features[train_rows],
                        lambda p: grid_inputs(p, ("xy",), split.mean, split.std))
    predicted, _ = trainer.predict("train")
    assert np.array_equal(points.predicted, predicted.numpy())
    assert model.training and all(torch.equal(before[name], value) for name, value in model.state_dict().items())
    assert (view.predicted == 1).mean() > 0.3 and (view.predicted == 0).mean() > 0.3  # both moons have their side


def test_the_boundary_picture_colours_confident_cells_strongly_and_unsure_ones_pale() -> None:
    from pages.components.heatmap import (
        CLASS_COLOURS,
        boundary_image,
        probability_pixels,
        to_pixels,
        unit_images,
        unit_pixels,
    )

    cells = probability_pixels(np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.5, 0.5]]), 2)
    orange, blue = CLASS_COLOURS[0], CLASS_COLOURS[1]
    np.testing.assert_allclose(cells[0, 0], np.floor(255 + (orange - 255) * 0.75), atol=1)
    np.testing.assert_allclose(cells[0, 1], np.floor(255 + (blue - 255) * 0.75), atol=1)
    assert cells[1, 0].min() > 200  # an even split is pale
    units = unit_pixels(np.array([-2.0, 0.0, 2.0, 1.0]), 2, scale=2.0)
    assert units[0, 0].tolist() == orange.astype(int).tolist() and units[0, 1].tolist() == [255, 255, 255]
    assert units[1, 0].tolist() == blue.astype(int).tolist()
    assert to_pixels(np.array([[-1.75, 1.75], [1.75, -1.75], [0.0, 0.0]]), 350).tolist() == [[0, 0], [350, 350],
                                                                                            [175, 175]]
    assert [unit.size for unit in unit_images(np.zeros((3, 16)), 4)] == [(4, 4)] * 3
    picture = boundary_image(None, 2, 100, (np.array([[0.0, 0.0]]), np.array([1])),
                             (np.array([[1.0, 1.0]]), np.array([0])))
    pixels = np.asarray(picture)
    assert pixels[50, 50].tolist() == blue.astype(int).tolist()  # a training point: filled
    test_x, test_y = to_pixels(np.array([[1.0, 1.0]]), 100)[0].astype(int)
    assert pixels[test_y, test_x].tolist() == [255, 255, 255]  # a test point: hollow


def test_one_redraw_is_the_boundary_and_a_picture_per_hidden_unit_as_png() -> None:
    import dataclasses

    from nnlib.training import Trainer, default_config, prepare_split
    from pages.components.heatmap import run_pictures

    config = dataclasses.replace(default_config("blobs"), epochs=2, device="cpu")
    split = prepare_split(config)
    before = run_pictures(None, split, (), 120)  # queued: no model yet, the points on a blank plane
    assert before.boundary.startswith(b"\x89PNG") and before.hidden == ()
    trainer = Trainer(config, split)
    trainer.run()
    pictures = run_pictures(trainer.model, split, (), 120)
    assert [(maps.layer, maps.name, len(pngs)) for maps, pngs in pictures.hidden] == [(1, "Tanh", 8), (3, "Tanh", 8)]
    assert all(png.startswith(b"\x89PNG") for _, pngs in pictures.hidden for png in pngs)
    from PIL import Image

    assert Image.open(io.BytesIO(pictures.boundary)).size == (120, 120)
    assert Image.open(io.BytesIO(pictures.hidden[0][1][0])).size == (60, 60)  # one pixel per grid point
