"""The glossary (locales/glossary.toml): every place it names is in the course texts, and the
Russian catalogues say what it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from nnlib.core import glossary, messages

# The course texts sit beside the project (../shared/seeds), as the issues refer to them.
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
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


def sections(number: str) -> dict[str, str]:
    """A course text split by its own headings: 000/001 one book page each ("с. 76"), 002 by its
    B.x headings, 003 by its table of contents, 004 by its "##" headings. Each section's text
    starts with its heading."""
    text = next(SEEDS.glob(f"{number}_*.txt")).read_text(encoding="utf-8")
    if number in ("000", "001"):
        page = re.search(r"^page_number: (\d+)", text, re.MULTILINE).group(1)
        return {f"с. {page}": text}
    lines = text.splitlines()
    if number == "003":
        first = "Роль нелинейности в нейронных сетях"  # the first heading: in the contents, then in the body
        contents_at, body_at = [i for i, line in enumerate(lines) if line.strip() == first][:2]
        headings = {line.strip() for line in lines[contents_at:body_at] if line.strip()}
        lines = lines[body_at:]

        def heading(line: str) -> str | None:
            return line.strip() if line.strip() in headings else None
    else:
        pattern = re.compile(r"^#{2,3} (.+)$" if number == "004" else r"^#{1,3} ((?:B|附录).*)$")

        def heading(line: str) -> str | None:
            found = pattern.match(line)
            return found.group(1).strip() if found else None
    found: dict[str, str] = {}
    current = None
    for line in lines:
        current = heading(line) or current
        if current is not None:
            found[current] = found.get(current, "") + line + "\n"
    return found


def all_places() -> list[tuple[str, glossary.Place]]:
    return [(term.en, place) for term in glossary.terms() for place in term.where]


@pytest.mark.parametrize(("term", "place"), all_places(), ids=lambda v: v if isinstance(v, str) else v.text)
def test_every_place_is_in_the_course_text_as_quoted(term: str, place: glossary.Place) -> None:
    text = sections(place.text)
    assert place.section in text, f"{term}: {place.text} has no section «{place.section}»: {sorted(text)}"
    assert place.found.casefold() in text[place.section].casefold(), (
        f"{term}: «{place.found}» is not in {place.text} «{place.section}»")


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
