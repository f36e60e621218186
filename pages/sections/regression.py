"""The Training page's regressions: the curve and the diabetes table, their loss, live errors and results.

- :func:`choose_regression_set`: the set (the 1-D curve or the diabetes table) and its loss;
- :func:`choose_loss`: a regression's loss (MSE, L1, Huber, SmoothL1) or a classification's, from the registry;
- :func:`draw_live_errors`: the validation MAE beside the loss while the run goes (a classification's accuracy);
- :func:`show_fit`: the curve's fitted function over its points, redrawn with the live panel;
- :func:`show_test_results`: test MSE, MAE and MAPE, predicted vs true with the line y = x, the residuals.

The numbers come from the trainer (nnlib.training.fit, the trainer's test state); this module draws.
"""

from __future__ import annotations

import copy
import math
from types import SimpleNamespace
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
import torch

from nnlib import data as datasets
from nnlib.data.registry import DATASETS, DataOptions, datasets_of, load_dataset
from nnlib.training.config import CLASSIFICATION, REGRESSION, training_losses
from nnlib.training.fit import fitted_curve, predicted_vs_true
from nnlib.training.runner import BackgroundRun
from pages.components import charts
from pages.components.i18n import N_, _
from pages.components.ui import SHARED, accept_linked_label

FIT_HEIGHT = 280
# What each training loss is, beside its PyTorch name (the stored value stays the registry's key).
LOSS_WORDS = {
    "mse": N_("mean squared error"),
    "l1": N_("mean absolute error"),
    "smooth_l1": N_("squared near 0, absolute further out"),
    "huber": N_("squared near 0, absolute further out (δ)"),
    "cross_entropy": N_("the classes' log-softmax and NLL"),
    "nll": N_("on log-probabilities"),
}


@st.cache_resource(show_spinner=False, max_entries=8)
def _shared_regression_set(name: str, samples: int, noise: float, seed: int) -> datasets.Dataset:
    return load_dataset(name, DataOptions(samples=samples, noise=noise, seed=seed))


def is_regression(dataset: datasets.Dataset) -> bool:
    """A data set with no classes is a regression."""
    return not dataset.classes


def choose_loss(task: str, locked: bool, key: str = "training_loss", binding: dict | None = None) -> str:
    """The training loss of ``task``, from the loss registry; the default first."""
    losses = training_losses(task)
    names = list(losses)

    def label(k: str) -> str:
        return f"{losses[k].module_name}: {_(LOSS_WORDS[k])}" if k in LOSS_WORDS else losses[k].module_name

    if binding is None:  # bound to the address: a link in either language opens the same loss
        accept_linked_label(key, names, label)
    return st.selectbox(_("Loss function"), names, key=key, disabled=locked, **(SHARED if binding is None else binding),
                        format_func=label)


def choose_regression_set(locked: bool) -> tuple[datasets.Dataset, dict[str, Any]]:
    """The regression set and its loss; returns the data set and the TrainConfig fields it brings."""
    names = datasets_of("regression")
    # One under the other: the sets' titles and the losses' words are too long for half the settings column.
    accept_linked_label("training_regression_set", names, lambda key: DATASETS[key].title)
    name = st.selectbox(_("Regression set"), names, key="training_regression_set", disabled=locked, **SHARED,
                        format_func=lambda key: DATASETS[key].title)
    loss = choose_loss(REGRESSION, locked)
    training = DATASETS[name].training
    samples, noise = int(training.get("toy_samples", 200)), float(training.get("toy_noise", 0.1))
    dataset = _shared_regression_set(name, samples, noise, 0)
    settings: dict[str, Any] = {"loss": loss}
    if name == "curve":
        settings |= {"toy_samples": samples, "toy_noise": noise, "toy_seed": 0}
        points = [{"x": float(x), "y": float(y)} for x, y in zip(dataset.features[:, 0], dataset.labels, strict=True)]
        charts.show("", 160, charts.layer(points, {"type": "point", "filled": True, "opacity": 0.6, "size": 18},
                                          x=charts.quantitative("x", "x"), y=charts.quantitative("y", "y")))
    st.caption(dataset.description)
    return dataset, settings


def restore_values(config: Any) -> dict[str, Any]:
    """The widgets' values of a regression or CSV run found again (a reload, another tab)."""
    values: dict[str, Any] = {"training_loss": config.loss}
    if DATASETS[config.dataset].family == "regression":
        values["training_regression_set"] = config.dataset
    return values


# ------------------------------------------------------------------ the live panel


def draw_live_errors(active: BackgroundRun, height: int) -> None:
    """The validation mean absolute error per epoch (a regression has no accuracy)."""
    rows = [{"epoch": r.epoch_index, "mae": r.val_mae} for r in active.history() if r.val_mae is not None]
    if not rows:
        return
    epoch = charts.quantitative("epoch", _("epoch"), axis={"format": "d", "tickMinStep": 1})
    charts.show(_("Validation MAE (mean absolute error)"), height, charts.layer(
        rows, {"type": "line", "point": True, "color": "#ff7f0e"}, x=epoch, y=charts.quantitative("mae", ""),
        tooltip=charts.tooltip({"field": "epoch", "title": _("epoch")},
                               {"field": "mae", "title": _("MAE"), "format": ".4f"})))


def _weights_copy(trainer: Any) -> SimpleNamespace:
    """What :func:`fitted_curve` reads of a trainer, with a CPU copy of its model (safe while it trains)."""
    model = copy.deepcopy(trainer.model).to("cpu", torch.float32)

    @torch.no_grad()
    def outputs(x: torch.Tensor) -> torch.Tensor:
        model.eval()
        return model(x)

    return SimpleNamespace(regression=True, classes=(), train_x=trainer.train_x.cpu(), val_x=trainer.val_x.cpu(),
                           test_x=trainer.test_x.cpu(), mean=trainer.mean, std=trainer.std, device="cpu",
                           outputs=outputs)


def show_fit(run: BackgroundRun) -> None:
    """The curve's points (training filled, test hollow) and the network's function over them, now."""
    split = run.legs[0].split
    trainer = run.trainer

    def points(x: torch.Tensor, y: torch.Tensor, part: str) -> list[dict]:
        values = x.float()
        if split.std is not None:
            values = values * split.std + split.mean
        return [{"x": float(a), "y": float(b), "part": part} for a, b in zip(values[:, 0], y, strict=True)]

    parts = {"train": _("training"), "test": _("test")}
    rows = points(split.train_x, split.train_y, parts["train"]) + points(split.test_x, split.test_y, parts["test"])
    color = charts.nominal("part", _("data"), scale={"domain": list(parts.values()), "range": ["#1f77b4", "#aaa"]})
    layers = [charts.layer(rows, {"type": "point", "opacity": 0.7, "size": 20}, x=charts.quantitative("x", "x"),
                           y=charts.quantitative("y", "y"), color=color)]
    if trainer is not None:
        curve = fitted_curve(_weights_copy(trainer))
        fit = [{"x": float(x), "y": float(y)} for x, y in zip(curve.x, curve.y, strict=True)]
        layers.append(charts.layer(fit, {"type": "line", "color": "#d62728", "strokeWidth": 3},
                                   x=charts.quantitative("x", "x"), y=charts.quantitative("y", "y")))
    st.markdown("**{}**".format(_("What the network has learned: its function (red) over the points")))
    charts.show("", FIT_HEIGHT, *layers)
    if trainer is None:
        st.caption(_("The fitted function appears once the run has its training slot."))


# ------------------------------------------------------------------ results


def number(value: float | None, digits: int = 4) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def show_test_results(run: BackgroundRun) -> None:
    """Test MSE, MAE and MAPE, predicted vs true with the line y = x, and the residuals."""
    trainer = run.trainer
    state = trainer.state
    metrics = st.columns(4)
    metrics[0].metric(_("Test MSE"), number(state["test_mse"]))
    metrics[1].metric(_("Test MAE"), number(state["test_mae"]))
    mape = state["test_mape"]
    metrics[2].metric(_("Test MAPE"), number(mape) + " %" if mape is not None and math.isfinite(mape) else "—")
    metrics[3].metric(_("Epochs"), trainer.epoch)
    count = len(trainer.test_y)
    st.caption(_("Stopped because {reason}. On {count} test samples: MSE = mean of (true − predicted)², "
                 "MAE = mean of |true − predicted|, MAPE = mean of |true − predicted| / |true| × 100 %.").format(
        reason=trainer.stop_reason, count=count))
    if mape is None or not math.isfinite(mape):
        if bool((trainer.test_y == 0).any()):
            st.caption(_("MAPE is not defined here: a test target is 0."))
        else:
            st.caption(_("MAPE is not a finite number here: the run diverged (its predictions are too large or not numbers)."))
    result = predicted_vs_true(trainer, "test")
    frame = pd.DataFrame({"true": result.true.numpy(), "predicted": result.predicted.numpy(),
                          "residual": result.residuals.numpy()})
    low = float(min(frame["true"].min(), frame["predicted"].min()))
    high = float(max(frame["true"].max(), frame["predicted"].max()))
    true_title, predicted_title, residual_title = _("true value"), _("predicted value"), _("residual (true − predicted)")
    tooltip = [alt.Tooltip("true:Q", title=true_title, format=".4f"),
               alt.Tooltip("predicted:Q", title=predicted_title, format=".4f"),
               alt.Tooltip("residual:Q", title=residual_title, format=".4f")]
    scale = alt.Scale(domain=[low, high])
    scatter = alt.Chart(frame).mark_circle(size=40, opacity=0.7).encode(
        x=alt.X("true:Q", title=true_title, scale=scale), y=alt.Y("predicted:Q", title=predicted_title, scale=scale),
        tooltip=tooltip)
    diagonal = alt.Chart(pd.DataFrame({"true": [low, high], "predicted": [low, high]})).mark_line(
        color="#d62728", strokeDash=[6, 4]).encode(x="true:Q", y="predicted:Q")
    residuals = alt.Chart(frame).mark_circle(size=40, opacity=0.7, color="#ff7f0e").encode(
        x=alt.X("predicted:Q", title=predicted_title), y=alt.Y("residual:Q", title=residual_title), tooltip=tooltip)
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#888").encode(y="zero:Q")
    left, right = st.columns(2)
    with left:
        st.altair_chart((scatter + diagonal).properties(
            title=_("Predicted vs true values"), height=320), width="stretch")
    with right:
        st.altair_chart((residuals + zero).properties(title=_("Residuals against the prediction"), height=320),
                        width="stretch")
    st.caption(_("The dashed line is y = x: points on it are predicted exactly; residuals scattered evenly around 0 "
                 "with no pattern mean the network has taken what the inputs can tell."))


def task_of(dataset: datasets.Dataset) -> str:
    return REGRESSION if is_regression(dataset) else CLASSIFICATION
