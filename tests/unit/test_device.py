from __future__ import annotations

import os

import pytest
import torch

from nnlib.core import device as dev
from nnlib.core.errors import InputError


def test_detects_cpu_when_no_accelerator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dev, "cuda_available", lambda: False)
    monkeypatch.setattr(dev, "mps_available", lambda: False)
    assert dev.detect_device() == torch.device("cpu")
    assert dev.available_devices() == ["cpu"]
    assert dev.resolve_device("auto") == torch.device("cpu")


def test_prefers_cuda_then_mps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dev, "cuda_available", lambda: True)
    monkeypatch.setattr(dev, "mps_available", lambda: True)
    assert dev.detect_device().type == "cuda"
    assert dev.available_devices() == ["cuda", "mps", "cpu"]
    monkeypatch.setattr(dev, "cuda_available", lambda: False)
    assert dev.detect_device().type == "mps"
    assert dev.available_devices() == ["mps", "cpu"]


def test_override_to_missing_accelerator_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dev, "cuda_available", lambda: False)
    monkeypatch.setattr(dev, "mps_available", lambda: False)
    with pytest.raises(InputError, match="no NVIDIA GPU") as caught:
        dev.resolve_device("cuda")
    assert caught.value.code == "device.no_cuda"
    with pytest.raises(InputError, match="Metal"):
        dev.resolve_device("mps")
    with pytest.raises(InputError, match="Unknown device"):
        dev.resolve_device("tpu")
    assert dev.resolve_device(" CPU ") == torch.device("cpu")


def test_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    cores = os.cpu_count() or 1
    assert dev.device_label("cpu") == f"CPU · {cores} core{'s' if cores != 1 else ''}"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a run changing PyTorch's threads must not change the label
    try:
        assert dev.device_label("cpu") == f"CPU · {cores} core{'s' if cores != 1 else ''}"
    finally:
        torch.set_num_threads(threads)
    assert dev.device_label("mps") == "Apple MPS (Metal GPU)"
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index: "NVIDIA Test GPU")
    assert dev.device_label("cuda:0") == "CUDA · NVIDIA Test GPU (GPU 0)"
