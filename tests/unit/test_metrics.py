"""nnlib.losses.metrics against course text 004 «Метрики» (MAPE 45.0794, accuracy 66.67 %)."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.core.errors import InputError
from nnlib.losses.metrics import binary_accuracy, mape, metrics_for, multiclass_accuracy

Y = torch.tensor([[0.5], [1.5], [0.7]])
Y_HAT = torch.tensor([[0.6], [0.2], [0.5]])
LOGITS = torch.tensor([[-1.2, 2.2, 0.2], [2.3, 0.2, 0.7], [0.9, -2.2, -1.2]])


def test_course_mape_is_45_0794() -> None:
    result = mape(Y_HAT, Y)
    assert f"{result.value:.4f}" == "45.0794"
    course = ((Y - Y_HAT).abs() / Y * 100).mean()  # the course's own line
    assert result.value == pytest.approx(float(course), abs=1e-4)
    assert torch.allclose(result.per_element.reshape(-1), torch.tensor([20.0, 86.6667, 28.5714]), atol=1e-3)
    assert result.findings == ()


def test_metrics_read_to_the_digits_the_course_prints() -> None:
    # Course 004 «Метрики» prints tensor(45.0794) and tensor(66.6667) twice.
    assert str(torch.tensor(mape(Y_HAT, Y).value)) == "tensor(45.0794)"
    binary = binary_accuracy(torch.tensor([[0.9], [0.3], [0.2]]), torch.tensor([[1.0], [1.0], [0.0]]))
    assert str(torch.tensor(binary.value)) == "tensor(66.6667)"
    assert str(torch.tensor(multiclass_accuracy(LOGITS, torch.tensor([1, 2, 0])).value)) == "tensor(66.6667)"


def test_mape_warns_where_a_target_is_zero() -> None:
    result = mape(Y_HAT, torch.tensor([[0.5], [0.0], [0.7]]))
    assert math.isinf(result.value)
    (finding,) = result.findings
    assert finding.code == "metrics.mape_zero_target" and finding.severity == "warning"
    assert finding.details["positions"] == [(1, 0)]
    assert finding.details["value_without_zero_targets"] == pytest.approx((20.0 + 28.5714) / 2, abs=1e-3)
    assert "24.2857" in finding.message
    assert math.isnan(mape(torch.tensor([0.0]), torch.tensor([0.0])).value)  # 0 / 0


def test_course_binary_accuracy_is_66_67() -> None:
    result = binary_accuracy(torch.tensor([[0.9], [0.3], [0.2]]), torch.tensor([[1.0], [1.0], [0.0]]))
    assert f"{result.value:.2f}" == "66.67"
    assert result.predicted.reshape(-1).tolist() == [1.0, 0.0, 0.0]
    assert result.details == {"correct": 2, "total": 3}


def test_binary_accuracy_from_logits_uses_the_sigmoid() -> None:
    result = binary_accuracy(
        torch.logit(torch.tensor([0.9, 0.3, 0.2])), torch.tensor([1.0, 1.0, 0.0]), from_logits=True
    )
    assert f"{result.value:.2f}" == "66.67"
    # like torch.round, exactly 0.5 rounds to 0 (half to even)
    assert binary_accuracy(torch.tensor([0.5]), torch.tensor([0.0])).value == 100.0


def test_course_multiclass_accuracy_is_66_67() -> None:
    result = multiclass_accuracy(LOGITS, torch.tensor([1, 2, 0]))
    assert f"{result.value:.2f}" == "66.67"
    assert result.predicted.tolist() == [1, 0, 0]
    course = (LOGITS.argmax(1) == torch.tensor([1, 2, 0])).sum() / 3 * 100
    assert result.value == pytest.approx(float(course))
    one_hot = torch.nn.functional.one_hot(torch.tensor([1, 2, 0]), 3).float()
    assert multiclass_accuracy(LOGITS, one_hot).value == pytest.approx(result.value)


def test_shapes_that_cannot_match_are_input_errors() -> None:
    with pytest.raises(InputError) as raised:
        mape(Y_HAT, torch.tensor([1.0, 2.0]))
    assert raised.value.code == "metrics.shape"
    assert raised.value.message == "MAPE needs one target per prediction: 3 target(s), but there are 2."
    with pytest.raises(InputError):
        multiclass_accuracy(LOGITS, torch.tensor([1, 2]))
    with pytest.raises(InputError) as raised:
        multiclass_accuracy(torch.tensor(1.0), torch.tensor(0))
    assert raised.value.code == "metrics.needs_classes"
    assert raised.value.message == "Accuracy needs one score per class."
    # (3, 1) against (3,): same numbers, compared element by element, not broadcast
    assert mape(Y_HAT, Y.reshape(3)).value == pytest.approx(mape(Y_HAT, Y).value)


def test_metrics_for_each_task() -> None:
    assert [m.name for m in metrics_for("regression", "values", Y_HAT, Y)] == ["MAPE"]
    assert [m.name for m in metrics_for("binary", "logits", Y_HAT, Y.round().clamp(0, 1))] == [
        "Accuracy (binary)"
    ]
    assert [m.name for m in metrics_for("multiclass", "logits", LOGITS, torch.tensor([1, 2, 0]))] == [
        "Accuracy (multiclass)"
    ]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(-5, 5, width=32), st.integers(0, 1)), min_size=1, max_size=20))
def test_binary_accuracy_counts_matches(pairs: list[tuple[float, int]]) -> None:
    scores = torch.tensor([p for p, _ in pairs])
    labels = torch.tensor([float(t) for _, t in pairs])
    result = binary_accuracy(scores, labels, from_logits=True)
    expected = sum(int((torch.sigmoid(torch.tensor(p)).round()) == t) for p, t in pairs) / len(pairs) * 100
    assert result.value == pytest.approx(expected, abs=1e-4)
