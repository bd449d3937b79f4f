"""The demo on 832: the `seller` account's seller qualified with its products listed, three
budget units with reserved shares, orders in several states and progress against the shares."""

from django.utils import timezone

from countyhub.catalog.models import Seller
from countyhub.channels.gov832 import BuyerUnit, ProcurementOrder
from countyhub.channels.models import Channel, Listing, ListingStatus
from countyhub.channels.procurement import progress, qualification
from countyhub.core.local_time import local_date


def test_the_demo_has_a_qualified_supplier_units_and_orders(demo_county, db):
    today = local_date(timezone.now(), demo_county)
    seller = Seller.objects.get(county=demo_county, staff__username="seller")
    assert qualification(seller, today).qualified
    fupin = Channel.objects.get(county=demo_county, code="fupin832")
    listed = Listing.objects.filter(channel=fupin, status=ListingStatus.LISTED)
    assert listed.exists()
    assert set(listed.values_list("product__seller", flat=True)) == {seller.pk}
    assert BuyerUnit.objects.filter(county=demo_county).count() == 3
    statuses = set(ProcurementOrder.objects.values_list("status", flat=True))
    assert {"placed", "shipped", "accepted", "paid", "evaluated", "disputed"} <= statuses
    rows = progress(county_id=demo_county.pk, year=today.year, today=today)
    assert all(row.reserved for row in rows) and any(row.done for row in rows)
