"""nnlib.tensors against the course texts (002 appendix B, 004 «Линейные слои») and PyTorch itself."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnlib import tensors as nt
from nnlib.core.device import available_devices
from nnlib.core.errors import InputError
from nnlib.core.parsing import DTYPES
from nnlib.core.settings import Settings
from nnlib.tensors import make

COURSE_RAND_24 = [[0.7644, 0.3751], [0.0751, 0.5308], [0.9660, 0.2770]]  # 002 B.3, seed 24
COURSE_X = "[[0.4, 0.5], [0.9, 0.2], [0.2, 0.0], [0.1, 0.0]]"  # 004 «Линейные слои»
COURSE_W = "[[0.2, 0.5, 1.0], [0.7, 0.4, 0.4]]"
COURSE_XW = [[0.43, 0.40, 0.60], [0.32, 0.53, 0.98], [0.04, 0.10, 0.20], [0.02, 0.05, 0.10]]
COURSE_MISMATCH = "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1"

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run_code(code: str) -> torch.Tensor:
    """Execute a code line the module generated itself (never user text) and return its value."""
    *setup, expression = code.split("; ")
    namespace: dict[str, object] = {"torch": torch}
    exec("; ".join(setup) + f"\nresult = {expression}", namespace)
    return namespace["result"]  # type: ignore[return-value]


def same_tensor(a: torch.Tensor, b: torch.Tensor) -> bool:
    return (
        a.dtype == b.dtype
        and a.shape == b.shape
        and a.requires_grad == b.requires_grad
        and a.device == b.device
        and torch.equal(a.detach().nan_to_num(7.0), b.detach().nan_to_num(7.0))
        and torch.equal(a.detach().isnan(), b.detach().isnan())
    )


def course(text: str) -> torch.Tensor:
    return nt.tensor_from_text(text).tensor


# --------------------------------------------------------------------------- making tensors


def test_seed_24_rand_3_2_is_the_course_tensor_and_its_code_line_reproduces_it() -> None:
    made = nt.make_factory_tensor("rand", "3, 2", seed_text="24")
    assert made.code == "torch.manual_seed(24); torch.rand(3, 2, dtype=torch.float32)"
    assert torch.allclose(made.tensor, torch.tensor(COURSE_RAND_24), atol=5e-5)
    assert str(made.tensor) == (
        "tensor([[0.7644, 0.3751],\n        [0.0751, 0.5308],\n        [0.9660, 0.2770]])"
    )
    assert same_tensor(run_code(made.code), made.tensor)


def test_seeded_factories_leave_the_shared_generator_alone() -> None:
    state = torch.get_rng_state()
    nt.make_factory_tensor("randn", "4", seed_text="24")
    assert torch.equal(torch.get_rng_state(), state)


def test_course_typed_tensor_and_its_facts() -> None:
    made = nt.tensor_from_text("[[1., 0.], [0., 1.]]")
    assert made.code == "torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float32)"
    facts = made.facts
    assert facts.printed == "tensor([[1., 0.],\n        [0., 1.]])"
    assert (facts.shape, facts.dtype, facts.device, facts.numel) == ((2, 2), "float32", "cpu", 4)
    assert facts.element_size == 4 and facts.nbytes == 16
    as_float64 = nt.tensor_from_text("[[1., 0.], [0., 1.]]", dtype="float64").facts
    assert as_float64.printed.endswith("dtype=torch.float64)") and as_float64.nbytes == 32


@pytest.mark.parametrize(
    ("text", "dtype", "requires_grad"),
    [
        ("[[1., 0.], [0., 1.]]", "auto", False),
        ("[[0.1, 0.2], [0.3, 1e-7]]", "float32", True),
        ("[[0.1, 0.2], [0.3, 1e-7]]", "float64", True),
        ("[1, 2, 3]", "auto", False),
        ("[1, 2, 3]", "int32", False),
        ("[True, False]", "auto", False),
        ("[nan, inf, -inf, -0.0]", "float32", False),
        ("3.5", "auto", False),
        ("[]", "auto", False),
        ("tensor([[1, 2], [3, 4]])", "float64", False),
        ("[[[1, 2]], [[3, 4]]]", "int64", False),
    ],
)
def test_typed_code_line_reproduces_the_tensor(text: str, dtype: str, requires_grad: bool) -> None:
    made = nt.tensor_from_text(text, dtype=dtype, requires_grad=requires_grad)
    assert same_tensor(run_code(made.code), made.tensor)


@pytest.mark.parametrize(
    ("name", "args", "fill", "dtype"),
    [
        ("zeros", "3, 2", "", "auto"),
        ("ones", "(2, 3)", "", "int32"),
        ("ones", "()", "", "bool"),
        ("rand", "3x2", "", "float64"),
        ("randn", "2 3 4", "", "float32"),
        ("arange", "0, 10, 2", "", "auto"),
        ("arange", "0, 1, 0.25", "", "auto"),
        ("arange", "5", "", "float64"),
        ("eye", "3", "", "auto"),
        ("eye", "2, 3", "", "bool"),
        ("full", "3, 2", "7.", "auto"),
        ("full", "2", "7", "auto"),
        ("full", "2, 2", "nan", "float64"),
        ("full", "4", "True", "auto"),
    ],
)
def test_factory_code_line_reproduces_the_tensor(name: str, args: str, fill: str, dtype: str) -> None:
    made = nt.make_factory_tensor(name, args, fill_text=fill, dtype=dtype, seed_text="24")
    assert same_tensor(run_code(made.code), made.tensor)
    assert made.code.startswith("torch.manual_seed(24); ") == nt.FACTORIES[name].random


def test_factory_dtypes_follow_pytorch() -> None:
    assert nt.make_factory_tensor("arange", "0, 10, 2").tensor.tolist() == [0, 2, 4, 6, 8]
    assert nt.make_factory_tensor("arange", "0, 10, 2").tensor.dtype == torch.arange(0, 10, 2).dtype
    assert nt.make_factory_tensor("arange", "0, 1, 0.25").tensor.dtype == torch.arange(0, 1, 0.25).dtype
    assert nt.make_factory_tensor("full", "2", fill_text="7").tensor.dtype == torch.full((2,), 7).dtype
    assert nt.make_factory_tensor("zeros", "2").tensor.dtype == torch.zeros(2).dtype
    assert torch.equal(nt.make_factory_tensor("eye", "2, 3").tensor, torch.eye(2, 3))
    empty = nt.make_factory_tensor("empty", "3, 2", requires_grad=True)
    assert empty.tensor.shape == (3, 2) and empty.tensor.requires_grad
    assert empty.code == "torch.empty(3, 2, dtype=torch.float32, requires_grad=True)"
    assert nt.make_factory_tensor("rand", "2", seed_text="").setup == ""


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: nt.make_factory_tensor("rand", "3, 2", dtype="int64"), "tensors.needs_float"),
        (lambda: nt.make_factory_tensor("zeros", "3, 2", dtype="int64", requires_grad=True), "tensors.grad_needs_float"),
        (lambda: nt.tensor_from_text("[1, 2]", requires_grad=True), "tensors.grad_needs_float"),
        (lambda: nt.make_factory_tensor("zeros", "101, 100"), "tensors.too_many_elements"),
        (lambda: nt.make_factory_tensor("zeros", "1, 1, 1, 1, 1, 1, 1"), "tensors.too_many_sizes"),
        (lambda: nt.make_factory_tensor("zeros", "3, -2"), "tensors.negative_size"),
        (lambda: nt.make_factory_tensor("zeros", "3.5"), "tensors.not_whole"),
        (lambda: nt.make_factory_tensor("zeros", "True"), "tensors.not_whole"),
        (lambda: nt.make_factory_tensor("zeros", "[[3]]"), "tensors.sizes_not_flat"),
        (lambda: nt.make_factory_tensor("zeros", ""), "tensors.sizes_empty"),
        (lambda: nt.make_factory_tensor("eye", "1000"), "tensors.too_many_elements"),
        (lambda: nt.make_factory_tensor("eye", "1, 2, 3"), "tensors.eye_arguments"),
        (lambda: nt.make_factory_tensor("arange", "0, 1e300, 1e-300"), "tensors.arange_too_many"),
        (lambda: nt.make_factory_tensor("arange", "0, 10, 0"), "tensors.arange_zero_step"),
        (lambda: nt.make_factory_tensor("arange", "10, 0, 1"), "tensors.arange_step_positive"),
        (lambda: nt.make_factory_tensor("arange", "0, 1, 0.5", dtype="int64"), "tensors.needs_whole_arguments"),
        (lambda: nt.make_factory_tensor("arange", "5", dtype="bool"), "tensors.torch_refused"),
        (lambda: nt.make_factory_tensor("full", "2", fill_text="[1, 2]"), "tensors.fill_not_a_number"),
        (lambda: nt.make_factory_tensor("full", "2", fill_text="nan", dtype="int64"), "parsing.nonfinite_int"),
        (lambda: nt.make_factory_tensor("rand", "2", seed_text="-1"), "tensors.bad_seed"),
        (lambda: nt.make_factory_tensor("ones", "2", dtype="complex64"), "tensors.unknown_dtype"),
        (lambda: nt.make_factory_tensor("linspace", "2"), "tensors.unknown_factory"),
        (lambda: nt.tensor_from_text("[[1, 2], [3]]"), "parsing.ragged"),
    ],
)
def test_bad_factory_and_typed_input_is_one_input_error(call, code: str) -> None:
    with pytest.raises(InputError) as caught:
        call()
    assert caught.value.code == code
    assert caught.value.message


def test_shape_forms_and_the_element_cap_comes_from_settings() -> None:
    for text in ("3, 2", "(3, 2)", "[3, 2]", "3 2", "3x2", "3 × 2", "torch.Size([3, 2])", "Size([3, 2])"):
        assert nt.parse_shape(text) == (3, 2), text
    assert nt.parse_shape("()") == () and nt.parse_shape("[]") == () and nt.parse_shape("5") == (5,)
    small = Settings(max_tensor_elements=6)
    assert nt.parse_shape("3, 2", settings=small) == (3, 2)
    with pytest.raises(InputError, match="limit is 6"):
        nt.parse_shape("7", settings=small)
    assert nt.parse_seed("24") == 24 and nt.parse_seed("  ") is None


def test_the_code_line_names_the_device_and_a_gpu_device_is_refused_when_absent() -> None:
    assert make._keywords(torch.float32, torch.device("cuda"), True) == (
        'dtype=torch.float32, device="cuda", requires_grad=True'
    )
    if not torch.cuda.is_available():
        with pytest.raises(InputError) as caught:
            nt.tensor_from_text("[1.]", device="cuda")
        assert caught.value.code == "device.no_cuda"


@pytest.mark.parametrize("device", available_devices())
def test_every_available_device(device: str) -> None:
    made = nt.make_factory_tensor("rand", "3, 2", seed_text="24", device=device)
    assert made.tensor.device.type == device
    assert same_tensor(run_code(made.code), made.tensor)
    bridge = nt.numpy_bridge(made.tensor)
    assert bridge.shares_memory == (device == "cpu")
    assert (".cpu()" in bridge.to_numpy) == (device != "cpu")
    chain = nt.autograd_from_text("[[1., 1., 1.], [1., 1., 1.]]", device=device)
    assert chain.grad.tolist() == [[52.0] * 3] * 2


# --------------------------------------------------------------------------- operations and broadcasting


def test_course_x_at_w_and_its_first_entry() -> None:
    result = nt.apply_operation("A @ B", course(COURSE_X), course(COURSE_W))
    assert result.ok and result.facts.shape == (4, 3)
    assert torch.allclose(result.result, torch.tensor(COURSE_XW), atol=1e-6)
    assert result.result[0].tolist() == pytest.approx([0.43, 0.40, 0.60], abs=1e-6)
    assert result.matmul.kind == "matrix" and (result.matmul.inner_a, result.matmul.inner_b) == (2, 2)
    entry = result.first_entry
    assert [(round(a, 4), round(b, 4)) for a, b in entry.terms] == [(0.4, 0.2), (0.5, 0.7)]
    assert entry.value == pytest.approx(0.43, abs=1e-6)  # 0.4·0.2 + 0.5·0.7


def test_course_x_times_w_keeps_pytorchs_message_and_explains_it() -> None:
    x, w = course(COURSE_X), course(COURSE_W)
    result = nt.apply_operation("A * B", x, w)
    assert not result.ok
    assert result.torch_error == COURSE_MISMATCH
    assert result.torch_error_type == "RuntimeError"
    explanation = result.explanation
    assert explanation.code == "tensors.broadcast_clash"
    assert explanation.details["clashes"] == [(0, 4, 2), (1, 2, 3)]
    assert "dimension 1 (the last) A has 2 and B has 3" in explanation.message
    assert "PyTorch reports dimension 1" in explanation.message
    first = explanation.suggestions[0]
    assert (first.expression, first.result_shape) == ("A @ B", (4, 3))
    assert "A @ B → (4, 3)" in explanation.message
    assert any(s.kind == "unsqueeze" for s in explanation.suggestions)
    for suggestion in explanation.suggestions:
        assert tuple(suggestion.apply(x, w).shape) == suggestion.result_shape
    plan = result.broadcast
    assert [d.rule for d in plan.dims] == ["clash", "clash"] and plan.reported_clash.index == 1


def test_broadcasting_table_for_a_column_against_a_row() -> None:
    plan = nt.broadcast_plan((3, 1), (4,))
    assert [(d.index, d.from_right, d.a, d.b, d.rule, d.result) for d in plan.dims] == [
        (0, 2, 3, None, "b_missing", 3),
        (1, 1, 1, 4, "a_is_one", 4),
    ]
    assert plan.result_shape == (3, 4) == tuple(torch.broadcast_shapes((3, 1), (4,)))


@pytest.mark.parametrize(
    ("label", "a", "b", "code", "fragment"),
    [
        ("A @ B", "[[1.,2.],[3.,4.],[5.,6.]]", "[[1.,2.],[3.,4.],[5.,6.]]", "tensors.inner_mismatch", "A has 2 columns and B has 3 rows"),
        ("A @ B", "[1., 2., 3.]", "[1., 2., 3., 4.]", "tensors.inner_mismatch", "dot product"),
        ("A @ B", "[[1., 2.]]", "[1., 2., 3.]", "tensors.inner_mismatch", "2 columns but B has 3 elements"),
        ("A @ B", "3.", "[1.]", "tensors.zero_dim", "A is a single number"),
        ("A @ B", "[[[1., 2.]], [[1., 2.]]]", "[[[1.], [2.]], [[1.], [2.]], [[1.], [2.]]]", "tensors.batch_clash", "batch dimension 0"),
        ("A @ B", "[[1, 2]]", "[[1.], [2.]]", "tensors.dtype", "A is int64 and B is float32"),
        ("A - B", "[True]", "[False]", "tensors.dtype", "not defined for bool"),
        ("A + B", "[1, 2, 3]", "[1, 2, 3, 4]", "tensors.broadcast_clash", "dimension 0 (the last) A has 3 and B has 4"),
    ],
)
def test_operation_errors_are_explained(label: str, a: str, b: str, code: str, fragment: str) -> None:
    ta, tb = course(a), course(b)
    result = nt.apply_operation(label, ta, tb)
    with pytest.raises(Exception) as caught:
        nt.OPERATIONS[label].apply(ta, tb)
    assert result.torch_error == str(caught.value)  # PyTorch's own words, verbatim
    assert result.explanation.code == code
    assert fragment in result.explanation.message
    assert result.explanation.suggestions, "something should always work for these"
    for suggestion in result.explanation.suggestions:
        assert tuple(suggestion.apply(ta, tb).shape) == suggestion.result_shape


def test_division_of_integers_gives_floats_and_results_are_capped() -> None:
    result = nt.apply_operation("A / B", course("[1, 2]"), course("[2, 4]"))
    assert result.facts.dtype == "float32" and result.result.tolist() == [0.5, 0.5]
    column, row = torch.zeros(200, 1), torch.zeros(1, 200)
    with pytest.raises(InputError) as caught:
        nt.apply_operation("A + B", column, row)
    assert caught.value.code == "tensors.result_too_large" and caught.value.details["shape"] == (200, 200)


shapes = st.lists(st.integers(min_value=0, max_value=3), min_size=0, max_size=4).map(tuple)


@FAST
@given(a=shapes, b=shapes)
def test_broadcast_plan_matches_pytorch(a: tuple, b: tuple) -> None:
    plan = nt.broadcast_plan(a, b)
    try:
        expected = tuple(torch.broadcast_shapes(a, b))
    except RuntimeError:
        expected = None
    assert plan.result_shape == expected
    if expected is None:
        with pytest.raises(RuntimeError) as caught:
            torch.zeros(a) + torch.zeros(b)
        reported = plan.reported_clash
        assert f"size of tensor a ({reported.a}) must match the size of tensor b ({reported.b}) " \
               f"at non-singleton dimension {reported.index}" in str(caught.value)


@FAST
@given(a=shapes, b=shapes)
def test_matmul_plan_matches_pytorch(a: tuple, b: tuple) -> None:
    plan = nt.matmul_plan(a, b)
    try:
        expected = tuple((torch.ones(a) @ torch.ones(b)).shape)
    except RuntimeError:
        expected = None
    assert plan.result_shape == expected


@FAST
@given(a=shapes, b=shapes, label=st.sampled_from(list(nt.OPERATIONS)))
def test_every_suggestion_works_and_every_result_has_the_planned_shape(a: tuple, b: tuple, label: str) -> None:
    ta, tb = torch.rand(a) + 0.5, torch.rand(b) + 0.5
    result = nt.apply_operation(label, ta, tb)
    if result.ok:
        assert result.facts.shape == nt.result_shape(label, a, b)
        assert torch.equal(result.result, nt.OPERATIONS[label].apply(ta, tb))
        return
    assert result.explanation.code in (
        "tensors.broadcast_clash", "tensors.inner_mismatch", "tensors.batch_clash", "tensors.zero_dim"
    )
    assert result.explanation.message.startswith(f"A has shape {nt.shape_text(a)}")
    for suggestion in result.explanation.suggestions:
        assert tuple(suggestion.apply(ta, tb).shape) == suggestion.result_shape


# --------------------------------------------------------------------------- shape operations


def test_shape_operations_before_after_and_memory() -> None:
    t = course(COURSE_X)
    reshaped = nt.apply_shape_op("reshape", t, "2, -1")
    assert (reshaped.before.shape, reshaped.after.shape, reshaped.code) == ((4, 2), (2, 4), "T.reshape(2, -1)")
    assert reshaped.shares_memory and torch.equal(reshaped.result, t.reshape(2, -1))
    transposed = nt.apply_shape_op("transpose", t, "0, 1")
    assert transposed.after.shape == (2, 4) and transposed.shares_memory and not transposed.after.is_contiguous
    assert nt.apply_shape_op("reshape", t.T, "-1").shares_memory is False  # non-contiguous: reshape copies
    assert nt.apply_shape_op("unsqueeze", t, "0").after.shape == (1, 4, 2)
    assert nt.apply_shape_op("squeeze", torch.zeros(1, 3, 1), "").after.shape == (3,)
    assert nt.apply_shape_op("squeeze", torch.zeros(1, 3, 1), "0, 2").after.shape == (3,)
    assert nt.apply_shape_op("flatten", torch.zeros(2, 3, 4), "1").after.shape == (2, 12)
    assert nt.apply_shape_op("view", t, "()").torch_error is not None


@pytest.mark.parametrize(
    ("name", "shape", "args", "code", "fragment"),
    [
        ("reshape", (4, 2), "3, 3", "tensors.size_mismatch", "must multiply to 8, but (3, 3) holds 9"),
        ("reshape", (2, 3), "4, -1", "tensors.not_divisible", "cannot be split into groups of 4"),
        ("reshape", (2, 3), "-1, -1", "tensors.two_inferred", "Only one size can be -1"),
        ("reshape", (2, 3), "-2, 3", "tensors.reshape_negative", "only -1 is allowed"),
        ("unsqueeze", (4, 2), "5", "tensors.dim_out_of_range", "from -3 to 2"),
        ("transpose", (4, 2), "0, 2", "tensors.dim_out_of_range", "from -2 to 1"),
        ("flatten", (2, 3, 4), "2, 0", "tensors.start_after_end", "must not come after"),
    ],
)
def test_shape_errors_keep_pytorchs_message_and_explain_it(
    name: str, shape: tuple, args: str, code: str, fragment: str
) -> None:
    t = torch.zeros(shape)
    result = nt.apply_shape_op(name, t, args)
    assert not result.ok and result.torch_error
    assert result.explanation.code == code
    assert fragment in result.explanation.message


def test_view_of_a_transposed_tensor_says_to_use_reshape() -> None:
    result = nt.apply_shape_op("view", course(COURSE_X).T, "8")
    assert "Use .reshape(...) instead" in result.torch_error
    assert result.explanation.code == "tensors.not_contiguous"


@FAST
@given(shape=shapes, dim=st.integers(-6, 6), name=st.sampled_from(["squeeze", "unsqueeze", "flatten"]))
def test_explained_dim_range_matches_pytorchs(shape: tuple, dim: int, name: str) -> None:
    result = nt.apply_shape_op(name, torch.zeros(shape), str(dim))
    if result.ok:
        return
    match = re.search(r"range of \[(-?\d+), (-?\d+)\], but got", result.torch_error)
    assert match, result.torch_error
    assert result.explanation.code == "tensors.dim_out_of_range"
    assert (result.explanation.details["low"], result.explanation.details["high"]) == (
        int(match.group(1)), int(match.group(2))
    )


@pytest.mark.parametrize(
    ("name", "args", "code"),
    [
        ("transpose", "0", "tensors.shape_op_arguments"),
        ("unsqueeze", "", "tensors.sizes_empty"),
        ("reshape", "2.5", "tensors.not_whole"),
    ],
)
def test_shape_arguments_that_cannot_be_read(name: str, args: str, code: str) -> None:
    with pytest.raises(InputError) as caught:
        nt.apply_shape_op(name, torch.zeros(2, 2), args)
    assert caught.value.code == code


# --------------------------------------------------------------------------- NumPy bridge


def test_numpy_shares_memory_and_the_shown_code_does_what_it_says() -> None:
    t = course("[[1., 0.], [0., 1.]]")
    bridge = nt.numpy_bridge(t)
    assert bridge.code_lines == ("array = T.numpy()", "T[0, 0] = 100.0")
    assert bridge.shares_memory and bridge.array_after[0, 0] == 100.0 and bridge.array_before[0, 0] == 1.0
    assert t[0, 0].item() == 1.0  # the student's T is untouched
    namespace: dict[str, object] = {"torch": torch, "T": t.clone()}
    exec("\n".join(bridge.code_lines), namespace)
    assert namespace["array"][0, 0] == 100.0  # the array followed the tensor


def test_torch_tensor_of_a_numpy_array_keeps_float64() -> None:
    bridge = nt.numpy_bridge(course("[[1., 0.], [0., 1.]]"))
    assert (bridge.array_dtype, bridge.from_array_dtype, bridge.from_list_dtype) == ("float64", "float64", "float32")
    assert bridge.from_array_printed == str(torch.tensor(np.array([[1.0, 0.0], [0.0, 1.0]])))
    assert bridge.from_array_printed.endswith("dtype=torch.float64)")  # as printed in 002 B.3
    assert bridge.from_numpy_shares


def test_numpy_bridge_for_grad_bool_and_scalar_tensors() -> None:
    grad = nt.numpy_bridge(nt.tensor_from_text("[1., 2.]", requires_grad=True).tensor)
    assert grad.to_numpy == "T.detach().numpy()" and grad.change_code == "with torch.no_grad(): T[0] = 100.0"
    namespace: dict[str, object] = {"torch": torch, "T": torch.tensor([1.0, 2.0], requires_grad=True)}
    exec("\n".join(grad.code_lines), namespace)
    assert namespace["array"][0] == 100.0
    flags = nt.numpy_bridge(course("[True, False]"))
    assert flags.array_after.tolist() == [False, False] and flags.change_code == "T[0] = False"
    scalar = nt.numpy_bridge(course("3"))
    assert scalar.change_code == "T.fill_(100)" and scalar.array_after.item() == 100
    assert not nt.numpy_bridge(course("[]")).changed


# --------------------------------------------------------------------------- autograd


def test_course_autograd_chain_gives_52_everywhere() -> None:
    chain = nt.autograd_from_text("[[1., 1., 1.], [1., 1., 1.]]")
    assert chain.z == 150.0 and chain.z_printed == "tensor(150., grad_fn=<SumBackward0>)"
    assert chain.y.tolist() == [[25.0] * 3] * 2
    assert chain.grad.tolist() == [[52.0] * 3] * 2
    assert chain.by_hand.tolist() == [[52.0] * 3] * 2
    assert chain.dy_dw.tolist() == [[26.0] * 3] * 2
    assert chain.grad_fns == {"w": "MulBackward0", "y": "AddBackward0", "z": "SumBackward0"}
    assert chain.matches and chain.max_difference == 0.0
    assert chain.rows()[0] == {"index": (0, 0), "x": 1.0, "w": 2.0, "y": 25.0, "dy_dw": 26.0, "by_hand": 52.0, "grad": 52.0}


def test_whole_numbers_for_x_become_floats() -> None:
    chain = nt.autograd_from_text("[[1, 2]]")
    assert chain.grad.dtype == torch.float32 and chain.grad.tolist() == [[52.0, 148.0]]
    assert nt.autograd_chain(torch.tensor([1, 2])).grad.tolist() == [52.0, 148.0]
    with pytest.raises(InputError):
        nt.autograd_from_text("[1]", dtype="int64")


@FAST
@given(
    values=st.lists(st.floats(-50, 50, allow_nan=False, width=32), min_size=1, max_size=12),
    dtype=st.sampled_from(["float32", "float64"]),
)
def test_chain_rule_by_hand_equals_autograd(values: list[float], dtype: str) -> None:
    chain = nt.autograd_from_text(str(values), dtype=dtype)
    x = torch.tensor(values, dtype=DTYPES[dtype], requires_grad=True)
    w = 2 * x
    torch.sum(w * w * w + 3 * w * w + 2 * w + 1).backward()
    assert torch.equal(chain.grad, x.grad)  # the same numbers autograd gives directly
    assert chain.matches
    assert torch.allclose(chain.by_hand, x.grad, rtol=1e-5, atol=1e-4)
    assert len(chain.rows()) == len(values)


# --------------------------------------------------------------------------- arbitrary text


def only_tensor_or_input_error(call) -> None:
    try:
        value = call()
    except InputError as error:
        assert error.message and error.code
        return
    assert value is not None


text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="[]0123456789.,-+e x()×naifTrueFls", max_size=40),
)


@settings(max_examples=300, deadline=None)
@given(raw=text, dtype=st.sampled_from(nt.DTYPE_CHOICES), grad=st.booleans())
def test_arbitrary_text_gives_a_tensor_or_an_input_error(raw: str, dtype: str, grad: bool) -> None:
    only_tensor_or_input_error(lambda: nt.tensor_from_text(raw, dtype=dtype, requires_grad=grad))
    only_tensor_or_input_error(lambda: nt.autograd_from_text(raw))
    only_tensor_or_input_error(lambda: nt.parse_seed(raw) or 0)


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(list(nt.FACTORIES)),
    args=text,
    fill=text,
    seed=text,
    dtype=st.sampled_from(nt.DTYPE_CHOICES),
)
def test_arbitrary_factory_arguments_give_a_tensor_or_an_input_error(
    name: str, args: str, fill: str, seed: str, dtype: str
) -> None:
    def make() -> torch.Tensor:
        made = nt.make_factory_tensor(name, args, fill_text=fill, dtype=dtype, seed_text=seed)
        assert made.tensor.numel() <= 10_000
        return made.tensor

    only_tensor_or_input_error(make)


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(list(nt.SHAPE_OPS)), args=text, shape=shapes)
def test_arbitrary_shape_arguments_give_a_result_or_an_input_error(name: str, args: str, shape: tuple) -> None:
    def apply() -> nt.ShapeOpResult:
        result = nt.apply_shape_op(name, torch.zeros(shape), args)
        assert result.ok or (result.torch_error and result.explanation.message)
        return result

    only_tensor_or_input_error(apply)


def test_python_literal_round_trips_special_floats() -> None:
    values = [[math.nan, math.inf], [-math.inf, -0.0]]
    literal = nt.python_literal(values)
    assert literal == "[[float('nan'), float('inf')], [float('-inf'), -0.0]]"


# --------------------------------------------------------------------------- words from the catalogue


def test_explanations_read_word_for_word_as_before() -> None:
    """The sentences moved into locales/en/LC_MESSAGES/tensors.po; a student reads the same text."""
    clash = nt.apply_operation("A * B", torch.ones(4, 2), torch.ones(2, 3)).explanation
    assert clash.message == (
        "A has shape (4, 2) and B has shape (2, 3). A * B works element by element, so PyTorch lines the shapes "
        "up from the right, and each pair of sizes must be equal, or one of them must be 1 (that one is "
        "stretched), or missing. Here in dimension 1 (the last) A has 2 and B has 3; in dimension 0 (2nd from "
        "the right) A has 4 and B has 2: neither size is 1, so nothing can be stretched to match. PyTorch "
        "reports dimension 1, the first clash it meets from the right. What would work: A @ B → (4, 3); "
        "A.unsqueeze(2) * B → (4, 2, 3)."
    )
    deep = nt.apply_operation("A + B", torch.ones(2, 4, 2, 5), torch.ones(3, 2, 3, 5)).explanation
    assert "in dimension 2 (2nd from the right) A has 2 and B has 3; in dimension 1 (3rd from the right) A has 4 " \
        "and B has 2; in dimension 0 (4th from the right) A has 2 and B has 3: neither" in deep.message
    reshape = nt.apply_shape_op("reshape", torch.ones(4, 2), "3, 3").explanation
    assert reshape.message == (
        "T has shape (4, 2): 2 dimensions, 8 elements. reshape keeps every element, so the new sizes must "
        "multiply to 8, but (3, 3) holds 9. Shapes that fit: (8,), (2, 4), (4, 2) (or use -1 for one size)."
    )
    repeated = nt.apply_shape_op("squeeze", torch.ones(1), "0, 0").explanation
    assert repeated.message == "T has shape (1,): 1 dimension, 1 element. Each dimension can be named only once."
    with pytest.raises(InputError) as caught:
        nt.apply_shape_op("flatten", torch.ones(2, 2), "1,2,3")
    assert caught.value.message == "flatten takes 0 to 2 whole number(s), e.g. nothing; got 3."


def test_every_code_built_at_run_time_has_its_words() -> None:
    """Codes put together from a rule, a kind or a variant name are worded too (none shows as a bare code)."""
    dims = [nt.BroadcastDim(0, 1, 1, 1, rule, 1) for rule in nt.BROADCAST_RULES]
    plans = [nt.matmul_plan(a, b) for a, b in (((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 2)),
                                                  ((4, 2, 3), (3, 2)))]
    assert sorted(plan.kind for plan in plans) == sorted(nt.MATMUL_KINDS)
    suggestion_kinds = ("matmul_instead", "elementwise_instead", "transpose", "swap", "unsqueeze", "dtype")
    suggestions = [nt.Suggestion("A", "A + B", kind, ()) for kind in suggestion_kinds]
    words = [d.rule_words for d in dims] + [p.kind_words for p in plans] + [s.words for s in suggestions]
    assert all(text and not text.startswith("tensors.") for text in words), words
    assert [nt.Phrase("tensors.dimension_from_right", {"index": 0, "ordinal": ordinal}).words()
            for ordinal in (nt.explanations._ordinal(n) for n in (2, 3, 4, 11, 12, 13, 21, 22, 23, 101))] == [
        f"dimension 0 ({n} from the right)"
        for n in ("2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st")
    ]
    for text, code in (("[1, [2]]", "parsing.ragged_after_number"), ("[[1], 2]", "parsing.ragged_number"),
                       ("[[1, 2], [3, [4]]]", "parsing.ragged_row_after_number"),
                       ("[[[1], 2], [3, 4]]", "parsing.ragged_row_number"),
                       ("[[[1, 2], [3]]]", "parsing.ragged_row")):
        with pytest.raises(InputError) as caught:
            nt.tensor_from_text(text)
        assert caught.value.code == code and caught.value.message.startswith("The rows have different lengths: ")
    assert "item [1] has shape () (a single number) but [0] has shape (1,)" in _message(lambda: nt.tensor_from_text("[[1], 2]"))


def _message(call) -> str:
    with pytest.raises(InputError) as caught:
        call()
    return caught.value.message


def test_what_the_page_says_about_each_operation_is_read_in_the_current_language() -> None:
    """Operation, shape operation and factory words come from the catalogue when read."""
    from nnlib.core import messages

    def words() -> list[str]:
        return [
            *(text for op in nt.OPERATIONS.values() for text in (op.name, op.summary)),
            *(text for op in nt.SHAPE_OPS.values() for text in (op.args_label, op.summary)),
            *(text for kind in nt.ARGS_KINDS.values() for text in (kind.label, kind.help)),
            *(factory.summary for factory in nt.FACTORIES.values()),
        ]

    english = words()
    with messages.in_language("ru"):
        russian = words()
    assert all(english) and all(re.search("[а-яё]", text, re.IGNORECASE) for text in russian)
    assert nt.OPERATIONS["A @ B"].summary == "each row of A times each column of B, summed"
    assert nt.SHAPE_OPS["reshape"].args_label == "New shape (one size may be -1: PyTorch works it out)"
    assert nt.FACTORIES["empty"].note.startswith("torch.empty does not clear") and nt.FACTORIES["zeros"].note == ""
