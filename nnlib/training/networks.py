"""Network presets sized to their data: the 2-D playground's networks, the curve's, a CSV table's.

The course's presets (:data:`nnlib.layers.PRESETS`) have fixed widths. A toy set has 2 inputs,
or more with the extra inputs (x², y², xy, sin x, sin y), and 2 or 3 classes, so its networks
are hidden widths and an activation, laid out once the data is known. A regression (no classes)
ends in one output: the predicted number. Titles and descriptions are the training catalogue's
(``training.network.<name>.title``), worded in the language of whoever reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnlib.data.words import Worded, Words
from nnlib.layers.presets import linear
from nnlib.layers.spec import LayerSpec


@dataclass(frozen=True)
class SizedNetwork:
    name: str
    title: str = Worded()  # type: ignore[assignment]  # text or Words, read in the current language
    hidden: tuple[int, ...]
    activation: str  # an activation layer kind ("Tanh", "ReLU", ...)
    description: str = Worded()  # type: ignore[assignment]

    def layers(self, inputs: int, classes: int) -> tuple[LayerSpec, ...]:
        """Linear + activation for each hidden width, then a Linear to one score per class (one value
        for a regression, ``classes`` 0)."""
        widths = (inputs, *self.hidden)
        stack: list[LayerSpec] = []
        for width_in, width_out in zip(widths, widths[1:], strict=False):
            stack += [linear(width_in, width_out), LayerSpec(self.activation, {})]
        return (*stack, linear(widths[-1], classes or 1))


SIZED_NETWORKS: dict[str, SizedNetwork] = {
    network.name: network
    for network in (
        SizedNetwork("playground", Words("training.network.playground.title"), (8, 8), "Tanh",
                     Words("training.network.playground.description")),
        SizedNetwork("playground_spirals", Words("training.network.playground_spirals.title"), (32, 32, 32), "ReLU",
                     Words("training.network.playground_spirals.description")),
    )
}

# Sized networks for the data sets the Training page does not offer yet (the curve, a CSV table);
# apart from SIZED_NETWORKS, which the page offers for points in the plane.
DATA_NETWORKS: dict[str, SizedNetwork] = {
    network.name: network
    for network in (
        SizedNetwork("curve", Words("training.network.curve.title"), (32, 32), "Tanh",
                     Words("training.network.curve.description")),
        SizedNetwork("table", Words("training.network.table.title"), (32, 16), "ReLU",
                     Words("training.network.table.description")),
    )
}
