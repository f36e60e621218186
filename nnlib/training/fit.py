"""What a regression run has learned, as numbers a page draws: predicted vs true, residuals, the fitted curve.

- :func:`predicted_vs_true`: the validation or test split's true and predicted values and their
  residuals (true − predicted), for a predicted-vs-true scatter and a residual plot;
- :func:`fitted_curve`: for a data set with one input (the 1-D curve), the network's function on
  an even grid in the input's own units, for a live fit chart drawn over the points.

Both read a :class:`~nnlib.training.trainer.Trainer` and never draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from nnlib.core.errors import InputError

CURVE_POINTS = 200
MAX_CURVE_POINTS = 5000


@dataclass(frozen=True)
class PredictedVsTrue:
    """One split's (N,) true and predicted values, in the target's own units, and their residuals."""

    part: str
    true: torch.Tensor
    predicted: torch.Tensor

    @property
    def residuals(self) -> torch.Tensor:
        """true − predicted: positive where the network predicted too little."""
        return self.true - self.predicted


@dataclass(frozen=True)
class FittedCurve:
    """The network's function of its one input: (points,) x in the input's own units and the predicted y."""

    x: torch.Tensor
    y: torch.Tensor


def _regression_only(trainer: Any) -> None:
    if not trainer.regression:
        raise InputError("training.not_regression", classes=len(trainer.classes))


def predicted_vs_true(trainer: Any, part: str = "test") -> PredictedVsTrue:
    """True and predicted values of the "val" or "test" split ("train" too) of a regression run."""
    _regression_only(trainer)
    if part not in ("train", "val", "test"):
        raise InputError("training.bad_part", field="part", part=str(part)[:20])
    predicted, true = trainer.predict(part)
    return PredictedVsTrue(part, true, predicted)


def input_range(trainer: Any) -> tuple[float, float]:
    """The smallest and largest input of all splits, in the input's own units (the chart's x range)."""
    inputs = torch.cat([trainer.train_x, trainer.val_x, trainer.test_x]).float().cpu()
    if trainer.std is not None:
        inputs = inputs * trainer.std + trainer.mean
    return float(inputs.min()), float(inputs.max())


def fitted_curve(trainer: Any, points: int = CURVE_POINTS, low: float | None = None,
                 high: float | None = None) -> FittedCurve:
    """The network's prediction on ``points`` even steps from ``low`` to ``high`` (default: the data's range).

    The grid is in the input's own units and scaled as the training inputs were (the training
    split's mean and standard deviation), so the curve sits over the points as they are drawn.
    """
    _regression_only(trainer)
    if tuple(trainer.train_x.shape[1:]) != (1,):
        raise InputError("training.curve_needs_one_input", inputs=int(trainer.train_x[0].numel()))
    if isinstance(points, bool) or not isinstance(points, int) or not 2 <= points <= MAX_CURVE_POINTS:
        raise InputError("training.curve_points", field="points", value=str(points)[:20], limit=MAX_CURVE_POINTS)
    data_low, data_high = input_range(trainer)
    x = torch.linspace(data_low if low is None else low, data_high if high is None else high, points)
    scaled = x.reshape(-1, 1)
    if trainer.std is not None:
        scaled = (scaled - trainer.mean) / trainer.std
    y = trainer.outputs(scaled.to(trainer.device, torch.float32)).reshape(-1).float().cpu()
    return FittedCurve(x, y)
