"""nnlib.activations against PyTorch autograd and the course's worked examples (texts 003, 004)."""

from __future__ import annotations

import math
import re
import warnings

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from nnlib.activations import (
    ACTIVATIONS,
    GELU_MINIMUM,
    SILU_MINIMUM,
    apply_activation,
    chain_gradients,
    collapse,
    collapse_demo,
    curves,
    elementwise_names,
    get_activation,
    implicit_softmax_dim,
    layer_names,
    linear_stack,
    random_stack,
    saturation_intervals,
    slices_along,
    softmax_jacobian,
    softmax_steps,
    to_sequential,
)
from nnlib.core.errors import InputError
from nnlib.core.params import Param
from nnlib.core.parsing import parse_tensor
from nnlib.core.settings import get_settings

COURSE_MATRIX = torch.tensor([[0.4, -0.5, 0.9], [0.3, 0.2, -0.1], [0.1, 0.7, -0.2]])
COURSE_COLUMN = torch.tensor([[6.7], [-3.2], [1.1]])
# Text 004, «Функции активации»: print(Softmax()(X)) for the matrix above.
COURSE_SOFTMAX = torch.tensor(
    [[0.3273, 0.1331, 0.5396], [0.3883, 0.3514, 0.2603], [0.2807, 0.5114, 0.2079]]
)
# Text 004, «Линейные слои»: the inputs and the weight matrix of X @ W.
COURSE_X = torch.tensor([[0.4, 0.5], [0.9, 0.2], [0.2, 0.0], [0.1, 0.0]])
COURSE_W = torch.tensor([[0.2, 0.5, 1.0], [0.7, 0.4, 0.4]])

GRID = torch.cat([torch.linspace(-8, 8, 801, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)])
PARAM_CASES = [
    (name, None) for name in ACTIVATIONS
] + [
    ("LeakyReLU", {"negative_slope": 0.2}),
    ("LeakyReLU", {"negative_slope": 0.0}),
    ("ELU", {"alpha": 0.5}),
    ("ELU", {"alpha": 2.5}),
    ("Hardtanh", {"min_val": 0.0, "max_val": 6.0}),  # ReLU6
    ("Hardtanh", {"min_val": -2.5, "max_val": 0.5}),
]
FAST = settings(max_examples=150, deadline=None)


def autograd_slope(name: str, x: torch.Tensor, params: dict | None = None) -> torch.Tensor:
    """d f(x_i) / d x_i by autograd, for an elementwise activation."""
    x = x.detach().clone().requires_grad_(True)
    get_activation(name).build(params)(x).sum().backward()
    return x.grad


# --------------------------------------------------------------------------- the registry


def test_registry_has_the_course_activations_and_more() -> None:
    for name in ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "ELU", "GELU", "SiLU", "Hardtanh"]:
        assert name in ACTIVATIONS
        assert ACTIVATIONS[name].name == name


def test_every_activation_has_a_colour_of_its_own() -> None:
    # A page palette once ran out at 9 colours; the colour is the record's now.
    colours = [record.color for record in ACTIVATIONS.values()]
    assert all(re.fullmatch(r"#[0-9a-f]{6}", colour) for colour in colours)
    assert len(set(colours)) == len(colours)


def test_the_builder_offers_the_same_activation_layers_plus_hardtanh() -> None:
    assert layer_names() == ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "Hardtanh"]
    for record in ACTIVATIONS.values():
        assert re.fullmatch(r"[a-z0-9_]+", record.attribute)
        if record.layer:
            assert record.layer_description.strip().endswith(".")
    assert [record.attribute for record in ACTIVATIONS.values() if record.layer] == [
        "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "hardtanh",
    ]
    leaky = get_activation("LeakyReLU").parameters[0]
    assert (leaky.name, leaky.style, leaky.torch_default) == ("negative_slope", "if_changed", 0.01)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_parameter_defaults_are_torchs_and_reach_the_module(name: str) -> None:
    record = ACTIVATIONS[name]
    module = record.build()
    for parameter in record.parameters:
        assert isinstance(parameter, Param) and parameter.kind == "float"
        assert parameter.default == parameter.torch_default
        assert getattr(module, parameter.name) == parameter.default
        assert parameter.minimum <= parameter.default <= parameter.maximum
        assert parameter.label and parameter.symbol and parameter.step


EXAMPLES = [(record.name, example) for record in ACTIVATIONS.values() for example in record.examples]


@pytest.mark.parametrize(("name", "example"), EXAMPLES, ids=[example.label for _, example in EXAMPLES])
def test_every_example_applies_and_gives_the_course_answer(name: str, example) -> None:
    x = parse_tensor(example.text)
    result = apply_activation(name, x, dim=example.dim)
    if example.dim is not None:
        assert result.dim == example.dim
    if example.expected is not None:
        assert example.source
        expected = torch.tensor(example.expected)
        assert (result.output * 10**example.decimals).round().tolist() == (expected * 10**example.decimals).round().tolist()


def test_the_course_answers_are_on_the_records() -> None:
    answers = {name: example.expected for name, example in EXAMPLES if example.expected is not None}
    assert answers["Sigmoid"] == [[0.9988], [0.0392], [0.7503]]  # text 004
    assert answers["ReLU"] == [[0.4, 0.0, 0.9], [0.3, 0.2, 0.0], [0.1, 0.7, 0.0]]
    torch.testing.assert_close(torch.tensor(answers["Softmax"]), COURSE_SOFTMAX)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_record_is_complete(name: str) -> None:
    record = ACTIVATIONS[name]
    for text in (record.formula, record.derivative_formula, record.output_range, record.strength, record.weakness):
        assert text.strip()
    assert record.strength.strip().endswith(".") and record.weakness.strip().endswith(".")
    module = record.build()
    assert isinstance(module, nn.Module)
    assert type(module).__name__ == record.module.__name__
    assert record.torch_code().startswith(f"nn.{type(module).__name__}(")


def test_parameters_reach_the_torch_module() -> None:
    leaky = get_activation("LeakyReLU")
    assert leaky.resolve() == {"negative_slope": 0.01}
    assert leaky.build({"negative_slope": 0.2}).negative_slope == 0.2
    assert leaky.torch_code({"negative_slope": 0.2}) == "nn.LeakyReLU(negative_slope=0.2)"
    assert get_activation("ELU").build({"alpha": 2.0}).alpha == 2.0
    assert get_activation("Softmax").build(dim=0).dim == 0
    assert get_activation("Softmax").torch_code(dim=1) == "nn.Softmax(dim=1)"


def test_hardtanh_clips_and_passes_gradient_only_strictly_inside() -> None:
    hardtanh = get_activation("Hardtanh")
    assert hardtanh.torch_code() == "nn.Hardtanh(min_val=-1, max_val=1)"
    assert hardtanh.torch_code({"min_val": 0.0, "max_val": 6.0}) == "nn.Hardtanh(min_val=0, max_val=6)"
    x = torch.tensor([-2.0, -1.0, -0.5, 0.0, 1.0, 3.0], dtype=torch.float64)
    assert hardtanh.build()(x).tolist() == [-1.0, -1.0, -0.5, 0.0, 1.0, 1.0]
    # PyTorch's Hardtanh backward is 1 only for min_val < x < max_val: 0 at both kinks.
    assert autograd_slope("Hardtanh", x).tolist() == [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]
    assert hardtanh.slope(x).tolist() == [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]
    # The limits keep min_val below max_val, which torch insists on.
    with pytest.raises(InputError) as error:
        hardtanh.resolve({"min_val": 0.5})
    assert error.value.code == "params.too_large"
    with pytest.raises(InputError) as error:
        hardtanh.resolve({"max_val": 0.0})
    assert error.value.code == "params.too_small"


def test_bad_names_and_parameters_are_input_errors() -> None:
    with pytest.raises(InputError) as error:
        get_activation("Swish2")
    assert error.value.code == "activations.unknown"
    with pytest.raises(InputError) as error:
        get_activation("LeakyReLU").resolve({"negative_slope": 5.0})
    assert error.value.code == "params.too_large" and error.value.details["maximum"] == 1.0
    with pytest.raises(InputError) as error:
        get_activation("ReLU").resolve({"alpha": 1.0})
    assert error.value.code == "params.unknown"
    with pytest.raises(InputError):
        get_activation("ELU").resolve({"alpha": math.nan})


# --------------------------------------------------------------------------- derivatives vs autograd


@pytest.mark.parametrize(("name", "params"), [case for case in PARAM_CASES if case[0] != "Softmax"])
def test_derivative_matches_autograd_on_a_grid(name: str, params: dict | None) -> None:
    record = get_activation(name)
    # Where the slope jumps, autograd picks one side: the closed form must pick the same.
    kinks = torch.tensor(record.kinks(**record.resolve(params)), dtype=torch.float64)
    grid = torch.cat([GRID, kinks, kinks - 1e-9, kinks + 1e-9])
    expected = autograd_slope(name, grid, params)
    torch.testing.assert_close(record.slope(grid, params), expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("name", "params"), [case for case in PARAM_CASES if case[0] != "Softmax"])
def test_outputs_stay_in_the_stated_range(name: str, params: dict | None) -> None:
    record = get_activation(name)
    low, high = record.bounds(**record.resolve(params))
    wide = torch.linspace(-50, 50, 2001, dtype=torch.float64)
    out = record.build(params)(wide)
    assert float(out.min()) >= low - 1e-12
    assert float(out.max()) <= high + 1e-12
    # The stated range is the real one: a finite end is reached (or approached) on [-50, 50]
    # (to within the grid's step of 0.05 for GELU's and SiLU's minima).
    if math.isfinite(low):
        assert float(out.min()) == pytest.approx(low, abs=1e-3)
    if math.isfinite(high):
        assert float(out.max()) == pytest.approx(high, abs=1e-3)


def test_nonmonotonic_minima_are_where_the_range_says() -> None:
    x = torch.linspace(-3, 0, 300_001, dtype=torch.float64)
    assert float(nn.GELU()(x).min()) == pytest.approx(GELU_MINIMUM, abs=1e-9)
    assert float(nn.SiLU()(x).min()) == pytest.approx(SILU_MINIMUM, abs=1e-9)


@FAST
@given(
    name=st.sampled_from(elementwise_names()),
    values=st.lists(st.floats(-30, 30, allow_nan=False), min_size=1, max_size=20),
)
def test_derivative_matches_autograd_anywhere(name: str, values: list[float]) -> None:
    x = torch.tensor(values, dtype=torch.float64)
    torch.testing.assert_close(get_activation(name).slope(x), autograd_slope(name, x), rtol=1e-9, atol=1e-12)


@FAST
@given(values=st.lists(st.floats(-20, 20, allow_nan=False), min_size=1, max_size=8))
def test_softmax_jacobian_matches_autograd(values: list[float]) -> None:
    x = torch.tensor(values, dtype=torch.float64)
    expected = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, dim=0), x)
    jacobian = softmax_jacobian(x)
    torch.testing.assert_close(jacobian, expected, rtol=1e-9, atol=1e-12)
    # The "derivative" of the registry is the Jacobian's diagonal, s_i (1 - s_i).
    torch.testing.assert_close(get_activation("Softmax").slope(x, dim=0), torch.diagonal(expected))
    # Rows sum to 0: adding the same number to every score changes nothing.
    torch.testing.assert_close(jacobian.sum(dim=1), torch.zeros_like(x), atol=1e-12, rtol=0)


def test_softmax_diagonal_along_each_dim_matches_autograd() -> None:
    x = torch.randn(3, 4, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    for dim in range(3):
        slope = get_activation("Softmax").slope(x, dim=dim)
        for index, vector in enumerate(slices_along(x, dim)):
            jac = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, dim=0), vector)
            torch.testing.assert_close(slices_along(slope, dim)[index], torch.diagonal(jac))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_scalar_view_for_charts_matches_autograd(name: str) -> None:
    record = get_activation(name)
    y, dy = record.scalar_view(GRID)
    x = GRID.clone().requires_grad_(True)
    if record.along_dim:
        # Softmax is drawn for the two scores (x, 0): its first output, which is Sigmoid(x).
        out = torch.softmax(torch.stack([x, torch.zeros_like(x)], dim=-1), dim=-1)[..., 0]
        torch.testing.assert_close(out.detach(), torch.sigmoid(GRID))
    else:
        out = record.build()(x)
    out.sum().backward()
    torch.testing.assert_close(y, out.detach())
    torch.testing.assert_close(dy, x.grad, rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------- the course's values


def test_relu_on_the_course_matrix_zeroes_the_three_negatives() -> None:
    result = apply_activation("ReLU", COURSE_MATRIX)
    expected = torch.tensor([[0.4, 0.0, 0.9], [0.3, 0.2, 0.0], [0.1, 0.7, 0.0]])
    assert torch.equal(result.output, expected)
    assert int((result.output == 0).sum()) == 3
    assert torch.equal(result.slope, (COURSE_MATRIX > 0).float())
    assert result.notes == () and result.code == "nn.ReLU()"


def test_sigmoid_on_the_course_column() -> None:
    result = apply_activation("Sigmoid", COURSE_COLUMN)
    assert [round(v, 4) for v in result.output.flatten().tolist()] == [0.9988, 0.0392, 0.7503]
    assert result.output.shape == (3, 1)


def test_softmax_over_rows_gives_the_course_table() -> None:
    result = apply_activation("Softmax", COURSE_MATRIX, dim=1)
    torch.testing.assert_close(result.output, COURSE_SOFTMAX, atol=5e-5, rtol=0)
    assert (result.output * 10_000).round().int().tolist() == (COURSE_SOFTMAX * 10_000).round().int().tolist()
    torch.testing.assert_close(result.output.sum(dim=1), torch.ones(3))
    # The course calls Softmax() without dim: PyTorch then picks dim=1 for a matrix, with a warning.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        legacy = nn.Softmax()(COURSE_MATRIX)
    assert any("Implicit dimension" in str(w.message) for w in caught)
    assert implicit_softmax_dim(2) == 1
    torch.testing.assert_close(legacy, result.output)
    # The default dim (-1, the last) is the same here.
    assert apply_activation("Softmax", COURSE_MATRIX).dim == 1


@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4])
def test_implicit_softmax_dim_is_pytorchs(ndim: int) -> None:
    x = torch.randn([3] * ndim, generator=torch.Generator().manual_seed(ndim))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy = nn.Softmax()(x)
    torch.testing.assert_close(legacy, torch.softmax(x, dim=implicit_softmax_dim(ndim)))


def test_softmax_down_the_columns_differs() -> None:
    result = apply_activation("Softmax", COURSE_MATRIX, dim=0)
    torch.testing.assert_close(result.output.sum(dim=0), torch.ones(3))
    assert result.code == "nn.Softmax(dim=0)"
    assert not torch.allclose(result.output, COURSE_SOFTMAX, atol=1e-3)


# --------------------------------------------------------------------------- odd input, shown honestly


def test_softmax_over_a_dim_of_size_one_is_all_ones() -> None:
    result = apply_activation("Softmax", COURSE_COLUMN, dim=1)
    assert torch.equal(result.output, torch.ones(3, 1))
    assert torch.equal(result.slope, torch.zeros(3, 1))
    note = result.note("activations.dim_size_one")
    assert note is not None and note.details == {"dim": 1, "shape": (3, 1)}
    # Down the column instead, the three scores compete.
    down = apply_activation("Softmax", COURSE_COLUMN, dim=0)
    assert down.note("activations.dim_size_one") is None
    assert down.output.flatten()[0] > 0.99


def test_huge_scores_overflow_the_naive_formula_but_not_pytorch() -> None:
    x = torch.tensor([[1000.0, 1001.0, 1002.0], [1.0, 2.0, 3.0]])
    steps = softmax_steps(x, dim=1)
    assert torch.isinf(steps.exp[0]).all()
    assert torch.isnan(steps.naive[0]).all()  # inf / inf
    torch.testing.assert_close(steps.naive[1], torch.softmax(x[1], dim=0))
    assert steps.shifted[0].tolist() == [-2.0, -1.0, 0.0]
    torch.testing.assert_close(steps.stable, torch.softmax(x, dim=1))
    # Only the differences matter: the huge row gives the same as scores 1, 2, 3.
    torch.testing.assert_close(steps.stable[0], steps.stable[1])
    torch.testing.assert_close(steps.stable[0], torch.tensor([0.0900, 0.2447, 0.6652]), atol=5e-5, rtol=0)
    result = apply_activation("Softmax", x, dim=1)
    note = result.note("activations.naive_overflow")
    assert note is not None and note.details == {"count": 3, "largest_input": 1002.0}
    assert torch.isfinite(result.output).all()


def test_float32_overflow_starts_just_above_88() -> None:
    assert torch.isfinite(softmax_steps(torch.tensor([88.0, 0.0])).naive).all()
    assert torch.isnan(softmax_steps(torch.tensor([89.0, 0.0])).naive[0])


def test_sigmoid_of_huge_values_saturates_without_nan() -> None:
    result = apply_activation("Sigmoid", torch.tensor([-1000.0, 1000.0]))
    assert result.output.tolist() == [0.0, 1.0]
    assert result.slope.tolist() == [0.0, 0.0]
    assert result.notes == ()


def test_integers_nonfinite_and_bad_dims() -> None:
    result = apply_activation("Sigmoid", torch.tensor([0, 2]))
    assert result.note("activations.converted_to_float").details == {"dtype": "int64"}
    assert result.output.dtype == torch.float32
    assert result.output[0] == 0.5
    nan_in = apply_activation("ReLU", torch.tensor([math.nan, math.inf, -1.0]))
    assert nan_in.note("activations.nonfinite_input").details == {"count": 2}
    assert nan_in.note("activations.nonfinite_output").details == {"count": 2}
    for dim in (2, -3):
        with pytest.raises(InputError) as error:
            apply_activation("Softmax", COURSE_MATRIX, dim=dim)
        assert error.value.code == "activations.bad_dim" and error.value.details["ndim"] == 2
    with pytest.raises(InputError) as error:
        apply_activation("ReLU", torch.tensor([]))
    assert error.value.code == "activations.empty"
    scalar = apply_activation("Softmax", torch.tensor(3.0), dim=0)
    assert scalar.output.item() == 1.0 and scalar.note("activations.dim_size_one") is not None


def test_dim_is_ignored_by_elementwise_activations() -> None:
    result = apply_activation("Tanh", COURSE_MATRIX, dim=0)
    assert result.dim is None
    torch.testing.assert_close(result.output, torch.tanh(COURSE_MATRIX))


# --------------------------------------------------------------------------- chart data


def test_saturation_intervals_from_a_hand_made_grid() -> None:
    x = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert saturation_intervals(x, [0, 0, 1, 1, 0, 0], 0.5) == [(0.0, 1.5), (3.5, 5.0)]
    assert saturation_intervals(x, [1, 1, 1, 1, 1, 1], 0.5) == []
    assert saturation_intervals(x, [0, 0, 0, 0, 0, 0], 0.5) == [(0.0, 5.0)]
    assert saturation_intervals(x, [1, 0, 1, 1, 1, 1], 0.5) == [(0.5, 1.5)]
    assert saturation_intervals(x, [0, 0, 0, 0, 0, 0], 0.0) == [(0.0, 5.0)]
    assert saturation_intervals([], [], 0.1) == []


def _single(name: str, **kwargs: object):
    curve_set = curves([name], **kwargs)
    return curve_set, curve_set.curves[0]


def test_sigmoid_saturates_beyond_the_analytic_point() -> None:
    ratio = 0.05
    curve_set, curve = _single("Sigmoid", x_min=-10, x_max=10, points=2001, threshold_ratio=ratio)
    assert curve.peak_slope == pytest.approx(0.25)
    # s (1 - s) = c  <=>  s = (1 + sqrt(1 - 4c)) / 2, x = logit(s)
    c = ratio * 0.25
    s = (1 + math.sqrt(1 - 4 * c)) / 2
    edge = math.log(s / (1 - s))
    step = curve_set.x[1] - curve_set.x[0]
    (left, right) = curve.saturated
    assert left[0] == -10 and right[1] == 10
    assert left[1] == pytest.approx(-edge, abs=step / 2 + 1e-9)
    assert right[0] == pytest.approx(edge, abs=step / 2 + 1e-9)


def test_tanh_relu_elu_saturation_edges() -> None:
    step = 20 / 2000
    _, tanh = _single("Tanh", x_min=-10, x_max=10, points=2001)
    edge = math.atanh(math.sqrt(0.95))  # 1 - tanh^2 = 0.05
    assert [round(a, 6) for a in (tanh.saturated[0][1], tanh.saturated[1][0])] == pytest.approx(
        [-edge, edge], abs=step / 2 + 1e-9
    )
    _, relu = _single("ReLU", x_min=-10, x_max=10, points=2001)
    assert len(relu.saturated) == 1
    assert relu.saturated[0][0] == -10 and relu.saturated[0][1] == pytest.approx(0, abs=step / 2 + 1e-9)
    _, elu = _single("ELU", x_min=-10, x_max=10, points=2001)
    assert elu.saturated[0][1] == pytest.approx(math.log(0.05), abs=step / 2 + 1e-9)


def test_a_range_showing_only_a_flat_tail_is_shaded_whole() -> None:
    _, curve = _single("Sigmoid", x_min=8, x_max=12, points=401)
    assert curve.saturated == [(8.0, 12.0)]
    _, dead = _single("ReLU", x_min=-10, x_max=-5, points=101)
    assert dead.saturated == [(-10.0, -5.0)]


def test_leaky_relu_slope_counts_as_saturated_only_below_the_threshold() -> None:
    curve_set = curves(["LeakyReLU"], params={"LeakyReLU": {"negative_slope": 0.2}}, threshold_ratio=0.05)
    assert curve_set.curves[0].saturated == []
    curve_set = curves(["LeakyReLU"], params={"LeakyReLU": {"negative_slope": 0.01}}, threshold_ratio=0.05)
    assert curve_set.curves[0].saturated[0][0] == -6.0


def test_curve_records_for_the_chart() -> None:
    curve_set = curves(["ReLU", "Softmax"], x_min=-1, x_max=1, points=3)
    rows = curve_set.records()
    assert len(rows) == 2 * 3 * 2
    relu = [(r["x"], r["value"]) for r in rows if r["activation"] == "ReLU" and r["quantity"] == "f(x)"]
    assert relu == [(-1.0, 0.0), (0.0, 0.0), (1.0, 1.0)]
    softmax = [r["value"] for r in rows if r["activation"] == "Softmax" and r["quantity"] == "f(x)"]
    assert softmax == pytest.approx([torch.sigmoid(torch.tensor(v)).item() for v in (-1.0, 0.0, 1.0)])
    intervals = curve_set.interval_records()
    assert {r["activation"] for r in intervals} <= {"ReLU", "Softmax"}


def test_curve_arguments_are_checked() -> None:
    for kwargs, code in [
        ({"x_min": 1, "x_max": 1}, "activations.bad_range"),
        ({"x_min": 0, "x_max": math.inf}, "activations.bad_range"),
        ({"points": 1}, "activations.bad_points"),
        ({"points": get_settings().max_tensor_elements + 1}, "activations.bad_points"),
        ({"threshold_ratio": 0}, "activations.bad_threshold"),
    ]:
        with pytest.raises(InputError) as error:
            curves(["ReLU"], **kwargs)
        assert error.value.code == code


# --------------------------------------------------------------------------- linear layers collapse


def by_hand(x: torch.Tensor, weights, biases, between=None) -> torch.Tensor:
    h = x
    for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
        if k and between is not None:
            h = between(h)
        h = h @ w + b
    return h


def test_three_linear_layers_collapse_into_one() -> None:
    stack = random_stack([2, 3, 2, 1], seed=0)
    demo = collapse_demo(COURSE_X, stack)
    assert demo.weight.shape == (2, 1) and demo.bias.shape == (1,)
    w1, w2, w3 = stack.weights
    b1, b2, b3 = stack.biases
    torch.testing.assert_close(demo.weight, w1 @ w2 @ w3)
    torch.testing.assert_close(demo.bias, b1 @ w2 @ w3 + b2 @ w3 + b3)
    torch.testing.assert_close(demo.stack_output, by_hand(COURSE_X, stack.weights, stack.biases))
    assert demo.max_abs_diff < 1e-6
    assert demo.nonlinear_output is None and demo.nonlinear_diff is None


def test_to_sequential_holds_pytorch_linear_layers_with_transposed_weights() -> None:
    stack = random_stack([2, 3, 1], seed=3)
    model = to_sequential(stack, "Tanh")
    assert [type(layer).__name__ for layer in model] == ["Linear", "Tanh", "Linear"]
    assert model[0].weight.shape == (3, 2)
    torch.testing.assert_close(model[0].weight, stack.weights[0].T)
    with torch.no_grad():
        torch.testing.assert_close(model(COURSE_X), by_hand(COURSE_X, stack.weights, stack.biases, torch.tanh))


@pytest.mark.parametrize("activation", ["Sigmoid", "Tanh", "ReLU", "GELU"])
def test_an_activation_between_the_layers_breaks_the_collapse(activation: str) -> None:
    stack = random_stack([2, 4, 4, 2], seed=0)
    demo = collapse_demo(COURSE_X, stack, activation)
    assert demo.max_abs_diff < 1e-6
    expected = by_hand(COURSE_X, stack.weights, stack.biases, get_activation(activation).build())
    torch.testing.assert_close(demo.nonlinear_output, expected)
    assert demo.nonlinear_diff > 1e-2
    assert demo.model_text.count(activation) == 2


def test_relu_changes_nothing_where_every_hidden_value_is_positive() -> None:
    # The course's weight matrix and positive weights after it: every hidden value stays
    # positive, so ReLU is the identity here and the collapse still holds.
    stack = linear_stack([COURSE_W, torch.tensor([[0.5], [0.1], [0.3]])])
    demo = collapse_demo(COURSE_X, stack, "ReLU")
    assert demo.nonlinear_diff < 1e-6
    torch.testing.assert_close(demo.weight, COURSE_W @ torch.tensor([[0.5], [0.1], [0.3]]))


def test_random_stacks_are_reproducible_and_leave_the_global_seed_alone() -> None:
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = random_stack([3, 5, 2], seed=7)
    after = torch.rand(1)
    assert torch.equal(before, after)
    b = random_stack([3, 5, 2], seed=7)
    assert all(torch.equal(x, y) for x, y in zip(a.weights + a.biases, b.weights + b.biases, strict=True))
    assert float(a.weights[0].abs().max()) <= 1 / math.sqrt(3)
    no_bias = random_stack([3, 5, 2], seed=7, bias=False)
    assert all(float(b.abs().max()) == 0 for b in no_bias.biases)


@FAST
@given(
    sizes=st.lists(st.integers(1, 6), min_size=3, max_size=4),
    seed=st.integers(0, 10_000),
    rows=st.integers(1, 5),
)
def test_collapse_holds_for_any_sizes(sizes: list[int], seed: int, rows: int) -> None:
    stack = random_stack(sizes, seed=seed)
    x = torch.randn(rows, sizes[0], generator=torch.Generator().manual_seed(seed))
    demo = collapse_demo(x, stack)
    assert demo.weight.shape == (sizes[0], sizes[-1])
    assert demo.max_abs_diff < 1e-5


def test_typed_stacks_are_checked() -> None:
    with pytest.raises(InputError) as error:
        linear_stack([COURSE_W, torch.ones(2, 1)])
    assert error.value.code == "activations.weights_mismatch" and error.value.field == "W2"
    assert error.value.details["previous"] == (2, 3)
    with pytest.raises(InputError) as error:
        linear_stack([COURSE_W], [torch.ones(2)])
    assert error.value.code == "activations.bias_mismatch" and error.value.field == "b1"
    with pytest.raises(InputError) as error:
        linear_stack([torch.ones(2, 2, 2)])
    assert error.value.code == "activations.not_a_matrix"
    stack = linear_stack([COURSE_W, torch.tensor([1.0, 2.0, 3.0])], [torch.tensor([[0.1, 0.2, 0.3]]), torch.tensor(0.5)])
    assert stack.sizes == [2, 3, 1]
    assert stack.biases[0].shape == (3,) and stack.biases[1].tolist() == [0.5]
    with pytest.raises(InputError) as error:
        collapse_demo(torch.ones(4, 3), stack)
    assert error.value.code == "activations.inputs_mismatch" and error.value.field == "X"
    weight, bias = collapse(stack)
    torch.testing.assert_close(weight, COURSE_W @ torch.tensor([[1.0], [2.0], [3.0]]))


def test_sizes_are_capped_by_the_settings() -> None:
    limits = get_settings()
    with pytest.raises(InputError) as error:
        random_stack([2, limits.max_units + 1, 1])
    assert error.value.code == "activations.bad_size"
    with pytest.raises(InputError) as error:
        random_stack([2] * (limits.max_layers + 2))
    assert error.value.code == "activations.bad_layer_count"
    with pytest.raises(InputError):
        random_stack([2])


# --------------------------------------------------------------------------- vanishing gradients


def test_sigmoid_chain_gradient_vanishes_and_relu_does_not() -> None:
    sigmoid = chain_gradients("Sigmoid", 20, x0=0.5)
    relu = chain_gradients("ReLU", 20, x0=0.5)
    assert sigmoid.gradients[0] == pytest.approx(float(torch.sigmoid(torch.tensor(0.5)) * (1 - torch.sigmoid(torch.tensor(0.5)))))
    assert all(a > b for a, b in zip(sigmoid.gradients, sigmoid.gradients[1:], strict=False))
    assert sigmoid.gradients[-1] < 0.25**20 * 10 and sigmoid.gradients[-1] < 1e-12
    assert relu.gradients == [1.0] * 20 and relu.outputs == [0.5] * 20
    dead = chain_gradients("ReLU", 5, x0=-0.5)
    assert dead.gradients == [0.0] * 5


def test_chain_gradient_is_an_independent_autograd_of_the_composition() -> None:
    x = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    h = x
    for _ in range(7):
        h = torch.tanh(2.0 * h - 0.1)
    (expected,) = torch.autograd.grad(h, x)
    result = chain_gradients("Tanh", 7, x0=0.3, weight=2.0, bias=-0.1)
    assert result.gradients[-1] == pytest.approx(float(expected), rel=1e-12)
    assert result.outputs[-1] == pytest.approx(float(h.detach()), rel=1e-12)
    assert result.depths == list(range(1, 8))


@FAST
@given(
    name=st.sampled_from(elementwise_names()),
    x0=st.floats(-4, 4),
    weight=st.floats(-3, 3),
    bias=st.floats(-1, 1),
    depth=st.integers(1, 12),
)
def test_autograd_equals_the_product_of_closed_form_slopes(
    name: str, x0: float, weight: float, bias: float, depth: int
) -> None:
    result = chain_gradients(name, depth, x0=x0, weight=weight, bias=bias)
    # torch's Softplus is exactly linear above its threshold (x > 20), slope 1, where the closed
    # form σ(x) = 1 − 2e-9: over a chain that differs in the 9th digit.
    assert result.gradients == pytest.approx(result.slope_products, rel=1e-7, abs=1e-300)


def test_chain_arguments_are_checked() -> None:
    with pytest.raises(InputError) as error:
        chain_gradients("Softmax", 3)
    assert error.value.code == "activations.not_elementwise"
    with pytest.raises(InputError) as error:
        chain_gradients("ReLU", get_settings().max_layers + 1)
    assert error.value.code == "activations.bad_depth"
    with pytest.raises(InputError) as error:
        chain_gradients("ReLU", 0)
    assert error.value.code == "activations.bad_depth"
    with pytest.raises(InputError) as error:
        chain_gradients("ReLU", 3, x0=math.nan)
    assert error.value.code == "activations.not_finite" and error.value.field == "x0"
    assert "Softmax" not in elementwise_names() and "ReLU" in elementwise_names()


def test_each_records_prose_is_read_in_the_current_language() -> None:
    """Strengths, weaknesses, descriptions, notes, parameter labels and example buttons come from the
    catalogue when read: English by default, Russian inside a Russian run, the data unchanged."""
    from nnlib.core import messages

    for record in ACTIVATIONS.values():
        english = (record.strength, record.weakness, record.layer_description, record.chart_note, record.output_range,
                   tuple(record.parameter_label(p) for p in record.parameters), tuple(e.label for e in record.examples))
        assert all(english[:2]) and bool(english[2]) == record.layer
        with messages.in_language("ru"):
            russian = (record.strength, record.weakness, record.layer_description, record.chart_note,
                       record.output_range, tuple(record.parameter_label(p) for p in record.parameters),
                       tuple(e.label for e in record.examples))
        for en, ru in zip(english, russian, strict=True):
            assert bool(en) == bool(ru)
            if en and en not in (record.range_latex,):
                assert en != ru and re.search("[а-яё]", str(ru), re.IGNORECASE), (record.name, en, ru)
    softmax = ACTIVATIONS["Softmax"]
    assert softmax.output_range == r"(0,\ 1),\ \text{each slice along dim sums to } 1"
    assert softmax.examples[1].label == "Softmax of huge scores" and softmax.chart_note.startswith("Softmax acts on")
    assert ACTIVATIONS["LeakyReLU"].parameter_label(ACTIVATIONS["LeakyReLU"].parameters[0]) == "Slope α for negative inputs"
