"""Shared UI pieces: an input error quotes what was typed as plain text, never as markdown; a tensor
becomes a table the way the pages showed it before nnlib.core.formatting laid it out.

st.error renders markdown, so a typed `__import__` came back as a bold "import". The browser
tour (tests/e2e/test_hostile_input.py) checks what is drawn; these check the source sent.
"""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from pages.components.ui import plain_markdown, tensor_frame
from tests.app.conftest import app_test

ZWSP = "\u200b"


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("'__import__' at character 1", r"'\_\_import\_\_' at character 1"),
        ("$x^2$ and `code` ~~gone~~ &amp;", r"\$x^2\$ and \`code\` \~\~gone\~\~ \&amp;"),
        ("*a* **b** a*b*c", r"\*a\* \*\*b\*\* a\*b\*c"),
        ("[a](javascript:alert(1))", "[a]\\(javascript\\:" + ZWSP + "alert(1))"),
        (":material/home: :red[x] :smile:", "\\:" + ZWSP + "material/home: \\:" + ZWSP + "red[x] \\:" + ZWSP + "smile:"),
        ("a\\b", "a\\\\b"),
        # Fixed wording stays as written: intraword _, a spaced *, brackets, colons before a space.
        ("notMNIST_small.tar.gz, A * B, [[1, 2]]: closing ']'", "notMNIST_small.tar.gz, A * B, [[1, 2]]: closing ']'"),
    ],
)
def test_plain_markdown_escapes_only_what_would_become_markup(text: str, source: str) -> None:
    assert plain_markdown(text) == source


def test_a_typed_python_call_is_quoted_as_typed_in_the_error() -> None:
    at = app_test("pages/tensors.py").run()
    at.text_area(key="tensors_text").input("__import__('os').system('id')").run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        r"'\_\_import\_\_' at character 1 is not a number. Type numbers such as 1, -0.5, 2e-3, nan or inf."
    ]


def test_a_link_naming_a_markdown_layer_is_quoted_as_typed() -> None:
    at = app_test("pages/builder.py")
    at.query_params["builder_stack"] = '[{"kind": "**x** $y$ :red[z]"}]'
    at.run()
    assert not at.exception
    [warning] = [w.value for w in at.warning]
    assert "unknown layer kind '\\*\\*x\\*\\* \\$y\\$ \\:" + ZWSP + "red[z]'" in warning


def test_tensor_frame_matches_the_frames_pages_built_themselves() -> None:
    values = torch.tensor([[0.123456, -1.0, 2.5], [3.00004, 0.0, -0.00005]], dtype=torch.float64)
    # Backpropagation: columns 0, 1, ... rounded to 4 decimals; a vector stands as a column.
    expected = pd.DataFrame(values.numpy(), columns=["0", "1", "2"]).round(4)
    assert tensor_frame(values, decimals=4).equals(expected)
    assert tensor_frame(torch.tensor([1.0, 2.0])).values.tolist() == [[1.0], [2.0]]
    # Activations: rows and columns named, a vector stands as a row.
    named = tensor_frame(torch.tensor([0.5, -1.0]), vector="row", row_prefix="row ", column_prefix="col ")
    assert list(named.index) == ["row 0"] and list(named.columns) == ["col 0", "col 1"]
    assert named.values.tolist() == [[0.5, -1.0]]
