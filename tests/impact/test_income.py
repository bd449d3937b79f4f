"""The household income panel and its poverty measures, hand-computed on a small county: four
households, three sellers, orders (one partly refunded, one cancelled), payouts to a household
seller and to a cooperative, and a training allowance; then the page, its CSV and who may see
them."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from countyhub.catalog.models import HouseholdMember, SellerHousehold, SellerKind
from countyhub.impact import income
from countyhub.programs.models import LedgerEntry, LineKind, PayoutLine, PayoutRun, RunStatus
from countyhub.shop.models import OrderStatus
from countyhub.training.models import Certificate, Enrollment, EnrollmentStatus
from tests.factories.catalog import HouseholdFactory, SellerFactory
from tests.factories.core import VillageFactory
from tests.factories.programs import RuleFactory, local_datetime, make_order
from tests.factories.training import SessionFactory

D = Decimal
LINE_2019 = 3218.0  # the shipped official line of 2019


def household(county, village, members, *, poor=False, exit_year=None):
    made = HouseholdFactory(
        county=county, village=village, registered_poor=poor, poverty_exit_year=exit_year
    )
    for number in range(members):
        HouseholdMember.objects.create(household=made, name=f"{made.head_name}-{number}")
    return made


def link(seller, household_, kind=SellerHousehold.Link.EMPLOYS):
    SellerHousehold.objects.create(seller=seller, household=household_, link=kind)


def payout(county, seller, key, amount, day=dt.date(2019, 6, 30)):
    rule = RuleFactory(budget_line__program__county=county, valid_from=dt.date(2019, 1, 1))
    run = PayoutRun.objects.create(
        county=county, period_start=day.replace(day=1), period_end=day, status=RunStatus.APPROVED
    )
    line = PayoutLine.objects.create(
        run=run, rule=rule, kind=LineKind.PAYMENT, fact_period=day.replace(day=1),
        payee_key=key, payee_name="payee", seller=seller, entitlement=D(amount),
        already_paid=D(0), amount=D(amount), explanation="test",
    )  # fmt: skip
    LedgerEntry.objects.create(
        county=county, run=run, line=line, rule=rule, budget_line=rule.budget_line,
        kind=LineKind.PAYMENT, fact_period=line.fact_period, payee_key=key, payee_name="payee",
        seller=seller, amount=D(amount), booked_at=local_datetime(day),
    )  # fmt: skip


@pytest.fixture
def county_2019(world):
    """H1 (poor, 2 members, village A) and H2 (poor, 1 member, A) work for the cooperative S1;
    H2 and H3 (3 members, B) supply the household seller S2; H4 (2 members, B) has a member
    with a paid training allowance; S3 has no linked household."""
    county = world.county
    village_a, village_b = (
        VillageFactory(township__county=county, name="甲村"),
        VillageFactory(township__county=county, name="乙村"),
    )
    h1 = household(county, village_a, 2, poor=True, exit_year=2019)
    h2 = household(county, village_a, 1, poor=True, exit_year=2019)
    h3 = household(county, village_b, 3)
    h4 = household(county, village_b, 2)
    s1 = SellerFactory(county=county, kind=SellerKind.COOPERATIVE)
    s2 = SellerFactory(county=county, kind=SellerKind.HOUSEHOLD)
    s3 = SellerFactory(county=county)
    link(s1, h1)
    link(s1, h2)
    link(s1, h2, SellerHousehold.Link.BUYS_FROM)  # linked twice: counted once
    link(s2, h2, SellerHousehold.Link.BUYS_FROM)
    link(s2, h3, SellerHousehold.Link.BUYS_FROM)
    make_order(s1, day=dt.date(2019, 3, 1), total="6000.00")
    refunded = make_order(s1, day=dt.date(2019, 4, 1), total="1000.00")
    refunded.refunded_total = D("400.00")
    refunded.save()
    make_order(s1, day=dt.date(2019, 5, 1), total="5000.00", status=OrderStatus.CANCELLED)
    make_order(s1, day=dt.date(2020, 5, 1), total="900.00")  # another year
    make_order(s2, day=dt.date(2019, 7, 1), total="3000.00")
    make_order(s3, day=dt.date(2019, 8, 1), total="2000.00")
    payout(county, s2, f"seller:{s2.pk}", "200.00")  # a household seller: its households'
    payout(county, s1, f"seller:{s1.pk}", "500.00")  # a cooperative's: not household income
    member = h4.members.first()
    enrollment = Enrollment.objects.create(
        session=SessionFactory(course__county=county), member=member, full_name=member.name,
        status=EnrollmentStatus.ENROLLED, attended=True,
    )  # fmt: skip
    certificate = Certificate.objects.create(
        enrollment=enrollment, code="c1", number="N1", trainee_name=member.name,
        issued_on=dt.date(2019, 9, 1),
    )  # fmt: skip
    payout(county, None, f"certificate:{certificate.pk}", "300.00", day=dt.date(2019, 9, 30))
    return world, (h1, h2, h3, h4)


def rows_of(panel, year=2019):
    return {row.household_id: row for row in panel.rows if row.year == year}


def test_each_household_gets_its_equal_share(county_2019):
    world, (h1, h2, h3, h4) = county_2019
    panel = income.income_panel(world.county, years=[2019])
    rows = rows_of(panel)
    # S1 net 6,000 + (1,000 - 400) = 6,600 (the cancelled order is no sale), split H1, H2.
    # S2 3,000 split H2, H3; S2's payout 200 split H2, H3; H4's allowance 300.
    assert (rows[h1.pk].platform, rows[h1.pk].payouts, rows[h1.pk].training) == (
        D("3300.00"), D("0.00"), D("0.00"))  # fmt: skip
    assert (rows[h2.pk].platform, rows[h2.pk].payouts) == (D("4800.00"), D("100.00"))
    assert (rows[h3.pk].platform, rows[h3.pk].payouts) == (D("1500.00"), D("100.00"))
    assert (rows[h4.pk].platform, rows[h4.pk].training) == (D("0.00"), D("300.00"))
    assert [rows[h.pk].total_per_capita for h in (h1, h2, h3, h4)] == [
        D("1650.00"), D("4900.00"), D("533.33"), D("150.00")]  # fmt: skip
    assert panel.unattributed_sales == {2019: D("2000.00")}  # S3 has no linked household
    assert panel.firm_payouts == {2019: D("500.00")}


def test_the_share_the_county_sets_is_applied_and_stated(county_2019):
    world, (h1, h2, _h3, _h4) = county_2019
    rule = income.AttributionRule(D("50"))
    panel = income.income_panel(world.county, years=[2019], rule=rule)
    assert rows_of(panel)[h1.pk].platform == D("1650.00")
    assert rows_of(panel)[h2.pk].platform == D("2400.00")  # (3,300 + 1,500) / 2
    with translation.override("en"):
        assert "50%" in rule.describe() and "equally" in rule.describe()
    with pytest.raises(ValueError, match="between 0 and 100"):
        income.AttributionRule(D("120"))


def test_real_values_use_the_shipped_rural_cpi_with_its_label(county_2019):
    world, (h1, *_rest) = county_2019
    panel = income.income_panel(world.county, years=[2019], base_year=2018)
    # 2019 rural CPI (previous year = 100) is 103.2: 1,650 / 1.032 = 1,598.84 in 2018 prices.
    assert rows_of(panel)[h1.pk].real_total_per_capita == D("1598.84")
    with translation.override("en"):
        note = panel.real_note()
    assert "national rural CPI (NBS, previous year = 100, chained)" in note and "2018" in note
    assert panel.cpi.name == income.SHIPPED_CPI_NAME


def test_fgt_and_gini_by_hand(county_2019):
    world, _households = county_2019
    panel = income.income_panel(world.county, years=[2019])
    cpi = panel.cpi
    series = income.line_series([2019], income.OFFICIAL, cpi=cpi)
    rows = {
        (r.village, r.group): r.measures
        for r in income.poverty_rows(panel, series)
        if r.year == 2019
    }
    z = LINE_2019
    # Per person (weight = members): H1 1,650 x2, H2 4,900 x1, H3 533.33 x3, H4 150 x2.
    people = [(1650.0, 2), (4900.0, 1), (533.33, 3), (150.0, 2)]
    overall = rows[("", "all")]
    assert overall["headcount"] == pytest.approx(7 / 8)
    gap = (2 * (z - 1650) / z + 3 * (z - 533.33) / z + 2 * (z - 150) / z) / 8
    assert overall["gap"] == pytest.approx(gap)
    squared = (2 * ((z - 1650) / z) ** 2 + 3 * ((z - 533.33) / z) ** 2
               + 2 * ((z - 150) / z) ** 2) / 8  # fmt: skip
    assert overall["squared_gap"] == pytest.approx(squared)
    mean = sum(y * w for y, w in people) / 8
    pairs = sum(wi * wj * abs(yi - yj) for yi, wi in people for yj, wj in people)
    assert overall["gini"] == pytest.approx(pairs / (2 * 8 * 8 * mean))
    assert rows[("", "registered_poor")]["headcount"] == pytest.approx(2 / 3)  # H1 of H1, H2
    assert rows[("", "others")]["headcount"] == pytest.approx(1.0)
    assert rows[("甲村", "all")]["headcount"] == pytest.approx(2 / 3)
    assert rows[("乙村", "all")]["headcount"] == pytest.approx(1.0)


def test_cpi_indexed_line_is_separate_and_a_year_without_a_line_says_why(county_2019):
    world, _households = county_2019
    panel = income.income_panel(world.county, years=[2019, 2024])
    indexed = income.line_series(panel.years, income.CPI_INDEXED, cpi=panel.cpi)
    official = income.line_series(panel.years, income.OFFICIAL, cpi=panel.cpi)
    assert indexed.lines[2019].yuan == pytest.approx(2875.92, abs=0.01)
    assert official.lines[2019].yuan == LINE_2019
    with translation.override("en"):
        assert "not official" in indexed.label
    rows = income.poverty_rows(panel, official)
    missing = [r for r in rows if r.year == 2024]
    assert missing and all(r.measures is None and "2024" in r.reason for r in missing)


def test_exits_say_whether_platform_income_alone_lifted_them(county_2019):
    world, (h1, h2, _h3, _h4) = county_2019
    panel = income.income_panel(world.county, years=[2019])
    official = income.line_series([2019], income.OFFICIAL, cpi=panel.cpi)
    indexed = income.line_series([2019], income.CPI_INDEXED, cpi=panel.cpi)
    found = {e.row.household_id: e for e in income.exits(panel, official, indexed)}
    assert set(found) == {h1.pk, h2.pk}
    assert found[h1.pk].platform_lifts_official is False  # 1,650 < 3,218
    assert found[h2.pk].platform_lifts_official is True  # 4,800 >= 3,218
    assert found[h2.pk].platform_lifts_cpi is True


@pytest.mark.parametrize(("language", "heading"), [("en", "Household income and poverty"),
                                                   ("zh-hans", "农户收入与贫困")])  # fmt: skip
def test_page_renders_in_both_languages(county_2019, client, language, heading):
    world, (h1, *_rest) = county_2019
    client.cookies["django_language"] = language
    client.force_login(world.users["analyst"])
    response = client.get(reverse("impact:income", args=[world.county.slug]) + "?year=2019")
    page = response.content.decode()
    assert response.status_code == 200
    assert heading in page and "<svg" in page
    assert h1.head_name in page  # analysts may see households
    assert "¥3,300.00" in page


def test_bad_share_is_named(county_2019, client):
    world, _households = county_2019
    client.cookies["django_language"] = "en"
    client.force_login(world.users["county_admin"])
    response = client.get(reverse("impact:income", args=[world.county.slug]) + "?share=abc")
    assert response.status_code == 400
    assert "share" in response.content.decode()


def test_csv_has_ids_for_staff_and_pseudonyms_on_request(county_2019, client):
    world, (h1, *_rest) = county_2019
    client.force_login(world.users["analyst"])
    url = reverse("impact:income_csv", args=[world.county.slug])
    body = client.get(url).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    mine = [r for r in rows if r["household"] == str(h1.pk) and r["year"] == "2019"]
    assert mine and mine[0]["platform_income"] == "3300.00"
    assert "equal split" in mine[0]["attribution"]
    hidden = client.get(url + "?pseudonymous=1").content.decode("utf-8-sig")
    ids = {r["household"] for r in csv.DictReader(io.StringIO(hidden))}
    assert str(h1.pk) not in ids and all(i.startswith("H") for i in ids)
    assert h1.head_name not in hidden


@pytest.mark.parametrize("user", ["other_county_admin", "seller_staff", "buyer", "anonymous"])
@pytest.mark.parametrize("name", ["impact:income", "impact:income_csv"])
def test_other_counties_and_roles_cannot_see_it(world, client, user, name):
    if world.users[user]:
        client.force_login(world.users[user])
    response = client.get(reverse(name, args=[world.county.slug]))
    if user == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 403


def test_a_year_without_a_line_says_why_instead_of_zero(world, client):
    village = VillageFactory(township__county=world.county)
    worker = household(world.county, village, 2, poor=True)
    link(world.seller, worker)
    make_order(world.seller, day=dt.date(2025, 3, 1), total="800.00")
    client.cookies["django_language"] = "en"
    client.force_login(world.users["county_admin"])
    page = client.get(reverse("impact:income", args=[world.county.slug])).content.decode()
    assert "cannot be computed" in page
    assert "no official value is invented" in page and "it covers 2010-2020" in page
    assert "¥800.00" in page and "¥400.00" in page  # recorded income, per person


def test_a_county_without_records_says_so(world, client):
    client.cookies["django_language"] = "en"
    client.force_login(world.users["analyst"])
    response = client.get(reverse("impact:income", args=[world.county.slug]))
    assert response.status_code == 200
    assert "No sales or payouts recorded yet" in response.content.decode()
