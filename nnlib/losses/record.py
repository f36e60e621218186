"""The records a loss is made of: its steps by hand, its findings, its presets, and the loss itself.

A :class:`LossInfo` carries everything keyed by a loss's name: the torch call, the manual
computation, the closed-form gradient, the mistake checks, the worked examples with the
course's answers, and what the network builder and the trainer read (``module``,
``expects``, ``output_note``, ``in_builder``, ``training_key``). Words a student reads are
message codes worded by ``locales/<language>/LC_MESSAGES/losses.po``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch import Tensor

from nnlib.core import messages
from nnlib.core.params import Param

Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True)
class Step:
    """One line of the worked computation: what it does (a message code), the LaTeX, the tensor."""

    code: str
    latex: str
    value: Tensor
    details: Mapping[str, Any] = field(default_factory=dict)

    def words(self, language: str | None = None) -> str:
        return messages.word(self.code, self.details, language)

    @property
    def label(self) -> str:
        return self.words()


@dataclass(frozen=True)
class Manual:
    """The loss worked out by hand: the steps, each element's contribution, the value."""

    steps: tuple[Step, ...]
    contributions: Tensor
    value: Tensor


@dataclass(frozen=True)
class Finding:
    """A mistake (or a thing worth knowing) spotted in the inputs.

    ``severity`` is ``"error"`` when PyTorch refuses the inputs, ``"warning"`` when it
    computes a number that is probably not the one wanted, ``"note"`` otherwise.
    ``details`` holds the numbers behind the message (plain data). ``parts`` names pieces
    of the sentence that are sentences of their own (a hint, a consequence): detail name ->
    message code, worded with the same details ("" leaves the piece out). ``table`` is a
    tensor worth showing with it (the broadcast matrix), titled and explained by
    ``table_code``'s ``.title`` and ``.note`` entries.
    """

    code: str
    severity: Severity
    details: Mapping[str, Any] = field(default_factory=dict)
    parts: Mapping[str, str] = field(default_factory=dict)
    table: Tensor | None = None
    table_code: str = ""

    def _worded_details(self, language: str) -> dict[str, Any]:
        worded = {
            name: messages.word(code, self.details, language) if code else ""
            for name, code in self.parts.items()
        }
        return {**self.details, **worded}

    def words(self, language: str | None = None) -> str:
        return messages.word(self.code, self._worded_details(language), language)

    @property
    def message(self) -> str:
        return self.words()

    def table_title(self, language: str | None = None) -> str:
        return messages.word(f"{self.table_code}.title", self.details, language)

    def table_note(self, language: str | None = None) -> str:
        return messages.word(f"{self.table_code}.note", self.details, language)


@dataclass(frozen=True)
class Preset:
    """A worked example: inputs as a student would type them, and the course's answer if it gives one.

    ``order`` places it in the page's Example menu (the course's teaching order: its worked
    answers first, then the other losses on the same numbers, then the classic mistakes).
    ``expected_metrics`` holds the course's answers for the metrics beside the loss
    (metric name -> percent). ``loss`` is filled in by the registry from the record it sits on.
    """

    name: str
    prediction: str
    target: str
    order: int
    reduction: str = "mean"
    params: Mapping[str, Any] = field(default_factory=dict)
    expected: float | None = None  # the course's answer, where it gives one
    expected_metrics: Mapping[str, float] = field(default_factory=dict)
    source: str = ""
    mistake: bool = False  # shows a classic mistake: the checks must flag it
    loss: str = ""


LossFunction = Callable[[Tensor, Tensor, str, Mapping[str, Any]], Tensor]
ManualFunction = Callable[[Tensor, Tensor, str, Mapping[str, Any]], Manual]
Task = Literal["regression", "binary", "multiclass", "distribution"]
CARD_PARTS = ("prediction", "target", "when_to_use", "output_note")


@dataclass(frozen=True)
class LossInfo:
    """Everything the pages, the builder, the trainer and the tests need to know about one loss."""

    name: str
    module: type[torch.nn.Module]  # the class in torch.nn, e.g. nn.CrossEntropyLoss
    functional_name: str  # the function in torch.nn.functional
    formula: str  # LaTeX for one element / sample, before the reduction
    # The catalogue prefix of its card: <card>.prediction and <card>.target (what it takes),
    # <card>.when_to_use, and <card>.output_note (the builder's one line on the last layer).
    card: str
    task: Task
    prediction_space: Literal["values", "probabilities", "logits", "log_probabilities"]
    target_kind: Literal["float", "index"]
    torch_loss: LossFunction
    manual: ManualFunction
    validate: Callable[[LossInfo, Tensor, Tensor, str, Mapping[str, Any]], list[Finding]]
    closed_form_gradient: LossFunction | None = None
    gradient_formula: str | None = None  # "{s}" stands for 1/N (mean) or nothing (sum, none)
    params: tuple[Param, ...] = ()
    presets: tuple[Preset, ...] = ()
    # What the network's last layer must output for this loss: "logits", "probabilities",
    # "log_probabilities" or "values" (the network builder checks the last layer against it).
    expects: str | None = None
    in_builder: bool = False  # offered as a training loss in the network builder
    training_key: str | None = None  # the key nnlib.training uses for it in configs
    # Which reading of the inputs the contribution table shows: one row per element, or per
    # sample with its scores, softmax and target ("samples").
    rows: Literal["elements", "samples"] = "elements"

    @property
    def module_name(self) -> str:
        return self.module.__name__

    def words(self, part: str, language: str | None = None) -> str:
        """One part of its card (``CARD_PARTS``) in ``language``."""
        return messages.word(f"{self.card}.{part}", None, language)

    @property
    def prediction_spec(self) -> str:
        return self.words("prediction")

    @property
    def target_spec(self) -> str:
        return self.words("target")

    @property
    def when_to_use(self) -> str:
        return self.words("when_to_use")

    @property
    def output_note(self) -> str:
        """The builder's one-line description of the output this loss expects."""
        return self.words("output_note")

    def default_params(self) -> dict[str, Any]:
        return {spec.name: spec.default for spec in self.params}

    def formula_latex(self, reduction: str) -> str:
        """The formula as written for ``reduction``: the mean's 1/N goes for "sum" and "none"."""
        if reduction == "mean":
            return self.formula
        return self.formula.replace(r"\frac{1}{N}\sum", r"\sum")

    def gradient_latex(self, reduction: str) -> str | None:
        if self.gradient_formula is None:
            return None
        scale = r"\frac{1}{N}\," if reduction == "mean" else ""
        return self.gradient_formula.replace("{s}", scale)
