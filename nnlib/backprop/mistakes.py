"""The mistakes students make with autograd, each run for real: gradients that accumulate across
``backward()`` calls, an in-place update of a leaf that requires grad, train versus eval mode,
and what ``torch.no_grad()`` saves (tensors kept for the backward pass, counted with
``torch.autograd.graph.saved_tensors_hooks``)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from nnlib.backprop.network import DTYPE
from nnlib.core import messages
from nnlib.core.errors import InputError


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
    def role_words(self) -> tuple[str, ...]:
        """Each role in words, from the catalogue (``backprop.saved_<role>``)."""
        return tuple(messages.word(f"backprop.saved_{role}") for role in self.roles)

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
        raise InputError("backprop.batch_too_small", field="batch_size", batch_size=batch_size)
    model = course_classifier()
    x = torch.randn(int(batch_size), 784, generator=torch.Generator().manual_seed(int(seed)))
    return saved_for_backward(model, x, True), saved_for_backward(model, x, False)
