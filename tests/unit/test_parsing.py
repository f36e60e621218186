from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.core.errors import InputError
from nnlib.core.formatting import tensor_literal
from nnlib.core.parsing import parse_tensor
from nnlib.core.settings import Settings


@pytest.mark.parametrize(
    "text",
    ["[[1., 0.], [0., 1.]]", "[[1. 0.] [0. 1.]]", "tensor([[1., 0.], [0., 1.]])", "1. 0.\n0. 1.",
     "array([[1., 0.],\n       [0., 1.]])"],
)
def test_python_numpy_and_printed_forms_agree(text: str) -> None:
    assert torch.equal(parse_tensor(text), torch.eye(2))


def test_dtype_inference_matches_torch_tensor() -> None:
    assert parse_tensor("[1, 2, 3]").dtype == torch.tensor([1, 2, 3]).dtype == torch.int64
    assert parse_tensor("[1, 2.5]").dtype == torch.tensor([1, 2.5]).dtype == torch.float32
    assert parse_tensor("[True, False]").dtype == torch.bool
    assert parse_tensor("3.5").shape == torch.Size([])
    assert parse_tensor("[1, 2]", "float64").dtype == torch.float64


def test_special_values() -> None:
    values = parse_tensor("[nan, inf, -inf, -1e-3, .5, +2]")
    assert torch.isnan(values[0])
    assert values[1:].tolist() == [float("inf"), float("-inf"), pytest.approx(-1e-3), 0.5, 2.0]


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("[[1, 2], [3]]", "parsing.ragged", "different lengths"),
        ("[1, two]", "parsing.not_a_number", "'two' at character 5 is not a number"),
        ("", "parsing.empty", "empty"),
        ("   ", "parsing.empty", "empty"),
        ("[1, 2", "parsing.missing_close", "missing"),
        ("[1, 2]]", "parsing.trailing", "one outer pair"),
        ("1e309", "parsing.float_overflow", "largest float"),
        ("__import__('os').system('id')", "parsing.not_a_number", "not a number"),
        ("<script>alert(1)</script>", "parsing.unexpected_character", "Unexpected character '<'"),
        ("[" * 500 + "]" * 500, "parsing.too_many_dims", "at most 6 dimensions"),
        # A pasted run of digits: more than Python's 4,300-digit int() limit, within the text cap.
        ("9" * 20_000, "parsing.int_overflow", "too large for a 64-bit integer"),
        ("[1, -" + "9" * 5_000 + "]", "parsing.int_overflow", "too large for a 64-bit integer"),
    ],
)
def test_bad_input_is_one_clear_error(text: str, code: str, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_tensor(text, field="A")
    assert caught.value.code == code
    assert fragment in caught.value.message
    assert caught.value.field == "A"


def test_caps_come_from_settings() -> None:
    small = Settings(max_text_chars=10, max_tensor_elements=3)
    with pytest.raises(InputError, match="limit is 10"):
        parse_tensor("[1, 2, 3, 4, 5]", settings=small)
    with pytest.raises(InputError, match="at most 3 elements"):
        parse_tensor("[1,2,3,4]", settings=small)
    with pytest.raises(InputError, match="at most 3 elements"):
        parse_tensor("1 2 3 4", settings=small)
    with pytest.raises(InputError, match="characters long"):
        parse_tensor("1" * 1_000_001)


def test_dtype_range_checks() -> None:
    with pytest.raises(InputError, match="cannot hold nan"):
        parse_tensor("[nan]", "int64")
    with pytest.raises(InputError, match="outside the range of int32"):
        parse_tensor("[3000000000]", "int32")
    with pytest.raises(InputError, match="largest float32"):
        parse_tensor("[1e39]", "float32")
    assert parse_tensor("[1e39]", "float64").item() == 1e39


def test_round_trip_of_formatted_literal() -> None:
    tensor = torch.tensor([[0.7644, -0.3751], [1e-6, 2.0]])
    again = parse_tensor(tensor_literal(tensor, decimals=6))
    assert torch.allclose(again, tensor)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_gives_a_tensor_or_an_input_error(text: str) -> None:
    try:
        result = parse_tensor(text)
    except InputError as error:
        assert error.message
    else:
        assert isinstance(result, torch.Tensor)


bracketish = st.text(alphabet="[], .0123456789-e\n", max_size=120)


@settings(max_examples=400, deadline=None)
@given(bracketish)
def test_bracket_soup_gives_a_tensor_or_an_input_error(text: str) -> None:
    try:
        result = parse_tensor(text)
    except InputError:
        return
    assert isinstance(result, torch.Tensor)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.floats(allow_nan=False, width=32), min_size=2, max_size=2), min_size=1, max_size=5))
def test_python_list_text_matches_torch_tensor(rows: list[list[float]]) -> None:
    assert torch.equal(parse_tensor(repr(rows), "float32"), torch.tensor(rows, dtype=torch.float32))
