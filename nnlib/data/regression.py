"""Regression data: a 1-D curve to watch a fit happen, and a real table bundled with scikit-learn.

* :func:`make_curve` — points on y = sin(2x) + 0.3x with Gaussian noise; one input, so the page can
  draw the fitted function over the points as training goes.
* :func:`load_diabetes_table` — scikit-learn's diabetes table (442 patients, disease progression a
  year later; bundled with scikit-learn, so offline), by default with three inputs (body-mass
  index, blood pressure, serum triglycerides ``s5``) so the course's 3→10→20→1 network fits it.

Targets are float32 values (``labels`` of the :class:`~nnlib.data.dataset.Dataset`), ``classes`` is
empty: a data set with no classes is a regression. :func:`split_regression` splits one the way
:func:`~nnlib.data.splits.split_dataset` splits classes (seeded, inputs standardized on the
training part only), with the targets kept as float32 values in their own units.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import torch

from nnlib.core.errors import InputError
from nnlib.data.dataset import Dataset, Split
from nnlib.data.splits import split_dataset, stratified_indices
from nnlib.data.words import Words

CURVE_RANGE = (-3.0, 3.0)
DIABETES_INPUTS = ("bmi", "bp", "s5")


def curve_function(x: np.ndarray) -> np.ndarray:
    return np.sin(2.0 * x) + 0.3 * x


def make_curve(samples: int = 200, noise: float = 0.1, seed: int = 0) -> Dataset:
    """``samples`` points (x, y) with x uniform on [-3, 3] and y = sin(2x) + 0.3x + noise."""
    if isinstance(samples, bool) or not isinstance(samples, int) or not 10 <= samples <= 20_000:
        raise InputError("data.curve_samples", field="samples", value=str(samples)[:20])
    if not (isinstance(noise, int | float) and 0.0 <= noise <= 2.0):
        raise InputError("data.curve_noise", field="noise", value=str(noise)[:20])
    rng = np.random.default_rng(seed)
    x = rng.uniform(*CURVE_RANGE, samples)
    y = curve_function(x) + rng.normal(0.0, noise, samples)
    features = np.ascontiguousarray(x[:, None], dtype=np.float32)
    targets = np.ascontiguousarray(y, dtype=np.float32)
    features.setflags(write=False)
    targets.setflags(write=False)
    return Dataset(name="curve", features=features, labels=targets, classes=(), feature_names=("x",),
                   description=Words("data.curve.description"), source=f"curve:{samples}:{noise:g}:{seed}")


def load_diabetes_table(inputs: Sequence[str] = DIABETES_INPUTS) -> Dataset:
    """scikit-learn's diabetes table in its original units; the target is progression after a year."""
    from sklearn.datasets import load_diabetes

    bundled = load_diabetes(scaled=False)
    names = list(bundled.feature_names)
    unknown = [name for name in inputs if name not in names]
    if unknown or not inputs:
        raise InputError("data.diabetes_inputs", field="inputs", name=str((unknown or [""])[0])[:20],
                         known=", ".join(names))
    columns = [names.index(name) for name in inputs]
    features = np.ascontiguousarray(bundled.data[:, columns], dtype=np.float32)
    targets = np.ascontiguousarray(bundled.target, dtype=np.float32)
    features.setflags(write=False)
    targets.setflags(write=False)
    return Dataset(name="diabetes", features=features, labels=targets, classes=(), feature_names=tuple(inputs),
                   description=Words("data.diabetes.description"),
                   source="sklearn:diabetes")


def split_regression(dataset: Dataset, val_fraction: float = 0.15, test_fraction: float = 0.15, seed: int = 0,
                     standardize: bool = False) -> Split:
    """A seeded train / validation / test split of a regression set: float32 inputs and (N,) float32 targets.

    The rows are split as one group (there are no classes to stratify by), with the same
    seeded permutation and standardization as :func:`~nnlib.data.splits.split_dataset`.
    """
    one_group = np.zeros(len(dataset), dtype=np.int64)
    inputs = split_dataset(dataclasses.replace(dataset, labels=one_group, classes=("all",)), val_fraction,
                           test_fraction, seed, standardize)
    targets = torch.from_numpy(np.asarray(dataset.labels, dtype=np.float32).copy())
    train, val, test = (torch.from_numpy(part) for part in
                        stratified_indices(one_group, val_fraction, test_fraction, seed))
    return Split(inputs.train_x, targets[train], inputs.val_x, targets[val], inputs.test_x, targets[test], (),
                 inputs.mean, inputs.std)
