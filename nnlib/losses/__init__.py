"""Loss functions as a student meets them: PyTorch's value next to the same number by hand.

``LOSSES`` is the one registry of :class:`LossInfo` records (:mod:`nnlib.losses.registry`); a
record carries the torch call, the manual computation that returns its steps, the general
formula, what the prediction and target must look like, the closed-form gradient, the checks
that spot the mistakes students make, its worked examples with the course's answers, and what
the network builder and the trainer read. :func:`evaluate` puts it together into a
:class:`LossReport`; :func:`check` returns the findings alone.

One module per idea:

- ``record``: the record types (``LossInfo``, ``Step``, ``Finding``, ``Preset``);
- ``regression``, ``binary``, ``multiclass``, ``kl_div``: one module per loss family;
- ``registry``: ``LOSSES`` and the Example menu ``PRESETS``; ``presets``: recognising an example;
- ``steps`` and ``latex``: the shared pieces of the worked computations; ``checks``: shared mistake checks;
- ``evaluate``: PyTorch's value and gradient next to the hand computation;
- ``stability``: Sigmoid + BCELoss against BCEWithLogitsLoss, log 0, softmax overflow;
- ``metrics``: accuracy and MAPE beside the loss.

Every sentence a student reads is a ``losses.*`` code worded in
``locales/<language>/LC_MESSAGES/losses.po``.
"""

from __future__ import annotations

from nnlib.losses.evaluate import (
    REDUCTIONS,
    LossReport,
    RefusedInputs,
    check,
    evaluate,
    prepare_inputs,
    resolve_params,
    torch_code,
    values_match,
)
from nnlib.losses.presets import find_preset
from nnlib.losses.record import Finding, LossInfo, Manual, Preset, Severity, Step
from nnlib.losses.registry import LOSSES, PRESETS, get_loss
from nnlib.losses.stability import (
    LogZeroDemo,
    SigmoidBceRow,
    SoftmaxOverflowDemo,
    log_zero_demo,
    sigmoid_bce_comparison,
    softmax_overflow_demo,
)

__all__ = [
    "LOSSES",
    "PRESETS",
    "REDUCTIONS",
    "Finding",
    "LogZeroDemo",
    "LossInfo",
    "LossReport",
    "Manual",
    "Preset",
    "RefusedInputs",
    "Severity",
    "SigmoidBceRow",
    "SoftmaxOverflowDemo",
    "Step",
    "check",
    "evaluate",
    "find_preset",
    "fmt",
    "fmt_plain",
    "get_loss",
    "log_zero_demo",
    "prepare_inputs",
    "resolve_params",
    "sigmoid_bce_comparison",
    "softmax_overflow_demo",
    "torch_code",
    "values_match",
]
