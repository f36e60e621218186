"""The losses page wired up: presets give the course's answers, typed cases give torch's value."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from nnlib.losses import PRESETS
from tests.app.conftest import app_test

PAGE = "pages/losses.py"
DEFAULT_PRESET = "MSE — course example (004)"  # what the page opens on


def metric(app, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def load(app, preset: str):
    app.selectbox(key="losses_preset").set_value(preset)
    app.button(key="losses_load").click()
    return app.run()


def test_opens_on_the_course_mse_example() -> None:
    app = app_test(PAGE).run()
    assert not app.exception
    assert app.title[0].value == "Loss functions"
    assert metric(app, "PyTorch value") == "0.5800"
    assert metric(app, "By hand") == "0.5800"
    assert metric(app, "MAPE") == "45.0794 %"  # course 004 prints tensor(45.0794)
    assert any("0.6 - 0.5 = 0.1" in latex.value for latex in app.latex)


def test_example_note_names_the_course_answer_only_while_the_inputs_are_that_example() -> None:
    app = app_test(PAGE).run()
    assert any("The course's answer: 0.5800" in c.value for c in app.caption)
    app.selectbox(key="losses_loss").set_value("L1Loss")
    app = app.run()
    assert not any("The course's answer" in c.value for c in app.caption)
    assert any("not this example" in c.value for c in app.caption)
    app = load(app, DEFAULT_PRESET)
    assert any("The course's answer: 0.5800" in c.value for c in app.caption)
    app = load(app, "LogSoftmax + NLLLoss on the course logits")
    assert any("The course's answer: 0.7306" in c.value for c in app.caption)
    app.checkbox(key="losses_param_apply_log_softmax").uncheck()
    app = app.run()  # same numbers, another computation: 0.7306 is not its answer
    assert metric(app, "PyTorch value") != "0.7306"
    assert not any("0.7306" in c.value for c in app.caption)
    assert any("not this example" in c.value for c in app.caption)


def test_metrics_show_the_digits_the_course_prints() -> None:
    # Course 004 «Метрики»: score.mean() prints tensor(45.0794); accuracy prints tensor(66.6667).
    y = torch.tensor([[0.5], [1.5], [0.7]])
    y_hat = torch.tensor([[0.6], [0.2], [0.5]])
    course = ((y - y_hat).abs() / y * 100).mean()
    assert str(course) == "tensor(45.0794)"
    app = app_test(PAGE).run()
    assert metric(app, "MAPE") == "45.0794 %"
    assert any(c.value == "Absolute percentage error of each element: 20.0000, 86.6667, 28.5714" for c in app.caption)
    app.selectbox(key="losses_preset").set_value("BCE — course example (004)").run()
    assert metric(app, "Accuracy (binary)") == "66.6667 %"
    assert metric(app, "PyTorch value") == "0.5108"  # tensor(0.5108)


def test_choosing_an_example_loads_it_and_own_edits_stay_possible() -> None:
    app = app_test(PAGE).run()
    app.selectbox(key="losses_preset").set_value("CrossEntropy — course example (004)").run()  # no button
    assert not app.exception
    assert app.selectbox(key="losses_loss").value == "CrossEntropyLoss"
    assert app.text_area(key="losses_target_text").value == "[1, 2, 0]"
    assert metric(app, "PyTorch value") == "0.7306"
    assert any("The course's answer: 0.7306" in c.value for c in app.caption)
    # The student edits the example: the edit stays, and the note says it is no longer the example.
    app.text_area(key="losses_target_text").input("[1, 0, 0]").run()
    assert app.text_area(key="losses_target_text").value == "[1, 0, 0]"
    expected = F.cross_entropy(torch.tensor([[-1.2, 2.2, 0.2], [2.3, 0.2, 0.7], [0.9, -2.2, -1.2]]),
                               torch.tensor([1, 0, 0]))
    assert metric(app, "PyTorch value") == f"{float(expected):.4f}"
    assert any("not this example" in c.value for c in app.caption)
    assert not any("0.7306" in c.value for c in app.caption)
    app.button(key="losses_load").click().run()  # Reload example puts it back
    assert app.text_area(key="losses_target_text").value == "[1, 2, 0]"
    assert metric(app, "PyTorch value") == "0.7306"


def test_a_course_example_typed_by_hand_is_recognised_by_its_values() -> None:
    app = app_test(PAGE).run()
    # The MSE example typed differently (no spaces, trailing zeros): still the course's example.
    app.text_area(key="losses_prediction_text").input("[[0.60],[0.2],[0.5]]")
    app.text_area(key="losses_target_text").input("[[0.5],[1.50],[0.7]]").run()
    captions = [c.value for c in app.caption]
    assert not any("not this example" in c for c in captions)
    assert any("The course's answer: 0.5800" in c for c in captions)
    assert any("Course answer" in c and "PyTorch agrees" in c for c in captions)
    # The BCE example typed by hand while the MSE example is chosen: the note and the answer name BCE.
    app.selectbox(key="losses_loss").set_value("BCELoss")
    app.text_area(key="losses_prediction_text").input("[[0.9], [0.3], [0.2]]")
    app.text_area(key="losses_target_text").input("[[1], [1], [0]]").run()
    assert metric(app, "PyTorch value") == "0.5108"
    captions = [c.value for c in app.caption]
    [note] = [c for c in captions if "not this example" in c]
    assert "«BCE — course example (004)»" in note and "The course's answer: 0.5108" in note
    assert any("Course answer (004 «Функции потерь»: BCE = 0.5108): 0.5108 — PyTorch agrees." == c for c in captions)
    assert not any("0.5800" in c for c in captions)
    # Float class numbers are not the CrossEntropy example (PyTorch reads them as probabilities).
    app.selectbox(key="losses_preset").set_value("CrossEntropy — course example (004)").run()
    app.text_area(key="losses_target_text").input("[1., 2., 0.]").run()
    assert not any("Course answer" in c.value for c in app.caption)


def test_the_result_sits_next_to_the_inputs() -> None:
    app = app_test(PAGE).run()
    columns = list(app.columns)
    inputs = next(i for i, c in enumerate(columns) if [t.key for t in c.text_area][:1] == ["losses_prediction_text"])
    beside = columns[inputs + 1]
    assert {m.label for m in beside.metric} >= {"PyTorch value", "By hand", "MAPE"}
    assert [t.key for t in beside.text_area] == []


def test_presets_give_the_course_answers() -> None:
    app = app_test(PAGE).run()
    app = load(app, "BCE — course example (004)")
    assert not app.exception
    assert app.selectbox(key="losses_loss").value == "BCELoss"
    assert metric(app, "PyTorch value") == "0.5108"
    assert metric(app, "By hand") == "0.5108"
    assert metric(app, "Accuracy (binary)") == "66.6667 %"  # course 004: tensor(66.6667)
    app = load(app, "CrossEntropy — course example (004)")
    assert app.text_area(key="losses_target_text").value == "[1, 2, 0]"
    assert metric(app, "PyTorch value") == "0.7306"
    assert metric(app, "Accuracy (multiclass)") == "66.6667 %"
    assert any("agrees" in c.value for c in app.caption)
    app = load(app, "MSE — course example (004)")
    assert metric(app, "PyTorch value") == "0.5800"


def test_typed_case_shows_torch_value_and_survives_switching_loss() -> None:
    app = app_test(PAGE).run()
    prediction, target = "[2.0, -1.0, 0.5, 3.0]", "[1.5, 0.0, 0.5, 1.0]"
    app.text_area(key="losses_prediction_text").input(prediction)
    app.text_area(key="losses_target_text").input(target)
    app.selectbox(key="losses_loss").set_value("HuberLoss")
    app.run()
    p, y = torch.tensor([2.0, -1.0, 0.5, 3.0]), torch.tensor([1.5, 0.0, 0.5, 1.0])
    assert metric(app, "PyTorch value") == f"{float(F.huber_loss(p, y)):.4f}"
    app.number_input(key="losses_param_delta").set_value(0.5).run()
    assert metric(app, "PyTorch value") == f"{float(F.huber_loss(p, y, delta=0.5)):.4f}"
    app.radio(key="losses_reduction").set_value("sum").run()
    assert metric(app, "PyTorch value") == f"{float(F.huber_loss(p, y, delta=0.5, reduction='sum')):.4f}"
    app.selectbox(key="losses_loss").set_value("L1Loss").run()
    assert app.text_area(key="losses_prediction_text").value == prediction
    assert app.text_area(key="losses_target_text").value == target
    assert metric(app, "PyTorch value") == f"{float(F.l1_loss(p, y, reduction='sum')):.4f}"
    assert not app.exception


def test_mistakes_are_explained_next_to_the_inputs() -> None:
    app = app_test(PAGE).run()
    app = load(app, "Mistake: raw scores given to BCELoss")
    assert not app.exception
    assert any("BCEWithLogitsLoss" in e.value for e in app.error)
    assert not any(m.label == "PyTorch value" for m in app.metric)
    assert any("between 0 and 1" in c.value for c in app.caption)  # PyTorch's own words
    app = load(app, "Mistake: (3, 1) against (3,) broadcasts silently")
    assert metric(app, "PyTorch value") == "0.4333"
    assert any("0.5800" in w.value and "(3, 3)" in w.value for w in app.warning)
    assert any("UserWarning" in c.value for c in app.caption)
    app = load(app, "Mistake: probabilities given to CrossEntropyLoss")
    assert any("0.8750" in w.value and "0.7307" in w.value for w in app.warning)  # 4-decimal softmax
    app = load(app, "Mistake: class index out of range")
    assert any("0 to 2" in e.value for e in app.error)


def test_bad_text_keeps_what_was_typed_and_the_rest_of_the_page() -> None:
    app = app_test(PAGE).run()
    app.text_area(key="losses_prediction_text").input("[[0.6], [0.2], [0.5")
    app.run()
    assert not app.exception
    assert any("closing" in e.value for e in app.error)
    assert app.text_area(key="losses_prediction_text").value == "[[0.6], [0.2], [0.5"
    assert metric(app, "torch.logsumexp") == "1000.4076"  # the stability section still works


def test_stability_section_numbers() -> None:
    app = app_test(PAGE).run()
    app.text_area(key="losses_stability_text").input("[100]").run()
    assert any("Lost gradient" in w.value and "0.0000 at x = 100" in w.value for w in app.warning)
    assert any("agree only by luck" in c.value for c in app.caption)
    app.text_area(key="losses_overflow_text").input("[10, 20]").run()
    assert metric(app, "log Σ eᶻ, naive") == f"{float(torch.logsumexp(torch.tensor([10.0, 20.0]), 0)):.4f}"


# --------------------------------------------------------------------------- links (URL state)


def open_link(**params: str):
    """The page as a shared link opens it: the query parameters are there before the first run."""
    app = app_test(PAGE)
    for key, value in params.items():
        app.query_params[key] = value
    return app.run()


def test_a_link_opens_the_typed_case_with_torch_value() -> None:
    prediction, target = "[[2.0], [-1.0], [0.5], [3.0]]", "[[1.5], [0.0], [0.5], [1.0]]"
    app = open_link(
        losses_prediction_text=prediction,
        losses_target_text=target,
        losses_loss="HuberLoss",
        losses_reduction="sum",
        losses_param_delta="0.5",
    )
    assert not app.exception
    assert app.text_area(key="losses_prediction_text").value == prediction
    assert app.text_area(key="losses_target_text").value == target
    assert app.selectbox(key="losses_loss").value == "HuberLoss"
    assert app.radio(key="losses_reduction").value == "sum"
    assert app.number_input(key="losses_param_delta").value == 0.5
    p = torch.tensor([[2.0], [-1.0], [0.5], [3.0]])
    y = torch.tensor([[1.5], [0.0], [0.5], [1.0]])
    expected = F.huber_loss(p, y, delta=0.5, reduction="sum")
    assert metric(app, "PyTorch value") == f"{float(expected):.4f}"
    assert metric(app, "By hand") == f"{float(expected):.4f}"


def test_a_link_opens_a_classification_case() -> None:
    scores = "[[0.5, 2.0, -1.0], [1.5, 0.1, 0.3]]"
    app = open_link(losses_prediction_text=scores, losses_target_text="[2, 0]", losses_loss="CrossEntropyLoss")
    assert not app.exception
    expected = F.cross_entropy(torch.tensor([[0.5, 2.0, -1.0], [1.5, 0.1, 0.3]]), torch.tensor([2, 0]))
    assert metric(app, "PyTorch value") == f"{float(expected):.4f}"
    assert metric(app, "Accuracy (multiclass)") == "50.0000 %"


def test_what_a_link_leaves_out_is_the_course_example() -> None:
    # Streamlit drops a value equal to the widget's default from the URL, so the page's
    # defaults must be the ones a link falls back to: here the course's regression tensors.
    app = open_link(losses_loss="L1Loss")
    p, y = torch.tensor([[0.6], [0.2], [0.5]]), torch.tensor([[0.5], [1.5], [0.7]])
    assert metric(app, "PyTorch value") == f"{float(F.l1_loss(p, y)):.4f}"
    assert app.radio(key="losses_reduction").value == "mean"


def test_a_link_with_values_that_do_not_fit_is_ignored_or_explained() -> None:
    app = open_link(losses_loss="NoSuchLoss", losses_reduction="median", losses_prediction_text="[[0.6], [0.2")
    assert not app.exception
    assert app.selectbox(key="losses_loss").value == "MSELoss"  # an unknown option falls back
    assert app.radio(key="losses_reduction").value == "mean"
    assert app.text_area(key="losses_prediction_text").value == "[[0.6], [0.2"  # kept, not lost
    assert any("closing" in e.value for e in app.error)
    assert metric(app, "torch.logsumexp") == "1000.4076"  # the rest of the page still works


def test_a_link_opens_the_stability_inputs() -> None:
    app = open_link(losses_stability_text="[30]", losses_stability_target="1", losses_overflow_text="[1, 2]")
    assert not app.exception
    assert app.radio(key="losses_stability_target").value == 1
    assert metric(app, "torch.logsumexp") == f"{float(torch.logsumexp(torch.tensor([1.0, 2.0]), 0)):.4f}"


def test_loading_an_example_puts_it_in_the_url() -> None:
    app = app_test(PAGE).run()
    app = load(app, "CrossEntropy — course example (004)")
    preset = PRESETS["CrossEntropy — course example (004)"]
    assert app.query_params["losses_loss"] == "CrossEntropyLoss"
    assert app.query_params["losses_prediction_text"] == preset.prediction
    assert app.query_params["losses_target_text"] == preset.target
    assert "losses_reduction" not in app.query_params  # "mean" is the default: left out
    # The URL alone reopens it: a fresh session given those parameters shows the course answer.
    link = dict(app.query_params.items())
    assert metric(open_link(**link), "PyTorch value") == "0.7306"
    # Back to the defaults: the URL is clean again.
    app = load(app, DEFAULT_PRESET)
    assert metric(app, "PyTorch value") == "0.5800"
    assert not any(key in app.query_params for key in ("losses_loss", "losses_prediction_text"))


def test_loading_an_example_with_a_parameter_puts_it_in_the_url() -> None:
    app = open_link(losses_loss="HuberLoss", losses_param_delta="0.25")
    assert app.number_input(key="losses_param_delta").value == 0.25
    app = load(app, "Huber δ = 1 on the course's regression example")
    assert app.number_input(key="losses_param_delta").value == 1.0
    assert "losses_param_delta" not in app.query_params  # 1.0 is the default again
    p, y = torch.tensor([[0.6], [0.2], [0.5]]), torch.tensor([[0.5], [1.5], [0.7]])
    assert metric(app, "PyTorch value") == f"{float(F.huber_loss(p, y)):.4f}"


def test_a_nan_logit_in_the_stability_tab_is_explained_not_a_traceback() -> None:
    app = app_test(PAGE).run()
    app.text_area(key="losses_stability_text").input("[1, nan]").run()
    assert not app.exception
    assert [e.value for e in app.error] == [
        "Logit 2 is nan: Sigmoid gives nan and BCELoss refuses it. Type numbers; inf and -inf are fine."
    ]
    assert metric(app, "PyTorch value") == "0.5800"  # the rest of the page still works


def test_kl_div_is_a_choice_like_the_others() -> None:
    app = app_test(PAGE).run()
    assert "KLDivLoss" in app.selectbox(key="losses_loss").options
    app = load(app, "KLDiv: log-probabilities against a target distribution")
    assert not app.exception
    assert app.selectbox(key="losses_loss").value == "KLDivLoss"
    assert app.radio(key="losses_reduction").value == "sum"
    prediction = torch.tensor([[-2.3026, -0.3567, -1.6094]])
    target = torch.tensor([[0.2, 0.5, 0.3]])
    expected = F.kl_div(prediction, target, reduction="sum")
    assert metric(app, "PyTorch value") == f"{float(expected):.4f}" == "0.0920"
    assert metric(app, "By hand") == "0.0920"
    assert any(c.value == "No metric fits this loss." for c in app.caption)
    assert any("0 · log 0 counts as 0" in m.value for m in app.markdown)  # its steps by hand
    app.radio(key="losses_reduction").set_value("mean").run()  # PyTorch's own advice, shown
    assert any("UserWarning" in c.value and "batchmean" in c.value for c in app.caption)


def test_a_link_holding_the_russian_example_label_opens_that_example() -> None:
    app = open_link(losses_preset="BCE — пример из курса (004)")
    assert not app.exception
    assert app.selectbox(key="losses_preset").value == "BCE — course example (004)"
    assert app.query_params["losses_preset"] == "BCE — course example (004)"
