"""Pictures of a network over the plane: the decision boundary under the points, one small map per hidden unit.

Drawn as images (numpy → Pillow), not as charts: 3,600 coloured cells and a few hundred points
are one small PNG per redraw, where a Vega-Lite heatmap would send every cell as a JSON row.
Colours follow TensorFlow Playground: orange for the first class (and for negative unit
outputs), blue for the second (and positive), white in between; a third class is green.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from nnlib.data.toy import PLANE
from nnlib.training.boundary import GRID_RESOLUTION, HiddenLayerMaps, plane_points, run_plane_view

CLASS_COLOURS = np.array([[245, 147, 34], [8, 119, 189], [76, 161, 80], [150, 90, 190]], dtype=np.float64)
NEGATIVE, POSITIVE = CLASS_COLOURS[0], CLASS_COLOURS[1]
WHITE = np.array([255.0, 255.0, 255.0])
POINT_RADIUS = 4


def class_colour(label: int) -> tuple[int, int, int]:
    return tuple(int(c) for c in CLASS_COLOURS[label % len(CLASS_COLOURS)])


def probability_pixels(probabilities: np.ndarray, resolution: int) -> np.ndarray:
    """(resolution, resolution, 3) uint8: each cell the classes' colours weighted by their probabilities,

    paler where the network is unsure (all classes near 1/K), so the boundary shows as a pale band.
    """
    classes = probabilities.shape[1]
    tint = probabilities @ CLASS_COLOURS[:classes]
    confidence = (probabilities.max(axis=1) - 1 / classes) / (1 - 1 / classes)
    strength = (0.2 + 0.55 * confidence)[:, None]
    pixels = WHITE + (tint - WHITE) * strength
    return np.clip(pixels, 0, 255).astype(np.uint8).reshape(resolution, resolution, 3)


def unit_pixels(values: np.ndarray, resolution: int, scale: float) -> np.ndarray:
    """One hidden unit's outputs as (resolution, resolution, 3) uint8: orange below 0, blue above, white at 0."""
    share = np.clip(values / scale if scale > 0 else values * 0, -1, 1)[:, None]
    colour = np.where(share < 0, NEGATIVE, POSITIVE)
    pixels = WHITE + (colour - WHITE) * np.abs(share)
    return pixels.astype(np.uint8).reshape(resolution, resolution, 3)


def to_pixels(points: np.ndarray, size: int, extent: tuple[float, float] = PLANE) -> np.ndarray:
    """Plane coordinates (N, 2) → image coordinates (N, 2): x to the right, y upwards."""
    low, high = extent
    scale = size / (high - low)
    return np.stack([(points[:, 0] - low) * scale, (high - points[:, 1]) * scale], axis=1)


def boundary_image(probabilities: np.ndarray | None, resolution: int, size: int,
                   train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray]) -> Image.Image:
    """The boundary (or a blank plane before any model) with training points filled and test points hollow."""
    if probabilities is None:
        picture = Image.new("RGB", (size, size), (250, 250, 250))
    else:
        cells = Image.fromarray(probability_pixels(probabilities, resolution), "RGB")
        picture = cells.resize((size, size), Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(picture)
    centre = to_pixels(np.zeros((1, 2)), size)[0]
    draw.line([(0, centre[1]), (size, centre[1])], fill=(200, 200, 200))  # the axes, faintly
    draw.line([(centre[0], 0), (centre[0], size)], fill=(200, 200, 200))
    r = POINT_RADIUS
    for (x, y), label in zip(to_pixels(train[0], size), train[1], strict=True):
        draw.ellipse([x - r, y - r, x + r, y + r], fill=class_colour(int(label)), outline=(40, 40, 40))
    for (x, y), label in zip(to_pixels(test[0], size), test[1], strict=True):
        draw.ellipse([x - r - 1, y - r - 1, x + r + 1, y + r + 1], fill=(40, 40, 40))  # dark rim: seen on any tint
        draw.ellipse([x - r, y - r, x + r, y + r], fill=(255, 255, 255), outline=class_colour(int(label)), width=2)
    return picture


def unit_images(values: np.ndarray, resolution: int) -> list[Image.Image]:
    """One small picture per hidden unit of a layer (one pixel per grid point; the browser scales it up),
    on one colour scale for the whole layer."""
    scale = float(np.abs(values).max()) if values.size else 1.0
    return [Image.fromarray(unit_pixels(unit, resolution, scale), "RGB") for unit in values]


def png_bytes(image: Image.Image) -> bytes:
    """PNG with light compression: a third of the default's time for a third more bytes (a redraw is on
    the clock of a run training beside it; the pictures are a few tens of KiB either way)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


@dataclass(frozen=True)
class RunPictures:
    boundary: bytes  # PNG
    hidden: tuple[tuple[HiddenLayerMaps, list[bytes]], ...]  # each hidden layer and its units' PNG pictures


def run_pictures(model: Any, split: Any, features: tuple[str, ...], size: int) -> RunPictures:
    """What one redraw of the live panel computes: the plane view of the model now, and its pictures as PNG.

    ``model`` None (the run has no slot yet) draws the points on a blank plane.
    """
    train = (plane_points(split.train_x, split.mean, split.std), split.train_y.numpy())
    test = (plane_points(split.test_x, split.mean, split.std), split.test_y.numpy())
    view = run_plane_view(model, split, features) if model is not None else None
    picture = boundary_image(view.probabilities if view is not None else None, GRID_RESOLUTION, size, train, test)
    hidden = tuple((maps, [png_bytes(unit) for unit in unit_images(maps.values, GRID_RESOLUTION)])
                   for maps in view.hidden) if view is not None else ()
    return RunPictures(png_bytes(picture), hidden)
