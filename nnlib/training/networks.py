"""Network presets sized to their data: the 2-D playground's networks.

The course's presets (:data:`nnlib.layers.PRESETS`) have fixed widths. A toy set has 2 inputs,
or more with the extra inputs (x², y², xy, sin x, sin y), and 2 or 3 classes, so its networks
are hidden widths and an activation, laid out once the data is known.
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
        """Linear + activation for each hidden width, then a Linear to one score per class."""
        widths = (inputs, *self.hidden)
        stack: list[LayerSpec] = []
        for width_in, width_out in zip(widths, widths[1:], strict=False):
            stack += [linear(width_in, width_out), LayerSpec(self.activation, {})]
        return (*stack, linear(widths[-1], classes))


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
