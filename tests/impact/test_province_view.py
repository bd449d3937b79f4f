"""The province view of the impact pages: a province's counties side by side for a year (their
designation, chosen yearbook figures, the platform's sales), who may see it and who may not."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from countyhub.core.models import Province
from countyhub.core.services import appoint_province_official
from countyhub.impact.models import YearbookFigure
from countyhub.programs.models import Program, ProgramLevel
from tests.factories.core import CountyFactory, UserFactory
from tests.factories.programs import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def province(world):
    """The world's county (selling on countyhub, designated 2017) and two neighbours: 北县
    designated 2015, 南县 never; figures of 2023 for all, of 2022 for the world's county."""
    province = Province.objects.create(name="试验省")
    world.county.province = province
    world.county.save(update_fields=["province"])
    north = CountyFactory(name="北县", slug="north", province=province)
    south = CountyFactory(name="南县", slug="south", province=province)
    for county, year in ((world.county, 2017), (north, 2015)):
        Program.objects.create(
            county=county, name="示范", level=ProgramLevel.NATIONAL, designation_year=year
        )
    for county, income in ((world.county, "12345"), (north, "23456"), (south, "9876")):
        YearbookFigure.objects.create(
            county=county, year=2023, indicator="rural_disposable_income", value=Decimal(income),
            unit="yuan_per_person", source=f"{county.name}2023年统计公报",
        )  # fmt: skip
    YearbookFigure.objects.create(
        county=world.county, year=2023, indicator="retail_sales", value=Decimal("12.5"),
        unit="100m_yuan", source="统计公报",
    )  # fmt: skip
    YearbookFigure.objects.create(
        county=world.county, year=2022, indicator="retail_sales", value=Decimal("11"),
        unit="100m_yuan", source="统计公报",
    )  # fmt: skip
    make_order(world.seller, day=datetime.date(2023, 5, 3), total="150.00")
    make_order(world.seller, day=datetime.date(2022, 5, 3), total="70.00")
    world.province, world.north, world.south = province, north, south
    return world


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


def url(county, **query):
    base = reverse("impact:province", args=[county.slug])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def cells(page: str, slug: str) -> str:
    start = page.index(f'id="county-{slug}"')
    return page[start : page.index("</tr>", start)]


def test_an_analyst_compares_the_counties_of_the_province_for_the_latest_year(province, client):
    client.force_login(province.users["analyst"])
    response = client.get(url(province.county))
    assert response.status_code == 200
    page = response.content.decode()
    assert "试验省" in page and 'option value="2023" selected' in page
    own = cells(page, province.county.slug)
    assert "2017" in own and "12,345" in own and "1,250,000,000" in own and "¥150.00" in own
    north = cells(page, "north")
    assert "2015" in north and "23,456" in north and "not on countyhub" in north
    assert "not entered" in north  # its retail sales of 2023
    south = cells(page, "south")
    assert "never" in south and "9,876" in south
    # One chart per chosen figure; the designated counties in blue, the never designated grey.
    assert page.count('<svg class="chart"') == 3
    assert "南县: 9,876" in page and "北县: 23.5k" in page
    assert "南县2023年统计公报" in page  # sources and definitions listed
    assert reverse("impact:evaluations", args=[province.county.slug]) in page


def test_a_chosen_year_and_figure(province, client):
    client.force_login(province.users["county_admin"])
    page = client.get(url(province.county, year=2022, indicator="retail_sales")).content.decode()
    assert page.count('<svg class="chart"') == 1
    own = cells(page, province.county.slug)
    assert "1,100,000,000" in own and "¥70.00" in own and "12,345" not in own
    assert "not entered" in cells(page, "north")


def test_a_province_official_sees_the_counties_of_the_province_only(province, client):
    official = UserFactory()
    appoint_province_official(actor=None, user=official, province=province.province)
    client.force_login(official)
    page = client.get(url(province.north)).content.decode()
    assert "北县" in page and "南县" in page
    # No county role: no link to the county's own impact pages.
    assert reverse("impact:evaluations", args=["north"]) not in page
    elsewhere = CountyFactory(province=Province.objects.create(name="远方省"))
    assert client.get(url(elsewhere)).status_code == 403


@pytest.mark.parametrize(
    "role", ["other_county_admin", "seller_staff", "station_operator", "trainer", "buyer"]
)
def test_others_may_not_compare(province, client, role):
    client.force_login(province.users[role])
    assert client.get(url(province.county)).status_code == 403


def test_anonymous_is_sent_to_log_in(province, client):
    response = client.get(url(province.county))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_county_without_a_province_is_shown_alone(world, client):
    client.force_login(world.users["analyst"])
    page = client.get(url(world.county)).content.decode()
    assert "belongs to no province" in page
    assert cells(page, world.county.slug)


def test_the_impact_pages_link_to_it(province, client):
    client.force_login(province.users["analyst"])
    target = reverse("impact:province", args=[province.county.slug])
    for name in ("impact:accounts", "impact:figures", "impact:evaluations"):
        page = client.get(reverse(name, args=[province.county.slug])).content.decode()
        assert target in page, name


def test_in_chinese(province, client):
    client.cookies["django_language"] = "zh-hans"
    client.force_login(province.users["analyst"])
    page = client.get(url(province.county)).content.decode()
    assert "试验省: 各县比较 2023" in page
    assert "未入驻 countyhub" in cells(page, "north") and "未认定" in cells(page, "south")
    assert "蓝色：已认定的示范县" in page
