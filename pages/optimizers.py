"""Optimizers: gradient descent on one weight (course text 004), then five torch.optim optimizers
racing across 2-D loss surfaces with their update formulas and the numbers of any step (text 003).

Everything shown is computed by nnlib.optimizers.paths; this page turns widget values into arguments
and draws the results.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import streamlit as st

from nnlib.core.errors import InputError
from nnlib.optimizers.paths import (
    ALPHA_PRESETS,
    CURVES,
    MAX_STEPS,
    OPTIMIZERS,
    STEP_RULES,
    SURFACES,
    Descent1D,
    Hyperparameters,
    OptimizerPath,
    curve_points,
    descend_1d,
    latex_number,
    run_paths,
    substituted_formulas,
    surface_grid,
)
from pages.components.ui import SHARED, show_input_error

state = st.session_state

# ---------------------------------------------------------------- words (kept together for translation)

CURVE_LABELS = {"parabola": "Parabola (one minimum)", "two_valleys": "Two valleys (a local and a global minimum)"}
RULE_TITLES = {"sign": "1. Fixed step against the sign", "gradient": "2. Step by the derivative"}
RULE_NOTES = {
    "sign": "Course text 004 starts here: step a fixed α left or right, whichever way the curve goes down.",
    "gradient": "Then the derivative itself sets the step: long where the curve is steep, short near the bottom.",
}
PRESET_LABELS = {"course": "Course: α = {alpha}", "too_large": "Too large: α = {alpha}", "too_small": "Too small: α = {alpha}"}
STATUS_TEXT = {
    "converged": ("success", "Arrived: the slope at the last point is below 0.001."),
    "oscillating": ("warning", "Oscillating: the last steps jump back and forth over the minimum."),
    "crawling": ("info", "Crawling: still walking downhill in small steps, not there yet."),
    "diverging": ("error", "Diverging: the loss is growing; every step overshoots further than the last."),
}
SURFACE_NOTES = {
    "bowl": "Steep across the valley (y), shallow along it (x): the curvatures differ 20 times. "
    "Plain SGD zig-zags across while it creeps along; adaptive methods rescale each coordinate.",
    "rosenbrock": "A long curved valley with a flat floor. Reaching the valley is easy; following it to the "
    "minimum at (1, 1) is slow for plain SGD.",
    "saddle": "At (0, 0) the slope is zero but it is no minimum: up along x, down along y. Starting almost on "
    "the ridge (y = 0.001), the push along y is tiny at first; the valleys are at y = ±√2 with L = −1.",
    "himmelblau": "Four minima, all with L = 0. Which one a method finds depends on the start and on how it "
    "scales its steps.",
}
COURSE_DIFFERENCES = {
    "sgd": "Text 003 writes θ_{t+1} = θ_t + α∇L with a plus. The step goes against the gradient (the text "
    "itself says «антиградиент»), so torch, and this page, subtract.",
    "momentum": "Text 003 keeps a velocity v_{t+1} = μv_t − η∇L and adds it to θ. torch keeps "
    "b_t = μb_{t−1} + g_t and subtracts ηb_t. While η stays fixed these are the same path (v_t = −ηb_t); "
    "a unit test checks it step for step.",
    "adagrad": "Text 003 puts ε inside the root, η / √(G_t + ε). torch adds ε = 1e−10 after the root, "
    "η / (√G_t + ε), and starts from G_0 = 0 (initial_accumulator_value = 0). The two differ only "
    "while G is about as small as ε.",
    "rmsprop": "Text 003 calls the decay μ; torch calls it alpha (default 0.99) and adds ε = 1e−8 after the "
    "root, not inside it.",
    "adam": "Text 003 names the first moment v and the second g (decay μ), puts ε inside the root and has no "
    "bias correction. torch divides by 1 − β^t: both moments start at 0, so early on they are too small. "
    "With the correction the first step moves each coordinate by almost exactly η; without it, by "
    "η(1 − β₁)/√(1 − β₂) ≈ 3.16η for β₁ = 0.9, β₂ = 0.999.",
}
COLORS = {"sgd": "#e03131", "momentum": "#f08c00", "adagrad": "#2f9e44", "rmsprop": "#1971c2", "adam": "#9c36b5"}

# ---------------------------------------------------------------- state
#
# Every input is kept across page changes and mirrored in the page URL (SHARED), so an
# instructor can hand out a link to one surface with one set of learning rates. Streamlit
# leaves a value equal to the widget's default out of the URL; the defaults of the start
# point, the steps and the learning rates are those of the chosen surface (and the start of
# the chosen curve), so a link that names only the surface opens with that surface's
# settings, and choosing a surface, which loads its settings, leaves the URL short.

DEFAULT_CURVE = "parabola"
DEFAULT_SURFACE = "rosenbrock"
DEFAULT_1D_STEPS = 12
DEFAULT_MOMENTUM, DEFAULT_RMS_ALPHA, DEFAULT_BETA1, DEFAULT_BETA2 = 0.9, 0.99, 0.9, 0.999


def _apply_curve_defaults() -> None:
    state["optimizers_1d_start"] = float(CURVES[state["optimizers_1d_curve"]].start)


def _set_alpha(value: float) -> None:
    state["optimizers_1d_alpha"] = value


def _apply_surface_defaults() -> None:
    surface = SURFACES[state["optimizers_surface"]]
    state["optimizers_x0"], state["optimizers_y0"] = (float(v) for v in surface.start)
    state["optimizers_steps"] = surface.steps
    for key, lr in surface.learning_rates.items():
        state[f"optimizers_lr_{key}"] = float(lr)
    state["optimizers_step"] = 1


# ---------------------------------------------------------------- 1-D drawing


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
            tooltip=["step", alt.Tooltip("w:Q", format=".4f"), alt.Tooltip("L:Q", format=".4f")],
        )
    )
    return (line + segments + dots).properties(height=280)


def descent_table(descent: Descent1D) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "step": [s.step for s in descent.steps],
            "w₁": [s.w for s in descent.steps],
            "𝓛(w₁)": [s.loss for s in descent.steps],
            "∂𝓛/∂w₁": [s.derivative for s in descent.steps],
            "update": [s.update for s in descent.steps],
            "new w₁": [s.w_next for s in descent.steps],
        }
    )


def show_descent(rule_key: str, curve_key: str, alpha: float, start: float, steps: int) -> None:
    st.markdown(f"#### {RULE_TITLES[rule_key]}")
    st.caption(RULE_NOTES[rule_key])
    st.latex(STEP_RULES[rule_key].latex.replace(r"\alpha", rf"\underbrace{{{latex_number(alpha)}}}_{{\alpha}}"))
    try:
        descent = descend_1d(curve_key, rule_key, alpha, start, steps)
    except InputError as error:
        show_input_error(error)
        return
    st.altair_chart(descent_chart(descent), width="stretch")
    kind, text = STATUS_TEXT[descent.status]
    getattr(st, kind)(text)
    columns = st.columns(3)
    columns[0].metric("steps taken", len(descent.steps))
    columns[1].metric("last w₁", f"{descent.final_w:.6g}")
    columns[2].metric("last 𝓛", f"{descent.final_loss:.3g}")
    number = st.column_config.NumberColumn(format="%.4g")
    st.container(key=f"optimizers_table_{rule_key}").dataframe(
        descent_table(descent), hide_index=True, height=230, width="stretch",
        column_config={name: number for name in ("w₁", "𝓛(w₁)", "∂𝓛/∂w₁", "update", "new w₁")},
    )


# ---------------------------------------------------------------- 2-D drawing

MAX_DRAWN_POINTS = 400  # per path; long paths are thinned for the browser, every step stays in the numbers


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
                rows.append({"optimizer": OPTIMIZERS[key].name, "step": index, "x": x, "y": y, "loss": loss})
    return pd.DataFrame(rows, columns=["optimizer", "step", "x", "y", "loss"])


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
                legend=alt.Legend(title=["log₁₀(1 + L − L*)", "light = low"], orient="right"),
            ),
        )
    )
    names = [OPTIMIZERS[key].name for key in paths]
    palette = alt.Scale(domain=names, range=[COLORS[key] for key in paths])
    color = alt.Color(
        "optimizer:N", scale=palette,
        legend=alt.Legend(title=None, orient="bottom", columns=len(names), labelLimit=0),
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
            tooltip=["optimizer", "step", alt.Tooltip("x:Q", format=".4f"), alt.Tooltip("y:Q", format=".4f"),
                     alt.Tooltip("loss:Q", format=".4g")],
        )
    )
    marked = pd.DataFrame(
        [
            {"optimizer": OPTIMIZERS[key].name, "x": path.points[min(marked_step, len(path.points) - 1)][0],
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
    names = [OPTIMIZERS[key].name for key in paths]
    return (
        alt.Chart(frame)
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("step:Q", title="step t"),
            y=alt.Y("gap:Q", title="L(θ_t) − L*", scale=alt.Scale(type="log")),
            color=alt.Color(
                "optimizer:N",
                scale=alt.Scale(domain=names, range=[COLORS[key] for key in paths]),
                legend=None,
            ),
            tooltip=["optimizer", "step", alt.Tooltip("loss:Q", format=".4g")],
        )
        .properties(height=460)
    )


@st.cache_data(max_entries=32, show_spinner="Running the optimizers…")
def compute_paths(
    surface_key: str, keys: tuple[str, ...], learning_rates: tuple[tuple[str, float], ...],
    momentum: float, rms_alpha: float, beta1: float, beta2: float, start: tuple[float, float], steps: int,
) -> dict[str, OptimizerPath]:
    hyper = Hyperparameters(dict(learning_rates), momentum, rms_alpha, beta1, beta2)
    return run_paths(surface_key, keys, hyper, start, steps)


def summary_frame(surface_key: str, paths: dict[str, OptimizerPath], hyper: Hyperparameters) -> pd.DataFrame:
    floor = SURFACES[surface_key].minimum_value
    rows = []
    for key, path in paths.items():
        x, y = path.points[-1]
        reached = path.steps_to_reach(floor + 1e-3)
        rows.append(
            {
                "optimizer": OPTIMIZERS[key].name,
                "η": f"{hyper.lr(key):g}",
                "steps run": str(len(path.steps)),
                "last θ": f"({x:.4f}, {y:.4f})",
                "last L": f"{path.final_loss:.4g}",
                "steps until L − L* ≤ 0.001": "never" if reached is None else str(reached),
                "diverged": "yes" if path.diverged else "no",
            }
        )
    return pd.DataFrame(rows).set_index("optimizer")


# ---------------------------------------------------------------- page

st.title("Optimizers")
st.markdown(
    "Training a network means walking downhill on its loss. First one weight and one curve, stepped by "
    "hand as in course text 004; then the five optimizers of course text 003 (SGD, Momentum, AdaGrad, "
    "RMSProp, Adam), each a real `torch.optim` optimizer moving a two-number tensor across a loss surface. "
    "Pick any step to see its update formula with that step's numbers in it."
)

st.header("Gradient descent on one weight")
controls = st.columns([2, 1, 1, 1])
curve_key = controls[0].selectbox(
    "Loss curve", list(CURVES), index=list(CURVES).index(DEFAULT_CURVE), format_func=CURVE_LABELS.get,
    key="optimizers_1d_curve", on_change=_apply_curve_defaults, **SHARED,
)
start_1d = controls[1].number_input(
    "Start w₁", min_value=-10.0, max_value=10.0, value=float(CURVES[curve_key].start), step=0.1,
    key="optimizers_1d_start", **SHARED,
)
alpha_1d = controls[2].number_input(
    "Learning rate α", min_value=0.001, max_value=5.0, value=ALPHA_PRESETS["course"], step=0.05, format="%g",
    key="optimizers_1d_alpha", **SHARED,
)
steps_1d = controls[3].number_input(
    "Steps", min_value=1, max_value=200, value=DEFAULT_1D_STEPS, step=1, key="optimizers_1d_steps", **SHARED,
)
presets = st.columns(len(ALPHA_PRESETS) + 2)
for column, (name, alpha) in zip(presets, ALPHA_PRESETS.items(), strict=False):
    column.button(
        PRESET_LABELS[name].format(alpha=alpha), key=f"optimizers_1d_preset_{name}", on_click=_set_alpha,
        args=(alpha,), width="stretch",
    )
st.latex(CURVES[curve_key].latex)
columns = st.columns(2, gap="large")
for column, rule_key in zip(columns, STEP_RULES, strict=True):
    with column:
        show_descent(rule_key, curve_key, float(alpha_1d), float(start_1d), int(steps_1d))
st.caption(
    "Course text 004 calls α the learning rate and suggests 10⁻⁴…10⁻² for real networks; this toy curve "
    "tolerates far larger steps. On the parabola the derivative rule multiplies the distance to the minimum "
    "by (1 − 2α) each step: below α = 0.5 it shrinks steadily, between 0.5 and 1 it flips sides while "
    "shrinking, above 1 it grows."
)

st.header("Five optimizers on a loss surface")
top = st.columns([2, 1, 1, 1])
surface_key = top[0].selectbox(
    "Surface", list(SURFACES), index=list(SURFACES).index(DEFAULT_SURFACE),
    format_func=lambda key: SURFACES[key].name, key="optimizers_surface", on_change=_apply_surface_defaults,
    help="Choosing a surface loads its start, steps and learning rates.", **SHARED,
)
surface = SURFACES[surface_key]
x0 = top[1].number_input("Start x", min_value=-10.0, max_value=10.0, value=float(surface.start[0]), step=0.1,
                         key="optimizers_x0", **SHARED)
y0 = top[2].number_input("Start y", min_value=-10.0, max_value=10.0, value=float(surface.start[1]), step=0.1,
                         format="%g", key="optimizers_y0", **SHARED)
steps_2d = top[3].number_input("Steps", min_value=1, max_value=MAX_STEPS, value=min(surface.steps, MAX_STEPS),
                               step=50, key="optimizers_steps", **SHARED)
st.latex(surface.latex)
st.caption(SURFACE_NOTES[surface_key])

with st.expander("Learning rates and the other hyperparameters", expanded=True):
    lr_columns = st.columns(len(OPTIMIZERS))
    for column, (key, spec) in zip(lr_columns, OPTIMIZERS.items(), strict=True):
        column.checkbox(spec.name, value=True, key=f"optimizers_show_{key}", **SHARED)
        column.number_input(
            f"η ({spec.name})", min_value=1e-6, max_value=10.0, value=float(surface.learning_rates[key]), step=0.001,
            format="%g", key=f"optimizers_lr_{key}", **SHARED,
        )
    other = st.columns(4)
    other[0].number_input("μ (Momentum)", min_value=0.01, max_value=0.999, value=DEFAULT_MOMENTUM, step=0.01,
                          key="optimizers_momentum", **SHARED)
    other[1].number_input("α (RMSProp decay)", min_value=0.0, max_value=0.9999, value=DEFAULT_RMS_ALPHA, step=0.01,
                          format="%g", key="optimizers_rms_alpha", **SHARED)
    other[2].number_input("β₁ (Adam)", min_value=0.0, max_value=0.999, value=DEFAULT_BETA1, step=0.01,
                          key="optimizers_beta1", **SHARED)
    other[3].number_input("β₂ (Adam)", min_value=0.0, max_value=0.9999, value=DEFAULT_BETA2, step=0.001,
                          format="%g", key="optimizers_beta2", **SHARED)
    st.caption(
        "The defaults of each surface are learning rates that work there; ε is torch's default "
        "(AdaGrad 1e−10, RMSProp and Adam 1e−8). Change the surface to restore them."
    )

chosen = tuple(key for key in OPTIMIZERS if state[f"optimizers_show_{key}"])
hyper = Hyperparameters(
    {key: float(state[f"optimizers_lr_{key}"]) for key in OPTIMIZERS},
    float(state["optimizers_momentum"]), float(state["optimizers_rms_alpha"]),
    float(state["optimizers_beta1"]), float(state["optimizers_beta2"]),
)
paths: dict[str, OptimizerPath] = {}
if not chosen:
    st.info("Tick at least one optimizer above to run it.")
else:
    try:
        paths = compute_paths(
            surface_key, chosen, tuple((key, hyper.lr(key)) for key in chosen), hyper.momentum, hyper.rms_alpha,
            hyper.beta1, hyper.beta2, (float(x0), float(y0)), int(steps_2d),
        )
    except InputError as error:
        show_input_error(error)

if paths:
    longest = max(len(path.steps) for path in paths.values())
    if state.get("optimizers_step", 1) > longest:
        state["optimizers_step"] = longest
    # The charts mark the step chosen on the slider below: drawn once the slider has its value
    # (on a link's first run the slider takes it from the URL).
    charts = st.container()
    st.container(key="optimizers_summary").table(summary_frame(surface_key, paths, hyper))

    st.subheader("One step, with its numbers")
    step = 1
    if longest > 1:
        step = st.slider("Step t", min_value=1, max_value=longest, value=1, key="optimizers_step", **SHARED)
    step = min(int(step), longest)
    with charts:
        chart_column, loss_column = st.columns([3, 2], gap="medium")
        with chart_column:
            st.markdown("**Paths on the surface** (yellow crosses: minima; diamonds: the step chosen below)")
            st.altair_chart(surface_chart(surface_key, paths, step), width="stretch")
        with loss_column:
            st.markdown("**Loss against step** (log scale, distance to the lowest loss L*)")
            st.altair_chart(loss_chart(surface_key, paths), width="stretch")
    st.markdown(
        "Each line is the formula as `torch.optim` computes it, then the same with torch's numbers "
        "for step t substituted, then the result torch got. The gradient g_t comes from autograd at the "
        "point before the step."
    )
    tabs = st.tabs([OPTIMIZERS[key].name for key in paths])
    for tab, (key, path) in zip(tabs, paths.items(), strict=True):
        spec = OPTIMIZERS[key]
        with tab:
            if step > len(path.steps):
                st.warning(f"{spec.name} stopped after {len(path.steps)} steps: its path diverged.")
                continue
            formula_column, course_column = st.columns([3, 2], gap="large")
            with formula_column:
                st.markdown("**As torch computes it**")
                for line in spec.formulas:
                    st.latex(line)
                st.markdown(f"**Step t = {step}**")
                for line in substituted_formulas(path, step, hyper):
                    st.latex(line.latex)
            with course_column:
                st.markdown("**As course text 003 writes it**")
                for line in spec.course_formulas:
                    st.latex(line)
                st.caption(COURSE_DIFFERENCES[key])
