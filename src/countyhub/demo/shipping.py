"""The demo sellers' shipping rates, entered by county staff in the admin as sellers ask."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from countyhub.catalog.models import Seller
from countyhub.demo import data
from countyhub.shop.models import DeliveryMethod, ShippingRate
from countyhub.shop.services.shipping import save_shipping_rate


def build_shipping_rates(county: Any, admin: Any) -> int:
    rates = 0
    for seller in Seller.objects.filter(county=county).order_by("pk"):
        for code, region, first_fee, additional_fee, free_above in data.SHIPPING_RATES:
            rate = ShippingRate(
                seller=seller,
                delivery_method=DeliveryMethod.HOME,
                region_code=code,
                region_name=region,
                first_fee=Decimal(first_fee),
                additional_fee=Decimal(additional_fee),
                free_above=Decimal(free_above),
            )
            save_shipping_rate(actor=admin, rate=rate, check_actor=False)
            rates += 1
    return rates
