"""Which device PyTorch computes on: detection, a user override, a human label."""

from __future__ import annotations

import os

import torch

from nnlib.core import messages
from nnlib.core.errors import InputError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
DEVICE_NAMES = {"cpu": "CPU", "cuda": "CUDA (NVIDIA GPU)", "mps": "Apple MPS (Metal GPU)"}


def cuda_available() -> bool:
    return torch.cuda.is_available()


def mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def detect_device() -> torch.device:
    """The fastest device present: CUDA first, then Apple MPS, then the CPU."""
    if cuda_available():
        return torch.device("cuda")
    if mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def available_devices() -> list[str]:
    """Device kinds usable here, detected one first ("cpu" is always there)."""
    kinds = [detect_device().type]
    for kind, present in (("cuda", cuda_available()), ("mps", mps_available()), ("cpu", True)):
        if present and kind not in kinds:
            kinds.append(kind)
    return kinds


def resolve_device(choice: str | torch.device | None = "auto") -> torch.device:
    """Turn a user's choice ("auto", "cpu", "cuda", "cuda:1", "mps") into a device.

    Raises :class:`InputError` when the chosen accelerator is not present, so a
    page can say so instead of failing later inside PyTorch.
    """
    if isinstance(choice, torch.device):
        choice = str(choice)
    text = (choice or "auto").strip().lower()
    if text == "auto":
        return detect_device()
    kind, _, index = text.partition(":")
    if kind not in DEVICE_CHOICES or (index and not index.isdigit()):
        raise InputError("device.unknown", choice=choice)
    if kind == "cuda":
        if not cuda_available():
            raise InputError("device.no_cuda", choice=choice)
        if index and int(index) >= torch.cuda.device_count():
            raise InputError("device.no_such_gpu", choice=choice, index=int(index), count=torch.cuda.device_count())
    if kind == "mps" and not mps_available():
        raise InputError("device.no_mps", choice=choice)
    return torch.device(text)


def device_label(device: torch.device | str | None = None) -> str:
    """A human label: "CUDA · NVIDIA A100 (GPU 0)", "Apple MPS", "CPU · 8 cores".

    The CPU label names the machine's cores, not PyTorch's current thread count: runs change
    that count while they train, and a label that moves would make a chosen option vanish.
    """
    device = detect_device() if device is None else torch.device(device)
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return messages.word("device.label_cuda", {"name": torch.cuda.get_device_name(index), "index": index})
    if device.type == "mps":
        return messages.word("device.label_mps")
    return messages.word("device.label_cpu", {"count": os.cpu_count() or 1})


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so timings measure the work and not its launch."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()
