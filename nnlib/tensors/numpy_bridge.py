"""The tensor ↔ NumPy bridge: ``.numpy()`` shares memory with a CPU tensor, ``torch.tensor(array)``
keeps NumPy's dtype (course text 002, appendix B)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from nnlib.core.formatting import python_literal
from nnlib.core.parsing import Number
from nnlib.tensors.facts import dtype_name


@dataclass(frozen=True, eq=False)
class NumpyBridge:
    """``.numpy()`` shares memory with a CPU tensor: change the tensor, the array changes too.

    ``to_numpy`` is the call needed for this tensor (``.detach()`` if it requires grad,
    ``.cpu()`` if it lives on a GPU — a copy, so nothing is shared then).
    """

    to_numpy: str
    change_code: str
    array_before: np.ndarray
    array_after: np.ndarray
    shares_memory: bool
    changed: bool
    from_array_dtype: str
    from_list_dtype: str
    array_dtype: str
    from_array_printed: str
    from_numpy_shares: bool

    @property
    def code_lines(self) -> tuple[str, ...]:
        return (f"array = {self.to_numpy}", self.change_code)


def _index_code(ndim: int) -> str:
    return "T[" + ", ".join("0" for _ in range(ndim)) + "]"


def numpy_bridge(tensor: torch.Tensor) -> NumpyBridge:
    """Show the tensor ↔ NumPy bridge on a private copy of ``tensor`` (the original is untouched)."""
    work = tensor.detach().clone().requires_grad_(tensor.requires_grad)
    to_numpy = "T" + (".detach()" if tensor.requires_grad else "") + (".cpu()" if tensor.device.type != "cpu" else "") + ".numpy()"
    array = work.detach().cpu().numpy()
    before = array.copy()
    changed = work.numel() > 0
    if work.dtype == torch.bool:
        new_value: Number = not bool(work.detach().flatten()[0].item()) if changed else True
    else:
        new_value = 100.0 if work.dtype.is_floating_point else 100
    target = _index_code(work.ndim) if work.ndim else "T"
    assignment = f"{target} = {python_literal(new_value)}" if work.ndim else f"T.fill_({python_literal(new_value)})"
    change_code = f"with torch.no_grad(): {assignment}" if tensor.requires_grad else assignment
    if changed:
        with torch.no_grad():
            if work.ndim:
                work[(0,) * work.ndim] = new_value
            else:
                work.fill_(new_value)
    after = array.copy()
    shares = work.device.type == "cpu" and np.shares_memory(array, work.detach().numpy())

    values = tensor.detach().cpu().tolist()
    plain = np.array(values)
    from_array = torch.tensor(plain)
    from_numpy = torch.from_numpy(plain)
    return NumpyBridge(
        to_numpy=to_numpy,
        change_code=change_code,
        array_before=before,
        array_after=after,
        shares_memory=bool(shares),
        changed=changed,
        from_array_dtype=dtype_name(from_array.dtype),
        from_list_dtype=dtype_name(torch.tensor(values).dtype),
        array_dtype=str(plain.dtype),
        from_array_printed=str(from_array),
        from_numpy_shares=bool(np.shares_memory(from_numpy.numpy(), plain)),
    )
