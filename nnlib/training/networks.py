"""Network presets sized to their data: the 2-D playground's networks, the curve's, a CSV table's.

The course's presets (:data:`nnlib.layers.PRESETS`) have fixed widths. A toy set has 2 inputs,
or more with the extra inputs (x², y², xy, sin x, sin y), and 2 or 3 classes, so its networks
are hidden widths and an activation, laid out once the data is known. A regression (no classes)
ends in one output: the predicted number.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnlib.layers.presets import linear
from nnlib.layers.spec import LayerSpec


@dataclass(frozen=True)
class SizedNetwork:
    name: str
    title: str
    hidden: tuple[int, ...]
    activation: str  # an activation layer kind ("Tanh", "ReLU", ...)
    description: str

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
        SizedNetwork("playground", "Playground 2 → 8 → 8 → classes (Tanh)", (8, 8), "Tanh",
                     "TensorFlow Playground's look: two hidden layers of 8 Tanh units; each unit's output over "
                     "the plane is drawn as the run goes."),
        SizedNetwork("playground_spirals", "Spirals 2 → 32 → 32 → 32 → classes (ReLU)", (32, 32, 32), "ReLU",
                     "Three hidden layers of 32 ReLU units: enough folds of the plane to untangle two spirals."),
    )
}

# Sized networks for the data sets the Training page does not offer yet (the curve, a CSV table);
# apart from SIZED_NETWORKS, which the page offers for points in the plane.
DATA_NETWORKS: dict[str, SizedNetwork] = {
    network.name: network
    for network in (
        SizedNetwork("curve", "Curve 1 → 32 → 32 → 1 (Tanh)", (32, 32), "Tanh",
                     "Two hidden layers of 32 Tanh units: smooth enough to follow y = sin(2x) + 0.3x."),
        SizedNetwork("table", "Table inputs → 32 → 16 → outputs (ReLU)", (32, 16), "ReLU",
                     "For a CSV table: two hidden layers of ReLU units, one score per class or one value."),
    )
}
