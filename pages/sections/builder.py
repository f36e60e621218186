"""The network builder's sections, its session state and its callbacks.

Session state (other pages may read the first two):

- ``builder_layers``: the current stack as plain data, a list of dicts as written by
  ``nnlib.layers.layers_to_data``, e.g. ``[{"kind": "Linear", "in_features": 4,
  "out_features": 16, "bias": True}, {"kind": "ReLU"}]``. It is kept even while a layer
  has an invalid value, so read it with ``layers_from_data`` (which raises InputError).
  The training page trains this network.
- ``builder_input_shape``: the shape of one sample without the batch dimension, a list
  of ints, e.g. ``[4]`` or ``[28, 28]`` (the last shape that parsed).
- ``builder_loss``: the loss the student plans to train with (a key of BUILDER_LOSSES).
- ``builder_row_ids``: one stable id per layer, parallel to ``builder_layers``; the
  widgets of a layer are keyed ``builder_layer_<id>_<param>`` so they follow the layer
  when it moves.

The page URL carries the stack as compact JSON in ``?builder_stack=`` (left out while it
is the default network), next to the bound widgets (input shape, loss, sample, seed...),
so a link or a reload reopens the same network. The stack, not the per-layer widgets, is
what the URL and the session keep: the widgets are refilled from it whenever they are new.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.core.formatting import batch_shape_text, tensor_literal
from nnlib.core.params import Param
from nnlib.core.parsing import parse_tensor
from nnlib.core.settings import Settings
from nnlib.layers import (
    BUILDER_LOSSES,
    LAYER_KINDS,
    PLANNED_DATASETS,
    PRESETS,
    Fix,
    LayerKind,
    LayerSpec,
    NetworkSummary,
    Problem,
    architecture_svg,
    as_batch,
    build_model,
    default_class_name,
    layers_to_data,
    module_code,
    parse_shape,
    sample_input,
    sequential_class_code,
    sequential_code,
    shape_words,
    stack_from_link,
    stack_text,
    suggested_layer,
    trace_forward,
)
from pages.components.i18n import N_, _, ngettext
from pages.components.ui import KEPT, SHARED, accept_linked_label, plain_markdown, show_input_error

LAYERS = "builder_layers"
INPUT_SHAPE = "builder_input_shape"
ROW_IDS = "builder_row_ids"
NEXT_ID = "builder_next_id"
DEFAULT_PRESET = "iris"
STACK_PARAM = "builder_stack"  # the query parameter that carries the stack
LINK_PROBLEM = "builder_link_problem"
NO_DATASET = "none"
# Course 004 «Собираем нейросеть»: the input X of the 3 → 10 → 20 → 1 regression.
COURSE_004_X = "[[0.4, -0.5, 0.9], [0.3, 0.2, -0.1], [0.1, 0.7, -0.2]]"
DEFAULT_STACK_TEXT = stack_text(layers_to_data(PRESETS[DEFAULT_PRESET].layers))
# The widgets below the overview are drawn on every run, even while the stack is broken: a
# widget that skips a run comes back showing its default instead of the value it still holds.
FIX_FIRST = N_("Fix the problems above first: this part needs a network that can run.")
SAMPLE_SOURCES = {"Random": N_("Random"), "Typed": N_("Typed")}  # the stored value is the English key
# Code a student reads (the same in every language): titles that are PyTorch calls.
PRINT_MODEL = "print(model)"
SEQUENTIAL_TAB = "nn.Sequential"

state = st.session_state


# ---------------------------------------------------------------- state


def _widget_key(row_id: int, param: str) -> str:
    return f"builder_layer_{row_id}_{param}"


def _new_id() -> int:
    state[NEXT_ID] = state.get(NEXT_ID, 0) + 1
    return state[NEXT_ID]


def _forget_widgets(row_id: int) -> None:
    prefix = f"builder_layer_{row_id}_"
    for key in [k for k in state if isinstance(k, str) and k.startswith(prefix)]:
        del state[key]


def _default_sample_text(shape: tuple[int, ...]) -> str:
    if shape == (3,):
        return COURSE_004_X
    batch = 2 if math.prod(shape) <= 64 else 1
    return tensor_literal(sample_input(shape, batch, seed=0).round(decimals=2), decimals=2)


def _set_stack(layers: list[dict]) -> None:
    for row_id in state.get(ROW_IDS, []):
        _forget_widgets(row_id)
    state[LAYERS] = layers
    state[ROW_IDS] = [_new_id() for _ in layers]


def _load_preset(name: str | None = None) -> None:
    preset = PRESETS[name or state.get("builder_preset", DEFAULT_PRESET)]
    _set_stack(layers_to_data(preset.layers))
    state[INPUT_SHAPE] = list(preset.input_shape)
    state["builder_input_text"] = shape_words(preset.input_shape)
    state["builder_loss"] = preset.loss
    state["builder_sample_text"] = _default_sample_text(preset.input_shape)


def _open_link(settings: Settings) -> None:
    """First run of a session: the network and input shape a link carries replace the defaults."""
    text = st.query_params.get(STACK_PARAM)
    if text is not None:
        try:
            _set_stack(stack_from_link(text, settings))
        except InputError as error:
            # Kept as the error, worded where it is shown (in the language of the moment).
            state[LINK_PROBLEM] = error
    shape_text = st.query_params.get("builder_input_text")
    if shape_text is not None:
        try:
            state[INPUT_SHAPE] = list(parse_shape(shape_text, settings))
        except InputError:
            return  # the input box shows why, next to the text from the link
        state["builder_sample_text"] = _default_sample_text(tuple(state[INPUT_SHAPE]))


def init_state(settings: Settings) -> None:
    if LAYERS not in state:
        _load_preset(DEFAULT_PRESET)
        _open_link(settings)
    if ROW_IDS not in state or len(state[ROW_IDS]) != len(state[LAYERS]):
        state[ROW_IDS] = [_new_id() for _ in state[LAYERS]]
    if "builder_input_text" not in state:
        state["builder_input_text"] = shape_words(state.get(INPUT_SHAPE, [4]))
    if INPUT_SHAPE not in state:
        state[INPUT_SHAPE] = [4]
    # Widgets that callbacks also set keep their defaults in the session, not in value=.
    first_loss, first_kind = next(iter(BUILDER_LOSSES)), next(iter(LAYER_KINDS))  # CrossEntropyLoss, Linear
    for key, value in {"builder_loss": first_loss, "builder_add_kind": first_kind}.items():
        if key not in state:
            state[key] = value
    if "builder_sample_text" not in state:
        state["builder_sample_text"] = _default_sample_text(tuple(state[INPUT_SHAPE]))


def _widget_value(spec: Param, value):
    """A stored value a widget can show: numbers for number inputs, bools for checkboxes."""
    if spec.kind == "bool":
        return value if isinstance(value, bool) else spec.default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return spec.default
    return int(value) if spec.kind == "int" and float(value).is_integer() else float(value)


def sync_layers_from_widgets() -> None:
    """Widgets hold what the student typed; copy it into the stack (the source of truth)."""
    for layer, row_id in zip(state[LAYERS], state[ROW_IDS], strict=True):
        kind = LAYER_KINDS.get(layer.get("kind"))
        if kind is None:
            continue
        for spec in kind.params:
            key = _widget_key(row_id, spec.name)
            if key in state:
                layer[spec.name] = state[key]
            else:
                state[key] = _widget_value(spec, layer.get(spec.name, spec.default))
                layer[spec.name] = state[key]


def mirror_stack_in_link() -> None:
    """Keep ?builder_stack= equal to the stack: absent while it is the default network."""
    text = stack_text(state[LAYERS])
    if text == DEFAULT_STACK_TEXT:
        if STACK_PARAM in st.query_params:
            del st.query_params[STACK_PARAM]
    elif st.query_params.get(STACK_PARAM) != text:
        st.query_params[STACK_PARAM] = text


def current_specs() -> list[LayerSpec]:
    return [LayerSpec(layer["kind"], {k: v for k, v in layer.items() if k != "kind"}) for layer in state[LAYERS]]


# ---------------------------------------------------------------- callbacks


def _move(position: int, step: int) -> None:
    target = position + step
    for items in (state[LAYERS], state[ROW_IDS]):
        items[position], items[target] = items[target], items[position]


def _remove(position: int) -> None:
    _forget_widgets(state[ROW_IDS][position])
    del state[LAYERS][position]
    del state[ROW_IDS][position]


def _insert(position: int, spec: LayerSpec) -> None:
    state[LAYERS].insert(position, {"kind": spec.kind, **spec.params})
    state[ROW_IDS].insert(position, _new_id())


def _add_layer(max_layers: int) -> None:
    if len(state[LAYERS]) >= max_layers:
        return
    spec = suggested_layer(state["builder_add_kind"], current_specs(), tuple(state[INPUT_SHAPE]))
    _insert(len(state[LAYERS]), spec)


def _clear() -> None:
    _set_stack([])


def _fix_set(fix: Fix) -> None:
    state[LAYERS][fix.layer][fix.param] = fix.value
    state[_widget_key(state[ROW_IDS][fix.layer], fix.param)] = fix.value


def _fix_replace(fix: Fix) -> None:
    _remove(fix.layer)
    _insert(fix.layer, fix.new_layer)


def _fix_input_shape(fix: Fix) -> None:
    state[INPUT_SHAPE] = list(fix.value)
    state["builder_input_text"] = shape_words(fix.value)
    state["builder_sample_text"] = _default_sample_text(tuple(fix.value))


def _fix_loss(fix: Fix) -> None:
    state["builder_loss"] = fix.value


FIX_ACTIONS = {
    "set": _fix_set,
    "insert": lambda fix: _insert(fix.layer, fix.new_layer),
    "remove": lambda fix: _remove(fix.layer),
    "replace": _fix_replace,
    # The page's settings, not the stack:
    "input_shape": _fix_input_shape,
    "loss": _fix_loss,
}


def _apply_fix(fix: Fix) -> None:
    FIX_ACTIONS[fix.action](fix)


def _new_typed_sample() -> None:
    state["builder_sample_text"] = _default_sample_text(tuple(state[INPUT_SHAPE]))


# ---------------------------------------------------------------- drawing helpers


def _grouped(number: int) -> str:
    """A whole number with the language's thousands separator: 203,530 or 203 530."""
    return f"{number:,}".replace(",", messages.THOUSANDS_SEPARATORS.get(messages.current_language(), ","))


def _number_format(step: float | None) -> str:
    if step is None or step >= 0.01:
        return "%.2f"
    if step >= 0.001:
        return "%.3f"
    return "%.1e"


def _param_widget(kind: LayerKind, spec: Param, row_id: int, container) -> None:
    # The label is the PyTorch keyword (in_features, p, dim): the same in every language.
    key, label, help_text = _widget_key(row_id, spec.name), spec.name, kind.help_for(spec) or None
    with container:
        if spec.kind == "bool":
            st.checkbox(label, key=key, help=help_text)
        elif spec.kind == "int":
            st.number_input(label, step=1, format="%d", key=key, help=help_text)
        else:
            st.number_input(label, step=spec.step or 0.01, format=_number_format(spec.step), key=key,
                            help=help_text)


def _show_problems(problems: tuple[Problem, ...] | list[Problem], where: str) -> None:
    for number, problem in enumerate(problems):
        show = st.error if problem.severity == "error" else st.warning
        icon = ":material/error:" if problem.severity == "error" else ":material/warning:"
        show(problem.message, icon=icon)
        if problem.fix is not None:
            st.button(problem.fix.label, key=f"builder_fix_{where}_{number}", icon=":material/build:",
                      on_click=_apply_fix, args=(problem.fix,), type="primary")


def _layer_row(position: int, row_id: int, summary: NetworkSummary) -> None:
    layer = state[LAYERS][position]
    kind = LAYER_KINDS.get(layer.get("kind"))
    row = summary.layers[position]
    count = len(state[LAYERS])
    with st.container(border=True):
        head, up, down, remove = st.columns([8, 1, 1, 1], vertical_alignment="center")
        head.markdown(f"**{position + 1}. {row.label}**")
        shape = batch_shape_text(row.output_shape)
        if row.params is None:
            head.caption(_("output `{shape}`").format(shape=shape))
        else:
            head.caption(ngettext("output `{shape}` · {count} parameter", "output `{shape}` · {count} parameters",
                                  row.params).format(shape=shape, count=_grouped(row.params)))
        up.button("", key=f"builder_up_{row_id}", icon=":material/arrow_upward:", help=_("Move up"),
                  disabled=position == 0, on_click=_move, args=(position, -1))
        down.button("", key=f"builder_down_{row_id}", icon=":material/arrow_downward:", help=_("Move down"),
                    disabled=position == count - 1, on_click=_move, args=(position, 1))
        remove.button("", key=f"builder_remove_{row_id}", icon=":material/delete:", help=_("Remove this layer"),
                      on_click=_remove, args=(position,))
        if kind is not None and kind.params:
            columns = st.columns(max(len(kind.params), 2))
            for spec, column in zip(kind.params, columns, strict=False):
                _param_widget(kind, spec, row_id, column)
        elif kind is not None:
            st.caption(kind.description)
        _show_problems(summary.problems_for(position), str(row_id))


# ---------------------------------------------------------------- sections


def show_intro() -> None:
    st.title(_("Network builder"))
    st.markdown(_(
        "Stack layers the way `nn.Sequential` does and watch the shape of the data after every layer, "
        "the number of parameters each one learns, and what `print(model)` shows. Mistakes are caught "
        "before anything runs, each with a one-click fix. The presets are the networks from the course."
    ))


def planned_dataset_label(name: str) -> str:
    return _("Not decided yet") if name == NO_DATASET else PLANNED_DATASETS[name].title


def show_settings(settings: Settings):
    """Preset, input shape, loss and planned data set; returns the input shape, the planned data
    set and the column where the data set check goes."""
    preset_col, load_col, shape_col, loss_col = st.columns([3, 1.2, 2, 2.3], vertical_alignment="bottom")
    accept_linked_label("builder_preset", list(PRESETS), lambda name: PRESETS[name].title)
    preset_col.selectbox(_("Preset from the course"), list(PRESETS), index=list(PRESETS).index(DEFAULT_PRESET),
                         key="builder_preset", format_func=lambda name: PRESETS[name].title, **SHARED)
    load_col.button(_("Load preset"), key="builder_load_preset", on_click=_load_preset, icon=":material/download:")
    with shape_col:
        shape_text = st.text_input(
            _("Input shape of one sample"), key="builder_input_text", max_chars=settings.max_text_chars,
            help=_("Without the batch dimension N: 4 for iris's four measurements, 28, 28 for a notMNIST image."),
            **SHARED,
        )
        try:
            state[INPUT_SHAPE] = list(parse_shape(shape_text, settings))
        except InputError as error:
            show_input_error(error)
            st.caption(_("Still using the last shape that worked: {shape}.").format(shape=tuple(state[INPUT_SHAPE])))
    loss_col.selectbox(
        _("Loss you will train with"), list(BUILDER_LOSSES), key="builder_loss",
        help=_("The last layer is checked against it.") + " " + " ".join(
            f"{loss.name}: {loss.output_note}" for loss in BUILDER_LOSSES.values()),
        **SHARED,
    )
    st.caption(PRESETS[state["builder_preset"]].description)
    dataset_col, check_col = st.columns([1, 2.3], gap="medium")
    accept_linked_label("builder_dataset", [NO_DATASET, *PLANNED_DATASETS], planned_dataset_label)
    planned = dataset_col.selectbox(
        _("Planned dataset"), [NO_DATASET, *PLANNED_DATASETS], key="builder_dataset",
        format_func=planned_dataset_label,
        help=_("The data set you will train this network on in the Training page: its input shape and its "
               "number of classes are checked here, before anything runs."),
        **SHARED,
    )
    if LINK_PROBLEM in state and stack_text(state[LAYERS]) == DEFAULT_STACK_TEXT:
        problem = state[LINK_PROBLEM]
        # The message quotes the link's text (a layer kind, a parameter name): shown as typed.
        reason = plain_markdown(problem.words(messages.current_language()) if isinstance(problem, InputError)
                                else str(problem))
        st.warning(_("The network in this link could not be used: {reason} The default network is shown "
                     "instead.").format(reason=reason), icon=":material/link_off:")
    return tuple(state[INPUT_SHAPE]), planned, check_col


def show_dataset_check(check_col, planned: str, misfits: list[Problem]) -> None:
    """Said as soon as the plan or the network changes: not first after Start on the Training page."""
    if planned == NO_DATASET:
        check_col.caption(_("Choose the data set you will train on: the builder then checks its input shape and "
                            "its number of classes right away, before the Training page."))
        return
    with check_col, st.container(key="builder_dataset_check"):
        _show_problems(misfits, "dataset")
        if not misfits:
            dataset = PLANNED_DATASETS[planned]
            st.success(_("Fits {dataset}: {sample} in, {shape} out, one score per class.").format(
                dataset=dataset.label, sample=dataset.sample_words, shape=batch_shape_text(("N", dataset.classes))),
                icon=":material/check_circle:")


def show_network_problems(summary: NetworkSummary) -> None:
    """What is wrong with the network as a whole, above the editor (a layer's own problems sit in its row)."""
    _show_problems(summary.problems_for(None), "network")
    if summary.errors:
        count = len(summary.errors)
        st.error(ngettext("{count} problem must be fixed before the network can run: see the layers outlined "
                          "in red.",
                          "{count} problems must be fixed before the network can run: see the layers outlined "
                          "in red.", count).format(count=count), icon=":material/block:")


def show_architecture(summary: NetworkSummary) -> None:
    st.subheader(_("Architecture"))
    st.image(architecture_svg(summary), caption=_(
        "One box per layer with its output shape; a box's height grows with the number of features it "
        "outputs. Blue: Linear · orange: activation · purple: normalization · grey: dropout · green: reshape; "
        "a red outline marks an error, yellow a warning."))


def show_layers(summary: NetworkSummary, input_shape: tuple[int, ...], settings: Settings) -> None:
    st.subheader(_("Layers"))
    st.caption(_("Input → `{shape}`").format(shape=batch_shape_text(("N", *input_shape))))
    for position, row_id in enumerate(state[ROW_IDS]):
        _layer_row(position, row_id, summary)
    full = len(state[LAYERS]) >= settings.max_layers
    kind_col, add_col, clear_col = st.columns([2.4, 1.6, 1.6], vertical_alignment="bottom")
    # Which layer the Add button makes next is a passing choice, not part of the network: kept, not shared.
    kind_col.selectbox(_("Layer to add"), list(LAYER_KINDS), key="builder_add_kind",
                       help=LAYER_KINDS[state["builder_add_kind"]].description, **KEPT)
    add_col.button(_("Add"), key="builder_add", icon=":material/add:", on_click=_add_layer,
                   args=(settings.max_layers,), disabled=full, type="primary")
    clear_col.button(_("Clear"), key="builder_clear", icon=":material/delete_sweep:", on_click=_clear,
                     disabled=not state[LAYERS])
    if full:
        st.caption(_("The stack has the most layers allowed here ({limit}).").format(limit=settings.max_layers))


def show_overview(summary: NetworkSummary, input_shape: tuple[int, ...], settings: Settings) -> None:
    st.subheader(_("Shapes and parameters"))
    total_col, out_col, layers_col = st.columns(3)
    total_col.metric(_("Parameters"), _grouped(summary.total_params))
    out_col.metric(_("Output shape"), batch_shape_text(summary.output_shape))
    layers_col.metric(_("Layers"), f"{len(summary.layers)} / {settings.max_layers}")
    layer, shape, params = _("Layer"), _("Output shape"), _("Parameters")
    st.dataframe(
        pd.DataFrame(
            [{"#": "", layer: _("input"), shape: batch_shape_text(("N", *input_shape)), params: 0}]
            + [{"#": str(row.index + 1), layer: row.label, shape: batch_shape_text(row.output_shape),
                params: row.params} for row in summary.layers]
        ),
        hide_index=True,
        column_config={params: st.column_config.NumberColumn(format="localized")},
    )
    formulas = [(row, LAYER_KINDS[row.spec.kind].formula) for row in summary.layers
                if row.params and LAYER_KINDS[row.spec.kind].formula]
    if formulas:
        with st.expander(_("How the parameters are counted")):
            st.markdown(_("A Linear layer learns a weight matrix `W` of shape (out, in) and a bias `b` of "
                          "length out; BatchNorm1d learns a scale γ and a shift β per channel:"))
            for row, formula in formulas:
                st.latex(rf"\text{{{row.index + 1}. {row.spec.kind}:}}\quad " + formula(row.spec.params))
            total = r"\text{" + _("total") + "}"
            st.latex(total + " = " + " + ".join(f"{row.params:,}" for row, _formula in formulas).replace(",", "{,}")
                     + f" = {summary.total_params:,}".replace(",", "{,}"))


def show_printed_model(specs: list[LayerSpec], summary: NetworkSummary, settings: Settings) -> None:
    st.subheader(PRINT_MODEL)
    model = build_model(specs, settings=settings) if summary.ok else None
    if model is not None:
        st.code(str(model), language="text", wrap_lines=True)
    else:
        st.info(_(FIX_FIRST), icon=":material/info:")


def _sample(input_shape: tuple[int, ...], batch: int, seed: int, source: str, settings: Settings):
    """The sample to run: random from the seed, or typed (None, with the reason shown, if it cannot be used)."""
    if source == "Random":
        try:
            return sample_input(input_shape, batch, seed, settings)
        except InputError as error:
            show_input_error(error)
            return None
    text = st.text_area(_("Sample of shape {batch_shape} or {shape}").format(
                            batch_shape=batch_shape_text(("N", *input_shape)), shape=input_shape),
                        key="builder_sample_text", height=110, max_chars=settings.max_text_chars, **SHARED)
    try:
        return as_batch(parse_tensor(text, field="sample", settings=settings), input_shape)
    except InputError as error:
        show_input_error(error)
        st.button(_("New random sample of shape {shape}").format(shape=input_shape), key="builder_new_sample",
                  on_click=_new_typed_sample)
        return None


def show_forward_pass(specs: list[LayerSpec], summary: NetworkSummary, input_shape: tuple[int, ...],
                      settings: Settings) -> None:
    st.markdown(_("Run a sample through the network and see the tensor after every layer. The weights are "
                  "random (PyTorch's initialization from the seed), as before any training."))
    source_col, batch_col, seed_col, mode_col = st.columns([2, 1, 1, 1.6], vertical_alignment="bottom")
    accept_linked_label("builder_sample_source", list(SAMPLE_SOURCES), lambda value: _(SAMPLE_SOURCES[value]))
    source = source_col.radio(_("Sample input"), list(SAMPLE_SOURCES), key="builder_sample_source", horizontal=True,
                              format_func=lambda value: _(SAMPLE_SOURCES[value]), **SHARED)
    batch = batch_col.number_input(_("Batch size N"), value=2, step=1, format="%d", key="builder_batch",
                                   disabled=source != "Random", help=_("Samples in the random batch."), **SHARED)
    seed = seed_col.number_input(_("Seed"), value=0, step=1, format="%d", key="builder_seed",
                                 help=_("Seeds both the random sample and the weights."), **SHARED)
    train_mode = mode_col.checkbox(_("Training mode"), key="builder_train_mode",
                                   help=_("model.train(): Dropout drops values and BatchNorm1d uses the batch's "
                                          "statistics. Off: model.eval()."), **SHARED)
    sample = _sample(input_shape, batch, seed, source, settings)
    if not summary.ok:
        st.info(_(FIX_FIRST), icon=":material/info:")
        return
    if sample is None:
        return
    try:
        steps = trace_forward(specs, sample, seed=seed, train=train_mode, settings=settings)
    except InputError as error:
        show_input_error(error)
        steps = []
    for number, step in enumerate(steps):
        title = _("Input") if step.index is None else f"{step.index + 1}. {step.label}"
        with st.expander(f"{title} → {tuple(step.shape)}", expanded=number in (0, len(steps) - 1)):
            values = step.output
            if values.dim() == 2 and values.shape[1] <= 32:
                st.dataframe(pd.DataFrame(values.numpy()).round(4), hide_index=False)
            else:
                st.code(str(values), language="text", height=220 if values.numel() > 60 else "content")


def _code_block(code: str, file_name: str, key: str) -> None:
    st.code(code, language="python")
    st.download_button(_("Download {file_name}").format(file_name=file_name), code, file_name=file_name,
                       mime="text/x-python", key=key, icon=":material/download:")


def show_export(specs: list[LayerSpec], summary: NetworkSummary, input_shape: tuple[int, ...],
                settings: Settings) -> None:
    st.markdown(_("The same network as code you can paste into a notebook: the copy button is at the top "
                  "right of each block. Running it prints the model, the output shape and the parameter count."))
    if not summary.ok:
        st.info(_(FIX_FIRST), icon=":material/info:")
        return
    sequential_tab, module_tab, course_tab = st.tabs(
        [SEQUENTIAL_TAB, _("nn.Module class"), _("Sequential class, as in course 002")])
    with sequential_tab:
        _code_block(sequential_code(specs, input_shape, settings=settings), "model_sequential.py",
                    "builder_download_sequential")
    with module_tab:
        _code_block(module_code(specs, input_shape, settings=settings), "model_module.py", "builder_download_module")
    with course_tab:
        st.caption(_("Course 002 (B.5.2) writes its network as a class that extends nn.Sequential and adds "
                     "each module by name, so print(model) shows the class's name and (linear0), (relu0)… "
                     "A stack of Linear layers with one activation between them is built from layer_dims "
                     "in the course's own loop."))
        class_name = default_class_name(state["builder_loss"])
        st.caption(_("The class is named {class_name} after the loss you will train with (BinaryClassifier "
                     "for a binary loss, as in the course); rename it freely in your copy.").format(
                         class_name=class_name))
        _code_block(sequential_class_code(specs, input_shape, class_name, settings=settings), "model_class.py",
                    "builder_download_class")
