"""Who may see and act on an after-sales request. Invisible requests are reported missing (404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from countyhub.aftersales.models import AfterSaleRequest
from countyhub.core.permissions import admin_county_ids, is_county_admin
from countyhub.shop.models import Order
from countyhub.shop.policies import is_seller_staff


def visible_requests(user: Any) -> QuerySet[AfterSaleRequest]:
    """The buyer's own requests, their seller's, and for county staff their counties'."""
    if not getattr(user, "is_authenticated", False):
        return AfterSaleRequest.objects.none()
    counties = admin_county_ids(user)
    if counties is None:
        return AfterSaleRequest.objects.all()
    return AfterSaleRequest.objects.filter(
        Q(buyer=user) | Q(seller__staff=user) | Q(county_id__in=counties)
    ).distinct()


def may_request(user: Any, order: Order) -> bool:
    """Only the buyer asks for their money back."""
    return order.buyer_id == getattr(user, "pk", None)


def is_buyer(user: Any, request: AfterSaleRequest) -> bool:
    return request.buyer_id == getattr(user, "pk", None)


def may_answer(user: Any, request: AfterSaleRequest) -> bool:
    """Agree, refuse, ask for the goods back, confirm their receipt: the seller's staff."""
    return is_seller_staff(user, request.seller_id)


def is_county_staff(user: Any, request: AfterSaleRequest) -> bool:
    """Decide a dispute, record a refund paid by hand: the county's administrators."""
    return is_county_admin(user, request.county_id)
