"""The one error type a page shows to a student.

Anything that goes wrong because of what a person typed, uploaded or chose is raised as
:class:`InputError` with a code and the details behind it::

    raise InputError("tensors.ragged", field="A", row=2, found=3, expected=2)

The wording lives in the catalogue (:mod:`nnlib.core.messages`), so a page can say it in the
student's language; ``str(error)`` and ``error.message`` are the English sentence, for the CLI,
logs and tests.
"""

from __future__ import annotations

from typing import Any

from nnlib.core import messages


class InputError(ValueError):
    """Bad input: a stable ``code`` (``"tensors.ragged"``), the ``field`` it concerns, its ``details``."""

    def __init__(self, code: str, /, *, field: str | None = None, **details: Any) -> None:
        self.code = code
        self.field = field
        self.details = details
        super().__init__(code)

    def words(self, language: str | None = None) -> str:
        """The sentence for a student, in ``language`` (None: the language of this page run)."""
        return messages.word(self.code, self.details, language)

    @property
    def message(self) -> str:
        return self.words()

    def __str__(self) -> str:
        return self.words()

    def for_field(self, field: str) -> InputError:
        """The same error, attributed to ``field`` (keeps an existing field)."""
        if self.field is None:
            self.field = field
        return self
