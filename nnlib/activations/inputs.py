"""Checks every activation computation makes on a tensor it is given."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from nnlib.core import messages
from nnlib.core.errors import InputError


@dataclass(frozen=True)
class Note:
    """Something worth pointing out about a result: a code and its details, worded by the catalogue."""

    code: str  # "activations.dim_size_one"
    details: Mapping[str, Any] = field(default_factory=dict)
    level: str = "info"  # "info" or "warning": how loudly a page shows it

    def words(self, language: str | None = None) -> str:
        return messages.word(self.code, self.details, language)

    @property
    def message(self) -> str:
        return self.words()


def check_dim(x: Tensor, dim: int) -> int:
    """``dim`` made non-negative, or InputError if ``x`` has no such dim."""
    rank = max(x.dim(), 1)  # a 0-D tensor accepts dim 0 and -1
    if not -rank <= dim < rank:
        raise InputError(
            "activations.bad_dim", field="dim", dim=dim, ndim=x.dim(), lowest=-rank, highest=rank - 1
        )
    return dim % rank


def as_float(x: Tensor) -> tuple[Tensor, Note | None]:
    """``x`` as floats (activations need them), with a note when whole numbers were converted."""
    if x.dtype.is_floating_point:
        return x, None
    return x.to(torch.float32), Note(
        "activations.converted_to_float", {"dtype": str(x.dtype).replace("torch.", "")}
    )
