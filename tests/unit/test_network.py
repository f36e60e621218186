"""nnlib.layers against real PyTorch modules and the course texts (002 B.5.2, 003, 004)."""

from __future__ import annotations

import contextlib
import io
import json
import re
import runpy
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from nnlib.activations import ACTIVATIONS
from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.core.formatting import batch_shape_text
from nnlib.core.settings import Settings
from nnlib.layers import (
    BUILDER_LOSSES,
    LAYER_KINDS,
    PLANNED_DATASETS,
    PRESETS,
    LayerSpec,
    NetworkPreset,
    analyze,
    apply_fix,
    architecture_svg,
    as_batch,
    binary_classifier_layers,
    build_model,
    course_layer_names,
    dataset_problems,
    default_class_name,
    layers_from_data,
    layers_to_data,
    linear,
    module_code,
    parameter_cap,
    parameter_count,
    parse_shape,
    sample_input,
    sequential_class_code,
    sequential_code,
    stack_from_link,
    stack_text,
    suggested_layer,
    trace_forward,
)

RELU = LayerSpec("ReLU", {})

# Course 002, B.5.2: print(model) of the Sequential 5 → 5 → 3 → 1 with Sigmoid, verbatim.
COURSE_002_PRINT = """Sequential(
  (0): Linear(in_features=5, out_features=5, bias=True)
  (1): ReLU()
  (2): Linear(in_features=5, out_features=3, bias=True)
  (3): ReLU()
  (4): Linear(in_features=3, out_features=1, bias=True)
  (5): Sigmoid()
)"""

# Course 002, B.5.2: print(bc_model) of BinaryClassifier([5, 5, 3, 1]), verbatim.
COURSE_002_CLASS_PRINT = """BinaryClassifier(
  (linear0): Linear(in_features=5, out_features=5, bias=True)
  (relu0): ReLU()
  (linear1): Linear(in_features=5, out_features=3, bias=True)
  (relu1): ReLU()
  (linear2): Linear(in_features=3, out_features=1, bias=True)
  (sigmoid2): Sigmoid()
)"""


class BinaryClassifier(torch.nn.Sequential):
    """Course 002, B.5.2, as printed there."""

    def __init__(self, layer_dims):
        super().__init__()
        for idx, dim in enumerate(layer_dims):
            if idx < len(layer_dims) - 1:
                module = torch.nn.Linear(dim, layer_dims[idx + 1])
                self.add_module(f"linear{idx}", module)
            if idx < len(layer_dims) - 2:
                activation = torch.nn.ReLU()
                self.add_module(f"relu{idx}", activation)
            elif idx == len(layer_dims) - 2:
                activation = torch.nn.Sigmoid()
                self.add_module(f"sigmoid{idx}", activation)


def concrete(shape: tuple, batch: int) -> tuple[int, ...]:
    return tuple(batch if n == "N" else n for n in shape)


def assert_matches_torch(layers, input_shape, batch: int = 2) -> None:
    """analyze()'s shapes and parameter counts equal those of the real torch forward."""
    summary = analyze(layers, input_shape)
    assert summary.ok, [p.message for p in summary.errors]
    model = build_model(layers).eval()
    x = torch.randn(batch, *input_shape)
    with torch.no_grad():
        for row, module in zip(summary.layers, model, strict=True):
            assert concrete(row.input_shape, batch) == tuple(x.shape)
            x = module(x)
            assert concrete(row.output_shape, batch) == tuple(x.shape), row.label
            assert row.params == parameter_count(module), row.label
    assert summary.total_params == parameter_count(model)
    assert concrete(summary.output_shape, batch) == tuple(x.shape)


def run_exported(code: str) -> tuple[dict, str]:
    namespace: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<exported>", "exec"), namespace)
    return namespace, out.getvalue()


def assert_export_runs(layers, input_shape) -> None:
    summary = analyze(layers, input_shape)
    for code in (sequential_code(layers, input_shape), module_code(layers, input_shape),
                 sequential_class_code(layers, input_shape)):
        namespace, printed = run_exported(code)
        model = namespace["model"]
        assert isinstance(model, nn.Module)
        assert parameter_count(model) == summary.total_params
        output = model(torch.randn(3, *input_shape))
        assert tuple(output.shape) == concrete(summary.output_shape, 3)
        # The code's own forward on torch.randn(2, *input_shape) printed the same shape.
        assert f"torch.Size({list(concrete(summary.output_shape, 2))})" in printed
        assert f"{summary.total_params}\n" in printed


# --------------------------------------------------------------------------- presets


EXPECTED_PRESETS = {
    # name: (input shape, output shape, parameters worked out by hand: in*out + out per Linear)
    "iris": ((4,), ("N", 3), 4 * 16 + 16 + 16 * 3 + 3),  # 131
    "notmnist": ((28, 28), ("N", 10), 784 * 256 + 256 + 256 * 10 + 10),  # 203,530
    "regression": ((3,), ("N", 1), 3 * 10 + 10 + 10 * 20 + 20 + 20 * 1 + 1),  # 281
    "binary": ((5,), ("N", 1), 5 * 5 + 5 + 5 * 3 + 3 + 3 * 1 + 1),  # 52
}


def test_presets_are_the_course_networks() -> None:
    assert set(PRESETS) == set(EXPECTED_PRESETS)
    for name, (input_shape, output_shape, params) in EXPECTED_PRESETS.items():
        preset = PRESETS[name]
        assert isinstance(preset, NetworkPreset) and preset.name == name
        assert preset.input_shape == input_shape
        summary = analyze(preset.layers, preset.input_shape, loss=preset.loss)
        assert summary.output_shape == output_shape
        assert summary.total_params == params
        assert summary.problems == ()
        assert preset.loss in BUILDER_LOSSES
    assert EXPECTED_PRESETS["notmnist"][2] == 203_530


@pytest.mark.parametrize("name", sorted(EXPECTED_PRESETS))
def test_preset_shapes_and_params_match_torch(name: str) -> None:
    preset = PRESETS[name]
    assert_matches_torch(preset.layers, preset.input_shape)


@pytest.mark.parametrize("name", sorted(EXPECTED_PRESETS))
def test_preset_exported_code_runs(name: str) -> None:
    preset = PRESETS[name]
    assert_export_runs(preset.layers, preset.input_shape)


def test_iris_preset_is_course_004_sequential() -> None:
    expected = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    assert str(build_model(PRESETS["iris"].layers)) == str(expected)


def test_binary_preset_prints_as_in_course_002() -> None:
    assert str(build_model(PRESETS["binary"].layers)) == COURSE_002_PRINT


def test_binary_preset_computes_what_course_binary_classifier_computes() -> None:
    torch.manual_seed(0)
    course = BinaryClassifier([5, 5, 3, 1])
    ours = build_model(binary_classifier_layers([5, 5, 3, 1]))
    assert [type(m) for m in ours] == [type(m) for m in course]
    assert parameter_count(ours) == parameter_count(course) == 52
    ours.load_state_dict(dict(zip(ours.state_dict(), course.state_dict().values(), strict=True)))
    x = torch.randn(7, 5)
    assert torch.equal(ours(x), course(x))
    assert binary_classifier_layers([5, 5, 3, 1]) == PRESETS["binary"].layers


def run_file(code: str, tmp_path) -> tuple[dict, str]:
    """Run exported code as a file of its own (runpy), the way a student runs it."""
    path = tmp_path / "model.py"
    path.write_text(code, encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        namespace = runpy.run_path(str(path), run_name="__main__")
    return namespace, out.getvalue()


def test_course_class_prints_as_the_course_text() -> None:
    assert str(BinaryClassifier([5, 5, 3, 1])) == COURSE_002_CLASS_PRINT  # the oracle itself


def test_class_export_prints_course_002_binary_classifier_exactly(tmp_path) -> None:
    layers = PRESETS["binary"].layers  # 5 → 5 → 3 → 1, ReLU hidden, Sigmoid output
    code = sequential_class_code(layers, (5,), default_class_name("BCELoss"))
    assert "class BinaryClassifier(nn.Sequential):" in code
    assert "layer_dims = [5, 5, 3, 1]" in code and "model = BinaryClassifier(layer_dims)" in code
    path = tmp_path / "model_class.py"
    path.write_text(code, encoding="utf-8")
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    printed = result.stdout.splitlines()
    assert "\n".join(printed[:8]) == COURSE_002_CLASS_PRINT  # print(model), character for character
    assert printed[8:] == ["torch.Size([2, 1])", "52"]
    # Run again in this process: the exported model computes what the course's class computes.
    namespace, _ = run_file(code, tmp_path)
    model = namespace["model"]
    assert str(model) == COURSE_002_CLASS_PRINT
    course = BinaryClassifier([5, 5, 3, 1])
    model.load_state_dict(course.state_dict())  # the same names, so the course's weights load as they are
    x = torch.randn(4, 5)
    assert torch.equal(model(x), course(x))


def test_class_export_of_other_stacks_adds_each_module_by_name(tmp_path) -> None:
    notmnist = PRESETS["notmnist"].layers
    code = sequential_class_code(notmnist, (28, 28), "LetterNet")
    assert "layer_dims" not in code  # Flatten first: not the course's pattern
    namespace, printed = run_file(code, tmp_path)
    assert str(namespace["model"]) == (
        "LetterNet(\n"
        "  (flatten0): Flatten(start_dim=1, end_dim=-1)\n"
        "  (linear0): Linear(in_features=784, out_features=256, bias=True)\n"
        "  (relu0): ReLU()\n"
        "  (linear1): Linear(in_features=256, out_features=10, bias=True)\n"
        ")"
    )
    assert "torch.Size([2, 10])\n203530\n" in printed
    # Tanh between the layers, no output activation: the course's loop with Tanh, no elif.
    code = sequential_class_code([linear(3, 10), LayerSpec("Tanh", {}), linear(10, 1)], (3,), "Regressor")
    assert "activation = nn.Tanh()" in code and "elif" not in code
    namespace, _ = run_file(code, tmp_path)
    assert [name for name, _ in namespace["model"].named_children()] == ["linear0", "tanh0", "linear1"]
    with pytest.raises(InputError) as raised:
        sequential_class_code(notmnist, (28, 28), "class")
    assert raised.value.code == "layers.bad_class_name"


def test_course_layer_names() -> None:
    layers = [LayerSpec("Flatten", {}), linear(784, 16), RELU, LayerSpec("Dropout", {"p": 0.2}),
              LayerSpec("Dropout", {"p": 0.1}), linear(16, 3), LayerSpec("LogSoftmax", {"dim": 1})]
    assert course_layer_names(layers) == [
        "flatten0", "linear0", "relu0", "dropout0", "dropout0_2", "linear1", "log_softmax1"]
    assert course_layer_names(PRESETS["binary"].layers) == [
        "linear0", "relu0", "linear1", "relu1", "linear2", "sigmoid2"]
    assert [default_class_name(loss) for loss in ("BCELoss", "CrossEntropyLoss", "MSELoss", None)] == [
        "BinaryClassifier", "Classifier", "Regressor", "Net"]


def test_course_presets_fit_the_datasets_they_were_written_for() -> None:
    for dataset, preset in (("iris", "iris"), ("notmnist", "notmnist")):
        summary = analyze(PRESETS[preset].layers, PRESETS[preset].input_shape, loss=PRESETS[preset].loss)
        assert dataset_problems(summary, dataset) == []
    assert PLANNED_DATASETS["iris"].input_shape == (4,) and PLANNED_DATASETS["iris"].classes == 3
    assert PLANNED_DATASETS["notmnist"].input_shape == (28, 28) and PLANNED_DATASETS["notmnist"].classes == 10


def test_dataset_problems_name_the_misfit_and_fix_it() -> None:
    iris = PRESETS["iris"]
    summary = analyze(iris.layers, iris.input_shape, loss="CrossEntropyLoss")
    shape, classes = dataset_problems(summary, "notmnist")
    assert shape.code == "layers.dataset_input_shape" and shape.severity == "warning"
    assert shape.fix.action == "input_shape" and shape.fix.value == (28, 28)
    assert "(N, 28, 28), but this network takes (N, 4)" in shape.message
    assert classes.code == "layers.dataset_classes" and classes.details == {
        "dataset": "notmnist", "dataset_label": "notMNIST", "classes": 10, "count": 3, "expected_text": "(N, 10)"}
    fixed = apply_fix(iris.layers, classes.fix)
    assert analyze(fixed, (4,)).output_shape == ("N", 10)
    assert [p.code for p in dataset_problems(analyze(fixed, (4,)), "notmnist")] == ["layers.dataset_input_shape"]
    # The 784-feature version of the letters network: the Training page feeds 28 × 28 images.
    flat = list(PRESETS["notmnist"].layers)[1:]
    [problem] = dataset_problems(analyze(flat, (784,)), "notmnist")
    assert problem.code == "layers.dataset_input_shape" and "Flatten" in problem.message
    # Linear on an image without Flatten: one row of scores per sample is missing.
    [rank] = dataset_problems(analyze([linear(28, 10)], (28, 28)), "notmnist")
    assert rank.code == "layers.dataset_output_rank" and "(N, 28, 10)" in rank.message
    # A loss for another task: the Training page trains classifiers with CrossEntropyLoss.
    binary = PRESETS["binary"]
    codes = [p.code for p in dataset_problems(analyze(binary.layers, (5,), loss="BCELoss"), "iris")]
    assert codes == ["layers.dataset_input_shape", "layers.dataset_classes", "layers.dataset_loss"]
    with pytest.raises(ValueError):
        apply_fix(binary.layers, dataset_problems(analyze(binary.layers, (5,)), "iris")[0].fix)


def test_regression_preset_on_course_004_input() -> None:
    # 004 «Собираем нейросеть»: X is 3 × 3, the prediction a (3 × 1) matrix.
    x = torch.tensor([[0.4, -0.5, 0.9], [0.3, 0.2, -0.1], [0.1, 0.7, -0.2]])
    steps = trace_forward(PRESETS["regression"].layers, x)
    assert [s.shape for s in steps] == [(3, 3), (3, 10), (3, 10), (3, 20), (3, 20), (3, 1)]


def test_notmnist_preset_matches_course_003_simple_model() -> None:
    # 003 «Построение модели»: reshape to 28 * 28, Linear(784, 256), ReLU, Linear(256, 10).
    class SimpleModel(nn.Module):
        def __init__(self, num_classes: int):
            super().__init__()
            self.linear_1 = nn.Linear(in_features=28 * 28, out_features=256)
            self.act_1 = nn.ReLU()
            self.linear_2 = nn.Linear(in_features=256, out_features=num_classes)

        def forward(self, x):
            x = x.reshape((-1, 28 * 28))
            for one_transform in (self.linear_1, self.act_1, self.linear_2):
                x = one_transform(x)
            return x

    torch.manual_seed(1)
    course = SimpleModel(num_classes=10)
    ours = build_model(PRESETS["notmnist"].layers)
    assert parameter_count(ours) == parameter_count(course)
    ours[1].load_state_dict(course.linear_1.state_dict())
    ours[3].load_state_dict(course.linear_2.state_dict())
    images = torch.rand(4, 28, 28)
    assert torch.allclose(ours(images), course(images))


def test_layers_data_round_trip_is_plain_json() -> None:
    for preset in PRESETS.values():
        data = layers_to_data(preset.layers)
        assert json.loads(json.dumps(data)) == data
        assert layers_from_data(data) == list(preset.layers)
    compact = [{"kind": "Linear", "in_features": 4, "out_features": 16}, {"kind": "ReLU"}]
    layers = layers_from_data(compact)
    assert layers[0] == LayerSpec("Linear", {"in_features": 4, "out_features": 16, "bias": True})
    assert layers_to_data(layers)[1] == {"kind": "ReLU"}


# --------------------------------------------------------------------------- problems


def test_mismatch_message_and_one_click_fix() -> None:
    layers = [linear(4, 16), RELU, linear(10, 20)]
    summary = analyze(layers, (4,))
    [error] = summary.errors
    assert error.code == "layers.mismatch" and error.layer == 2
    assert error.message == "Linear(10 → 20) expects 10 input features but layer 2 outputs 16."
    assert error.details == {"label": "Linear(10 → 20)", "source": 2, "param": "in_features", "expected": 10, "actual": 16}
    assert error.fix.label == "Set in_features to 16"
    fixed = apply_fix(layers, error.fix)
    assert fixed[2] == linear(16, 20)
    assert layers[2] == linear(10, 20)  # the original stack is left alone
    assert analyze(fixed, (4,)).ok
    # Layers after a mismatch are still followed (with the layer's declared width).
    assert summary.output_shape == ("N", 20)


def test_build_model_refuses_stacks_that_cannot_run() -> None:
    layers = [linear(4, 16), RELU, LayerSpec("Dropout", {"p": 0.1}), linear(10, 20)]
    with pytest.raises(InputError) as raised:
        build_model(layers)
    assert raised.value.code == "layers.mismatch"
    assert raised.value.message == "Linear(10 → 20) expects 10 input features but layer 3 outputs 16."
    # After a Flatten the width is unknown without an input shape ...
    build_model([linear(4, 16), LayerSpec("Flatten", {}), linear(10, 20)])
    # ... and known with one.
    with pytest.raises(InputError) as raised:
        build_model([linear(4, 16), LayerSpec("Flatten", {}), linear(10, 20)], (4,))
    assert raised.value.message == "Linear(10 → 20) expects 10 input features but layer 2 outputs 16."
    with pytest.raises(InputError) as raised:
        build_model(PRESETS["notmnist"].layers, (28,))
    assert raised.value.message == "Linear(784 → 256) expects 784 input features but layer 1 outputs 28."
    assert len(build_model(PRESETS["notmnist"].layers, (28, 28))) == 4


def test_mismatch_on_the_first_layer_names_the_input() -> None:
    [error] = analyze([linear(3, 8)], (4,)).errors
    assert error.message == "Linear(3 → 8) expects 3 input features but the input has 4."


def test_images_without_flatten_suggest_flatten() -> None:
    layers = [linear(784, 256), RELU, linear(256, 10)]
    [error] = analyze(layers, (28, 28)).errors
    assert error.code == "layers.needs_flatten"
    assert "28 × 28 = 784" in error.message
    fixed = apply_fix(layers, error.fix)
    assert fixed[0].kind == "Flatten"
    assert_matches_torch(fixed, (28, 28))


def test_linear_on_a_grid_warns_that_it_acts_on_the_last_dim() -> None:
    summary = analyze([linear(28, 5)], (28, 28))
    assert summary.ok and summary.output_shape == ("N", 28, 5)
    assert [w.code for w in summary.warnings] == ["layers.linear_on_last_dim"]


def test_two_linear_layers_without_activation_collapse() -> None:
    layers = [linear(4, 16), LayerSpec("Dropout", {"p": 0.2}), linear(16, 3)]
    summary = analyze(layers, (4,))
    assert summary.ok
    [warning] = summary.warnings
    assert warning.code == "layers.collapse" and warning.layer == 2
    assert "one linear map 4 → 3" in warning.message
    fixed = apply_fix(layers, warning.fix)
    assert [s.kind for s in fixed] == ["Linear", "ReLU", "Dropout", "Linear"]
    assert analyze(fixed, (4,)).problems == ()
    # The collapse is real: in eval mode the two layers equal one matrix W2 @ W1.
    model = build_model([linear(4, 16), linear(16, 3)])
    w = model[1].weight @ model[0].weight
    b = model[1].weight @ model[0].bias + model[1].bias
    x = torch.randn(5, 4)
    assert torch.allclose(model(x), x @ w.T + b, atol=1e-6)


def test_softmax_before_cross_entropy_warns_and_fix_removes_it() -> None:
    layers = [*PRESETS["iris"].layers, LayerSpec("Softmax", {"dim": 1})]
    for loss in (None, "CrossEntropyLoss"):
        summary = analyze(layers, (4,), loss=loss)
        assert summary.ok
        [warning] = summary.warnings
        assert warning.code == "layers.softmax_before_ce" and warning.layer == 3
        assert "CrossEntropyLoss applies LogSoftmax itself" in warning.message
        assert apply_fix(layers, warning.fix) == list(PRESETS["iris"].layers)
    assert analyze(layers, (4,), loss="MSELoss").problems == ()


def test_last_layer_checked_against_the_loss() -> None:
    iris = list(PRESETS["iris"].layers)
    [warning] = analyze(iris, (4,), loss="BCELoss").warnings
    assert warning.code == "layers.loss_needs_sigmoid"
    assert apply_fix(iris, warning.fix)[-1].kind == "Sigmoid"
    [warning] = analyze([*iris, LayerSpec("Softmax", {"dim": 1})], (4,), loss="NLLLoss").warnings
    assert warning.code == "layers.loss_needs_log_softmax" and warning.fix.action == "replace"
    binary = list(PRESETS["binary"].layers)
    [warning] = analyze(binary, (5,), loss="BCEWithLogitsLoss").warnings
    assert warning.code == "layers.activation_before_logits_loss"
    assert analyze(binary, (5,), loss="BCELoss").problems == ()


def test_softmax_dims() -> None:
    softmax = LayerSpec("Softmax", {"dim": 2})
    [error] = analyze([linear(4, 3), softmax], (4,)).errors
    assert error.code == "layers.dim_out_of_range" and error.fix.value == 1
    [warning] = analyze([linear(4, 3), LayerSpec("Softmax", {"dim": 0})], (4,), loss="MSELoss").warnings
    assert warning.code == "layers.softmax_over_batch"
    # The warning is about something real: dim=0 sums to 1 down the batch.
    out = build_model([LayerSpec("Softmax", {"dim": 0})])(torch.randn(5, 3))
    assert torch.allclose(out.sum(0), torch.ones(3))


def test_flatten_dims() -> None:
    assert analyze([LayerSpec("Flatten", {"start_dim": 2})], (3, 4, 5)).output_shape == ("N", 3, 20)
    assert analyze([LayerSpec("Flatten", {"start_dim": 1, "end_dim": -2})], (3, 4, 5)).output_shape == (
        "N", 12, 5)
    codes = {
        (0, -1): "layers.flatten_batch",
        (1, 5): "layers.dim_out_of_range",
        (2, 1): "layers.dim_order",
    }
    for (start, end), code in codes.items():
        [error] = analyze([LayerSpec("Flatten", {"start_dim": start, "end_dim": end})], (3, 4)).errors
        assert error.code == code


def test_batchnorm_shapes_and_params() -> None:
    layers = [linear(4, 8), LayerSpec("BatchNorm1d", {"num_features": 8}), RELU]
    assert_matches_torch(layers, (4,))
    assert analyze(layers, (4,)).layers[1].params == 16
    assert analyze([LayerSpec("BatchNorm1d", {"num_features": 3, "affine": False})], (3, 7)).total_params == 0
    [error] = analyze([LayerSpec("BatchNorm1d", {"num_features": 5})], (8,)).errors
    assert error.message == "BatchNorm1d(5) expects 5 channels but the input has 8."
    [error] = analyze([LayerSpec("BatchNorm1d", {"num_features": 2})], (2, 3, 4)).errors
    assert error.code == "layers.bad_rank"


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("params", "code", "fragment"),
    [
        ({"in_features": 4, "out_features": 0}, "params.too_small", "out_features must be at least 1, got 0"),
        ({"in_features": -3, "out_features": 2}, "params.too_small", "in_features must be at least 1, got -3"),
        ({"in_features": 4, "out_features": 10**9}, "layers.too_wide", "limit of 4,096 units"),
        ({"in_features": 4, "out_features": 2.5}, "params.not_whole", "whole number"),
        ({"in_features": 4, "out_features": "16"}, "params.not_a_number", "must be a number"),
        ({"in_features": 4, "out_features": True}, "params.not_a_number", "must be a number"),
        ({"in_features": 4}, "params.missing", "needs out_features"),
        ({"in_features": 4, "out_features": 3, "bias": 1}, "params.not_bool", "True or False"),
        ({"in_features": 4, "out_features": 3, "units": 3}, "params.unknown", "no parameter 'units'"),
    ],
)
def test_bad_layer_arguments_are_clear_and_keep_the_stack(params: dict, code: str, fragment: str) -> None:
    settings = Settings(max_units=4096)
    data = [{"kind": "Linear", **params}, {"kind": "ReLU"}]
    with pytest.raises(InputError) as raised:
        layers_from_data(data, settings=settings)
    assert raised.value.code == code and fragment in raised.value.message
    assert raised.value.message.startswith("Layer 1, Linear")
    # analyze reports the same as a problem on that layer and keeps every layer.
    layers = [LayerSpec("Linear", params), RELU, linear(3, 2)]
    summary = analyze(layers, (4,), settings=settings)
    assert len(summary.layers) == 3
    assert summary.errors[0].code == code and summary.errors[0].layer == 0
    with pytest.raises(InputError):
        build_model(layers, settings=settings)


def test_dropout_and_float_limits() -> None:
    for p, ok in ((0.0, True), (1.0, True), (1.5, False), (-0.1, False), (float("nan"), False)):
        summary = analyze([LayerSpec("Dropout", {"p": p})], (4,))
        assert summary.ok is ok, p
    [error] = analyze([LayerSpec("BatchNorm1d", {"num_features": 4, "eps": 0.0})], (4,)).errors
    assert error.code == "params.not_above" and "greater than 0" in error.message


def test_unknown_kind_and_bad_shapes_of_data() -> None:
    with pytest.raises(InputError) as raised:
        layers_from_data([{"kind": "Conv2d"}])
    assert raised.value.code == "layers.unknown_kind" and "Linear" in raised.value.message
    for bad in ({"kind": "ReLU"}, ["ReLU"], [{"in_features": 3}], "Linear"):
        with pytest.raises(InputError):
            layers_from_data(bad)
    summary = analyze([LayerSpec("Conv2d", {}), RELU], (4,))
    assert summary.errors[0].code == "layers.unknown_kind" and len(summary.layers) == 2


def test_empty_and_too_long_stacks() -> None:
    summary = analyze([], (4,))
    assert [p.code for p in summary.errors] == ["layers.empty"]
    with pytest.raises(InputError) as raised:
        build_model([])
    assert raised.value.code == "layers.empty"
    with pytest.raises(InputError) as raised:
        layers_from_data([])
    assert raised.value.code == "layers.empty"
    small = Settings(max_layers=3)
    layers = [linear(4, 4), RELU, linear(4, 4), RELU]
    assert [p.code for p in analyze(layers, (4,), settings=small).errors] == ["layers.too_many_layers"]
    with pytest.raises(InputError) as raised:
        layers_from_data(layers_to_data(layers), settings=small)
    assert raised.value.details == {"count": 4, "limit": 3}


def test_parameter_cap_comes_from_settings() -> None:
    small = Settings(max_units=64, max_params=4 * 64 * 64)
    assert parameter_cap(small) == 4 * 64 * 64
    layers = [linear(64, 64), RELU] * 5
    summary = analyze(layers, (64,), settings=small)
    assert [p.code for p in summary.errors] == ["layers.too_many_params"]
    with pytest.raises(InputError) as raised:
        build_model(layers, settings=small)
    assert raised.value.details["count"] == 5 * (64 * 64 + 64)


def test_parse_shape() -> None:
    for text, shape in {"4": (4,), "28, 28": (28, 28), "(28, 28)": (28, 28), "28x28": (28, 28),
                        "N, 4": (4,), " [3 , 4, 5] ": (3, 4, 5)}.items():
        assert parse_shape(text) == shape
    for text, code in {"": "layers.shape_empty", "0": "layers.shape_too_small", "4, -1": "layers.shape_too_small",
                       "a": "layers.shape_not_a_number", "4.5": "layers.shape_not_a_number",
                       "1000, 1000": "layers.shape_too_large", "1,1,1,1,1,1": "layers.shape_too_many_dims"}.items():
        with pytest.raises(InputError) as raised:
            parse_shape(text)
        assert raised.value.code == code and raised.value.field == "input_shape", text
    with pytest.raises(InputError):
        analyze([RELU], (0,))


# --------------------------------------------------------------------------- forward pass


def test_trace_forward_is_the_model_forward() -> None:
    layers = list(PRESETS["iris"].layers)
    x = sample_input((4,), batch_size=3, seed=5)
    assert torch.equal(x, sample_input((4,), batch_size=3, seed=5))
    steps = trace_forward(layers, x, seed=7)
    assert [s.label for s in steps] == ["input", "Linear(4 → 16)", "ReLU", "Linear(16 → 3)"]
    assert [s.shape for s in steps] == [(3, 4), (3, 16), (3, 16), (3, 3)]
    torch.manual_seed(7)
    model = build_model(layers)
    assert torch.allclose(steps[-1].output, model(x))
    assert torch.equal(steps[2].output, steps[1].output.clamp(min=0))
    # The global RNG is left as it was.
    torch.manual_seed(0)
    before = torch.rand(1)
    torch.manual_seed(0)
    trace_forward(layers, x)
    assert torch.equal(torch.rand(1), before)


def test_trace_forward_dropout_modes() -> None:
    layers = [LayerSpec("Dropout", {"p": 0.5})]
    x = torch.ones(4, 50)
    assert torch.equal(trace_forward(layers, x)[-1].output, x)
    trained = trace_forward(layers, x, train=True)[-1].output
    assert set(trained.unique().tolist()) <= {0.0, 2.0} and (trained == 0).any()


def test_sample_caps_and_typed_samples() -> None:
    with pytest.raises(InputError) as raised:
        sample_input((28, 28), batch_size=20)
    assert raised.value.code == "layers.batch_too_large"
    with pytest.raises(InputError):
        sample_input((4,), batch_size=0)
    for seed in (-1, 2**64, 1.5, True):
        with pytest.raises(InputError) as raised:
            sample_input((4,), seed=seed)
        assert raised.value.code == "layers.bad_seed"
    with pytest.raises(InputError):
        trace_forward([RELU], torch.ones(1, 4), seed=-5)
    assert as_batch(torch.tensor([1, 2, 3]), (3,)).shape == (1, 3)
    assert as_batch(torch.ones(2, 3, dtype=torch.float64), (3,)).dtype == torch.float32
    with pytest.raises(InputError) as raised:
        as_batch(torch.ones(2, 4), (3,))
    assert raised.value.code == "layers.sample_shape" and "(N, 3)" in raised.value.message


def test_suggested_layer_fits_the_stack() -> None:
    layers = list(PRESETS["notmnist"].layers)
    assert suggested_layer("Linear", layers, (28, 28)).params["in_features"] == 10
    assert suggested_layer("BatchNorm1d", layers, (28, 28)).params["num_features"] == 10
    assert suggested_layer("Linear", [], (28, 28)).params["in_features"] == 28
    assert suggested_layer("Dropout", layers, (28, 28)) == LayerSpec("Dropout", {"p": 0.5})


def test_every_kind_has_defaults_that_build() -> None:
    assert {"Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Dropout",
            "BatchNorm1d", "Flatten"} <= set(LAYER_KINDS)
    for name, kind in LAYER_KINDS.items():
        module = build_model([LayerSpec(name, kind.defaults())])[0]
        assert isinstance(module, kind.module)
        assert parameter_count(module) == kind.count_params(kind.defaults())


# --------------------------------------------------------------------------- drawing


def test_architecture_svg_has_a_box_per_layer_with_shapes() -> None:
    layers = [linear(4, 16), RELU, linear(10, 3)]
    summary = analyze(layers, (4,))
    root = ET.fromstring(architecture_svg(summary))
    rects = root.findall("{http://www.w3.org/2000/svg}rect")
    assert len(rects) == 4  # the input and three layers
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    for shape in ("(N, 4)", "(N, 16)", "(N, 3)"):
        assert shape in texts
    assert "80 params" in texts and "3. Linear" in texts
    assert rects[3].get("stroke") == "#d62728"  # the mismatched layer is outlined in red
    # Wider layers are taller boxes.
    assert float(rects[1].get("height")) > float(rects[0].get("height"))


def test_architecture_svg_wraps_long_stacks() -> None:
    layers = [linear(8, 8), RELU] * 10
    root = ET.fromstring(architecture_svg(analyze(layers, (8,)), per_row=7))
    assert len(root.findall("{http://www.w3.org/2000/svg}rect")) == 21
    assert len(root.findall("{http://www.w3.org/2000/svg}polyline")) == 2  # two wraps into three rows


# --------------------------------------------------------------------------- property


# Kinds whose arguments depend on the shape so far (the rest draw theirs from their Params).
SHAPE_KINDS = ("Linear", "BatchNorm1d", "Flatten")


def param_values(draw, kind, ndim: int) -> dict:
    """Arguments for a kind drawn from its own Params' limits (``dim`` among the shape's dims)."""
    values = {}
    for spec in kind.params:
        if spec.name == "dim":
            values["dim"] = draw(st.integers(-ndim, ndim - 1))
        elif spec.kind == "bool":
            values[spec.name] = draw(st.booleans())
        else:
            low = -2.0 if spec.minimum is None else spec.minimum
            high = 2.0 if spec.maximum is None else spec.maximum
            values[spec.name] = draw(st.floats(low, high, exclude_min=not spec.minimum_inclusive))
    return values


@st.composite
def valid_stacks(draw) -> tuple[list[LayerSpec], tuple[int, ...]]:
    """Stacks of every kind in the registry (a new activation layer included, with no edit here)."""
    input_shape = tuple(draw(st.lists(st.integers(1, 6), min_size=1, max_size=3)))
    shape = [None, *input_shape]  # None stands for the batch
    layers = []
    for _ in range(draw(st.integers(1, 8))):
        kinds = ["Linear", *(name for name in LAYER_KINDS if name not in SHAPE_KINDS)]
        if len(shape) > 2:
            kinds.append("Flatten")
        if len(shape) in (2, 3):
            kinds.append("BatchNorm1d")
        kind = draw(st.sampled_from(kinds))
        ndim = len(shape)
        if kind == "Linear":
            out = draw(st.integers(1, 12))
            params = {"in_features": shape[-1], "out_features": out, "bias": draw(st.booleans())}
            shape[-1] = out
        elif kind == "BatchNorm1d":
            params = {"num_features": shape[1], "affine": draw(st.booleans())}
        elif kind == "Flatten":
            start = draw(st.integers(1, ndim - 1))
            end = draw(st.integers(start, ndim - 1))
            params = {
                "start_dim": start - ndim if draw(st.booleans()) else start,
                "end_dim": end - ndim if draw(st.booleans()) else end,
            }
            merged = 1
            for n in shape[start:end + 1]:
                merged *= n
            shape = shape[:start] + [merged] + shape[end + 1:]
        else:
            params = param_values(draw, LAYER_KINDS[kind], ndim)
        layers.append(LayerSpec(kind, params))
    return layers, input_shape


@settings(max_examples=300, deadline=None)
@given(valid_stacks(), st.integers(2, 4))
def test_analysis_equals_torch_on_random_stacks(stack, batch: int) -> None:
    layers, input_shape = stack
    assert_matches_torch(layers, input_shape, batch)
    assert batch_shape_text(analyze(layers, input_shape).output_shape).startswith("(N")


@settings(max_examples=100, deadline=None)
@given(valid_stacks())
def test_exported_code_runs_on_random_stacks(stack) -> None:
    layers, input_shape = stack
    assert_export_runs(layers, input_shape)
    namespace, _ = run_exported(sequential_code(layers, input_shape))
    assert str(namespace["model"]) == str(build_model(layers))


# --------------------------------------------------------------------------- one registry per concept


def test_activation_layers_come_from_the_activation_records() -> None:
    offered = [name for name, record in ACTIVATIONS.items() if record.layer]
    assert {"ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "Hardtanh"} <= set(offered)
    activation_kinds = [name for name, kind in LAYER_KINDS.items() if kind.role == "activation"]
    assert activation_kinds == [*offered, "LogSoftmax"]  # LogSoftmax: a layer, not an activation record
    assert list(LAYER_KINDS)[:1] == ["Linear"] and list(LAYER_KINDS)[-3:] == ["Dropout", "BatchNorm1d", "Flatten"]
    for name in offered:
        record, kind = ACTIVATIONS[name], LAYER_KINDS[name]
        assert kind.module is record.module and kind.description == record.layer_description
        assert kind.attribute == record.attribute
        assert kind.params[:len(record.parameters)] == record.parameters  # the one Param type, shared
        assert [p.name for p in kind.params] == [p.name for p in record.parameters] + (["dim"] if record.along_dim else [])


@pytest.mark.parametrize("name", [name for name, record in ACTIVATIONS.items() if record.layer])
def test_every_activation_layer_computes_what_torch_computes(name: str) -> None:
    """Built by the builder, the layer equals the activation's own torch module, at its defaults
    and at the far ends of its parameters' limits."""
    record, kind = ACTIVATIONS[name], LAYER_KINDS[name]
    x = torch.linspace(-8, 8, 40).reshape(5, 8)
    settings_to_try = [kind.defaults()]
    for spec in record.parameters:
        for end in (spec.minimum, spec.maximum):
            if end is not None and (end != spec.minimum or spec.minimum_inclusive):
                settings_to_try.append({**kind.defaults(), spec.name: end})
    for params in settings_to_try:
        layer = LayerSpec(name, params)
        assert analyze([layer], (8,)).ok
        expected = record.module(**params)(x)
        assert torch.equal(build_model([layer])(x), expected)
        namespace, _ = run_exported(sequential_code([layer], (8,)))
        assert torch.equal(namespace["model"](x), expected)


def test_hardtanh_is_a_layer_with_its_record_arguments() -> None:
    layers = [linear(4, 8), LayerSpec("Hardtanh", {"min_val": -2.0, "max_val": 0.5}), linear(8, 3)]
    summary = analyze(layers, (4,))
    assert summary.ok and summary.layers[1].label == "Hardtanh(-2, 0.5)"
    assert "    nn.Hardtanh(min_val=-2.0, max_val=0.5),  # -> (N, 8)" in sequential_code(layers, (4,))
    assert course_layer_names(layers) == ["linear0", "hardtanh0", "linear1"]
    assert str(build_model(layers)[1]) == "Hardtanh(min_val=-2.0, max_val=0.5)"
    [error] = analyze([LayerSpec("Hardtanh", {"min_val": 1.0})], (4,)).errors
    assert error.code == "params.too_large" and error.message == "Layer 1, Hardtanh: min_val must be at most 0, got 1."


def test_builder_losses_are_the_loss_records_the_builder_offers() -> None:
    assert list(BUILDER_LOSSES) == ["CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "MSELoss"]
    assert {name: loss.expects for name, loss in BUILDER_LOSSES.items()} == {
        "CrossEntropyLoss": "logits", "NLLLoss": "log_probabilities", "BCELoss": "probabilities",
        "BCEWithLogitsLoss": "logits", "MSELoss": "values"}
    assert BUILDER_LOSSES["CrossEntropyLoss"].output_note == "Multi-class: raw scores (logits); applies LogSoftmax itself."


def _every_problem() -> list:
    """Problems of all kinds, from the stacks the tests above break."""
    softmax, log_softmax = LayerSpec("Softmax", {"dim": 1}), LayerSpec("LogSoftmax", {"dim": 1})
    cases = [
        ([linear(4, 16), RELU, linear(10, 20)], (4,), None), ([linear(3, 8)], (4,), None),
        ([linear(784, 10)], (28, 28), None), ([RELU, linear(784, 10)], (28, 28), None),
        ([linear(28, 5)], (28, 28), None), ([linear(4, 16), linear(16, 3)], (4,), None),
        ([*PRESETS["iris"].layers, softmax], (4,), None), ([*PRESETS["iris"].layers, softmax], (4,), "NLLLoss"),
        ([*PRESETS["iris"].layers, softmax], (4,), "CrossEntropyLoss"), (list(PRESETS["iris"].layers), (4,), "NLLLoss"),
        (list(PRESETS["iris"].layers), (4,), "BCELoss"), ([linear(4, 3), log_softmax], (4,), "BCEWithLogitsLoss"),
        ([linear(4, 3), LayerSpec("Softmax", {"dim": 2})], (4,), None),
        ([linear(4, 3), LayerSpec("Softmax", {"dim": 0})], (4,), "MSELoss"),
        ([LayerSpec("BatchNorm1d", {"num_features": 5})], (8,), None),
        ([RELU, LayerSpec("BatchNorm1d", {"num_features": 5})], (8,), None),
        ([LayerSpec("BatchNorm1d", {"num_features": 2})], (2, 3, 4), None),
        ([RELU, LayerSpec("BatchNorm1d", {"num_features": 2})], (2, 3, 4), None),
        ([LayerSpec("Flatten", {"start_dim": 0})], (3, 4), None), ([LayerSpec("Flatten", {"end_dim": 5})], (3, 4), None),
        ([LayerSpec("Flatten", {"start_dim": 2, "end_dim": 1})], (3, 4), None),
        ([LayerSpec("Linear", {"in_features": 4, "out_features": 10**9}), LayerSpec("Conv2d", {})], (4,), None),
        ([LayerSpec("Dropout", {"p": 2.0}), LayerSpec("ReLU", {"inplace": True})], (4,), None),
        ([], (4,), None), ([RELU] * 40, (4,), None), ([linear(4000, 4000), RELU] * 2, (4000,), None),
        ([linear(28, 10)], (28, 28), "BCELoss"),
    ]
    problems = []
    for layers, shape, loss in cases:
        summary = analyze(layers, shape, loss=loss)
        problems += summary.problems
        for dataset in PLANNED_DATASETS:
            problems += dataset_problems(summary, dataset)
    return problems


# The catalogue's words that are not problems: names, descriptions, help, titles, code comments.
NOT_PROBLEMS = ("layers.owner", "layers.kind_", "layers.help_", "layers.formula_", "layers.preset_",
                "layers.planned_", "layers.drawing_", "layers.code_")


def test_the_builders_words_come_from_the_catalogue_in_each_language() -> None:
    """Descriptions, help, preset titles and code comments are worded when read, in the current language."""
    from nnlib.core.params import Param
    from nnlib.layers import LAYER_KINDS, PLANNED_DATASETS, PRESETS

    own = [kind for kind in LAYER_KINDS.values() if kind.name in ("Linear", "LogSoftmax", "Dropout", "BatchNorm1d",
                                                                   "Flatten")]
    for language in ("en", "ru"):
        with messages.in_language(language):
            for kind in own:
                assert messages.template(f"layers.kind_{kind.attribute}", language) is not None, kind.name
                assert kind.description == messages.word(f"layers.kind_{kind.attribute}")
                for spec in kind.params:
                    assert kind.help_for(spec), (kind.name, spec.name)
            for preset in PRESETS.values():
                assert not preset.title.startswith("layers.") and not preset.description.startswith("layers.")
            for planned in PLANNED_DATASETS.values():
                assert not planned.title.startswith("layers.") and not planned.sample_words.startswith("layers.")
    assert LAYER_KINDS["Linear"].help_for(Param("unknown", help="its own words")) == "its own words"
    with messages.in_language("ru"):
        assert PRESETS["iris"].title == "Классификатор ирисов 4 → 16 → 3"
        assert LAYER_KINDS["Softmax"].help_for(LAYER_KINDS["Softmax"].param("dim")).startswith("Размерность")
        code = sequential_code(PRESETS["iris"].layers, (4,))
        assert "# вход: (N, 4)" in code and "# 131 параметр" in code and "model = nn.Sequential(" in code
    assert "# input: (N, 4)" in sequential_code(PRESETS["iris"].layers, (4,))


def test_every_problem_and_fix_is_worded_by_the_catalogue_with_the_details_it_names() -> None:
    problems = _every_problem()
    seen = {p.wording or p.code for p in problems} | {p.fix.code for p in problems if p.fix}
    # Every sentence of layers.po is either met here or raised as an error (test_messages checks those).
    package = Path(analyze.__code__.co_filename).parent
    raised = {code for path in package.glob("*.py")
              for code in re.findall(r'InputError\(\s*"(layers\.[a-z_]+)"', path.read_text(encoding="utf-8"))}
    catalogue = messages.LOCALES_DIR / "en" / "LC_MESSAGES" / "layers.po"
    worded = set(re.findall(r'^msgid "(layers\.[a-z_]+)"', catalogue.read_text(encoding="utf-8"), re.MULTILINE))
    worded = {code for code in worded if not code.startswith(NOT_PROBLEMS)}
    assert worded - raised <= seen, worded - raised - seen
    for problem in problems:
        for code, details in ((problem.wording or problem.code, problem.details),
                              *(((problem.fix.code, problem.fix.details),) if problem.fix else ())):
            text = messages.template(code)
            assert text is not None, code
            assert messages.placeholders(text) <= set(details), (code, details)
            assert not messages.word(code, details).startswith(code)


def test_a_link_keeps_values_a_student_can_type_and_refuses_the_rest() -> None:
    broken = [{"kind": "Linear", "in_features": 4, "out_features": 0, "bias": True}, {"kind": "ReLU"}]
    assert stack_from_link(stack_text(broken)) == broken
    assert stack_from_link("[]") == []
    for text, code in (('[{"kind": "Conv2d"}]', "layers.unknown_kind"), ("[[[", "layers.link_not_json"),
                       ('{"kind": "ReLU"}', "layers.bad_layers"),
                       ('[{"kind": "Linear", "in_features": 4, "out_features": 1e400}]', "params.not_finite"),
                       ('[{"kind": "Linear", "in_features": 4, "out_features": 100000000000000000000}]',
                        "layers.too_wide")):
        with pytest.raises(InputError) as raised:
            stack_from_link(text)
        assert raised.value.code == code, text
    with pytest.raises(InputError) as raised:
        stack_from_link(stack_text(broken), Settings(max_text_chars=10))
    assert raised.value.message == "it is longer than 10 characters."
