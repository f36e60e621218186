"""A sentence as data: a message code, its details, and details that are phrases themselves.

An explanation of a shape error is built from parts a translator words separately (the
dimension, a list of clashes, an ordinal), so it is kept as a tree of codes and worded only
when it is read, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nnlib.core import messages

LIST_SEPARATOR = "; "


@dataclass(frozen=True)
class Phrase:
    """``code`` worded with ``details``; a detail that is a Phrase is worded first, a tuple of
    Phrases is worded and joined with ``"; "``."""

    code: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def words(self, language: str | None = None) -> str:
        shown = {name: _worded(value, language) for name, value in self.details.items()}
        return messages.word(self.code, shown, language)


def phrase(code: str, **details: Any) -> Phrase:
    return Phrase(code, details)


def _worded(value: Any, language: str) -> Any:
    if isinstance(value, Phrase):
        return value.words(language)
    if isinstance(value, tuple) and value and all(isinstance(item, Phrase) for item in value):
        return LIST_SEPARATOR.join(item.words(language) for item in value)
    return value


def sentences(parts: tuple[Phrase, ...], language: str | None = None) -> str:
    """Several phrases as one text, a space between them."""
    return " ".join(part.words(language) for part in parts)
