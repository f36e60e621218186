"""Sections of the Optimizers page: gradient descent on one weight, and the optimizers' race on a surface.

Everything shown is computed by nnlib.optimizers; what differs between optimizers, curves and
surfaces (names, colours, formulas, notes, widgets) is read from their records.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.core.formatting import latex_significant
from nnlib.optimizers import OPTIMIZERS
from nnlib.optimizers.paths import (
    STEP_RULES,
    Descent1D,
    Hyperparameters,
    OptimizerPath,
    descend_1d,
    run_paths,
    substituted_formulas,
    surface_learning_rates,
)
from nnlib.optimizers.record import Hyperparameter
from nnlib.optimizers.surfaces import CURVES, SURFACES, curve_points, surface_grid
from pages.components.i18n import _
from pages.components.ui import SHARED, show_input_error

state = st.session_state

# How each way a 1-D descent can end is shown (the words come from the optimizers catalogue).
STATUS_STYLE: dict[str, Callable[[str], object]] = {
    "converged": st.success, "oscillating": st.warning, "crawling": st.info, "diverging": st.error,
}
MAX_DRAWN_POINTS = 400  # per path; long paths are thinned for the browser, every step stays in the numbers


# ---------------------------------------------------------------- state
#
# Every input is kept across page changes and mirrored in the page URL (SHARED), so an
# instructor can hand out a link to one surface with one set of learning rates. Streamlit
# leaves a value equal to the widget's default out of the URL; the defaults of the start
# point, the steps and the learning rates are those of the chosen surface (and the start of
# the chosen curve), so a link that names only the surface opens with that surface's
# settings, and choosing a surface, which loads its settings, leaves the URL short.


def apply_curve_defaults() -> None:
    state["optimizers_1d_start"] = float(CURVES[state["optimizers_1d_curve"]].start)


def set_alpha(value: float) -> None:
    state["optimizers_1d_alpha"] = value


def apply_surface_defaults() -> None:
    surface_key = state["optimizers_surface"]
    surface = SURFACES[surface_key]
    state["optimizers_x0"], state["optimizers_y0"] = (float(v) for v in surface.start)
    state["optimizers_steps"] = surface.steps
    for key, lr in surface_learning_rates(surface_key).items():
        state[f"optimizers_lr_{key}"] = float(lr)
    state["optimizers_step"] = 1


def hyperparameter_key(spec: Hyperparameter) -> str:
    return f"optimizers_{spec.key}"


# ---------------------------------------------------------------- one weight


def descent_chart(descent: Descent1D) -> alt.LayerChart:
    curve = CURVES[descent.curve]
    low, high = curve.w_range
    width = high - low
    finite = [w for w in descent.ws if math.isfinite(w)]
    # Widen the view to show where the path went, but not so far that the curve flattens to a line.
    view = (max(min([low, *finite]), low - width), min(max([high, *finite]), high + width))
    ws, losses = curve_points(descent.curve, view, 300)
    curve_frame = pd.DataFrame({"w": ws, "L": losses})
    top = max(losses)
    points = pd.DataFrame(
        {"step": list(range(len(descent.ws))), "w": descent.ws, "L": [s.loss for s in descent.steps] + [descent.final_loss]}
    )
    points = points[points["w"].between(*view) & points["L"].le(top)]
    arrows = pd.DataFrame(
        {
            "step": [s.step for s in descent.steps],
            "w": [s.w for s in descent.steps],
            "L": [s.loss for s in descent.steps],
            "w_next": [s.w_next for s in descent.steps],
            "L_next": [s.loss for s in descent.steps[1:]] + [descent.final_loss],
        }
    )
    arrows = arrows[arrows["w"].between(*view) & arrows["w_next"].between(*view) & arrows["L_next"].le(top)]
    x = alt.X("w:Q", title="w₁", scale=alt.Scale(domain=list(view), nice=False))
    y = alt.Y("L:Q", title="𝓛(w₁)", scale=alt.Scale(domain=[min(losses), top], nice=False))
    line = alt.Chart(curve_frame).mark_line(color="#adb5bd", strokeWidth=2).encode(x=x, y=y)
    segments = (
        alt.Chart(arrows)
        .mark_rule(color="#d9480f", strokeWidth=1.5, opacity=0.8)
        .encode(x=x, y=y, x2="w_next:Q", y2="L_next:Q")
    )
    dots = (
        alt.Chart(points)
        .mark_circle(size=70, opacity=1)
        .encode(
            x=x,
            y=y,
            color=alt.Color("step:Q", scale=alt.Scale(scheme="oranges"), legend=None),
            tooltip=[alt.Tooltip("step:Q", title=_("step")), alt.Tooltip("w:Q", title="w₁", format=".4f"),
                     alt.Tooltip("L:Q", title="𝓛", format=".4f")],
        )
    )
    return (line + segments + dots).properties(height=220)


def descent_table(descent: Descent1D) -> pd.DataFrame:
    return pd.DataFrame(
        {
            _("step"): [s.step for s in descent.steps],
            "w₁": [s.w for s in descent.steps],
            "𝓛(w₁)": [s.loss for s in descent.steps],
            "∂𝓛/∂w₁": [s.derivative for s in descent.steps],
            _("update"): [s.update for s in descent.steps],
            _("new w₁"): [s.w_next for s in descent.steps],
        }
    )


def show_descent(rule_key: str, curve_key: str, alpha: float, start: float, steps: int) -> None:
    """One column: a step rule's formula with alpha in it, how it ended, its path on the curve, its steps."""
    rule = STEP_RULES[rule_key]
    st.markdown(f"#### {rule.title}")
    st.caption(rule.note)
    st.latex(rule.latex.replace(r"\alpha", rf"\underbrace{{{latex_significant(alpha)}}}_{{\alpha}}"))
    try:
        descent = descend_1d(curve_key, rule_key, alpha, start, steps)
    except InputError as error:
        show_input_error(error)
        return
    # How it ended first, so the first screen shows the outcome next to the controls; then the path.
    STATUS_STYLE[descent.status](messages.word(descent.status_code))
    st.altair_chart(descent_chart(descent), width="stretch")
    columns = st.columns(3)
    columns[0].metric(_("steps taken"), len(descent.steps))
    columns[1].metric(_("last w₁"), f"{descent.final_w:.6g}")
    columns[2].metric(_("last 𝓛"), f"{descent.final_loss:.3g}")
    number = st.column_config.NumberColumn(format="%.4g")
    with st.expander(_("Every step: w₁, 𝓛, the derivative and the update")):
        st.container(key=f"optimizers_table_{rule_key}").dataframe(
            descent_table(descent), hide_index=True, height=230, width="stretch",
            column_config={name: number for name in ("w₁", "𝓛(w₁)", "∂𝓛/∂w₁", _("update"), _("new w₁"))},
        )


def show_descents(curve_key: str, alpha: float, start: float, steps: int) -> None:
    """Every step rule side by side on the chosen curve."""
    columns = st.columns(len(STEP_RULES), gap="large")
    for column, rule_key in zip(columns, STEP_RULES, strict=True):
        with column:
            show_descent(rule_key, curve_key, alpha, start, steps)


# ---------------------------------------------------------------- the race: settings


def show_optimizer_settings(surface_key: str) -> None:
    """Per optimizer: run it or not, its learning rate; then every other hyperparameter of the registry."""
    learning_rates = surface_learning_rates(surface_key)
    lr_columns = st.columns(len(OPTIMIZERS))
    for column, (key, record) in zip(lr_columns, OPTIMIZERS.items(), strict=True):
        column.checkbox(_("Run {optimizer}").format(optimizer=record.label), value=True,
                        key=f"optimizers_show_{key}", **SHARED)
        column.number_input(
            _("η ({optimizer})").format(optimizer=record.label), min_value=1e-6, max_value=10.0, value=learning_rates[key], step=0.001,
            format="%g", key=f"optimizers_lr_{key}", **SHARED,
        )
    specs = [spec for record in OPTIMIZERS.values() for spec in record.hyperparameters]
    for column, spec in zip(st.columns(len(specs)), specs, strict=True):
        column.number_input(
            spec.shown_label, min_value=spec.lowest_offered, max_value=spec.maximum, value=spec.default,
            step=spec.step, format=spec.number_format or None, key=hyperparameter_key(spec), **SHARED,
        )


def chosen_optimizers() -> tuple[str, ...]:
    return tuple(key for key in OPTIMIZERS if state[f"optimizers_show_{key}"])


def chosen_hyperparameters() -> Hyperparameters:
    return Hyperparameters(
        {key: float(state[f"optimizers_lr_{key}"]) for key in OPTIMIZERS},
        {
            key: {spec.name: float(state[hyperparameter_key(spec)]) for spec in record.hyperparameters}
            for key, record in OPTIMIZERS.items()
        },
    )


@st.cache_data(max_entries=32, show_spinner=False)
def compute_paths(
    surface_key: str, keys: tuple[str, ...], learning_rates: tuple[tuple[str, float], ...],
    settings: tuple[tuple[str, tuple[tuple[str, float], ...]], ...], start: tuple[float, float], steps: int,
) -> dict[str, OptimizerPath]:
    hyper = Hyperparameters(dict(learning_rates), {key: dict(values) for key, values in settings})
    return run_paths(surface_key, keys, hyper, start, steps)


def race(
    surface_key: str, keys: tuple[str, ...], hyper: Hyperparameters, start: tuple[float, float], steps: int
) -> dict[str, OptimizerPath]:
    """The chosen optimizers' paths (cached by their settings), or none after showing why."""
    try:
        with st.spinner(_("Running the optimizers…")):
            return compute_paths(
                surface_key, keys, tuple((key, hyper.lr(key)) for key in keys),
                tuple((key, tuple(sorted(hyper.settings.get(key, {}).items()))) for key in keys), start, steps,
            )
    except InputError as error:
        show_input_error(error)
        return {}


# ---------------------------------------------------------------- the race: drawing


def _thin(count: int) -> list[int]:
    if count <= MAX_DRAWN_POINTS:
        return list(range(count))
    stride = count / MAX_DRAWN_POINTS
    picked = sorted({int(i * stride) for i in range(MAX_DRAWN_POINTS)} | {count - 1})
    return picked


def path_frame(paths: dict[str, OptimizerPath]) -> pd.DataFrame:
    rows = []
    for key, path in paths.items():
        points, losses = path.points, path.losses
        for index in _thin(len(points)):
            (x, y), loss = points[index], losses[index]
            if math.isfinite(x) and math.isfinite(y):
                rows.append({"optimizer": OPTIMIZERS[key].label, "step": index, "x": x, "y": y, "loss": loss})
    return pd.DataFrame(rows, columns=["optimizer", "step", "x", "y", "loss"])


def optimizer_palette(paths: dict[str, OptimizerPath]) -> alt.Scale:
    """Each optimizer in its record's colour, whichever of them are drawn."""
    return alt.Scale(domain=[OPTIMIZERS[key].label for key in paths], range=[OPTIMIZERS[key].color for key in paths])


def surface_chart(surface_key: str, paths: dict[str, OptimizerPath], marked_step: int) -> alt.LayerChart:
    surface = SURFACES[surface_key]
    xs, ys, values = surface_grid(surface_key, 60)
    dx, dy = xs[1] - xs[0], ys[1] - ys[0]
    cells = pd.DataFrame(
        [
            {
                # Cells overlap a little so no hairline gaps show between them.
                "x0": x - 0.52 * dx, "x1": x + 0.52 * dx, "y0": y - 0.52 * dy, "y1": y + 0.52 * dy,
                "level": math.log10(1 + max(value - surface.minimum_value, 0.0)),
            }
            for y, row in zip(ys, values, strict=True)
            for x, value in zip(xs, row, strict=True)
        ]
    )
    x_scale = alt.Scale(domain=list(surface.x_range), nice=False)
    y_scale = alt.Scale(domain=list(surface.y_range), nice=False)
    heat = (
        alt.Chart(cells)
        .mark_rect(strokeWidth=0)
        .encode(
            x=alt.X("x0:Q", title="x", scale=x_scale),
            x2="x1:Q",
            y=alt.Y("y0:Q", title="y", scale=y_scale),
            y2="y1:Q",
            color=alt.Color(
                "level:Q",
                scale=alt.Scale(type="quantize", scheme=alt.SchemeParams("greys", count=9), nice=True),
                legend=alt.Legend(title=["log₁₀(1 + L − L*)", _("light = low")], orient="right"),
            ),
        )
    )
    palette = optimizer_palette(paths)
    color = alt.Color(
        "optimizer:N", scale=palette,
        legend=alt.Legend(title=None, orient="bottom", columns=len(paths), labelLimit=0),
    )
    frame = path_frame(paths)
    lines = (
        alt.Chart(frame)
        .mark_line(strokeWidth=2, clip=True, point=alt.OverlayMarkDef(size=12, clip=True))
        .encode(
            x=alt.X("x:Q", scale=x_scale),
            y=alt.Y("y:Q", scale=y_scale),
            color=color,
            order="step:Q",
            tooltip=[alt.Tooltip("optimizer:N", title=_("optimizer")), alt.Tooltip("step:Q", title=_("step")),
                     alt.Tooltip("x:Q", format=".4f"), alt.Tooltip("y:Q", format=".4f"),
                     alt.Tooltip("loss:Q", title="L", format=".4g")],
        )
    )
    marked = pd.DataFrame(
        [
            {"optimizer": OPTIMIZERS[key].label, "x": path.points[min(marked_step, len(path.points) - 1)][0],
             "y": path.points[min(marked_step, len(path.points) - 1)][1]}
            for key, path in paths.items()
        ]
    )
    marked = marked[marked["x"].between(*surface.x_range) & marked["y"].between(*surface.y_range)]
    marks = (
        alt.Chart(marked)
        .mark_point(shape="diamond", size=160, filled=True, stroke="white", strokeWidth=1.5)
        .encode(
            x=alt.X("x:Q", scale=x_scale),
            y=alt.Y("y:Q", scale=y_scale),
            color=alt.Color("optimizer:N", scale=palette, legend=None),
        )
    )
    minima = pd.DataFrame([{"x": x, "y": y} for x, y in surface.minima])
    stars = (
        alt.Chart(minima)
        .mark_point(shape="cross", size=140, color="#fab005", strokeWidth=3)
        .encode(x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale))
    )
    return (heat + lines + stars + marks).properties(height=460).configure_axis(grid=False)


def loss_chart(surface_key: str, paths: dict[str, OptimizerPath]) -> alt.Chart:
    floor = SURFACES[surface_key].minimum_value
    frame = path_frame(paths)
    frame["gap"] = (frame["loss"] - floor).clip(lower=1e-16)
    frame = frame[frame["gap"].map(math.isfinite)]
    return (
        alt.Chart(frame)
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("step:Q", title=_("step t")),
            y=alt.Y("gap:Q", title="L(θ_t) − L*", scale=alt.Scale(type="log")),
            color=alt.Color("optimizer:N", scale=optimizer_palette(paths), legend=None),
            tooltip=[alt.Tooltip("optimizer:N", title=_("optimizer")), alt.Tooltip("step:Q", title=_("step")),
                     alt.Tooltip("loss:Q", title="L", format=".4g")],
        )
        .properties(height=460)
    )


def summary_frame(surface_key: str, paths: dict[str, OptimizerPath], hyper: Hyperparameters) -> pd.DataFrame:
    floor = SURFACES[surface_key].minimum_value
    rows = []
    for key, path in paths.items():
        x, y = path.points[-1]
        reached = path.steps_to_reach(floor + 1e-3)
        rows.append(
            {
                _("optimizer"): OPTIMIZERS[key].label,
                "η": f"{hyper.lr(key):g}",
                _("steps run"): str(len(path.steps)),
                _("last θ"): f"({x:.4f}, {y:.4f})",
                _("last L"): f"{path.final_loss:.4g}",
                _("steps until L − L* ≤ 0.001"): _("never") if reached is None else str(reached),
                _("diverged"): _("yes") if path.diverged else _("no"),
            }
        )
    return pd.DataFrame(rows).set_index(_("optimizer"))


def show_step_formulas(paths: dict[str, OptimizerPath], step: int, hyper: Hyperparameters) -> None:
    """A tab per optimizer: torch's formulas, step t's numbers in them, and the course's version."""
    tabs = st.tabs([OPTIMIZERS[key].label for key in paths])
    for tab, (key, path) in zip(tabs, paths.items(), strict=True):
        record = OPTIMIZERS[key]
        with tab:
            if step > len(path.steps):
                st.warning(messages.word("optimizers.path_diverged", {"optimizer": record.label,
                                                                      "steps": len(path.steps)}))
                continue
            formula_column, course_column = st.columns([3, 2], gap="large")
            with formula_column:
                st.markdown(_("**As torch computes it**"))
                for line in record.formulas:
                    st.latex(line)
                st.markdown(_("**Step t = {step}**").format(step=step))
                for line in substituted_formulas(path, step, hyper):
                    st.latex(line.latex)
            with course_column:
                st.markdown(_("**As course text 003 writes it**"))
                for line in record.course_formulas:
                    st.latex(line)
                st.caption(record.course_difference)


def show_race(surface_key: str, paths: dict[str, OptimizerPath], hyper: Hyperparameters) -> None:
    """The paths on the surface and their losses, the summary, the step slider, that step's formulas."""
    longest = max(len(path.steps) for path in paths.values())
    if state.get("optimizers_step", 1) > longest:
        state["optimizers_step"] = longest
    # The charts mark the step chosen on the slider below: drawn once the slider has its value
    # (on a link's first run the slider takes it from the URL).
    charts = st.container()
    st.container(key="optimizers_summary").table(summary_frame(surface_key, paths, hyper))

    st.subheader(_("One step, with its numbers"))
    step = 1
    if longest > 1:
        step = st.slider(_("Step t"), min_value=1, max_value=longest, value=1, key="optimizers_step", **SHARED)
    step = min(int(step), longest)
    with charts:
        chart_column, loss_column = st.columns([3, 2], gap="medium")
        with chart_column:
            st.markdown(_("**Paths on the surface** (yellow crosses: minima; diamonds: the step chosen below)"))
            st.altair_chart(surface_chart(surface_key, paths, step), width="stretch")
        with loss_column:
            st.markdown(_("**Loss against step** (log scale, distance to the lowest loss L*)"))
            st.altair_chart(loss_chart(surface_key, paths), width="stretch")
    st.markdown(
        _("Each line is the formula as `torch.optim` computes it, then the same with torch's numbers "
          "for step t substituted, then the result torch got. The gradient g_t comes from autograd at the "
          "point before the step.")
    )
    show_step_formulas(paths, step, hyper)
