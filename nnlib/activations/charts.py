"""Chart data: f(x), f'(x) and the saturation intervals where the slope is near zero."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from nnlib.activations.record import Params
from nnlib.activations.registry import get_activation
from nnlib.core.errors import InputError
from nnlib.core.settings import get_settings


@dataclass(frozen=True)
class Curve:
    name: str
    y: list[float]
    slope: list[float]
    peak_slope: float  # the largest |f'| the function reaches (reference grid + plotted range)
    threshold: float  # slopes below this count as saturated
    saturated: list[tuple[float, float]]  # intervals of x


@dataclass(frozen=True)
class CurveSet:
    x: list[float]
    threshold_ratio: float
    curves: tuple[Curve, ...]

    def records(self) -> list[dict[str, Any]]:
        """Long format for charts: one row per activation, x and quantity."""
        rows: list[dict[str, Any]] = []
        for curve in self.curves:
            for x, y, dy in zip(self.x, curve.y, curve.slope, strict=True):
                rows.append({"activation": curve.name, "x": x, "quantity": "f(x)", "value": y})
                rows.append({"activation": curve.name, "x": x, "quantity": "f'(x)", "value": dy})
        return rows

    def interval_records(self) -> list[dict[str, Any]]:
        return [
            {"activation": curve.name, "start": start, "end": end}
            for curve in self.curves
            for start, end in curve.saturated
        ]


# Where the peak slope is looked for, besides the plotted range: wide enough for every
# activation here to reach its largest slope.
REFERENCE_GRID = (-20.0, 20.0, 4001)


def saturation_intervals(
    x: Sequence[float], slope: Sequence[float], threshold: float
) -> list[tuple[float, float]]:
    """Intervals of x where ``|slope| < threshold`` (every point if the threshold is 0 and the
    slope is 0 too), from a sorted grid.

    An interval ends half-way between a saturated grid point and its unsaturated
    neighbour (clipped to the grid), so each end is within half a grid step of
    the true crossing.
    """
    if len(x) != len(slope):
        raise ValueError("x and slope differ in length")
    if not x:
        return []
    flat = [abs(s) < threshold or (threshold == 0 and s == 0) for s in slope]
    intervals: list[tuple[float, float]] = []
    start: int | None = None
    for i, saturated in enumerate([*flat, False]):
        if saturated and start is None:
            start = i
        elif not saturated and start is not None:
            end = i - 1
            left = x[0] if start == 0 else (x[start - 1] + x[start]) / 2
            right = x[-1] if end == len(x) - 1 else (x[end] + x[end + 1]) / 2
            intervals.append((float(left), float(right)))
            start = None
    return intervals


def _check_range(x_min: float, x_max: float, points: int) -> None:
    limit = get_settings().max_tensor_elements
    if not (math.isfinite(x_min) and math.isfinite(x_max)) or x_min >= x_max:
        raise InputError("activations.bad_range", field="x_min", x_min=x_min, x_max=x_max)
    if not 2 <= points <= limit:
        raise InputError("activations.bad_points", field="points", points=points, limit=limit)


def curves(
    names: Sequence[str],
    x_min: float = -6.0,
    x_max: float = 6.0,
    points: int = 601,
    params: Mapping[str, Params] | None = None,
    threshold_ratio: float = 0.05,
) -> CurveSet:
    """f(x), f'(x) and saturation intervals for each named activation, on one grid.

    Saturated means ``|f'(x)| < threshold_ratio * peak``, where ``peak`` is the
    largest slope the function reaches (looked for on [-20, 20] and on the
    plotted range), so a range that shows only a flat tail is shaded whole.
    Computed in float64.
    """
    _check_range(x_min, x_max, points)
    if not 0 < threshold_ratio < 1:
        raise InputError("activations.bad_threshold", field="threshold_ratio", threshold_ratio=threshold_ratio)
    grid = torch.linspace(x_min, x_max, points, dtype=torch.float64)
    reference = torch.linspace(*REFERENCE_GRID[:2], REFERENCE_GRID[2], dtype=torch.float64)
    xs = grid.tolist()
    result = []
    for name in names:
        record = get_activation(name)
        values = (params or {}).get(name)
        y, dy = record.scalar_view(grid, values)
        _, reference_dy = record.scalar_view(reference, values)
        peak = max(float(dy.abs().max()), float(reference_dy.abs().max()))
        threshold = threshold_ratio * peak
        slope = dy.tolist()
        result.append(
            Curve(
                name=record.name,
                y=y.tolist(),
                slope=slope,
                peak_slope=peak,
                threshold=threshold,
                saturated=saturation_intervals(xs, slope, threshold),
            )
        )
    return CurveSet(x=xs, threshold_ratio=threshold_ratio, curves=tuple(result))


