"""The demo province: thirteen counties, staggered designations, simulated yearbook figures with a
known effect, which the county-level DiD (the path the evaluation page takes) recovers."""

from decimal import Decimal

from django.utils import timezone

from countyhub.core.models import County, ProvinceOfficial
from countyhub.demo import build_demo, data
from countyhub.impact.models import Indicator, YearbookFigure
from countyhub.impact.panel_runs import did_model, panel_frame
from countyhub.impact.panels import build_panel
from countyhub.programs.models import Program, ProgramLevel


def test_the_province_has_thirteen_counties_with_staggered_designations(demo_county, db):
    province = demo_county.province
    counties = County.objects.filter(province=province)
    assert counties.count() == 13
    this_year = timezone.localdate().year
    designations = dict(
        Program.objects.filter(county__province=province, level=ProgramLevel.NATIONAL)
        .values_list("county__slug", "designation_year")
        .order_by()
    )
    assert designations == {
        "qingshan": this_year - 2,  # the demo county's own program
        **{slug: this_year - ago for _n, slug, _e, ago in data.NEIGHBOURS if ago is not None},
    }
    assert len(set(designations.values())) == 5  # four earlier cohorts and 青山县's
    assert counties.exclude(slug__in=designations).count() == 3  # never designated
    assert ProvinceOfficial.objects.filter(province=province, user__username="province").exists()


def test_every_county_has_every_indicator_every_year_labelled_as_simulated(demo_county, db):
    this_year = timezone.localdate().year
    figures = YearbookFigure.objects.filter(county__province=demo_county.province)
    assert figures.count() == 13 * data.YEARBOOK_YEARS * len(Indicator.values)
    years = sorted(set(figures.values_list("year", flat=True)))
    assert years == list(range(this_year - data.YEARBOOK_YEARS, this_year))
    assert not figures.exclude(source__contains="simulated").exists()
    assert not figures.exclude(definition__contains="simulated").exists()
    income = figures.filter(indicator=Indicator.RURAL_DISPOSABLE_INCOME)
    assert income.filter(definition__contains="+1200").count() == 10 * data.YEARBOOK_YEARS


def test_building_the_demo_again_adds_no_county(demo_county, db):
    assert "already built" in build_demo()
    assert County.objects.count() == 13


def test_the_county_did_recovers_the_known_designation_effect(demo_county, db):
    built = build_panel(demo_county, level="county")
    assert built.cohorts()[0] == 3
    model = did_model(
        panel_frame(built.csv_bytes().decode(), "demo county panel"),
        level="county",
        outcome=Indicator.RURAL_DISPOSABLE_INCOME,
        control="notyet",
    )
    result = model.fit(seed=1)
    effect = float(data.DESIGNATION_EFFECT)
    for estimate in (result.simple, result.overall_group, result.overall_event_time):
        assert estimate.ci_low <= effect <= estimate.ci_high, estimate
        assert estimate.ci_low > 0, estimate  # the interval excludes no effect
    assert abs(result.simple.att - effect) < Decimal(100)
