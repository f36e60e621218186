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
    assert messages.word("classroom.name_too_long", {"count": 3, "field": "name", "length": 9, "limit": 5}) == (
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


# ---- languages: the run's language, Russian plural forms, a complete Russian translation


def english_entries() -> list[tuple[str, str, set[str]]]:
    """(domain, code, placeholders of its English wording, every form together) for every English entry."""
    from babel.messages.pofile import read_po

    found = []
    for domain in messages.domains("en"):
        with (messages.LOCALES_DIR / "en" / "LC_MESSAGES" / f"{domain}.po").open("rb") as source:
            for entry in read_po(source, locale="en"):
                if entry.id:
                    forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
                    code = entry.id[0] if isinstance(entry.id, tuple) else entry.id
                    found.append((domain, code, set().union(*(messages.placeholders(f) for f in forms))))
    return found


def russian_entries() -> dict[str, tuple[str, ...]]:
    """code -> its Russian forms (one, or the three plural forms), translated ones only."""
    from babel.messages.pofile import read_po

    found = {}
    for domain in messages.domains("ru"):
        with (messages.LOCALES_DIR / "ru" / "LC_MESSAGES" / f"{domain}.po").open("rb") as source:
            for entry in read_po(source, locale="ru"):
                forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
                if entry.id and all(forms) and not entry.fuzzy:
                    found[entry.id[0] if isinstance(entry.id, tuple) else entry.id] = forms
    return found


def test_every_english_message_has_a_russian_translation_with_the_same_placeholders() -> None:
    """No English fallback in the Russian interface: every code of every English engine catalogue
    is translated, and every form names exactly the details the English names."""
    russian = russian_entries()
    missing: dict[str, list[str]] = {}
    mismatched = []
    for domain, code, names in english_entries():
        if code not in russian:
            missing.setdefault(domain, []).append(code)
            continue
        for form in russian[code]:
            if messages.placeholders(form) != names:
                mismatched.append(f"{code}: {sorted(messages.placeholders(form))} vs English {sorted(names)}")
    report = [f"{domain}.po lacks {len(codes)}: {', '.join(codes)}" for domain, codes in sorted(missing.items())]
    assert not report, "Russian translations missing:\n" + "\n".join(report)
    assert not mismatched, "Russian placeholders differ:\n" + "\n".join(mismatched)


def test_russian_plural_forms_come_from_a_real_entry() -> None:
    said = {n: messages.word("training.stop_all_epochs", {"count": n}, "ru") for n in (1, 2, 5, 11, 21, 22, 25)}
    assert said == {
        1: "пройдена 1 эпоха", 2: "пройдены все 2 эпохи", 5: "пройдены все 5 эпох", 11: "пройдены все 11 эпох",
        21: "пройдена 21 эпоха", 22: "пройдены все 22 эпохи", 25: "пройдены все 25 эпох",
    }
    assert messages.word("training.stop_all_epochs", {"count": 5}) == "all 5 epochs done"


def test_the_current_language_words_messages_and_errors_where_none_is_named() -> None:
    assert messages.current_language() == "en"
    with messages.in_language("ru"):
        assert messages.current_language() == "ru"
        assert messages.word("parsing.missing_close") == "Ввод обрывается слишком рано: не хватает закрывающей скобки ']'."
        # A language named outright wins over the current one.
        assert messages.word("parsing.missing_close", language="en") == "The input ends too early: a closing ']' is missing."
        assert InputError("parsing.missing_close").words("ru").startswith("Ввод обрывается")
    assert messages.current_language() == "en"
    assert messages.word("parsing.missing_close") == "The input ends too early: a closing ']' is missing."


def test_a_run_that_chose_no_language_takes_its_sessions() -> None:
    session_language = {"value": "ru"}
    messages.follow_session_language(lambda: session_language["value"])
    try:
        assert messages.current_language() == "ru"
        session_language["value"] = None  # outside any session: English
        assert messages.current_language() == "en"
        with messages.in_language("en"):  # a run's own choice wins
            session_language["value"] = "ru"
            assert messages.current_language() == "en"
    finally:
        messages.follow_session_language(None)


def test_use_language_holds_for_the_rest_of_its_context_only() -> None:
    import contextvars

    def run_in_russian() -> str:
        messages.use_language("ru")
        return messages.word("training.stop_all_epochs", {"count": 2})

    assert contextvars.copy_context().run(run_in_russian) == "пройдены все 2 эпохи"
    assert messages.current_language() == "en"


def test_grouped_numbers_follow_the_language() -> None:
    details = {"name": "big.tar.gz", "max_members": 100000}
    assert "more than 100,000 entries" in messages.word("data.too_many_members", details, "en")
    russian = messages.word("data.too_many_members", details, "ru")
    assert "100\u00a0000" in russian and "100,000" not in russian
