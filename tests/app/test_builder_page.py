"""The network builder page: build, edit and fix a stack, read its shapes, hand it to training."""

from __future__ import annotations

import contextlib
import io
import json
import runpy

import pytest
import torch

from nnlib.core.settings import get_settings
from nnlib.layers import (
    PRESETS,
    build_model,
    layers_from_data,
    layers_to_data,
    sequential_class_code,
    sequential_code,
)
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


def trace(app) -> list[str]:
    """The forward pass's expanders, one per layer (the parameter count has one of its own)."""
    return [e.label for e in app.expander if " → (" in e.label]


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
    assert trace(app) == [
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


def test_every_layer_kind_is_offered_and_hardtanh_comes_from_its_activation_record() -> None:
    app = app_test(PAGE).run()
    assert app.selectbox(key="builder_add_kind").options == [
        "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "Hardtanh", "LogSoftmax", "Dropout",
        "BatchNorm1d", "Flatten"]
    assert app.selectbox(key="builder_loss").options == [
        "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "MSELoss"]
    app.button(key=f"builder_remove_{ids(app)[1]}").click().run()  # drop the ReLU ...
    app.selectbox(key="builder_add_kind").set_value("Hardtanh").run()
    app.button(key="builder_add").click().run()
    assert [layer["kind"] for layer in app.session_state["builder_layers"]] == ["Linear", "Linear", "Hardtanh"]
    row = ids(app)[2]
    # Its arguments are the record's parameters, each a number box with torch's defaults.
    assert app.number_input(key=f"builder_layer_{row}_min_val").value == -1.0
    assert app.number_input(key=f"builder_layer_{row}_max_val").value == 1.0
    set_param(app, 2, "max_val", 2.5)
    assert shapes(app)[-1] == "(N, 3)"
    assert "Hardtanh(min_val=-1.0, max_val=2.5)" in app.code[0].value  # print(model)
    assert "    nn.Hardtanh(max_val=2.5),  # -> (N, 3)" in app.code[1].value  # exported, torch's default left out
    set_param(app, 2, "min_val", 1.0)
    assert "Layer 3, Hardtanh: min_val must be at most 0, got 1." in [e.value for e in app.error]
    set_param(app, 2, "min_val", -1.0)
    assert not app.error


# Course 002, B.5.2: print(bc_model), verbatim.
COURSE_002_CLASS_PRINT = """BinaryClassifier(
  (linear0): Linear(in_features=5, out_features=5, bias=True)
  (relu0): ReLU()
  (linear1): Linear(in_features=5, out_features=3, bias=True)
  (relu1): ReLU()
  (linear2): Linear(in_features=3, out_features=1, bias=True)
  (sigmoid2): Sigmoid()
)"""


def class_export(app) -> str:
    [block] = [c.value for c in app.code if "(nn.Sequential):" in c.value]
    return block


def run_export(code: str, tmp_path) -> tuple[dict, str]:
    path = tmp_path / "model_class.py"
    path.write_text(code, encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        namespace = runpy.run_path(str(path), run_name="__main__")
    return namespace, out.getvalue()


def test_class_export_of_the_binary_preset_prints_as_course_002(tmp_path) -> None:
    app = app_test(PAGE).run()
    app.selectbox(key="builder_preset").set_value("binary").run()
    app.button(key="builder_load_preset").click().run()
    assert "Sequential class, as in course 002" in [t.label for t in app.tabs]
    code = class_export(app)
    assert code == sequential_class_code(PRESETS["binary"].layers, (5,), "BinaryClassifier").rstrip()
    namespace, printed = run_export(code, tmp_path)
    assert str(namespace["model"]) == COURSE_002_CLASS_PRINT
    assert printed.startswith(COURSE_002_CLASS_PRINT + "\n")
    # The class is named after the task the planned loss says it has.
    app.selectbox(key="builder_loss").set_value("MSELoss").run()
    assert "class Regressor(nn.Sequential):" in class_export(app)
    assert any("The class is named Regressor" in c.value for c in app.caption)


def test_notmnist_shapes_and_course_004_typed_sample() -> None:
    app = app_test(PAGE).run()
    app.selectbox(key="builder_preset").set_value("notmnist").run()
    app.button(key="builder_load_preset").click().run()
    assert shapes(app) == ["(N, 28, 28)", "(N, 784)", "(N, 256)", "(N, 256)", "(N, 10)"]
    app.selectbox(key="builder_preset").set_value("regression").run()
    app.button(key="builder_load_preset").click().run()
    app.radio(key="builder_sample_source").set_value("Typed").run()
    assert app.text_area(key="builder_sample_text").value.startswith("[[0.4, -0.5, 0.9]")
    assert [label.split(" → ")[-1] for label in trace(app)] == [
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


# --------------------------------------------------------------------------- shared links

REGRESSION = [
    {"kind": "Linear", "in_features": 3, "out_features": 10, "bias": True},
    {"kind": "Tanh"},
    {"kind": "Linear", "in_features": 10, "out_features": 1, "bias": False},
]


def linked(params: dict[str, str]):
    """The page opened from a link (or reloaded): the query parameters set before the first run."""
    app = app_test(PAGE)
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception
    return app


def stack_param(layers: list[dict]) -> str:
    return json.dumps(layers, separators=(",", ":"))


def test_the_default_network_leaves_the_link_clean() -> None:
    app = linked({})
    assert "builder_stack" not in dict(app.query_params)


def test_a_link_opens_a_prepared_network() -> None:
    app = linked({
        "builder_stack": stack_param(REGRESSION),
        "builder_input_text": "3",
        "builder_loss": "MSELoss",
        "builder_sample_source": "Typed",
    })
    assert app.session_state["builder_layers"] == REGRESSION
    assert shapes(app) == ["(N, 3)", "(N, 10)", "(N, 10)", "(N, 1)"]
    assert params(app) == [0, 40, 0, 10]
    assert metric(app, "Parameters") == "50"
    assert app.selectbox(key="builder_loss").value == "MSELoss"
    # Each layer's boxes show the stack's values.
    assert app.number_input(key=f"builder_layer_{ids(app)[2]}_in_features").value == 10
    assert app.checkbox(key=f"builder_layer_{ids(app)[2]}_bias").value is False
    # The typed sample is course 004's X for a 3-feature input, and runs through the network.
    assert app.text_area(key="builder_sample_text").value.startswith("[[0.4, -0.5, 0.9]")
    assert app.expander[-1].label == "3. Linear(10 → 1) → (3, 1)"
    model = build_model(layers_from_data(REGRESSION))
    assert str(model) == app.code[0].value
    assert not messages(app)


def test_move_remove_add_after_a_reload_keep_the_link_in_step() -> None:
    app = linked({"builder_stack": stack_param(REGRESSION), "builder_input_text": "3", "builder_loss": "MSELoss"})
    first = ids(app)[0]
    app.button(key=f"builder_down_{first}").click().run()  # Tanh first: a broken stack, still linked
    assert json.loads(app.query_params["builder_stack"]) == [REGRESSION[1], REGRESSION[0], REGRESSION[2]]
    app.button(key=f"builder_up_{first}").click().run()
    app.button(key=f"builder_remove_{ids(app)[1]}").click().run()  # drop the Tanh
    add(app, "Sigmoid")
    link = dict(app.query_params)
    expected = [REGRESSION[0], REGRESSION[2], {"kind": "Sigmoid"}]
    assert json.loads(link["builder_stack"]) == expected == app.session_state["builder_layers"]

    reloaded = linked(link)  # a reload: a new session from the same URL
    assert reloaded.session_state["builder_layers"] == expected
    assert shapes(reloaded) == ["(N, 3)", "(N, 10)", "(N, 1)", "(N, 1)"]
    assert metric(reloaded, "Parameters") == "50"
    # And the reloaded page edits on from there.
    reloaded.button(key=f"builder_remove_{ids(reloaded)[2]}").click().run()
    set_param(reloaded, 1, "out_features", 2)
    assert json.loads(reloaded.query_params["builder_stack"]) == [
        REGRESSION[0], {"kind": "Linear", "in_features": 10, "out_features": 2, "bias": False}]
    assert shapes(reloaded)[-1] == "(N, 2)"


def test_loading_a_preset_writes_the_link() -> None:
    app = linked({})
    app.selectbox(key="builder_preset").set_value("notmnist").run()
    app.button(key="builder_load_preset").click().run()
    link = dict(app.query_params)
    assert json.loads(link["builder_stack"]) == layers_to_data(PRESETS["notmnist"].layers)
    assert link["builder_input_text"] == "28, 28"  # a callback set the bound widget: the URL follows
    reloaded = linked(link)
    assert shapes(reloaded) == ["(N, 28, 28)", "(N, 784)", "(N, 256)", "(N, 256)", "(N, 10)"]
    assert metric(reloaded, "Parameters") == "203,530"
    # Back to the default network: the parameter leaves the link.
    reloaded.selectbox(key="builder_preset").set_value("iris").run()
    reloaded.button(key="builder_load_preset").click().run()
    assert "builder_stack" not in dict(reloaded.query_params)


def test_a_cleared_stack_and_a_value_out_of_range_survive_a_reload() -> None:
    app = linked({"builder_stack": "[]"})
    assert app.session_state["builder_layers"] == []
    assert "The network has no layers yet" in " ".join(messages(app))

    broken = [{"kind": "Linear", "in_features": 4, "out_features": 0, "bias": True}, {"kind": "ReLU"}]
    app = linked({"builder_stack": stack_param(broken)})
    assert app.session_state["builder_layers"] == broken
    assert "Layer 1, Linear: out_features must be at least 1, got 0." in [e.value for e in app.error]
    assert app.number_input(key=f"builder_layer_{ids(app)[0]}_out_features").value == 0


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[{"kind": "Conv2d"}]', "unknown layer kind 'Conv2d'"),
        ("__import__('os').system('true')", "not a list of layers written as JSON"),
        ("[" * 5000, "not a list of layers written as JSON"),
        ('{"kind": "ReLU"}', "A network must be a list of layers"),
        (json.dumps([{"kind": "ReLU"}] * 40), "the limit is 32"),
        ('[{"kind": "Linear", "in_features": 4, "out_features": 1e400}]', "finite"),
        ('[{"kind": "Linear", "in_features": 4, "out_features": 100000000000000000000}]', "4,096 units"),
        ('[{"kind": "Linear", "in_features": 4, "out_features": "16"}]', "must be a number"),
        ('[{"kind": "ReLU", "inplace": true}]', "has no parameter 'inplace'"),
    ],
)
def test_a_link_with_an_unusable_network_falls_back_to_the_default(text: str, fragment: str) -> None:
    app = linked({"builder_stack": text})
    [warning] = [w.value for w in app.warning]
    assert warning.startswith("The network in this link could not be used:") and fragment in warning
    assert app.session_state["builder_layers"] == layers_to_data(PRESETS["iris"].layers)
    assert metric(app, "Parameters") == "131"
    assert "builder_stack" not in dict(app.query_params)  # the link is repaired
    assert not app.error


def test_a_link_longer_than_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNLIB_MAX_TEXT_CHARS", "100")
    get_settings.cache_clear()
    try:
        app = linked({"builder_stack": stack_param(REGRESSION)})
        [warning] = [w.value for w in app.warning]
        assert "longer than 100 characters" in warning
    finally:
        get_settings.cache_clear()


# --------------------------------------------------------------------------- planned dataset


def dataset_warnings(app) -> list[str]:
    return [w.value for w in app.get_by_key("builder_dataset_check").warning] if planned_check(app) else []


def planned_check(app) -> bool:
    try:
        app.get_by_key("builder_dataset_check")
    except KeyError:
        return False
    return True


def test_no_planned_dataset_no_check() -> None:
    app = app_test(PAGE).run()
    assert app.selectbox(key="builder_dataset").value == "none"
    assert not planned_check(app)
    assert not messages(app)


def test_planned_notmnist_warns_at_once_about_the_iris_network_and_fixes_it() -> None:
    app = app_test(PAGE).run()
    app.selectbox(key="builder_dataset").set_value("notmnist").run()
    assert not app.exception
    assert dataset_warnings(app) == [
        "notMNIST samples are 28 × 28 images: the Training page feeds them as (N, 28, 28), but this network "
        "takes (N, 4). Begin the stack with Flatten for images.",
        "notMNIST has 10 classes, so the network must end with one score per class, (N, 10), but it ends "
        "with 3 outputs.",
    ]
    # One click each: the last Linear gets 10 outputs, the input box the image's shape.
    fix = app.button(key="builder_fix_dataset_1")
    assert fix.label == "Set out_features of layer 3 to 10"
    fix.click().run()
    assert app.session_state["builder_layers"][2]["out_features"] == 10
    assert shapes(app)[-1] == "(N, 10)"
    assert len(dataset_warnings(app)) == 1
    fix = app.button(key="builder_fix_dataset_0")
    assert fix.label == "Set the input shape to 28, 28"
    fix.click().run()
    assert app.text_input(key="builder_input_text").value == "28, 28"
    assert app.session_state["builder_input_shape"] == [28, 28]
    assert not dataset_warnings(app)
    # The stack itself now says what its first layer needs (the builder's own check).
    assert any("expects 4 input features" in e.value for e in app.error)
    # The course's notMNIST network fits: no warning, a plain yes.
    app.selectbox(key="builder_preset").set_value("notmnist").run()
    app.button(key="builder_load_preset").click().run()
    assert not dataset_warnings(app)
    [fits] = [s.value for s in app.get_by_key("builder_dataset_check").success]
    assert fits == "Fits notMNIST: 28 × 28 images in, (N, 10) out, one score per class."


def test_planned_iris_for_the_binary_network_names_input_output_and_loss() -> None:
    app = app_test(PAGE).run()
    app.selectbox(key="builder_preset").set_value("binary").run()
    app.button(key="builder_load_preset").click().run()
    app.selectbox(key="builder_dataset").set_value("iris").run()
    warnings = dataset_warnings(app)
    assert len(warnings) == 3
    assert "(N, 4), but this network takes (N, 5)" in warnings[0]
    assert "iris" not in warnings[1] and "Iris has 3 classes" in warnings[1] and "ends with 1 output." in warnings[1]
    assert "BCELoss" in warnings[2] and "CrossEntropyLoss" in warnings[2]
    app.button(key="builder_fix_dataset_2").click().run()
    assert app.selectbox(key="builder_loss").value == "CrossEntropyLoss"
    app.button(key="builder_fix_dataset_0").click().run()
    assert app.text_input(key="builder_input_text").value == "4"
    assert len(dataset_warnings(app)) == 1  # the output is still one number


def test_a_link_carries_the_planned_dataset() -> None:
    app = linked({"builder_dataset": "notMNIST: 28 × 28 images → 10 letters"})  # the label shown
    assert app.selectbox(key="builder_dataset").value == "notmnist"
    assert len(dataset_warnings(app)) == 2
