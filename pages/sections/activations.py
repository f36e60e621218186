"""The Activations page's sections, in page order; everything shown is computed by nnlib.activations.

Every widget key starts with ``activations_`` and is SHARED: a link reopens the same choices.
The first screen holds the picker, the formulas and both curves; the chart's settings sit under
the curves, and what is read less often (output range, PyTorch code, the saturation table) in tabs.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import streamlit as st
import torch

from nnlib.activations import (
    ACTIVATIONS,
    Activation,
    Applied,
    CurveSet,
    apply_activation,
    chain_gradients,
    collapse_demo,
    course,
    curves,
    elementwise_names,
    implicit_softmax_dim,
    linear_stack,
    random_stack,
    slices_along,
    softmax_jacobian,
    softmax_steps,
)
from nnlib.core.errors import InputError
from nnlib.core.formatting import tensor_literal
from nnlib.core.settings import get_settings
from pages.components import charts
from pages.components.i18n import N_, _, ngettext
from pages.components.ui import SHARED, accept_linked_label, show_input_error, tensor_frame, tensor_input

COURSE_X = "[[0.4, 0.5], [0.9, 0.2], [0.2, 0.0], [0.1, 0.0]]"
CURVE_POINTS = 601
NOTE_ICON = ":material/info:"

# Formulas and code shown as written, the same in every language.
JACOBIAN_LATEX = r"J_{ij} = \frac{\partial s_i}{\partial x_j} = s_i\,(\delta_{ij} - s_j),\qquad J = \operatorname{diag}(s) - s\,s^\top"
NAIVE_LATEX = r"s_i = \frac{e^{x_i}}{\sum_j e^{x_j}}"
STABLE_LATEX = r"s_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}},\qquad m = \max_j x_j"
COLLAPSE_LATEX = (
    r"\hat y = ((X W_1 + b_1) W_2 + b_2) W_3 + b_3 = X\,\underbrace{W_1 W_2 W_3}_{W}"
    r" + \underbrace{b_1 W_2 W_3 + b_2 W_3 + b_3}_{b}"
)
CHAIN_LATEX = (
    r"h_0 = x_0,\quad h_k = f(z_k),\ z_k = w\,h_{k-1} + b,\qquad "
    r"\frac{d h_n}{d x_0} = \prod_{k=1}^{n} w\, f'(z_k)"
)


# --------------------------------------------------------------------------- helpers


def color_scale(names: list[str]) -> alt.Scale:
    """Each activation keeps its colour on every chart; the legend lists only those drawn."""
    return alt.Scale(domain=names, range=[ACTIVATIONS[name].color for name in names])


def param_key(record: Activation, name: str) -> str:
    return f"activations_param_{record.name}_{name}"


def params_of(record: Activation) -> dict[str, float]:
    """The parameter values set on this page (the defaults until a slider moved)."""
    return {p.name: float(st.session_state.get(param_key(record, p.name), p.default)) for p in record.parameters}


def all_params() -> dict[str, dict[str, float]]:
    return {name: params_of(record) for name, record in ACTIVATIONS.items()}


def show_table(
    tensor: torch.Tensor, key: str, number_format: str = "%.4f", rows: str | None = None, columns: str | None = None
) -> None:
    """A tensor as a table (a vector as one row), in a container keyed so tests can find it.

    Rows and columns are numbered after a prefix: "row 0", "col 0" unless told otherwise."""
    rows = _("row") + " " if rows is None else rows
    columns = _("col") + " " if columns is None else columns
    frame = tensor_frame(tensor, vector="row", column_prefix=columns, row_prefix=rows)
    with st.container(key=key):
        st.dataframe(
            frame,
            column_config={c: st.column_config.NumberColumn(format=number_format) for c in frame.columns},
        )


def show_notes(result: Applied) -> None:
    for note in result.notes:
        (st.warning if note.level == "warning" else st.info)(note.message, icon=NOTE_ICON)


def load_example(name: str, text: str, dim: int | None) -> None:
    st.session_state["activations_name"] = name
    st.session_state["activations_matrix_text"] = text
    if dim is not None:
        st.session_state["activations_dim"] = dim


# --------------------------------------------------------------------------- 1 · the functions


def curve_chart(curve_set: CurveSet, drawn: list[str], chosen_name: str, x_min: float, x_max: float,
                shade_which: str, quantity: str, title: str, words: dict[str, str]) -> alt.LayerChart:
    """f or f' of every drawn activation over [x_min, x_max], saturation regions shaded.

    ``words`` are the tooltip's titles in the reader's language (``activation``, ``value``)."""
    rows = pd.DataFrame(curve_set.records())
    # A field of its own for the bands, so their (hidden) fill legend does not swallow the lines' one.
    bands = pd.DataFrame(curve_set.interval_records(), columns=["activation", "start", "end"])
    if shade_which == "chosen":
        bands = bands[bands["activation"] == chosen_name]
    bands = bands.rename(columns={"activation": "saturated"})
    lines = (
        alt.Chart(rows[rows["quantity"] == quantity])
        .mark_line(strokeWidth=2.5)
        .encode(
            x=alt.X("x:Q", title="x", scale=alt.Scale(domain=[x_min, x_max], nice=False)),
            y=alt.Y("value:Q", title=title),
            color=alt.Color("activation:N", scale=color_scale(drawn), title=None, legend=alt.Legend(orient="top")),
            tooltip=[alt.Tooltip("activation:N", title=words["activation"]), alt.Tooltip("x:Q", format=".3f"),
                     alt.Tooltip("value:Q", format=".4f", title=quantity)],
        )
    )
    shade = (
        alt.Chart(bands)
        .mark_rect(opacity=0.12)
        .encode(x="start:Q", x2="end:Q", fill=alt.Fill("saturated:N", scale=color_scale(drawn), legend=None))
    )
    return (shade + lines).properties(height=300, title=title)


CURVE_CHARTS = (("f(x)", "f(x)"), ("f'(x)", N_("f'(x), the slope")))  # (quantity, title: translated where drawn)


def chart_words() -> tuple[tuple[str, str], ...]:
    """The charts' words in the reader's language, as a hashable cache key: a title per chart, then the tooltip's."""
    return (*((quantity, _(title)) for quantity, title in CURVE_CHARTS), ("activation", _("activation")))


@st.cache_data(show_spinner=False, max_entries=64)
def curve_chart_specs(drawn: tuple[str, ...], chosen_name: str, x_min: float, x_max: float, params: dict,
                      threshold_ratio: float, shade_which: str, words: tuple[tuple[str, str], ...]) -> dict[str, dict]:
    """Both curve charts, built once per server for each setting and language: a class mostly shares the defaults."""
    curve_set = curves(list(drawn), x_min=x_min, x_max=x_max, points=CURVE_POINTS, params=params,
                       threshold_ratio=threshold_ratio)
    named = dict(words)
    return {quantity: charts.finished_spec(curve_chart(curve_set, list(drawn), chosen_name, x_min, x_max,
                                                       shade_which, quantity, named[quantity], named))
            for quantity, _title in CURVE_CHARTS}


def show_choice() -> tuple[Activation, list[str]]:
    """The activation picker, its parameters, the others to draw too, and both formulas."""
    st.header(_("1 · The functions and their slopes"))
    pick_col, param_col, compare_col = st.columns([2, 3, 4])
    with pick_col:
        chosen_name = st.selectbox(_("Activation"), list(ACTIVATIONS), index=list(ACTIVATIONS).index("ReLU"),
                                   key="activations_name", **SHARED)
    chosen = ACTIVATIONS[chosen_name]
    with param_col:
        for parameter in chosen.parameters:
            st.slider(
                f"{chosen.parameter_label(parameter)} (`{parameter.name}`)",
                min_value=parameter.minimum,
                max_value=parameter.maximum,
                value=parameter.default,
                step=parameter.step,
                key=param_key(chosen, parameter.name),
                **SHARED,
            )
        if not chosen.parameters:
            st.caption(_("{name} has no parameters to set.").format(name=chosen.name))
    with compare_col:
        others = st.multiselect(
            _("Draw these too"),
            [name for name in ACTIVATIONS if name != chosen.name],
            default=[name for name in ("Sigmoid", "Tanh") if name != chosen.name],
            key="activations_compare",
            **SHARED,
        )
    chosen_params = params_of(chosen)

    formula_col, slope_col = st.columns(2)
    with formula_col:
        st.markdown(_("**Function**"))
        st.latex(chosen.formula)
    with slope_col:
        st.markdown(_("**Derivative (slope)**"))
        values = r",\ ".join(f"{p.symbol} = {chosen_params[p.name]:g}" for p in chosen.parameters)
        # The parameters' values beside the slope, on one line: the curves stay on the first screen.
        st.latex(chosen.derivative_formula + (r",\qquad " + values if values else ""))
    return chosen, others


SHADE_CHOICES = {"chosen": N_("the chosen activation only"), "all": N_("every activation drawn")}


def show_curves(chosen: Activation, others: list[str]) -> None:
    """f(x) and f'(x) of the chosen activation and any others, with their saturation regions, then
    the chart's settings; below them the strengths, the weaknesses and the details in tabs."""
    charts_place = st.container()  # drawn once the settings below are read
    range_cols = st.columns([1, 1, 2, 2], vertical_alignment="bottom")
    with range_cols[0]:
        x_min = st.number_input(_("x from"), value=-6.0, step=1.0, key="activations_x_min", **SHARED)
    with range_cols[1]:
        x_max = st.number_input(_("x to"), value=6.0, step=1.0, key="activations_x_max", **SHARED)
    with range_cols[2]:
        threshold_percent = st.slider(
            _("Saturated where the slope is below … % of its peak"),
            min_value=1,
            max_value=20,
            value=5,
            key="activations_threshold",
            **SHARED,
            help=_("The shaded bands: where |f'(x)| is this small, a gradient passing through is "
                   "almost wiped out."),
        )
    with range_cols[3]:
        accept_linked_label("activations_shade", list(SHADE_CHOICES), lambda choice: _(SHADE_CHOICES[choice]))
        shade_which = st.radio(
            _("Shade the saturation regions of"),
            list(SHADE_CHOICES),
            format_func=lambda choice: _(SHADE_CHOICES[choice]),
            key="activations_shade",
            **SHARED,
        )

    drawn = [chosen.name, *[name for name in others if name != chosen.name]]
    try:
        curve_set = curves(
            drawn, x_min=float(x_min), x_max=float(x_max), points=CURVE_POINTS, params=all_params(),
            threshold_ratio=threshold_percent / 100,
        )
    except InputError as error:
        with charts_place:
            show_input_error(error)
        return
    words = chart_words()
    with charts_place:
        function_col, derivative_col = st.columns(2)
        specs = None
        if len(drawn) * CURVE_POINTS <= charts.MAX_INLINE_ROWS:  # else Streamlit sends them as Arrow tables
            specs = curve_chart_specs(tuple(drawn), chosen.name, float(x_min), float(x_max), all_params(),
                                      threshold_percent / 100, shade_which, words)
        for column, (quantity, title) in zip((function_col, derivative_col), words[:2], strict=True):
            with column:
                if specs is None:
                    st.altair_chart(curve_chart(curve_set, drawn, chosen.name, float(x_min), float(x_max),
                                                shade_which, quantity, title, dict(words)), width="stretch")
                else:
                    st.vega_lite_chart(specs[quantity], width="stretch")
    st.caption(_(
        "Shaded: where |f'(x)| < {percent} % of the largest slope the function reaches (its saturation "
        "regions). A gradient flowing back through such a region is multiplied by almost 0. GELU and SiLU "
        "are also flat for a moment around their minimum."
    ).format(percent=threshold_percent))
    if chosen.chart_note:
        st.info(chosen.chart_note, icon=NOTE_ICON)

    good_col, bad_col = st.columns(2)
    good_col.success(chosen.strength, icon=":material/thumb_up:")
    bad_col.warning(chosen.weakness, icon=":material/thumb_down:")
    code_tab, saturation_tab = st.tabs([_("Output range and PyTorch code"), _("Where each one saturates")])
    with code_tab:
        range_col, code_col = st.columns(2)
        with range_col:
            st.markdown(_("**Output range**"))
            st.latex(chosen.output_range)
        with code_col:
            st.markdown(_("**In PyTorch**"))
            code = f"from torch import nn\nlayer = {chosen.torch_code(params_of(chosen))}"  # code: as written
            st.code(code, language="python")
    with saturation_tab:
        activation, peak, threshold, where = _("activation"), _("peak slope"), _("threshold"), _("saturated for x in")
        saturation_rows = [
            {
                activation: curve.name,
                peak: curve.peak_slope,
                threshold: curve.threshold,
                where: ", ".join(f"[{a:.2f}, {b:.2f}]" for a, b in curve.saturated) or _("nowhere"),
            }
            for curve in curve_set.curves
        ]
        with st.container(key="activations_table_saturation"):
            st.dataframe(
                pd.DataFrame(saturation_rows),
                hide_index=True,
                column_config={
                    peak: st.column_config.NumberColumn(format="%.4f"),
                    threshold: st.column_config.NumberColumn(format="%.4f"),
                },
            )


# --------------------------------------------------------------------------- 2 · on a matrix


def choose_dim(matrix: torch.Tensor) -> int:
    """The softmax dim picker: its choices follow the tensor's number of dims."""
    dims = list(range(max(matrix.dim(), 1)))
    # The widget's default is the last dim. A new number of dims (or a dim that no longer
    # exists) starts again from it; on the first run a link's dim wins.
    known_ndim = st.session_state.get("activations_dim_ndim")
    if known_ndim is not None and (
        known_ndim != matrix.dim() or st.session_state.get("activations_dim") not in dims
    ):
        st.session_state["activations_dim"] = dims[-1]
    st.session_state["activations_dim_ndim"] = matrix.dim()
    names = {0: N_("dim={dim}: down each column"), 1: N_("dim={dim}: across each row")} if matrix.dim() == 2 else {}

    def describe_dim(d: int) -> str:
        # The label is what a shared link holds, so it names the dim but not its size:
        # a link stays valid while the tensor's sizes change.
        template = names.get(d, N_("dim={dim}: along axis {dim}"))
        return _(template).format(dim=d)

    accept_linked_label("activations_dim", dims, describe_dim)
    chosen_dim = st.selectbox(_("dim (the numbers that compete)"), dims, index=len(dims) - 1,
                              format_func=describe_dim, key="activations_dim", **SHARED)
    slice_size = matrix.shape[chosen_dim] if matrix.dim() else 1
    st.caption(
        ngettext(
            "X has shape {shape}: each slice along dim={dim} holds {count} number, and they sum to 1.",
            "X has shape {shape}: each slice along dim={dim} holds {count} numbers, and they sum to 1.",
            slice_size,
        ).format(shape=tuple(matrix.shape), dim=chosen_dim, count=slice_size)
        + " "
        + _("The course writes `Softmax()` without `dim`: for a {ndim}-D tensor PyTorch then guesses "
            "dim={guess} and warns that guessing is deprecated. Always pass `dim`; for a batch of score "
            "rows that is `dim=1` (or `dim=-1`, the last).").format(
            ndim=matrix.dim(), guess=implicit_softmax_dim(matrix.dim()))
    )
    return chosen_dim


def show_on_a_matrix(chosen: Activation) -> Applied | None:
    """The chosen activation on a tensor the student types: outputs, slopes, notes, the code."""
    st.header(_("2 · On a matrix you type"))
    st.markdown(_(
        "Type a tensor and apply **{name}** (chosen above) with PyTorch. Most activations act on "
        "every number on its own; Softmax works along one dimension, `dim`. The buttons load the "
        "course's examples."
    ).format(name=chosen.name))
    examples = [(record.name, example) for record in ACTIVATIONS.values() for example in record.examples]
    with st.container(horizontal=True, wrap=True):
        for index, (name, example) in enumerate(examples):
            st.button(example.label, key=f"activations_example_{index}", on_click=load_example,
                      args=(name, example.text, example.dim))

    input_col, result_col = st.columns([1, 2])
    with input_col:
        matrix = tensor_input(
            _("Input tensor X"), "activations_matrix_text", course.MATRIX, height=120,
            help=_("Nested lists like [[1, 2], [3, 4]], or rows of numbers on separate lines."),
        )
        chosen_dim = choose_dim(matrix) if matrix is not None and chosen.along_dim else None

    applied: Applied | None = None
    if matrix is not None:
        try:
            applied = apply_activation(chosen.name, matrix, params_of(chosen), chosen_dim)
        except InputError as error:
            with input_col:
                show_input_error(error)

    with result_col:
        if applied is None:
            st.info(_("The results appear here once the input reads as a tensor."), icon=NOTE_ICON)
            return None
        out_col, slope_out_col = st.columns(2)
        with out_col:
            st.markdown(f"**{chosen.name}(X)**")
            show_table(applied.output, "activations_table_output")
        with slope_out_col:
            st.markdown(
                _("**Slope ∂sᵢ/∂xᵢ = s(1 − s)** (Jacobian diagonal)") if chosen.along_dim else _("**Slope f′(X)**")
            )
            show_table(applied.slope, "activations_table_slope")
        st.caption(
            _("Shape {shape}, dtype {dtype}.").format(
                shape=tuple(applied.output.shape), dtype=str(applied.output.dtype).replace("torch.", ""))
            + (" " + _("Tensors with more than 2 dims are shown as rows of their last dim.")
               if applied.output.dim() > 2 else "")
            + " " + _("The slope is the derivative at each number: how much a small change of that input "
                      "moves the output.")
        )
        show_notes(applied)
        code = (  # code: as written in every language
            "import torch\nfrom torch import nn\n\n"
            f"X = torch.tensor({tensor_literal(applied.input)})\n"
            f"layer = {applied.code}\nprint(layer(X))"
        )
        st.code(code, language="python")
        st.caption(_("prints"))
        with st.container(key="activations_printed_output"):
            st.code(str(applied.output), language="text")
    return applied


def show_along_dim_detail(applied: Applied) -> None:
    """For an activation that acts along a dim: the full Jacobian of one slice, and the naive
    formula next to the stable computation PyTorch does."""
    slices = slices_along(applied.input, applied.dim)
    st.subheader(_("The full Jacobian of one slice"))
    explain_col, jacobian_col = st.columns(2)
    with explain_col:
        st.markdown(_(
            "Every output of Softmax depends on every input along dim, so its derivative is a "
            "matrix, the Jacobian, not one slope per number:"
        ))
        st.latex(JACOBIAN_LATEX)
        if st.session_state.get("activations_jacobian_slice", 0) >= slices.shape[0]:
            st.session_state["activations_jacobian_slice"] = 0
        slice_index = st.number_input(
            _("Slice along dim={dim} (0 to {last})").format(dim=applied.dim, last=slices.shape[0] - 1),
            min_value=0,
            max_value=slices.shape[0] - 1,
            step=1,
            key="activations_jacobian_slice",
            **SHARED,
        )
    vector = slices[int(slice_index)]
    with jacobian_col:
        st.markdown(f"x = `{tensor_literal(vector)}`")
        show_table(softmax_jacobian(vector), "activations_table_jacobian", rows="∂s", columns="∂x")
        st.caption(_(
            "Row i, column j: ∂sᵢ/∂xⱼ. The diagonal is the slope table above; each row sums to 0, "
            "because adding the same number to every score leaves softmax unchanged."
        ))

    steps = softmax_steps(applied.input, applied.dim)
    st.subheader(_("Naive formula vs what PyTorch computes"))
    with st.expander(_("Show both computations"), expanded=applied.note("activations.naive_overflow") is not None):
        naive_col, stable_col = st.columns(2)
        with naive_col:
            st.markdown(_("**Taken literally:** e^x, then divide by the sum"))
            st.latex(NAIVE_LATEX)
        with stable_col:
            st.markdown(_("**Stable (PyTorch):** subtract the largest score m of each slice first"))
            st.latex(STABLE_LATEX)
        d = steps.dim
        session = [
            ("torch.exp(X)", steps.exp),
            (f"torch.exp(X) / torch.exp(X).sum(dim={d}, keepdim=True)   # " + _("naive"), steps.naive),
            (f"m = X.amax(dim={d}, keepdim=True); X - m   # " + _("every value <= 0"), steps.shifted),
            (f"torch.exp(X - m) / torch.exp(X - m).sum(dim={d}, keepdim=True)   # " + _("stable"), steps.stable),
        ]
        with st.container(key="activations_stability_code"):
            st.code("\n".join(f">>> {line}\n{value}" for line, value in session), language="python")
        st.caption(_(
            "The m cancels between numerator and denominator, so both are equal in exact "
            "arithmetic; only the shifted one survives float32, and it is what torch.softmax "
            "and nn.Softmax compute."
        ))


# --------------------------------------------------------------------------- 3 · why nonlinearity

TYPED_WEIGHTS = {  # layer count -> the typed weights' defaults
    3: {"w1": "[[0.2, 0.5, 1.0], [0.7, 0.4, 0.4]]", "b1": "[0.1, -0.2, 0.05]",
        "w2": "[[0.3, -0.6], [-0.8, 0.2], [0.5, 0.9]]", "b2": "[0.0, 0.1]", "w3": "[[1.2], [-0.7]]", "b3": "[0.2]"},
    2: {"w1": "[[0.2, 0.5, 1.0], [0.7, 0.4, 0.4]]", "b1": "[0.1, -0.2, 0.05]",
        "w2": "[[0.3], [-0.8], [0.5]]", "b2": "[0.2]"},
}
RANDOM_SIZES = {3: {1: 3, 2: 2, 3: 1}, 2: {1: 3, 2: 1}}  # layer count -> default units per layer
WEIGHT_MODES = {"random": N_("Random (seeded)"), "typed": N_("Typed")}


def random_weights(layer_count: int, inputs: int):
    size_cols = st.columns(layer_count)
    sizes = [inputs]
    for k in range(1, layer_count + 1):
        label = _("outputs") if k == layer_count else _("units in layer {layer}").format(layer=k)
        with size_cols[k - 1]:
            sizes.append(int(st.number_input(
                label, min_value=1, max_value=get_settings().max_units, value=RANDOM_SIZES[layer_count][k], step=1,
                key=f"activations_collapse_size_{layer_count}_{k}", **SHARED,
            )))
    seed = st.number_input(_("Seed"), min_value=0, value=0, step=1, key="activations_collapse_seed", **SHARED)
    try:
        return random_stack(sizes, seed=int(seed))
    except InputError as error:
        show_input_error(error)
        return None


def typed_weights(layer_count: int):
    defaults = TYPED_WEIGHTS[layer_count]
    weights, biases = [], []
    for k in range(1, layer_count + 1):
        w_col, b_col = st.columns([3, 2])
        with w_col:
            weights.append(tensor_input(
                f"W{k}", f"activations_collapse_w{k}_{layer_count}", defaults[f"w{k}"], height=90,
                help=_("Rows = inputs of the layer, columns = its outputs (the course's X @ W form)."),
            ))
        with b_col:
            biases.append(tensor_input(
                f"b{k}", f"activations_collapse_b{k}_{layer_count}", defaults[f"b{k}"], height=90
            ))
    if any(t is None for t in weights + biases):
        return None
    try:
        return linear_stack(weights, biases)
    except InputError as error:
        show_input_error(error)
        return None


def show_collapse() -> None:
    """Stacked linear layers multiply out into one; an activation between them stops it (drawn in
    the page's first tab, whose label is the section's title)."""
    st.markdown(_(
        "Without activations, a network is linear layers one after another: "
        "each maps a row of features x to x W + b. Then the whole stack multiplies out into **one** "
        "layer, however many layers and units it has:"
    ))
    st.latex(COLLAPSE_LATEX)
    setup_col, shown_col = st.columns([1, 2])
    with setup_col:
        collapse_x = tensor_input(
            _("Inputs X (one row per example)"), "activations_collapse_x", COURSE_X, height=110,
            help=_("The course's 4 examples with 2 features each."),
        )
        layer_count = st.radio(_("Linear layers"), [2, 3], index=1, horizontal=True, key="activations_collapse_layers",
                               **SHARED)
        accept_linked_label("activations_collapse_mode", list(WEIGHT_MODES), lambda mode: _(WEIGHT_MODES[mode]))
        mode = st.radio(
            _("Weights"), list(WEIGHT_MODES), horizontal=True, key="activations_collapse_mode",
            format_func=lambda mode: _(WEIGHT_MODES[mode]), **SHARED,
        )
        inserted = st.selectbox(
            _("Activation to insert between the layers"), list(ACTIVATIONS), index=list(ACTIVATIONS).index("ReLU"),
            key="activations_collapse_activation", **SHARED,
        )
        if mode == "random":
            inputs = collapse_x.shape[-1] if collapse_x is not None and collapse_x.dim() else 2
            stack = random_weights(layer_count, inputs)
        else:
            stack = typed_weights(layer_count)

    with shown_col:
        demo = None
        if collapse_x is not None and stack is not None:
            try:
                demo = collapse_demo(collapse_x, stack, inserted, params_of(ACTIVATIONS[inserted]))
            except InputError as error:
                show_input_error(error)
        if demo is None:
            st.info(_("Fix the inputs on the left to see the comparison."), icon=NOTE_ICON)
            return
        st.markdown(ngettext(
            "Layer sizes {sizes}: the {count} weight matrix multiplies out to one W of shape {shape}.",
            "Layer sizes {sizes}: the {count} weight matrices multiply out to one W of shape {shape}.",
            len(stack.weights),
        ).format(sizes=" → ".join(str(s) for s in stack.sizes), count=len(stack.weights), shape=tuple(demo.weight.shape)))
        w_col, b_col = st.columns([3, 2])
        with w_col:
            st.markdown("**W = W₁ W₂" + (" W₃**" if len(stack.weights) == 3 else "**"))
            show_table(demo.weight, "activations_table_collapsed_w")
        with b_col:
            st.markdown(_("**b (biases folded in)**"))
            show_table(demo.bias, "activations_table_collapsed_b")
        stack_col, one_col, act_col = st.columns(3)
        with stack_col:
            st.markdown(_("**The layers one after another**"))
            show_table(demo.stack_output, "activations_table_stack")
        with one_col:
            st.markdown(_("**One layer: X W + b**"))
            show_table(demo.collapsed_output, "activations_table_one_layer")
        with act_col:
            st.markdown(_("**With {name} in between**").format(name=inserted))
            show_table(demo.nonlinear_output, "activations_table_with_activation")
        metric_a, metric_b = st.columns(2)
        metric_a.metric(_("max |layers − one layer|"), f"{demo.max_abs_diff:.1e}")
        metric_b.metric(_("max |with {name} − one layer|").format(name=inserted), f"{demo.nonlinear_diff:.4g}")
        st.markdown(_(
            "Without activations the difference is only float32 rounding: the stack *is* one linear "
            "layer, so extra layers add nothing a single layer could not do (the course: it stays "
            "linear regression). With the activation in between, the formula no longer simplifies."
        ))
        if demo.nonlinear_diff is not None and demo.nonlinear_diff < 1e-5:
            st.info(
                _("Here {name} changed nothing: every number that reached it lay where it is a "
                  "straight line through the origin (for ReLU: all hidden values were positive). An "
                  "activation only breaks the collapse where it bends; try other weights or inputs.").format(
                    name=inserted),
                icon=NOTE_ICON,
            )
        with st.expander(_("The model as PyTorch prints it")):
            st.code(demo.model_text, language="text")


# --------------------------------------------------------------------------- 4 · vanishing gradients


def show_vanishing_gradients() -> None:
    """|dh_n/dx0| of a chain of n activations, by autograd, for the activations picked (drawn in the
    page's second tab, whose label is the section's title)."""
    settings = get_settings()
    st.markdown(_(
        "Backpropagation multiplies the slopes of every layer on the way back (the chain rule). Chain "
        "the same activation n times, with a one-number linear layer w·h + b before each:"
    ))
    st.latex(CHAIN_LATEX)
    st.markdown(_(
        "With w = 1 and b = 0 this is the pure composition f(f(…f(x₀))). Sigmoid's slope is at most "
        "0.25, so n sigmoids shrink the gradient at least 4ⁿ-fold; ReLU's slope is exactly 1 for "
        "positive inputs and 0 for negative ones. The numbers are from autograd (float64)."
    ))
    chain_setup, chain_plot = st.columns([1, 2])
    with chain_setup:
        chain_names = st.multiselect(_("Activations"), elementwise_names(), default=["Sigmoid", "Tanh", "ReLU"],
                                     key="activations_chain_names", **SHARED)
        depth = st.slider(_("Largest n"), min_value=1, max_value=settings.max_layers,
                          value=min(20, settings.max_layers), key="activations_chain_depth", **SHARED)
        chain_cols = st.columns(3)
        chain_inputs = {}
        for column, (name, label, default) in zip(
            chain_cols, [("x0", "x₀", 0.5), ("weight", "w", 1.0), ("bias", "b", 0.0)], strict=True
        ):
            with column:
                chain_inputs[name] = float(st.number_input(label, value=default, step=0.1,
                                                           key=f"activations_chain_{name}", **SHARED))

    chains = []
    for name in chain_names:
        try:
            chains.append(chain_gradients(name, depth, params=params_of(ACTIVATIONS[name]), **chain_inputs))
        except InputError as error:
            with chain_setup:
                show_input_error(error)
    with chain_plot:
        if not chains:
            st.info(_("Pick at least one activation."), icon=NOTE_ICON)
            return
        points = pd.DataFrame(
            [
                {"activation": chain.name, "n": n, "|dh_n/dx0|": abs(g)}
                for chain in chains
                for n, g in zip(chain.depths, chain.gradients, strict=True)
                if g != 0 and math.isfinite(g)
            ],
            columns=["activation", "n", "|dh_n/dx0|"],
        )
        chart = (
            alt.Chart(points)
            .mark_line(point=True)
            .encode(
                x=alt.X("n:Q", title=_("n (activations in the chain)"), scale=alt.Scale(domain=[1, depth])),
                y=alt.Y("|dh_n/dx0|:Q", scale=alt.Scale(type="log"), title=_("|dhₙ/dx₀| (log scale)")),
                color=alt.Color("activation:N", scale=color_scale([c.name for c in chains]), title=_("Activation")),
                tooltip=[alt.Tooltip("activation:N", title=_("activation")), "n:Q",
                         alt.Tooltip("|dh_n/dx0|:Q", format=".3e", title="|dhₙ/dx₀|")],
            )
            .properties(height=340)
        )
        st.altair_chart(chart, width="stretch")
        zero = [chain.name for chain in chains if any(g == 0 for g in chain.gradients)]
        if zero:
            st.caption(_(
                "Not drawn where the gradient is exactly 0 (a log scale has no 0): {names}. "
                "For ReLU that means an input ≤ 0 somewhere along the chain: a dead unit passes no "
                "gradient at all."
            ).format(names=", ".join(zero)))

    table = pd.DataFrame({"n": chains[0].depths})
    for chain in chains:
        table[f"{chain.name}: hₙ"] = chain.outputs
        table[f"{chain.name}: dhₙ/dx₀"] = chain.gradients
    worst = max(
        abs(g - p) / max(abs(g), 1e-300)
        for chain in chains
        for g, p in zip(chain.gradients, chain.slope_products, strict=True)
        if g != 0
    ) if any(g != 0 for chain in chains for g in chain.gradients) else 0.0
    with st.expander(_("The numbers"), expanded=False):
        with st.container(key="activations_table_chain"):
            st.dataframe(
                table,
                hide_index=True,
                column_config={
                    c: st.column_config.NumberColumn(format="%.3e") for c in table.columns if c != "n"
                },
            )
        st.caption(_(
            "Autograd agrees with the product of the closed-form slopes from section 1 to a relative "
            "difference of {difference}."
        ).format(difference=f"{worst:.1e}"))
