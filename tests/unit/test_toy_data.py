"""The 2-D toy data sets: shapes, classes, balance, reproducibility, and the extra inputs."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.core.errors import InputError
from nnlib.data.toy import PLANE, TOY_SETS, expand_features, make_toy, plane_grid


@pytest.mark.parametrize("name", list(TOY_SETS))
def test_every_toy_set_has_its_shape_classes_and_balance(name: str) -> None:
    data = make_toy(name, samples=300, noise=0.1, seed=3)
    classes = len(TOY_SETS[name].classes)
    assert data.features.shape == (300, 2) and data.features.dtype == np.float32
    assert data.labels.shape == (300,) and data.labels.dtype == np.int64
    assert sorted(np.unique(data.labels).tolist()) == list(range(classes))
    assert np.bincount(data.labels).tolist() == [300 // classes + (i < 300 % classes) for i in range(classes)]
    assert np.all(np.abs(data.features) < PLANE[1] + 0.5)  # the plane shows (nearly) every point
    assert not data.features.flags.writeable


@pytest.mark.parametrize("name", list(TOY_SETS))
def test_the_seed_reproduces_a_set_and_another_seed_changes_it(name: str) -> None:
    first, again, other = make_toy(name, seed=7), make_toy(name, seed=7), make_toy(name, seed=8)
    assert np.array_equal(first.features, again.features) and np.array_equal(first.labels, again.labels)
    assert not np.array_equal(first.features, other.features)


def test_the_sets_are_what_their_names_say() -> None:
    xor = make_toy("xor", samples=1000, noise=0.0, seed=0)
    same_sign = xor.features[:, 0] * xor.features[:, 1] > 0
    assert np.array_equal(same_sign.astype(np.int64), xor.labels)
    circles = make_toy("circles", samples=1000, noise=0.0, seed=0)
    radius = np.linalg.norm(circles.features, axis=1)
    assert radius[circles.labels == 0].max() <= 0.5 + 1e-6 and radius[circles.labels == 1].min() >= 0.7 - 1e-6


def test_noise_moves_points_off_the_clean_shape() -> None:
    clean = make_toy("circles", samples=500, noise=0.0, seed=1)
    noisy = make_toy("circles", samples=500, noise=0.5, seed=1)
    inner = np.linalg.norm(noisy.features, axis=1)[noisy.labels == 0]
    assert np.linalg.norm(clean.features, axis=1)[clean.labels == 0].max() <= 0.5 + 1e-6
    assert inner.max() > 0.6


def test_extra_inputs_are_columns_in_the_order_chosen() -> None:
    points = np.array([[0.5, -2.0], [1.0, 3.0]], dtype=np.float32)
    expanded = expand_features(points, ["xy", "x²", "sin y"])
    assert expanded.shape == (2, 5)
    np.testing.assert_allclose(expanded[0], [0.5, -2.0, -1.0, 0.25, np.sin(-2.0)], rtol=1e-6)
    with pytest.raises(InputError) as wrong:
        expand_features(points, ["cos x"])
    assert wrong.value.code == "data.toy_feature"


def test_the_plane_grid_reads_like_an_image() -> None:
    grid = plane_grid(resolution=3, extent=(-1.0, 1.0))
    assert grid.tolist() == [[-1, 1], [0, 1], [1, 1], [-1, 0], [0, 0], [1, 0], [-1, -1], [0, -1], [1, -1]]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [({"name": "swirl"}, "data.toy_unknown"), ({"name": "moons", "samples": 5}, "data.toy_samples"),
     ({"name": "moons", "noise": 3.0}, "data.toy_noise")],
)
def test_bad_settings_get_one_clear_message(kwargs: dict, code: str) -> None:
    with pytest.raises(InputError) as wrong:
        make_toy(**kwargs)
    assert wrong.value.code == code
    assert "data." not in str(wrong.value)


def test_a_toy_dataset_with_extra_inputs_keeps_the_points_and_adds_the_columns() -> None:
    from nnlib.data.toy import make_toy_dataset

    plain = make_toy("spirals", samples=100, noise=0.2, seed=4)
    expanded = make_toy_dataset("spirals", samples=100, noise=0.2, seed=4, features=("y²", "sin x"))
    assert expanded.feature_names == ("x", "y", "y²", "sin x") and expanded.features.shape == (100, 4)
    assert np.array_equal(expanded.features[:, :2], plain.features) and np.array_equal(expanded.labels, plain.labels)
    np.testing.assert_allclose(expanded.features[:, 2], plain.features[:, 1] ** 2, rtol=1e-6)
    np.testing.assert_allclose(expanded.features[:, 3], np.sin(plain.features[:, 0]), rtol=1e-6)
    assert not expanded.features.flags.writeable
    assert expanded.source == "toy:spirals:100:0.2:4:y²,sin x" != plain.source  # shared splits are keyed by it
    assert make_toy_dataset("spirals", samples=100, noise=0.2, seed=4).source == plain.source


def test_the_registry_knows_every_toy_set_as_a_dataset_of_the_toy_family() -> None:
    from nnlib.data.registry import DATASETS, FAMILIES, DataOptions, datasets_of, get_dataset, load_dataset

    assert datasets_of("toy") == list(TOY_SETS) == ["circles", "moons", "xor", "spirals", "blobs"]
    assert datasets_of("iris") == ["iris"] and datasets_of("notmnist") == ["notmnist"]
    assert all(DATASETS[name].toy and DATASETS[name].family_label == FAMILIES["toy"].label for name in TOY_SETS)
    assert not DATASETS["iris"].toy and not DATASETS["notmnist"].toy
    blobs = load_dataset("blobs", DataOptions(samples=90, noise=0.1, seed=1, features=("xy",)))
    assert blobs.features.shape == (90, 3) and blobs.classes == ("blob 1", "blob 2", "blob 3")
    assert load_dataset("iris").features.shape == (150, 4)
    with pytest.raises(InputError) as unknown:
        get_dataset("mnist")
    assert unknown.value.code == "data.dataset_unknown" and "circles, moons" in unknown.value.message
