"""Networks as plain data: a stack of layer specs, their shapes, parameters and code.

A network is a list of :class:`LayerSpec` (a layer kind and its arguments, JSON-able), so a
page can edit it, keep it in session state and hand it to the training engine. One idea
per module:

- :mod:`~nnlib.layers.kinds`: :data:`LAYER_KINDS`, the registry (torch constructor,
  arguments, shape rule, parameter count); its activation layers come from
  :data:`nnlib.activations.ACTIVATIONS`;
- :mod:`~nnlib.layers.stack`: a stack as plain data, checked (:func:`layers_from_data`),
  and as a link carries it (:func:`stack_from_link`);
- :mod:`~nnlib.layers.shapes`: shapes as typed and as shown;
- :mod:`~nnlib.layers.spec`: :class:`LayerSpec`, :class:`Problem` and :class:`Fix`,
  worded from ``locales/<language>/LC_MESSAGES/layers.po``;
- :mod:`~nnlib.layers.analysis`: :func:`analyze` (shapes, parameters, problems before
  anything runs), checked against the loss registry :data:`nnlib.losses.LOSSES`;
- :mod:`~nnlib.layers.model`: :func:`build_model`, :func:`trace_forward`;
- :mod:`~nnlib.layers.presets`: the course's networks and the planned data sets;
- :mod:`~nnlib.layers.export`: runnable PyTorch code, course 002's class form included;
- :mod:`~nnlib.layers.drawing`: the architecture as SVG.

Layer numbers in messages count from 1 (as a student reads the stack); ``layer`` fields in
data count from 0 (as the list is indexed).
"""

from nnlib.layers.analysis import (
    BUILDER_LOSSES,
    LayerSummary,
    NetworkSummary,
    analyze,
    apply_fix,
    logits_loss,
    suggested_layer,
)
from nnlib.layers.drawing import architecture_svg
from nnlib.layers.export import (
    course_layer_names,
    default_class_name,
    module_code,
    sequential_class_code,
    sequential_code,
)
from nnlib.layers.kinds import LAYER_KINDS, LayerKind
from nnlib.layers.model import (
    MAX_SEED,
    TraceStep,
    as_batch,
    build_model,
    check_seed,
    parameter_count,
    sample_input,
    trace_forward,
)
from nnlib.layers.presets import (
    PLANNED_DATASETS,
    PRESETS,
    NetworkPreset,
    PlannedDataset,
    binary_classifier_layers,
    dataset_problems,
    linear,
)
from nnlib.layers.shapes import BATCH, Shape, check_input_shape, parse_shape, shape_words
from nnlib.layers.spec import Fix, LayerSpec, Problem
from nnlib.layers.stack import (
    layer_from_data,
    layers_from_data,
    layers_to_data,
    parameter_cap,
    resolve_params,
    stack_from_link,
    stack_text,
)

__all__ = [
    "BATCH", "BUILDER_LOSSES", "LAYER_KINDS", "MAX_SEED", "PLANNED_DATASETS", "PRESETS", "Fix", "LayerKind",
    "LayerSpec", "LayerSummary", "NetworkPreset", "NetworkSummary", "PlannedDataset", "Problem", "Shape",
    "TraceStep", "analyze", "apply_fix", "architecture_svg", "as_batch", "binary_classifier_layers", "build_model",
    "check_input_shape", "check_seed", "course_layer_names", "dataset_problems", "default_class_name",
    "format_shape", "layer_from_data", "layers_from_data", "layers_to_data", "linear", "logits_loss",
    "module_code", "parameter_cap", "parameter_count", "parse_shape", "resolve_params", "sample_input",
    "sequential_class_code", "sequential_code", "shape_words", "stack_from_link", "stack_text",
    "suggested_layer", "trace_forward",
]
