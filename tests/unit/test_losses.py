"""nnlib.losses: every hand computation equals PyTorch; the course's numbers; the mistake detectors."""

from __future__ import annotations

import math
import re
import subprocess
import sys
import warnings

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.core.formatting import latex_fixed
from nnlib.core.parsing import parse_tensor
from nnlib.losses import (
    LOSSES,
    PRESETS,
    REDUCTIONS,
    check,
    evaluate,
    find_preset,
    get_loss,
    log_zero_demo,
    resolve_params,
    sigmoid_bce_comparison,
    softmax_overflow_demo,
    values_match,
)
from nnlib.losses.metrics import metrics_for
from nnlib.losses.record import CARD_PARTS

COURSE_LOGITS = torch.tensor([[-1.2, 2.2, 0.2], [2.3, 0.2, 0.7], [0.9, -2.2, -1.2]])
COURSE_CLASSES = torch.tensor([1, 2, 0])
MSE_PREDICTION = torch.tensor([[0.6], [0.2], [0.5]])
MSE_TARGET = torch.tensor([[0.5], [1.5], [0.7]])
BCE_PREDICTION = torch.tensor([[0.9], [0.3], [0.2]])
BCE_TARGET = torch.tensor([[1.0], [1.0], [0.0]])

PROPERTY = settings(max_examples=100, deadline=None)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny tensors: one intra-op thread avoids contention on a busy machine (restored after)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def codes(findings) -> list[str]:
    return [f.code for f in findings]


# --------------------------------------------------------------------------- course values (text 004)


def test_course_mse_is_0_58() -> None:
    report = evaluate("MSELoss", MSE_PREDICTION, MSE_TARGET)
    assert f"{float(report.torch_value):.4f}" == "0.5800"
    assert f"{float(report.manual.value):.4f}" == "0.5800"
    assert report.matches and report.findings == ()
    assert torch.allclose(
        report.manual.contributions.reshape(-1), torch.tensor([0.01, 1.69, 0.04]), atol=1e-6
    )


def test_course_bce_is_0_5108() -> None:
    report = evaluate("BCELoss", BCE_PREDICTION, BCE_TARGET)
    assert f"{float(report.torch_value):.4f}" == "0.5108"
    assert f"{float(report.manual.value):.4f}" == "0.5108"
    expected = torch.tensor([-math.log(0.9), -math.log(0.3), -math.log(0.8)])
    assert torch.allclose(report.manual.contributions.reshape(-1), expected, atol=1e-6)


def test_course_cross_entropy_is_0_7306() -> None:
    report = evaluate("CrossEntropyLoss", COURSE_LOGITS, COURSE_CLASSES)
    assert f"{float(report.torch_value):.4f}" == "0.7306"
    assert f"{float(report.manual.value):.4f}" == "0.7306"
    assert report.findings == ()


@pytest.mark.parametrize(
    ("name", "target", "params"),
    [
        ("NLLLoss", COURSE_CLASSES, {"apply_log_softmax": True}),
        ("CrossEntropyLoss (probability targets)", F.one_hot(COURSE_CLASSES, 3).float(), {}),
    ],
)
def test_course_cross_entropy_through_the_other_routes(name: str, target: torch.Tensor, params: dict) -> None:
    report = evaluate(name, COURSE_LOGITS, target, "mean", params)
    assert f"{float(report.torch_value):.4f}" == "0.7306"
    assert report.matches


def test_course_mse_gradient_closed_form_is_two_d_over_n() -> None:
    report = evaluate("MSELoss", MSE_PREDICTION, MSE_TARGET)
    expected = 2 * (MSE_PREDICTION - MSE_TARGET) / 3
    assert torch.allclose(report.gradient, expected, atol=1e-6)
    assert torch.allclose(report.closed_form, expected, atol=1e-6)
    assert report.gradient_matches


def test_course_cross_entropy_gradient_is_softmax_minus_one_hot_over_n() -> None:
    report = evaluate("CrossEntropyLoss", COURSE_LOGITS, COURSE_CLASSES)
    expected = (torch.softmax(COURSE_LOGITS, 1) - F.one_hot(COURSE_CLASSES, 3)) / 3
    assert torch.allclose(report.gradient, expected, atol=1e-6)
    assert torch.allclose(report.closed_form, expected, atol=1e-6)


def test_other_regression_losses_on_the_course_numbers() -> None:
    assert float(evaluate("L1Loss", MSE_PREDICTION, MSE_TARGET).torch_value) == pytest.approx(
        1.6 / 3, abs=1e-6
    )
    huber = evaluate("HuberLoss", MSE_PREDICTION, MSE_TARGET, params={"delta": 1.0})
    assert float(huber.manual.value) == pytest.approx((0.005 + 0.8 + 0.02) / 3, abs=1e-6)
    smooth = evaluate("SmoothL1Loss", MSE_PREDICTION, MSE_TARGET, "sum", {"beta": 0.5})
    # |d| = 0.1, 1.3, 0.2 with beta 0.5: 0.5*0.01/0.5, 1.3 - 0.25, 0.5*0.04/0.5
    assert float(smooth.manual.value) == pytest.approx(0.01 + 1.05 + 0.04, abs=1e-6)
    assert float(smooth.torch_value) == pytest.approx(1.1, abs=1e-6)


def test_steps_substitute_the_students_numbers() -> None:
    mse = evaluate("MSELoss", MSE_PREDICTION, MSE_TARGET).manual.steps
    assert "0.6 - 0.5 = 0.1" in mse[0].latex
    assert "(-1.3)^2 = 1.69" in mse[1].latex
    assert r"\frac{0.01 + 1.69 + 0.04}{3}" in mse[2].latex and mse[2].latex.endswith("= 0.58")
    total = evaluate("MSELoss", MSE_PREDICTION, MSE_TARGET, "sum").manual.steps[-1]
    assert total.latex.endswith("= 1.74")
    ce = evaluate("CrossEntropyLoss", COURSE_LOGITS, COURSE_CLASSES).manual.steps
    lse = torch.logsumexp(COURSE_LOGITS, 1)
    assert latex_fixed(lse[0]) in ce[1].latex and r"e^{-1.2} + e^{2.2} + e^{0.2}" in ce[1].latex
    assert rf"{latex_fixed(lse[0])} - 2.2 = {latex_fixed(lse[0] - 2.2)}" in ce[2].latex
    assert torch.allclose(ce[2].value, lse - COURSE_LOGITS[[0, 1, 2], [1, 2, 0]], atol=1e-6)
    nll = evaluate("NLLLoss", COURSE_LOGITS, COURSE_CLASSES).manual.steps
    assert torch.allclose(nll[1].value, torch.log_softmax(COURSE_LOGITS, 1), atol=1e-6)


def test_bce_step_says_when_the_log_is_clamped() -> None:
    report = evaluate("BCELoss", torch.tensor([0.0, 0.5]), torch.tensor([1.0, 1.0]))
    assert "−100" in report.manual.steps[0].label
    assert float(report.manual.contributions[0]) == 100.0
    assert "clamps" not in evaluate("BCELoss", BCE_PREDICTION, BCE_TARGET).manual.steps[0].label


def test_contribution_rows_for_elements_and_samples() -> None:
    rows = evaluate("MSELoss", MSE_PREDICTION, MSE_TARGET).contribution_rows()
    assert [r["element"] for r in rows] == ["(0, 0)", "(1, 0)", "(2, 0)"]
    assert rows[1]["contribution"] == pytest.approx(1.69, abs=1e-6)
    assert sum(r["share"] for r in rows) == pytest.approx(1.0)
    assert rows[1]["gradient"] == pytest.approx(2 * -1.3 / 3, abs=1e-6)
    ce_rows = evaluate("CrossEntropyLoss", COURSE_LOGITS, COURSE_CLASSES).contribution_rows()
    assert [r["target"] for r in ce_rows] == ["1", "2", "0"]
    assert ce_rows[0]["scores"] == "[-1.2, 2.2, 0.2]"


def test_torch_code_reproduces_the_value() -> None:
    report = evaluate("CrossEntropyLoss", COURSE_LOGITS, COURSE_CLASSES)
    result = subprocess.run([sys.executable, "-c", report.code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "tensor(0.7306" in result.stdout
    nll = evaluate("NLLLoss", COURSE_LOGITS, COURSE_CLASSES, "sum")
    assert 'nn.NLLLoss(reduction="sum")' in nll.code and "torch.log_softmax(prediction, dim=1)" in nll.code


def test_every_preset_runs_and_course_answers_hold() -> None:
    for name, preset in PRESETS.items():
        prediction, target = parse_tensor(preset.prediction), parse_tensor(preset.target)
        assert preset.mistake == name.startswith("Mistake"), name
        if preset.mistake:
            findings = check(preset.loss, prediction, target, preset.reduction, preset.params)
            assert any(f.severity in ("error", "warning") for f in findings), name
            continue
        report = evaluate(preset.loss, prediction, target, preset.reduction, preset.params)
        assert report.matches, name
        assert report.gradient_matches, name
        if preset.expected is not None:
            assert float(report.torch_value) == pytest.approx(preset.expected, abs=5e-5), name
        shown = {m.name: m.value for m in metrics_for(report.info.task, report.info.prediction_space, prediction, target)}
        for metric, answer in preset.expected_metrics.items():
            assert shown[metric] == pytest.approx(answer, abs=5e-5), (name, metric)


def test_the_course_answers_are_on_the_records() -> None:
    # Course text 004 (../shared/seeds/004_*): tensor(0.5800), tensor(0.5108), tensor(0.7306),
    # MAPE tensor(45.0794) on the regression example, accuracy tensor(66.6667) on both classifiers.
    answers = {
        (info.name, preset.expected, tuple(preset.expected_metrics.items()))
        for info in LOSSES.values()
        for preset in info.presets
        if preset.source.startswith("004 «Функции потерь»")
    }
    assert answers == {
        ("MSELoss", 0.58, (("MAPE", 45.0794),)),
        ("BCELoss", 0.5108, (("Accuracy (binary)", 66.6667),)),
        ("CrossEntropyLoss", 0.7306, (("Accuracy (multiclass)", 66.6667),)),
    }
    assert [PRESETS[name].loss for name in list(PRESETS)[:3]] == ["MSELoss", "BCELoss", "CrossEntropyLoss"]


def test_every_preset_is_found_by_its_own_values() -> None:
    for name, preset in PRESETS.items():
        prediction, target = parse_tensor(preset.prediction), parse_tensor(preset.target)
        assert find_preset(preset.loss, preset.reduction, prediction, target, preset.params) == (name, preset)


def test_presets_are_recognised_by_values_not_by_how_they_were_typed() -> None:
    mse = "MSE — course example (004)"
    for text in ("[[0.60],[0.2],[0.5]]", "0.6\n0.2\n0.5", "[[0.6], [0.2], [0.5]]"):
        assert find_preset("MSELoss", "mean", parse_tensor(text), MSE_TARGET) == (mse, PRESETS[mse])
    # Class numbers typed as ints in a BCE target are the same numbers BCELoss receives.
    found = find_preset("BCELoss", "mean", BCE_PREDICTION, torch.tensor([[1], [1], [0]]))
    assert found is not None and found[0] == "BCE — course example (004)" and found[1].expected == 0.5108
    # The same numbers with another reduction, parameter or dtype PyTorch tells apart are not the example.
    assert find_preset("MSELoss", "sum", MSE_PREDICTION, MSE_TARGET) is None
    assert find_preset("MSELoss", "mean", MSE_PREDICTION, MSE_TARGET.reshape(-1)) != (mse, PRESETS[mse])
    assert find_preset("NLLLoss", "mean", COURSE_LOGITS, COURSE_CLASSES, {"apply_log_softmax": False}) is None
    floats = find_preset("CrossEntropyLoss", "mean", COURSE_LOGITS, COURSE_CLASSES.float())
    assert floats is not None and floats[0] == "Mistake: float class targets"
    assert find_preset("MSELoss", "mean", MSE_PREDICTION + 0.01, MSE_TARGET) is None
    assert find_preset("MSELoss", "mean", torch.tensor([[math.nan], [0.2], [0.5]]), MSE_TARGET) is None
    assert find_preset("NoSuchLoss", "mean", MSE_PREDICTION, MSE_TARGET) is None


# --------------------------------------------------------------------------- property: manual == torch


def _floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False, width=32)


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


@st.composite
def regression_case(draw: st.DrawFn) -> tuple[torch.Tensor, torch.Tensor]:
    shape = draw(shapes)
    n = math.prod(shape)
    prediction = torch.tensor(draw(st.lists(_floats(-5, 5), min_size=n, max_size=n))).reshape(shape)
    target = torch.tensor(draw(st.lists(_floats(-5, 5), min_size=n, max_size=n))).reshape(shape)
    return prediction, target


@st.composite
def binary_case(draw: st.DrawFn, logits: bool) -> tuple[torch.Tensor, torch.Tensor]:
    shape = draw(shapes)
    n = math.prod(shape)
    values = _floats(-20, 20) if logits else st.one_of(_floats(0, 1), st.sampled_from([0.0, 1.0]))
    prediction = torch.tensor(draw(st.lists(values, min_size=n, max_size=n))).reshape(shape)
    labels = st.one_of(st.sampled_from([0.0, 1.0]), _floats(0, 1))
    target = torch.tensor(draw(st.lists(labels, min_size=n, max_size=n))).reshape(shape)
    return prediction, target


@st.composite
def class_case(draw: st.DrawFn, probabilities: bool) -> tuple[torch.Tensor, torch.Tensor]:
    classes = draw(st.integers(2, 5))
    layout = draw(st.sampled_from(["single", "batch", "spatial"]))
    batch = draw(st.integers(1, 4))
    shape = {
        "single": (classes,),
        "batch": (batch, classes),
        "spatial": (batch, classes, draw(st.integers(1, 3))),
    }[layout]
    n = math.prod(shape)
    logits = torch.tensor(draw(st.lists(_floats(-10, 10), min_size=n, max_size=n))).reshape(shape)
    class_dim = 0 if layout == "single" else 1
    if probabilities:
        raw = torch.tensor(draw(st.lists(_floats(0, 1), min_size=n, max_size=n))).reshape(shape)
        target = raw / raw.sum(dim=class_dim, keepdim=True).clamp(min=1e-6)
        return logits, target
    target_shape = shape[:class_dim] + shape[class_dim + 1 :]
    m = math.prod(target_shape)
    values = st.one_of(st.integers(0, classes - 1), st.just(-100)) if m > 1 else st.integers(0, classes - 1)
    target = torch.tensor(draw(st.lists(values, min_size=m, max_size=m)), dtype=torch.long).reshape(
        target_shape
    )
    return logits, target


def _assert_manual_equals_torch(
    name: str, prediction: torch.Tensor, target: torch.Tensor, reduction: str, params: dict
) -> None:
    report = evaluate(name, prediction, target, reduction, params)
    info = LOSSES[name]
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # KLDivLoss's "mean" warns; evaluate() keeps it for the page
        direct = info.torch_loss(
            prediction,
            target.to(prediction.dtype) if info.target_kind == "float" else target,
            reduction,
            resolve_params(info, params),
        )
    assert values_match(report.torch_value, direct)
    assert values_match(report.manual.value, report.torch_value, rtol=1e-4, atol=1e-5), (
        report.manual.value,
        report.torch_value,
    )
    if reduction == "none":
        assert values_match(report.manual.contributions, report.torch_value, rtol=1e-4, atol=1e-5)
    assert report.closed_form is not None
    assert values_match(report.closed_form, report.gradient, rtol=1e-4, atol=1e-5), (
        report.closed_form,
        report.gradient,
    )


@st.composite
def distribution_case(draw: st.DrawFn) -> tuple[torch.Tensor, torch.Tensor]:
    """Log-probabilities against probabilities (KL divergence), zeros in the target included."""
    logits, target = draw(class_case(probabilities=True))
    class_dim = 0 if logits.dim() == 1 else 1
    zeros = torch.tensor(draw(st.lists(st.booleans(), min_size=target.numel(), max_size=target.numel())))
    target = torch.where(zeros.reshape(target.shape), torch.zeros_like(target), target)
    return torch.log_softmax(logits, dim=class_dim), target


@st.composite
def log_probabilities_or_logits(draw: st.DrawFn, probabilities: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Class scores, sometimes already through LogSoftmax (what NLLLoss without its own LogSoftmax wants)."""
    logits, target = draw(class_case(probabilities=probabilities))
    if draw(st.booleans()):
        logits = torch.log_softmax(logits, dim=0 if logits.dim() == 1 else 1)
    return logits, target


def inputs_for(info) -> st.SearchStrategy:
    """Valid inputs for a loss, chosen by what the record says it takes (never by its name)."""
    if info.prediction_space == "log_probabilities":
        return distribution_case()
    if info.task == "multiclass":
        return log_probabilities_or_logits(probabilities=info.target_kind == "float")
    if info.task == "binary":
        return binary_case(logits=info.prediction_space == "logits")
    return regression_case()


def params_for(info) -> st.SearchStrategy:
    """Values for each of the loss's own arguments within its limits, the boundary included."""
    drawn = {}
    for spec in info.params:
        if spec.kind == "bool":
            drawn[spec.name] = st.booleans()
            continue
        values = [0.3, 0.5, 1.0, 2.5]
        if spec.minimum is not None and spec.minimum_inclusive:
            values.append(spec.minimum)
        drawn[spec.name] = st.sampled_from([v for v in values if spec.minimum is None or v >= spec.minimum])
    return st.fixed_dictionaries(drawn)


@pytest.mark.parametrize("name", list(LOSSES))
def test_every_loss_by_hand_equals_torch_value_and_gradient(name: str) -> None:
    info = LOSSES[name]

    @PROPERTY
    @given(case=inputs_for(info), reduction=st.sampled_from(REDUCTIONS), params=params_for(info))
    def by_hand_equals_torch(case, reduction: str, params: dict) -> None:
        _assert_manual_equals_torch(name, *case, reduction, params)

    by_hand_equals_torch()


def test_every_loss_has_its_formulas_and_cards() -> None:
    assert len(LOSSES) >= 10  # the nine of the first release and KLDivLoss
    for name, info in LOSSES.items():
        assert get_loss(name) is info and info.name == name
        assert info.formula and info.prediction_spec and info.target_spec and info.when_to_use
        assert info.gradient_latex("mean") and r"\frac{1}{N}" in info.gradient_latex("mean")
        assert r"\frac{1}{N}" not in info.gradient_latex("sum")
        # The formula card follows the reduction: PyTorch's "sum" has no 1/N, still a sum.
        assert r"\frac{1}{N}\sum" in info.formula_latex("mean")
        for reduction in ("sum", "none"):
            assert r"\frac{1}{N}" not in info.formula_latex(reduction)
            assert r"\sum_{i=1}^{N}" in info.formula_latex(reduction)
        # The torch call is the torch.nn class the record names.
        assert getattr(F, info.functional_name) and issubclass(info.module, torch.nn.Module)
        for preset in info.presets:
            assert PRESETS[preset.name].loss == name


# --------------------------------------------------------------------------- mistake detectors


def test_probabilities_given_to_cross_entropy() -> None:
    probabilities = torch.softmax(COURSE_LOGITS, dim=1)
    report = evaluate("CrossEntropyLoss", probabilities, COURSE_CLASSES)
    finding = next(f for f in report.findings if f.code == "losses.probabilities_to_cross_entropy")
    assert finding.severity == "warning"
    # softmax applied twice gives a squashed loss; the cross-entropy of the probabilities is the course's
    assert finding.details["torch_value"] == f"{float(F.cross_entropy(probabilities, COURSE_CLASSES)):.4f}"
    assert finding.details["loss_if_probabilities"] == "0.7306"
    assert "0.7306" in finding.message
    assert "losses.probabilities_to_cross_entropy" not in codes(
        check("CrossEntropyLoss", COURSE_LOGITS, COURSE_CLASSES)
    )
    # rows in [0, 1] that do not sum to 1 are not mistaken for probabilities
    assert "losses.probabilities_to_cross_entropy" not in codes(
        check("CrossEntropyLoss", torch.full((3, 3), 0.5), COURSE_CLASSES)
    )


def test_probabilities_given_to_cross_entropy_with_probability_targets() -> None:
    one_hot = F.one_hot(COURSE_CLASSES, 3).float()
    findings = check("CrossEntropyLoss (probability targets)", torch.softmax(COURSE_LOGITS, 1), one_hot)
    assert "losses.probabilities_to_cross_entropy" in codes(findings)
    assert codes(check("CrossEntropyLoss (probability targets)", COURSE_LOGITS, one_hot)) == []


def test_bce_with_values_outside_zero_one() -> None:
    logits = torch.logit(BCE_PREDICTION)
    with pytest.raises(InputError) as raised:
        evaluate("BCELoss", logits, BCE_TARGET)
    error = raised.value
    assert error.code == "losses.bce_input_out_of_range"
    assert "between 0 and 1" in error.details["torch_error"]  # PyTorch's own error, caught
    assert "BCEWithLogitsLoss" in error.message and "0.5108" in error.message
    assert error.finding.details["count"] == 3
    assert "losses.bce_input_out_of_range" not in codes(check("BCELoss", BCE_PREDICTION, BCE_TARGET))


def test_bce_targets_outside_zero_one() -> None:
    with pytest.raises(InputError) as raised:
        evaluate("BCELoss", BCE_PREDICTION, torch.tensor([[2.0], [1.0], [0.0]]))
    assert raised.value.code == "losses.bce_target_out_of_range"
    assert "target" in raised.value.details["torch_error"]
    assert codes(check("BCELoss", BCE_PREDICTION, torch.tensor([[0.7], [1.0], [0.0]]))) == []


def test_float_class_targets_for_cross_entropy() -> None:
    with pytest.raises(InputError) as raised:
        evaluate("CrossEntropyLoss", COURSE_LOGITS, torch.tensor([1.0, 2.0, 0.0]))
    assert raised.value.code == "losses.float_class_targets"
    assert "Long" in raised.value.details["torch_error"]
    assert "[1, 2, 0]" in raised.value.message
    assert "losses.float_class_targets" not in codes(check("CrossEntropyLoss", COURSE_LOGITS, COURSE_CLASSES))


@pytest.mark.parametrize("bad", [[1, 3, 0], [1, -1, 0]])
def test_class_index_out_of_range(bad: list[int]) -> None:
    with pytest.raises(InputError) as raised:
        evaluate("CrossEntropyLoss", COURSE_LOGITS, torch.tensor(bad))
    assert raised.value.code == "losses.class_index_out_of_range"
    assert "out of bounds" in raised.value.details["torch_error"]
    assert "0 to 2" in raised.value.message
    assert check("CrossEntropyLoss", COURSE_LOGITS, torch.tensor([2, 2, 0])) == []


def test_ignore_index_is_a_note_not_a_mistake() -> None:
    report = evaluate("CrossEntropyLoss", COURSE_LOGITS, torch.tensor([1, -100, 0]))
    assert codes(report.findings) == ["losses.ignored_targets"]
    assert report.findings[0].details == {"count": 1, "kept": 2}
    assert report.matches


def test_class_targets_with_inner_brackets() -> None:
    with pytest.raises(InputError) as raised:
        evaluate("CrossEntropyLoss", COURSE_LOGITS, torch.tensor([[1], [2], [0]]))
    assert raised.value.code == "losses.class_target_shape"
    assert "inner brackets" in raised.value.message
    assert "multi-target" in raised.value.details["torch_error"]


def test_silent_broadcast_shows_the_three_by_three() -> None:
    column, flat = MSE_PREDICTION, MSE_TARGET.reshape(3)
    report = evaluate("MSELoss", column, flat)
    finding = next(f for f in report.findings if f.code == "losses.silent_broadcast")
    matrix = finding.table
    assert finding.table_title() == (
        "What PyTorch really computes: the (3, 3) table of every prediction against every target"
    )
    assert matrix.shape == (3, 3)
    assert torch.allclose(matrix, (column - flat) ** 2)
    assert f"{float(report.torch_value):.4f}" == "0.4333"  # what torch really returns
    assert finding.details["torch_value"] == "0.4333"
    assert finding.details["reshaped_value"] == "0.5800"  # the right answer after reshaping
    assert report.matches  # the hand computation follows torch, broadcast included
    assert any("broadcasting" in w for w in report.torch_warnings)  # torch's UserWarning, captured
    assert report.gradient.shape == column.shape
    assert check("MSELoss", column, MSE_TARGET) == []


def test_shape_mismatch_where_torch_refuses() -> None:
    with pytest.raises(InputError) as raised:
        evaluate("BCELoss", BCE_PREDICTION, BCE_TARGET.reshape(3))
    assert raised.value.code == "losses.shape_mismatch_reshape"
    assert "0.5108" in raised.value.message
    with pytest.raises(InputError) as raised:
        evaluate("MSELoss", torch.zeros(3), torch.zeros(4))
    assert raised.value.code == "losses.shape_mismatch"


def test_prediction_and_target_swapped_binary() -> None:
    report = evaluate("BCELoss", BCE_TARGET, BCE_PREDICTION)
    assert "losses.swapped_binary" in codes(report.findings)
    assert float(report.torch_value) > 30  # log 0 clamped at -100 dominates
    assert "losses.swapped_binary" not in codes(
        report.findings[:0] + tuple(check("BCELoss", BCE_PREDICTION, BCE_TARGET))
    )
    assert "losses.swapped_binary" in codes(check("BCEWithLogitsLoss", BCE_TARGET, BCE_PREDICTION))


def test_prediction_and_target_swapped_class_indices() -> None:
    with pytest.raises(InputError) as raised:
        evaluate("CrossEntropyLoss", COURSE_CLASSES, COURSE_LOGITS)
    assert raised.value.code == "losses.swapped_class_indices"
    assert raised.value.details["torch_error"]
    assert "losses.swapped_class_indices" not in codes(check("CrossEntropyLoss", COURSE_LOGITS, COURSE_CLASSES))


def test_prediction_and_target_swapped_distributions() -> None:
    one_hot = F.one_hot(COURSE_CLASSES, 3).float()
    assert "losses.swapped_distributions" in codes(
        check("CrossEntropyLoss (probability targets)", one_hot, COURSE_LOGITS)
    )
    assert "losses.swapped_distributions" not in codes(
        check("CrossEntropyLoss (probability targets)", COURSE_LOGITS, one_hot)
    )


def test_probability_variant_given_class_numbers_and_back() -> None:
    with pytest.raises(InputError) as raised:
        evaluate("CrossEntropyLoss (probability targets)", COURSE_LOGITS, COURSE_CLASSES)
    assert raised.value.code == "losses.index_targets_as_probabilities"
    with pytest.raises(InputError) as raised:
        evaluate("CrossEntropyLoss", COURSE_LOGITS, F.one_hot(COURSE_CLASSES, 3).float())
    assert raised.value.code == "losses.probability_target_for_index_loss"


def test_nll_without_log_softmax_wants_log_probabilities() -> None:
    findings = check("NLLLoss", COURSE_LOGITS, COURSE_CLASSES, params={"apply_log_softmax": False})
    assert "losses.nll_not_log_probabilities" in codes(findings)
    log_probabilities = torch.log_softmax(COURSE_LOGITS, 1)
    assert check("NLLLoss", log_probabilities, COURSE_CLASSES, params={"apply_log_softmax": False}) == []
    report = evaluate("NLLLoss", log_probabilities, COURSE_CLASSES, params={"apply_log_softmax": False})
    assert f"{float(report.torch_value):.4f}" == "0.7306"


def test_probabilities_given_to_bce_with_logits_is_a_note() -> None:
    findings = check("BCEWithLogitsLoss", BCE_PREDICTION, BCE_TARGET)
    assert codes(findings) == ["losses.bce_with_logits_given_probabilities"]
    assert findings[0].severity == "note" and findings[0].details["bce_value"] == "0.5108"
    assert check("BCEWithLogitsLoss", torch.logit(BCE_PREDICTION), BCE_TARGET) == []


def test_integer_inputs_are_converted_with_a_note() -> None:
    report = evaluate("BCELoss", BCE_PREDICTION, torch.tensor([[1], [1], [0]]))
    assert codes(report.findings) == ["losses.target_converted"]
    assert f"{float(report.torch_value):.4f}" == "0.5108"
    report = evaluate("MSELoss", torch.tensor([1, 2]), torch.tensor([1.5, 2.0]))
    assert codes(report.findings) == ["losses.prediction_converted"]
    assert float(report.torch_value) == pytest.approx(0.125)


def test_bad_arguments_are_input_errors() -> None:
    with pytest.raises(InputError) as raised:
        evaluate("NoSuchLoss", MSE_PREDICTION, MSE_TARGET)
    assert raised.value.code == "losses.unknown"
    with pytest.raises(InputError) as raised:
        evaluate("MSELoss", MSE_PREDICTION, MSE_TARGET, "average")
    assert raised.value.code == "losses.unknown_reduction"
    with pytest.raises(InputError) as raised:
        evaluate("HuberLoss", MSE_PREDICTION, MSE_TARGET, params={"delta": 0})
    # The one parameter type's check (nnlib.core.params): delta must be greater than 0.
    assert raised.value.code == "params.not_above" and raised.value.field == "delta"
    assert raised.value.message == "HuberLoss: delta must be greater than 0, got 0."
    with pytest.raises(InputError) as raised:
        evaluate("MSELoss", torch.zeros(0), torch.zeros(0))
    assert raised.value.code == "losses.empty"
    with pytest.raises(InputError) as raised:
        evaluate("CrossEntropyLoss", torch.tensor(1.0), torch.tensor(0))
    assert raised.value.code == "losses.prediction_needs_classes"


def codes_in_the_engine() -> set[str]:
    """Every ``losses.*`` / ``metrics.*`` message code written in nnlib/losses."""
    import ast
    from pathlib import Path

    import nnlib.losses as package

    found = set()
    for path in Path(package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if re.fullmatch(r"(losses|metrics)\.[a-z0-9_]+(\.[a-z0-9_]+)*", node.value):
                    found.add(node.value)
    return found


def test_every_code_the_engine_uses_is_worded() -> None:
    used = codes_in_the_engine()
    assert {"losses.silent_broadcast", "losses.step.mean", "metrics.mape_zero_target"} <= used
    # A table a finding shows (table_code) is titled and explained by its .title and .note entries.
    tables = {code for code in used if messages.template(f"{code}.title") and messages.template(f"{code}.note")}
    assert tables == {"losses.broadcast_table"}
    # A record's card is a prefix: every part of it is worded, for every loss in the registry.
    cards = {info.card for info in LOSSES.values()}
    assert cards <= used
    for info in LOSSES.values():
        assert [part for part in CARD_PARTS if messages.template(f"{info.card}.{part}") is None] == [], info.name
    assert [code for code in sorted(used - tables - cards) if messages.template(code) is None] == []


def test_every_message_on_the_examples_is_a_whole_sentence() -> None:
    """Each example run through every loss: no message leaves a code or a {placeholder} unworded."""
    for preset in PRESETS.values():
        prediction, target = parse_tensor(preset.prediction), parse_tensor(preset.target)
        for name in LOSSES:
            for reduction in REDUCTIONS:
                try:
                    report = evaluate(name, prediction, target, reduction)
                    texts = [f.message for f in report.findings] + [s.label for s in report.manual.steps]
                    latex = [s.latex for s in report.manual.steps]
                except InputError as error:
                    texts = [error.message] + [f.message for f in getattr(error, "findings", ())]
                    latex = []
                for text in texts + latex:
                    assert "losses." not in text and "metrics." not in text, (name, preset.name, text)
                for text in texts:
                    assert not re.search(r"\{[a-z_]+\}", text), (name, preset.name, text)


# --------------------------------------------------------------------------- numerical stability (000, 001)


def test_logit_100_through_sigmoid_and_bce() -> None:
    rows = {r.logit: r for r in sigmoid_bce_comparison(torch.tensor([5.0, 20.0, 100.0, 200.0]), target=0.0)}
    assert rows[100.0].sigmoid == 1.0 and rows[100.0].sigmoid_rounded  # float32 rounds σ(100) to 1
    assert rows[100.0].bce_value == 100.0  # log(1 - 1) = log 0, clamped at -100
    assert rows[100.0].bce_gradient == 0.0  # and the gradient through Sigmoid vanishes
    assert rows[100.0].logits_value == pytest.approx(100.0)
    assert rows[100.0].logits_gradient == pytest.approx(1.0)
    assert rows[20.0].bce_value == 100.0 and rows[20.0].logits_value == pytest.approx(20.0)
    assert rows[200.0].bce_value == 100.0 and rows[200.0].exact_value == pytest.approx(200.0)
    assert not rows[5.0].sigmoid_rounded
    assert rows[5.0].bce_value == pytest.approx(rows[5.0].logits_value, abs=1e-4)


def test_a_nan_logit_is_one_message_not_bce_runtime_error() -> None:
    # σ(nan) = nan, and F.binary_cross_entropy raises "all elements of input should be between 0 and 1".
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(torch.sigmoid(torch.tensor([math.nan])), torch.tensor([0.0]))
    with pytest.raises(InputError) as caught:
        sigmoid_bce_comparison(torch.tensor([5.0, math.nan]), target=1.0)
    assert caught.value.code == "losses.nan_logit" and caught.value.details == {"position": 2}
    assert caught.value.message.startswith("Logit 2 is nan")
    rows = sigmoid_bce_comparison(torch.tensor([math.inf, -math.inf]), target=1.0)  # infinities still work
    assert [r.sigmoid for r in rows] == [1.0, 0.0] and rows[1].bce_value == 100.0


def test_log_zero() -> None:
    demo = log_zero_demo()
    assert demo.log_zero == -math.inf
    assert math.isnan(demo.zero_times_log_zero)
    assert demo.bce_certain_wrong == 100.0
    assert demo.bce_certain_right == 0.0
    assert demo.bce_gradient_certain_wrong == pytest.approx(-1e12)


def test_softmax_overflow_and_log_sum_exp() -> None:
    demo = softmax_overflow_demo(torch.tensor([1000.0, 999.0, 998.0]))
    assert torch.isinf(demo.naive_exp).all()
    assert torch.isnan(demo.naive_softmax).all()
    assert torch.allclose(demo.stable_softmax, torch.tensor([0.6652, 0.2447, 0.0900]), atol=1e-4)
    assert torch.equal(demo.stable_softmax, demo.torch_softmax) or torch.allclose(
        demo.stable_softmax, demo.torch_softmax
    )
    assert demo.naive_log_sum_exp == math.inf
    assert demo.stable_log_sum_exp == pytest.approx(1000.4076, abs=1e-4)
    assert demo.torch_log_sum_exp == pytest.approx(1000.4076, abs=1e-4)
    assert torch.isnan(demo.naive_cross_entropy).all()
    assert float(demo.torch_cross_entropy[0]) == pytest.approx(0.4076, abs=1e-4)
    with pytest.raises(InputError):
        softmax_overflow_demo(torch.tensor([1.0]))


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.58, "0.58"),
        (0.5800000429153442, "0.58"),
        (-1.3, "-1.3"),
        (0.0, "0"),
        (1000.4076, "1000.4076"),
        (math.inf, r"\infty"),
        (-math.inf, r"-\infty"),
        (math.nan, r"\text{nan}"),
        (1e-12, r"1 \times 10^{-12}"),
    ],
)
def test_fmt(value: float, text: str) -> None:
    assert latex_fixed(value) == text


# --------------------------------------------------------------------------- fields other registries read


def test_builder_and_trainer_fields() -> None:
    builder = {name: info for name, info in LOSSES.items() if info.in_builder}
    assert {name: info.expects for name, info in builder.items()} == {
        "CrossEntropyLoss": "logits",
        "NLLLoss": "log_probabilities",
        "BCELoss": "probabilities",
        "BCEWithLogitsLoss": "logits",
        "MSELoss": "values",
    }
    assert builder["CrossEntropyLoss"].output_note == "Multi-class: raw scores (logits); applies LogSoftmax itself."
    assert {info.training_key: name for name, info in LOSSES.items() if info.training_key} == {
        "cross_entropy": "CrossEntropyLoss",
        "nll": "NLLLoss",
    }
    for info in LOSSES.values():
        assert issubclass(info.module, torch.nn.Module) and info.module.__name__ == info.module_name
        assert info.output_note


# --------------------------------------------------------------------------- KLDivLoss


def test_kl_div_is_the_kl_divergence_of_the_target_from_the_prediction() -> None:
    target = torch.tensor([[0.2, 0.5, 0.3]])
    model = torch.tensor([[0.1, 0.7, 0.2]])
    exact = sum(p * math.log(p / q) for p, q in zip((0.2, 0.5, 0.3), (0.1, 0.7, 0.2), strict=True))
    assert exact == pytest.approx(0.2 * math.log(2) + 0.5 * math.log(5 / 7) + 0.3 * math.log(3 / 2), abs=1e-12)
    report = evaluate("KLDivLoss", torch.log(model), target, "sum")
    assert float(report.torch_value) == pytest.approx(exact, abs=1e-6)
    assert f"{float(report.manual.value):.4f}" == "0.0920"
    assert torch.allclose(report.gradient, -target, atol=1e-7)  # ∂/∂x_i of Σ y (log y − x) is −y_i
    assert report.gradient_matches and report.findings == ()
    # PyTorch's "batchmean" is the sum over the batch size: per sample, the KL divergence.
    batch = torch.cat([target, torch.tensor([[1.0, 0.0, 0.0]])])
    logits = torch.log(torch.cat([model, torch.tensor([[0.7, 0.2, 0.1]])]))
    total = evaluate("KLDivLoss", logits, batch, "sum")
    assert float(total.manual.value) / 2 == pytest.approx(float(F.kl_div(logits, batch, reduction="batchmean")))
    assert float(total.manual.contributions[1, 1]) == 0.0  # 0 · log 0 counts as 0
    preset = PRESETS["KLDiv: log-probabilities against a target distribution"]
    assert (preset.loss, preset.reduction) == ("KLDivLoss", "sum")
    assert find_preset("KLDivLoss", "sum", parse_tensor(preset.prediction), parse_tensor(preset.target)) == (
        preset.name,
        preset,
    )


def test_kl_div_mean_keeps_torchs_warning_and_probabilities_are_flagged() -> None:
    target = torch.tensor([[0.2, 0.5, 0.3]])
    report = evaluate("KLDivLoss", torch.log(torch.tensor([[0.1, 0.7, 0.2]])), target)
    assert float(report.torch_value) == pytest.approx(0.0920 / 3, abs=1e-4)  # "mean" divides by every element
    assert any("batchmean" in w for w in report.torch_warnings)
    findings = check("KLDivLoss", torch.tensor([[0.1, 0.7, 0.2]]), target)
    assert codes(findings) == ["losses.kl_div_not_log_probabilities"]
    assert "take their log first" in findings[0].message and "0.1, 0.7, 0.2" in findings[0].message
    assert LOSSES["KLDivLoss"].module is torch.nn.KLDivLoss and not LOSSES["KLDivLoss"].in_builder


def test_worked_examples_and_metrics_are_worded_in_english_and_russian() -> None:
    """A preset's name is its key and its English title; its title and source have Russian words,
    and so do the metrics' names, the arguments' labels and the words formulas write."""
    from nnlib.core import messages
    from nnlib.losses.metrics import binary_accuracy, mape, multiclass_accuracy

    prediction, target = torch.tensor([[0.6], [0.2], [0.5]]), torch.tensor([[0.5], [1.5], [0.7]])
    results = [mape(prediction, target), binary_accuracy(prediction, target.round().clamp(0, 1)),
               multiclass_accuracy(torch.tensor([[1.0, 2.0]]), torch.tensor([1]))]

    def words() -> list[str]:
        shown = [text for preset in PRESETS.values() for text in (preset.title, preset.source)]
        shown += [text for result in results for text in (result.title, result.latex)]
        shown += [text for info in LOSSES.values() for spec in info.params
                  for text in (info.param_label(spec), info.param_help(spec), info.formula_latex("mean"))]
        return shown

    assert all(preset.title == name for name, preset in PRESETS.items())
    english = words()
    with messages.in_language("ru"):
        russian = words()
        assert [preset.title for preset in PRESETS.values()][0] == "MSE — пример из курса (004)"
        assert "иначе" in LOSSES["HuberLoss"].formula_latex("mean")
        assert "точность" in results[1].latex
    assert "otherwise" in LOSSES["HuberLoss"].formula_latex("mean")
    for text in english + russian:
        assert "losses." not in text and "metrics." not in text, text
    assert sum(e != r for e, r in zip(english, russian, strict=True)) >= 30
