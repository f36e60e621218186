"""Optimizers: one record per optimizer (the torch factory, the step by hand, the formulas) and the loss surfaces they walk.

``OPTIMIZERS`` is the one registry the Optimizers page, the trainer, the CLI and the tests read;
its order is the order pages offer them. A new optimizer is a module with one
:class:`~nnlib.optimizers.record.Optimizer` and one line here.
The loss curves and surfaces live in :mod:`nnlib.optimizers.surfaces`, the paths over them in
:mod:`nnlib.optimizers.paths`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import torch

from nnlib.core.errors import InputError
from nnlib.optimizers.adagrad import ADAGRAD
from nnlib.optimizers.adam import ADAM
from nnlib.optimizers.momentum import MOMENTUM
from nnlib.optimizers.record import Hyperparameter, Optimizer
from nnlib.optimizers.rmsprop import RMSPROP
from nnlib.optimizers.sgd import SGD

OPTIMIZERS: dict[str, Optimizer] = {
    record.key: record
    for record in (
        SGD,
        MOMENTUM,
        ADAGRAD,
        RMSPROP,
        ADAM,
    )
}

__all__ = [
    "OPTIMIZERS", "Hyperparameter", "Optimizer", "build_optimizer", "get_optimizer", "hyperparameter_values",
    "optimizer_code",
]


def get_optimizer(key: str) -> Optimizer:
    """The record of ``key``, or InputError ``optimizers.unknown`` listing the known ones."""
    if key not in OPTIMIZERS:
        raise InputError("optimizers.unknown", field="optimizer", name=str(key)[:40], known=", ".join(OPTIMIZERS))
    return OPTIMIZERS[key]


def build_optimizer(
    key: str,
    params: Iterable[torch.Tensor],
    lr: float,
    *,
    weight_decay: float = 0.0,
    fused: bool = False,
    foreach: bool | None = None,
    **hyper: float,
) -> torch.optim.Optimizer:
    """The ``torch.optim`` optimizer ``key`` over ``params``.

    ``hyper`` are the record's hyperparameters by name (``momentum``, ``alpha``, ``beta1``,
    ``beta2``); one not given takes its default, one the optimizer does not take is an
    InputError. ``fused`` asks for torch's fused kernel where the optimizer has one
    (``supports_fused``); ``weight_decay`` is passed only when not 0, as the exported code writes it.
    """
    return get_optimizer(key).build(params, lr, hyper, weight_decay=weight_decay, fused=fused, foreach=foreach)


def optimizer_code(key: str, lr: float, *, weight_decay: float = 0.0, **hyper: float) -> str:
    """The same optimizer as PyTorch code over ``model.parameters()``."""
    return get_optimizer(key).code(lr, hyper, weight_decay)


def hyperparameter_values(record: Optimizer, values: Mapping[str, float]) -> dict[str, float]:
    """The record's hyperparameters picked out of ``values`` (a config or a page's state)."""
    return {name: float(values[name]) for name in record.hyperparameter_names if name in values}
