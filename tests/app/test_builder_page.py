"""The network builder page: build, edit and fix a stack, read its shapes, hand it to training."""

from __future__ import annotations

import pytest
import torch

from nnlib.network import PRESETS, build_model, layers_from_data, layers_to_data, sequential_code
from nnlib.settings import get_settings
from tests.app.conftest import app_test

PAGE = "pages/builder.py"


def shapes(app) -> list[str]:
    return list(app.dataframe[0].value["Output shape"])


def params(app) -> list:
    return list(app.dataframe[0].value["Parameters"])


def metric(app, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def ids(app) -> list[int]:
    return list(app.session_state["builder_row_ids"])


def set_param(app, position: int, param: str, value) -> None:
    app.number_input(key=f"builder_layer_{ids(app)[position]}_{param}").set_value(value).run()


def add(app, kind: str) -> None:
    app.selectbox(key="builder_add_kind").set_value(kind).run()
    app.button(key="builder_add").click().run()


def messages(app) -> list[str]:
    return [e.value for e in app.error] + [w.value for w in app.warning]


def test_opens_with_the_iris_network_from_course_004() -> None:
    app = app_test(PAGE).run()
    assert not app.exception
    assert shapes(app) == ["(N, 4)", "(N, 16)", "(N, 16)", "(N, 3)"]
    assert params(app) == [0, 80, 0, 51]
    assert metric(app, "Parameters") == "131"
    assert app.session_state["builder_layers"] == layers_to_data(PRESETS["iris"].layers)
    assert app.session_state["builder_input_shape"] == [4]
    assert app.code[0].value == str(build_model(PRESETS["iris"].layers))
    assert app.code[1].value == sequential_code(PRESETS["iris"].layers, (4,)).rstrip()
    # The forward pass shows each layer's output for a batch of 2.
    assert [e.label for e in app.expander] == [
        "Input → (2, 4)", "1. Linear(4 → 16) → (2, 16)", "2. ReLU → (2, 16)", "3. Linear(16 → 3) → (2, 3)"]
    assert not messages(app)


def test_build_a_stack_from_scratch() -> None:
    app = app_test(PAGE).run()
    app.button(key="builder_clear").click().run()
    assert app.session_state["builder_layers"] == []
    assert "The network has no layers yet" in " ".join(messages(app))
    app.text_input(key="builder_input_text").set_value("3").run()
    add(app, "Linear")  # in_features follows the input: 3
    set_param(app, 0, "out_features", 10)
    add(app, "ReLU")
    add(app, "Linear")  # in_features follows the stack: 10
    set_param(app, 2, "out_features", 20)
    add(app, "Tanh")
    add(app, "Linear")
    set_param(app, 4, "out_features", 1)
    app.selectbox(key="builder_loss").set_value("MSELoss").run()
    assert not app.exception
    assert shapes(app) == ["(N, 3)", "(N, 10)", "(N, 10)", "(N, 20)", "(N, 20)", "(N, 1)"]
    assert metric(app, "Parameters") == f"{3 * 10 + 10 + 10 * 20 + 20 + 20 + 1}"
    assert not messages(app)
    layers = layers_from_data(app.session_state["builder_layers"])
    assert [s.kind for s in layers] == ["Linear", "ReLU", "Linear", "Tanh", "Linear"]
    assert app.session_state["builder_input_shape"] == [3]
    model = build_model(layers)
    assert model(torch.zeros(5, 3)).shape == (5, 1)


def test_mismatch_shows_the_message_and_the_fix_repairs_it() -> None:
    app = app_test(PAGE).run()
    set_param(app, 2, "in_features", 10)
    assert "Linear(10 → 3) expects 10 input features but layer 2 outputs 16." in [e.value for e in app.error]
    assert not app.code  # nothing runs while the stack is broken
    row_id = ids(app)[2]
    fix = app.button(key=f"builder_fix_{row_id}_0")
    assert fix.label == "Set in_features to 16"
    fix.click().run()
    assert not app.error
    assert app.number_input(key=f"builder_layer_{row_id}_in_features").value == 16
    assert app.session_state["builder_layers"][2]["in_features"] == 16
    assert shapes(app)[-1] == "(N, 3)"


def test_collapse_and_softmax_warnings_with_fixes() -> None:
    app = app_test(PAGE).run()
    app.button(key=f"builder_remove_{ids(app)[1]}").click().run()  # drop the ReLU
    [warning] = [w.value for w in app.warning]
    assert "no activation between them" in warning and "4 → 3" in warning
    app.button(key=f"builder_fix_{ids(app)[1]}_0").click().run()
    assert [layer["kind"] for layer in app.session_state["builder_layers"]] == ["Linear", "ReLU", "Linear"]
    assert not app.warning
    add(app, "Softmax")
    [warning] = [w.value for w in app.warning]
    assert "CrossEntropyLoss applies LogSoftmax itself" in warning
    app.button(key=f"builder_fix_{ids(app)[3]}_0").click().run()
    assert app.session_state["builder_layers"] == layers_to_data(PRESETS["iris"].layers)


def test_move_and_remove_keep_each_layers_values() -> None:
    app = app_test(PAGE).run()
    first = ids(app)[0]
    app.button(key=f"builder_down_{first}").click().run()
    assert ids(app)[1] == first
    assert [layer["kind"] for layer in app.session_state["builder_layers"]] == ["ReLU", "Linear", "Linear"]
    assert app.number_input(key=f"builder_layer_{first}_out_features").value == 16
    app.button(key=f"builder_up_{first}").click().run()
    assert app.session_state["builder_layers"] == layers_to_data(PRESETS["iris"].layers)
    app.button(key=f"builder_remove_{ids(app)[2]}").click().run()
    assert shapes(app) == ["(N, 4)", "(N, 16)", "(N, 16)"]


@pytest.mark.parametrize(
    ("name", "input_text", "output", "total"),
    [
        ("notmnist", "28, 28", "(N, 10)", "203,530"),
        ("regression", "3", "(N, 1)", "281"),
        ("binary", "5", "(N, 1)", "52"),
    ],
)
def test_presets_load(name: str, input_text: str, output: str, total: str) -> None:
    app = app_test(PAGE).run()
    app.selectbox(key="builder_preset").set_value(name).run()
    app.button(key="builder_load_preset").click().run()
    assert not app.exception
    assert app.text_input(key="builder_input_text").value == input_text
    assert shapes(app)[-1] == output
    assert metric(app, "Parameters") == total
    assert app.session_state["builder_layers"] == layers_to_data(PRESETS[name].layers)
    assert app.session_state["builder_loss"] == PRESETS[name].loss
    assert not messages(app)


def test_notmnist_shapes_and_course_004_typed_sample() -> None:
    app = app_test(PAGE).run()
    app.selectbox(key="builder_preset").set_value("notmnist").run()
    app.button(key="builder_load_preset").click().run()
    assert shapes(app) == ["(N, 28, 28)", "(N, 784)", "(N, 256)", "(N, 256)", "(N, 10)"]
    app.selectbox(key="builder_preset").set_value("regression").run()
    app.button(key="builder_load_preset").click().run()
    app.radio(key="builder_sample_source").set_value("Typed").run()
    assert app.text_area(key="builder_sample_text").value.startswith("[[0.4, -0.5, 0.9]")
    assert [e.label.split(" → ")[-1] for e in app.expander] == [
        "(3, 3)", "(3, 10)", "(3, 10)", "(3, 20)", "(3, 20)", "(3, 1)"]


def test_bad_input_is_explained_and_the_stack_stays() -> None:
    app = app_test(PAGE).run()
    set_param(app, 0, "out_features", 0)
    assert "Layer 1, Linear: out_features must be at least 1, got 0." in [e.value for e in app.error]
    assert len(app.session_state["builder_layers"]) == 3
    assert app.session_state["builder_layers"][0]["out_features"] == 0
    set_param(app, 0, "out_features", 10**6)
    assert any("limit of 4,096 units" in e.value for e in app.error)
    set_param(app, 0, "out_features", 16)
    assert not app.error
    app.text_input(key="builder_input_text").set_value("four").run()
    assert any("not a whole number" in e.value for e in app.error)
    assert shapes(app)[0] == "(N, 4)"  # the last shape that parsed is still used
    app.text_input(key="builder_input_text").set_value("4").run()
    app.radio(key="builder_sample_source").set_value("Typed").run()
    app.text_area(key="builder_sample_text").set_value("[1, 2, 3]").run()
    assert any("The sample has shape (3,)" in e.value for e in app.error)
    app.button(key="builder_new_sample").click().run()
    assert not app.error
    app.number_input(key="builder_seed").set_value(-1).run()
    assert any("The seed must be a whole number" in e.value for e in app.error)
    app.number_input(key="builder_seed").set_value(0).run()
    assert not app.error
    assert app.expander[-1].label == "3. Linear(16 → 3) → (2, 3)"


def test_layer_cap_disables_adding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNLIB_MAX_LAYERS", "3")
    get_settings.cache_clear()
    try:
        app = app_test(PAGE).run()
        assert app.button(key="builder_add").disabled
        assert metric(app, "Layers") == "3 / 3"
    finally:
        get_settings.cache_clear()
