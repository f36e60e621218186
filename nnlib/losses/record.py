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

    ``name`` is its key (the Example menu's value, kept in a page's address); ``code`` says where
    its words live in the losses catalogue: ``losses.preset.<code>`` its title as a menu shows it,
    ``losses.preset.<code>.source`` where its answer comes from (absent where it names none).
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
    mistake: bool = False  # shows a classic mistake: the checks must flag it
    loss: str = ""
    code: str = ""

    @property
    def title(self) -> str:
        """Its name as the Example menu shows it, in the reader's language (``name`` where none)."""
        code = f"losses.preset.{self.code}"
        return messages.word(code) if messages.template(code) is not None else self.name

    @property
    def source(self) -> str:
        """Where its answer comes from ("004 «Функции потерь»: MSE = 0.58"), or ""."""
        code = f"losses.preset.{self.code}.source"
        return messages.word(code) if messages.template(code) is not None else ""


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

    def _part(self, code: str) -> str | None:
        return messages.word(code) if messages.template(code) is not None else None

    def param_label(self, spec: Param) -> str:
        """What an argument's widget says (``<card>.param_<name>.label``), in the reader's language."""
        return self._part(f"{self.card}.param_{spec.name}.label") or spec.shown_label

    def param_help(self, spec: Param) -> str:
        """An argument's help text (``<card>.param_<name>.help``), in the reader's language; "" for none."""
        return self._part(f"{self.card}.param_{spec.name}.help") or spec.help

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
        formula = worded_latex(self.formula)
        if reduction == "mean":
            return formula
        return formula.replace(r"\frac{1}{N}\sum", r"\sum")

    def gradient_latex(self, reduction: str) -> str | None:
        if self.gradient_formula is None:
            return None
        scale = r"\frac{1}{N}\," if reduction == "mean" else ""
        return worded_latex(self.gradient_formula).replace("{s}", scale)


# Words a formula writes in \text{...}, each worded in the reader's language by the losses catalogue.
LATEX_WORDS = {r"\text{otherwise}": "losses.latex.otherwise"}


def worded_latex(latex: str) -> str:
    """``latex`` with its words (``LATEX_WORDS``) in the reader's language."""
    for english, code in LATEX_WORDS.items():
        if english in latex:
            latex = latex.replace(english, r"\text{" + messages.word(code) + "}")
    return latex
