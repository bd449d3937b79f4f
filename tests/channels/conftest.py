import pytest
from django.utils import translation

from countyhub.channels.models import Channel, ChannelKind, Listing, ListingStatus, Platform
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
