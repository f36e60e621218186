"""Words a data record shows (a data set's description, a toy set's title), worded when they are read.

A record made once per server (the registry, a loaded data set shared by every session) cannot hold
its text in one language: each session reads it in its own. So a record keeps a :class:`Words`, a
catalogue code and its details, and a :class:`Worded` field turns it into text in the language of
the run that reads it (:func:`nnlib.core.messages.current_language`)::

    @dataclass(frozen=True)
    class ToySet:
        description: str = Worded()        # a field like any other for its callers

    ToySet(description=Words("data.toy.circles.description"))   # or plain text, kept as it is

English (the CLI, the tests, background threads) reads the same text as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nnlib.core import messages


@dataclass(frozen=True)
class Words:
    """A catalogue code and its details: text in the current language wherever it is turned into one."""

    code: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def words(self, language: str | None = None) -> str:
        return messages.word(self.code, self.details, language)

    def __str__(self) -> str:
        return self.words()

    def __format__(self, spec: str) -> str:
        # Where a message quotes a record ("{description} has 12 samples"), it reads in the current language.
        return format(self.words(), spec)


class Worded:
    """A dataclass field that takes plain text or :class:`Words` and always reads as text.

    A descriptor-typed field: the instance keeps what it was given (under ``_<name>``) and reading
    the attribute words it in the current language; a frozen dataclass stays frozen. The field has
    no default.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, instance: object, owner: type | None = None) -> str:
        if instance is None:
            raise AttributeError(self.slot)  # a dataclass asks for a default: there is none
        return str(instance.__dict__[self.slot])

    def __set__(self, instance: object, value: str | Words) -> None:
        instance.__dict__[self.slot] = value


def kept_words(instance: object, name: str) -> str | Words:
    """What a :class:`Worded` field was given (the :class:`Words` itself, to quote it in a message lazily)."""
    return instance.__dict__[f"_{name}"]
