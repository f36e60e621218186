"""Sections of the Training page: the run's settings, its controls, the live panel, the results, the race.

A run belongs to the student, not to the tab: it is registered on the server's run board under
the student's key, its token sits in the page's address (``?run=``), and a reload, another tab
or a closed-and-reopened tab finds it again. It trains in a background thread, so the page stays
usable and leaving it keeps the run. Datasets are loaded once per server and shared read-only.

Everything an optimizer or a loss shows comes from its record (nnlib.optimizers, nnlib.losses);
the numbers come from nnlib.training; statuses and stop reasons are worded by the catalogue.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
import torch

from nnlib import data as datasets
from nnlib import layers as net
from nnlib.core import messages
from nnlib.core.device import available_devices, device_label
from nnlib.core.errors import InputError
from nnlib.core.settings import get_settings
from nnlib.data.registry import DATASETS, FAMILIES, get_dataset
from nnlib.data.toy import class_names, class_words
from nnlib.optimizers import OPTIMIZERS
from nnlib.training import TrainConfig, confusion_matrix, default_config, reproduce_code
from nnlib.training.networks import DATA_NETWORKS, SIZED_NETWORKS
from nnlib.training.recipes import split_data
from nnlib.training.runner import (
    FAILED,
    IN_PROGRESS,
    PAUSED,
    QUEUED,
    RUNNING,
    BackgroundRun,
    PlannedTrainer,
    check_run_work,
    shared_board,
    shared_slots,
    status_words,
)
from nnlib.training.speed import FAST_MODE_HELP, FAST_MODE_LABEL, fast_mode_support
from pages.components import charts
from pages.components.dataset_explorer import choose_letters_source, show_dataset_explorer
from pages.components.i18n import N_, _, ngettext
from pages.components.identity import student_key
from pages.components.presence import touch
from pages.components.ui import KEPT, SHARED, accept_linked_label, show_input_error
from pages.sections import boundary, csv_upload, inside, regression
from pages.sections.class_training import report_to_class

RUN_KEY = "training_run"
RACE_KEY = "training_race"
RUN_PARAM = "run"  # the run's token in the page's address
DEFAULTS_OF_KEY = "training_defaults_of"  # the data set whose defaults the settings started from
LIVE_CHART_POINTS = 400  # per line: enough to see the curve, little to send every second
LIVE_CHART_HEIGHT = 200  # the live panel's two charts, one above the other beside the settings
# The legend of the live charts (the stored split names stay "train" and "val").
SPLIT_NAMES = {"train": N_("training"), "val": N_("validation")}
# The Start button's word comes from the training catalogue: the pages catalogue's "Start" is the
# navigation's group (Начало), and a button says something else (Запустить).
START_LABEL = "training.start_button"
NETWORK_SOURCES = {"preset": N_("A preset from the course"), "builder": N_("The one from the network builder")}
# What a race's two legs share: only the optimizer and its learning rate differ between them.
RACE_SHARED = ("dataset", "data_path", "network", "batch_size", "epochs", "seed", "device", "standardize", "fast",
               "toy_samples", "toy_noise", "toy_seed", "toy_features")


@st.cache_resource(show_spinner=False)
def _shared_iris() -> datasets.Dataset:
    return datasets.load_iris()


def shared_iris() -> datasets.Dataset:
    with st.spinner(_("Loading iris…")):
        return _shared_iris()


@st.cache_resource(show_spinner=False, max_entries=8)
def _shared_split(dataset_name: str, source: str, seed: int, standardize: bool, _dataset: datasets.Dataset):
    """One split per (dataset, source, seed, scaling) for the whole server, read-only."""
    return split_data(TrainConfig(seed=seed, standardize=standardize), _dataset)  # a regression's as one group


def shared_split(dataset_name: str, source: str, seed: int, standardize: bool, dataset: datasets.Dataset):
    with st.spinner(_("Splitting the data…")):
        return _shared_split(dataset_name, source, seed, standardize, dataset)


@dataclass(frozen=True)
class DataChoice:
    """What the student chose to train on: the registry's name, the data, and the config fields it brings."""

    name: str
    dataset: datasets.Dataset
    settings: dict = dataclasses.field(default_factory=dict)  # a toy set's points, noise, seed, extra inputs


@dataclass(frozen=True)
class DatasetChoice:
    """One family of data sets the page offers (nnlib.data.registry.FAMILIES): its name and its widgets,
    which return the chosen data (None: nothing to train on yet)."""

    name: str
    load: Callable[[bool], DataChoice | None]

    @property
    def label(self) -> str:
        """The family's label in the current language, read when it is shown."""
        return FAMILIES[self.name].label


def _iris(locked: bool) -> DataChoice:
    return DataChoice("iris", shared_iris())


def _letters(locked: bool) -> DataChoice | None:
    dataset = choose_letters_source(key_prefix="training_letters")
    return DataChoice("notmnist", dataset) if dataset is not None else None


def _toy(locked: bool) -> DataChoice:
    dataset, settings = boundary.choose_toy_set(locked)
    return DataChoice(dataset.name, dataset, settings)


def _regression(locked: bool) -> DataChoice:
    dataset, settings = regression.choose_regression_set(locked)
    return DataChoice(dataset.name, dataset, settings)


def _csv(locked: bool) -> DataChoice | None:
    chosen = csv_upload.choose_csv(locked)
    return DataChoice("csv", *chosen) if chosen is not None else None


# The page's widgets per family; the families, their labels and the data sets in each are the registry's.
FAMILY_WIDGETS: dict[str, Callable[[bool], DataChoice | None]] = {
    "iris": _iris, "notmnist": _letters, "toy": _toy, "regression": _regression, "csv": _csv}
DATASET_CHOICES = {name: DatasetChoice(name, FAMILY_WIDGETS[name]) for name in FAMILIES}


def grouped(number: float) -> str:
    """A whole number with the language's thousands separator: 13,638 in English, 13 638 in Russian."""
    separator = messages.THOUSANDS_SEPARATORS.get(messages.current_language(), ",")
    return f"{number:,.0f}".replace(",", separator)


def tip(field: str, title: str, number_format: str | None = None) -> dict:
    """A tooltip line: the field's value under a title the student reads."""
    return {"field": field, "title": title, **({"format": number_format} if number_format else {})}


# ------------------------------------------------------------------ whose runs


def current_run() -> BackgroundRun | None:
    return st.session_state.get(RUN_KEY)


def current_race() -> BackgroundRun | None:
    return st.session_state.get(RACE_KEY)


def restore_settings(config: TrainConfig) -> None:
    """Show a run found again (another tab, a reload) with the settings it was started with."""
    name = config.dataset
    values = {
        "training_dataset": get_dataset(name).family, "training_optimizer": config.optimizer, f"training_lr_{name}": config.lr,
        f"training_batch_{name}": config.batch_size, f"training_epochs_{name}": config.epochs,
        "training_device": config.device, "training_seed": config.seed, "training_fast": config.fast,
        "training_target_acc": (config.target_accuracy or 0) * 100, "training_patience": config.patience or 0,
        DEFAULTS_OF_KEY: name,
    }
    for spec in OPTIMIZERS[config.optimizer].training_hyperparameters:
        values[f"training_{spec.key}"] = getattr(config, spec.name)
    if get_dataset(name).toy:
        values |= {"training_toy_set": name, "training_toy_noise": config.toy_noise,
                   "training_toy_samples": config.toy_samples, "training_toy_seed": config.toy_seed,
                   "training_toy_features": list(config.toy_features)}
    if get_dataset(name).family in ("regression", "csv"):
        values |= regression.restore_values(config)
    if isinstance(config.network, str):
        values |= {"training_network_source": "preset", "training_preset": config.network}
    else:
        values["training_network_source"] = "builder"
    st.session_state.update(values)


def find_my_runs() -> None:
    """Pick up this student's runs from the server's board when this session has none yet."""
    board, owner = shared_board(), student_key()
    if RUN_KEY not in st.session_state:
        entry = board.find(st.query_params.get(RUN_PARAM), owner) or board.latest(owner, "train")
        if entry is not None:
            st.session_state[RUN_KEY] = entry.run
            restore_settings(entry.run.config)
    if RACE_KEY not in st.session_state:
        entry = board.latest(owner, "race")
        if entry is not None:
            st.session_state[RACE_KEY] = entry.run
    run = current_run()
    if run is not None:
        token = board.token_of(run)
        if token and st.query_params.get(RUN_PARAM) != token:
            st.query_params[RUN_PARAM] = token


def start_on_board(kind: str, run: BackgroundRun, epochs: int | None = None) -> bool:
    """Start a run as this student's; False (with the reason shown) if over the student's limit."""
    try:
        shared_board().start(student_key(), kind, run, epochs)
    except InputError as error:
        show_input_error(error)
        return False
    return True


# ------------------------------------------------------------------ settings


def show_data(locked: bool) -> DataChoice:
    """1 · Data: the dataset, its summary and the explorer; stops the page while there is none."""
    st.subheader(_("1 · Data"))
    accept_linked_label("training_dataset", list(DATASET_CHOICES), lambda key: FAMILIES[key].label)
    family = st.radio(_("Dataset"), list(DATASET_CHOICES), horizontal=True, key="training_dataset", disabled=locked,
                      label_visibility="collapsed", **SHARED, format_func=lambda key: FAMILIES[key].label)
    choice = DATASET_CHOICES[family].load(locked)
    if choice is None:
        st.stop()
    take_dataset_defaults(choice.name, locked)
    dataset = choice.dataset
    count = len(dataset.labels)
    if regression.is_regression(dataset):
        st.caption(ngettext("{count} sample · a regression: the network predicts one number",
                            "{count} samples · a regression: the network predicts one number", count).format(
            count=grouped(count)))
        return choice
    st.caption(ngettext("{count} sample · classes: {classes}", "{count} samples · classes: {classes}", count).format(
        count=grouped(count), classes=", ".join(class_words(dataset))))
    with st.expander(_("Explore the data"), expanded=False):
        if dataset.name != "offline_letters":  # the letters' source choice above already describes them
            st.caption(dataset.description)
        show_dataset_explorer(dataset, key_prefix="training_explorer")
    return choice


def network_choices(name: str, input_shape: tuple[int, ...], regression_task: bool = False) -> list[str]:
    """The presets that fit a data set, its own default first: the course's of its shape, and for
    points in the plane the playground's (sized to the data)."""
    fitting = [preset for preset, p in net.PRESETS.items() if tuple(p.input_shape) == input_shape]
    if DATASETS[name].toy:
        fitting += list(SIZED_NETWORKS)
    if DATASETS[name].family in ("regression", "csv"):  # the sized network, and the course's of the same task
        task = "regression" if regression_task else "classification"
        fitting = [preset for preset in fitting if net.PRESETS[preset].trains_as == task]
        fitting += [sized for sized in DATA_NETWORKS if sized == DATASETS[name].training.get("network")]
    default = DATASETS[name].training.get("network")
    return ([default] if default in fitting else []) + [preset for preset in fitting if preset != default]


def show_network(name: str, dataset: datasets.Dataset, locked: bool) -> str | list:
    """2 · Network: a preset that fits the data, or the network builder's stack."""
    st.subheader(_("2 · Network"))
    input_shape = tuple(int(s) for s in dataset.features.shape[1:])
    builder_layers = st.session_state.get("builder_layers")
    builder_shape = tuple(st.session_state.get("builder_input_shape") or ())
    source = "preset"
    if builder_layers:  # a choice only once the builder has a network
        accept_linked_label("training_network_source", list(NETWORK_SOURCES), lambda k: _(NETWORK_SOURCES[k]))
        source = st.radio(
            _("Network"), list(NETWORK_SOURCES), horizontal=True, key="training_network_source", disabled=locked,
            **SHARED, format_func=lambda k: _(NETWORK_SOURCES[k]),
        )
    if source == "builder":
        if builder_shape != input_shape:
            st.warning(_("The builder's network expects inputs of shape (N, {builder}) but this dataset's are "
                         "(N, {data}).").format(builder=", ".join(map(str, builder_shape)),
                                                data=", ".join(map(str, input_shape))))
        return builder_layers
    fitting = network_choices(name, input_shape, regression.is_regression(dataset))
    def titles() -> dict[str, str]:  # read in the language of the moment (a link is checked in each)
        return {**{key: preset.title for key, preset in net.PRESETS.items()},
                **{key: sized.title for key, sized in {**SIZED_NETWORKS, **DATA_NETWORKS}.items()}}

    accept_linked_label("training_preset", fitting or list(net.PRESETS), lambda k: titles().get(k, k))
    chosen = st.selectbox(_("Preset"), fitting or list(net.PRESETS), key="training_preset", disabled=locked, **SHARED,
                          format_func=lambda k: titles().get(k, k))
    if chosen in SIZED_NETWORKS or chosen in DATA_NETWORKS:
        st.caption({**SIZED_NETWORKS, **DATA_NETWORKS}[chosen].description)
    return chosen


def show_optimizer_and_schedule(choice: DataChoice, network: str | list, locked: bool) -> TrainConfig:
    """3 · Optimizer and schedule: every widget of the run's recipe; returns its config."""
    settings = get_settings()
    name, dataset = choice.name, choice.dataset
    defaults = dataclasses.replace(default_config(name), **choice.settings)
    st.subheader(_("3 · Optimizer and schedule"))
    # One row per pair, so that a label on two lines moves only its own row.
    left, right = st.columns(2)
    accept_linked_label("training_optimizer", list(OPTIMIZERS), lambda k: OPTIMIZERS[k].title)
    optimizer_key = left.selectbox(_("Optimizer"), list(OPTIMIZERS), key="training_optimizer", disabled=locked,
                                   **SHARED, index=list(OPTIMIZERS).index(defaults.optimizer),
                                   format_func=lambda k: OPTIMIZERS[k].title)
    record = OPTIMIZERS[optimizer_key]
    lr = right.number_input(_("Learning rate η"), min_value=1e-5, max_value=10.0, value=defaults.lr, format="%.4f",
                            key=f"training_lr_{name}", disabled=locked, **SHARED)
    left, right = st.columns(2)
    batch_size = left.number_input(_("Batch size (0 = the whole training set)"), min_value=0, max_value=100_000,
                                   value=defaults.batch_size, step=16, key=f"training_batch_{name}",
                                   disabled=locked, **SHARED)
    epochs = right.number_input(_("Epochs"), min_value=1, max_value=settings.max_epochs, value=defaults.epochs,
                                key=f"training_epochs_{name}", disabled=locked, **SHARED)
    # The optimizer's own hyperparameters two to a row, then its update rule (too wide for half the column).
    specs = record.training_hyperparameters
    hyper = {}
    for start in range(0, len(specs), 2):
        for column, spec in zip(st.columns(2), specs[start:start + 2], strict=False):
            hyper[spec.name] = column.number_input(spec.shown_label, min_value=spec.minimum, max_value=spec.maximum,
                                                   value=spec.default, step=spec.step, key=f"training_{spec.key}",
                                                   help=spec.shown_help, disabled=locked, **SHARED)
    st.latex(record.summary_formula)
    left, right = st.columns(2)
    device = left.selectbox(_("Device"), available_devices(), key="training_device", disabled=locked, **KEPT,
                            format_func=device_label)
    seed = right.number_input(_("Seed"), min_value=0, max_value=2**31 - 1, value=0, key="training_seed",
                              help=_("The seed of the random split, of the initial weights and of the batches' "
                                     "order: the same seed repeats the same run."), disabled=locked, **SHARED)
    fast = show_fast_mode_switch(device, locked)
    with st.expander(_("Stop early when…")):
        # A regression has no accuracy to reach: only the patience rule applies to it.
        target_acc = 0.0 if regression.is_regression(dataset) else st.number_input(
            _("validation accuracy reaches (%) — 0 = off"), 0.0, 100.0, 0.0, key="training_target_acc",
            disabled=locked, **SHARED)
        patience = st.number_input(_("no better validation loss for N epochs — 0 = off"), 0, 1000, 0,
                                   key="training_patience", disabled=locked, **SHARED)
    return dataclasses.replace(
        defaults, data_path=dataset.source_path, network=network,
        optimizer=optimizer_key, lr=float(lr), **{key: float(value) for key, value in hyper.items()},
        batch_size=int(batch_size), epochs=int(epochs), seed=int(seed), device=device, fast=fast,
        target_accuracy=(target_acc / 100) if target_acc else None, patience=int(patience) or None,
    )


def take_dataset_defaults(name: str, locked: bool) -> None:
    """A data set chosen anew brings its own optimizer and preset network (the learning rate, batch and
    epochs have a box per data set).

    Only on a change of data set, and only while a setting is still the previous data set's
    default: one the student picked, a link's, a restored run's or a challenge's stays as it is.
    """
    previous = st.session_state.get(DEFAULTS_OF_KEY)
    if not locked and previous is not None and previous != name:
        before, after = default_config(previous), default_config(name)
        for key, setting in (("training_optimizer", "optimizer"), ("training_preset", "network")):
            if st.session_state.get(key) == getattr(before, setting):
                st.session_state[key] = getattr(after, setting)
    st.session_state[DEFAULTS_OF_KEY] = name


def show_fast_mode_switch(device: str, locked: bool) -> bool:
    """The fast mode's switch, only where the device has native bf16 (elsewhere the run is float32)."""
    if not fast_mode_support(device).available:
        return False
    return st.toggle(messages.word(FAST_MODE_LABEL), key="training_fast", disabled=locked,
                     help=messages.word(FAST_MODE_HELP), **KEPT)


# ------------------------------------------------------------------ starting a run


def data_split(config: TrainConfig, dataset: datasets.Dataset):
    source = config.data_path or dataset.source or dataset.description
    if not source.startswith((datasets.UPLOAD_PREFIX, csv_upload.CSV_SOURCE_PREFIX)):
        return shared_split(dataset.name, source, config.seed, config.standardize, dataset)
    # A student's upload is split in that student's session only: nothing of it outlives the session.
    # The split depends on the table's target, task and inputs too: a changed choice is a new split.
    key = (source, config.csv_target, config.csv_task, tuple(dataset.feature_names or ()), config.seed,
           config.standardize, config.val_fraction, config.test_fraction)
    kept = st.session_state.get("training_upload_split")
    if kept is None or kept[0] != key:
        kept = (key, split_data(config, dataset))
        st.session_state["training_upload_split"] = kept
    return kept[1]


def new_run(config: TrainConfig, dataset: datasets.Dataset) -> BackgroundRun | None:
    """A run planned from the settings; its model is built once it has a training slot."""
    try:
        config.validate()
        plan = PlannedTrainer(config, data_split(config, dataset))
        check_run_work([plan])
    except InputError as error:
        show_input_error(error)
        return None
    return BackgroundRun(plan)


def start(config: TrainConfig, dataset: datasets.Dataset, epochs: int | None = None) -> None:
    active = current_run()
    if active is None or active.status == FAILED:  # a failed run is not tried again: plan anew
        active = new_run(config, dataset)
    if active is None:
        return
    report_to_class(active)  # before it starts: a short run can end before the next line runs
    if start_on_board("train", active, epochs):
        st.session_state[RUN_KEY] = active
        st.rerun()  # redraw with the settings locked and the live panel ticking


def show_controls(config: TrainConfig, dataset: datasets.Dataset, locked: bool) -> None:
    """4 · Train: Start, Pause, Resume, +1 epoch, Stop, Reset."""
    st.subheader(_("4 · Train"))
    run = current_run()
    buttons = st.container(horizontal=True)
    status = run.status if run else "ready"
    ended = run is not None and run.finished
    if buttons.button(messages.word(START_LABEL), type="primary", key="training_start",
                      disabled=run is not None and (run.in_progress or ended)):
        start(config, dataset)
    if buttons.button(_("Pause"), key="training_pause", disabled=status not in (QUEUED, RUNNING),
                      help=_("Pausing gives the training slot back to the class; Resume queues again.")):
        run.pause()
        st.rerun()
    if buttons.button(_("Resume"), key="training_resume", disabled=status != PAUSED):
        run.resume()
        st.rerun()
    if buttons.button(_("+1 epoch"), key="training_step", help=_("Train exactly one more epoch, then wait "
                                                                 "(from a pause: finish the epoch under way)"),
                      disabled=ended or status in (QUEUED, RUNNING)):
        if status == PAUSED:
            run.step_epoch()
            st.rerun()
        else:
            start(config, dataset, epochs=1)
    if buttons.button(_("Stop"), key="training_stop", disabled=status not in IN_PROGRESS):
        run.stop()
        st.rerun()
    if buttons.button(_("Reset"), key="training_reset", disabled=run is None):
        if run is not None:
            shared_board().drop(run)
            run.stop()
        st.session_state.pop(RUN_KEY, None)
        st.query_params.pop(RUN_PARAM, None)
        st.rerun()
    if locked:
        st.caption(_("Settings are locked while this run exists: press Reset to change them."))


# ------------------------------------------------------------------ the live panel


def history_frame(active: BackgroundRun) -> pd.DataFrame:
    rows = [
        {"epoch": r.epoch_index, "split": split, "loss": getattr(r, f"{split}_loss"),
         "accuracy": getattr(r, f"{split}_acc")}
        for r in active.history()
        for split in ("train", "val")
    ]
    return pd.DataFrame(rows, columns=["epoch", "split", "loss", "accuracy"])


def draw_live(active: BackgroundRun) -> None:
    progress = active.progress()
    total = active.config.epochs
    done_fraction = (progress.epoch + (progress.batch / progress.batches if progress.batches and
                                       progress.status in ("running", "paused") else 0)) / total
    if progress.status == QUEUED:
        active_runs = shared_slots().active
        st.info(ngettext("Waiting for a free training slot: you are number {position} in the queue ({count} run "
                         "training on this server). It starts by itself.",
                         "Waiting for a free training slot: you are number {position} in the queue ({count} runs "
                         "training on this server). It starts by itself.", active_runs).format(
                    position=progress.queue_position, count=active_runs),
                icon=":material/hourglass_top:")
    elif progress.status == PAUSED:
        st.info(progress.message or _("Paused: the training slot is free for others until you resume."),
                icon=":material/pause_circle:")
    shown_epoch = min(progress.epoch + 1, total) if progress.status == RUNNING else progress.epoch
    speed = round(progress.samples_per_s)
    label = ngettext("{status} · epoch {epoch}/{total} · batch {batch}/{batches} · {speed} sample/s",
                     "{status} · epoch {epoch}/{total} · batch {batch}/{batches} · {speed} samples/s", speed).format(
        status=status_words(progress.status).capitalize(), epoch=shown_epoch, total=total, batch=progress.batch,
        batches=progress.batches, speed=grouped(speed))
    st.progress(min(max(done_fraction, 0.0), 1.0), text=label)
    if progress.message and progress.status in ("failed", "stopped", "finished", "ready"):
        (st.error if progress.status == "failed" else st.caption)(progress.message)
    frame = history_frame(active)
    if frame.empty and not progress.batch_losses:
        st.caption(_("The charts appear after the first batches."))
        return
    names = {split: _(word) for split, word in SPLIT_NAMES.items()}
    frame["split"] = frame["split"].map(names)
    epochs = frame.to_dict("records")
    color = charts.nominal("split", scale={"domain": list(names.values())})
    epoch = charts.quantitative("epoch", _("epoch"), axis={"format": "d", "tickMinStep": 1})
    layers = []
    if progress.batch_losses:
        batches = [{"epoch": at, "loss": loss}
                   for at, loss in charts.every_nth(progress.batch_losses, LIVE_CHART_POINTS)]
        layers.append(charts.layer(batches, {"type": "line", "opacity": 0.35, "color": "#888"},
                                   x=epoch, y=charts.quantitative("loss", "")))
    if epochs:
        layers.append(charts.layer(epochs, {"type": "line", "point": True}, x=epoch,
                                   y=charts.quantitative("loss", ""), color=color,
                                   tooltip=charts.tooltip(tip("epoch", _("epoch")), tip("split", _("split")),
                                                          tip("loss", _("loss"), ".4f"))))
    charts.show(_("Loss (grey: per batch)"), LIVE_CHART_HEIGHT, *layers)  # the titles name the y axes
    if epochs and active.history()[-1].val_acc is None:  # a regression: its errors, not an accuracy
        regression.draw_live_errors(active, LIVE_CHART_HEIGHT)
    elif epochs:
        charts.show(_("Accuracy"), LIVE_CHART_HEIGHT, charts.layer(
            epochs, {"type": "line", "point": True}, x=epoch, color=color,
            y=charts.quantitative("accuracy", "", axis={"format": "%"}, scale={"domain": [0, 1]}),
            tooltip=charts.tooltip(tip("epoch", _("epoch")), tip("split", _("split")),
                                   tip("accuracy", _("accuracy"), ".2%"))))


def draw_insights(progress) -> None:
    """Gradient norms per layer (vanishing / exploding) and dead ReLU units, as the run goes."""
    with st.expander(_("Inside the network: gradient norms and dead ReLU units")):
        # Thin by sample time, not by row: every layer keeps the same points.
        times = set(charts.every_nth(sorted({at for at, _layer, _norm in progress.grad_norms}), LIVE_CHART_POINTS))
        norms = [{"epoch": at, "layer": layer, "norm": norm}
                 for at, layer, norm in progress.grad_norms if norm > 0 and at in times]
        if norms:
            # Headings as text: a chart drawn inside a closed expander can lose its own title.
            st.markdown("**{}**".format(_("Gradient norm of each Linear layer's weights")))
            charts.show("", 200, charts.layer(
                norms, {"type": "line"},
                x=charts.quantitative("epoch", _("epoch")),
                y=charts.quantitative("norm", "‖∂L/∂W‖", scale={"type": "log"}),
                color=charts.nominal("layer"),
                tooltip=charts.tooltip(tip("layer", _("layer")), tip("epoch", _("epoch")),
                                       tip("norm", "‖∂L/∂W‖", ".3g"))))
            st.caption(_("Norms shrinking towards zero layer by layer mean vanishing gradients; norms growing "
                         "without bound mean exploding ones (lower the learning rate)."))
        if progress.dead_units:
            dead = [{"epoch": epoch, "layer": _("ReLU at position {position}").format(position=relu), "dead": count,
                     "units": units, "share": count / units} for epoch, relu, count, units in progress.dead_units]
            st.markdown("**{}**".format(_("Dead ReLU units")))
            charts.show("", 200, charts.layer(
                dead, {"type": "line", "point": True},
                x=charts.quantitative("epoch", _("epoch"), axis={"format": "d", "tickMinStep": 1}),
                y=charts.quantitative("share", _("dead units"), axis={"format": "%"}, scale={"domain": [0, 1]}),
                color=charts.nominal("layer"),
                tooltip=charts.tooltip(tip("layer", _("layer")), tip("epoch", _("epoch")),
                                       tip("dead", _("dead units")), tip("units", _("units in the layer")),
                                       tip("share", _("share"), ".1%"))))
            st.caption(_("A unit is dead when it outputs 0 for every validation sample: it passes no gradient, so "
                         "it stops learning. Many dead units: try a smaller learning rate or LeakyReLU."))
        elif progress.epoch:
            st.caption(_("This network has no ReLU, so no unit can die."))
        if not norms and not progress.epoch:
            st.caption(_("The gradient norms appear after the first batches, the dead units after the first epoch."))


def redraw_seconds(active: BackgroundRun | None) -> float | None:
    """How often a live run redraws: every second, less often the more runs share the server.

    Every redraw is work for the server; with a class training at once, 30 redraws a second
    would crowd out the pages everyone is opening. Five runs per extra second, at most 5 s.
    A paused run only says "still here" now and then; an ended one does not redraw, once its thread
    has told its observers (the class database, which can take a moment) and ended.
    """
    status = active.status if active is not None else None
    if status == PAUSED:
        return float(get_settings().heartbeat_seconds)
    if status not in (QUEUED, RUNNING):
        return 1.0 if active is not None and active.is_alive else None
    slots = shared_slots()
    return float(min(5, 1 + (slots.active + slots.waiting) // 5))


def watched(active: BackgroundRun | None) -> tuple[str, bool] | None:
    """What a panel redraws the whole page on: the status, and whether the run's thread still lives (an
    ended run shows its results only once its thread has ended)."""
    return (active.status, active.is_alive) if active is not None else None


def live_panel(watched_state: tuple[str, bool] | None) -> None:
    touch()  # the panel's ticks are this student's heartbeat
    active = current_run()
    if active is None:
        st.caption(_("Press Start to train, or +1 epoch to go one epoch at a time."))
        return
    draw_live(active)
    draw_insights(active.progress())
    if watched(active) != watched_state:
        st.rerun()  # paused, resumed elsewhere or ended: redraw the whole page (buttons, results)


def show_live_panel() -> None:
    run = current_run()
    st.fragment(live_panel, run_every=redraw_seconds(run))(watched(run))


def boundary_panel() -> None:
    active = current_run()
    if active is not None and active.config.dataset == "curve":
        regression.show_fit(active)
    elif active is not None:
        boundary.show_boundary(active)


def show_boundary_panel() -> None:
    """A toy run's boundary and unit maps, the page's full width wide (the live panel's column is too narrow
    for them), redrawn at the live panel's pace; the live panel reruns the page when the run's status changes."""
    run = current_run()
    if run is not None and (DATASETS[run.config.dataset].toy or run.config.dataset == "curve"):
        st.fragment(boundary_panel, run_every=redraw_seconds(run))()


# ------------------------------------------------------------------ results


def show_results(dataset: datasets.Dataset) -> None:
    """5 · Results on the test set, once the run has finished."""
    run = current_run()
    if run is None or not run.finished or run.is_alive:
        return
    trainer = run.trainer
    st.header(_("5 · Results on the test set"))
    if trainer.regression:
        regression.show_test_results(run)
    else:
        test_loss, test_acc = trainer.state["test_loss"], trainer.state["test_acc"]
        metrics = st.columns(4)
        metrics[0].metric(_("Test accuracy"), f"{test_acc:.2%}")
        metrics[1].metric(_("Test loss"), f"{test_loss:.4f}")
        metrics[2].metric(_("Epochs"), trainer.epoch)
        metrics[3].metric(_("Samples / s"), grouped(trainer.summary()["samples_per_s"]))
        st.caption(_("Stopped because {reason}. Accuracy = correct predictions / test samples = {correct} / {total}.").format(
            reason=trainer.stop_reason, correct=round(test_acc * len(trainer.test_y)), total=len(trainer.test_y)))
        predicted, true = trainer.predict("test")
        classes = list(class_names(run.config.dataset, trainer.classes))  # a toy set's in the reader's language
        show_confusion(confusion_matrix(predicted, true, len(classes)), classes)
        show_misclassified(run, dataset, predicted, true)
    inside.show_inside(run, dataset)
    buffer = io.BytesIO()
    torch.save(trainer.weights(), buffer)
    downloads = st.columns(2)
    downloads[0].download_button(_("Download the trained weights (.pt)"), buffer.getvalue(),
                                 file_name=f"{trainer.config.dataset}_weights.pt", key="training_download_weights",
                                 help=_("Load with torch.load(path, weights_only=True) into the same nn.Sequential."))
    downloads[1].download_button(_("Download the config (.json)"), json.dumps(trainer.config.to_dict(), indent=2),
                                 file_name=f"{trainer.config.dataset}_config.json", key="training_download_config")
    with st.expander(_("The PyTorch code that reproduces this run")):
        st.code(reproduce_code(trainer.config), language="python")


def show_confusion(matrix: torch.Tensor, classes: list[str]) -> None:
    cm_frame = pd.DataFrame(
        [{"true": classes[i], "predicted": classes[j], "count": int(matrix[i, j])}
         for i in range(len(classes)) for j in range(len(classes))]
    )
    cm_left, cm_right = st.columns([3, 2])
    with cm_left:
        names = alt.Axis(labelLimit=200)  # whole class names ("верхний полумесяц"), not cut at 100 px
        base = alt.Chart(cm_frame).encode(x=alt.X("predicted:N", sort=classes, title=_("predicted"), axis=names),
                                          y=alt.Y("true:N", sort=classes, title=_("true"), axis=names))
        st.altair_chart(
            (base.mark_rect().encode(color=alt.Color("count:Q", scale=alt.Scale(scheme="oranges"), title=_("count")),
                                     tooltip=[alt.Tooltip("true:N", title=_("true")),
                                              alt.Tooltip("predicted:N", title=_("predicted")),
                                              alt.Tooltip("count:Q", title=_("count"))])
             + base.mark_text().encode(text="count:Q"))
            .properties(title=_("Confusion matrix (rows: true class)"), height=300),
            width="stretch",
        )
    with cm_right:
        per_class = matrix.diag().double() / matrix.sum(dim=1).clamp(min=1).double()
        st.dataframe(
            pd.DataFrame({_("class"): classes, _("test samples"): matrix.sum(dim=1).tolist(),
                          _("accuracy"): [f"{v:.1%}" for v in per_class.tolist()]}),
            hide_index=True, width="stretch",
        )


def show_misclassified(run: BackgroundRun, dataset: datasets.Dataset, predicted: torch.Tensor,
                       true: torch.Tensor) -> None:
    """Up to 24 test samples the network got wrong: images as pictures, table rows in their own units."""
    trainer = run.trainer
    classes = list(class_names(run.config.dataset, trainer.classes))
    wrong = (predicted != true).nonzero().flatten()[:24]
    split = run.legs[0].split
    split_stats = (split.mean, split.std) if split.mean is not None else None
    st.subheader(_("Misclassified ({wrong} of {total})").format(wrong=int((predicted != true).sum()), total=len(true)))
    if len(wrong) == 0:
        st.success(_("Every test sample is classified correctly."))
    elif trainer.test_x.dim() == 3:
        images = trainer.test_x[wrong].cpu()
        low = images.amin(dim=(1, 2), keepdim=True)
        high = images.amax(dim=(1, 2), keepdim=True)
        pictures = ((images - low) / (high - low).clamp(min=1e-8)).numpy()
        st.image([np.kron(p, np.ones((2, 2))) for p in pictures], width=56,
                 caption=[f"{classes[int(true[i])]} → {classes[int(predicted[i])]}" for i in wrong])
    else:
        rows = trainer.test_x[wrong].cpu()
        if split_stats is not None:  # show the flowers' real measurements, not the standardized ones
            rows = rows * split_stats[1] + split_stats[0]
        rows = rows.numpy()
        known = dataset.feature_names if dataset.name == trainer.config.dataset else None
        names = list(known or [f"x{i}" for i in range(rows.shape[1])])
        table = pd.DataFrame(rows, columns=names)
        table[_("true")] = [classes[int(true[i])] for i in wrong]
        table[_("predicted")] = [classes[int(predicted[i])] for i in wrong]
        st.dataframe(table, hide_index=True)


# ------------------------------------------------------------------ race


def show_race(config: TrainConfig, dataset: datasets.Dataset) -> None:
    """Two optimizers on the same data, network, seed and schedule, trained in turn in one slot."""
    st.caption(_(
        "The same data, network, seed, batch size and epochs as above; only the optimizer and its learning rate "
        "differ, so the curves show what the optimizer alone changes. The two train in turn, one epoch each, "
        "in one training slot."
    ))
    race = current_race()
    if race is not None and not race.in_progress and any(
            getattr(race.config, name) != getattr(config, name) for name in RACE_SHARED):
        # The settings above changed since this race: its curves no longer answer "what does the optimizer change".
        shared_board().drop(race)
        st.session_state.pop(RACE_KEY, None)
        race = None
    racing = race is not None and race.in_progress
    race_columns = st.columns(2)
    rivals = []
    for column, side, default_optimizer, default_lr in ((race_columns[0], "a", "sgd", 0.1),
                                                        (race_columns[1], "b", "adam", 0.01)):
        with column:
            chosen = st.selectbox(_("Optimizer {side}").format(side=side.upper()), list(OPTIMIZERS),
                                  key=f"training_race_{side}_optimizer", index=list(OPTIMIZERS).index(default_optimizer),
                                  disabled=racing, **KEPT, format_func=lambda k: OPTIMIZERS[k].title)
            rate = st.number_input(_("Learning rate {side}").format(side=side.upper()), min_value=1e-5, max_value=10.0, value=default_lr,
                                   format="%.4f", key=f"training_race_{side}_lr", disabled=racing, **KEPT)
            rivals.append((f"{side.upper()}: {OPTIMIZERS[chosen].title}, η={rate:g}", chosen, float(rate)))
    race_buttons = st.columns(2)
    if race_buttons[0].button(_("Race"), type="primary", key="training_race_start", disabled=racing):
        start_race(config, dataset, rivals, race)
    if race_buttons[1].button(_("Stop the race"), key="training_race_stop", disabled=not racing):
        race.stop()
        st.rerun()
    st.fragment(race_panel, run_every=redraw_seconds(race))(watched(race))


def start_race(config: TrainConfig, dataset: datasets.Dataset, rivals: list[tuple[str, str, float]],
               previous: BackgroundRun | None) -> None:
    try:
        split = data_split(config, dataset)
        plans = [PlannedTrainer(dataclasses.replace(config, optimizer=optimizer_name, lr=rate,
                                                    target_accuracy=None, patience=None).validate(), split, label)
                 for label, optimizer_name, rate in rivals]
        check_run_work(plans)
    except InputError as error:
        show_input_error(error)
        return
    new_race = BackgroundRun(*plans)
    if start_on_board("race", new_race):
        if previous is not None:  # the previous race's results give way to this one
            shared_board().drop(previous)
        st.session_state[RACE_KEY] = new_race
        st.rerun()


def race_panel(watched_state: tuple[str, bool] | None) -> None:
    touch()
    active = current_race()
    if active is None:
        return
    legs = active.legs
    rows = [
        {"epoch": r.epoch_index, "optimizer": leg.label, "loss": r.val_loss, "accuracy": r.val_acc, "mae": r.val_mae}
        for leg in legs for r in leg.history()
    ]
    st.caption(" · ".join([status_words(active.status).capitalize(),
                           *(_("{leg}: epoch {epoch}").format(leg=leg.label, epoch=leg.epoch) for leg in legs)]))
    progress = active.progress()
    if progress.status == QUEUED:
        st.info(_("Waiting for a free training slot: number {position} in the queue.").format(
            position=progress.queue_position), icon=":material/hourglass_top:")
    elif progress.message and progress.status != "finished":
        st.caption(progress.message)
    if rows:
        left, right = st.columns(2)
        second = (right, "mae", _("Validation MAE (mean absolute error)"), _("MAE"), {}, ".4f") \
            if rows[0]["accuracy"] is None else \
            (right, "accuracy", _("Validation accuracy"), _("accuracy"), {"format": "%"}, ".2%")  # a regression: MAE
        for column, field, title, measure, axis, number_format in (
                (left, "loss", _("Validation loss"), _("loss"), {}, ".4f"), second):
            with column:
                charts.show(title, 240, charts.layer(
                    rows, {"type": "line", "point": True},
                    x=charts.quantitative("epoch", _("epoch"), axis={"format": "d", "tickMinStep": 1}),
                    y=charts.quantitative(field, "", axis=axis), color=charts.nominal("optimizer"),
                    tooltip=charts.tooltip(tip("optimizer", _("optimizer")), tip("epoch", _("epoch")),
                                           tip(field, measure, number_format))))
    if active.finished and legs[0].trainer.regression:
        st.markdown(" · ".join(_("**{leg}** test MAE {mae:.4f}").format(
            leg=leg.label, mae=leg.trainer.state["test_mae"]) for leg in legs))
    elif active.finished:
        st.markdown(" · ".join(_("**{leg}** test accuracy {accuracy:.2%}").format(
            leg=leg.label, accuracy=leg.trainer.state["test_acc"]) for leg in legs))
    if watched(active) != watched_state:
        st.rerun()
