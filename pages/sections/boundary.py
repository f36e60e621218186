"""The Training page's 2-D playground: choosing a toy set, and what the network has learned over the plane.

- :func:`choose_toy_set`: the set, its noise, points, seed and extra inputs (x², y², xy, sin x, sin y),
  and a picture of the points;
- :func:`show_boundary`: the decision boundary under the points (training points filled, test
  points hollow) and one small map per hidden unit, redrawn with the live panel, from a copy of
  the run's weights (:func:`nnlib.training.boundary.run_plane_view`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from nnlib import data as datasets
from nnlib.data.registry import datasets_of
from nnlib.data.toy import (
    EXTRA_FEATURES,
    MAX_NOISE,
    MAX_SAMPLES,
    MIN_SAMPLES,
    PLANE,
    TOY_SETS,
    class_names,
    make_toy_dataset,
)
from nnlib.training.boundary import GRID_RESOLUTION
from nnlib.training.runner import BackgroundRun
from pages.components.heatmap import boundary_image, run_pictures
from pages.components.i18n import N_, _, ngettext
from pages.components.ui import SHARED, accept_linked_label

BOUNDARY_PIXELS = 360
UNIT_PIXELS = 72
PAGE_MAX_SAMPLES = min(MAX_SAMPLES, 5000)  # more points than this only slow the picture down
# The boundary's class colours, in the order of the classes (pages/components/heatmap.py draws them).
CLASS_COLOURS = (N_("orange"), N_("blue"), N_("green"))


@st.cache_resource(show_spinner=False, max_entries=32)
def shared_toy_set(name: str, samples: int, noise: float, seed: int, features: tuple[str, ...]) -> datasets.Dataset:
    """One toy set per setting for the whole server, read-only (it is made in milliseconds, but shared splits
    are keyed by it)."""
    return make_toy_dataset(name, samples, noise, seed, features)


def choose_toy_set(locked: bool) -> tuple[datasets.Dataset, dict[str, Any]]:
    """The toy set's widgets; returns the data set and the TrainConfig fields it brings."""
    names = datasets_of("toy")
    left, right = st.columns([3, 2])  # the picture takes its column's width (the settings column is narrow)
    with left:
        accept_linked_label("training_toy_set", names, lambda key: TOY_SETS[key].title)
        name = st.selectbox(_("Toy set"), names, key="training_toy_set", disabled=locked, **SHARED,
                            format_func=lambda key: TOY_SETS[key].title)
        noise = st.slider(_("Noise"), 0.0, float(MAX_NOISE), 0.2, 0.05, key="training_toy_noise", disabled=locked,
                          **SHARED)
        samples = st.number_input(_("Points"), MIN_SAMPLES, PAGE_MAX_SAMPLES, 400, 50, key="training_toy_samples",
                                  disabled=locked, **SHARED)
        seed = st.number_input(_("Seed of the points"), 0, 2**31 - 1, 0, key="training_toy_seed", disabled=locked,
                               **SHARED)
        features = st.multiselect(_("Extra inputs (besides x and y)"), list(EXTRA_FEATURES),
                                  key="training_toy_features", disabled=locked, **SHARED,
                                  placeholder=_("None: x and y only"),
                                  help=_("Features computed from x and y, as TensorFlow Playground offers: with x² "
                                         "and y² even a network without hidden layers separates the circles."))
    chosen = tuple(f for f in EXTRA_FEATURES if f in features)  # a fixed column order, whatever the click order
    dataset = shared_toy_set(name, int(samples), float(noise), int(seed), chosen)
    with right:
        points = dataset.features[:, :2]
        st.image(boundary_image(None, GRID_RESOLUTION, 240, (points, dataset.labels), _no_points()),
                 caption=_("{description} Both axes from {low} to {high}.").format(
                     description=TOY_SETS[name].description, low=PLANE[0], high=PLANE[1]), width="stretch",
                 output_format="PNG")
    options = {"toy_samples": int(samples), "toy_noise": float(noise), "toy_seed": int(seed), "toy_features": chosen}
    return dataset, options


def _no_points() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((0, 2), np.float32), np.zeros(0, np.int64)


def show_boundary(run: BackgroundRun) -> None:
    """The decision boundary under the points and one map per hidden unit, from the run's weights now."""
    split = run.legs[0].split
    trainer = run.trainer
    pictures = run_pictures(trainer.model if trainer is not None else None, split, run.config.toy_features,
                            BOUNDARY_PIXELS)
    st.markdown(_("**What the network has learned, over the plane**"))
    # One under the other: the boundary, then the hidden units' maps (the panel beside the settings is narrow).
    names = class_names(run.config.dataset, split.classes)
    classes = ", ".join(_("{colour}: {name}").format(colour=_(colour), name=name)
                        for colour, name in zip(CLASS_COLOURS, names, strict=False))
    st.image(pictures.boundary, width=BOUNDARY_PIXELS, output_format="PNG",
             caption=_("Decision boundary: the colour of the class the network predicts ({classes}), paler where "
                       "it is unsure. Filled points: training data; hollow: test data.").format(classes=classes))
    if trainer is None:
        st.caption(_("The maps of the hidden units appear once the run has its training slot."))
        return
    for hidden, (maps, images) in enumerate(pictures.hidden, start=1):
        st.caption(ngettext("Hidden layer {layer} · {name}: {count} unit, model[{index}] (orange below 0, blue above)",
                            "Hidden layer {layer} · {name}: {count} units, model[{index}] (orange below 0, "
                            "blue above)", len(maps.values)).format(
            layer=hidden, name=maps.name, count=len(maps.values), index=maps.layer))
        st.image(images, width=UNIT_PIXELS, caption=[_("unit {number}").format(number=unit + 1)
                                                     for unit in range(len(images))],
                 output_format="PNG")
