"""The platform's own DiD panels: villages by year from a small platform (each row asserted),
counties by year from designations and yearbook figures, and the command line's round trip into
`countyhub analyze did`."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from countyhub.catalog.models import HouseholdMember, SellerHousehold
from countyhub.cli import app
from countyhub.core.models import Province
from countyhub.impact.models import YearbookFigure
from countyhub.impact.panels import PanelError, build_panel, national_designations
from countyhub.programs.models import Program, ProgramLevel
from countyhub.training.models import Enrollment, EnrollmentStatus
from tests.factories.catalog import HouseholdFactory, SellerFactory
from tests.factories.core import CountyFactory, TownshipFactory, UserFactory, VillageFactory
from tests.factories.stations import StationFactory
from tests.factories.training import CourseFactory, SessionFactory
from tests.impact.panel_support import at, joined, paid_order, staggered_villages
from tests.test_cli import run_cli

pytestmark = pytest.mark.django_db
D = Decimal
LINK = SellerHousehold.Link


def _attend(session, *, member=None, user=None, attended=True):
    return Enrollment.objects.create(
        session=session,
        member=member,
        user=user,
        full_name="学员",
        status=EnrollmentStatus.ENROLLED,
        attended=attended,
    )


@pytest.fixture
def two_villages():
    """Village A (station 2021) and B (station 2023), their sellers, poor households, training."""
    county = CountyFactory()
    township = TownshipFactory(county=county)
    a = VillageFactory(township=township, county=county, name="甲村")
    b = VillageFactory(township=township, county=county, name="乙村")
    StationFactory(village=a, county=county, opened_on=dt.date(2021, 6, 1))
    StationFactory(village=b, county=county, opened_on=dt.date(2023, 3, 1))
    seller_a = SellerFactory(county=county, village=a)
    seller_b = SellerFactory(county=county, village=b)
    joined(seller_a, 2021)
    joined(seller_b, 2022)
    poor_a = HouseholdFactory(
        county=county, village=a, registered_poor=True, poverty_exit_year=2022
    )
    other_a = HouseholdFactory(county=county, village=a)
    poor_b = HouseholdFactory(county=county, village=b, registered_poor=True)
    HouseholdFactory(county=county, village=b, registered_poor=True, poverty_exit_year=2024)
    for household, link in (
        (poor_a, LINK.EMPLOYS),
        (other_a, LINK.BUYS_FROM),
        (poor_b, LINK.BUYS_FROM),
        (poor_b, LINK.EMPLOYS),  # linked twice, one share
    ):
        SellerHousehold.objects.create(seller=seller_a, household=household, link=link)
    paid_order(seller_a, "90.00", at(county, 2021, 5, 1))
    paid_order(seller_a, "300.00", at(county, 2022, 7, 1), refunded="30.00")
    paid_order(seller_a, "500.00", at(county, 2022, 8, 1), paid=False)
    # 00:30 on New Year's Day in the county is still 2022 in UTC: the county's year counts.
    paid_order(seller_a, "60.00", dt.datetime(2023, 1, 1, 0, 30, tzinfo=county.zone))
    paid_order(seller_b, "45.00", at(county, 2023, 8, 1))
    course = CourseFactory(county=county)
    trainee = HouseholdMember.objects.create(household=other_a, name="学员甲")
    absent = HouseholdMember.objects.create(household=poor_a, name="学员乙")
    spring = SessionFactory(course=course, date=dt.date(2022, 4, 1))
    autumn = SessionFactory(course=course, date=dt.date(2022, 9, 1))
    _attend(spring, member=trainee)
    _attend(autumn, member=trainee)  # the same person twice in a year: one trained person
    _attend(autumn, member=absent, attended=False)
    staff = UserFactory()
    seller_b.staff.add(staff)
    _attend(SessionFactory(course=course, date=dt.date(2023, 5, 1)), user=staff)
    return county, a, b


def _rows(built):
    return [
        (
            r["village"],
            r["year"],
            r["treated_from"],
            r["platform_sales"],
            r["poor_platform_income"],
            r["poor_households"],
            r["trained_people"],
        )
        for r in built.rows
    ]


def test_the_village_panel_has_every_village_and_year_with_its_outcomes(two_villages):
    county, _a, _b = two_villages
    built = build_panel(county, level="village", rollout="station")
    assert built.years == (2021, 2023)
    assert sorted(_rows(built), key=lambda r: (r[2], r[1])) == [
        ("甲村", 2021, 2021, D("90.00"), D("30.00"), 1, 0),
        ("甲村", 2022, 2021, D("270.00"), D("90.00"), 0, 1),
        ("甲村", 2023, 2021, D("60.00"), D("20.00"), 0, 0),
        ("乙村", 2021, 2023, D("0.00"), D("30.00"), 2, 0),
        ("乙村", 2022, 2023, D("0.00"), D("90.00"), 2, 0),
        ("乙村", 2023, 2023, D("45.00"), D("20.00"), 2, 1),
    ]
    assert built.cohorts() == {2021: 1, 2023: 1}


@pytest.mark.parametrize(
    ("rollout", "expected"), [("training", {2022: 1, 2023: 1}), ("seller", {2021: 1, 2022: 1})]
)
def test_the_rollout_year_is_the_first_training_or_the_first_seller(
    two_villages, rollout, expected
):
    county, a, b = two_villages
    built = build_panel(county, level="village", rollout=rollout)
    assert built.cohorts() == expected
    assert {r["village_id"]: r["treated_from"] for r in built.rows} == dict(
        zip((a.pk, b.pk), sorted(expected), strict=True)
    )


def test_a_station_without_an_opening_date_counts_as_open_from_the_first_year(two_villages):
    county, _a, _b = two_villages
    c = VillageFactory(county=county, township=TownshipFactory(county=county), name="丙村")
    StationFactory(village=c, county=county, opened_on=None)
    built = build_panel(county, level="village", rollout="station", first_year=2020)
    assert {r["treated_from"] for r in built.rows if r["village"] == "丙村"} == {2020}
    assert any("without an opening date" in note for note in built.notes)
    assert built.years == (2020, 2023)


def test_bad_choices_and_empty_counties_are_refused_with_the_reason():
    county = CountyFactory()
    with pytest.raises(PanelError, match="no villages"):
        build_panel(county, level="village")
    with pytest.raises(PanelError, match="rollout must be one of"):
        build_panel(county, level="village", rollout="weather")
    with pytest.raises(PanelError, match="demonstration designation"):
        build_panel(county, level="county", rollout="station")
    VillageFactory(county=county, township=TownshipFactory(county=county))
    with pytest.raises(PanelError, match="give --from and --to"):
        build_panel(county, level="village")


def test_the_county_panel_takes_the_province_designations_and_yearbook_figures():
    province = Province.objects.create(name="试验省", code="52")
    first, second, never = (CountyFactory(province=province, name=n) for n in "甲乙丙")
    for county, year in ((first, 2015), (second, 2017)):
        Program.objects.create(
            county=county, name="电子商务进农村综合示范", level=ProgramLevel.NATIONAL,
            designation_year=year,
        )  # fmt: skip
    Program.objects.create(
        county=never, name="省级示范", level=ProgramLevel.PROVINCIAL, designation_year=2016
    )
    for county, year, value in ((first, 2014, "80.5"), (first, 2016, "95"), (never, 2015, "60")):
        YearbookFigure.objects.create(
            county=county, year=year, indicator="gdp_production", value=D(value),
            unit="100m_yuan", source="统计公报",
        )  # fmt: skip
    built = build_panel(second, level="county")
    assert built.years == (2014, 2016) and built.rollout == "designation"
    gdp = {(r["county"], r["year"]): r["gdp_production"] for r in built.rows}
    assert gdp[("甲", 2014)] == D("8050000000") and gdp[("甲", 2015)] is None
    assert gdp[("丙", 2015)] == D("6000000000")
    assert built.cohorts() == {0: 1, 2015: 1, 2017: 1}
    assert national_designations()[2015] == 200
    assert "1 of these counties designated in 2015, of 200 designated nationally" in " ".join(
        built.notes
    )
    text = built.csv_bytes().decode()
    assert text.splitlines()[0].startswith("county_id,county,year,treated_from,gdp_production,")
    assert ",2015,2015,," in text  # 甲 in 2015: no figure, a blank cell


def test_the_panel_command_writes_what_analyze_did_reads(tmp_path):
    county = CountyFactory()
    staggered_villages(county, [2020, 2020, 2020, 2022, 2022, 2022, None, None])
    panel = tmp_path / "panel.csv"
    made = CliRunner().invoke(
        app,
        ["impact", "panel", "--county", county.slug, "--level", "village",
         "--rollout", "station", "--out", str(panel)],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "units by rollout year: never: 2, 2020: 3, 2022: 3" in made.output
    assert "next: countyhub analyze did" in made.output
    lines = panel.read_text().splitlines()
    assert lines[0] == (
        "village_id,village,year,treated_from,platform_sales,poor_platform_income,"
        "poor_households,trained_people,households,poor_share,base_platform_sales,"
        "base_poor_platform_income,base_poor_households,base_trained_people"
    )
    assert len(lines) == 1 + 8 * 5
    result = tmp_path / "did.json"
    for control in ("notyet", "never"):
        # `analyze did` stamps the command it was given from sys.argv: a real process.
        did = run_cli(
            "analyze", "did", str(panel), "--unit", "village_id", "--time", "year",
            "--outcome", "platform_sales", "--treated-from", "treated_from",
            "--control", control, "--seed", "7", "--json", str(result),
        )  # fmt: skip
        assert did.returncode == 0, did.stderr
        estimate = json.loads(result.read_text())
        assert estimate["n_units"] == 8 and estimate["cohort_sizes"] == {
            "0": 2,
            "2020": 3,
            "2022": 3,
        }
        assert estimate["simple"]["att"] == pytest.approx(50, abs=3)
        assert estimate["staggered"] is True


def test_the_panel_command_names_bad_input_with_exit_status_2(tmp_path):
    county = CountyFactory()
    runner = CliRunner()
    for args, message in (
        (["--county", "nowhere"], "no county with the slug 'nowhere'"),
        (["--county", county.slug, "--rollout", "weather"], "--rollout must be station"),
        (["--county", county.slug, "--level", "province"], "--level must be village or county"),
        (["--county", county.slug, "--level", "county", "--rollout", "seller"], "designation"),
        (["--county", county.slug], "the county has no villages"),
    ):
        result = runner.invoke(app, ["impact", "panel", *args, "--out", str(tmp_path / "p.csv")])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output
