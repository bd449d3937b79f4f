"""English content (issue 11): brands, sellers and stories in English on English pages, the
Chinese text marked lang="zh-hans" where no English is given, and quantities with their unit in
the page's language ("1 box", not "1 boxes")."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from countyhub.catalog.units import quantity_with_unit
from countyhub.shop.models import DeliveryMethod
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout
from countyhub.trace.identifiers import lot_uri
from countyhub.trace.models import TraceEvent
from countyhub.trace.selectors.timeline import timeline_entry
from tests.factories.catalog import BrandFactory, ProductFactory, SellerFactory, public_brand
from tests.factories.trace import make_batch


@pytest.mark.parametrize(
    ("quantity", "unit", "english", "chinese"),
    [
        (1, "box", "1 box", "1 箱"),
        (2, "box", "2 boxes", "2 箱"),
        (Decimal("1.000"), "bottle", "1 bottle", "1 瓶"),
        (Decimal("1.5"), "kg", "1.5 kg", "1.5 千克"),
        (Decimal(2), "jin", "2 jin", "2 斤"),
        (3, "piece", "3 pieces", "3 件"),
        (1, "bag", "1 bag", "1 袋"),
        (Decimal("0.5"), "bag", "0.5 bags", "0.5 袋"),
        (500, "g", "500 g", "500 克"),
        (1, "litre", "1 litre", "1 升"),
        (2, "crate", "2 crate", "2 crate"),  # a unit the catalog does not know: as it is
    ],
)
def test_a_quantity_with_its_unit_in_both_languages(quantity, unit, english, chinese):
    with translation.override("en"):
        assert quantity_with_unit(quantity, unit) == english
    with translation.override("zh-hans"):
        assert quantity_with_unit(quantity, unit) == chinese


def test_the_template_filter_takes_a_product_or_a_unit(db):
    product = ProductFactory(unit="box")
    template = Template("{% load units %}{{ 1|with_unit:product }}; {{ q|with_unit:'kg' }}")
    with translation.override("en"):
        assert template.render(Context({"product": product, "q": Decimal("2.500")})) == (
            "1 box; 2.5 kg"
        )


def test_the_trace_timeline_says_1_box_not_1_boxes():
    event = TraceEvent(
        sequence=1,
        kind="shipping",
        event_time=timezone.now(),
        document={
            "type": "ObjectEvent",
            "quantityList": [{"epcClass": "urn:x", "quantity": 1.0, "uom": "XBX"}],
        },
    )
    with translation.override("en"):
        assert ("quantity", "1 box") in timeline_entry(event).details  # main: "1 boxes"
    event.document["quantityList"][0]["quantity"] = 12.0
    with translation.override("en"):
        assert ("quantity", "12 boxes") in timeline_entry(event).details


@pytest.fixture
def english_product(db):
    seller = SellerFactory(
        name="白云蜂业合作社",
        name_en="Baiyun Beekeepers' Cooperative",
        story="蜂农把蜂箱放在山坡上。",
        story_en="Beekeepers keep their hives on the hillsides.",
    )
    county = seller.county
    brand = BrandFactory(
        county=county,
        name="青山百花蜜",
        name_en="Qingshan Wildflower Honey",
        story="一年只取一次。",
        story_en="Harvested once a year.",
        parent=public_brand(county),
    )
    return ProductFactory(
        county=county,
        seller=seller,
        brand=brand,
        name="百花土蜂蜜",
        name_en="Wildflower honey",
        description="百花土蜂蜜，产自白云村。",
        description_en="Wildflower honey from Baiyun village.",
    )


def page(client, url, language):
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_the_english_product_page_shows_the_english_brand_seller_and_stories(
    client, english_product
):
    url = reverse("catalog:product", args=[english_product.county.slug, english_product.pk])
    english = page(client, url, "en")
    for text in (
        "Wildflower honey from Baiyun village.",
        "Baiyun Beekeepers&#x27; Cooperative",
        "Beekeepers keep their hives on the hillsides.",
        "Harvested once a year.",
        "Qingshan Wildflower Honey",
    ):
        assert text in english
    for text in ("蜂农把蜂箱放在山坡上", "一年只取一次", "产自白云村", "白云蜂业合作社"):
        assert text not in english
    chinese = page(client, url, "zh-hans")
    assert "蜂农把蜂箱放在山坡上" in chinese and "Beekeepers keep" not in chinese
    # marked as Chinese: only the public brand and the category, which have no English here
    assert english.count('lang="zh-hans"') == 2
    assert '<span lang="zh-hans">类别' in english


def test_without_english_the_english_page_shows_the_chinese_marked_as_chinese(
    client, english_product
):
    seller = english_product.seller
    seller.story_en = ""
    seller.save()
    url = reverse("catalog:product", args=[english_product.county.slug, english_product.pk])
    english = page(client, url, "en")
    assert '<p lang="zh-hans">蜂农把蜂箱放在山坡上。</p>' in english
    assert "Harvested once a year." in english  # the brand's English is still there
    chinese = page(client, url, "zh-hans")
    assert '<p lang="zh-hans">' not in chinese  # the page itself is Chinese


def test_the_english_home_page_shows_english_brands(client, english_product):
    county = english_product.county
    english = page(client, reverse("catalog:home", args=[county.slug]), "en")
    assert "Qingshan Wildflower Honey" in english and "Harvested once a year." in english
    listing = page(client, reverse("catalog:browse", args=[county.slug]), "en")
    assert "Baiyun Beekeepers&#x27; Cooperative" in listing
    assert ">Qingshan Wildflower Honey</option>" in listing


def test_the_english_order_page_shows_1_box_and_2_boxes(client, world):
    buyer = world.users["buyer"]
    orders = place_checkout(
        buyer=buyer,
        lines=[LineRequest(world.product.pk, Decimal(1)), LineRequest(world.other_product.pk, 2)],
        delivery=DeliveryRequest(DeliveryMethod.STATION, world.station.pk),
    ).orders
    client.force_login(buyer)
    one, two = sorted(orders, key=lambda order: order.lines.get().quantity)
    assert "<td>1 box</td>" in page(client, reverse("shop:order", args=[one.number]), "en")
    assert "<td>2 boxes</td>" in page(client, reverse("shop:order", args=[two.number]), "en")
    assert "<td>2 箱</td>" in page(client, reverse("shop:order", args=[two.number]), "zh-hans")


def test_english_order_and_trace_pages_name_the_seller_and_brand_in_english(client, world):
    seller, brand = world.seller, world.product.brand
    seller.name_en = "Peach Blossom Orchard Cooperative"
    seller.save()
    brand.name_en = "Qingshan Goods"
    brand.save()
    buyer = world.users["buyer"]
    order = place_checkout(
        buyer=buyer,
        lines=[LineRequest(world.product.pk, 1)],
        delivery=DeliveryRequest(DeliveryMethod.STATION, world.station.pk),
    ).orders[0]
    client.force_login(buyer)
    for url in (reverse("shop:order", args=[order.number]), reverse("shop:orders")):
        html = page(client, url, "en")
        assert "Peach Blossom Orchard Cooperative" in html and seller.name not in html
    batch = make_batch(world.users["seller_staff"], world.product)
    trace_page = page(client, "/" + lot_uri(batch).split("/", 3)[3], "en")
    assert "Peach Blossom Orchard Cooperative" in trace_page and "Qingshan Goods" in trace_page
    assert seller.name not in trace_page
