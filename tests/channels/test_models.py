"""The invariants the database and the models keep, whatever the code does."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from countyhub.channels.models import Listing, ListingStatus
from countyhub.channels.selectors import sellable
from tests.factories.catalog import ProductFactory


@pytest.mark.parametrize(
    ("available", "buffer", "expected"), [("10", "2", "8"), ("1", "2", "0"), ("0", "0", "0")]
)
def test_sellable_is_available_less_buffer_never_below_zero(available, buffer, expected):
    assert sellable(Decimal(available), Decimal(buffer)) == Decimal(expected)


def test_a_seller_sku_is_unique_per_seller_only(world):
    world.product.seller_sku = "A-1"
    world.product.save()
    twin = ProductFactory(county=world.county, seller=world.seller)
    twin.seller_sku = "A-1"
    with pytest.raises(ValidationError, match="product_seller_sku_unique_per_seller"):
        twin.full_clean()
    # Another seller may use the same article number.
    other = ProductFactory(county=world.county, seller=world.other_seller)
    other.seller_sku = "A-1"
    other.full_clean()


def test_listing_rules_hold_in_the_database(world, channel):
    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.filter(product=world.product).update(status=ListingStatus.REJECTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.create(product=world.product, channel=channel, price=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Listing.objects.filter(product=world.product).update(stock_buffer=-1)
