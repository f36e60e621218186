"""What a data set is (:class:`Dataset`, :class:`Split`) and the names and limits every loader shares.

Arrays inside a :class:`Dataset` are read-only because loaded data sets are shared
(between Streamlit sessions, and through the in-process caches of the loaders).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from nnlib.core.settings import PROJECT_ROOT, get_settings
from nnlib.data.words import Worded

Progress = Callable[[int, int], None]

NOTMNIST_URL = "http://yaroslavvb.com/upload/notMNIST/notMNIST_small.tar.gz"
NOTMNIST_ARCHIVE_NAME = "notMNIST_small.tar.gz"
NOTMNIST_FOLDER_NAME = "notMNIST_small"
LETTERS: tuple[str, ...] = tuple("ABCDEFGHIJ")
IMAGE_SIDE = 28
OFFLINE_LETTERS_FILE = PROJECT_ROOT / "data" / "offline_letters.npz"

# Bump when the cached arrays change meaning, so old cache files are ignored.
CACHE_VERSION = 1
CACHE_PREFIX = "notmnist-"
# A 28x28 grayscale PNG is well under 2 KB; a member far larger is not a notMNIST image.
MAX_IMAGE_FILE_BYTES = 64 * 1024
MEGABYTE = 1024 * 1024
# notMNIST's PNGs barely compress, so its .tar.gz expands about 4x; an archive that claims to
# expand far more (a "zip bomb") is refused before it is decompressed.
MAX_EXPANSION_RATIO = 50
PROGRESS_EVERY = 256  # images (or 512-byte tar headers) between two progress calls
# The source of a student's upload: this prefix and a hash of its bytes (never a path).
UPLOAD_PREFIX = "upload:"


@dataclass(frozen=True, eq=False)
class Dataset:
    """A labelled data set, ready to split.

    ``features`` is (150, 4) float32 for iris and (N, 28, 28) uint8 for the
    letters (255 = white letter, 0 = black background); ``labels`` is (N,) int64.
    ``description`` is given as text or as :class:`~nnlib.data.words.Words` (a catalogue
    code): it reads in the language of whoever reads it, since a loaded data set is shared.
    """

    name: str
    features: np.ndarray = field(repr=False)
    labels: np.ndarray = field(repr=False)
    classes: tuple[str, ...]
    feature_names: tuple[str, ...] | None
    description: str = Worded()  # type: ignore[assignment]  # text in the current language
    skipped: int = 0  # image files that did not decode
    refused: int = 0  # archive or folder entries not read: links, absolute or '..' paths
    source: str | None = None  # where the data was read from; "upload:<hash>" for a student's upload

    @property
    def is_image(self) -> bool:
        return self.features.ndim == 3

    @property
    def images(self) -> np.ndarray:
        if not self.is_image:
            raise AttributeError(f"The {self.name} data set has no images.")
        return self.features

    @property
    def source_path(self) -> str | None:
        """The real notMNIST archive or folder this was read from, if it still exists.

        None for iris, the offline letters, a student's upload (kept in that session only)
        and a cached copy whose archive is gone: pass it to :func:`load_notmnist` to read
        the same data again.
        """
        if (
            self.name == "notmnist"
            and self.source
            and not self.source.startswith(UPLOAD_PREFIX)
            and Path(self.source).exists()
        ):
            return self.source
        return None

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def class_counts(self) -> np.ndarray:
        """Samples per class, in the order of ``classes``."""
        return np.bincount(self.labels, minlength=len(self.classes))


@dataclass(frozen=True, eq=False)
class Split:
    """Train / validation / test tensors on the CPU: float32 features, int64 labels.

    Images are scaled to [0, 1] and keep their (N, 28, 28) shape. With
    standardization, ``mean`` and ``std`` come from the training part only (per
    feature for tables, one number for images) and every part is transformed with them.
    """

    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    classes: tuple[str, ...]
    mean: torch.Tensor | None
    std: torch.Tensor | None


def read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def data_dir_path(data_dir: str | os.PathLike[str] | None) -> Path:
    return Path(data_dir if data_dir is not None else get_settings().data_dir)
