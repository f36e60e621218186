"""The glossary (locales/glossary.toml): its terms and places, and the Russian catalogues say what it says.

Whether each place is in its course text is checked by ``python -m tools.check_glossary`` against
the texts (they are not in this repository); here that check runs on texts the test writes."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from nnlib.core import glossary, messages
from tools.check_glossary import misplaced, sections

# Terms the issue names from the course texts: the interface must have each of them.
ISSUE_TERMS = {
    "loss function": "функция потерь", "activation function": "функция активации",
    "gradient descent": "градиентный спуск", "learning rate": "скорость обучения", "epoch": "эпоха",
    "batch": "батч", "backpropagation": "обратное распространение ошибки", "overfitting": "переобучение",
    "tensor": "тензор", "layer": "слой", "neuron": "нейрон", "weights": "веса", "bias": "смещение",
}
# Terms whose English the engine's catalogues use: where English says one, Russian says its term.
CATALOGUE_TERMS = ("gradient descent", "learning rate", "epoch", "batch", "tensor", "layer", "weights", "bias",
                   "optimizer", "training set", "cross-entropy", "loss function", "activation function")


def test_the_glossary_has_the_issues_terms_each_placed_in_the_course() -> None:
    terms = {term.en: term for term in glossary.terms()}
    assert {en: terms[en].ru for en in ISSUE_TERMS} == ISSUE_TERMS
    assert len(terms) == len(glossary.terms()) == 55  # no term twice
    assert all(term.where and term.ru and term.en for term in glossary.terms())
    assert terms["batch"].also == ("пакет",)
    assert terms["epoch"].note("ru").startswith("Формы числа: 1 эпоха, 2 эпохи, 5 эпох.")
    assert terms["epoch"].note("en").startswith("Plural forms: 1 эпоха, 2 эпохи, 5 эпох.")
    assert terms["tensor"].note("ru") == ""


def test_each_language_reads_the_glossary_in_its_own_order() -> None:
    russian = [term.ru for term in glossary.in_order("ru")]
    assert russian[:3] == ["автоматическое дифференцирование", "батч", "бинарная классификация"]
    assert russian[-2:] == ["эпоха", "Softmax"]  # Cyrillic first, then the Latin names
    english = [term.en for term in glossary.in_order("en")]
    assert english[:3] == ["accuracy", "activation function", "automatic differentiation"]
    assert english == sorted(english, key=str.casefold)


def catalogue_texts(language: str) -> dict[str, str]:
    """code -> every form of its wording joined, with the {placeholders} taken out."""
    found = {}
    for domain in messages.domains(language):
        with (messages.LOCALES_DIR / language / "LC_MESSAGES" / f"{domain}.po").open("rb") as source:
            for entry in read_po(source, locale=language):
                if entry.id:
                    text = " ".join(entry.string) if isinstance(entry.string, tuple) else entry.string
                    code = entry.id[0] if isinstance(entry.id, tuple) else entry.id
                    found[code] = re.sub(r"\{[^}]*\}", " ", text)
    return found


def inflected(term: str) -> re.Pattern[str]:
    """A Russian term in any case form: each word's ending left open (функция потерь -> функции потерь)."""
    return re.compile(r"\s+".join(re.escape(word[: max(3, len(word) - 2)]) + r"\w*" for word in term.split()),
                      re.IGNORECASE)


def test_the_russian_catalogues_use_the_glossarys_terms() -> None:
    english, russian = catalogue_texts("en"), catalogue_texts("ru")
    terms = {term.en: term for term in glossary.terms()}
    astray = []
    for name in CATALOGUE_TERMS:
        said = [inflected(form) for form in (terms[name].ru, *terms[name].also)]
        for code, text in english.items():
            if re.search(rf"\b{re.escape(name)}s?\b", text, re.IGNORECASE) and code in russian:
                if not any(form.search(russian[code]) for form in said):
                    astray.append(f"{code}: English says {name!r}, Russian not {terms[name].ru!r}")
    assert not astray, "\n".join(astray)


def test_the_course_text_check_finds_a_quote_in_its_section_and_only_there(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "004_x.txt").write_text("## Функции потерь\nФункция потерь измеряет ошибку.\n"
                                        "## Метрики\nТочность — доля верных ответов.\n", encoding="utf-8")
    assert set(sections(tmp_path, "004")) == {"Функции потерь", "Метрики"}
    assert "доля верных" in sections(tmp_path, "004")["Метрики"]
    found = glossary.Place("004", "Функции потерь", "функция потерь")
    astray = glossary.Place("004", "Метрики", "функция потерь")
    missing = glossary.Place("004", "Оптимизаторы", "шаг")
    term = glossary.terms()[0]
    monkeypatch.setattr(glossary, "terms", lambda: [dataclasses.replace(term, where=(found, astray, missing))])
    assert misplaced(tmp_path) == [f"{term.en}: «функция потерь» is not in 004 «Метрики»",
                                   f"{term.en}: 004 has no section «Оптимизаторы»"]
