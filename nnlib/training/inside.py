"""A look inside a trained network: first-layer weights as pictures, a student's own letter, its mistakes.

For notMNIST every first-layer unit has one weight per pixel, so its 784 weights *are* a 28×28
picture of what the unit looks for (:func:`first_layer_pictures`). :func:`letter_image` turns any
picture a student uploads into the 28×28 white-on-black form the letters were trained on, and
:func:`mistakes` groups the test samples by (true class, predicted class) so a page can show the
examples behind each cell of the confusion matrix.
"""

from __future__ import annotations

import io
from collections import defaultdict

import numpy as np
from torch import nn

from nnlib.core.errors import InputError

SIDE = 28
MAX_LETTER_BYTES = 4 * 2**20
MAX_LETTER_PIXELS = 4096 * 4096  # a larger picture is refused before it is decoded
LETTER_BOX = 24  # the letter is scaled to fit this box, centred on the 28x28 canvas


def first_layer_pictures(model: nn.Module, side: int = SIDE) -> np.ndarray:
    """(units, side, side): each first-layer unit's weights, scaled to [-1, 1] by its largest."""
    first = next((m for m in model.modules() if isinstance(m, nn.Linear)), None)
    if first is None or first.in_features != side * side:
        raise InputError("training.no_picture_layer", side=side)
    weights = first.weight.detach().float().cpu().numpy().reshape(first.out_features, side, side)
    largest = np.abs(weights).reshape(len(weights), -1).max(axis=1)
    return weights / np.where(largest > 0, largest, 1.0)[:, None, None]


def letter_image(data: bytes, file_name: str) -> np.ndarray:
    """(28, 28) uint8, a white letter on black like notMNIST, from any picture of one letter."""
    from PIL import Image, UnidentifiedImageError

    name = file_name[-80:]
    if len(data) > MAX_LETTER_BYTES:
        raise InputError("training.letter_too_big", file=name, limit=MAX_LETTER_BYTES // 2**20)
    try:
        with Image.open(io.BytesIO(data)) as picture:
            if picture.width * picture.height > MAX_LETTER_PIXELS:
                raise InputError("training.letter_too_many_pixels", file=name, width=picture.width,
                                 height=picture.height)
            gray = np.asarray(picture.convert("L"), dtype=np.float32)
    except InputError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InputError("training.letter_unreadable", file=name) from None
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if border.mean() > 127:  # dark ink on light paper: turn it into the letters' light-on-dark
        gray = 255.0 - gray
    ink = gray > max(gray.max() * 0.25, 1.0)
    if not ink.any():
        raise InputError("training.letter_blank", file=name)
    rows, cols = np.where(ink)
    crop = gray[rows.min(): rows.max() + 1, cols.min(): cols.max() + 1]
    scale = LETTER_BOX / max(crop.shape)
    height, width = max(1, round(crop.shape[0] * scale)), max(1, round(crop.shape[1] * scale))
    resized = np.asarray(Image.fromarray(crop.astype(np.uint8)).resize((width, height), Image.BILINEAR))
    canvas = np.zeros((SIDE, SIDE), dtype=np.uint8)
    top, left = (SIDE - height) // 2, (SIDE - width) // 2
    canvas[top: top + height, left: left + width] = resized
    return canvas


def mistakes(labels: np.ndarray, predicted: np.ndarray) -> dict[tuple[int, int], list[int]]:
    """Sample indices for every (true class, predicted class) pair that differs, most frequent first."""
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, (truth, guess) in enumerate(zip(labels.tolist(), predicted.tolist(), strict=True)):
        if truth != guess:
            groups[(truth, guess)].append(index)
    return dict(sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])))
