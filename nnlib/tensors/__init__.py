"""Tensors: make them, describe them, combine and reshape them, bridge them to NumPy and follow
autograd through the course's chain (course texts 002 B.3, B.5.1 and 004 «Линейные слои»).

Everything a student types is read by :mod:`nnlib.core.parsing` (never ``eval``) and every
failure a student can cause is an :class:`~nnlib.core.errors.InputError` with a ``tensors.*``
code. Where the lesson is PyTorch's own error (a shape mismatch, a bad reshape) the error text
is kept verbatim and explained from the shapes, as data plus codes, together with variants
PyTorch does accept. The wording lives in ``locales/<language>/LC_MESSAGES/tensors.po``.

One module per idea:

* :mod:`.facts`: what a page shows about any tensor (shape, dtype, device, memory);
* :mod:`.sizes`: whole numbers a student types (sizes, dimensions, a seed);
* :mod:`.make`: a typed tensor or a factory's, with the one line of code that makes it;
* :mod:`.operations`: ``+ - * / @`` and their shape rules (broadcasting, ``torch.matmul``);
* :mod:`.suggestions`: variants PyTorch accepts when ``A op B`` fails;
* :mod:`.explanations`: why PyTorch refused, computed from the shapes;
* :mod:`.combine`: ``A op B`` run, or its error explained;
* :mod:`.shape_ops`: reshape, view, squeeze, unsqueeze, transpose, flatten;
* :mod:`.numpy_bridge`: ``.numpy()`` shares memory, ``torch.tensor(array)`` keeps the dtype;
* :mod:`.autograd`: the course's chain, autograd next to the chain rule by hand.
"""

from __future__ import annotations

from nnlib.core.formatting import python_literal, shape_text
from nnlib.tensors.autograd import AutogradChain, autograd_chain, autograd_from_text
from nnlib.tensors.combine import MatmulEntry, OperationResult, apply_operation
from nnlib.tensors.explanations import ErrorExplanation, explain_operation_error, explain_shape_error
from nnlib.tensors.facts import TORCH_ERRORS, Shape, TensorFacts, describe, dtype_name
from nnlib.tensors.make import (
    ARGS_KINDS,
    AUTO,
    DTYPE_CHOICES,
    FACTORIES,
    ArgsKind,
    Factory,
    FactoryArgs,
    MadeTensor,
    make_factory_tensor,
    tensor_from_text,
)
from nnlib.tensors.numpy_bridge import NumpyBridge, numpy_bridge
from nnlib.tensors.operations import (
    BROADCAST_RULES,
    MATMUL_KINDS,
    OPERATIONS,
    BroadcastDim,
    BroadcastPlan,
    MatmulPlan,
    Operation,
    broadcast_plan,
    get_operation,
    matmul_plan,
    result_shape,
)
from nnlib.tensors.phrases import Phrase
from nnlib.tensors.shape_ops import SHAPE_OPS, ShapeOp, ShapeOpResult, apply_shape_op
from nnlib.tensors.sizes import parse_int_list, parse_seed, parse_shape
from nnlib.tensors.suggestions import Suggestion, Transform, suggest

__all__ = [
    "ARGS_KINDS",
    "AUTO",
    "BROADCAST_RULES",
    "DTYPE_CHOICES",
    "FACTORIES",
    "MATMUL_KINDS",
    "OPERATIONS",
    "SHAPE_OPS",
    "TORCH_ERRORS",
    "ArgsKind",
    "AutogradChain",
    "BroadcastDim",
    "BroadcastPlan",
    "ErrorExplanation",
    "Factory",
    "FactoryArgs",
    "MadeTensor",
    "MatmulEntry",
    "MatmulPlan",
    "NumpyBridge",
    "Operation",
    "OperationResult",
    "Phrase",
    "Shape",
    "ShapeOp",
    "ShapeOpResult",
    "Suggestion",
    "TensorFacts",
    "Transform",
    "apply_operation",
    "apply_shape_op",
    "autograd_chain",
    "autograd_from_text",
    "broadcast_plan",
    "describe",
    "dtype_name",
    "explain_operation_error",
    "explain_shape_error",
    "get_operation",
    "make_factory_tensor",
    "matmul_plan",
    "numpy_bridge",
    "parse_int_list",
    "parse_seed",
    "parse_shape",
    "python_literal",
    "result_shape",
    "shape_text",
    "suggest",
    "tensor_from_text",
]
