"""Trainee outcomes from the platform's orders: does a trainee sell online after the course, and
how much in the 6 and 12 months after, against the sellers none of whose people were trained.

A trainee's sellers are the sellers they are staff of (a user), or for a household member the
sellers that employ their household and the household's own shop (a seller of kind "farmer
household" linked to it). A seller merely buying the household's produce does not make the
household sell online. Sales are the totals of orders not cancelled or refunded, net of the
refunds of some of their lines.
"""

from __future__ import annotations

import datetime
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from countyhub.catalog.models import Seller, SellerHousehold, SellerKind
from countyhub.core.models import County
from countyhub.core.money import quantize_cny
from countyhub.core.months import add_months
from countyhub.shop import selectors as shop_selectors
from countyhub.training.models import Certificate


@dataclass(frozen=True)
class TraineeOutcome:
    trainee_key: str
    certificate_number: str
    trainee_name: str
    course: str
    course_en: str  # the course's English title, empty where none was entered
    completed_on: datetime.date
    seller_ids: tuple[int, ...]
    sells_online: bool
    sales_6_months: Decimal
    sales_12_months: Decimal


@dataclass(frozen=True)
class GroupOutcome:
    label: str
    people: int
    selling: int
    mean_sales_6_months: Decimal
    mean_sales_12_months: Decimal

    @property
    def share_selling(self) -> float:
        return self.selling / self.people if self.people else 0.0


@dataclass(frozen=True)
class TrainingOutcomes:
    trainees: list[TraineeOutcome]
    trained: GroupOutcome
    untrained: GroupOutcome
    anchor: datetime.date | None


class _SalesBook:
    """Every sale of the county's sellers, read once: (local day, total) per seller, by day."""

    def __init__(self, county: County) -> None:
        self.days: dict[int, list[datetime.date]] = defaultdict(list)
        self.totals: dict[int, list[Decimal]] = defaultdict(list)
        rows = (
            shop_selectors.sales(county=county)
            .annotate(net=shop_selectors.NET_TOTAL)
            .order_by("placed_at")
            .values_list("seller_id", "placed_at", "net")
        )
        for seller_id, placed_at, total in rows:
            self.days[seller_id].append(timezone.localtime(placed_at).date())
            self.totals[seller_id].append(quantize_cny(total))  # SQLite: unquantized

    def sales(
        self, seller_ids: set[int], start: datetime.date, end: datetime.date
    ) -> tuple[Decimal, int]:
        """Total and count of sales on days in [start, end)."""
        total, count = Decimal("0.00"), 0
        for seller_id in seller_ids:
            days = self.days.get(seller_id, [])
            first, last = bisect_left(days, start), bisect_left(days, end)
            total += sum(self.totals[seller_id][first:last], Decimal("0.00"))
            count += last - first
        return total, count


def _sellers_of_certificates(certificates: list[Certificate]) -> dict[int, set[int]]:
    user_ids = {c.enrollment.user_id for c in certificates if c.enrollment.user_id}
    household_ids = {c.enrollment.member.household_id for c in certificates if c.enrollment.member}
    by_user: dict[int, set[int]] = defaultdict(set)
    for user_id, seller_id in Seller.staff.through.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "seller_id"
    ):
        by_user[user_id].add(seller_id)
    by_household: dict[int, set[int]] = defaultdict(set)
    selling_links = SellerHousehold.objects.filter(household_id__in=household_ids).filter(
        Q(link=SellerHousehold.Link.EMPLOYS) | Q(seller__kind=SellerKind.HOUSEHOLD)
    )
    for household_id, seller_id in selling_links.values_list("household_id", "seller_id"):
        by_household[household_id].add(seller_id)
    result = {}
    for certificate in certificates:
        enrollment = certificate.enrollment
        if enrollment.user_id:
            result[certificate.pk] = by_user[enrollment.user_id]
        else:
            result[certificate.pk] = by_household[enrollment.member.household_id]
    return result


def _mean(values: list[Decimal]) -> Decimal:
    if not values:
        return Decimal("0.00")
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))


def training_outcomes(*, county: County, today: datetime.date) -> TrainingOutcomes:
    certificates = list(
        Certificate.objects.filter(enrollment__session__course__county=county, revoked=False)
        .select_related("enrollment__session__course", "enrollment__member")
        .order_by("issued_on", "pk")
    )
    sellers_of = _sellers_of_certificates(certificates)
    book = _SalesBook(county)
    outcomes = []
    for certificate in certificates:
        seller_ids = sellers_of[certificate.pk]
        start = certificate.issued_on
        six, _count6 = book.sales(seller_ids, start, add_months(start, 6))
        twelve, _count12 = book.sales(seller_ids, start, add_months(start, 12))
        _later, count_after = book.sales(seller_ids, start, today + datetime.timedelta(days=1))
        outcomes.append(
            TraineeOutcome(
                trainee_key=certificate.enrollment.trainee_key,
                certificate_number=certificate.number,
                trainee_name=certificate.trainee_name,
                course=certificate.enrollment.session.course.title,
                course_en=certificate.enrollment.session.course.title_en,
                completed_on=start,
                seller_ids=tuple(sorted(seller_ids)),
                sells_online=count_after > 0,
                sales_6_months=six,
                sales_12_months=twelve,
            )
        )
    trained_group = GroupOutcome(
        label="trained",
        people=len(outcomes),
        selling=sum(o.sells_online for o in outcomes),
        mean_sales_6_months=_mean([o.sales_6_months for o in outcomes]),
        mean_sales_12_months=_mean([o.sales_12_months for o in outcomes]),
    )
    # The comparison: sellers with nobody trained, over the same windows from the median
    # completion date of the trainees.
    dates = sorted(o.completed_on for o in outcomes)
    anchor = dates[len(dates) // 2] if dates else None
    trained_sellers = {s for ids in sellers_of.values() for s in ids}
    untrained_ids = set(
        Seller.objects.filter(county=county)
        .exclude(pk__in=trained_sellers)
        .values_list("pk", flat=True)
    )
    six_values, twelve_values, selling = [], [], 0
    if anchor is not None:
        for seller_id in sorted(untrained_ids):
            six, _c = book.sales({seller_id}, anchor, add_months(anchor, 6))
            twelve, count = book.sales({seller_id}, anchor, add_months(anchor, 12))
            six_values.append(six)
            twelve_values.append(twelve)
            selling += count > 0
    untrained_group = GroupOutcome(
        label="untrained",
        people=len(untrained_ids) if anchor is not None else 0,
        selling=selling,
        mean_sales_6_months=_mean(six_values),
        mean_sales_12_months=_mean(twelve_values),
    )
    return TrainingOutcomes(outcomes, trained_group, untrained_group, anchor)
