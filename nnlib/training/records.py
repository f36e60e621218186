"""What a trainer reports: a record per batch and per epoch, collected by whoever listens.

The trainer never draws (minGPT's way): the page turns these records into charts, the CLI
prints them, a test collects them into a list with :class:`RunLog`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from nnlib.training.config import TrainConfig

@dataclass(frozen=True)
class BatchRecord:
    epoch: int  # 1-based epoch this batch belongs to
    batch: int  # 1-based index within the epoch
    batches: int
    samples_seen: int  # in this run, all epochs
    seconds: float  # wall time spent training so far in this trainer
    loss_tensor: torch.Tensor  # on the device; read .loss only when you need the number

    @property
    def loss(self) -> float:
        return float(self.loss_tensor)


@dataclass(frozen=True)
class EpochRecord:
    epoch_index: int  # 1-based
    train_loss: float
    train_acc: float | None  # None for a regression
    val_loss: float
    val_acc: float | None  # None for a regression
    seconds: float  # this epoch's training time
    samples_per_s: float
    val_mse: float | None = None  # a regression's validation errors (None for a classification)
    val_mae: float | None = None
    val_mape: float | None = None  # percent; inf where a target is 0


Listener = Callable[[BatchRecord | EpochRecord], None]


def make_train_state(config: TrainConfig) -> dict[str, Any]:
    """The course's train state (text 000), plus the early-stopping bookkeeping."""
    return {
        "stop_early": False,
        "early_stopping_step": 0,
        "early_stopping_best_val": math.inf,
        "learning_rate": config.lr,
        "epoch_index": 0,
        "train_loss": [],
        "train_acc": [],
        "val_loss": [],
        "val_acc": [],
        "test_loss": -1,
        "test_acc": -1,
    }


@dataclass
class RunLog:
    """Collects a trainer's records (what a test or the CLI listens with)."""

    batches: list[BatchRecord] = field(default_factory=list)
    epochs: list[EpochRecord] = field(default_factory=list)

    def __call__(self, record: BatchRecord | EpochRecord) -> None:
        (self.batches if isinstance(record, BatchRecord) else self.epochs).append(record)
