"""What defines a training run: :class:`TrainConfig`, plain data that round-trips as JSON.

The same config and seed give the same run. The loss and the optimizer are keys into the one
registry of each concept: a loss record of :mod:`nnlib.losses` with a ``training_key``
("cross_entropy", "nll"), an optimizer of :data:`nnlib.optimizers.OPTIMIZERS` ("sgd", "adam", ...),
a data set of :data:`nnlib.data.registry.DATASETS` ("iris", "notmnist", "moons", ...). The ``toy_*``
settings make a 2-D toy set (its points, noise, seed and extra inputs); other data sets ignore them.

A data set with no classes is a regression: it trains with a loss record whose ``task`` is
"regression" (MSE by default, L1, Huber, SmoothL1), keyed by its functional name without
``_loss`` ("mse", "l1", "huber", "smooth_l1"). ``dataset="csv"`` reads ``data_path`` (the CLI's
``--csv``) with ``csv_target`` as the target and ``csv_task`` (None: guessed from the target).
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any

from nnlib.core.device import resolve_device
from nnlib.core.errors import InputError
from nnlib.core.settings import get_settings
from nnlib.data.registry import DATASETS as DATASET_RECORDS
from nnlib.data.registry import DataOptions, get_dataset
from nnlib.data.toy import check_toy_options
from nnlib.optimizers import OPTIMIZERS
from nnlib.training.speed import check_fast_mode

DATASETS = tuple(DATASET_RECORDS)  # the names; the records are nnlib.data.registry.DATASETS


CLASSIFICATION = "classification"
REGRESSION = "regression"
TASKS = (CLASSIFICATION, REGRESSION)
DEFAULT_LOSSES = {CLASSIFICATION: "cross_entropy", REGRESSION: "mse"}


def training_losses(task: str = CLASSIFICATION) -> dict[str, Any]:
    """The losses a run of ``task`` trains with, by their config key.

    Classification: the loss records with a ``training_key`` ("cross_entropy", "nll").
    Regression: the records whose ``task`` is "regression", keyed by their functional name
    without ``_loss`` ("mse", "l1", "smooth_l1", "huber").
    """
    from nnlib.losses import LOSSES

    if task == REGRESSION:
        return {info.training_key or info.functional_name.removesuffix("_loss"): info
                for info in LOSSES.values() if info.task == REGRESSION}
    return {info.training_key: info for info in LOSSES.values() if info.training_key}


def all_training_losses() -> dict[str, Any]:
    """Every loss a run can train with, classification's and regression's, by config key."""
    return {key: info for task in TASKS for key, info in training_losses(task).items()}


def loss_task(key: str) -> str:
    """The task ("classification" or "regression") the training loss ``key`` serves."""
    return REGRESSION if key in training_losses(REGRESSION) else CLASSIFICATION


def check_loss_task(key: str, task: str) -> None:
    """Refuse a loss that serves another task than the data's (MSE on classes, cross-entropy on values)."""
    if loss_task(key) == task:
        return
    module, known, default = all_training_losses()[key].module_name, ", ".join(training_losses(task)), DEFAULT_LOSSES[task]
    if task == CLASSIFICATION:
        raise InputError("training.loss_for_regression", field="loss", loss=key, module=module, known=known,
                         default=default)
    raise InputError("training.loss_for_classification", field="loss", loss=key, module=module, known=known,
                     default=default)


@dataclass
class TrainConfig:
    """Everything that defines a run; ``to_dict``/``from_dict`` round-trip it as JSON."""

    dataset: str = "iris"
    data_path: str | None = None
    network: str | list[dict[str, Any]] = "iris"  # a preset name or a builder stack
    loss: str = "cross_entropy"  # a loss record's training_key
    optimizer: str = "sgd"  # a key of nnlib.optimizers.OPTIMIZERS
    lr: float = 0.1
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    alpha: float = 0.99
    weight_decay: float = 0.0
    batch_size: int = 16  # 0 means the full training set in one batch, as in the course
    epochs: int = 100
    seed: int = 0
    device: str = "auto"
    standardize: bool = True
    val_fraction: float = 0.15
    test_fraction: float = 0.15
    target_loss: float | None = None  # stop when validation loss falls to this
    target_accuracy: float | None = None  # stop when validation accuracy (0-1) reaches this
    patience: int | None = None  # stop after this many epochs without a better validation loss
    fast: bool = False  # bf16 autocast where the hardware has native bf16 (nnlib.training.speed.fast_mode_support)
    threads: int = 0  # CPU threads; 0: chosen by nnlib.training.speed.ThreadPolicy from the measured speed
    toy_samples: int = 400  # a toy set's points (all splits together)
    toy_noise: float = 0.2
    toy_seed: int = 0  # the points' seed; ``seed`` is the run's (weights, shuffles, split)
    toy_features: tuple[str, ...] = ()  # extra inputs after x and y: "x²", "y²", "xy", "sin x", "sin y"
    csv_target: str | None = None  # dataset "csv": the target column of the table at data_path
    csv_task: str | None = None  # dataset "csv": "classification" or "regression"; None: guessed from the target

    def __post_init__(self) -> None:
        if isinstance(self.toy_features, list):  # from JSON
            self.toy_features = tuple(self.toy_features)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError("training.unknown_settings", unknown=unknown, names=", ".join(unknown))
        config = cls(**data)
        config.validate()
        return config

    def data_options(self, progress: Any = None) -> DataOptions:
        """What the data set's loader takes from this config."""
        return DataOptions(data_path=self.data_path, samples=self.toy_samples, noise=self.toy_noise,
                           seed=self.toy_seed, features=tuple(self.toy_features), progress=progress,
                           target=self.csv_target, task=self.csv_task)

    def optimizer_hyperparameters(self) -> dict[str, float]:
        """The config's values of the hyperparameters its optimizer takes (Adam: beta1, beta2)."""
        record = OPTIMIZERS[self.optimizer]
        return {name: float(getattr(self, name)) for name in record.hyperparameter_names}

    def validate(self) -> TrainConfig:
        settings = get_settings()
        record = get_dataset(self.dataset)
        if record.toy:
            check_toy_options(self.dataset, self.toy_samples, self.toy_noise, self.toy_features)
            if isinstance(self.toy_seed, bool) or not isinstance(self.toy_seed, int) or \
                    not 0 <= self.toy_seed < 2**31:
                raise InputError("training.bad_toy_seed", field="toy_seed", value=str(self.toy_seed)[:20])
        if self.optimizer not in OPTIMIZERS:
            raise InputError("training.unknown_optimizer", field="optimizer", value=self.optimizer,
                             known=", ".join(OPTIMIZERS))
        losses = all_training_losses()
        if self.loss not in losses:
            raise InputError("training.unknown_loss", field="loss", value=self.loss, known=", ".join(losses))
        if self.csv_task is not None and self.csv_task not in TASKS:
            raise InputError("data.csv_task", field="csv_task", task=str(self.csv_task)[:20])
        task = self.csv_task if self.dataset == "csv" else record.task
        if task is not None:  # a CSV's guessed task is checked once the table is read
            check_loss_task(self.loss, task)
        if not (isinstance(self.lr, int | float) and math.isfinite(self.lr) and 0 < self.lr <= 10):
            raise InputError("training.bad_lr", field="lr", value=self.lr)
        for name in ("momentum", "beta1", "beta2", "alpha"):
            value = getattr(self, name)
            if not 0 <= value < 1:
                raise InputError("training.bad_decay", field=name, name=name, value=value)
        if not 0 <= self.weight_decay <= 1:
            raise InputError("training.bad_weight_decay", field="weight_decay", value=self.weight_decay)
        if not isinstance(self.batch_size, int) or self.batch_size < 0:
            raise InputError("training.bad_batch_size", field="batch_size", value=self.batch_size)
        if not isinstance(self.epochs, int) or not 1 <= self.epochs <= settings.max_epochs:
            raise InputError("training.bad_epochs", field="epochs", value=self.epochs,
                             max_epochs=settings.max_epochs)
        if not 0 < self.val_fraction < 0.5 or not 0 < self.test_fraction < 0.5:
            raise InputError("training.bad_fractions", field="val_fraction", val_fraction=self.val_fraction,
                             test_fraction=self.test_fraction)
        if self.target_accuracy is not None and not 0 < self.target_accuracy <= 1:
            raise InputError("training.bad_target_accuracy", field="target_accuracy", value=self.target_accuracy)
        if self.patience is not None and self.patience < 1:
            raise InputError("training.bad_patience", field="patience", value=self.patience)
        if not isinstance(self.threads, int) or isinstance(self.threads, bool) or not 0 <= self.threads <= 1024:
            raise InputError("training.bad_threads", field="threads", value=self.threads)
        if not isinstance(self.fast, bool):
            raise InputError("training.bad_fast", field="fast", value=self.fast)
        resolve_device(self.device)
        if self.fast:
            check_fast_mode(self.device)
        return self
