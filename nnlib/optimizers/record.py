"""The record that says everything about one optimizer.

Each optimizer lives in its own module in this package as one :class:`Optimizer`; the package's
``__init__`` lists them in the order pages offer them. What the Optimizers page, the trainer, the
CLI or a test needs to know about an optimizer by its key is a field here: how torch builds it,
its update written out by hand, its formulas (torch's and the course's), its hyperparameters with
their widgets, its colour. A new optimizer is one file and one registration line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.core.params import Param, resolve
from nnlib.optimizers.formulas import State, StepNumbers, Substitution, Vector

# One step by hand: (theta, gradient, state before, t counted from 1, values) -> (theta after, state after).
# ``values`` holds ``lr``, the record's constants and its hyperparameters.
ManualStep = Callable[[Vector, Vector, State, int, Mapping[str, float]], tuple[Vector, State]]


@dataclass(frozen=True)
class Hyperparameter(Param):
    """A :class:`~nnlib.core.params.Param` with what a number box needs beyond it.

    ``number_format`` is the box's printf format ("" = Streamlit's own, two decimals);
    ``url_key`` the name its value has in a page's address where that differs from ``name``
    (links handed out before the name changed keep working). ``code`` is where its words live
    in the optimizers catalogue (``<code>.label``, ``<code>.help``): a page shows
    ``shown_label`` and ``shown_help``, in the reader's language (``label`` and ``help`` stay
    the English ones).
    """

    number_format: str = ""
    url_key: str = ""
    code: str = ""

    def _words(self, part: str) -> str | None:
        code = f"{self.code}.{part}"
        return messages.word(code) if self.code and messages.template(code) is not None else None

    @property
    def shown_label(self) -> str:
        return self._words("label") or self.label or self.name

    @property
    def shown_help(self) -> str:
        return self._words("help") or self.help

    @property
    def key(self) -> str:
        return self.url_key or self.name

    @property
    def lowest_offered(self) -> float | None:
        """The smallest value a widget offers: above an exclusive minimum, one step above it."""
        if self.minimum is None or self.minimum_inclusive:
            return self.minimum
        return self.minimum + (self.step or 0.0)


def same_names(values: Mapping[str, float]) -> dict[str, Any]:
    """torch's keyword arguments where they are the hyperparameters' own names."""
    return dict(values)


@dataclass(frozen=True)
class Optimizer:
    """One optimizer, everything shown or built from it.

    ``hyperparameters`` are the keyword arguments :func:`nnlib.optimizers.build_optimizer` takes
    besides ``lr`` (their limits and widgets are the Optimizers page's race); ``torch_arguments``
    turns their values into ``torch_class``'s keyword arguments (Adam's ``beta1``, ``beta2`` become
    ``betas``). ``constants`` are torch's defaults the hand rule needs (``eps``); a test checks
    they are torch's. ``state_symbols`` maps a torch state name to the symbol the formulas use;
    ``manual_step`` is the update written out in plain floats in exactly the form ``formulas``
    shows; ``numbers`` writes those formulas with one step's numbers in them. ``course_formulas``
    is what course text 003 writes, ``course_difference`` how it differs from torch. Its words
    (``title``, ``course_difference``) come from the optimizers catalogue
    (``optimizers.<key>.title``, ``optimizers.<key>.course_difference``) in the reader's language.
    """

    key: str
    label: str  # its name next to the others on the Optimizers page: "Momentum"
    torch_class: type[torch.optim.Optimizer]
    manual_step: ManualStep
    numbers: Callable[[StepNumbers], list[Substitution]]
    formulas: tuple[str, ...]
    course_formulas: tuple[str, ...]
    color: str  # its line on every chart
    default_lr: float = 0.01  # its learning rate on a surface that lists none for it
    hyperparameters: tuple[Hyperparameter, ...] = ()
    torch_arguments: Callable[[Mapping[str, float]], dict[str, Any]] = same_names
    constants: Mapping[str, float] = field(default_factory=dict)
    state_symbols: Mapping[str, str] = field(default_factory=dict)
    # What the Training page and the trainer read.
    summary_formula: str = ""  # the update on one line (LaTeX)
    supports_fused: bool = False  # torch has a fused kernel for it (fused=True), which the trainer calls directly
    training_hyperparameters: tuple[Hyperparameter, ...] = ()  # the Training page's widgets (TrainConfig fields)

    @property
    def title(self) -> str:
        """Its name alone in a list (the Training page): "SGD with momentum"."""
        return messages.word(f"optimizers.{self.key}.title")

    @property
    def course_difference(self) -> str:
        """How course text 003 writes its update differently from torch."""
        return messages.word(f"optimizers.{self.key}.course_difference")

    @property
    def hyperparameter_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.hyperparameters)

    def values(self, lr: float, given: Mapping[str, float] | None = None) -> dict[str, float]:
        """Everything the hand rule and the formulas read: lr, constants, hyperparameters (checked)."""
        return {"lr": float(lr), **self.constants, **resolve(self.hyperparameters, given, self.label)}

    def torch_kwargs(self, lr: float, hyper: Mapping[str, float] | None = None,
                     weight_decay: float = 0.0) -> dict[str, Any]:
        """The keyword arguments ``torch_class`` receives: lr, the hyperparameters, weight decay if any.

        Names are checked; limits are the caller's (the trainer allows momentum 0, the race does not).
        """
        given = dict(hyper or {})
        unknown = [name for name in given if name not in self.hyperparameter_names]
        if unknown:
            raise InputError(
                "optimizers.unknown_hyperparameter", field=str(unknown[0]), optimizer=self.label,
                name=str(unknown[0]), known=", ".join(self.hyperparameter_names) or "-",
            )
        values = {spec.name: float(given.get(spec.name, spec.default)) for spec in self.hyperparameters}
        kwargs: dict[str, Any] = {"lr": lr, **self.torch_arguments(values)}
        if weight_decay:
            kwargs["weight_decay"] = weight_decay
        return kwargs

    def build(self, params: Iterable[torch.Tensor], lr: float, hyper: Mapping[str, float] | None = None, *,
              weight_decay: float = 0.0, fused: bool = False, foreach: bool | None = None) -> torch.optim.Optimizer:
        extra: dict[str, Any] = {}
        if fused and self.supports_fused:
            extra["fused"] = True
        if foreach is not None:
            extra["foreach"] = foreach
        return self.torch_class(params, **self.torch_kwargs(lr, hyper, weight_decay), **extra)

    def code(self, lr: float, hyper: Mapping[str, float] | None = None, weight_decay: float = 0.0) -> str:
        """How to write this optimizer in PyTorch: ``torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)``."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.torch_kwargs(lr, hyper, weight_decay).items())
        return f"torch.optim.{self.torch_class.__name__}(model.parameters(), {args})"
