"""Food licence fields: processed food needs its SC licence or a workshop filing before any
feed lists it; the feed names the product and the field; templates can carry the number."""

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from countyhub.catalog.models import Product
from countyhub.channels.feeds import FeedNotReadyError, write_feed
from countyhub.channels.models import FeedFormat, FeedTemplate

FIELD = "food production licence (SC) or workshop filing"


def everything(world):
    return Product.objects.filter(county=world.county)


def test_processed_food_without_licence_is_named_with_the_field(world, ready):
    Product.objects.filter(pk=world.product.pk).update(processed_food=True)
    with pytest.raises(FeedNotReadyError) as refused:
        write_feed(ready, everything(world), FeedFormat.GOOGLE)
    assert [(p.product_name, p.field) for p in refused.value.problems] == [
        (world.product.name, FIELD)
    ]
    # Fresh produce (the other product) needs nothing; a workshop filing is enough.
    Product.objects.filter(pk=world.product.pk).update(food_filing_number="冀食小作坊登字0123号")
    write_feed(ready, everything(world), FeedFormat.GOOGLE)


def test_the_licence_number_goes_into_a_template_column(world, ready):
    Product.objects.filter(pk=world.product.pk).update(
        processed_food=True, food_licence_number="SC10613073200017"
    )
    FeedTemplate.objects.create(
        channel=ready,
        format="xlsx",
        columns=[
            {"header": "商家编码", "field": "seller_sku", "required": True},
            {"header": "食品生产许可证编号", "field": "food_licence"},
        ],
    )
    data, _name = write_feed(ready, everything(world), FeedFormat.XLSX)
    sheet = load_workbook(io.BytesIO(data)).active
    assert list(sheet.iter_rows(values_only=True)) == [
        ("商家编码", "食品生产许可证编号"),
        ("A-1", "SC10613073200017"),
        ("B-1", None),
    ]


@pytest.mark.parametrize("number", ["SC1061307320001", "XK10613073200017", "sc10613073200017"])
def test_a_malformed_licence_number_is_refused_on_its_field(world, number):
    world.product.processed_food = True
    world.product.food_licence_number = number
    with pytest.raises(ValidationError) as refused:
        world.product.full_clean()
    assert "food_licence_number" in refused.value.message_dict


def test_the_county_admin_enters_the_licence_in_the_product_admin(world, client):
    from django.urls import reverse

    from tests.core.audit_walk import form_data, form_errors

    client.force_login(world.users["county_admin"])
    url = reverse("admin:catalog_product_change", args=[world.product.pk])
    data = form_data(client.get(url).content.decode(), "product_form")
    data.update(
        processed_food="on", food_licence_number="SC1061307320001", food_filing_number="", _save="1"
    )
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert list(refused.context["adminform"].form.errors) == ["food_licence_number"]
    data["food_licence_number"] = "SC10613073200017"
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response.content.decode())
    world.product.refresh_from_db()
    assert world.product.processed_food
    assert world.product.food_licence_number == "SC10613073200017"
