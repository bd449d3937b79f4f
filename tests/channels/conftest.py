import datetime

import pytest
from django.utils import timezone, translation

from countyhub.catalog.models import ProductImage
from countyhub.channels.gov832 import (
    DocumentKind,
    Gov832County,
    QualificationDocument,
    Recommendation,
)
from countyhub.channels.models import Channel, ChannelKind, Listing, ListingStatus, Platform
from countyhub.core.local_time import local_date
from tests.api.conftest import api_as  # noqa: F401  (the API tests' JSON client)


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in English; the site's default language is Chinese.
    with translation.override("en"):
        yield


@pytest.fixture
def channel(world):
    """The county's Taobao shop; the world's two products listed on it, SKUs A-1 and B-1."""
    taobao = Channel.objects.create(
        county=world.county,
        code="taobao",
        name="淘宝特色馆",
        kind=ChannelKind.MARKETPLACE,
        platform=Platform.TAOBAO,
    )
    for product, sku in ((world.product, "A-1"), (world.other_product, "B-1")):
        product.seller_sku = sku
        product.save(update_fields=["seller_sku"])
        Listing.objects.create(
            product=product,
            channel=taobao,
            price=product.price + 1,
            stock_buffer=2,
            status=ListingStatus.LISTED,
        )
    return taobao


@pytest.fixture
def ready(world, channel):
    """Both products complete: a description and a picture."""
    for product in (world.product, world.other_product):
        product.description = "高山云雾茶，清明前采摘。"
        product.save(update_fields=["description"])
        ProductImage.objects.create(
            product=product, image="products/a.jpg", thumbnail="products/a-t.jpg", gallery="g.jpg"
        )
    return channel


@pytest.fixture
def today(world):
    return local_date(timezone.now(), world.county)


@pytest.fixture
def qualified(world, today):
    """The county flagged an 832 county; world.seller recommended with valid documents."""
    Gov832County.objects.create(county=world.county, is_832_county=True)
    Recommendation.objects.create(
        seller=world.seller, department="县乡村振兴局", recommended_on=today.replace(day=1)
    )
    for kind in DocumentKind:
        QualificationDocument.objects.create(
            seller=world.seller,
            kind=kind,
            number=f"N-{kind.value}",
            valid_from=today - datetime.timedelta(days=30),
            valid_until=today + datetime.timedelta(days=30),
        )
    return world.seller


@pytest.fixture
def fupin(world):
    return Channel.objects.create(
        county=world.county,
        code="fupin832",
        name="832 平台",
        kind=ChannelKind.GOV832,
        platform=Platform.FUPIN832,
    )
