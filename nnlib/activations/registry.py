"""``ACTIVATIONS``: every activation function, in the order pages offer them.

A new activation is one module in :mod:`nnlib.activations.functions` and one line here.
"""

from __future__ import annotations

from nnlib.activations.functions.elu import ELU
from nnlib.activations.functions.gelu import GELU
from nnlib.activations.functions.hardtanh import HARDTANH
from nnlib.activations.functions.leaky_relu import LEAKY_RELU
from nnlib.activations.functions.relu import RELU
from nnlib.activations.functions.sigmoid import SIGMOID
from nnlib.activations.functions.silu import SILU
from nnlib.activations.functions.softmax import SOFTMAX
from nnlib.activations.functions.softplus import SOFTPLUS
from nnlib.activations.functions.tanh import TANH
from nnlib.activations.record import Activation
from nnlib.core.errors import InputError

ACTIVATIONS: dict[str, Activation] = {
    record.name: record
    for record in (RELU, LEAKY_RELU, SIGMOID, TANH, SOFTMAX, ELU, GELU, SILU, SOFTPLUS, HARDTANH)
}


def get_activation(name: str) -> Activation:
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise InputError(
            "activations.unknown", name=str(name)[:40], choices=", ".join(ACTIVATIONS)
        ) from None


def elementwise_names() -> list[str]:
    """Activations that act on each number alone (all but those that act along a dim)."""
    return [name for name, record in ACTIVATIONS.items() if not record.along_dim]


def layer_names() -> list[str]:
    """Activations the network builder offers as layer kinds."""
    return [name for name, record in ACTIVATIONS.items() if record.layer]
