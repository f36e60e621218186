"""The stack written as runnable PyTorch code, three ways.

:func:`sequential_code` writes ``model = nn.Sequential(...)``; :func:`module_code` an
``nn.Module`` subclass with one attribute per layer; :func:`sequential_class_code` course
002's ``BinaryClassifier`` style (B.5.2): an ``nn.Sequential`` subclass that adds its modules
by name, built from ``layer_dims`` in the course's own loop where the stack has its pattern.
Each runs the model once on a random batch and prints its shape and parameter count.
"""

from __future__ import annotations

import keyword
from collections.abc import Sequence

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.core.formatting import batch_shape_text
from nnlib.core.settings import Settings, get_settings
from nnlib.layers.analysis import LayerSummary, NetworkSummary, analyze
from nnlib.layers.kinds import LayerKind
from nnlib.layers.model import checked_layers
from nnlib.layers.shapes import BATCH
from nnlib.layers.spec import LayerSpec
from nnlib.layers.stack import layer_kind
from nnlib.losses import LOSSES

# What to call the exported class after the task its loss says it has (course 002 names
# its binary network BinaryClassifier).
CLASS_NAMES = {"binary": "BinaryClassifier", "multiclass": "Classifier", "regression": "Regressor"}
DEFAULT_CLASS_NAME = "Net"


def _comment(code: str, **details) -> str:
    """A comment of the exported code in the current language (the code itself stays English)."""
    return messages.word(code, details)


def _code_lines(layers: Sequence[LayerSpec], input_shape: Sequence[int], settings: Settings
                ) -> tuple[list[tuple[LayerKind, dict, LayerSummary]], NetworkSummary]:
    checked = checked_layers(layers, settings)
    summary = analyze(layers, input_shape, settings=settings)
    if not summary.ok:
        raise summary.errors[0].error()
    return [(kind, params, row) for (kind, params), row in zip(checked, summary.layers, strict=True)], summary


def _example_lines(input_shape: Sequence[int], summary: NetworkSummary) -> list[str]:
    sizes = ", ".join(str(n) for n in (2, *input_shape))
    output = tuple(2 if n == BATCH else n for n in summary.output_shape)
    return [
        "print(model)",
        "",
        f"x = torch.randn({sizes})  # {_comment('layers.code_batch', count=2)}",
        "y = model(x)",
        f"print(y.shape)  # torch.Size({list(output)})",
        "print(sum(p.numel() for p in model.parameters()))  # "
        + _comment("layers.code_params", count=summary.total_params),
        "",
    ]


def sequential_code(
    layers: Sequence[LayerSpec], input_shape: Sequence[int], *, settings: Settings | None = None
) -> str:
    """Runnable Python that builds the stack as ``model = nn.Sequential(...)`` and runs it once."""
    settings = settings or get_settings()
    rows, summary = _code_lines(layers, input_shape, settings)
    lines = [
        "import torch",
        "from torch import nn",
        "",
        f"# {_comment('layers.code_input', shape=batch_shape_text((BATCH, *summary.input_shape)))}",
        "model = nn.Sequential(",
    ]
    for kind, params, row in rows:
        lines.append(f"    {kind.constructor_code(params)},  # -> {batch_shape_text(row.output_shape)}")
    lines += [")", *_example_lines(input_shape, summary)]
    return "\n".join(lines)


def _check_class_name(class_name: str) -> None:
    if not class_name.isidentifier() or keyword.iskeyword(class_name):
        raise InputError("layers.bad_class_name", field="class_name", name=class_name[:40])


def default_class_name(loss: str | None) -> str:
    """What to call the exported class, after the task the loss says it has (course 002's
    ``BinaryClassifier`` for a binary loss)."""
    record = LOSSES.get(loss) if loss is not None else None
    return CLASS_NAMES.get(record.task, DEFAULT_CLASS_NAME) if record is not None else DEFAULT_CLASS_NAME


def course_layer_names(layers: Sequence[LayerSpec]) -> list[str]:
    """Module names the way course 002's ``BinaryClassifier`` gives them: ``linear0, relu0,
    linear1, relu1, linear2, sigmoid2``. A Linear layer takes the next number; every other
    layer takes the number of the Linear layer before it (0 before the first). A name used
    twice gets ``_2``, ``_3``."""
    names: list[str] = []
    used: set[str] = set()
    linears = 0
    for spec in layers:
        kind = layer_kind(spec.kind)
        if kind.role == "linear":
            number, linears = linears, linears + 1
        else:
            number = max(linears - 1, 0)
        base = f"{kind.attribute}{number}"
        name, copy = base, 2
        while name in used:
            name, copy = f"{base}_{copy}", copy + 1
        used.add(name)
        names.append(name)
    return names


def _layer_dims_form(rows: Sequence[tuple[LayerKind, dict, LayerSummary]]
                     ) -> tuple[list[int], str | None, str | None] | None:
    """``(layer_dims, hidden activation, output activation)`` when the stack is course 002's
    pattern: Linear layers with bias, one and the same activation between them, at most one
    activation after the last. None for any other stack."""
    linear_at = [i for i, (kind, _, _) in enumerate(rows) if kind.role == "linear"]
    if not linear_at or linear_at[0] != 0 or any(not rows[i][1]["bias"] for i in linear_at):
        return None
    hidden: set[str] = set()
    for before, after in zip(linear_at, linear_at[1:], strict=False):
        between = rows[before + 1:after]
        if len(between) != 1 or between[0][0].role != "activation":
            return None
        hidden.add(between[0][0].constructor_code(between[0][1]))
    tail = rows[linear_at[-1] + 1:]
    if len(hidden) > 1 or len(tail) > 1 or (tail and tail[0][0].role != "activation"):
        return None
    dims = [rows[0][1]["in_features"], *(rows[i][1]["out_features"] for i in linear_at)]
    output = tail[0][0].constructor_code(tail[0][1]) if tail else None
    return dims, next(iter(hidden), None), output


def sequential_class_code(
    layers: Sequence[LayerSpec],
    input_shape: Sequence[int],
    class_name: str = "BinaryClassifier",
    *,
    settings: Settings | None = None,
) -> str:
    """The network as course 002 writes it (B.5.2): a class that extends ``nn.Sequential`` and
    adds its modules by name, so ``print(model)`` reads ``BinaryClassifier( (linear0): ...``.

    A stack of the course's pattern (Linear, activation, ..., Linear, optional activation) is
    built from ``layer_dims`` in the course's loop; any other stack adds each module by name.
    """
    settings = settings or get_settings()
    _check_class_name(class_name)
    rows, summary = _code_lines(layers, input_shape, settings)
    names = course_layer_names(layers)
    lines = [
        "import torch",
        "from torch import nn",
        "",
        "",
        f"class {class_name}(nn.Sequential):",
    ]
    form = _layer_dims_form(rows)
    if form is not None:
        dims, hidden, output = form
        hidden_name = layer_kind(layers[1].kind).attribute if hidden else None
        output_name = layer_kind(layers[-1].kind).attribute if output else None
        lines += [
            "    def __init__(self, layer_dims):",
            "        super().__init__()",
            "        for idx, dim in enumerate(layer_dims):",
            "            if idx < len(layer_dims) - 1:",
            "                module = nn.Linear(dim, layer_dims[idx + 1])",
            '                self.add_module(f"linear{idx}", module)',
        ]
        if hidden:
            lines += [
                f"            if idx < len(layer_dims) - 2:  # {_comment('layers.code_after_hidden')}",
                f"                activation = {hidden}",
                f'                self.add_module(f"{hidden_name}{{idx}}", activation)',
            ]
        if output:
            lines += [
                f"            {'elif' if hidden else 'if'} idx == len(layer_dims) - 2:  "
                f"# {_comment('layers.code_after_output')}",
                f"                activation = {output}",
                f'                self.add_module(f"{output_name}{{idx}}", activation)',
            ]
        lines += [
            "",
            "",
            "# " + _comment("layers.code_input_output", shape=batch_shape_text((BATCH, *summary.input_shape)),
                            output=batch_shape_text(summary.output_shape)),
            f"layer_dims = {dims}",
            f"model = {class_name}(layer_dims)",
        ]
    else:
        lines += ["    def __init__(self):", "        super().__init__()"]
        lines += [f'        self.add_module("{name}", {kind.constructor_code(params)})  '
                  f"# -> {batch_shape_text(row.output_shape)}"
                  for name, (kind, params, row) in zip(names, rows, strict=True)]
        lines += ["", "", f"# {_comment('layers.code_input', shape=batch_shape_text((BATCH, *summary.input_shape)))}",
                  f"model = {class_name}()"]
    return "\n".join([*lines, *_example_lines(input_shape, summary)])


def module_code(
    layers: Sequence[LayerSpec],
    input_shape: Sequence[int],
    class_name: str = "Net",
    *,
    settings: Settings | None = None,
) -> str:
    """The same network as an ``nn.Module`` subclass with one attribute per layer."""
    settings = settings or get_settings()
    _check_class_name(class_name)
    rows, summary = _code_lines(layers, input_shape, settings)
    counts: dict[str, int] = {}
    names = []
    for kind, _, _ in rows:
        counts[kind.attribute] = counts.get(kind.attribute, 0) + 1
        names.append(f"{kind.attribute}_{counts[kind.attribute]}")
    lines = [
        "import torch",
        "from torch import nn",
        "",
        "",
        f"class {class_name}(nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
    ]
    lines += [f"        self.{name} = {kind.constructor_code(params)}"
              for name, (kind, params, _) in zip(names, rows, strict=True)]
    lines += ["", "    def forward(self, x):", f"        # x: {batch_shape_text((BATCH, *summary.input_shape))}"]
    lines += [f"        x = self.{name}(x)  # -> {batch_shape_text(row.output_shape)}"
              for name, (_, _, row) in zip(names, rows, strict=True)]
    lines += ["        return x", "", "", f"model = {class_name}()", *_example_lines(input_shape, summary)]
    return "\n".join(lines)
