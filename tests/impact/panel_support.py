"""Platform records for the panel tests: villages, stations opened in given years, paid orders."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from countyhub.catalog.models import Seller
from countyhub.shop.models import (
    Checkout,
    DeliveryMethod,
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from tests.factories.catalog import ProductFactory, SellerFactory
from tests.factories.core import TownshipFactory, UserFactory, VillageFactory
from tests.factories.stations import StationFactory

_numbers = itertools.count(1)


def paid_order(seller, amount, paid_at, *, refunded="0.00", paid=True):
    """One order of one line of ``amount`` yuan, paid at ``paid_at`` (aware), part refunded."""
    county = seller.county
    product = ProductFactory(county=county, seller=seller)
    buyer = UserFactory()
    n = next(_numbers)
    checkout = Checkout.objects.create(
        county=county, buyer=buyer, idempotency_key=f"p-{n}", request_fingerprint="p"
    )
    order = Order.objects.create(
        county=county,
        number=f"P{n:05d}",
        checkout=checkout,
        buyer=buyer,
        seller=seller,
        delivery_method=DeliveryMethod.HOME,
        recipient_name="收件人",
        phone="13800000000",
        address="某地",
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
        total=Decimal(amount),
        placed_at=paid_at,
    )
    OrderLine.objects.create(
        order=order,
        product=product,
        product_name=product.name,
        unit=product.unit,
        quantity=1,
        unit_price=Decimal(amount),
        line_total=Decimal(amount),
        refunded_amount=Decimal(refunded),
    )
    Payment.objects.create(
        order=order,
        method=order.payment_method,
        amount=order.total,
        status=PaymentStatus.RECEIVED if paid else PaymentStatus.PENDING,
        received_at=paid_at if paid else None,
    )
    return order


def at(county, year, month=6, day=1, hour=10):
    return dt.datetime(year, month, day, hour, tzinfo=county.zone)


def joined(seller, year):
    """Back-date a seller's joining (its record's creation) to ``year``."""
    Seller.objects.filter(pk=seller.pk).update(created_at=at(seller.county, year, 2, 1))


def staggered_villages(county, openings, years=range(2019, 2024), effect=50):
    """One village per entry of ``openings`` (a station's opening year, or None for no station),
    each with a seller whose yearly sales are 100 + 7 v + 10 (year - first) + a small wobble, plus
    ``effect`` from the year its station opened."""
    township = TownshipFactory(county=county)
    first = min(years)
    villages = []
    for v, opened in enumerate(openings):
        village = VillageFactory(township=township, county=county, name=f"试点村{v}")
        if opened is not None:
            StationFactory(village=village, county=county, opened_on=dt.date(opened, 4, 1))
        seller = SellerFactory(county=county, village=village)
        joined(seller, first)
        for year in years:
            treated = opened is not None and year >= opened
            amount = 100 + 7 * v + 10 * (year - first) + (effect if treated else 0)
            amount += (3 * v + year) % 4
            paid_order(seller, f"{amount}.00", at(county, year))
        villages.append(village)
    return villages
