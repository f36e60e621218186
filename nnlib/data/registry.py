"""Every data set the trainer, the Training page and the CLI know, by name: one table, read by all three.

A :class:`DatasetInfo` says which family the page groups it under (iris, notMNIST, 2-D toy data),
how to load it, and the training settings that teach well on it (what
:func:`nnlib.training.default_config` starts from). The five toy sets of :mod:`nnlib.data.toy`
are names here like iris is: ``python -m nnlib train --dataset moons`` and a config with
``dataset="moons"`` mean the same set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from nnlib.core.errors import InputError
from nnlib.data.dataset import Dataset, Progress
from nnlib.data.words import Worded, Words, kept_words

# The toy sets' training defaults (python -m bench.toy_accuracy measures them): 2 → 8 → 8 → classes
# with Tanh (TensorFlow Playground's look) and Adam at 0.03; for the spirals, which that network
# does not untangle (about 78 % test accuracy), three hidden layers of 32 ReLU units for 500 epochs.
TOY_TRAINING = {"network": "playground", "optimizer": "adam", "lr": 0.03, "batch_size": 16, "epochs": 100,
                "standardize": True}
SPIRALS_TRAINING = {**TOY_TRAINING, "network": "playground_spirals", "lr": 0.005, "epochs": 500}


@dataclass(frozen=True)
class DatasetFamily:
    """What the Training page offers in its first choice; a family holds one or more data sets."""

    name: str
    label: str = Worded()  # type: ignore[assignment]  # text or Words, read in the current language


FAMILIES: dict[str, DatasetFamily] = {
    family.name: family
    for family in (
        DatasetFamily("iris", Words("data.iris.title")),
        DatasetFamily("notmnist", Words("data.notmnist.title")),
        DatasetFamily("toy", Words("data.toy.title")),
        DatasetFamily("regression", Words("data.regression.title")),
        DatasetFamily("csv", Words("data.csv.title")),
    )
}


@dataclass(frozen=True)
class DataOptions:
    """What a loader may take: the letters' path, and a toy set's points, noise, seed and extra inputs."""

    data_path: str | None = None
    samples: int = 400
    noise: float = 0.2
    seed: int = 0
    features: Sequence[str] = ()
    progress: Progress | None = None
    target: str | None = None  # a CSV's target column
    task: str | None = None  # a CSV's task: "classification", "regression", or None (guessed from the target)


@dataclass(frozen=True)
class DatasetInfo:
    name: str  # the config's and the CLI's name
    family: str  # a key of FAMILIES
    title: str = Worded()  # type: ignore[assignment]  # text or Words, read in the current language
    load: Callable[[DataOptions], Dataset] = field(repr=False)
    training: Mapping[str, Any] = field(default_factory=dict)  # TrainConfig fields that teach well here
    toy: bool = False  # points in the plane: noise, samples, seed and extra inputs apply; boundary drawn
    task: str | None = "classification"  # or "regression" (no classes); None: a CSV's, known once it is read

    @property
    def family_label(self) -> str:
        return FAMILIES[self.family].label


def _load_iris(options: DataOptions) -> Dataset:
    from nnlib.data.iris import load_iris

    return load_iris()


def _load_letters(options: DataOptions) -> Dataset:
    from nnlib.data.notmnist import load_letters, load_notmnist

    if options.data_path:
        return load_notmnist(options.data_path, progress=options.progress)
    return load_letters(progress=options.progress)


def _toy_loader(name: str) -> Callable[[DataOptions], Dataset]:
    def load(options: DataOptions) -> Dataset:
        from nnlib.data.toy import make_toy_dataset

        return make_toy_dataset(name, options.samples, options.noise, options.seed, options.features)

    return load


def _load_curve(options: DataOptions) -> Dataset:
    from nnlib.data.regression import make_curve

    return make_curve(options.samples, options.noise, options.seed)


def _load_diabetes(options: DataOptions) -> Dataset:
    from nnlib.data.regression import load_diabetes_table

    return load_diabetes_table()


def _load_csv(options: DataOptions) -> Dataset:
    from nnlib.data.table import load_csv_file

    if not options.data_path or not options.target:
        raise InputError("data.csv_needs_file", field="data_path")
    return load_csv_file(options.data_path, options.target, options.task).dataset


def _registry() -> dict[str, DatasetInfo]:
    from nnlib.data.toy import TOY_SETS

    records = [
        DatasetInfo("iris", "iris", Words("data.iris.title"), _load_iris,
                    MappingProxyType({"network": "iris", "optimizer": "sgd", "lr": 0.1, "batch_size": 16,
                                      "epochs": 60})),
        DatasetInfo("notmnist", "notmnist", Words("data.notmnist.title"), _load_letters,
                    MappingProxyType({"network": "notmnist", "optimizer": "momentum", "lr": 0.1, "momentum": 0.9,
                                      "batch_size": 128, "epochs": 10, "standardize": False})),
    ]
    for toy in TOY_SETS.values():
        training = SPIRALS_TRAINING if toy.name == "spirals" else TOY_TRAINING
        records.append(DatasetInfo(toy.name, "toy", kept_words(toy, "title"), _toy_loader(toy.name),
                                   MappingProxyType(training), toy=True))
    # The regression sets (nnlib.data.regression) and a table from a student's CSV (nnlib.data.table).
    records += [
        DatasetInfo("curve", "regression", Words("data.curve.title"), _load_curve,
                    MappingProxyType({**REGRESSION_TRAINING, "network": "curve", "lr": 0.01, "epochs": 300,
                                      "toy_samples": 200, "toy_noise": 0.1}),
                    task="regression"),
        DatasetInfo("diabetes", "regression", Words("data.diabetes.title"), _load_diabetes,
                    MappingProxyType(REGRESSION_TRAINING), task="regression"),
        DatasetInfo("csv", "csv", Words("data.csv.title"), _load_csv,
                    MappingProxyType({"network": "table", "optimizer": "adam", "lr": 0.01, "batch_size": 16,
                                      "epochs": 100, "standardize": True}),
                    task=None),
    ]
    return {record.name: record for record in records}


REGRESSION_TRAINING = {"network": "regression", "loss": "mse", "optimizer": "adam", "lr": 0.01, "batch_size": 16,
                       "epochs": 200, "standardize": True}
DATASETS: dict[str, DatasetInfo] = _registry()


def get_dataset(name: str) -> DatasetInfo:
    """The record of ``name``; an unknown name is one clear message listing the known ones."""
    record = DATASETS.get(name)
    if record is None:
        raise InputError("data.dataset_unknown", field="dataset", value=str(name)[:40],
                         known=", ".join(DATASETS))
    return record


def datasets_of(family: str) -> list[str]:
    """The data sets the page offers under one family, in the registry's order."""
    return [name for name, record in DATASETS.items() if record.family == family]


def load_dataset(name: str, options: DataOptions = DataOptions()) -> Dataset:
    return get_dataset(name).load(options)
