"""The course's networks as ready stacks, and the data sets the Training page trains them on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nnlib.core import messages
from nnlib.core.formatting import batch_shape_text
from nnlib.layers.analysis import NetworkSummary, logits_loss
from nnlib.layers.kinds import LAYER_KINDS
from nnlib.layers.shapes import BATCH, shape_words
from nnlib.layers.spec import Fix, LayerSpec, Problem
from nnlib.losses import LOSSES


@dataclass(frozen=True)
class NetworkPreset:
    """A course network; its title and description are ``layers.preset_<name>_title`` and
    ``layers.preset_<name>_description``, worded when they are read (the student's language)."""

    name: str
    input_shape: tuple[int, ...]  # one sample, without the batch dimension
    layers: tuple[LayerSpec, ...]
    loss: str = "CrossEntropyLoss"  # what the course trains it with (a key of nnlib.losses.LOSSES)

    @property
    def title(self) -> str:
        return messages.word(f"layers.preset_{self.name}_title")

    @property
    def description(self) -> str:
        return messages.word(f"layers.preset_{self.name}_description")

    @property
    def trains_as(self) -> str | None:
        """The trainer's task for this network, from the loss the course trains it with: "regression"
        (one output with MSE), "classification" (one score per class), or None (the binary preset's
        Sigmoid and BCELoss, which the Training page does not train)."""
        task = LOSSES[self.loss].task
        return {"regression": "regression", "multiclass": "classification"}.get(task)


def linear(in_features: int, out_features: int) -> LayerSpec:
    return LayerSpec("Linear", {"in_features": in_features, "out_features": out_features, "bias": True})


def binary_classifier_layers(layer_dims: Sequence[int]) -> tuple[LayerSpec, ...]:
    """The stack of course 002's ``BinaryClassifier(layer_dims)``: Linear + ReLU, Sigmoid at the end."""
    layers: list[LayerSpec] = []
    for index in range(len(layer_dims) - 1):
        layers.append(linear(layer_dims[index], layer_dims[index + 1]))
        layers.append(LayerSpec("ReLU", {}) if index < len(layer_dims) - 2 else LayerSpec("Sigmoid", {}))
    return tuple(layers)


PRESETS: dict[str, NetworkPreset] = {
    preset.name: preset
    for preset in (
        NetworkPreset("iris", (4,), (linear(4, 16), LayerSpec("ReLU", {}), linear(16, 3))),
        NetworkPreset(
            "notmnist", (28, 28),
            (LayerSpec("Flatten", {"start_dim": 1, "end_dim": -1}), linear(784, 256),
             LayerSpec("ReLU", {}), linear(256, 10)),
        ),
        NetworkPreset(
            "regression", (3,),
            (linear(3, 10), LayerSpec("ReLU", {}), linear(10, 20), LayerSpec("ReLU", {}), linear(20, 1)),
            loss="MSELoss",
        ),
        NetworkPreset("binary", (5,), binary_classifier_layers([5, 5, 3, 1]), loss="BCELoss"),
    )
}


# --------------------------------------------------------------------------- planned data sets


@dataclass(frozen=True)
class PlannedDataset:
    """A data set the Training page trains on, as far as the network must fit it."""

    name: str
    label: str  # as a sentence names it (a proper name: the same in every language)
    input_shape: tuple[int, ...]  # one sample, as the Training page hands it over
    classes: int

    @property
    def title(self) -> str:
        """The choice in a menu, ``layers.planned_<name>_title`` in the student's language."""
        return messages.word(f"layers.planned_{self.name}_title")

    @property
    def sample_words(self) -> str:
        """What one sample is, in words (``layers.planned_<name>_sample``)."""
        return messages.word(f"layers.planned_{self.name}_sample")

    @property
    def images(self) -> bool:
        return len(self.input_shape) > 1


PLANNED_DATASETS: dict[str, PlannedDataset] = {
    dataset.name: dataset
    for dataset in (
        PlannedDataset("iris", "Iris", (4,), 3),
        PlannedDataset("notmnist", "notMNIST", (28, 28), 10),
    )
}
TRAINING_TASK = "multiclass"  # the Training page trains a choice among classes


def dataset_problems(summary: NetworkSummary, dataset: str) -> list[Problem]:
    """Where the network does not fit a data set the student plans to train on, before any run.

    The Training page hands over one sample of ``input_shape`` and needs one score per class
    out, (N, classes), trained with a multi-class loss. Each mismatch is a warning with a fix:
    ``Fix("input_shape", value=shape)`` and ``Fix("loss", value=name)`` change the page's
    settings rather than the stack (:func:`~nnlib.layers.analysis.apply_fix` does not take
    them); an output of the wrong width sets the last Linear layer's ``out_features``.
    """
    planned = PLANNED_DATASETS[dataset]
    named = {"dataset": planned.name, "dataset_label": planned.label}
    problems: list[Problem] = []
    if tuple(summary.input_shape) != planned.input_shape:
        problems.append(Problem(
            "layers.dataset_input_shape", "warning", None,
            Fix("input_shape", 0, "layers.fix_input_shape", value=planned.input_shape,
                details={"shape_words": shape_words(planned.input_shape)}),
            {**named, "expected": list(planned.input_shape), "actual": list(summary.input_shape),
             "sample_words": planned.sample_words, "expected_text": batch_shape_text((BATCH, *planned.input_shape)),
             "actual_text": batch_shape_text((BATCH, *summary.input_shape))},
            "layers.dataset_input_shape_images" if planned.images else "",
        ))
    output = summary.output_shape
    if output is not None and summary.layers:
        expected = batch_shape_text((BATCH, planned.classes))
        if len(output) != 2 and summary.ok:  # a broken stack's shapes after the break are guesses
            problems.append(Problem(
                "layers.dataset_output_rank", "warning", None, None,
                {**named, "classes": planned.classes, "output": list(output), "expected_text": expected,
                 "output_text": batch_shape_text(output)},
            ))
        elif output[-1] != planned.classes:
            linears = [row.index for row in summary.layers if row.spec.kind in LAYER_KINDS
                       and LAYER_KINDS[row.spec.kind].role == "linear"]
            fix = (Fix("set", linears[-1], "layers.fix_set_in_layer", param="out_features", value=planned.classes,
                       details={"param": "out_features", "position": linears[-1] + 1, "value": planned.classes})
                   if linears else None)
            problems.append(Problem(
                "layers.dataset_classes", "warning", linears[-1] if linears else None, fix,
                {**named, "classes": planned.classes, "count": output[-1], "expected_text": expected},
            ))
    loss = LOSSES.get(summary.loss) if summary.loss is not None else None
    if summary.loss is not None and (loss is None or loss.task != TRAINING_TASK):
        trained_with = logits_loss(TRAINING_TASK)
        problems.append(Problem(
            "layers.dataset_loss", "warning", None,
            Fix("loss", 0, "layers.fix_loss", value=trained_with, details={"loss": trained_with}),
            {**named, "classes": planned.classes, "loss": summary.loss, "trained_with": trained_with},
        ))
    return problems
