"""Message codes and their catalogues: every code the engine raises is worded, with the details it names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.core.params import Param, resolve

NNLIB = Path(messages.__file__).resolve().parents[1]


def raised_codes() -> list[tuple[str, str, set[str] | None]]:
    """(where, code, keyword names given) for every ``InputError("concept.code", ...)`` in nnlib."""
    found = []
    for path in sorted(NNLIB.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "InputError"):
                continue
            if not (node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                continue
            code = node.args[0].value
            assert "." in code and " " not in code, f"{path}:{node.lineno}: {code!r} is not a concept.code"
            names = {k.arg for k in node.keywords if k.arg is not None}
            open_ended = any(k.arg is None for k in node.keywords)  # **details: names known at run time
            found.append((f"{path.relative_to(NNLIB.parent)}:{node.lineno}", code, None if open_ended else names))
    return found


def test_the_catalogues_parse_and_english_has_every_concept() -> None:
    assert messages.languages()[0] == "en"
    for domain in messages.domains("en"):
        assert messages.catalogue("en", domain) is not None


@pytest.mark.parametrize(("where", "code", "names"), raised_codes(), ids=lambda v: str(v)[:60])
def test_every_raised_code_is_worded_with_the_details_it_is_given(where: str, code: str, names) -> None:
    text = messages.template(code)
    assert text is not None, f"{where}: {code} has no English wording"
    if names is not None:
        missing = messages.placeholders(text) - names
        assert not missing, f"{where}: {code} names {missing} but is not given them"


def test_an_error_reads_as_a_sentence_and_keeps_its_data() -> None:
    slope = Param("negative_slope", default=0.01, minimum=0.0, maximum=1.0)
    with pytest.raises(InputError) as caught:
        resolve([slope], {"negative_slope": 2}, "LeakyReLU")
    error = caught.value
    assert error.code == "params.too_large"
    assert error.field == "negative_slope"
    assert error.details == {"owner": "LeakyReLU", "param": "negative_slope", "value": 2, "maximum": 1.0}
    assert str(error) == "LeakyReLU: negative_slope must be at most 1, got 2."


def test_a_code_without_wording_still_shows_its_data() -> None:
    assert messages.word("nowhere.unknown", {"row": 2}) == "nowhere.unknown (row=2)"
    assert messages.word("params.missing", {"owner": "Linear"}) == "Linear needs {param}."


def test_plural_entries_pick_their_form_and_plain_ones_ignore_the_count() -> None:
    assert messages.word("data.csv_dropped_rows", {"count": 1, "rows": 4}) == (
        "1 row of 4 has a missing value and is left out.")
    assert messages.word("data.csv_dropped_rows", {"count": 2, "rows": 4}) == (
        "2 rows of 4 have a missing value and are left out.")
    assert messages.word("classroom.text_too_long", {"count": 3, "field": "name", "length": 9, "limit": 5}) == (
        "The name is 9 characters long; at most 5 are kept.")


def test_no_engine_error_carries_its_own_sentence() -> None:
    """Every InputError is a code plus details: no inline English, no message or code keywords."""
    for path in sorted(NNLIB.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "InputError":
                where = f"{path.relative_to(NNLIB.parent)}:{node.lineno}"
                assert len(node.args) == 1, where
                assert not {k.arg for k in node.keywords} & {"code", "details", "message"}, where
                first = node.args[0]
                if isinstance(first, ast.Constant):
                    assert " " not in first.value and "." in first.value, where
