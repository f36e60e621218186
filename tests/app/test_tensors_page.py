"""The Tensors page driven headlessly: type tensors, pick operations, read the numbers shown."""

from __future__ import annotations

import pytest
import torch

from nnlib.core.parsing import parse_tensor
from nnlib.core.settings import get_settings
from tests.app.conftest import app_test

PAGE = "pages/tensors.py"
COURSE_X = torch.tensor([[0.4, 0.5], [0.9, 0.2], [0.2, 0.0], [0.1, 0.0]])
COURSE_W = torch.tensor([[0.2, 0.5, 1.0], [0.7, 0.4, 0.4]])
COURSE_MISMATCH = "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1"


@pytest.fixture()
def at():
    app = app_test(PAGE).run()
    assert not app.exception
    return app


def codes(app) -> list[str]:
    return [block.value for block in app.code]


def metrics(app) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def texts(app) -> str:
    parts = [m.value for m in app.markdown] + [c.value for c in app.caption]
    parts += [e.value for e in app.error] + [i.value for i in app.info] + [s.value for s in app.success]
    return "\n".join(parts)


def test_opens_on_the_course_examples(at) -> None:
    shown = codes(at)
    assert str(torch.tensor([[1.0, 0.0], [0.0, 1.0]])) in shown  # T, typed as in 002 B.3
    assert "torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float32)" in shown
    assert metrics(at) == {"Shape": "(2, 2)", "dtype": "float32", "Device": "cpu", "Elements": "4", "Memory": "16 B"}
    # 004: X @ W, first row 0.43, 0.40, 0.60, read back from what the page prints.
    product = next(parse_tensor(c) for c in shown if c.startswith("tensor([[0.4300"))
    assert torch.allclose(product, COURSE_X @ COURSE_W, atol=1e-4)
    assert product[0].tolist() == pytest.approx([0.43, 0.40, 0.60], abs=1e-4)
    # 002 B.5.1: z = 150, x.grad = 52 everywhere.
    assert "tensor(150., grad_fn=<SumBackward0>)" in shown
    assert str(torch.full((2, 3), 52.0)) in shown
    assert "Autograd agrees with the chain rule" in texts(at)
    assert not at.error


def test_type_a_and_b_pick_an_operation_and_read_the_result(at) -> None:
    a, b = [[1.0, 2.0], [3.0, 4.0]], [[10.0], [20.0]]
    at.text_area(key="tensors_a_text").input(str(a))
    at.text_area(key="tensors_b_text").input(str(b))
    at.radio(key="tensors_op").set_value("A + B").run()
    assert not at.exception
    assert str(torch.tensor(a) + torch.tensor(b)) in codes(at)
    table = at.table[0].value
    assert table["rule"].tolist() == ["equal: kept", "B has 1: stretched to A's size"]
    assert table["result"].tolist() == ["2", "2"]

    at.radio(key="tensors_op").set_value("A @ B").run()
    assert str(torch.tensor(a) @ torch.tensor(b)) in codes(at)  # [[50.], [110.]]
    assert "C = A @ B" in texts(at)


def test_course_x_times_w_shows_pytorchs_error_and_what_would_work(at) -> None:
    at.radio(key="tensors_op").set_value("A * B").run()
    assert not at.exception
    assert f"RuntimeError: {COURSE_MISMATCH}" in codes(at)
    explanation = at.info[0].value
    assert "in dimension 1 (the last) A has 2 and B has 3" in explanation
    works = at.table[-1].value
    assert works["try"].tolist()[0] == "A @ B" and works["result shape"].tolist()[0] == "(4, 3)"
    broadcast = at.table[0].value
    assert broadcast["rule"].tolist() == ["clash: different, and neither is 1"] * 2
    # The rest of the page keeps working.
    assert str(torch.full((2, 3), 52.0)) in codes(at)


def test_factory_with_the_course_seed(at) -> None:
    at.text_area(key="tensors_text").input("[[5., 6.]]").run()
    at.radio(key="tensors_source").set_value("Use a factory").run()
    at.selectbox(key="tensors_factory").set_value("rand").run()
    assert at.text_input(key="tensors_shape_args").value == "3, 2"
    assert at.text_input(key="tensors_seed").value == "24"
    shown = codes(at)
    assert "torch.manual_seed(24); torch.rand(3, 2, dtype=torch.float32)" in shown
    assert "tensor([[0.7644, 0.3751],\n        [0.0751, 0.5308],\n        [0.9660, 0.2770]])" in shown
    assert metrics(at)["Memory"] == "24 B"

    at.selectbox(key="tensors_factory").set_value("eye").run()
    at.text_input(key="tensors_eye_args").input("2, 3").run()
    assert str(torch.eye(2, 3)) in codes(at)
    at.selectbox(key="tensors_dtype").set_value("int64").run()
    assert str(torch.eye(2, 3, dtype=torch.int64)) in codes(at)
    assert "torch.eye(2, 3, dtype=torch.int64)" in codes(at)

    # Back to typing: what was typed before is still there.
    at.radio(key="tensors_source").set_value("Type it").run()
    assert at.text_area(key="tensors_text").value == "[[5., 6.]]"
    assert str(torch.tensor([[5, 6]])) in codes(at)  # the dtype choice (int64) still applies


def test_every_choice_and_box_says_what_it_is_for(at) -> None:
    # Two radio groups used to share the label "Operation": each now says what it acts on.
    assert at.radio(key="tensors_shape_op").label == "Shape operation on T"
    assert at.radio(key="tensors_op").label == "Operation on A and B"
    labels = [radio.label for radio in at.radio]
    assert len(labels) == len(set(labels))
    at.radio(key="tensors_source").set_value("Use a factory").run()
    assert at.text_input(key="tensors_shape_args").label == "Shape (sizes, e.g. 2, 3)"
    at.text_input(key="tensors_shape_args").input("2, 3").run()
    assert any("torch.rand(2, 3" in c.value for c in at.code)


def test_bad_input_is_one_message_next_to_the_field_and_nothing_is_lost(at) -> None:
    at.text_area(key="tensors_text").input("[[1, 2], [3]]").run()
    assert not at.exception
    assert len(at.error) == 1 and "different lengths" in at.error[0].value
    assert at.text_area(key="tensors_text").value == "[[1, 2], [3]]"
    assert "Fix T in section 1" in texts(at)
    assert str(torch.full((2, 3), 52.0)) in codes(at)  # other sections still computed

    at.text_area(key="tensors_text").input("[1, 2]").run()
    at.checkbox(key="tensors_requires_grad").check().run()
    assert len(at.error) == 1 and "Only floating-point tensors can require gradients" in at.error[0].value
    at.selectbox(key="tensors_dtype").set_value("float32").run()
    assert not at.error
    assert str(torch.tensor([1.0, 2.0], requires_grad=True)) in codes(at)


def test_shape_operation_before_and_after(at) -> None:
    at.text_area(key="tensors_text").input(str(COURSE_X.tolist())).run()
    at.radio(key="tensors_shape_op").set_value("transpose").run()
    assert str(COURSE_X.transpose(0, 1)) in codes(at)
    assert "shares T's memory" in texts(at)
    at.text_input(key="tensors_transpose_args").input("0").run()
    assert len(at.error) == 1 and "transpose takes 2 whole number(s)" in at.error[0].value
    at.radio(key="tensors_shape_op").set_value("reshape").run()
    at.text_input(key="tensors_reshape_args").input("3, 3").run()
    assert "RuntimeError: shape '[3, 3]' is invalid for input of size 8" in codes(at)
    assert "must multiply to 8, but (3, 3) holds 9" in at.info[0].value


def test_autograd_with_the_students_x(at) -> None:
    values = [[0.5, -1.0], [2.0, 0.0]]
    at.text_area(key="tensors_x_text").input(str(values)).run()
    x = torch.tensor(values, requires_grad=True)
    w = 2 * x
    z = torch.sum(w * w * w + 3 * w * w + 2 * w + 1)
    z.backward()
    shown = codes(at)
    assert str(x.grad) in shown
    assert str(z) in shown  # e.g. tensor(..., grad_fn=<SumBackward0>), exactly as PyTorch prints it
    rows = at.dataframe[0].value
    assert rows["x.grad (autograd)"].tolist() == x.grad.flatten().tolist()
    assert rows["dz/dx by hand"].tolist() == pytest.approx(((3 * w * w + 6 * w + 2) * 2).flatten().tolist())


def test_numpy_bridge_shows_shared_memory_and_float64(at) -> None:
    shown = codes(at)
    assert "array = T.numpy()\nT[0, 0] = 100.0\nprint(array)" in shown
    assert "[[100.   0.]\n [  0.   1.]]" in shown
    assert str(torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)) in shown
    assert "the same memory" in texts(at)


# --------------------------------------------------------------------------- shared links


def linked(params: dict[str, str]):
    """The page opened from a link: its query parameters set before the first run."""
    app = app_test(PAGE)
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception
    return app


def test_a_link_opens_a_prepared_example() -> None:
    a, b, x = [[1.0, 2.0], [3.0, 4.0]], [[10.0], [20.0]], [[1.0, 2.0]]
    app = linked({
        "tensors_text": "[1, 2, 3]",
        "tensors_dtype": "float64",
        "tensors_shape_op": "T.unsqueeze",  # a radio with format_func: the link holds the label shown
        "tensors_unsqueeze_args": "1",
        "tensors_a_text": str(a),
        "tensors_b_text": str(b),
        "tensors_op": "A + B",
        "tensors_x_text": str(x),
    })
    assert app.text_area(key="tensors_a_text").value == str(a)
    assert metrics(app)["dtype"] == "float64" and metrics(app)["Memory"] == "24 B"
    shown = codes(app)
    assert str(torch.tensor([1, 2, 3], dtype=torch.float64)) in shown
    assert str(torch.tensor([1, 2, 3], dtype=torch.float64).unsqueeze(1)) in shown
    assert str(torch.tensor(a) + torch.tensor(b)) in shown  # [[11., 12.], [23., 24.]]
    assert app.table[0].value["rule"].tolist() == ["equal: kept", "B has 1: stretched to A's size"]
    grad = torch.tensor(x, requires_grad=True)
    w = 2 * grad
    torch.sum(w * w * w + 3 * w * w + 2 * w + 1).backward()
    assert str(grad.grad) in shown  # tensor([[ 52., 148.]])
    assert not app.error


def test_a_link_to_the_course_seeded_factory() -> None:
    app = linked({"tensors_source": "Use a factory", "tensors_factory": "torch.rand", "tensors_shape_args": "3, 2"})
    assert app.text_input(key="tensors_seed").value == "24"
    assert "tensor([[0.7644, 0.3751],\n        [0.0751, 0.5308],\n        [0.9660, 0.2770]])" in codes(app)
    # The typed T is still the default, waiting behind the factory.
    app.radio(key="tensors_source").set_value("Type it").run()
    assert str(torch.tensor([[1.0, 0.0], [0.0, 1.0]])) in codes(app)


def test_link_values_that_do_not_fit_a_widget_are_dropped() -> None:
    app = linked({
        "tensors_op": "A % B",  # no such operation
        "tensors_dtype": "float99",
        "tensors_factory": "eye",  # a link holds the label shown, torch.eye
        "tensors_source": "Use a factory",
    })
    assert app.radio(key="tensors_op").value == "A @ B"
    assert app.selectbox(key="tensors_dtype").value == "auto"
    assert app.selectbox(key="tensors_factory").value == "rand"  # the default
    assert "torch.manual_seed(24); torch.rand(3, 2, dtype=torch.float32)" in codes(app)
    assert dict(app.query_params) == {"tensors_source": "Use a factory"}
    assert not app.error


def test_a_link_longer_than_the_cap_is_cut_at_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNLIB_MAX_TEXT_CHARS", "40")
    get_settings.cache_clear()
    try:
        padded = "[[1., 2.], [3., 4.]]" + " " * 30 + "__import__('os')"
        app = linked({"tensors_a_text": padded, "tensors_b_text": "[[10.], [20.]]"})
        assert app.text_area(key="tensors_a_text").value == padded[:40]
        assert str(torch.tensor([[1.0, 2.0], [3.0, 4.0]]) @ torch.tensor([[10.0], [20.0]])) in codes(app)
    finally:
        get_settings.cache_clear()


def test_the_device_stays_out_of_links() -> None:
    app = linked({"tensors_device": "cuda:7"})
    assert app.selectbox(key="tensors_device").value == "cpu"
    assert metrics(app)["Device"] == "cpu"
