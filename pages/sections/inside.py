"""Inside the trained network, after a run: what its first layer looks for, a student's own letter, its errors.

- letters (notMNIST, the offline letters): each first-layer unit's 784 weights as a 28×28 picture, and a
  picture the student uploads (any size) turned into what the network sees, with the ten probabilities;
- every task: the errors grouped (a classification's (true, predicted) pairs, a regression's bins of the
  true value) so the student picks one and sees the test samples behind it.

The numbers are nnlib.training.inside's and the trainer's; this module draws them in an expander, so the
page's first screen stays the data, the settings, Start and the live panel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

from nnlib import data as datasets
from nnlib.core.errors import InputError
from nnlib.training.inside import first_layer_pictures, letter_image, mistakes
from nnlib.training.runner import BackgroundRun
from pages.components.i18n import _, ngettext
from pages.components.ui import KEPT, show_input_error

MAX_UNITS = 64  # first-layer pictures shown (notMNIST's preset has 256)
MAX_EXAMPLES = 24
REGRESSION_BINS = 5


def show_inside(run: BackgroundRun, dataset: datasets.Dataset) -> None:
    trainer = run.trainer
    with st.expander(_("Inside the trained network: what it looks for and where it goes wrong")):
        if trainer.test_x.dim() == 3 and tuple(trainer.test_x.shape[1:]) == (28, 28):
            show_first_layer(trainer)
            show_own_letter(trainer)
        if trainer.regression:
            show_error_bins(run, dataset)
        else:
            show_mistakes(run, dataset)


def _picture(values: np.ndarray, scale: int = 3) -> np.ndarray:
    """Weights in [-1, 1] as an RGB picture: blue above 0, orange below, white at 0, enlarged ``scale`` times."""
    positive, negative = np.clip(values, 0, 1), np.clip(-values, 0, 1)
    rgb = np.stack([1 - positive * 0.88, 1 - positive * 0.53 - negative * 0.5, 1 - negative * 0.95], axis=-1)
    return np.kron(rgb, np.ones((scale, scale, 1))).clip(0, 1)


def show_first_layer(trainer) -> None:
    try:
        pictures = first_layer_pictures(trainer.model)
    except InputError:
        st.caption(_("This network's first layer is not a Linear layer over the 784 pixels, so its weights "
                     "are not pictures."))
        return
    shown = pictures[:MAX_UNITS]
    st.markdown("**{}**".format(_("First-layer weights as 28×28 pictures")))
    st.caption(ngettext("The first {shown} of {count} unit, numbered: each has one weight per pixel. Blue pixels "
                        "push the unit up, orange ones down; each picture is scaled by its largest weight.",
                        "The first {shown} of {count} units, numbered: each has one weight per pixel. Blue pixels "
                        "push the unit up, orange ones down; each picture is scaled by its largest weight.",
                        len(pictures)).format(shown=len(shown), count=len(pictures)))
    st.image([_picture(p) for p in shown], width=56,
             caption=[str(i + 1) for i in range(len(shown))], clamp=True)  # "unit 12" wraps under 56 px


def show_own_letter(trainer) -> None:
    st.markdown("**{}**".format(_("Your own letter")))
    upload = st.file_uploader(_("A picture of one letter, A to J (PNG or JPEG, any size)"),
                              type=["png", "jpg", "jpeg", "gif", "bmp", "webp"], key="training_inside_letter")
    if upload is None:
        st.caption(_("Draw or photograph a letter: the network sees it cropped, centred and shrunk to 28×28, "
                     "light on dark like the training letters."))
        return
    try:
        image = letter_image(upload.getvalue(), upload.name)
    except InputError as error:
        show_input_error(error)
        return
    x = torch.from_numpy(image.astype(np.float32) / 255.0)[None]
    if trainer.std is not None:
        x = (x - trainer.mean) / trainer.std
    with torch.no_grad():
        probabilities = torch.softmax(trainer.outputs(x.to(trainer.device)).float(), dim=1)[0].cpu()
    classes = list(trainer.classes)
    best = int(probabilities.argmax())
    left, right = st.columns([1, 3])
    left.image(np.kron(image, np.ones((4, 4), dtype=np.uint8)), width=112,
               caption=_("What the network sees (28×28)"))
    right.bar_chart(pd.DataFrame({_("letter"): classes, _("probability"): probabilities.numpy()}),
                    x=_("letter"), y=_("probability"), height=200)
    right.markdown(_("The network says **{letter}** with probability {probability:.1%}.").format(
        letter=classes[best], probability=float(probabilities[best])))


def show_mistakes(run: BackgroundRun, dataset: datasets.Dataset) -> None:
    trainer = run.trainer
    predicted, true = trainer.predict("test")
    groups = mistakes(true.numpy(), predicted.numpy())
    classes = list(trainer.classes)
    st.markdown("**{}**".format(_("The test mistakes, pair by pair")))
    if not groups:
        st.caption(_("No test sample is misclassified."))
        return
    pairs = list(groups)
    chosen = st.selectbox(_("True class → predicted class"), range(len(pairs)), key="training_inside_pair", **KEPT,
                          format_func=lambda i: ngettext("{true} → {predicted}: {count} sample",
                                                         "{true} → {predicted}: {count} samples",
                                                         len(groups[pairs[i]])).format(
                              true=classes[pairs[i][0]], predicted=classes[pairs[i][1]],
                              count=len(groups[pairs[i]])))
    indices = groups[pairs[min(chosen, len(pairs) - 1)]][:MAX_EXAMPLES]
    _show_examples(run, dataset, indices)


def _show_examples(run: BackgroundRun, dataset: datasets.Dataset, indices: list[int], extra: dict | None = None) -> None:
    trainer = run.trainer
    rows = trainer.test_x[indices].cpu().float()
    if rows.dim() == 3:
        low = rows.amin(dim=(1, 2), keepdim=True)
        high = rows.amax(dim=(1, 2), keepdim=True)
        pictures = ((rows - low) / (high - low).clamp(min=1e-8)).numpy()
        st.image([np.kron(p, np.ones((2, 2))) for p in pictures], width=56)
        return
    if trainer.std is not None:  # the inputs in their own units, not the standardized ones
        rows = rows * trainer.std + trainer.mean
    names = list(dataset.feature_names or [f"x{i}" for i in range(rows.shape[1])])
    table = pd.DataFrame(rows.numpy(), columns=names[: rows.shape[1]])
    for title, values in (extra or {}).items():
        table[title] = values
    st.dataframe(table, hide_index=True)


def show_error_bins(run: BackgroundRun, dataset: datasets.Dataset) -> None:
    """A regression's test samples in bins of the true value, each bin's mean absolute error, and its samples."""
    trainer = run.trainer
    predicted, true = trainer.predict("test")
    true_values, errors = true.numpy(), (true - predicted).abs().numpy()
    edges = np.unique(np.quantile(true_values, np.linspace(0, 1, REGRESSION_BINS + 1)))
    if len(edges) < 2:  # every test target is the same value: there are no bins to group by
        st.caption(_("All test targets have the same value, {value:g}: there are no bins of the true value to "
                     "show.").format(value=round(float(true_values.flat[0]), 4) if true_values.size else 0.0))
        return
    bins = np.clip(np.searchsorted(edges, true_values, side="right") - 1, 0, len(edges) - 2)
    st.markdown("**{}**".format(_("The test errors by the size of the true value")))
    rows = []
    for index in range(len(edges) - 1):
        members = np.flatnonzero(bins == index)
        rows.append({_("true value from"): round(float(edges[index]), 4), _("to"): round(float(edges[index + 1]), 4),
                     _("test samples"): len(members),
                     _("MAE"): round(float(errors[members].mean()), 4) if len(members) else None})
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    chosen = st.selectbox(_("Bin"), range(len(rows)), key="training_inside_bin", **KEPT,
                          format_func=lambda i: _("{low:g} to {high:g}").format(
                              low=round(float(edges[i]), 4), high=round(float(edges[i + 1]), 4)))
    members = np.flatnonzero(bins == min(chosen, len(rows) - 1))
    members = members[np.argsort(-errors[members])][:MAX_EXAMPLES]  # the worst first
    _show_examples(run, dataset, members.tolist(), {
        _("true value"): true_values[members], _("predicted value"): predicted.numpy()[members],
        _("error"): errors[members]})
