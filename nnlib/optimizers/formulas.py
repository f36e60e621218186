"""LaTeX for the update formulas: numbers, two-element vectors, and one substituted line.

An optimizer's record writes its update with a step's numbers in it through :class:`StepNumbers`;
each line is a :class:`Substitution` (``lhs = symbolic = numbers = result``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nnlib.core.formatting import latex_column, latex_significant

Vector = tuple[float, float]
State = dict[str, Vector]  # an optimizer's state after a step, by the symbol its formulas use


def zeros() -> Vector:
    return (0.0, 0.0)


def vector(values: list[float]) -> Vector:
    return (values[0], values[1])


@dataclass(frozen=True)
class Substitution:
    """One line of an update: ``lhs = symbolic = numbers = result``, each part LaTeX."""

    lhs: str
    symbolic: str
    numbers: str
    result: str

    @property
    def latex(self) -> str:
        """The line as an aligned block, one '=' per row, so long numbers do not run off the page."""
        return (
            rf"\begin{{aligned}} {self.lhs} &= {self.symbolic} \\ &= {self.numbers} \\ &= {self.result}"
            r" \end{aligned}"
        )


@dataclass(frozen=True)
class StepNumbers:
    """Step ``t`` of a path as the formulas need it: torch's numbers, formatted.

    ``state`` is torch's state after the step, ``previous`` the state before it (empty before the
    first step); ``values`` the optimizer's hyperparameters (``lr`` among them).
    """

    t: int
    theta: Vector
    grad: Vector
    theta_next: Vector
    state: State
    previous: State
    values: Mapping[str, float]
    digits: int = 4

    def n(self, value: float) -> str:
        return latex_significant(value, self.digits)

    def vec(self, values: Vector) -> str:
        return latex_column(values, self.digits)

    def prev(self, symbol: str) -> str:
        return self.vec(self.previous.get(symbol, zeros()))

    def now(self, symbol: str) -> str:
        return self.vec(self.state[symbol])

    def update(self, symbolic: str, numbers: str) -> Substitution:
        """The last line of every optimizer: theta_t = theta_{t-1} - (its step)."""
        t = self.t
        return Substitution(
            rf"\theta_{{{t}}}",
            rf"\theta_{{{t - 1}}} - {symbolic}",
            rf"{self.vec(self.theta)} - {numbers}",
            self.vec(self.theta_next),
        )
