"""The record that says everything about one activation function.

Each activation lives in its own module under :mod:`nnlib.activations.functions` as one
:class:`Activation`; :mod:`nnlib.activations.registry` lists them in the order pages offer them.
Whatever a page, the network builder or a test needs to know about an activation by its name
is a field here, so a new activation is one file and one registration line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from nnlib.core import messages
from nnlib.core.params import Param, resolve

Params = Mapping[str, float]
Nested = float | list["Nested"]


def no_kinks(**_params: float) -> tuple[float, ...]:
    return ()


@dataclass(frozen=True)
class Example:
    """A tensor to try the activation on, as a page's button loads it.

    ``expected`` is the output (rounded to ``decimals``) where a course text prints it; the
    registry test checks every such answer against PyTorch.
    """

    key: str  # its button's text is the catalogue's activations.example_<key>
    text: str  # the tensor as the student would type it
    dim: int | None = None  # for activations that act along a dim
    expected: Nested | None = None
    decimals: int = 4
    source: str = ""  # where the course prints the answer

    @property
    def label(self) -> str:
        """The button's text, in the reader's language."""
        return messages.word(f"activations.example_{self.key}")


@dataclass(frozen=True)
class Activation:
    """One activation function, everything shown or built from it.

    ``module`` builds the torch module from the parameters as keyword arguments (plus ``dim``
    when ``along_dim``). ``derivative(x, **params)`` is the closed-form slope at every element
    of ``x``, equal to what autograd gives, kinks included; for an activation that acts along a
    dim (Softmax) it is the diagonal of the Jacobian, ``d s_i / d x_i``. ``bounds(**params)``
    is the numeric output range behind ``output_range``; ``kinks(**params)`` the inputs where
    the slope jumps (the tests look there too).

    Its prose is worded from the catalogue in the reader's language, under
    ``activations.<name in lower case>.<part>``: ``strength``, ``weakness``, ``layer`` (the
    builder's description; only for a layer kind), ``chart_note`` (what its curve on the charts
    means, where that is not plain y = f(x); empty where it has none), and ``param_<name>``
    (a parameter's label; its Param's own label where the catalogue has none).
    """

    name: str
    module: Callable[..., nn.Module]
    derivative: Callable[..., Tensor]
    formula: str  # LaTeX
    derivative_formula: str  # LaTeX
    range_latex: str  # LaTeX; {words} in it stands for the catalogue's <code>.output_range (see output_range)
    bounds: Callable[..., tuple[float, float]]
    color: str  # its line on every chart, so a chart keeps one colour per activation
    parameters: tuple[Param, ...] = ()
    along_dim: bool = False
    kinks: Callable[..., tuple[float, ...]] = no_kinks
    # The network builder offers it as a layer kind (with its description and attribute stem).
    layer: bool = False
    attribute: str = ""  # the stem of its attribute name in an nn.Module: relu_1, leaky_relu_1
    examples: tuple[Example, ...] = ()

    @property
    def code(self) -> str:
        """Where its prose lives in the catalogue: ``activations.relu``, ``activations.leakyrelu``."""
        return f"activations.{self.name.lower()}"

    def words(self, part: str, language: str | None = None) -> str:
        """One part of its prose in ``language`` (default: the current one); empty where it has none."""
        code = f"{self.code}.{part}"
        return messages.word(code, None, language) if messages.template(code, language) is not None else ""

    @property
    def output_range(self) -> str:
        """The output range in LaTeX, its words (if any) in the reader's language."""
        return self.range_latex.replace("{words}", self.words("output_range"))

    @property
    def strength(self) -> str:
        return self.words("strength")

    @property
    def weakness(self) -> str:
        return self.words("weakness")

    @property
    def layer_description(self) -> str:
        return self.words("layer")

    @property
    def chart_note(self) -> str:
        return self.words("chart_note")

    def parameter_label(self, param: Param) -> str:
        """What a parameter's widget says, in the reader's language."""
        return self.words(f"param_{param.name}") or param.shown_label

    def resolve(self, params: Params | None = None) -> dict[str, Any]:
        """The parameter values to use: defaults, overridden by ``params``, checked."""
        return resolve(self.parameters, params, self.name)

    def build(self, params: Params | None = None, dim: int = -1) -> nn.Module:
        kwargs: dict[str, Any] = dict(self.resolve(params))
        if self.along_dim:
            kwargs["dim"] = dim
        return self.module(**kwargs)

    def slope(self, x: Tensor, params: Params | None = None, dim: int = -1) -> Tensor:
        kwargs: dict[str, Any] = dict(self.resolve(params))
        if self.along_dim:
            kwargs["dim"] = dim
        return self.derivative(x, **kwargs)

    def torch_code(self, params: Params | None = None, dim: int = -1) -> str:
        """How to write this layer in PyTorch, e.g. ``nn.LeakyReLU(negative_slope=0.01)``."""
        args = [f"{key}={value:g}" for key, value in self.resolve(params).items()]
        if self.along_dim:
            args.append(f"dim={dim}")
        return f"nn.{self.module.__name__}({', '.join(args)})"

    def scalar_view(self, x: Tensor, params: Params | None = None) -> tuple[Tensor, Tensor]:
        """``(f(x), f'(x))`` for a 1-D grid of x, for charts.

        An activation that acts along a dim needs a vector: it is shown for the
        two scores ``(x, 0)``, as its first output and the diagonal Jacobian entry.
        (For Softmax that is Sigmoid(x) and s(1 - s).)
        """
        if self.along_dim:
            scores = torch.stack([x, torch.zeros_like(x)], dim=-1)
            with torch.no_grad():
                out = self.build(params, dim=-1)(scores)[..., 0]
            return out, self.slope(scores, params, dim=-1)[..., 0]
        with torch.no_grad():
            out = self.build(params)(x)
        return out, self.slope(x, params)
