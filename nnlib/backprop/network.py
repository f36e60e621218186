"""The course's two-layer network (course text 003), its numbers checked and converted to float64.

    X [N x D] -> (. W1 [D x M]) -> T [N x M] -> (. W2 [M]) -> y_hat [N]

A student types X, W1, W2 and y; :func:`make_network` says, as ``backprop.*`` codes, what does
not fit and why.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from nnlib.core.errors import InputError

DTYPE = torch.float64

# The default numbers: N = 2 users, D = 3 features, M = 2 hidden units, giving the course's
# y_hat = [2.3; 4.1] without the ReLU. The -0.8 in T shows what the ReLU cuts.
DEFAULT_X = [[1.0, 2.0, 0.0], [0.0, 1.0, 2.0]]
DEFAULT_W1 = [[1.1, 0.2], [1.0, -0.5], [0.8, 1.0]]
DEFAULT_W2 = [1.0, 1.0]
DEFAULT_Y = [2.0, 4.5]


@dataclass(frozen=True)
class Network:
    x: torch.Tensor  # [N, D]
    w1: torch.Tensor  # [D, M]
    w2: torch.Tensor  # [M]
    y: torch.Tensor  # [N]

    @property
    def sizes(self) -> dict[str, int]:
        return {"N": self.x.shape[0], "D": self.x.shape[1], "M": self.w1.shape[1]}


def make_network(x: torch.Tensor, w1: torch.Tensor, w2: torch.Tensor, y: torch.Tensor) -> Network:
    """Check the four tensors fit the course's network and convert them to float64."""
    tensors = {"X": x, "W1": w1, "W2": w2, "y": y}
    for name, tensor in tensors.items():
        if tensor.dtype == torch.bool:
            raise InputError("backprop.not_numbers", field=name, name=name)
    x, w1, w2, y = (t.to(DTYPE) for t in (x, w1, w2, y))
    if x.dim() == 1:
        x = x.unsqueeze(0)
    if w1.dim() == 1:
        w1 = w1.unsqueeze(1)
    if x.dim() != 2:
        raise InputError("backprop.x_not_matrix", field="X", shape=list(x.shape))
    if w1.dim() != 2:
        raise InputError("backprop.w1_not_matrix", field="W1", shape=list(w1.shape))
    w2 = w2.reshape(-1) if w2.dim() == 2 and 1 in w2.shape else w2
    y = y.reshape(-1) if y.dim() == 2 and 1 in y.shape else y
    w2 = w2.reshape(1) if w2.dim() == 0 else w2
    y = y.reshape(1) if y.dim() == 0 else y
    n, d = x.shape
    if w1.shape[0] != d:
        raise InputError(
            "backprop.w1_rows", field="W1", n=n, d=d, rows=w1.shape[0], columns=w1.shape[1],
            x_shape=[n, d], w1_shape=list(w1.shape),
        )
    m = w1.shape[1]
    if w2.dim() != 1 or w2.shape[0] != m:
        raise InputError("backprop.w2_length", field="W2", expected=m, shape=list(w2.shape))
    if y.dim() != 1 or y.shape[0] != n:
        raise InputError("backprop.y_length", field="y", expected=n, shape=list(y.shape))
    for name, tensor in zip(tensors, (x, w1, w2, y), strict=True):
        if not torch.isfinite(tensor).all():
            raise InputError("backprop.not_finite", field=name, name=name)
    return Network(x, w1, w2, y)


def default_network() -> Network:
    return make_network(*(torch.tensor(v, dtype=DTYPE) for v in (DEFAULT_X, DEFAULT_W1, DEFAULT_W2, DEFAULT_Y)))


def random_network(n: int, d: int, m: int, seed: int) -> Network:
    """Small random numbers with one decimal, easy to follow by hand."""
    generator = torch.Generator().manual_seed(int(seed))

    def draw(*shape: int) -> torch.Tensor:
        return torch.randint(-20, 21, shape, generator=generator).to(DTYPE) / 10

    return make_network(draw(n, d), draw(d, m), draw(m), draw(n))
