"""The losses the optimizers walk: curves of one weight (course text 004) and surfaces of two (003).

A curve or surface is a record: its formula, its function (element-wise on tensors, so one
function draws the grid and gives autograd its gradient), its range, its start, where its minima
are, and what the page says about it. Its words (a curve's label, a surface's name and note) are
worded by the optimizers catalogue (``optimizers.curve.<key>``, ``optimizers.surface.<key>.name``
and ``.note``) in the reader's language.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch

from nnlib.core import messages
from nnlib.optimizers.formulas import Vector

# ---------------------------------------------------------------- one dimension


@dataclass(frozen=True)
class Curve:
    """A loss of one weight: ``fn`` works on a tensor element-wise (a grid or one value)."""

    key: str
    latex: str
    fn: Callable[[torch.Tensor], torch.Tensor]
    w_range: Vector
    start: float
    minimum: float  # where the lowest point is (the global one)

    @property
    def label(self) -> str:
        """How a page offers it: "Parabola (one minimum)"."""
        return messages.word(f"optimizers.curve.{self.key}")


CURVES: dict[str, Curve] = {
    "parabola": Curve(
        "parabola",
        r"\mathcal{L}(w_1) = (w_1 - 1)^2",
        lambda w: (w - 1) ** 2,
        (-2.5, 4.5),
        -1.5,
        1.0,
    ),
    "two_valleys": Curve(
        "two_valleys",
        r"\mathcal{L}(w_1) = \tfrac{1}{4}w_1^4 - w_1^2 + \tfrac{1}{2}w_1",
        lambda w: 0.25 * w**4 - w**2 + 0.5 * w,
        (-2.6, 2.4),
        2.2,
        -1.5257,
    ),
}


def curve_points(curve_key: str, w_range: Vector | None = None, count: int = 200) -> tuple[list[float], list[float]]:
    """The curve sampled on ``count`` points for drawing."""
    curve = CURVES[curve_key]
    low, high = w_range or curve.w_range
    ws = torch.linspace(low, high, count, dtype=torch.float64)
    return ws.tolist(), curve.fn(ws).tolist()


# ---------------------------------------------------------------- two dimensions


@dataclass(frozen=True)
class Surface:
    """A loss of two parameters; ``fn(x, y)`` works element-wise on tensors."""

    key: str
    latex: str
    fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    x_range: Vector
    y_range: Vector
    start: Vector
    minimum_value: float  # the lowest loss on the surface, L*
    minima: tuple[Vector, ...]
    learning_rates: Mapping[str, float]  # a sensible learning rate for each optimizer here
    steps: int

    @property
    def name(self) -> str:
        """Its name in a list: "Saddle"."""
        return messages.word(f"optimizers.surface.{self.key}.name")

    @property
    def note(self) -> str:
        """What to watch for on it."""
        return messages.word(f"optimizers.surface.{self.key}.note")


SURFACES: dict[str, Surface] = {
    "bowl": Surface(
        "bowl",
        r"\mathcal{L}(x, y) = 0.1\,x^2 + 2\,y^2",
        lambda x, y: 0.1 * x**2 + 2 * y**2,
        (-5.0, 5.0),
        (-2.5, 2.5),
        (-4.5, 1.5),
        0.0,
        ((0.0, 0.0),),
        {"sgd": 0.45, "momentum": 0.05, "adagrad": 0.8, "rmsprop": 0.05, "adam": 0.3},
        100,
    ),
    "rosenbrock": Surface(
        "rosenbrock",
        r"\mathcal{L}(x, y) = (1 - x)^2 + 100\,(y - x^2)^2",
        lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
        (-2.0, 2.0),
        (-1.0, 3.0),
        (-1.5, 2.0),
        0.0,
        ((1.0, 1.0),),
        {"sgd": 0.001, "momentum": 0.0005, "adagrad": 0.5, "rmsprop": 0.01, "adam": 0.05},
        1000,
    ),
    "saddle": Surface(
        "saddle",
        r"\mathcal{L}(x, y) = x^2 - y^2 + \tfrac{1}{4}\,y^4",
        lambda x, y: x**2 - y**2 + 0.25 * y**4,
        (-3.0, 3.0),
        (-2.5, 2.5),
        (-2.5, 0.001),
        -1.0,
        ((0.0, math.sqrt(2.0)), (0.0, -math.sqrt(2.0))),
        {"sgd": 0.05, "momentum": 0.01, "adagrad": 0.5, "rmsprop": 0.02, "adam": 0.05},
        200,
    ),
    "himmelblau": Surface(
        "himmelblau",
        r"\mathcal{L}(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
        (-5.0, 5.0),
        (-5.0, 5.0),
        (-0.3, -0.9),
        0.0,
        ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848127)),
        {"sgd": 0.01, "momentum": 0.002, "adagrad": 1.0, "rmsprop": 0.05, "adam": 0.1},
        300,
    ),
}


def surface_grid(surface_key: str, resolution: int = 60) -> tuple[list[float], list[float], list[list[float]]]:
    """Cell centres along x and y, and the loss at every centre (rows follow y)."""
    surface = SURFACES[surface_key]
    xs = torch.linspace(*surface.x_range, resolution, dtype=torch.float64)
    ys = torch.linspace(*surface.y_range, resolution, dtype=torch.float64)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    values = surface.fn(grid_x, grid_y)
    return xs.tolist(), ys.tolist(), values.tolist()


def surface_loss(surface_key: str, point: Vector) -> float:
    surface = SURFACES[surface_key]
    x, y = (torch.tensor(v, dtype=torch.float64) for v in point)
    return float(surface.fn(x, y))
