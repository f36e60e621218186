"""What a stack does to a sample's shape, what it learns, and what is wrong with it, before
anything runs.

:func:`analyze` walks a stack for a given input shape without running torch: the output
shape after every layer (batch written as ``"N"``), parameters per layer and in total, and
the problems a student should see (mismatched widths, two Linear layers that collapse into
one, Softmax before CrossEntropyLoss), each with a one-click :class:`~nnlib.layers.spec.Fix`
where there is one. The loss the student plans to train with comes from the loss registry
(:data:`nnlib.losses.LOSSES`): its ``expects`` says what the last layer must output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nnlib.core.errors import InputError
from nnlib.core.settings import Settings, get_settings
from nnlib.layers.kinds import (
    DISTRIBUTION,
    LAYER_KINDS,
    LOG_PROBABILITIES,
    PROBABILITIES,
    LayerKind,
    RuleContext,
    ShapeFailure,
)
from nnlib.layers.shapes import BATCH, Shape, check_input_shape
from nnlib.layers.spec import Fix, LayerSpec, Problem
from nnlib.layers.stack import layer_kind, parameter_cap, resolve_params
from nnlib.losses import LOSSES, LossInfo

# The builder offers classifiers first (the course trains them), then binary, then regression.
_TASK_ORDER = ("multiclass", "binary", "regression")
BUILDER_LOSSES: dict[str, LossInfo] = {
    record.name: record
    for record in sorted((r for r in LOSSES.values() if r.in_builder), key=lambda r: _TASK_ORDER.index(r.task))
}


def logits_loss(task: str) -> str:
    """The builder's loss for ``task`` that takes raw scores (CrossEntropyLoss, BCEWithLogitsLoss)."""
    return next(r.name for r in BUILDER_LOSSES.values() if r.task == task and r.expects == "logits")


@dataclass(frozen=True)
class LayerSummary:
    index: int
    spec: LayerSpec
    label: str
    input_shape: Shape | None  # None when an earlier problem hides it
    output_shape: Shape | None
    params: int | None  # None when the layer's arguments are invalid


@dataclass(frozen=True)
class NetworkSummary:
    input_shape: tuple[int, ...]
    layers: tuple[LayerSummary, ...]
    problems: tuple[Problem, ...]
    total_params: int
    loss: str | None = None

    @property
    def output_shape(self) -> Shape | None:
        if not self.layers:
            return (BATCH, *self.input_shape)
        return self.layers[-1].output_shape

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        """True when the stack can be built and run on this input."""
        return not self.errors

    def problems_for(self, index: int | None) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.layer == index)


def _ending(output: str) -> LayerKind:
    """The layer kind that gives ``output`` (Sigmoid for probabilities, LogSoftmax for log-probabilities)."""
    return next(kind for kind in LAYER_KINDS.values() if kind.output == output)


def _loss_problems(layers: Sequence[LayerSpec], loss: str | None) -> list[Problem]:
    if not layers:
        return []
    last = len(layers) - 1
    last_kind = layers[last].kind
    kind = LAYER_KINDS.get(last_kind)
    gives = kind.output if kind is not None else None
    record = LOSSES.get(loss) if loss is not None else None
    expects = record.expects if record is not None else None
    remove = Fix("remove", last, "layers.fix_remove", details={"position": last + 1, "kind": last_kind})
    # Softmax before CrossEntropyLoss is the course's own slip: warned even before a loss is chosen.
    multiclass_logits = loss is None or (record is not None and record.task == "multiclass" and expects == "logits")
    if gives == DISTRIBUTION and multiclass_logits:
        return [Problem(
            "layers.softmax_before_ce", "warning", last, remove,
            {"loss": logits_loss("multiclass"), "kind": last_kind},
            "layers.softmax_before_ce_unplanned" if loss is None else "",
        )]
    if expects == "logits" and gives is not None:
        return [Problem("layers.activation_before_logits_loss", "warning", last, remove,
                        {"loss": loss, "kind": last_kind})]
    if expects == "probabilities" and gives != PROBABILITIES:
        ending = _ending(PROBABILITIES)
        fix = Fix("insert", last + 1, "layers.fix_add_at_end", new_layer=LayerSpec(ending.name, ending.defaults()),
                  details={"kind": ending.name})
        return [Problem("layers.loss_needs_sigmoid", "warning", last, fix,
                        {"loss": loss, "kind": last_kind, "ending": ending.name,
                         "alternative": logits_loss(record.task)})]
    if expects == "log_probabilities" and gives != LOG_PROBABILITIES:
        ending = _ending(LOG_PROBABILITIES)
        new_layer = LayerSpec(ending.name, ending.defaults())
        fix = (Fix("replace", last, "layers.fix_replace", new_layer=new_layer,
                   details={"old": last_kind, "kind": ending.name})
               if gives == DISTRIBUTION else
               Fix("insert", last + 1, "layers.fix_add_at_end", new_layer=new_layer, details={"kind": ending.name}))
        return [Problem("layers.loss_needs_log_softmax", "warning", last, fix,
                        {"loss": loss, "kind": last_kind, "ending": ending.name,
                         "alternative": logits_loss(record.task)})]
    return []


def _collapse_problems(layers: Sequence[LayerSpec], labels: Sequence[str]) -> list[Problem]:
    """Two Linear layers with no nonlinearity between them are one linear map."""
    problems = []
    previous_linear = None
    for index, spec in enumerate(layers):
        kind = LAYER_KINDS.get(spec.kind)
        if kind is None:
            continue
        if kind.nonlinear:
            previous_linear = None
        elif kind.role == "linear":
            if previous_linear is not None:
                first, second = layers[previous_linear].params, spec.params
                relu = LayerSpec("ReLU", {})  # the course's default hidden activation
                problems.append(Problem(
                    "layers.collapse", "warning", index,
                    Fix("insert", previous_linear + 1, "layers.fix_insert_after", new_layer=relu,
                        details={"kind": relu.kind, "position": previous_linear + 1}),
                    {"first": previous_linear + 1, "second": index + 1,
                     "first_label": labels[previous_linear], "second_label": labels[index],
                     "in_features": first.get("in_features", "?"), "out_features": second.get("out_features", "?")},
                ))
            previous_linear = index
    return problems


def analyze(
    layers: Sequence[LayerSpec],
    input_shape: Sequence[int],
    *,
    loss: str | None = None,
    settings: Settings | None = None,
) -> NetworkSummary:
    """Shapes, parameters and problems of a stack for one sample shape (no batch).

    ``loss`` names the loss the network will be trained with (a key of
    :data:`nnlib.losses.LOSSES`), so the last layer can be checked against it; None checks
    for the most common mistake, Softmax before CrossEntropyLoss.
    Raises InputError only for an unusable ``input_shape``.
    """
    settings = settings or get_settings()
    sample = check_input_shape(input_shape, settings)
    problems: list[Problem] = []
    if not layers:
        problems.append(Problem("layers.empty", "error"))
    elif len(layers) > settings.max_layers:
        problems.append(Problem("layers.too_many_layers", "error",
                                details={"count": len(layers), "limit": settings.max_layers},
                                wording="layers.too_many_layers_remove"))

    summaries: list[LayerSummary] = []
    labels: list[str] = []
    shape: Shape | None = (BATCH, *sample)
    total = 0
    for index, spec in enumerate(layers):
        label = spec.kind
        try:
            params = resolve_params(spec, index, settings)
        except InputError as error:
            problems.append(Problem(error.code, "error", index, None, {**error.details, "param": error.field}))
            summaries.append(LayerSummary(index, spec, label, shape, None, None))
            labels.append(label)
            shape = None
            continue
        kind = LAYER_KINDS[spec.kind]
        label = kind.label(params)
        count = kind.count_params(params)
        total += count
        output: Shape | None = None
        if shape is not None:
            warnings: list[Problem] = []
            try:
                output = kind.shape_rule(shape, params, RuleContext(index, label, warnings))
            except ShapeFailure as failure:
                problems.append(failure.problem)
                output = failure.assumed
            problems.extend(warnings)
        summaries.append(LayerSummary(index, LayerSpec(spec.kind, params), label, shape, output, count))
        labels.append(label)
        shape = output

    problems.extend(_collapse_problems([s.spec for s in summaries], labels))
    problems.extend(_loss_problems(layers, loss))
    if total > parameter_cap(settings):
        problems.append(Problem("layers.too_many_params", "error",
                                details={"count": total, "limit": parameter_cap(settings)},
                                wording="layers.too_many_params_narrower"))
    problems.sort(key=lambda p: (-1 if p.layer is None else p.layer, p.severity != "error"))
    return NetworkSummary(sample, tuple(summaries), tuple(problems), total, loss)


def apply_fix(layers: Sequence[LayerSpec], fix: Fix) -> list[LayerSpec]:
    """The stack with one Fix applied (the input is left unchanged)."""
    result = list(layers)
    if fix.action == "set":
        target = result[fix.layer]
        result[fix.layer] = LayerSpec(target.kind, {**target.params, fix.param: fix.value})
    elif fix.action == "insert":
        result.insert(fix.layer, fix.new_layer)
    elif fix.action == "remove":
        del result[fix.layer]
    elif fix.action == "replace":
        result[fix.layer] = fix.new_layer
    else:
        raise ValueError(f"unknown fix action {fix.action!r}")
    return result


def suggested_layer(kind_name: str, layers: Sequence[LayerSpec], input_shape: Sequence[int]) -> LayerSpec:
    """A new layer of ``kind_name`` that fits after ``layers`` (its widths follow the stack)."""
    kind = layer_kind(kind_name)
    params = kind.defaults()
    try:
        shape = analyze(layers, input_shape).output_shape
    except InputError:
        shape = None
    if shape is not None:
        if "in_features" in params:
            params["in_features"] = shape[-1]
        if "num_features" in params and len(shape) in (2, 3):
            params["num_features"] = shape[1]
    return LayerSpec(kind.name, params)
