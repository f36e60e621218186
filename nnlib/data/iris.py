"""Fisher's iris (1936): 150 flowers, 4 measurements in cm, 3 species, from scikit-learn's bundled copy."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np

from nnlib.core import messages
from nnlib.data.dataset import Dataset, read_only
from nnlib.data.words import Words

IRIS_FEATURE_NAMES = ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)")


def feature_words(dataset: Dataset) -> tuple[str, ...] | None:
    """A data set's feature names as a student reads them: iris's measurements in the current language
    (``data.iris.feature_<i>``), any other's as they are (x, y, a CSV's columns)."""
    if dataset.feature_names is None or tuple(dataset.feature_names) != IRIS_FEATURE_NAMES:
        return dataset.feature_names
    return tuple(messages.word(f"data.iris.feature_{index}") for index in range(len(IRIS_FEATURE_NAMES)))


def _sklearn_iris_csv() -> Path | None:
    """scikit-learn's bundled iris.csv, found without importing scikit-learn (which takes seconds)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "datasets" / "data" / "iris.csv"
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def load_iris() -> Dataset:
    """Fisher's iris: 150 flowers, 4 measurements in cm, 3 species (scikit-learn's bundled copy)."""
    csv = _sklearn_iris_csv()
    if csv is not None:
        with csv.open(encoding="utf-8") as handle:
            header = handle.readline().strip().split(",")  # "150,4,setosa,versicolor,virginica"
            table = np.loadtxt(handle, delimiter=",", dtype=np.float64)
        features, labels, classes = table[:, :4], table[:, 4], tuple(header[2:])
    else:
        from sklearn.datasets import load_iris as sklearn_iris

        bunch = sklearn_iris()
        features, labels, classes = bunch.data, bunch.target, tuple(str(n) for n in bunch.target_names)
    return Dataset(
        name="iris",
        features=read_only(np.asarray(features, dtype=np.float32)),
        labels=read_only(np.asarray(labels, dtype=np.int64)),
        classes=classes,
        feature_names=IRIS_FEATURE_NAMES,
        description=Words("data.iris.description"),
    )
