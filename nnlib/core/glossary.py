"""The course's terms in English and Russian, with where each appears in the course texts.

The list lives in ``locales/glossary.toml`` (one ``[[term]]`` each: ``en``, ``ru``, ``zh`` where
the Chinese text 002 has one, ``also`` for other forms the texts use, ``note.<language>``, and ``where``: the
text, its section as the text heads it, and the words ``found`` there). The Russian catalogues
use its ``ru`` column; the Glossary page shows it in the reader's order.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass

from nnlib.core.messages import LOCALES_DIR, SOURCE_LANGUAGE

GLOSSARY_FILE = LOCALES_DIR / "glossary.toml"


@dataclass(frozen=True)
class Place:
    """Where a term stands in a course text: ``text`` (000-004), its ``section``, the words ``found`` there."""

    text: str
    section: str
    found: str


@dataclass(frozen=True)
class Term:
    en: str
    ru: str
    zh: str = ""
    also: tuple[str, ...] = ()
    notes: tuple[tuple[str, str], ...] = ()  # (language, why the term was chosen), English first
    where: tuple[Place, ...] = ()

    def in_language(self, language: str) -> str:
        """The term in ``language`` (English where the glossary has none for it)."""
        return getattr(self, language, "") or self.en

    def note(self, language: str = SOURCE_LANGUAGE) -> str:
        """Why this term, in ``language`` (English where the note has none in it; "" without a note)."""
        said = dict(self.notes)
        return said.get(language) or said.get(SOURCE_LANGUAGE, "")


@functools.cache
def terms() -> tuple[Term, ...]:
    """Every term, in the file's order (read once; the records are immutable)."""
    with GLOSSARY_FILE.open("rb") as source:
        raw = tomllib.load(source)["term"]
    return tuple(
        Term(
            en=entry["en"], ru=entry["ru"], zh=entry.get("zh", ""), also=tuple(entry.get("also", ())),
            notes=tuple(entry.get("note", {}).items()), where=tuple(Place(**place) for place in entry.get("where", ())),
        )
        for entry in raw
    )


def _sort_key(text: str, language: str) -> tuple[bool, str]:
    # Terms in the language's own script first (Russian: Cyrillic, so "Softmax" comes after "эпоха"),
    # then by letters; ё sorts with е, as Russian dictionaries do.
    own_script = text[:1].isascii() if language == SOURCE_LANGUAGE else not text[:1].isascii()
    return (not own_script, text.casefold().replace("ё", "е"))


def in_order(language: str = SOURCE_LANGUAGE) -> list[Term]:
    """The terms sorted as a dictionary in ``language`` sorts them."""
    return sorted(terms(), key=lambda term: _sort_key(term.in_language(language), language))
