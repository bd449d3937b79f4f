"""The HTML report of a PLS-SEM estimate: the path diagram, drawn as inline SVG, and the page.

The renderer takes plain arrays and summaries, not results objects, so that the results can
render themselves through it without an import cycle.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from countyhub.analysis.plssem.engine import Structure
from countyhub.analysis.provenance import Provenance
from countyhub.analysis.report import figure_svg, html_page, new_figure
from countyhub.analysis.summary import Summary


def _layers(s: Structure) -> list[list[int]]:
    depth = [0] * s.n_constructs
    for _ in range(s.n_constructs):
        for j, k in s.path_pairs():
            depth[k] = max(depth[k], depth[j] + 1)
    layers: list[list[int]] = [[] for _ in range(max(depth) + 1)]
    for k, d in enumerate(depth):
        layers[d].append(k)
    return layers


def path_diagram_svg(
    s: Structure,
    path_matrix: np.ndarray,
    r_squared: np.ndarray,
    pvalues: Mapping[tuple[str, ...], float] | None = None,
    outer: np.ndarray | None = None,
) -> str:
    """Constructs in layers by causal order, arrows labelled with coefficients, R² inside;
    with ``outer`` (per indicator: its loading in mode A, its weight in mode B) each construct's
    indicators are drawn beneath it with those values. Labels sit beside the lines, not on them.

    ``pvalues`` (bootstrap p of each path, keyed by (source, target)) adds significance stars.
    """
    layers = _layers(s)
    box_w, box_h, box_gap, drop = 62, 22, 68, 62
    widest = max(len(block) for block in s.blocks) if outer is not None else 0
    width_per_layer = max(260, widest * box_gap + 60)
    height_per_node = 130 + (drop + box_h + 10 if outer is not None else 0)
    height = max(len(layer) for layer in layers) * height_per_node + 40 + 130
    width = len(layers) * width_per_layer + 40
    rx, ry = 70, 34
    centre: dict[int, tuple[float, float]] = {}
    for d, layer in enumerate(layers):
        span = len(layer) * height_per_node
        for i, k in enumerate(layer):
            centre[k] = (
                40 + d * width_per_layer + rx,
                (height - span) / 2 + i * height_per_node + height_per_node / 2,
            )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="Path diagram">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="12" '
        'markerHeight="12" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#334e68"/></marker></defs>',
    ]
    depth = {k: d for d, layer in enumerate(layers) for k in layer}
    for j, k in s.path_pairs():
        (x1, y1), (x2, y2) = centre[j], centre[k]
        # An arrow that skips a layer bows away from the constructs it would cross.
        outward = -1.0 if (y1 + y2) / 2 <= height / 2 else 1.0
        bow = 0.0 if depth[k] - depth[j] <= 1 else outward * 0.9 * height_per_node
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2 + bow
        start = math.atan2(cy - y1, cx - x1)
        end = math.atan2(y2 - cy, x2 - cx)
        sx, sy = x1 + rx * math.cos(start), y1 + ry * math.sin(start)
        ex, ey = x2 - rx * math.cos(end), y2 - ry * math.sin(end)
        coef = float(path_matrix[j, k])
        p = None if pvalues is None else pvalues.get((s.constructs[j], s.constructs[k]))
        stars = (
            ""
            if p is None
            else "***"
            if p < 0.001
            else "**"
            if p < 0.01
            else "*"
            if p < 0.05
            else ""
        )
        stroke = 1 + 4 * min(abs(coef), 1)
        parts.append(
            f'<path d="M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}" fill="none" '
            f'stroke="#334e68" stroke-width="{stroke:.1f}" marker-end="url(#arrow)"/>'
        )
        # The label sits beside the curve's midpoint (a quadratic Bezier at t = 1/2), moved off
        # the line along its normal, to the outer side of a bowed arrow and above a straight one.
        mx, my = (sx + 2 * cx + ex) / 4, (sy + 2 * cy + ey) / 4
        dx, dy = ex - sx, ey - sy
        length = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / length, dx / length
        side = outward if bow else -1.0
        if ny * side < 0 or (ny == 0 and side > 0):
            nx, ny = -nx, -ny
        lx, ly = mx + 16 * nx, my + 16 * ny + 5
        parts.append(
            f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="middle" font-size="14" '
            f'fill="#102a43" paint-order="stroke" stroke="#fff" stroke-width="4">'
            f"{coef:.3f}{stars}</text>"
        )
    if outer is not None:
        parts += _indicator_boxes(s, centre, outer, ry, (box_w, box_h, box_gap, drop))
    for k, name in enumerate(s.constructs):
        x, y = centre[k]
        fill = "#d9e2ec" if s.modes[k] == "A" else "#fce8d5"
        parts.append(
            f'<ellipse cx="{x:.1f}" cy="{y:.1f}" rx="{rx}" ry="{ry}" fill="{fill}" '
            'stroke="#334e68" stroke-width="1.5"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{y - 2:.1f}" text-anchor="middle" font-size="15" '
            f'font-weight="bold">{html.escape(name)}</text>'
        )
        r2 = r_squared[k]
        if not math.isnan(r2):
            parts.append(
                f'<text x="{x:.1f}" y="{y + 17:.1f}" text-anchor="middle" '
                f'font-size="12">R² = {r2:.3f}</text>'
            )
        else:
            mode = "mode A" if s.modes[k] == "A" else "mode B"
            parts.append(
                f'<text x="{x:.1f}" y="{y + 17:.1f}" text-anchor="middle" '
                f'font-size="12" fill="#52606d">{mode}</text>'
            )
    parts.append("</svg>")
    legend = (
        "<figcaption>Arrows: path coefficients"
        + (
            "; boxes: indicators with their loadings (mode A) or weights (mode B)"
            if outer is not None
            else ""
        )
        + (" (* p &lt; .05, ** p &lt; .01, *** p &lt; .001, bootstrap)" if pvalues else "")
        + "; blue ellipses: mode A (reflective), orange: mode B (composite).</figcaption>"
    )
    return f"<figure>{''.join(parts)}{legend}</figure>"


def _indicator_boxes(
    s: Structure,
    centre: Mapping[int, tuple[float, float]],
    outer: np.ndarray,
    ry: float,
    size: tuple[float, float, float, float],
) -> list[str]:
    """Each construct's indicators in a row beneath it: reflective arrows point to the
    indicators, formative ones to the construct; the value is written beside each line."""
    box_w, box_h, box_gap, drop = size
    parts = []
    for k, block in enumerate(s.blocks):
        x, y = centre[k]
        top = y + ry + drop
        first = x - (len(block) - 1) * box_gap / 2
        for position, i in enumerate(block):
            bx = first + position * box_gap
            start, end = (x, y + ry), (bx, top)
            if s.modes[k] == "B":
                start, end = end, start
            parts.append(
                f'<path d="M{start[0]:.1f},{start[1]:.1f} L{end[0]:.1f},{end[1]:.1f}" '
                'stroke="#829ab1" stroke-width="1.2" marker-end="url(#arrow)"/>'
            )
            parts.append(
                f'<rect x="{bx - box_w / 2:.1f}" y="{top:.1f}" width="{box_w}" height="{box_h}" '
                'fill="#f0f4f8" stroke="#829ab1"/>'
            )
            parts.append(
                f'<text x="{bx:.1f}" y="{top + 15:.1f}" text-anchor="middle" '
                f'font-size="11">{html.escape(s.indicators[i])}</text>'
            )
            # Beside the line, two thirds of the way down, shifted to the side it leans to.
            lx = x + (bx - x) * 0.62 + (9 if bx >= x else -9)
            ly = y + ry + drop * 0.62
            anchor = "start" if bx >= x else "end"
            parts.append(
                f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" font-size="10" '
                f'fill="#486581">{float(outer[i]):.2f}</text>'
            )
    return parts


def simple_slopes_svg(moderation: Sequence[Mapping[str, Any]]) -> str:
    """One simple-slope plot per interaction: the target against the first construct at the
    moderator's -1 SD, mean and +1 SD (scores standardized; lines through the origin, so the
    plot compares slopes, not levels)."""
    figures = []
    x = np.linspace(-2, 2, 2)
    for m in moderation:
        fig = new_figure(5.5, 3.6)
        ax = fig.add_subplot()
        for (label, slope), style in zip(m["simple_slopes"].items(), ("--", "-", ":"), strict=True):
            ax.plot(x, slope * x, style, label=f"{m['moderator']} at {label} (slope {slope:.3f})")
        ax.set_xlabel(f"{m['iv']} (SD)")
        ax.set_ylabel(f"{m['target']} (SD)")
        ax.axhline(0, color="#d9e2ec", linewidth=0.8)
        ax.legend(fontsize=8)
        figures.append(figure_svg(fig, caption=f"Simple slopes: {m['term']} -> {m['target']}"))
    return "<h2>Moderation</h2>" + "".join(figures)


def html_report(
    *,
    model_text: str,
    source: str,
    n: int,
    diagram: str,
    summaries: Sequence[Summary],
    provenance: Provenance,
    methods: str,
    warnings: Sequence[str] = (),
    title: str = "PLS-SEM report",
) -> str:
    """The standalone page: warnings, the model as written, its path diagram, then each summary."""
    items = "".join(f"<li>{html.escape(w)}</li>" for w in warnings)
    sections = [
        *(
            [f'<div class="warning"><strong>Warnings</strong><ul>{items}</ul></div>']
            if items
            else []
        ),
        f'<h2>Model</h2><pre class="model">{html.escape(model_text.strip())}</pre>',
        "<h2>Path diagram</h2>" + diagram,
        *(summary.as_html() for summary in summaries),
        f"<h2>Methods</h2><p>{html.escape(methods)}</p>",
        provenance.as_html(),
    ]
    return html_page(title, sections, subtitle=f"Data: {source}; n = {n}")
