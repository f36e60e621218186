"""Section: iris exactly as course text 004 trains it, for one seed or many, against the course's numbers.

The recipe, its runs and their spread come from :mod:`nnlib.training.course`; this section only
takes the seeds, runs them with a progress bar (holding one slot of the server's training queue,
as a run of the Training page does), and draws the spread of validation accuracy with the
course's 88 % marked and the loss traces with the course's printed 1.414 and 0.347 marked.
"""

from __future__ import annotations

import streamlit as st

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.training import course
from nnlib.training.runner import shared_slots
from pages.components import charts
from pages.components.i18n import _, ngettext
from pages.components.ui import KEPT, show_input_error

LOSS_POINTS_PER_SEED = 100  # of 500 steps: the curve's shape, the first and last step kept
COURSE_COLOUR = "#d62728"


def _run(key_prefix: str, seeds: list[int]) -> None:
    """Train the seeds with a progress bar and keep what they reached in this session."""
    bar = st.progress(0.0, text=_("Waiting for a free training slot…"))

    def report(done: int, total: int) -> None:
        bar.progress(done / total, text=ngettext("Trained {done} of {count} seed", "Trained {done} of {count} seeds",
                                                 total).format(done=done, count=total))

    try:
        spread = course.run_course_seeds(seeds, progress=report, slots=shared_slots())
    except InputError as error:
        show_input_error(error)
        return
    finally:
        bar.empty()
    st.session_state[f"{key_prefix}_result"] = spread


def _spread_chart(spread: course.CourseSpread) -> None:
    counts: dict[float, int] = {}
    for accuracy in spread.accuracies:
        counts[round(accuracy * 100, 1)] = counts.get(round(accuracy * 100, 1), 0) + 1
    rows = [{"accuracy": accuracy, "seeds": seeds} for accuracy, seeds in sorted(counts.items())]
    low = min(80.0, min(counts) - 2)
    x = charts.quantitative("accuracy", _("validation accuracy (%)"), scale={"domain": [low, 100], "nice": False})
    course_mark = [{"accuracy": course.COURSE_ACCURACY * 100,
                    "label": _("course: {accuracy:.0f} %").format(accuracy=course.COURSE_ACCURACY * 100)}]
    charts.show(
        _("Validation accuracy of each seed"), 220,
        charts.layer(rows, {"type": "bar", "width": 10}, x=x,
                     y=charts.quantitative("seeds", _("seeds"), axis={"tickMinStep": 1, "format": "d"}),
                     tooltip=charts.tooltip({"field": "accuracy", "title": _("validation accuracy (%)")},
                                           {"field": "seeds", "title": _("seeds")})),
        charts.layer(course_mark, {"type": "rule", "color": COURSE_COLOUR, "strokeDash": [4, 3], "size": 2},
                     x=charts.quantitative("accuracy")),
        charts.layer(course_mark, {"type": "text", "color": COURSE_COLOUR, "align": "right", "dx": -4,
                                   "baseline": "top", "y": 4}, x=charts.quantitative("accuracy"),
                     text={"field": "label"}),
    )


def _loss_chart(spread: course.CourseSpread) -> None:
    rows = []
    for run in spread.runs:
        steps = charts.every_nth(list(enumerate(run.losses, start=1)), LOSS_POINTS_PER_SEED)
        rows += [{"seed": run.seed, "step": step, "loss": loss} for step, loss in steps]
    printed = [{"step": 1, "loss": course.COURSE_FIRST_LOSS,
                "label": _("course {loss}").format(loss=course.COURSE_FIRST_LOSS)},
               {"step": course.COURSE_STEPS, "loss": course.COURSE_LAST_LOSS,
                "label": _("course {loss}").format(loss=course.COURSE_LAST_LOSS)}]
    step = charts.quantitative("step", _("step"), scale={"domain": [1, course.COURSE_STEPS], "nice": False})
    loss = charts.quantitative("loss", _("training loss"))
    one_seed = len(spread.runs) == 1
    charts.show(
        _("Training loss at each step, as the course prints it"), 260,
        charts.layer(rows, {"type": "line", "strokeWidth": 1.5 if one_seed else 1, "opacity": 1 if one_seed else 0.45},
                     x=step, y=loss, detail={"field": "seed", "type": "nominal"},
                     color={"value": "#1f77b4"}, tooltip=charts.tooltip(
                         {"field": "seed", "title": "seed"}, {"field": "step", "title": _("step")},
                         {"field": "loss", "title": _("training loss")})),
        charts.layer(printed, {"type": "point", "filled": True, "size": 70, "color": COURSE_COLOUR},
                     x=step, y=loss, tooltip=charts.tooltip({"field": "label", "title": _("printed by the course")})),
        # The first label to the right of its point, the last to the left: both stay inside the plot.
        charts.layer(printed[:1], {"type": "text", "color": COURSE_COLOUR, "align": "left", "dx": 8, "dy": -8},
                     x=step, y=loss, text={"field": "label"}),
        charts.layer(printed[1:], {"type": "text", "color": COURSE_COLOUR, "align": "right", "dx": -8, "dy": -10},
                     x=step, y=loss, text={"field": "label"}),
    )


def _show_result(spread: course.CourseSpread) -> None:
    if len(spread.runs) == 1:
        run = spread.runs[0]
        st.markdown(messages.word("course.one_run", run.result_details()))
    else:
        st.markdown(messages.word("course.spread", spread.summary_details()))
        _spread_chart(spread)
    first = spread.runs[0]
    st.caption(messages.word("course.loss_trace", first.loss_trace_details()))
    _loss_chart(spread)


def show_course_iris(key_prefix: str = "course_iris") -> None:
    """The course's iris run (text 004): one seed or many, with the spread and the loss trace."""
    st.subheader(_("Iris exactly as in the course (text 004)"))
    st.caption(_(
        "The course's own recipe: the 150 flowers shuffled once, the first 100 to train on and the other 50 "
        "to validate, the measurements in centimetres as they are (no scaling), 4 → 16 → 3 with ReLU, "
        "CrossEntropyLoss, SGD with learning rate 0.01, 500 steps over all 100 flowers at once. The course "
        "reached 88 % and says the result varies strongly from run to run: try many seeds."
    ))
    first_col, count_col = st.columns(2)
    first = first_col.number_input(_("First seed"), min_value=0, max_value=10**9, value=0, step=1,
                                   key=f"{key_prefix}_seed", **KEPT)
    count = count_col.number_input(_("Seeds"), min_value=1, max_value=course.MAX_SEED_COUNT,
                                   value=course.DEFAULT_SEED_COUNT, step=1, key=f"{key_prefix}_count", **KEPT,
                                   help=_("Each seed shuffles the flowers and initialises the network its own way."))
    one_col, many_col = st.columns(2)
    if one_col.button(_("Train seed {seed}").format(seed=int(first)), key=f"{key_prefix}_one", icon=":material/play_arrow:"):
        _run(key_prefix, [int(first)])
    if many_col.button(ngettext("Train {count} seed", "Train {count} seeds", int(count)).format(count=int(count)),
                       key=f"{key_prefix}_many", icon=":material/stacked_line_chart:"):
        try:
            seeds = course.course_seeds(int(first), int(count))
        except InputError as error:
            show_input_error(error)
        else:
            _run(key_prefix, seeds)
    spread = st.session_state.get(f"{key_prefix}_result")
    if spread is not None:
        _show_result(spread)
    with st.expander(_("The course's code, seeded")):
        st.code(course.course_code(int(first)), language="python")
