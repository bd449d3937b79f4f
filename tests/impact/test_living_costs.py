"""What villagers pay through the stations against the county's prices, hand-computed on a small
county: two villages with stations, three households, four station orders of 2024 (one assisted
for a registered-poor household, one for another household, one partly refunded, one cancelled),
a home delivery, and county prices by category (two places) and by product; then the page, the
price import (GB18030, all or nothing), the report section and its PDF, and who may see them."""

from __future__ import annotations

import datetime as dt
import math
import statistics
import subprocess
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from countyhub.catalog.models import HouseholdMember, Unit
from countyhub.core import jobs
from countyhub.core.models import AuditEntry, Job
from countyhub.impact import living_costs
from countyhub.impact.models import ReferencePrice
from countyhub.impact.report import impact_report
from countyhub.impact.report_jobs import REPORT_PDF
from countyhub.shop.models import OrderLine, OrderStatus
from tests.factories.catalog import CategoryFactory, HouseholdFactory, ProductFactory
from tests.factories.programs import make_order
from tests.factories.stations import StationFactory

pytestmark = pytest.mark.django_db
D = Decimal
YEAR = 2024
T_975_4 = 2.7764451051977987  # t(0.975, 4 degrees of freedom), from a table


@pytest.fixture(autouse=True)
def _english():
    """The sentences are asserted in English (pages set their language by cookie)."""
    with translation.override("en"):
        yield


def household(county, village, members, *, poor=False):
    made = HouseholdFactory(county=county, village=village, registered_poor=poor)
    for number in range(members):
        HouseholdMember.objects.create(household=made, name=f"{made.head_name}-{number}")
    return made


def station_order(seller, station, lines, *, shipping="0.00", status=OrderStatus.COMPLETED,
                  household=None, month=6):  # fmt: skip
    """An order to a station with lines (product, quantity, unit price, refunded quantity)."""
    goods = sum(D(q) * D(p) for _product, q, p, _r in lines)
    order = make_order(
        seller, day=dt.date(YEAR, month, 1), total=goods + D(shipping), status=status,
        station=station,
    )  # fmt: skip
    order.shipping_fee = D(shipping)
    refunded = D(0)
    for product, quantity, price, refunded_quantity in lines:
        back = D(refunded_quantity) * D(price)
        refunded += back
        OrderLine.objects.create(
            order=order, product=product, product_name=product.name, unit=product.unit,
            quantity=D(quantity), unit_price=D(price), line_total=D(quantity) * D(price),
            refunded_quantity=D(refunded_quantity), refunded_amount=back,
        )  # fmt: skip
    order.refunded_total = refunded
    if household is not None:
        order.placed_for_name, order.placed_for_phone = household.head_name, "13900000000"
        order.placed_for_household = household
    order.save()
    return order


def price(county, year, value, unit, place, *, category=None, product=None):
    return ReferencePrice.objects.create(
        county=county, year=year, price=D(value), unit=unit, place=place, source="价格监测",
        category=category, product=product,
    )  # fmt: skip


@pytest.fixture
def villages(world):
    county = world.county
    station_a = world.station
    station_b = StationFactory(village__township__county=county)
    grain = CategoryFactory(county=county, name="粮油", slug="grain")
    tea = CategoryFactory(county=county, name="茶叶", slug="tea")
    crafts = CategoryFactory(county=county, name="手工艺品", slug="crafts")
    seller = world.seller
    rice = ProductFactory(county=county, seller=seller, category=grain, unit=Unit.KILOGRAM,
                          name="大米")  # fmt: skip
    millet = ProductFactory(county=county, seller=seller, category=grain, unit=Unit.JIN,
                            name="小米")  # fmt: skip
    black_tea = ProductFactory(county=county, seller=seller, category=tea, unit=Unit.BOX,
                               name="红茶", gtin="")  # fmt: skip
    basket = ProductFactory(county=county, seller=seller, category=crafts, unit=Unit.PIECE,
                            name="竹篮")  # fmt: skip
    poor_a = household(county, station_a.village, 2, poor=True)
    household(county, station_a.village, 3)
    other_b = household(county, station_b.village, 1)
    # Grain by category per kg at two places: mean 6.50; tea by product per box: 100.00.
    price(county, YEAR, "6.00", Unit.KILOGRAM, "县城农贸市场", category=grain)
    price(county, YEAR, "7.00", Unit.KILOGRAM, "县城超市", category=grain)
    price(county, YEAR, "100.00", Unit.BOX, "县城超市", product=black_tea)
    price(county, 2023, "6.00", Unit.KILOGRAM, "县城农贸市场", category=grain)
    station_order(seller, station_a, [(rice, "2", "5.00", "0")], household=poor_a)
    station_order(
        seller, station_a,
        [(rice, "8", "6.00", "0"), (black_tea, "1", "90.00", "0"), (basket, "1", "30.00", "0"),
         (basket, "1", "30.00", "1")],
    )  # fmt: skip
    station_order(
        seller, station_b, [(millet, "4", "3.00", "0"), (black_tea, "2", "110.00", "1")],
        shipping="5.00", household=other_b,
    )  # fmt: skip
    station_order(seller, station_a, [(rice, "100", "1.00", "0")], status=OrderStatus.CANCELLED)
    home = make_order(seller, day=dt.date(YEAR, 6, 1), total="1.00")
    OrderLine.objects.create(order=home, product=rice, product_name="大米", unit="kg",
                             quantity=1, unit_price=1, line_total=1)  # fmt: skip
    world.station_b = station_b
    return world


def test_prices_paid_against_the_county_by_hand(villages):
    result = living_costs.living_costs(villages.county, [2023, YEAR])
    rows = {row.item: row for row in result.prices_of(YEAR)}
    grain, tea = rows["粮油"], rows["红茶"]
    # Grain per kg: rice 2 kg for 10 + 8 kg for 48, millet 4 jin = 2 kg for 12: 70 / 12 kg.
    assert grain.by_category and grain.unit == Unit.KILOGRAM
    assert (grain.lines, grain.quantity) == (3, 12.0)
    assert (grain.platform_price, grain.reference_price, grain.places) == (
        D("5.83"), D("6.50"), 2)  # fmt: skip
    assert grain.difference_yuan == D("-0.67")
    assert grain.difference_percent == pytest.approx(-0.67 / 6.5 * 100)
    # Tea per box: 1 for 90 and (2 - 1 refunded) for 220 - 110: 200 / 2, the county's 100.
    assert (tea.by_category, tea.lines, tea.platform_price, tea.difference_yuan) == (
        False, 2, D("100.00"), D("0.00"))  # fmt: skip
    summary = result.by_year[YEAR]
    # The basket is the station quantities: (70 + 200) / (6.50 x 12 + 100 x 2) = 270 / 278.
    assert summary.index.value == pytest.approx(100 * 270 / 278)
    assert (summary.index.items, summary.lines, summary.compared) == (2, 6, 5)
    # Lines: 5/6.5, 6/6.5, 6/6.5 (millet 3 per jin = 6 per kg), 90/100, 110/100, less 1.
    differences = [100 * (p / 6.5 - 1) for p in (5, 6, 6)] + [-10.0, 10.0]
    mean = statistics.mean(differences)
    half = T_975_4 * statistics.stdev(differences) / math.sqrt(5)
    assert summary.saving.mean == pytest.approx(mean)
    assert (summary.saving.ci_low, summary.saving.ci_high) == (
        pytest.approx(mean - half), pytest.approx(mean + half))  # fmt: skip
    assert not summary.saving.distinguishable_from_zero
    assert "not distinguishable from zero" in summary.saving_sentence()
    # The basket with no county price; the basket line refunded in full is no purchase.
    [crafts] = result.uncompared_of(YEAR)
    assert (crafts.category, crafts.lines, crafts.amount, crafts.other_unit) == (
        "手工艺品", 1, D("30.00"), 0)  # fmt: skip
    assert result.refunded_in_full == 1
    # 2023 has a county price but no station order: said, not a zero.
    assert "no order delivered to a village station" in result.by_year[2023].why_not
    assert math.isnan(result.by_year[2023].index.value)


def test_a_line_in_another_unit_is_not_compared(villages):
    black_tea = ReferencePrice.objects.get(product__name="红茶")
    black_tea.unit = Unit.PIECE
    black_tea.save()
    result = living_costs.living_costs(villages.county, [YEAR])
    tea = next(row for row in result.uncompared_of(YEAR) if row.category == "茶叶")
    assert (tea.lines, tea.other_unit) == (2, 2)


def test_without_county_prices_the_year_says_why(villages):
    ReferencePrice.objects.filter(year=YEAR).delete()
    summary = living_costs.living_costs(villages.county, [YEAR]).by_year[YEAR]
    assert summary.why_not == "no reference price of the county is entered for 2024"
    assert summary.saving_sentence().startswith("The price difference cannot be computed")


def test_consumption_per_village_and_household_group(villages):
    rows = {row.village: row for row in living_costs.living_costs(villages.county, [YEAR]).villages}
    a = rows[villages.station.village.name]
    # Village A: 10 (poor household's assisted order) + 168 (goods, basket refunded 30): 178
    # over 2 households and 5 people; the cancelled order is no purchase.
    assert (a.all.orders, a.all.spending, a.all.per_household, a.all.per_person) == (
        2, D("178.00"), D("89.00"), D("35.60"))  # fmt: skip
    assert (a.poor.orders, a.poor.spending, a.poor.per_household) == (1, D("10.00"), D("10.00"))
    assert (a.others.orders, a.others.per_household) == (0, D("0.00"))
    assert (a.unlinked_orders, a.unlinked_spending) == (1, D("168.00"))
    b = rows[villages.station_b.village.name]
    # Village B: 237 paid - 5 shipping - 110 refunded = 122, one household of one person.
    assert (b.all.spending, b.all.per_person, b.others.spending) == (
        D("122.00"), D("122.00"), D("122.00"))  # fmt: skip
    assert b.poor.per_household is None  # no registered-poor household there


# --- the page -------------------------------------------------------------------------------------


def _url(world, name="impact:living_costs"):
    return reverse(name, args=[world.county.slug])


def test_the_page_shows_prices_index_and_villages(client, villages):
    client.cookies["django_language"] = "en"
    client.force_login(villages.users["analyst"])
    response = client.get(_url(villages) + "?year=2024")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="prices"' in html and "¥5.83" in html and "¥6.50" in html
    assert "not distinguishable from zero" in html
    assert "97.1" in html  # the index
    assert "Paasche" in html
    assert 'id="villages"' in html and "¥89.00" in html
    assert '<form method="post">' not in html  # analysts read only
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(_url(villages)).content.decode()
    assert "村民的购买价格" in chinese and "与零无显著差异" in chinese


def test_an_administrator_types_in_a_price_audited(client, villages):
    client.force_login(villages.users["county_admin"])
    grain = ReferencePrice.objects.filter(category__slug="grain").first().category
    data = {"year": "2025", "category": grain.pk, "unit": "kg", "price": "6.20",
            "place": "县城农贸市场", "source": "县发改委"}  # fmt: skip
    response = client.post(_url(villages), data)
    assert response.status_code == 302
    saved = ReferencePrice.objects.get(year=2025)
    assert saved.price == D("6.20")
    assert AuditEntry.objects.filter(action="referenceprice.created").exists()
    # Typed again for the same year, item and place: replaced, not doubled.
    client.post(_url(villages), {**data, "price": "6.40"})
    assert ReferencePrice.objects.get(year=2025).price == D("6.40")
    both = client.post(_url(villages), {**data, "product": ReferencePrice.objects.filter(
        product__isnull=False).first().product_id})  # fmt: skip
    assert both.status_code == 400


def test_a_gb18030_price_file_is_imported_whole(client, villages):
    client.force_login(villages.users["county_admin"])
    text = "year,category,product,unit,price,place,source\n" \
           "2025,粮油,,公斤,6.30,县城农贸市场,价格监测\n2025,,红茶,盒,105,县城超市,自采\n"  # fmt: skip
    upload = SimpleUploadedFile("prices.csv", text.encode("gb18030"), content_type="text/csv")
    response = client.post(_url(villages, "impact:living_costs_import"), {"file": upload})
    assert response.status_code == 302
    assert ReferencePrice.objects.filter(year=2025).count() == 2
    assert ReferencePrice.objects.get(year=2025, product__name="红茶").unit == Unit.BOX


def test_a_bad_cell_refuses_the_whole_file_naming_row_and_column(client, villages):
    client.cookies["django_language"] = "en"
    client.force_login(villages.users["county_admin"])
    text = ("year,category,product,unit,price,place,source\n"
            "2025,粮油,,kg,6.30,县城农贸市场,价格监测\n2025,粮油,,kg,-1,县城超市,价格监测\n"
            "2025,水产,,kg,20,县城超市,价格监测\n")  # fmt: skip
    upload = SimpleUploadedFile("prices.csv", text.encode("utf-8"), content_type="text/csv")
    response = client.post(_url(villages, "impact:living_costs_import"), {"file": upload})
    html = response.content.decode()
    assert response.status_code == 400
    assert "row 3, column price" in html
    assert "row 4, column category: No category 水产" in html
    assert not ReferencePrice.objects.filter(year=2025).exists()


@pytest.mark.parametrize("user", ["other_county_admin", "seller_staff", "station_operator"])
@pytest.mark.parametrize("name", ["impact:living_costs", "impact:living_costs_import"])
def test_other_counties_and_roles_cannot_open_it(client, villages, user, name):
    client.force_login(villages.users[user])
    assert client.get(_url(villages, name)).status_code == 403


def test_analysts_cannot_enter_prices_and_visitors_log_in(client, villages):
    assert client.get(_url(villages)).status_code == 302
    client.force_login(villages.users["analyst"])
    assert client.post(_url(villages), {"year": "2025"}).status_code == 403
    upload = SimpleUploadedFile("p.csv", b"year\n", content_type="text/csv")
    assert (
        client.post(_url(villages, "impact:living_costs_import"), {"file": upload}).status_code
        == 403
    )


# --- the report ---------------------------------------------------------------------------------


def test_the_report_shows_both_after_income(villages):
    report = impact_report(villages.county, YEAR)
    keys = [s.key for s in report.sections]
    assert keys.index("living_costs") == keys.index("income") + 1
    section = report.sections[keys.index("living_costs")]
    assert not section.why_not
    index, difference = section.figures
    assert index.value == "97.1"
    assert "not distinguishable from zero" in difference.how
    assert [t.rows[0][0] for t in section.tables] == ["红茶", villages.station.village.name]
    assert any("手工艺品" in sentence for sentence in section.sentences)


def test_a_year_without_station_orders_says_why(world):
    section = next(s for s in impact_report(world.county, 2023).sections if s.key == "living_costs")
    assert "no order delivered to a village station" in section.why_not


def test_the_pdf_carries_the_section(client, villages, tmp_path):
    client.cookies["django_language"] = "en"
    client.force_login(villages.users["county_admin"])
    client.post(reverse("impact:report_pdf", args=[villages.county.slug, YEAR]))
    job = Job.objects.get(kind=REPORT_PDF)
    jobs.execute(job.pk, heartbeat=False)
    job.refresh_from_db()
    path = tmp_path / "report.pdf"
    path.write_bytes(job.output_file.open("rb").read())
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "What villagers pay" in text
    assert "not distinguishable from zero" in text
    assert "97.1" in text
