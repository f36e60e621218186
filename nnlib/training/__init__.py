"""The training engine shared by the page, the CLI, the benchmark and the tests.

One module per idea; this package gathers what they use:

- :mod:`nnlib.training.config`: :class:`TrainConfig`, plain data (same config and seed, same run);
  its loss and optimizer are keys into :mod:`nnlib.losses` and :data:`nnlib.optimizers.OPTIMIZERS`;
- :mod:`nnlib.training.records`: what a trainer reports (:class:`BatchRecord`, :class:`EpochRecord`);
- :mod:`nnlib.training.trainer`: :class:`Trainer`, one run that fires records and never draws;
- :mod:`nnlib.training.recipes`: defaults per dataset, the network, the split, the planned work,
  the PyTorch code that reproduces a run;
- :mod:`nnlib.training.speed`: the fast mode, the thread policy and the lean inner loop;
- :mod:`nnlib.training.runner`: runs in the background, shared fairly by a class on one server;
- :mod:`nnlib.training.insights`: gradient norms, dead ReLU units, the confusion matrix;
- :mod:`nnlib.training.fit`: after a regression run, predicted vs true values, residuals, the fitted curve.

A data set with no classes trains as a regression: float targets, a regression loss of the loss
registry (``training_losses("regression")``: mse, l1, huber, smooth_l1), MSE, MAE and MAPE where a
classification has accuracy.

Every refusal and status is a ``training.*`` message code worded in
``locales/<language>/LC_MESSAGES/training.po``.
"""

from __future__ import annotations

from nnlib.training.config import DATASETS, TrainConfig, all_training_losses, training_losses
from nnlib.training.fit import fitted_curve, predicted_vs_true
from nnlib.training.insights import confusion_matrix
from nnlib.training.recipes import (
    build_network,
    default_config,
    planned_work,
    prepare_split,
    reproduce_code,
    split_data,
)
from nnlib.training.records import BatchRecord, EpochRecord, Listener, RunLog, make_train_state
from nnlib.training.trainer import EVAL_CHUNK, Trainer, warm_up

__all__ = [
    "DATASETS", "EVAL_CHUNK", "BatchRecord", "EpochRecord", "Listener", "RunLog", "TrainConfig", "Trainer",
    "all_training_losses", "build_network", "confusion_matrix", "default_config", "fitted_curve", "make_train_state",
    "planned_work", "predicted_vs_true", "prepare_split", "reproduce_code", "split_data", "training_losses", "warm_up",
]
