"""Charts that stay cheap when a whole class uses one server.

Building a chart with Altair costs the server about 35 ms of Python (its schema
objects, validation, then Streamlit's Arrow conversion); a plain Vega-Lite spec
with the data inline costs about 4 ms. The live training charts redraw every
second for every student, so they are written as specs here. Charts that are the
same for everyone (a dataset's scatter matrix, a curve for the default settings)
are built once with Altair and their finished spec is shared through
``st.cache_data``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import streamlit as st


def quantitative(name: str, title: str | None = None, **extra: Any) -> dict:
    encoding = {"field": name, "type": "quantitative", **extra}
    if title is not None:
        encoding["title"] = title
    return encoding


def nominal(name: str, title: str | None = None, **extra: Any) -> dict:
    encoding = {"field": name, "type": "nominal", **extra}
    encoding["title"] = title
    return encoding


def tooltip(*fields: str | dict) -> list[dict]:
    return [{"field": f} if isinstance(f, str) else f for f in fields]


def layer(rows: Sequence[dict], mark: dict, **encoding: Any) -> dict:
    """One layer: rows of plain values, a mark, and its encoding channels."""
    return {"data": {"values": list(rows)}, "mark": mark, "encoding": encoding}


def show(title: str, height: int, *layers: dict) -> None:
    """Draw one or more layers as a full-width chart."""
    spec: dict = {"title": title, "height": height}
    if len(layers) == 1:
        spec.update(layers[0])
    else:
        spec["layer"] = list(layers)
    st.vega_lite_chart(spec, width="stretch")


def every_nth(rows: Sequence, limit: int) -> list:
    """At most ``limit`` rows spread evenly over the whole sequence, the last one kept."""
    if len(rows) <= limit:
        return list(rows)
    step = -(-len(rows) // limit)
    thinned = list(rows[::step])
    if thinned[-1] is not rows[-1]:
        thinned.append(rows[-1])
    return thinned


MAX_INLINE_ROWS = 5000  # Altair refuses to inline more rows of one data set


def finished_spec(chart: alt.TopLevelMixin) -> dict:
    """Altair's work done once: the spec with its data inline, ready to cache and reuse.

    Past MAX_INLINE_ROWS rows in one data set Altair raises MaxRowsError; draw such a
    chart with ``st.altair_chart`` instead.
    """
    spec = chart.to_dict()
    # Altair's default theme sizes the view at 300 px; Streamlit drops that theme for its own.
    view = spec.get("config", {}).get("view", {})
    for key in ("continuousWidth", "continuousHeight"):
        view.pop(key, None)
    return spec
