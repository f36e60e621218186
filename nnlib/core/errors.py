"""The one error type a page shows to a student.

Anything that goes wrong because of what a person typed, uploaded or chose is
raised as :class:`InputError`. Pages catch it and show ``message`` next to the
field; tests and other front ends can read ``code`` and ``details`` as data.
"""

from __future__ import annotations

from typing import Any


class InputError(ValueError):
    """Bad input, with a message fit to show a student.

    ``message`` is a plain-language sentence; ``code`` is a short stable
    identifier (``"ragged"``, ``"too_long"``, ...); ``field`` names the input it
    concerns, if any; ``details`` carries the numbers behind the message.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.details = dict(details or {})

    def for_field(self, field: str) -> InputError:
        """The same error, attributed to ``field`` (keeps an existing field)."""
        if self.field is None:
            self.field = field
        return self
