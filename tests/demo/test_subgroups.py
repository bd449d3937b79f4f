"""The demo fills where the report's subgroups are born (village distances, heads' birth years,
the survey's household income question), so its report splits every income effect."""

from django.utils import translation

from countyhub.catalog.models import Household
from countyhub.core.models import Village
from countyhub.impact import income
from countyhub.impact.report import impact_report
from countyhub.surveys.models import Question


def test_the_demo_records_distances_birth_years_and_the_income_question(demo_county, db):
    distances = list(
        Village.objects.filter(county=demo_county).values_list("distance_to_seat_km", flat=True)
    )
    assert distances and all(d is not None and d >= 0 for d in distances)
    bands = {band.key for band in income.DISTANCE_BANDS_KM}
    panel = income.income_panel(demo_county)
    frame = panel.frame()
    assert set(frame["distance_band"]) == bands  # every band has villages
    years = list(
        Household.objects.filter(county=demo_county).values_list("head_birth_year", flat=True)
    )
    assert years and all(1900 <= y <= 2010 for y in years)
    latest = frame[frame["year"] == panel.years[-1]]
    assert set(latest["age_band"]) == {band.key for band in income.HEAD_AGE_BANDS}
    questions = Question.objects.filter(questionnaire__county=demo_county, household_income=True)
    assert sorted(questions.values_list("money_year", flat=True)) == [2020, 2022]
    assert panel.surveyed_years == {2020, 2022}


def test_the_demo_report_breaks_income_down_by_subgroup(demo_county, db):
    with translation.override("en"):
        report = impact_report(demo_county, income.panel_years(demo_county)[-1])
    section = next(s for s in report.sections if s.key == "income")
    assert not section.why_not
    titles = [t.title for t in section.tables]
    assert any(t.startswith("By registered-poor status") for t in titles)
    assert any(t.startswith("By age of the household head") for t in titles)
    assert any(t.startswith("By the village's distance") for t in titles)
    said = " ".join(section.sentences)
    assert "95% interval" in said
    assert "2020, 2022" in next(
        f.how for f in section.figures if f.label == "Households with a surveyed income"
    )
