"""The stack as a picture: one box per layer, left to right, with its output shape (SVG)."""

from __future__ import annotations

import math

from nnlib.core import messages
from nnlib.core.formatting import batch_shape_text
from nnlib.layers.analysis import NetworkSummary
from nnlib.layers.kinds import LAYER_KINDS
from nnlib.layers.shapes import BATCH, Shape

_ROLE_COLORS = {  # fill, stroke
    "linear": ("#dbe8f6", "#3a6ea5"),
    "activation": ("#fde6cf", "#c96a12"),
    "regularization": ("#ececec", "#777777"),
    "normalization": ("#ebdff6", "#7a4fa3"),
    "reshape": ("#dcf1dc", "#3d8a3d"),
    "input": ("#ffffff", "#333333"),
}
_SEVERITY_STROKES = {"error": "#d62728", "warning": "#e0a800"}


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def architecture_svg(summary: NetworkSummary, per_row: int = 6) -> str:
    """The stack as boxes left to right (wrapping into rows), one per layer, with shapes.

    A box's height grows with the number of features the layer outputs (log scale),
    so a network's narrowing or widening is visible at a glance.
    """
    box_width, gap, row_gap, pad = 132, 34, 44, 12
    nodes = [("input", messages.word("layers.drawing_input"), "", "", None, (BATCH, *summary.input_shape))]
    for row in summary.layers:
        kind = LAYER_KINDS.get(row.spec.kind)
        inner = row.label[len(row.spec.kind):].strip("()") if kind else ""
        params = "" if not row.params else messages.word("layers.drawing_params", {"count": row.params})
        severities = {p.severity for p in summary.problems_for(row.index)}
        severity = "error" if "error" in severities else ("warning" if severities else None)
        nodes.append((kind.role if kind else "regularization", f"{row.index + 1}. {row.spec.kind}",
                      inner, params, severity, row.output_shape))

    def height(shape: Shape | None) -> float:
        if shape is None:
            return 60.0
        features = math.prod(int(n) for n in shape[1:]) if len(shape) > 1 else 1
        return 60.0 + min(120.0, 10.0 * math.log2(max(features, 1)))

    columns = min(per_row, len(nodes))
    rows = [nodes[i:i + per_row] for i in range(0, len(nodes), per_row)]
    row_heights = [max(height(node[5]) for node in row) for row in rows]
    width = pad * 2 + columns * box_width + (columns - 1) * gap
    total_height = pad * 2 + sum(row_heights) + row_gap * (len(rows) - 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total_height:.0f}" '
        f'viewBox="0 0 {width} {total_height:.0f}" font-family="sans-serif" font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>',
    ]
    top = pad
    previous_exit = None
    for row, row_height in zip(rows, row_heights, strict=True):
        middle = top + row_height / 2
        for column, (role, title, inner, params, severity, shape) in enumerate(row):
            x = pad + column * (box_width + gap)
            h = height(shape)
            y = middle - h / 2
            fill, stroke = _ROLE_COLORS[role]
            stroke = _SEVERITY_STROKES.get(severity, stroke)
            stroke_width = 3 if severity else 1.5
            if previous_exit is not None:
                px, py, wrapped = previous_exit
                if wrapped:
                    turn = top - row_gap / 2
                    parts.append(
                        f'<polyline points="{px:.0f},{py:.0f} {px:.0f},{turn:.0f} {x + box_width / 2:.0f},{turn:.0f} '
                        f'{x + box_width / 2:.0f},{y - 2:.0f}" fill="none" stroke="#555" stroke-width="1.5" '
                        'marker-end="url(#arrow)"/>'
                    )
                else:
                    parts.append(
                        f'<line x1="{px:.0f}" y1="{middle:.0f}" x2="{x - 2:.0f}" y2="{middle:.0f}" '
                        'stroke="#555" stroke-width="1.5" marker-end="url(#arrow)"/>'
                    )
            parts.append(
                f'<rect x="{x}" y="{y:.1f}" width="{box_width}" height="{h:.1f}" rx="7" fill="{fill}" '
                f'stroke="{stroke}" stroke-width="{stroke_width}"/>'
            )
            lines = [(title, "bold", "#111"), (inner, "normal", "#333"),
                     (batch_shape_text(shape), "normal", "#111"), (params, "normal", "#555")]
            lines = [line for line in lines if line[0]]
            first_y = middle - (len(lines) - 1) * 8
            for number, (text, weight, color) in enumerate(lines):
                parts.append(
                    f'<text x="{x + box_width / 2:.0f}" y="{first_y + number * 16 + 4:.0f}" text-anchor="middle" '
                    f'font-weight="{weight}" fill="{color}">{_xml(text)}</text>'
                )
            last_in_row = column == len(row) - 1
            previous_exit = ((x + box_width / 2, y + h + 2, True) if last_in_row
                             else (x + box_width + 2, middle, False))
        top += row_height + row_gap
    parts.append("</svg>")
    return "\n".join(parts)
