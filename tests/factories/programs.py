import datetime
from decimal import Decimal
from itertools import count

import factory
from django.utils import timezone

from countyhub.programs.models import BudgetLine, IncentiveRule, Program, RuleKind, SpendingKind
from countyhub.shop.models import (
    Checkout,
    DeliveryMethod,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from tests.factories.core import CountyFactory, UserFactory


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    county = factory.SubFactory(CountyFactory)
    name = "电子商务进农村综合示范"
    level = "national"
    designation_year = 2016


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"预算{n}")
    kind = SpendingKind.CURRENT
    amount = Decimal("100000.00")


class RuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncentiveRule

    county = factory.SelfAttribute("budget_line.program.county")
    budget_line = factory.SubFactory(BudgetLineFactory)
    name = factory.Sequence(lambda n: f"规则{n}")
    kind = RuleKind.LOGISTICS_SUBSIDY
    valid_from = datetime.date(2025, 1, 1)
    amount = Decimal("2.50")


_numbers = count(1)


def local_datetime(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def make_order(
    seller,
    *,
    day: datetime.date,
    total: str | Decimal = "100.00",
    status: str = OrderStatus.COMPLETED,
    address: str = "北京市朝阳区建国路 1 号",
    buyer=None,
    station=None,
) -> Order:
    """An order as a fact (history), written directly like the demo's order history."""
    buyer = buyer or UserFactory()
    number = next(_numbers)
    checkout = Checkout.objects.create(
        county=seller.county, buyer=buyer, idempotency_key=f"t-{number}", request_fingerprint="t"
    )
    order = Order.objects.create(
        county=seller.county,
        number=f"T{number:06d}",
        checkout=checkout,
        buyer=buyer,
        seller=seller,
        status=status,
        delivery_method=DeliveryMethod.STATION if station else DeliveryMethod.HOME,
        station=station,
        recipient_name="收件人",
        phone="13800000000",
        address="" if station else address,
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
        total=Decimal(total),
        placed_at=local_datetime(day),
    )
    Payment.objects.create(
        order=order,
        method=order.payment_method,
        amount=order.total,
        status=PaymentStatus.RECEIVED,
    )
    return order
