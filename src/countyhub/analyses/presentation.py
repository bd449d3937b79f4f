"""A stored run's results as the rows and sentences that the page and the PDF both show."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

# Hair et al. (2022): reliability >= 0.70 (rho_c also <= 0.95), AVE >= 0.50, HTMT < 0.90;
# f² of 0.02, 0.15, 0.35 are small, medium, large effects (Cohen 1988).
RELIABILITY_THRESHOLDS = {"alpha": 0.70, "rho_a": 0.70, "rho_c": 0.70, "ave": 0.50}
RHO_C_CEILING = 0.95
HTMT_THRESHOLD = 0.90


def fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    flags: list[list[bool]] = field(default_factory=list)  # True: a value outside its threshold
    note: str = ""

    def marked_rows(self) -> list[list[tuple[str, bool]]]:
        """Each cell with whether it is outside its threshold (flags default to none)."""
        return [
            list(zip(row, flags, strict=True))
            for row, flags in zip(
                self.rows, self.flags or [[False] * len(r) for r in self.rows], strict=True
            )
        ]


@dataclass
class Presentation:
    tables: list[Table]
    sentences: list[str]


def present(kind: str, results: dict[str, Any]) -> Presentation:
    if not results:
        return Presentation([], [])
    if kind == "pls_sem":
        return _pls_sem(results)
    return _before_after(results)


def _pls_sem(results: dict[str, Any]) -> Presentation:
    boot = results.get("bootstrap") or {}
    level = f"{100 * boot.get('confidence', 0.95):g}%"
    reliability = Table(
        _("Reliability and convergent validity"),
        [_("construct"), "Cronbach α", "rho_A", "rho_C", "AVE"],
        [],
        note=_(
            "Thresholds: α, rho_A and rho_C at least 0.70 (rho_C at most 0.95), AVE at least 0.50."
        ),
    )
    for construct, values in results["reliability"].items():
        # A single-item construct is reliable by definition (1.000): nothing to flag.
        single = len(results["constructs"][construct]["indicators"]) == 1
        row, flags = [construct], [False]
        for key in ("alpha", "rho_a", "rho_c", "ave"):
            value = values.get(key)
            row.append(fmt(value))
            bad = (
                not single
                and value is not None
                and (
                    value < RELIABILITY_THRESHOLDS[key]
                    or (key == "rho_c" and value > RHO_C_CEILING)
                )
            )
            flags.append(bad)
        reliability.rows.append(row)
        reliability.flags.append(flags)
    htmt = Table(
        _("Discriminant validity (HTMT)"),
        [_("pair"), "HTMT", f"{level} " + _("interval")],
        [],
        note=_("HTMT below 0.90; the interval from the bootstrap should not reach 1."),
    )
    seen: set[frozenset[str]] = set()
    for a, row_values in results["htmt"].items():
        for b, value in row_values.items():
            pair = frozenset((a, b))
            if pair in seen:
                continue
            seen.add(pair)
            ci = (boot.get("htmt", {}).get(a, {}).get(b)) or (
                boot.get("htmt", {}).get(b, {}).get(a)
            )
            interval = f"[{fmt(ci['ci_low'])}, {fmt(ci['ci_high'])}]" if ci else "—"
            htmt.rows.append([f"{a} – {b}", fmt(value), interval])
            htmt.flags.append([False, value is not None and value >= HTMT_THRESHOLD, False])
    paths = Table(
        _("Structural paths (bootstrap)"),
        [_("path"), _("coefficient"), "SD", "t", "p", f"{level} " + _("interval"), "f²"],
        [],
        note=_("%(n)d resamples, seed %(seed)s; percentile intervals.")
        % {"n": boot.get("resamples", 0), "seed": boot.get("seed")},
    )
    sentences = []
    for label, coefficient in results["paths"].items():
        stat = boot.get("paths", {}).get(label, {})
        low, high = stat.get("ci_low"), stat.get("ci_high")
        paths.rows.append(
            [
                label,
                fmt(coefficient),
                fmt(stat.get("std_error")),
                fmt(stat.get("statistic"), 2),
                fmt(stat.get("pvalue")),
                f"[{fmt(low)}, {fmt(high)}]",
                fmt(results["f_squared"].get(label)),
            ]
        )
        zero_inside = low is not None and high is not None and low <= 0 <= high
        paths.flags.append([False, False, False, False, False, zero_inside, False])
        if zero_inside:
            sentences.append(
                _(
                    "The effect %(path)s (%(coef)s) is not distinguishable from zero: its "
                    "%(level)s interval [%(low)s, %(high)s] contains 0."
                )
                % {
                    "path": label,
                    "coef": fmt(coefficient),
                    "level": level,
                    "low": fmt(low),
                    "high": fmt(high),
                }
            )
        elif low is not None:
            sentences.append(
                _(
                    "The effect %(path)s (%(coef)s) is distinguishable from zero: its "
                    "%(level)s interval [%(low)s, %(high)s] excludes 0."
                )
                % {
                    "path": label,
                    "coef": fmt(coefficient),
                    "level": level,
                    "low": fmt(low),
                    "high": fmt(high),
                }
            )
    r_squared = Table(
        _("Explained variance"),
        [_("construct"), "R²", _("adjusted R²")],
        [
            [c, fmt(v), fmt(results["r_squared_adj"].get(c))]
            for c, v in results["r_squared"].items()
        ],
    )
    return Presentation([reliability, htmt, paths, r_squared], sentences)


def _before_after(results: dict[str, Any]) -> Presentation:
    level = f"{100 * results.get('confidence', 0.95):g}%"
    table = Table(
        _("Before and after"),
        [
            _("measure"),
            "n",
            _("mean before"),
            _("mean after"),
            _("difference"),
            f"{level} " + _("interval"),
            "t",
            "p",
            _("Wilcoxon p"),
            _("effect size dz"),
        ],
        [],
        note=_(
            "Differences are after minus before; paired t test, Wilcoxon signed-rank test, "
            "Cohen's dz."
        ),
    )
    sentences = []
    for name, m in results["measures"].items():
        prices = f" ({m['prices']})" if m.get("deflated") else ""
        table.rows.append(
            [
                name + prices,
                str(m["n"]),
                fmt(m["mean_before"], 2),
                fmt(m["mean_after"], 2),
                fmt(m["mean_diff"], 2),
                f"[{fmt(m['ci_low'], 2)}, {fmt(m['ci_high'], 2)}]",
                fmt(m["statistic"], 2),
                fmt(m["pvalue"]),
                fmt(m["wilcoxon_pvalue"]),
                fmt(m["dz"], 2),
            ]
        )
        zero_inside = m["ci_low"] <= 0 <= m["ci_high"]
        table.flags.append([False] * 5 + [zero_inside] + [False] * 4)
        words = {
            "measure": name,
            "diff": fmt(m["mean_diff"], 2),
            "level": level,
            "low": fmt(m["ci_low"], 2),
            "high": fmt(m["ci_high"], 2),
        }
        if zero_inside:
            sentences.append(
                _(
                    "The change in %(measure)s (%(diff)s) is not distinguishable from zero: "
                    "its %(level)s interval [%(low)s, %(high)s] contains 0."
                )
                % words
            )
        else:
            sentences.append(
                _(
                    "The change in %(measure)s (%(diff)s) is distinguishable from zero: its "
                    "%(level)s interval [%(low)s, %(high)s] excludes 0."
                )
                % words
            )
    tables = [table]
    poverty = results.get("poverty")
    if poverty:
        official = poverty.get("line_method") == "official"
        line_kind = (
            _("official line table")
            if official
            else _("2,300 yuan of 2010 indexed by the CPI (not official)")
        )
        rows = [
            [
                str(poverty.get(f"year_{when}", "")),
                fmt(poverty.get(f"line_{when}"), 0),
                fmt(poverty.get(f"line_{when}_current_prices"), 0),
                str(poverty.get(f"line_{when}_status", "")),
                fmt(poverty.get(f"share_{when}")),
                f"{poverty.get(f'count_{when}', '')} / {poverty.get('n', '')}",
            ]
            for when in ("before", "after")
        ]
        tables.append(
            Table(
                _("Poverty: %(measure)s under the line (%(line)s)")
                % {"measure": poverty.get("measure", ""), "line": line_kind},
                [
                    _("year"),
                    _("line (yuan per person, %(prices)s)") % {"prices": poverty.get("prices", "")},
                    _("line in that year's prices"),
                    _("status of the line"),
                    _("share below the line"),
                    _("households below"),
                ],
                rows,
                note=str(poverty.get("line_label", "")),
            )
        )
    cpi = results.get("cpi")
    if cpi:
        sentences.append(
            _("Deflated with: %(cpi)s (%(kind)s); source: %(source)s")
            % {
                "cpi": cpi.get("name", ""),
                "kind": cpi.get("kind", ""),
                "source": cpi.get("source", ""),
            }
        )
    return Presentation(tables, sentences)
