"""After-sales queries."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from countyhub.aftersales import policies
from countyhub.aftersales.models import OPEN_STATUSES, AfterSaleRequest, RequestStatus
from countyhub.shop.models import OrderEvent

# The list page's filters: everything in progress, or only the disputes with the county.
FILTERS = {
    "open": OPEN_STATUSES,
    "disputes": (RequestStatus.ESCALATED,),
}


def requests_for(user: Any, *, show: str = "") -> QuerySet[AfterSaleRequest]:
    requests = policies.visible_requests(user).select_related("order", "seller", "county")
    if show in FILTERS:
        requests = requests.filter(status__in=FILTERS[show])
    return requests.order_by("deadline_at", "-created_at", "-pk")


def request_steps(request: AfterSaleRequest) -> QuerySet[OrderEvent]:
    """The order's events of after-sales and refunds, oldest first."""
    return request.order.events.filter(kind__startswith="aftersale.").select_related("actor")
