"""The one registry of losses: every page, the builder, the trainer and the tests read ``LOSSES``.

Adding a loss is a new module with its :class:`~nnlib.losses.record.LossInfo` and one line here.
The Example menu (``PRESETS``) collects the worked examples that sit on the records.
"""

from __future__ import annotations

from dataclasses import replace

from nnlib.core.errors import InputError
from nnlib.losses import binary, kl_div, multiclass, regression
from nnlib.losses.record import LossInfo, Preset

REGISTERED: tuple[LossInfo, ...] = (
    *regression.LOSSES,
    *binary.LOSSES,
    *multiclass.LOSSES,
    kl_div.KL_DIV,
)

LOSSES: dict[str, LossInfo] = {info.name: info for info in REGISTERED}

# Every record's worked examples, in the menu's order, each knowing its loss.
PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in sorted(
        (replace(preset, loss=info.name) for info in REGISTERED for preset in info.presets),
        key=lambda preset: preset.order,
    )
}


def get_loss(name: str) -> LossInfo:
    try:
        return LOSSES[name]
    except KeyError:
        raise InputError("losses.unknown", loss=name, choices=", ".join(LOSSES)) from None
