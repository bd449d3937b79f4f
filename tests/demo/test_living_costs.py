"""The demo county's prices make the living-costs comparison complete for the latest year."""

from django.utils import timezone

from countyhub.impact import living_costs
from countyhub.impact.models import ReferencePrice
from countyhub.impact.report import impact_report


def test_the_demo_compares_prices_and_shows_consumption(demo_county, db):
    year = timezone.localdate().year - 1  # the latest whole year of the order history
    assert ReferencePrice.objects.filter(county=demo_county, year=year).count() == 16
    result = living_costs.living_costs(demo_county, [year])
    summary = result.by_year[year]
    assert not summary.why_not
    assert summary.compared > 0 and summary.index.items >= 5
    assert 50 < summary.index.value < 150
    assert result.villages_of(year)  # the stations' villages
    # Handicrafts have no county price: shown as not compared, not as a zero.
    assert any(row.category == "手工艺品" for row in result.uncompared_of(year))
    section = next(s for s in impact_report(demo_county, year).sections if s.key == "living_costs")
    assert not section.why_not and section.figures[0].computed
