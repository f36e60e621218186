"""Backpropagation through the course's two-layer network, by hand and by autograd (course text 003).

The network of «Backpropagation. Математический аспект»::

    X [N x D] -> (. W1 [D x M]) -> T [N x M] -> (. W2 [M]) -> y_hat [N],   L = sum_i (y_hat_i - y_i)^2

By hand, with the chain rule in matrix form:

    dL/dy_hat = 2 (y_hat - y)            (times 1/N when the loss is the mean)
    dL/dW2    = T^T . dL/dy_hat
    dL/dT     = dL/dy_hat (outer) W2     (row i is 2 (T_i W2 - y_i) W2, as the course writes)
    dL/dW1    = X^T . dL/dT

With a ReLU between the layers, Z = X W1 and T = ReLU(Z); the gradient passes the ReLU as
dL/dZ = dL/dT * 1[Z > 0] and dL/dW1 = X^T . dL/dZ.

Also here: the mistakes students make with autograd, each run for real — gradients that
accumulate across ``backward()`` calls, an in-place update of a leaf that requires grad, train
versus eval mode, and what ``torch.no_grad()`` saves (tensors kept for the backward pass,
counted with ``torch.autograd.graph.saved_tensors_hooks``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from nnlib.core.errors import InputError
from nnlib.core.formatting import latex_matrix

DTYPE = torch.float64

# ---------------------------------------------------------------- registries


@dataclass(frozen=True)
class Hidden:
    """What sits between the two linear layers: the function and its derivative (by hand)."""

    key: str
    latex: str
    apply: Callable[[torch.Tensor], torch.Tensor]
    derivative: Callable[[torch.Tensor], torch.Tensor]  # d act(Z) / dZ, element-wise


HIDDEN: dict[str, Hidden] = {
    "none": Hidden("none", r"T = X \cdot W_1", lambda z: z, torch.ones_like),
    "relu": Hidden(
        "relu",
        r"Z = X \cdot W_1,\quad T = \mathrm{ReLU}(Z) = \max(0, Z)",
        torch.relu,
        lambda z: (z > 0).to(z.dtype),
    ),
}


@dataclass(frozen=True)
class Reduction:
    """How the squared errors become one number; ``scale(N)`` multiplies dL/dy_hat."""

    key: str
    latex: str
    scale: Callable[[int], float]
    torch_name: str


REDUCTIONS: dict[str, Reduction] = {
    # The course's formula: a plain sum of squared errors.
    "sum": Reduction("sum", r"L = \sum_{i=1}^{N} (\hat{y}_i - y_i)^2", lambda n: 1.0, "sum"),
    # torch.nn.MSELoss() by default: the mean.
    "mean": Reduction("mean", r"L = \frac{1}{N}\sum_{i=1}^{N} (\hat{y}_i - y_i)^2", lambda n: 1.0 / n, "mean"),
}

# The default numbers: N = 2 users, D = 3 features, M = 2 hidden units, giving the course's
# y_hat = [2.3; 4.1] without the ReLU. The -0.8 in T shows what the ReLU cuts.
DEFAULT_X = [[1.0, 2.0, 0.0], [0.0, 1.0, 2.0]]
DEFAULT_W1 = [[1.1, 0.2], [1.0, -0.5], [0.8, 1.0]]
DEFAULT_W2 = [1.0, 1.0]
DEFAULT_Y = [2.0, 4.5]


# ---------------------------------------------------------------- the network


@dataclass(frozen=True)
class Network:
    x: torch.Tensor  # [N, D]
    w1: torch.Tensor  # [D, M]
    w2: torch.Tensor  # [M]
    y: torch.Tensor  # [N]

    @property
    def sizes(self) -> dict[str, int]:
        return {"N": self.x.shape[0], "D": self.x.shape[1], "M": self.w1.shape[1]}


def _shape_error(message: str, field: str, **details: object) -> InputError:
    return InputError(message, code="shape", field=field, details=dict(details))


def make_network(x: torch.Tensor, w1: torch.Tensor, w2: torch.Tensor, y: torch.Tensor) -> Network:
    """Check the four tensors fit the course's network and convert them to float64."""
    tensors = {"X": x, "W1": w1, "W2": w2, "y": y}
    for name, tensor in tensors.items():
        if tensor.dtype == torch.bool:
            raise InputError(f"{name} must hold numbers, not True/False.", code="dtype", field=name)
    x, w1, w2, y = (t.to(DTYPE) for t in (x, w1, w2, y))
    if x.dim() == 1:
        x = x.unsqueeze(0)
    if w1.dim() == 1:
        w1 = w1.unsqueeze(1)
    if x.dim() != 2:
        raise _shape_error(f"X must be a matrix N×D; it has shape {list(x.shape)}.", "X", shape=list(x.shape))
    if w1.dim() != 2:
        raise _shape_error(f"W1 must be a matrix D×M; it has shape {list(w1.shape)}.", "W1", shape=list(w1.shape))
    w2 = w2.reshape(-1) if w2.dim() == 2 and 1 in w2.shape else w2
    y = y.reshape(-1) if y.dim() == 2 and 1 in y.shape else y
    w2 = w2.reshape(1) if w2.dim() == 0 else w2
    y = y.reshape(1) if y.dim() == 0 else y
    n, d = x.shape
    if w1.shape[0] != d:
        raise _shape_error(
            f"W1 needs one row per column of X: X is {n}×{d}, so W1 must be {d}×M, "
            f"but it is {w1.shape[0]}×{w1.shape[1]}.",
            "W1",
            x_shape=[n, d],
            w1_shape=list(w1.shape),
        )
    m = w1.shape[1]
    if w2.dim() != 1 or w2.shape[0] != m:
        raise _shape_error(
            f"W2 must be a vector of M = {m} numbers (one per column of W1); it has shape {list(w2.shape)}.",
            "W2",
            expected=m,
            shape=list(w2.shape),
        )
    if y.dim() != 1 or y.shape[0] != n:
        raise _shape_error(
            f"y must hold N = {n} targets (one per row of X); it has shape {list(y.shape)}.",
            "y",
            expected=n,
            shape=list(y.shape),
        )
    for name, tensor in zip(tensors, (x, w1, w2, y), strict=True):
        if not torch.isfinite(tensor).all():
            raise InputError(f"{name} must hold finite numbers (no nan or inf).", code="not_finite", field=name)
    return Network(x, w1, w2, y)


def default_network() -> Network:
    return make_network(*(torch.tensor(v, dtype=DTYPE) for v in (DEFAULT_X, DEFAULT_W1, DEFAULT_W2, DEFAULT_Y)))


def random_network(n: int, d: int, m: int, seed: int) -> Network:
    """Small random numbers with one decimal, easy to follow by hand."""
    generator = torch.Generator().manual_seed(int(seed))

    def draw(*shape: int) -> torch.Tensor:
        return torch.randint(-20, 21, shape, generator=generator).to(DTYPE) / 10

    return make_network(draw(n, d), draw(d, m), draw(m), draw(n))


# ---------------------------------------------------------------- gradients


@dataclass(frozen=True)
class Gradients:
    """Forward values and gradients of one network. ``z`` equals ``t`` without an activation."""

    z: torch.Tensor
    t: torch.Tensor
    y_hat: torch.Tensor
    loss: float
    d_y_hat: torch.Tensor
    d_w2: torch.Tensor
    d_t: torch.Tensor
    d_z: torch.Tensor
    d_w1: torch.Tensor


def by_hand(net: Network, hidden: str = "none", reduction: str = "sum") -> Gradients:
    """The chain rule in matrix form, no autograd anywhere."""
    act, red = HIDDEN[hidden], REDUCTIONS[reduction]
    with torch.no_grad():
        z = net.x @ net.w1
        t = act.apply(z)
        y_hat = t @ net.w2
        error = y_hat - net.y
        scale = red.scale(net.x.shape[0])
        loss = float(scale * (error**2).sum())
        d_y_hat = 2 * scale * error
        d_w2 = t.T @ d_y_hat
        d_t = torch.outer(d_y_hat, net.w2)
        d_z = d_t * act.derivative(z)
        d_w1 = net.x.T @ d_z
    return Gradients(z, t, y_hat, loss, d_y_hat, d_w2, d_t, d_z, d_w1)


def by_autograd(net: Network, hidden: str = "none", reduction: str = "sum") -> Gradients:
    """The same numbers from ``loss.backward()``; intermediate gradients via ``retain_grad``."""
    act, red = HIDDEN[hidden], REDUCTIONS[reduction]
    w1 = net.w1.clone().requires_grad_(True)
    w2 = net.w2.clone().requires_grad_(True)
    z = net.x @ w1
    z.retain_grad()
    t = act.apply(z)
    if t is z:
        t = z.view_as(z)  # a separate node, so dL/dT is kept even without an activation
    t.retain_grad()
    y_hat = t @ w2
    y_hat.retain_grad()
    loss = nn.functional.mse_loss(y_hat, net.y, reduction=red.torch_name)
    loss.backward()
    return Gradients(
        z.detach(), t.detach(), y_hat.detach(), float(loss.detach()),
        y_hat.grad, w2.grad, t.grad, z.grad, w1.grad,
    )


GRADIENT_FIELDS = ("d_y_hat", "d_w2", "d_t", "d_z", "d_w1")


def max_difference(a: Gradients, b: Gradients) -> float:
    """The largest absolute difference over every gradient and the loss."""
    gaps = [float((getattr(a, name) - getattr(b, name)).abs().max()) for name in GRADIENT_FIELDS]
    return max([abs(a.loss - b.loss), *gaps])


# ---------------------------------------------------------------- worked lines for the page


@dataclass(frozen=True)
class WorkedLine:
    """``lhs = symbolic = numbers = result``; ``field`` names the Gradients field the result is."""

    field: str
    lhs: str
    symbolic: str
    numbers: str
    result: torch.Tensor
    autograd_label: str  # where autograd keeps the same number

    def latex(self, decimals: int = 4, with_numbers: bool = True) -> str:
        rows = [rf"{self.lhs} &= {self.symbolic}"]
        if with_numbers:
            rows.append(rf"&= {self.numbers}")
        rows.append(rf"&= {latex_matrix(self.result, decimals)}")
        return r"\begin{aligned} " + r" \\ ".join(rows) + r" \end{aligned}"


def forward_lines(net: Network, grads: Gradients, hidden: str = "none", decimals: int = 4) -> list[WorkedLine]:
    """The forward pass, step by step, with the network's numbers."""
    m = lambda t: latex_matrix(t, decimals, trim=True)  # noqa: E731
    lines = []
    if hidden == "none":
        lines.append(WorkedLine("t", "T", r"X \cdot W_1", rf"{m(net.x)} \cdot {m(net.w1)}", grads.t, "T"))
    else:
        lines.append(WorkedLine("z", "Z", r"X \cdot W_1", rf"{m(net.x)} \cdot {m(net.w1)}", grads.z, "Z"))
        lines.append(WorkedLine("t", "T", r"\mathrm{ReLU}(Z) = \max(0, Z)", rf"\max\left(0, {m(grads.z)}\right)", grads.t, "T"))
    lines.append(WorkedLine("y_hat", r"\hat{y}", r"T \cdot W_2", rf"{m(grads.t)} \cdot {m(net.w2)}", grads.y_hat, "y_hat"))
    return lines


def backward_lines(
    net: Network, grads: Gradients, hidden: str = "none", reduction: str = "sum", decimals: int = 4
) -> list[WorkedLine]:
    """The backward pass by hand: each gradient as a matrix formula with the numbers substituted."""
    m = lambda t: latex_matrix(t, decimals, trim=True)  # noqa: E731
    n = net.x.shape[0]
    scale = REDUCTIONS[reduction].scale(n)
    factor, factor_symbol = ("2", "2") if scale == 1 else (rf"\frac{{2}}{{{n}}}", r"\frac{2}{N}")
    lines = [
        WorkedLine(
            "d_y_hat", r"\frac{\partial L}{\partial \hat{y}}", rf"{factor_symbol}\,(\hat{{y}} - y)",
            rf"{factor} \left({m(grads.y_hat)} - {m(net.y)}\right)", grads.d_y_hat, r"y_hat.grad",
        ),
        WorkedLine(
            "d_w2", r"\frac{\partial L}{\partial W_2}", r"T^\top \cdot \frac{\partial L}{\partial \hat{y}}",
            rf"{m(grads.t)}^\top \cdot {m(grads.d_y_hat)}", grads.d_w2, "W2.grad",
        ),
        WorkedLine(
            "d_t", r"\frac{\partial L}{\partial T}", r"\frac{\partial L}{\partial \hat{y}} \cdot W_2^\top",
            rf"{m(grads.d_y_hat)} \cdot {m(net.w2)}^\top", grads.d_t, "T.grad",
        ),
    ]
    if hidden == "none":
        lines.append(
            WorkedLine(
                "d_w1", r"\frac{\partial L}{\partial W_1}", r"X^\top \cdot \frac{\partial L}{\partial T}",
                rf"{m(net.x)}^\top \cdot {m(grads.d_t)}", grads.d_w1, "W1.grad",
            )
        )
    else:
        mask = HIDDEN[hidden].derivative(grads.z)
        lines.append(
            WorkedLine(
                "d_z", r"\frac{\partial L}{\partial Z}", r"\frac{\partial L}{\partial T} \odot \mathbf{1}[Z > 0]",
                rf"{m(grads.d_t)} \odot {latex_matrix(mask, 0)}", grads.d_z, "Z.grad",
            )
        )
        lines.append(
            WorkedLine(
                "d_w1", r"\frac{\partial L}{\partial W_1}", r"X^\top \cdot \frac{\partial L}{\partial Z}",
                rf"{m(net.x)}^\top \cdot {m(grads.d_z)}", grads.d_w1, "W1.grad",
            )
        )
    return lines


# ---------------------------------------------------------------- mistakes, demonstrated


def course_autograd_loss(x: torch.Tensor) -> torch.Tensor:
    """Course text 002's example: w = 2x, y = w^3 + 3w^2 + 2w + 1, z = sum(y); dz/dx = 52 at x = 1."""
    w = 2 * x
    y = w * w * w + 3 * w * w + 2 * w + 1
    return torch.sum(y)


def accumulated_gradients(x_value: float = 1.0, calls: int = 3, zero_grad: bool = False) -> list[float]:
    """x.grad (one entry; all six are equal) after each of ``calls`` forward+backward passes.

    Without zeroing, each ``backward()`` adds to what is already in ``.grad``.
    """
    x = torch.full((2, 3), float(x_value), dtype=DTYPE, requires_grad=True)
    seen = []
    for _ in range(calls):
        if zero_grad and x.grad is not None:
            x.grad.zero_()
        course_autograd_loss(x).backward()
        seen.append(float(x.grad[0, 0]))
    return seen


@dataclass(frozen=True)
class InPlaceDemo:
    error_message: str  # torch's own text
    fixed_value: float  # x after ``with torch.no_grad(): x -= alpha * x.grad``
    fixed_is_leaf: bool
    fixed_requires_grad: bool
    rebound_is_leaf: bool  # after ``x = x - alpha * x.grad`` (a new tensor, no longer a leaf)
    rebound_grad_fn: str


def in_place_update(alpha: float = 0.01, x_value: float = 1.0) -> InPlaceDemo:
    """Course text 004's failing step ``weight -= alpha * weight.grad``, then the fix."""
    x = torch.full((2, 3), float(x_value), dtype=DTYPE, requires_grad=True)
    course_autograd_loss(x).backward()
    try:
        x -= alpha * x.grad
        message = ""
    except RuntimeError as error:
        message = str(error)
    with torch.no_grad():
        x -= alpha * x.grad
    fixed_value = float(x[0, 0].detach())
    fixed_is_leaf, fixed_requires_grad = x.is_leaf, x.requires_grad
    rebound = x - alpha * x.grad
    return InPlaceDemo(
        message, fixed_value, fixed_is_leaf, fixed_requires_grad, rebound.is_leaf, type(rebound.grad_fn).__name__
    )


# The input of course text 004's activation examples.
COURSE_X = [[0.4, -0.5, 0.9], [0.3, 0.2, -0.1], [0.1, 0.7, -0.2]]


@dataclass(frozen=True)
class ModeDemo:
    x: torch.Tensor
    dropout_train: tuple[torch.Tensor, torch.Tensor]  # two calls in train mode
    dropout_eval: torch.Tensor
    batchnorm_train: torch.Tensor
    batchnorm_eval: torch.Tensor
    running_mean: torch.Tensor
    running_var: torch.Tensor


def train_vs_eval(p: float = 0.5, seed: int = 0) -> ModeDemo:
    """Dropout and BatchNorm1d on the same input in ``train()`` and ``eval()`` mode."""
    x = torch.tensor(COURSE_X, dtype=DTYPE)
    dropout = nn.Dropout(p)
    # Dropout draws its mask from the global generator; fork it so a seed repeats the masks
    # without disturbing anyone else's random numbers.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        dropout.train()
        first, second = dropout(x), dropout(x)
    dropout.eval()
    dropout_eval = dropout(x)
    norm = nn.BatchNorm1d(x.shape[1], dtype=DTYPE)
    norm.train()
    with torch.no_grad():
        norm_train = norm(x)  # normalises with this batch's mean and variance, updates running stats
        norm.eval()
        norm_eval = norm(x)  # uses running_mean / running_var instead
    return ModeDemo(
        x, (first, second), dropout_eval, norm_train, norm_eval,
        norm.running_mean.clone(), norm.running_var.clone(),
    )


@dataclass(frozen=True)
class SavedTensors:
    count: int  # tensors handed to autograd to keep for backward
    total_bytes: int  # their sizes added up (a tensor saved twice counts twice)
    unique_bytes: int  # distinct storages
    parameter_bytes: int  # of the distinct storages, those that are the model's own weights
    shapes: tuple[tuple[int, ...], ...]
    sizes: tuple[int, ...]  # bytes of each saved tensor, in the order saved
    roles: tuple[str, ...]  # each one: "input", "parameter", "activation", or "repeat" (storage seen before)

    @property
    def activation_bytes(self) -> int:
        """Memory held only because a backward pass may follow."""
        return self.unique_bytes - self.parameter_bytes


def course_classifier() -> nn.Sequential:
    """Course text 003's notMNIST network, 784 -> 256 -> 10 (its weights do not matter here)."""
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def saved_for_backward(model: nn.Module, x: torch.Tensor, grad_enabled: bool) -> SavedTensors:
    """Run one forward pass and count what autograd saves for the backward pass."""
    saved: list[torch.Tensor] = []

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        saved.append(tensor)
        return tensor

    with torch.set_grad_enabled(grad_enabled), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(x)
    parameter_storages = {p.untyped_storage().data_ptr() for p in model.parameters()}
    input_storage = x.untyped_storage().data_ptr()
    storages: dict[int, int] = {}
    roles = []
    for tensor in saved:
        storage = tensor.untyped_storage()
        pointer = storage.data_ptr()
        if pointer in storages:
            roles.append("repeat")
        elif pointer in parameter_storages:
            roles.append("parameter")
        else:
            roles.append("input" if pointer == input_storage else "activation")
        storages[pointer] = storage.nbytes()
    return SavedTensors(
        count=len(saved),
        total_bytes=sum(t.numel() * t.element_size() for t in saved),
        unique_bytes=sum(storages.values()),
        parameter_bytes=sum(size for ptr, size in storages.items() if ptr in parameter_storages),
        shapes=tuple(tuple(t.shape) for t in saved),
        sizes=tuple(t.numel() * t.element_size() for t in saved),
        roles=tuple(roles),
    )


def no_grad_savings(batch_size: int = 64, seed: int = 0) -> tuple[SavedTensors, SavedTensors]:
    """(normal forward, forward under ``torch.no_grad()``) for the course's 784-256-10 network."""
    if not batch_size >= 1:
        raise InputError("The batch size must be at least 1.", code="out_of_range", field="batch_size",
                         details={"batch_size": batch_size})
    model = course_classifier()
    x = torch.randn(int(batch_size), 784, generator=torch.Generator().manual_seed(int(seed)))
    return saved_for_backward(model, x, True), saved_for_backward(model, x, False)
