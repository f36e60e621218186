"""Two-dimensional toy data sets, made on the spot and offline: circles, moons, XOR, two spirals, blobs.

Each is a function of the sample count, the noise and the seed, so a run can be reproduced and
shared; the same seed gives the same points. Points lie roughly in [-1.5, 1.5]^2 so that one plane
(:data:`PLANE`) shows every set and its decision boundary. :func:`expand_features` adds the
optional inputs TensorFlow Playground offers (x², y², xy, sin x, sin y).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.data.dataset import Dataset
from nnlib.data.words import Worded, Words, kept_words

PLANE = (-1.75, 1.75)  # both axes: every toy set fits, with a margin for the boundary
MIN_SAMPLES, MAX_SAMPLES = 20, 20_000
MAX_NOISE = 1.0
EXTRA_FEATURES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x²": lambda x, y: x * x,
    "y²": lambda x, y: y * y,
    "xy": lambda x, y: x * y,
    "sin x": lambda x, y: np.sin(x),
    "sin y": lambda x, y: np.sin(y),
}


def _circles(count: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A disc of one class inside a ring of the other (TensorFlow Playground's "circle")."""
    labels = np.arange(count) % 2
    radius = np.where(labels == 0, rng.uniform(0.0, 0.5, count), rng.uniform(0.7, 1.0, count))
    angle = rng.uniform(0.0, 2 * math.pi, count)
    points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return points + rng.normal(0.0, noise * 0.5, points.shape), labels


def _moons(count: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles, centred on the origin."""
    labels = np.arange(count) % 2
    angle = rng.uniform(0.0, math.pi, count)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lower = np.stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    points = np.where(labels[:, None] == 0, upper, lower) - np.array([0.5, 0.25])
    return points + rng.normal(0.0, noise * 0.5, points.shape), labels


def _xor(count: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Four squares: a point is class 1 where x and y have the same sign."""
    labels = np.arange(count) % 2
    size = rng.uniform(0.05, 1.0, (count, 2))  # a small gap along the axes, as in the Playground
    x_sign = rng.choice([-1.0, 1.0], count)
    y_sign = np.where(labels == 1, x_sign, -x_sign)
    points = size * np.stack([x_sign, y_sign], axis=1)
    return points + rng.normal(0.0, noise * 0.5, points.shape), labels


def _spirals(count: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two spirals wound around each other: needs a hidden layer or two."""
    labels = np.arange(count) % 2
    turn = rng.uniform(0.0, 1.0, count)
    radius = 1.4 * turn
    angle = 1.75 * 2 * math.pi * turn + labels * math.pi
    points = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return points + rng.normal(0.0, noise * 0.3, points.shape), labels


def _blobs(count: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian clouds: a three-class problem a linear model can nearly solve."""
    centres = np.array([[-0.8, -0.6], [0.8, -0.6], [0.0, 0.8]])
    labels = np.arange(count) % 3
    spread = 0.15 + noise * 0.6
    return centres[labels] + rng.normal(0.0, spread, (count, 2)), labels


@dataclass(frozen=True)
class ToySet:
    name: str
    make: Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]
    classes: tuple[str, ...]
    description: str = Worded()  # type: ignore[assignment]  # in the current language (data.toy.<name>.*)
    title: str = Worded()  # type: ignore[assignment]  # as the page and the CLI's help name it


def _toy_set(name: str, make: Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]],
             classes: tuple[str, ...]) -> ToySet:
    """A toy set whose description and title are its catalogue entries data.toy.<name>.description / .title."""
    return ToySet(name, make, classes, Words(f"data.toy.{name}.description"), Words(f"data.toy.{name}.title"))


TOY_SETS: dict[str, ToySet] = {
    toy.name: toy
    for toy in (
        _toy_set("circles", _circles, ("inside", "ring")),
        _toy_set("moons", _moons, ("upper moon", "lower moon")),
        _toy_set("xor", _xor, ("different signs", "same signs")),
        _toy_set("spirals", _spirals, ("spiral A", "spiral B")),
        _toy_set("blobs", _blobs, ("blob 1", "blob 2", "blob 3")),
    )
}


def class_words(dataset: Dataset) -> tuple[str, ...]:
    """A data set's class names as a student reads them: a toy set's in the current language
    (``data.toy.<name>.class_<i>``), any other's as they are (iris species, letters)."""
    return class_names(dataset.name, dataset.classes)


def class_names(name: str, classes: Sequence[str]) -> tuple[str, ...]:
    """:func:`class_words` for a data set's name and classes (a run's config and split)."""
    toy = TOY_SETS.get(name)
    if toy is None or tuple(classes) != toy.classes:
        return tuple(classes)
    return tuple(messages.word(f"data.toy.{toy.name}.class_{index}") for index in range(len(toy.classes)))


def make_toy(name: str, samples: int = 400, noise: float = 0.1, seed: int = 0) -> Dataset:
    """The toy set ``name`` with ``samples`` points (classes in equal shares), ``noise`` and ``seed``."""
    toy = check_toy_options(name, samples, noise)
    rng = np.random.default_rng(seed)
    points, labels = toy.make(samples, float(noise), rng)
    order = rng.permutation(samples)  # classes interleaved by construction: shuffle once, by the seed
    features = np.ascontiguousarray(points[order], dtype=np.float32)
    targets = np.ascontiguousarray(labels[order], dtype=np.int64)
    features.setflags(write=False)
    targets.setflags(write=False)
    return Dataset(
        name=name, features=features, labels=targets, classes=toy.classes, feature_names=("x", "y"),
        description=kept_words(toy, "description"), source=f"toy:{name}:{samples}:{noise:g}:{seed}",
    )


def check_toy_options(name: str, samples: int, noise: float, features: Sequence[str] = ()) -> ToySet:
    """The toy set ``name`` if these settings can make it; else one clear message about the first wrong one."""
    toy = TOY_SETS.get(name)
    if toy is None:
        raise InputError("data.toy_unknown", field="dataset", name=str(name)[:40], known=", ".join(TOY_SETS))
    if isinstance(samples, bool) or not isinstance(samples, int) or not MIN_SAMPLES <= samples <= MAX_SAMPLES:
        raise InputError("data.toy_samples", field="samples", value=str(samples)[:20], minimum=MIN_SAMPLES,
                         maximum=MAX_SAMPLES)
    if isinstance(noise, bool) or not (isinstance(noise, int | float) and 0.0 <= noise <= MAX_NOISE):
        raise InputError("data.toy_noise", field="noise", value=str(noise)[:20], maximum=MAX_NOISE)
    unknown = [extra for extra in features if extra not in EXTRA_FEATURES]
    if unknown:
        raise InputError("data.toy_feature", field="features", name=str(unknown[0])[:20],
                         known=", ".join(EXTRA_FEATURES))
    return toy


def make_toy_dataset(name: str, samples: int = 400, noise: float = 0.1, seed: int = 0,
                     features: Sequence[str] = ()) -> Dataset:
    """:func:`make_toy` with the chosen extra inputs appended as columns: what a run trains on.

    The extra columns are made before the split, so standardization fits them on the training
    part like x and y; :func:`nnlib.training.boundary.grid_inputs` makes the grid's inputs the same way.
    """
    check_toy_options(name, samples, noise, features)
    plain = make_toy(name, samples, noise, seed)
    if not features:
        return plain
    expanded = expand_features(plain.features, features)
    expanded.setflags(write=False)
    return Dataset(
        name=name, features=expanded, labels=plain.labels, classes=plain.classes,
        feature_names=("x", "y", *features), description=kept_words(plain, "description"),
        source=f"{plain.source}:{','.join(features)}",
    )


def expand_features(points: np.ndarray, extra: Sequence[str]) -> np.ndarray:
    """``points`` (N, 2) with the chosen extra inputs appended as columns, in the order given."""
    unknown = [name for name in extra if name not in EXTRA_FEATURES]
    if unknown:
        raise InputError("data.toy_feature", field="features", name=str(unknown[0])[:20],
                         known=", ".join(EXTRA_FEATURES))
    x, y = points[:, 0], points[:, 1]
    columns = [points[:, 0], points[:, 1], *(EXTRA_FEATURES[name](x, y) for name in extra)]
    return np.stack(columns, axis=1).astype(np.float32)


def plane_grid(resolution: int = 60, extent: tuple[float, float] = PLANE) -> np.ndarray:
    """(resolution², 2) points covering the plane row by row (y from top to bottom, x left to right)."""
    axis = np.linspace(extent[0], extent[1], resolution, dtype=np.float32)
    xs, ys = np.meshgrid(axis, axis[::-1])
    return np.stack([xs.ravel(), ys.ravel()], axis=1)
