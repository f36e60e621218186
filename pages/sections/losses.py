"""Sections of the Loss functions page: each a show_* function the page calls in order.

Everything shown is computed by nnlib.losses and nnlib.losses.metrics; these functions turn
widget values into arguments and draw the results. What differs between losses (parameters,
steps, findings, table layout) comes from the loss's record, never from a branch on its name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st
import torch

from nnlib.core.errors import InputError
from nnlib.core.formatting import readable_number
from nnlib.core.params import Param
from nnlib.losses import (
    LOSSES,
    PRESETS,
    REDUCTIONS,
    Finding,
    LossInfo,
    LossReport,
    Preset,
    RefusedInputs,
    evaluate,
    find_preset,
    log_zero_demo,
    sigmoid_bce_comparison,
    softmax_overflow_demo,
)
from nnlib.losses.metrics import MetricResult, metrics_for
from pages.components.i18n import N_, _
from pages.components.ui import SHARED, accept_linked_label, show_input_error, tensor_frame, tensor_input

DEFAULT_PRESET = "MSE — course example (004)"
# The widgets' own defaults are the first preset: Streamlit leaves a value equal to the default
# out of the URL, so a link opened later must fall back to exactly these values.
FIRST = PRESETS[DEFAULT_PRESET]
STABILITY_LOGITS = "[5, 10, 17, 20, 100, 200]"
OVERFLOW_LOGITS = "[1000, 999, 998]"

# Where each kind of finding is drawn: PyTorch refuses / computes the wrong thing / worth knowing.
SEVERITY_BOX = {"error": st.error, "warning": st.warning, "note": st.info}
SEVERITY_ICON = {"error": ":material/error:", "warning": ":material/warning:", "note": ":material/info:"}

REDUCTION_HELP = {
    "mean": N_("Average of the per-element losses (PyTorch's default)."),
    "sum": N_("Sum of the per-element losses."),
    "none": N_("No reduction: one loss per element (per sample for cross-entropy)."),
}
# Column headers of the contribution table, by the engine's row keys (translated where drawn).
CONTRIBUTION_LABELS = {
    "element": N_("element"),
    "sample": N_("sample"),
    "prediction": N_("ŷ (prediction)"),
    "scores": N_("scores z (logits)"),
    "target": N_("y (target)"),
    "softmax": "softmax(z)",
    "contribution": N_("ℓ contribution"),
    "share": N_("share of the sum"),
    "gradient": "∂L/∂ŷ (autograd)",
    "closed_form": N_("∂L/∂ŷ (formula)"),
}
REDUCED = {"mean": N_("their mean"), "sum": N_("their sum"), "none": N_("the output, unreduced")}
# Code names shown as labels: the same in every language.
LOGSUMEXP = "torch.logsumexp"
BCE_LATEX = (
    r"\text{BCELoss: } -[y\log\sigma(x) + (1-y)\log(1-\sigma(x))]"
    r"\qquad \text{BCEWithLogitsLoss: } \max(x,0) - xy + \log(1 + e^{-|x|})"
)


@dataclass(frozen=True)
class Chosen:
    """What the student picked and typed (a tensor is None while its text does not parse)."""

    info: LossInfo
    reduction: str
    params: dict[str, Any]
    prediction: torch.Tensor | None
    target: torch.Tensor | None


# --------------------------------------------------------------------------- state


def param_key(spec: Param) -> str:
    return f"losses_param_{spec.name}"


def load_preset() -> None:
    """Put the chosen preset into the inputs (runs before the widgets are drawn).

    Choosing an example calls it, and so does the button that puts it back after the
    student's own edits. Bound widgets take values set through session state into the
    URL too, so a loaded example can be shared by copying the address.
    """
    preset = PRESETS[st.session_state["losses_preset"]]
    st.session_state["losses_loss"] = preset.loss
    st.session_state["losses_reduction"] = preset.reduction
    st.session_state["losses_prediction_text"] = preset.prediction
    st.session_state["losses_target_text"] = preset.target
    for spec in LOSSES[preset.loss].params:
        st.session_state[param_key(spec)] = preset.params.get(spec.name, spec.default)


# --------------------------------------------------------------------------- drawing helpers


def show_tensor(tensor: torch.Tensor, caption: str | None = None) -> None:
    frame = tensor_frame(tensor)
    config = {c: st.column_config.NumberColumn(c, format="%.4f") for c in frame.columns}
    st.dataframe(frame, column_config=config, width="content", height=min(38 + 35 * len(frame), 320))
    if caption:
        st.caption(caption)


def show_finding(finding: Finding) -> None:
    SEVERITY_BOX[finding.severity](finding.message, icon=SEVERITY_ICON[finding.severity])
    if finding.table is not None:
        st.markdown(finding.table_title())
        show_tensor(finding.table)
        st.caption(finding.table_note())


def show_param_widgets(info: LossInfo) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for spec in info.params:
        key = param_key(spec)
        if spec.kind == "bool":
            params[spec.name] = st.checkbox(
                info.param_label(spec), value=spec.default, key=key, help=info.param_help(spec) or None, **SHARED
            )
        else:
            params[spec.name] = st.number_input(
                info.param_label(spec),
                value=spec.default,
                key=key,
                min_value=spec.minimum,
                step=spec.step or 0.1,
                format="%.3f",
                help=info.param_help(spec) or None,
                **SHARED,
            )
    return params


def parse_input(label: str, key: str, default: str, help_text: str, height: int = 110) -> torch.Tensor | None:
    return tensor_input(label, key, default, help=help_text, height=height)


# --------------------------------------------------------------------------- the example and the inputs


def show_example_picker() -> str:
    """The Example menu and the button that reloads it; returns the chosen example's name."""
    preset_column, button_column = st.columns([4, 1.2], vertical_alignment="bottom")
    accept_linked_label("losses_preset", list(PRESETS), lambda name: PRESETS[name].title)
    with preset_column:
        preset_name = st.selectbox(
            _("Example"),
            list(PRESETS),
            index=list(PRESETS).index(DEFAULT_PRESET),
            format_func=lambda name: PRESETS[name].title,
            key="losses_preset",
            on_change=load_preset,
            help=_("Choosing an example puts its numbers into the inputs below; edit them freely afterwards."),
            **SHARED,
        )
    with button_column:
        st.button(
            _("Reload example"),
            key="losses_load",
            on_click=load_preset,
            icon=":material/restart_alt:",
            width="stretch",
            help=_("Put the chosen example's numbers back after your own edits."),
        )
    return preset_name


def show_loss_card(info: LossInfo) -> None:
    st.markdown(_("**Prediction:** {text}").format(text=info.prediction_spec))
    st.markdown(_("**Target:** {text}").format(text=info.target_spec))
    st.markdown(_("**When to use:** {text}").format(text=info.when_to_use))


def show_inputs() -> Chosen:
    """The loss, its reduction and arguments, what it takes, and the two tensors."""
    loss_name = st.selectbox(
        _("Loss"), list(LOSSES), index=list(LOSSES).index(FIRST.loss), key="losses_loss", **SHARED
    )
    info = LOSSES[loss_name]
    reduction = st.radio(
        _("Reduction"),
        REDUCTIONS,
        index=REDUCTIONS.index(FIRST.reduction),
        key="losses_reduction",
        horizontal=True,
        help=" ".join(f"{r}: {_(REDUCTION_HELP[r])}" for r in REDUCTIONS),
        **SHARED,
    )
    params = show_param_widgets(info)
    with st.expander(_("{loss}: what it takes and when to use it").format(loss=info.name)):
        show_loss_card(info)
    prediction = parse_input(
        _("Prediction ŷ (the model's output)"),
        "losses_prediction_text",
        FIRST.prediction,
        _("Nested lists like [[0.6], [0.2], [0.5]], or rows of numbers on separate lines."),
        height=90,
    )
    target = parse_input(
        _("Target y (the true values)"),
        "losses_target_text",
        FIRST.target,
        _("For CrossEntropyLoss: class numbers such as [1, 2, 0]."),
        height=90,
    )
    return Chosen(info, reduction, params, prediction, target)


def show_evaluation(chosen: Chosen) -> LossReport | None:
    """The loss evaluated, with every finding next to the inputs; None where PyTorch refuses them."""
    if chosen.prediction is None or chosen.target is None:
        return None
    try:
        report = evaluate(chosen.info.name, chosen.prediction, chosen.target, chosen.reduction, chosen.params)
    except InputError as error:
        show_input_error(error)
        if isinstance(error, RefusedInputs):
            torch_error = error.details.get("torch_error")
            if torch_error:
                st.caption(_("PyTorch's own error message: “{message}”").format(message=torch_error))
            for finding in error.others:
                show_finding(finding)
        return None
    for finding in report.findings:
        show_finding(finding)
    for message in report.torch_warnings:
        st.caption(_("PyTorch's UserWarning: “{message}”").format(message=message))
    return report


def show_example_note(place: Any, chosen: Chosen, preset_name: str) -> Preset | None:
    """Say which example the inputs are, and its course answer; returns that example (or None).

    The example is recognised by the values the inputs hold, however they were typed: the note
    and the course answer next to the result always name the same example.
    """
    found = (
        find_preset(chosen.info.name, chosen.reduction, chosen.prediction, chosen.target, chosen.params)
        if chosen.prediction is not None and chosen.target is not None
        else None
    )
    if found is None:
        # A link or the student's own edits changed the inputs: the example's answer is not theirs.
        place.caption(
            _("The inputs below are not this example: choose another one, or press **Reload example** to "
              "put this one back.")
        )
        return None
    name, course = found
    answer = (
        [_("The course's answer: {answer}.").format(answer=f"{course.expected:.4f}")]
        if course.expected is not None
        else []
    )
    if name != preset_name:
        other = (
            _("The inputs below are not this example but «{name}» ({source}).").format(
                name=course.title, source=course.source)
            if course.source
            else _("The inputs below are not this example but «{name}».").format(name=course.title)
        )
        place.caption(" ".join([other, *answer]))
    elif course.source or answer:
        place.caption(" ".join([f"{course.source}." if course.source else "", *answer]).strip())
    return course


# --------------------------------------------------------------------------- the result


def show_value(report: LossReport) -> None:
    if report.reduction == "none":
        left, right = st.columns(2)
        with left:
            st.markdown(f'**PyTorch** `nn.{report.info.module_name}(reduction="none")`')
            show_tensor(report.torch_value)
        with right:
            st.markdown(_("**By hand**, from the formula"))
            show_tensor(report.manual.value)
    else:
        first, second, third = st.columns(3)
        first.metric(_("PyTorch value"), f"{float(report.torch_value):.4f}")
        second.metric(_("By hand"), f"{float(report.manual.value):.4f}")
        third.metric(_("Difference"), readable_number(report.max_difference, 2) if report.max_difference else "0")
    if report.matches:
        st.success(_("The value worked out from the formula equals PyTorch's."), icon=":material/check_circle:")
    else:
        st.error(
            _("The hand computation differs from PyTorch's by {difference}.").format(
                difference=f"{report.max_difference:.3g}"),
            icon=":material/error:",
        )


def show_result(chosen: Chosen, report: LossReport | None, course: Preset | None) -> None:
    """The formula, PyTorch's value next to the one by hand, the course's answer, the metrics."""
    info, reduction = chosen.info, chosen.reduction
    st.markdown("#### " + _("{loss}, reduction “{reduction}”").format(loss=info.name, reduction=reduction))
    st.latex(info.formula_latex(reduction))
    if reduction == "none":
        st.caption(_("With reduction “none” PyTorch returns every term of the sum, without adding them."))
    if report is None:
        st.info(_("Fix the inputs on the left to see the loss."), icon=":material/info:")
        return
    show_value(report)
    if course is not None and course.expected is not None:
        agrees = abs(float(report.torch_value) - course.expected) < 5e-5
        numbers = {"source": course.source, "answer": f"{course.expected:.4f}",
                   "value": f"{float(report.torch_value):.4f}"}
        st.caption(
            _("Course answer ({source}): {answer} — PyTorch agrees.").format(**numbers)
            if agrees
            else _("Course answer ({source}): {answer} — PyTorch gives {value}.").format(**numbers)
        )
    show_metrics(report)


def show_metrics(report: LossReport) -> None:
    try:
        results = metrics_for(
            report.info.task, report.info.prediction_space, report.prediction, report.target
        )
    except InputError as error:
        show_input_error(error)
        return
    if not results:
        st.caption(_("No metric fits this loss."))
        return
    columns = st.columns(len(results))
    for column, result in zip(columns, results, strict=True):
        with column:
            show_metric(result)


def show_metric(result: MetricResult) -> None:
    # As many digits as the course prints: tensor(45.0794), tensor(66.6667).
    st.metric(
        result.title,
        f"{readable_number(result.value)} %",
        help=_("**Metrics** — a loss value is hard to read; a metric says how good the predictions are "
               "in words (course text 004 «Метрики»)."),
    )
    st.latex(result.latex)
    if result.predicted is not None:
        st.caption(
            _("{correct} of {total} correct; the prediction stands for the labels {labels}.").format(
                correct=result.details["correct"], total=result.details["total"],
                labels=result.predicted.to(torch.int64).reshape(-1).tolist())
        )
    else:
        errors = ", ".join(readable_number(v) for v in result.per_element.reshape(-1)[:8].tolist())
        st.caption(_("Absolute percentage error of each element: {errors}").format(errors=errors))
    for finding in result.findings:
        show_finding(finding)


# --------------------------------------------------------------------------- the tabs under the result


def show_report_tabs(report: LossReport) -> None:
    steps_tab, table_tab, gradient_tab, code_tab = st.tabs(
        [_("Step by step"), _("Each element's contribution"), _("Gradient"), _("PyTorch code")]
    )
    with steps_tab:
        show_steps(report)
    with table_tab:
        show_contributions(report)
    with gradient_tab:
        show_gradient(report)
    with code_tab:
        st.code(report.code, language="python")


def show_steps(report: LossReport) -> None:
    # The formula itself stands in the result column just above.
    for index, step in enumerate(report.manual.steps, start=1):
        st.markdown(f"**{index}. {step.label}**")
        st.latex(step.latex)
        if step.value.dim() > 0 and step.value.numel() > 1:
            with st.expander(_("the intermediate tensor"), expanded=False):
                show_tensor(step.value)


def show_contributions(report: LossReport) -> None:
    frame = pd.DataFrame(report.contribution_rows())
    frame["share"] = frame["share"] * 100
    config: dict[str, Any] = {}
    for column in frame.columns:
        if column == "share":
            config[column] = st.column_config.NumberColumn(_(CONTRIBUTION_LABELS[column]), format="%.1f %%")
        elif frame[column].dtype.kind == "f":
            config[column] = st.column_config.NumberColumn(_(CONTRIBUTION_LABELS[column]), format="%.4f")
        else:
            config[column] = st.column_config.TextColumn(_(CONTRIBUTION_LABELS[column]))
    st.dataframe(
        frame, column_config=config, hide_index=True, width="stretch", height=min(38 + 35 * len(frame), 420)
    )
    what = CONTRIBUTION_LABELS["sample" if report.info.rows == "samples" else "element"]
    st.caption(_("One row per {what}: ℓ is its loss before the reduction; the loss is {reduced}.").format(
        what=_(what), reduced=_(REDUCED[report.reduction])))
    if report.info.rows == "elements" and "gradient" not in frame.columns:
        st.caption(_("The gradient has the prediction's shape, not the broadcast shape: see the Gradient tab."))


def show_gradient(report: LossReport) -> None:
    st.markdown(
        _("The gradient of the sum of the outputs with respect to each prediction: how the loss changes when "
          "that number moves a little. PyTorch gets it from `loss.backward()`.")
        if report.reduction == "none"
        else _("The gradient of the loss with respect to each prediction: how the loss changes when that "
               "number moves a little. PyTorch gets it from `loss.backward()`.")
    )
    formula = report.info.gradient_latex(report.reduction)
    if formula:
        st.latex(formula)
    left, right = st.columns(2)
    with left:
        st.markdown(_("**Autograd** (`prediction.grad`)"))
        show_tensor(report.gradient)
    if report.closed_form is not None:
        with right:
            st.markdown(_("**From the formula above**"))
            show_tensor(report.closed_form)
        if report.gradient_matches:
            st.success(_("The formula gives the same gradient as autograd."), icon=":material/check_circle:")
        else:
            st.warning(
                _("The formula and autograd differ here (at a kink such as |d| = 0, or where the "
                  "inputs are nan/inf)."),
                icon=":material/warning:",
            )


# --------------------------------------------------------------------------- numerical stability


def show_stability() -> None:
    st.header(_("Numerical stability"))
    st.caption(
        _("Floats have limits: float32 holds numbers up to about 3.4·10³⁸ and cannot tell 1 − 10⁻⁹ "
          "from 1. The course (texts 000 and 001) recommends feeding raw scores to "
          "`BCEWithLogitsLoss` and `CrossEntropyLoss` rather than applying Sigmoid or Softmax "
          "yourself. Here is why, in numbers PyTorch computes now.")
    )
    sigmoid_tab, log_tab, softmax_tab = st.tabs(
        [_("Sigmoid + BCELoss vs BCEWithLogitsLoss"), "log(0)", _("Softmax overflow and log-sum-exp")]
    )
    with sigmoid_tab:
        show_sigmoid_bce()
    with log_tab:
        show_log_zero()
    with softmax_tab:
        show_softmax_overflow()


def show_sigmoid_bce() -> None:
    left, right = st.columns([3, 1])
    with left:
        logits = parse_input(
            _("Logits x (raw scores)"),
            "losses_stability_text",
            STABILITY_LOGITS,
            _("Each number is run through Sigmoid + BCELoss and through BCEWithLogitsLoss."),
        )
    with right:
        target = st.radio(_("Target y"), [0, 1], key="losses_stability_target", horizontal=True, **SHARED)
    if logits is None:
        return
    try:
        rows = sigmoid_bce_comparison(logits, float(target))
    except InputError as error:
        with left:
            show_input_error(error)
        return
    frame = pd.DataFrame(
        {
            "x": [f"{r.logit:g}" for r in rows],
            "σ(x), float32": [
                f"{r.sigmoid:.10f}".rstrip("0").rstrip(".") if r.sigmoid else "0" for r in rows
            ],
            _("σ rounded?"): [_("yes") if r.sigmoid_rounded else _("no") for r in rows],
            "BCELoss(σ(x))": [readable_number(r.bce_value) for r in rows],
            "BCEWithLogits(x)": [readable_number(r.logits_value) for r in rows],
            _("exact (float64)"): [readable_number(r.exact_value) for r in rows],
            _("grad, σ + BCELoss"): [readable_number(r.bce_gradient) for r in rows],
            _("grad, with logits"): [readable_number(r.logits_gradient) for r in rows],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    with st.expander(_("Why: the two formulas, and the clamp at −100")):
        st.latex(BCE_LATEX)
        st.markdown(
            _("Once σ(x) rounds to exactly 1.0 (or 0.0) in float32, BCELoss has to take log(1 − 1) = log 0 = −∞. "
              "It clamps the log at −100, so the loss can never exceed 100, and the gradient through the "
              "Sigmoid is exactly 0: the model stops learning from the examples it gets most wrong. "
              "BCEWithLogitsLoss never forms σ(x), so its value and gradient stay exact.")
        )
    rounded = [r for r in rows if r.sigmoid_rounded]
    wrong = [r for r in rounded if abs(r.bce_error) > 1e-3]
    lucky = [r for r in rounded if abs(r.bce_error) <= 1e-3]
    if wrong:
        given = "; ".join(
            _("{value} for x = {x}").format(value=readable_number(r.bce_value), x=f"{r.logit:g}") for r in wrong
        )
        st.warning(
            _("Wrong value: Sigmoid + BCELoss gives {given} — the exact losses are {exact}.").format(
                given=given, exact=", ".join(readable_number(r.exact_value) for r in wrong)),
            icon=":material/warning:",
        )
    if rounded:
        lost = ", ".join(
            _("{value} at x = {x}").format(value=readable_number(r.bce_gradient), x=f"{r.logit:g}") for r in rounded
        )
        st.warning(
            _("Lost gradient: through Sigmoid + BCELoss the gradient is {lost}; through BCEWithLogitsLoss it "
              "is {kept}.").format(lost=lost, kept=", ".join(readable_number(r.logits_gradient) for r in rounded)),
            icon=":material/warning:",
        )
    for r in lucky:
        st.caption(
            _("At x = {x} the two values agree only by luck: the clamp at 100 happens to equal the exact loss "
              "{exact}; the gradient is still lost.").format(x=f"{r.logit:g}", exact=readable_number(r.exact_value))
        )


def show_log_zero() -> None:
    demo = log_zero_demo()
    frame = pd.DataFrame(
        {
            _("expression"): [
                "torch.log(torch.tensor(0.))",
                "0 * torch.log(torch.tensor(0.))",
                "BCELoss()(tensor([0.]), tensor([1.]))",
                _("its gradient ∂L/∂ŷ"),
                "BCELoss()(tensor([1.]), tensor([1.]))",
            ],
            _("PyTorch gives"): [
                readable_number(demo.log_zero),
                readable_number(demo.zero_times_log_zero),
                readable_number(demo.bce_certain_wrong),
                readable_number(demo.bce_gradient_certain_wrong),
                readable_number(demo.bce_certain_right),
            ],
        }
    )
    st.dataframe(frame, hide_index=True, width="content")
    st.markdown(
        _("log 0 is −∞, and 0 · (−∞) is nan, so a BCE written naively breaks even on the term that "
          "should vanish (y = 0 multiplies log ŷ). PyTorch's BCELoss clamps each log at −100: a "
          "prediction of exactly 0 for a true 1 costs 100, and the gradient is divided by "
          "max(ŷ(1 − ŷ), 10⁻¹²), which makes it huge.")
    )


def show_softmax_overflow() -> None:
    logits = parse_input(
        _("Scores z for one sample"),
        "losses_overflow_text",
        OVERFLOW_LOGITS,
        _("Try large scores: e^z overflows float32 for z above about 88.7."),
    )
    if logits is None:
        return
    try:
        demo = softmax_overflow_demo(logits)
    except InputError as error:
        show_input_error(error)
        return
    frame = pd.DataFrame(
        {
            "z": [f"{v:g}" for v in demo.logits.tolist()],
            _("e^z (naive)"): [readable_number(v) for v in demo.naive_exp.tolist()],
            _("naive softmax"): [readable_number(v) for v in demo.naive_softmax.tolist()],
            "z − max z": [readable_number(v) for v in demo.shifted.tolist()],
            "e^(z − max z)": [readable_number(v) for v in demo.shifted_exp.tolist()],
            _("stable softmax"): [readable_number(v) for v in demo.stable_softmax.tolist()],
            "torch.softmax": [readable_number(v) for v in demo.torch_softmax.tolist()],
            _("−log(naive softmax)"): [readable_number(v) for v in demo.naive_cross_entropy.tolist()],
            _("CE loss if this class is true"): [readable_number(v) for v in demo.torch_cross_entropy.tolist()],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    st.latex(rf"\log\sum_k e^{{z_k}} = m + \log\sum_k e^{{z_k - m}},\quad m = \max_k z_k = {demo.maximum:g}")
    first, second, third = st.columns(3)
    first.metric(_("log Σ eᶻ, naive"), readable_number(demo.naive_log_sum_exp))
    second.metric(_("with the max subtracted"), readable_number(demo.stable_log_sum_exp))
    third.metric(LOGSUMEXP, readable_number(demo.torch_log_sum_exp))
    st.markdown(
        _("Subtracting the largest score changes nothing mathematically (it cancels in the fraction) "
          "but keeps every exponent ≤ 0, so nothing overflows. CrossEntropyLoss and LogSoftmax do this "
          "inside: that is why they take raw scores.")
    )
