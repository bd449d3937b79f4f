"""Yearbook figures: typed in by county administrators, imported from a file, read by analysts."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse

from countyhub.core.models import AuditEntry
from countyhub.impact.models import YearbookFigure

FIGURE = {
    "year": "2023",
    "indicator": "gdp_production",
    "value": "120.5",
    "unit": "100m_yuan",
    "source": "2023年青山县国民经济和社会发展统计公报",
    "definition": "",
}


def url(world, name="impact:figures"):
    return reverse(name, args=[world.county.slug])


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"


def upload(text, name="figures.csv"):
    file = io.BytesIO(text.encode("utf-8"))
    file.name = name
    return file


def test_county_admin_enters_a_figure_and_enters_it_again(world, client):
    client.force_login(world.users["county_admin"])
    assert client.post(url(world), FIGURE).status_code == 302
    assert client.post(url(world), {**FIGURE, "value": "121"}).status_code == 302
    figure = YearbookFigure.objects.get(county=world.county)
    assert figure.value == Decimal("121") and figure.base_value == Decimal("12100000000")
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["yearbookfigure.created", "yearbookfigure.changed"]
    page = client.get(url(world)).content.decode()
    assert "2023" in page and "统计公报" in page and "not entered" in page


def test_a_unit_that_does_not_fit_the_indicator_is_refused(world, client):
    client.force_login(world.users["county_admin"])
    response = client.post(url(world), {**FIGURE, "indicator": "resident_population"})
    assert response.status_code == 400
    assert "is given in persons" in response.content.decode()
    assert not YearbookFigure.objects.exists()


def test_analyst_reads_but_may_not_write(world, client):
    client.force_login(world.users["county_admin"])
    client.post(url(world), FIGURE)
    client.force_login(world.users["analyst"])
    page = client.get(url(world))
    assert page.status_code == 200 and "Enter a figure" not in page.content.decode()
    assert client.post(url(world), {**FIGURE, "value": "1"}).status_code == 403
    assert YearbookFigure.objects.get().value == Decimal("120.5")


@pytest.mark.parametrize("user", ["other_county_admin", "seller_staff", "buyer"])
def test_other_counties_and_roles_cannot_read_or_change(world, client, user):
    client.force_login(world.users[user])
    assert client.get(url(world)).status_code == 403
    assert client.post(url(world), FIGURE).status_code == 403
    assert client.post(url(world, "impact:import"), {"file": upload("x")}).status_code == 403
    assert not YearbookFigure.objects.exists()


def test_import_a_file(world, client):
    client.force_login(world.users["county_admin"])
    text = (
        "year,indicator,value,unit,source,definition\n"
        "2023,retail_sales,50,100m_yuan,统计公报,\n"
        "2023,resident_population,31.2,10k_persons,统计公报,年末常住人口\n"
        '2023,rural_disposable_income,"16,540",yuan_per_person,统计公报,\n'
    )
    response = client.post(url(world, "impact:import"), {"file": upload(text)})
    assert response.status_code == 302
    values = dict(YearbookFigure.objects.values_list("indicator", "value"))
    assert values == {
        "retail_sales": Decimal("50"),
        "resident_population": Decimal("31.2"),
        "rural_disposable_income": Decimal("16540"),
    }


def test_an_import_is_audited_figure_by_figure_as_typing_them_in_is(world, client):
    """One entry per figure written (the values as the column keeps them), one per figure
    changed (before and after), none for a figure imported again unchanged."""
    client.force_login(world.users["county_admin"])
    first = "year,indicator,value,unit,source\n2023,retail_sales,50,100m_yuan,统计公报\n"
    first += "2023,gdp_production,120.5,100m_yuan,统计公报\n"
    assert client.post(url(world, "impact:import"), {"file": upload(first)}).status_code == 302
    again = "year,indicator,value,unit,source\n2023,retail_sales,50.0,100m_yuan,统计公报\n"
    again += "2023,gdp_production,121,100m_yuan,统计公报\n"
    assert client.post(url(world, "impact:import"), {"file": upload(again)}).status_code == 302
    entries = AuditEntry.objects.filter(object_type="impact.yearbookfigure").order_by("pk")
    assert [(e.action, e.actor) for e in entries] == [
        ("yearbookfigure.created", world.users["county_admin"]),
        ("yearbookfigure.created", world.users["county_admin"]),
        ("yearbookfigure.changed", world.users["county_admin"]),
    ]
    gdp = YearbookFigure.objects.get(indicator="gdp_production")
    assert entries[1].object_id == str(gdp.pk) and entries[1].county == world.county
    assert entries[1].changes["value"] == [None, "120.5000"]
    assert entries[1].changes["source"] == [None, "统计公报"]
    assert entries[2].changes == {"value": ["120.5000", "121.0000"]}
    assert gdp.value == Decimal("121") and gdp.updated_at > gdp.created_at


def test_a_bad_file_imports_nothing_and_names_row_and_column(world, client):
    client.force_login(world.users["county_admin"])
    text = (
        "year,indicator,value,unit,source\n"
        "2023,retail_sales,50,100m_yuan,统计公报\n"
        "2023,retail_sales,51,100m_yuan,统计公报\n"
        "20x3,gdp,-5,acres,\n"
    )
    response = client.post(url(world, "impact:import"), {"file": upload(text)})
    assert response.status_code == 400
    page = response.content.decode()
    for expected in (
        "row 3, column indicator: Same year and indicator as row 2.",
        "row 4, column year",
        "row 4, column indicator",
        "row 4, column value",
        "row 4, column unit",
        "row 4, column source",
    ):
        assert expected in page
    assert not YearbookFigure.objects.exists()


def test_the_figures_page_in_chinese(world, client):
    client.force_login(world.users["county_admin"])
    client.cookies["django_language"] = "zh-hans"
    page = client.get(url(world)).content.decode()
    assert "地区生产总值" in page
