"""What each incentive rule earns, computed from platform facts (orders and certificates).

One evaluator per rule kind returns each payee's *entitlement* for a month, with the facts it was
computed from; `countyhub.programs.incentives` turns entitlements into payout runs and the ledger.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.catalog.models import Seller, SellerHousehold, SellerKind
from countyhub.core.models import County
from countyhub.core.money import format_money, quantize_cny
from countyhub.core.months import month_end, month_start
from countyhub.programs.models import IncentiveRule, RuleKind
from countyhub.shop import selectors as shop_selectors
from countyhub.shop.models import DeliveryMethod, Order
from countyhub.shop.selectors import GOODS_LEFT, NET_TOTAL
from countyhub.training.models import Certificate

ZERO = Decimal("0.00")


def orders_shipped_out(county: County) -> QuerySet[Order]:
    """Parcels that left the county: shipped home deliveries whose address is not in the county.

    A delivery to a village service station stays in the county by definition; a home address
    that names the county (e.g. "青山县...") is local too.
    """
    return (
        Order.objects.filter(
            county=county, delivery_method=DeliveryMethod.HOME, status__in=GOODS_LEFT
        )
        .exclude(address__contains=county.name)
        .exclude(address="")
    )


def poor_household_sellers(county: County) -> QuerySet[Seller]:
    """Sellers who are a registered poor household, or employ one."""
    linked = SellerHousehold.objects.filter(household__registered_poor=True)
    employs = linked.filter(link=SellerHousehold.Link.EMPLOYS).values("seller_id")
    are = linked.filter(seller__kind=SellerKind.HOUSEHOLD).values("seller_id")
    return Seller.objects.filter(county=county).filter(Q(pk__in=employs) | Q(pk__in=are))


@dataclass(frozen=True)
class Entitlement:
    payee_key: str
    payee_name: str
    seller_id: int | None
    amount: Decimal
    facts: dict[str, Any]
    explanation: str


def rule_window(
    rule: IncentiveRule, period: datetime.date
) -> tuple[datetime.date, datetime.date] | None:
    """The part of the month in which the rule is valid, or None."""
    start = max(month_start(period), rule.valid_from)
    end = month_end(period)
    if rule.valid_until is not None:
        end = min(end, rule.valid_until)
    return (start, end) if start <= end else None


def _orders_in(queryset: QuerySet[Order], start: datetime.date, end: datetime.date):
    return queryset.filter(placed_at__date__gte=start, placed_at__date__lte=end)


def _logistics(rule: IncentiveRule, start, end) -> list[Entitlement]:
    eligible = poor_household_sellers(rule.county)
    orders = _orders_in(orders_shipped_out(rule.county), start, end).filter(seller__in=eligible)
    by_seller: dict[int, list[tuple[int, str]]] = defaultdict(list)
    names = {}
    for order_id, number, seller_id, seller_name in orders.order_by("placed_at", "pk").values_list(
        "pk", "number", "seller_id", "seller__name"
    ):
        by_seller[seller_id].append((order_id, number))
        names[seller_id] = seller_name
    result = []
    for seller_id, parcels in sorted(by_seller.items()):
        amount = quantize_cny(rule.amount * len(parcels))
        result.append(
            Entitlement(
                payee_key=f"seller:{seller_id}",
                payee_name=names[seller_id],
                seller_id=seller_id,
                amount=amount,
                facts={
                    "order_ids": [order_id for order_id, _n in parcels],
                    "order_numbers": [number for _i, number in parcels],
                    "parcels": len(parcels),
                    "amount_per_parcel": str(rule.amount),
                },
                explanation=f"{len(parcels)} × {format_money(rule.amount)} = "
                f"{format_money(amount)}",
            )
        )
    return result


def _sales_reward(rule: IncentiveRule, start, end) -> list[Entitlement]:
    # Net of refunds: a refund of some lines lowers the sales, and the next run books a reversal.
    orders = _orders_in(shop_selectors.sales(county=rule.county), start, end).annotate(
        net=NET_TOTAL
    )
    by_seller: dict[int, list[tuple[int, str, Decimal]]] = defaultdict(list)
    names = {}
    for order_id, number, total, seller_id, seller_name in orders.order_by(
        "placed_at", "pk"
    ).values_list("pk", "number", "net", "seller_id", "seller__name"):
        # SQLite hands back a difference of decimals unquantized (1833.330000000000).
        by_seller[seller_id].append((order_id, number, quantize_cny(total)))
        names[seller_id] = seller_name
    result = []
    for seller_id, rows in sorted(by_seller.items()):
        sales = sum((total for _i, _n, total in rows), ZERO)
        if sales <= rule.threshold:
            continue  # exactly at the threshold earns nothing: the reward is on sales *above* it
        uncapped = quantize_cny((sales - rule.threshold) * rule.percent / 100)
        amount = min(uncapped, rule.cap)
        capped = amount < uncapped
        explanation = (
            f"({format_money(sales)} − {format_money(rule.threshold)}) × {rule.percent}% = "
            f"{format_money(uncapped)}"
        )
        if capped:
            explanation += "; " + _("capped at %(cap)s") % {"cap": format_money(rule.cap)}
        result.append(
            Entitlement(
                payee_key=f"seller:{seller_id}",
                payee_name=names[seller_id],
                seller_id=seller_id,
                amount=amount,
                facts={
                    "order_ids": [i for i, _n, _t in rows],
                    "order_numbers": [n for _i, n, _t in rows],
                    "orders": len(rows),
                    "sales": str(sales),
                    "threshold": str(rule.threshold),
                    "percent": str(rule.percent),
                    "uncapped": str(uncapped),
                    "cap": str(rule.cap),
                    "capped": capped,
                },
                explanation=explanation,
            )
        )
    return result


def _training_stipend(rule: IncentiveRule, start, end) -> list[Entitlement]:
    certificates = Certificate.objects.filter(
        enrollment__session__course__county=rule.county,
        issued_on__gte=start,
        issued_on__lte=end,
        revoked=False,
    ).select_related("enrollment__session__course")
    return [
        Entitlement(
            payee_key=f"certificate:{certificate.pk}",
            payee_name=certificate.trainee_name,
            seller_id=None,
            amount=quantize_cny(rule.amount),
            facts={
                "certificate": certificate.number,
                "course": certificate.enrollment.session.course.title,
                "completed_on": certificate.issued_on.isoformat(),
            },
            explanation=_("certificate %(number)s: %(amount)s")
            % {"number": certificate.number, "amount": format_money(rule.amount)},
        )
        for certificate in certificates.order_by("issued_on", "pk")
    ]


def _startup_grant(rule: IncentiveRule, start, end) -> list[Entitlement]:
    """A shop is new if its first order came on or after the rule's start; the grant falls in the
    month of its N-th order (cancelled and refunded orders do not count). It is one-off because
    only that one month earns it: if a cancellation moves the N-th order to a later month, the
    grant is reversed in the first month and paid in the later one."""
    sales = shop_selectors.sales(county=rule.county)
    first_orders = Order.objects.filter(county=rule.county).values("seller_id")
    old_shops = first_orders.filter(placed_at__date__lt=rule.valid_from)
    candidates = (
        sales.filter(placed_at__date__lte=end)
        .exclude(seller_id__in=old_shops)
        .values_list("seller_id", flat=True)
        .distinct()
    )
    result = []
    for seller_id in sorted(set(candidates)):
        key = f"seller:{seller_id}"
        rows = list(
            sales.filter(seller_id=seller_id)
            .order_by("placed_at", "pk")
            .values_list("pk", "number", "placed_at", "seller__name")[: rule.order_count]
        )
        if len(rows) < rule.order_count:
            continue
        reached_on = timezone.localtime(rows[-1][2]).date()
        if not start <= reached_on <= end:
            continue
        amount = quantize_cny(rule.amount)
        result.append(
            Entitlement(
                payee_key=key,
                payee_name=rows[0][3],
                seller_id=seller_id,
                amount=amount,
                facts={
                    "order_ids": [row[0] for row in rows],
                    "order_numbers": [row[1] for row in rows],
                    "orders": len(rows),
                    "orders_to_reach": rule.order_count,
                    "reached_on": reached_on.isoformat(),
                },
                explanation=_("order %(n)s reached on %(day)s: grant %(amount)s")
                % {"n": rule.order_count, "day": reached_on, "amount": format_money(amount)},
            )
        )
    return result


EVALUATORS = {
    RuleKind.LOGISTICS_SUBSIDY: _logistics,
    RuleKind.SALES_REWARD: _sales_reward,
    RuleKind.TRAINING_STIPEND: _training_stipend,
    RuleKind.STARTUP_GRANT: _startup_grant,
}


def entitlements(rule: IncentiveRule, period: datetime.date) -> list[Entitlement]:
    """What each payee earns under `rule` in the month of `period`, from today's facts."""
    window = rule_window(rule, period)
    if window is None:
        return []
    return EVALUATORS[RuleKind(rule.kind)](rule, *window)
