"""The demo's annual impact report for 青山县, last year (the latest whole year, the one whose
yearbook figures are out): every section computed, and what cannot be computed says why
(issue 15: "The demo shows a complete report for 青山县 for the latest year")."""

from django.utils import timezone, translation

from countyhub.impact.models import EvaluationRun
from countyhub.impact.report import impact_report


def test_the_latest_years_report_is_complete(demo_county, db):
    year = timezone.localdate().year - 1
    with translation.override("en"):
        report = impact_report(demo_county, year)
    sections = {section.key: section for section in report.sections}
    assert not {key: s.why_not for key, s in sections.items() if s.why_not}

    figures = {f.label: f for s in report.sections for f in s.figures}
    # The official line table ends in 2020 and none is invented; the CPI-indexed line reaches
    # the year through the county's own CPI table, and says so.
    official = figures["Headcount ratio, official poverty line"]
    assert not official.computed and "2010-2020" in official.why_not
    indexed = figures["Headcount ratio, CPI-indexed line (not official)"]
    assert indexed.computed, indexed.why_not
    assert "county CPI: 青山县农村居民消费价格指数" in indexed.how
    # The county accounts' residual line has the year's yearbook figures to stand against.
    residual = next(f for f in sections["accounts"].figures if "statistical discrepancy" in f.label)
    assert residual.computed, residual.why_not
    # The program evaluation is the demo province's DiD, with its event-study plot.
    run = EvaluationRun.objects.get(county=demo_county)
    assert sections["evaluation"].charts and f"DiD #{run.pk}" in " ".join(
        sections["evaluation"].sentences
    )
    uncomputed = [f.label for f in figures.values() if not f.computed and not f.why_not]
    assert uncomputed == []
