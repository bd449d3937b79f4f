"""A stored DiD run's results as the tables and sentences its page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _


def fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass
class Shown:
    tables: list[Table] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    staggered_warning: str = ""
    engine_warnings: list[str] = field(default_factory=list)


def _row(label: str, est: dict[str, Any], *, band: bool = True) -> list[str]:
    cells = [label, fmt(est.get("att")), fmt(est.get("std_error"))]
    cells.append(f"{fmt(est.get('ci_low'))} … {fmt(est.get('ci_high'))}")
    if band:
        cells.append(f"{fmt(est.get('band_low'))} … {fmt(est.get('band_high'))}")
    return cells


def _excludes_zero(est: dict[str, Any]) -> bool:
    low, high = est.get("ci_low"), est.get("ci_high")
    return low is not None and high is not None and (low > 0 or high < 0)


def present_evaluation(results: dict[str, Any]) -> Shown:
    if not results:
        return Shown()
    level = f"{100 * results.get('confidence', 0.95):g}%"
    columns = [_("effect"), _("SE"), _("%(level)s CI") % {"level": level}]
    band = [*columns, _("%(level)s band") % {"level": level}]
    twfe = results["twfe"]
    overall = Table(
        "overall",
        _("Overall effect: Callaway–Sant'Anna beside the naive TWFE"),
        ["", *columns],
        [
            _row(_("simple average of treated cells"), results["simple"], band=False),
            _row(_("by group"), results["overall"]["group"], band=False),
            _row(
                _("by years since treatment (e ≥ 0)"),
                results["overall"]["event_time"],
                band=False,
            ),
            _row(_("by calendar year"), results["overall"]["calendar"], band=False),
            _row(
                _("naive two-way fixed effects (TWFE)"),
                {"att": twfe["coef"], **{k: twfe[k] for k in ("std_error", "ci_low", "ci_high")}},
                band=False,
            ),
        ],
    )
    event = Table(
        "event-time",
        _("Event study (years since treatment; negative: before)"),
        [_("e"), *band],
        [_row(e, est) for e, est in results["event_time"].items()],
        note=_("Before treatment the effects should be near zero (placebo estimates)."),
    )
    group = Table(
        "group",
        _("By group (first year treated)"),
        [_("group"), *band],
        [_row(g, est) for g, est in results["group"].items()],
    )
    calendar = Table(
        "calendar",
        _("By calendar year"),
        [_("year"), *band],
        [_row(t, est) for t, est in results["calendar"].items()],
    )
    shown = Shown(tables=[overall, event, group, calendar])
    simple = results["simple"]
    values = {
        "att": fmt(simple.get("att")),
        "low": fmt(simple.get("ci_low")),
        "high": fmt(simple.get("ci_high")),
        "level": level,
    }
    if _excludes_zero(simple):
        shown.sentences.append(
            _(
                "On average the treated units' outcome changed by %(att)s more than the "
                "comparison group's (%(level)s CI %(low)s to %(high)s)."
            )
            % values
        )
    else:
        shown.sentences.append(
            _(
                "The average effect, %(att)s (%(level)s CI %(low)s to %(high)s), is not "
                "distinguishable from zero."
            )
            % values
        )
    pretest = results.get("pretest")
    if pretest is None:
        shown.sentences.append(
            _("No year before treatment can be compared: parallel trends cannot be checked.")
        )
    elif pretest.get("pvalue") is not None and pretest["pvalue"] < 0.05:
        shown.sentences.append(
            _(
                "Pre-trends: before treatment the groups already moved apart (Wald test of "
                "%(n)d pre-treatment effects, p = %(p)s): parallel trends are doubtful, read "
                "the effects with care."
            )
            % {"n": len(pretest.get("cells", [])), "p": fmt(pretest["pvalue"], 3)}
        )
    else:
        shown.sentences.append(
            _(
                "Pre-trends: no evidence that the groups moved apart before treatment (Wald test "
                "of %(n)d pre-treatment effects, p = %(p)s); this supports, but does not prove, "
                "parallel trends."
            )
            % {"n": len(pretest.get("cells", [])), "p": fmt(pretest.get("pvalue"), 3)}
        )
    if results.get("staggered"):
        shown.staggered_warning = _(
            "Treatment timing is staggered: the naive TWFE compares units treated later with "
            "units already treated and is biased when effects change over time (here it "
            "differs from the simple average by %(bias)s). Rely on the Callaway–Sant'Anna "
            "estimates, not on the TWFE coefficient."
        ) % {"bias": fmt(twfe.get("bias_vs_simple"))}
    shown.engine_warnings = list(results.get("warnings", []))
    return shown
