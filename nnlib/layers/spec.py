"""A layer as plain data, and what the builder can say about a stack: problems and one-click fixes.

Problems and fixes carry a message code and its details, never a sentence: the words live in
``locales/<language>/LC_MESSAGES/layers.po`` (and ``params.po``), so a page can show them in
the student's language. ``layer`` fields count from 0 (as the list is indexed); details that a
sentence shows as a layer number (``position``, ``source``, ``first``...) count from 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nnlib.core import messages
from nnlib.core.errors import InputError


@dataclass(frozen=True)
class LayerSpec:
    """One layer as plain data: a kind from LAYER_KINDS and its constructor arguments."""

    kind: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Fix:
    """A one-click change that resolves a problem.

    ``action`` is "set" (``param`` of layer ``layer`` to ``value``), "insert" (``new_layer``
    at position ``layer``), "remove" (layer ``layer``) or "replace" (layer ``layer`` by
    ``new_layer``); "input_shape" and "loss" change the page's settings to ``value`` rather
    than the stack. ``code`` and ``details`` word its button.
    """

    action: str
    layer: int
    code: str
    param: str | None = None
    value: Any = None
    new_layer: LayerSpec | None = None
    details: dict = field(default_factory=dict)

    def words(self, language: str | None = None) -> str:
        return messages.word(self.code, self.details, language)

    @property
    def label(self) -> str:
        """What the fix's button says, in English."""
        return self.words()


@dataclass(frozen=True)
class Problem:
    """Something wrong ("error": the stack cannot run) or doubtful ("warning").

    ``code`` says what is wrong; ``wording`` is the catalogue entry of its sentence where
    one problem is said in several ways (fed by the input or by a layer), else ``code``.
    """

    code: str
    severity: str
    layer: int | None = None
    fix: Fix | None = None
    details: dict = field(default_factory=dict)
    wording: str = ""

    def words(self, language: str | None = None) -> str:
        return messages.word(self.wording or self.code, self.details, language)

    @property
    def message(self) -> str:
        """The sentence for a student, in English."""
        return self.words()

    def error(self) -> InputError:
        """The problem as the error that refuses to build or export the stack."""
        return InputError(self.wording or self.code, **{"layer": self.layer, **self.details})
