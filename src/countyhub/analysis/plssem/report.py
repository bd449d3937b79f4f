"""Summaries and the HTML report of a PLS-SEM estimate (tables computed here, formatted in
:mod:`countyhub.analysis.summary`), with a path diagram drawn as inline SVG."""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

import numpy as np

from countyhub.analysis.report import html_page
from countyhub.analysis.summary import Cell, Summary, SummaryTable

if TYPE_CHECKING:
    from countyhub.analysis.plssem.bootstrap import BootstrapResults
    from countyhub.analysis.plssem.results import PLSResults

from countyhub.analysis.plssem.results import (
    HTMT_THRESHOLD,
    RELIABILITY_COLUMNS,
    RELIABILITY_THRESHOLDS,
    path_label,
)

_RELIABILITY_HEADINGS = ("Cronbach's alpha", "rho_A", "Composite reliability (rho_C)", "AVE")


def reliability_table(result: PLSResults) -> SummaryTable:
    names = result.structure.constructs
    flagged = set()
    for k, name in enumerate(names):
        for c, (key, heading) in enumerate(
            zip(RELIABILITY_COLUMNS, _RELIABILITY_HEADINGS, strict=True)
        ):
            if result.reliability_values[k, c] < RELIABILITY_THRESHOLDS[key]:
                flagged.add((name, heading))
    return SummaryTable(
        "Construct reliability and validity",
        _RELIABILITY_HEADINGS,
        [(name, list(map(float, result.reliability_values[k]))) for k, name in enumerate(names)],
        note="Thresholds: alpha, rho_A and rho_C >= 0.70; AVE >= 0.50 (flagged cells fall short). "
        "Alpha is standardized; rho_A is Dijkstra-Henseler (1 for mode B and single items).",
        flagged=frozenset(flagged),
    )


def _square_table(
    title: str,
    names: tuple[str, ...],
    matrix: np.ndarray,
    *,
    lower: bool,
    note: str = "",
    threshold: float | None = None,
) -> SummaryTable:
    rows: list[tuple[str, list[Cell]]] = []
    flagged = set()
    for i, a in enumerate(names):
        cells: list[Cell] = []
        for j, b in enumerate(names):
            keep = j <= i if lower else j < i
            value = float(matrix[i, j]) if keep else None
            cells.append(value)
            if keep and threshold is not None and value is not None and value >= threshold:
                flagged.add((a, b))
        rows.append((a, cells))
    return SummaryTable(title, names, rows, note=note, flagged=frozenset(flagged))


def results_summary(result: PLSResults) -> Summary:
    s = result.structure
    names = s.constructs
    prepared = result.model.prepared
    missing = (
        f"listwise deletion dropped {prepared.dropped_rows} rows"
        if prepared.missing == "listwise"
        else f"mean replacement filled {prepared.filled_cells} cells"
    )
    lines = [
        f"Observations: {result.n} ({missing})",
        f"Weighting scheme: {result.scheme}; "
        + ("converged" if result.converged else "DID NOT CONVERGE")
        + f" after {result.iterations} iterations (tol {result.tol:g}, max {result.max_iter})",
    ]
    paths = SummaryTable(
        "Path coefficients",
        ("coefficient", "f²", "VIF"),
        [
            (
                path_label(names[j], names[k]),
                [
                    float(result.path_matrix[j, k]),
                    float(result.f_squared_values[j, k]),
                    float(result.vif_inner_values[k][list(s.predecessors[k]).index(j)]),
                ],
            )
            for j, k in result.path_pairs()
        ],
    )
    r2 = SummaryTable(
        "Explained variance",
        ("R²", "adjusted R²"),
        [
            (names[k], [float(result.r_squared_values[k]), float(result.r_squared_adj_values[k])])
            for k in s.endogenous
        ],
    )
    outer = SummaryTable(
        "Measurement model",
        ("mode", "loading", "weight", "VIF"),
        [
            (
                f"{names[s.block_of[i]]}: {item}",
                [
                    s.modes[s.block_of[i]],
                    float(result.loadings[i]),
                    float(result.own_weights[i]),
                    float(result.vif_outer_values[i]),
                ],
            )
            for i, item in enumerate(s.indicators)
        ],
    )
    tables = [paths, r2, outer, reliability_table(result)]
    tables.append(
        _square_table(
            "Fornell-Larcker criterion",
            names,
            result.fornell_larcker_matrix,
            lower=True,
            note="Diagonal: square root of AVE; below it: construct correlations.",
        )
    )
    tables.append(
        _square_table(
            "Heterotrait-monotrait ratio (HTMT)",
            names,
            result.htmt_matrix,
            lower=False,
            note=f"Values of {HTMT_THRESHOLD:.2f} or more are flagged.",
            threshold=HTMT_THRESHOLD,
        )
    )
    effects: list[tuple[str, list[Cell]]] = [
        (path_label(names[j], names[k]), ["total", float(result.total_matrix[j, k])])
        for j, k in zip(*np.nonzero(result.total_matrix), strict=True)
    ]
    effects += [
        (result.chain_label(chain), ["specific indirect", float(value)])
        for chain, value in zip(result.chains, result.chain_values, strict=True)
    ]
    tables.append(SummaryTable("Total and indirect effects", ("kind", "effect"), effects))
    return Summary("PLS-SEM estimate", tables, lines)


_BOOT_GROUP_TITLES = {
    "paths": "Path coefficients",
    "total_effects": "Total effects",
    "indirect_effects": "Specific indirect effects",
    "outer_loadings": "Outer loadings",
    "outer_weights": "Outer weights",
    "htmt": "HTMT",
}


def bootstrap_summary(boot: BootstrapResults) -> Summary:
    level = f"{100 * (1 - boot.alpha):g}%"
    columns = (
        "estimate",
        "mean",
        "SD",
        "t",
        "p",
        f"{level} low",
        f"{level} high",
        "BCa low",
        "BCa high",
    )
    tables = []
    for group, title in _BOOT_GROUP_TITLES.items():
        stat = boot.statistics[group]
        if not stat.labels:
            continue
        joiner = ": " if group in ("outer_loadings", "outer_weights") else " -> "
        rows = [
            (
                joiner.join(label),
                [
                    float(stat.original[i]),
                    float(stat.mean[i]),
                    float(stat.sd[i]),
                    float(stat.t[i]),
                    float(stat.p[i]),
                    float(stat.ci_low[i]),
                    float(stat.ci_high[i]),
                    float(stat.bca_low[i]),
                    float(stat.bca_high[i]),
                ],
            )
            for i, label in enumerate(stat.labels)
        ]
        tables.append(SummaryTable(f"Bootstrap: {title}", columns, rows))
    lines = [
        f"Resamples: {boot.resamples} (seed {boot.seed}); failed: {boot.failed}; "
        f"did not converge (kept): {boot.not_converged}",
        "t = estimate / bootstrap SD; p two-sided from Student's t with (valid resamples - 1) df;"
        " percentile and BCa intervals.",
    ]
    return Summary("Bootstrap", tables, lines)


def _layers(result: PLSResults) -> list[list[int]]:
    s = result.structure
    depth = [0] * s.n_constructs
    for _ in range(s.n_constructs):
        for j, k in result.path_pairs():
            depth[k] = max(depth[k], depth[j] + 1)
    layers: list[list[int]] = [[] for _ in range(max(depth) + 1)]
    for k, d in enumerate(depth):
        layers[d].append(k)
    return layers


def path_diagram_svg(result: PLSResults, boot: BootstrapResults | None = None) -> str:
    """Constructs in layers by causal order, arrows labelled with coefficients, R² inside."""
    s = result.structure
    layers = _layers(result)
    width_per_layer, height_per_node = 260, 130
    height = max(len(layer) for layer in layers) * height_per_node + 40 + height_per_node
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
    pvalues = {}
    if boot is not None:
        stat = boot.statistics["paths"]
        pvalues = {label: float(stat.p[i]) for i, label in enumerate(stat.labels)}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="Path diagram">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="12" '
        'markerHeight="12" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#334e68"/></marker></defs>',
    ]
    depth = {k: d for d, layer in enumerate(layers) for k in layer}
    for j, k in result.path_pairs():
        (x1, y1), (x2, y2) = centre[j], centre[k]
        # An arrow that skips a layer bows away from the constructs it would cross.
        outward = -1.0 if (y1 + y2) / 2 <= height / 2 else 1.0
        bow = 0.0 if depth[k] - depth[j] <= 1 else outward * 0.9 * height_per_node
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2 + bow
        start = math.atan2(cy - y1, cx - x1)
        end = math.atan2(y2 - cy, x2 - cx)
        sx, sy = x1 + rx * math.cos(start), y1 + ry * math.sin(start)
        ex, ey = x2 - rx * math.cos(end), y2 - ry * math.sin(end)
        coef = float(result.path_matrix[j, k])
        p = pvalues.get((s.constructs[j], s.constructs[k]))
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
        # The label sits on the curve's midpoint (a quadratic Bezier at t = 1/2).
        mx, my = (sx + 2 * cx + ex) / 4, (sy + 2 * cy + ey) / 4 - 6
        parts.append(
            f'<text x="{mx:.1f}" y="{my:.1f}" text-anchor="middle" font-size="14" '
            f'fill="#102a43" paint-order="stroke" stroke="#fff" stroke-width="4">'
            f"{coef:.3f}{stars}</text>"
        )
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
        r2 = result.r_squared_values[k]
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
        + (" (* p &lt; .05, ** p &lt; .01, *** p &lt; .001, bootstrap)" if boot else "")
        + "; blue ellipses: mode A (reflective), orange: mode B (composite).</figcaption>"
    )
    return f"<figure>{''.join(parts)}{legend}</figure>"


def html_report(result: PLSResults, boot: BootstrapResults | None = None) -> str:
    sections = [
        f'<h2>Model</h2><pre class="model">{html.escape(result.model.spec.text.strip())}</pre>',
        "<h2>Path diagram</h2>" + path_diagram_svg(result, boot),
        result.summary.as_html(),
    ]
    if boot is not None:
        sections.append(boot.summary.as_html())
    subtitle = f"Data: {result.model.table.source}; n = {result.n}"
    return html_page("PLS-SEM report", sections, subtitle=subtitle)
