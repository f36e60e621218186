"""Stratified, seeded train / validation / test splits, and a per-class sample for picture grids."""

from __future__ import annotations

import numpy as np
import torch

from nnlib.core.errors import InputError
from nnlib.data.dataset import Dataset, Split
from nnlib.data.words import kept_words


def _check_fractions(val_fraction: float, test_fraction: float) -> None:
    if not (0 <= val_fraction < 1 and 0 <= test_fraction < 1 and val_fraction + test_fraction < 1):
        raise InputError("data.bad_split", val_fraction=val_fraction, test_fraction=test_fraction)


def _round_half_up(value: float) -> int:
    return int(np.floor(value + 0.5))


def stratified_indices(
    labels: np.ndarray, val_fraction: float, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train / validation / test index arrays with each class split in the same proportions."""
    _check_fractions(val_fraction, test_fraction)
    rng = np.random.default_rng(seed)
    parts: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_val = _round_half_up(len(members) * val_fraction)
        n_test = _round_half_up(len(members) * test_fraction)
        # Always keep at least one training sample per class (matters only for tiny classes).
        while n_val + n_test >= len(members) and n_val + n_test > 0:
            if n_test >= n_val:
                n_test -= 1
            else:
                n_val -= 1
        parts[1].append(members[:n_val])
        parts[2].append(members[n_val : n_val + n_test])
        parts[0].append(members[n_val + n_test :])
    train, val, test = (rng.permutation(np.concatenate(part)) if part else np.array([], np.int64)
                        for part in parts)
    return train, val, test


def _smallest_splittable_class(val_fraction: float, test_fraction: float) -> int:
    """How many samples one class needs so that each of the three parts gets at least one."""
    for size in range(3, 10_000):
        train, val, test = stratified_indices(np.zeros(size, np.int64), val_fraction, test_fraction, 0)
        if len(train) and len(val) and len(test):
            return size
    return 10_000


def split_dataset(
    dataset: Dataset,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    seed: int = 0,
    standardize: bool = False,
) -> Split:
    """A stratified, seeded split into float32 / int64 CPU tensors.

    Images are scaled to [0, 1]. With ``standardize``, mean and std are fitted on the
    training part only (per column for tables, one value for images) and applied to all.
    """
    train, val, test = stratified_indices(dataset.labels, val_fraction, test_fraction, seed)
    if not (len(train) and len(val) and len(test)):
        needed = _smallest_splittable_class(val_fraction, test_fraction)
        # The description quoted as Words: the message reads in the language of whoever shows it.
        raise InputError("data.too_few_samples", description=kept_words(dataset, "description"), samples=len(dataset),
                         needed_per_class=needed)
    features = dataset.features.astype(np.float32)
    if dataset.is_image:
        features /= 255.0
    mean = std = None
    if standardize:
        train_features = features[train]
        axis = None if dataset.is_image else 0
        mean_np = train_features.mean(axis=axis, dtype=np.float64)
        std_np = train_features.std(axis=axis, dtype=np.float64)
        std_np = np.where(std_np > 0, std_np, 1.0)  # a constant column stays as it is, shifted to 0
        features = ((features - mean_np) / std_np).astype(np.float32)
        mean = torch.tensor(mean_np, dtype=torch.float32)
        std = torch.tensor(std_np, dtype=torch.float32)

    def part(indices: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        return (
            torch.from_numpy(np.ascontiguousarray(features[indices])),
            torch.from_numpy(np.asarray(dataset.labels[indices], dtype=np.int64).copy()),
        )

    train_x, train_y = part(train)
    val_x, val_y = part(val)
    test_x, test_y = part(test)
    return Split(train_x, train_y, val_x, val_y, test_x, test_y, dataset.classes, mean, std)


def sample_indices(dataset: Dataset, per_class: int, seed: int = 0) -> np.ndarray:
    """Up to ``per_class`` random sample indices of each class, class by class (for a picture grid)."""
    rng = np.random.default_rng(seed)
    chosen = []
    for label in range(len(dataset.classes)):
        members = np.flatnonzero(dataset.labels == label)
        chosen.append(rng.choice(members, size=min(per_class, len(members)), replace=False))
    return np.concatenate(chosen) if chosen else np.array([], dtype=np.int64)
