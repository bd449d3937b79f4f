"""A refund of one line reaches every figure that counts sales: the seller's dashboard, the
county's KPIs, the training outcomes and the incentive payouts (a reversal through the ledger)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from countyhub.aftersales import services
from countyhub.programs.incentives import approve_run, evaluate_period
from countyhub.programs.kpis import Kpi, county_kpis
from countyhub.programs.models import LedgerEntry, LineKind, RuleKind
from countyhub.shop.selectors import monthly_sales
from countyhub.training.outcomes import _SalesBook
from tests.aftersales.conftest import line_of, place_paid
from tests.factories.programs import BudgetLineFactory, RuleFactory


@pytest.fixture
def refunded_pears(world, pears):
    """¥137.50 paid, then 2 kg of pears (¥25.00) sent back and refunded."""
    order = place_paid(world, pears)
    request = services.request_aftersale(
        order=order,
        actor=world.users["buyer"],
        kind="return_and_refund",
        goods_received=True,
        reason="damaged",
        quantities={line_of(order, pears).pk: Decimal(2)},
    )
    return order, request


def refund(world, request):
    services.ask_return(request=request, actor=world.users["seller_staff"], address="仓库")
    services.ship_return(
        request=request, actor=world.users["buyer"], carrier="中通", tracking_number="ZT1"
    )
    services.receive_return(request=request, actor=world.users["seller_staff"])
    services.pay_refund(request=request, actor=world.users["county_admin"], reference="BK-9")


def test_seller_dashboard_and_monthly_sales_are_net_of_the_refund(world, refunded_pears, client):
    _order, request = refunded_pears
    this_month = [timezone.localdate().replace(day=1)]
    assert monthly_sales(seller_ids=[world.seller.pk], months=this_month)[0][1] == Decimal("137.50")
    refund(world, request)
    assert monthly_sales(seller_ids=[world.seller.pk], months=this_month)[0][1] == Decimal("112.50")
    client.force_login(world.users["seller_staff"])
    page = client.get(reverse("shop:seller_dashboard")).content.decode()
    assert "¥112.50" in page


def test_kpis_and_training_outcomes_are_net_of_the_refund(world, refunded_pears):
    _order, request = refunded_pears
    today = timezone.localdate()
    before = county_kpis(county=world.county, today=today).kpi(Kpi.ONLINE_SALES).value
    refund(world, request)
    after = county_kpis(county=world.county, today=today).kpi(Kpi.ONLINE_SALES).value
    assert before - after == Decimal("25.00")
    book = _SalesBook(world.county)
    total, count = book.sales({world.seller.pk}, today, today + datetime.timedelta(days=1))
    assert (total, count) == (Decimal("112.50"), 1)


def test_a_refund_after_payout_is_reversed_through_the_ledger(world, refunded_pears):
    _order, request = refunded_pears
    admin = world.users["county_admin"]
    budget = BudgetLineFactory(program__county=world.county, amount=Decimal("1000.00"))
    RuleFactory(
        budget_line=budget,
        kind=RuleKind.SALES_REWARD,
        amount=None,
        percent=Decimal("10"),
        threshold=Decimal("100.00"),
        cap=Decimal("100.00"),
        valid_from=timezone.localdate().replace(day=1),
    )
    period = timezone.localdate()
    paid = evaluate_period(county=world.county, period=period, actor=admin)
    assert paid.lines.get().amount == Decimal("3.75")  # (137.50 − 100) × 10 %
    approve_run(run=paid, actor=admin)
    refund(world, request)
    again = evaluate_period(county=world.county, period=period, actor=admin)
    reversal = again.lines.get()
    assert (reversal.kind, reversal.amount) == (LineKind.REVERSAL, Decimal("-2.50"))
    assert reversal.facts["sales"] == "112.50"
    approve_run(run=again, actor=admin)
    ledger = list(LedgerEntry.objects.order_by("pk").values_list("kind", "amount"))
    assert ledger == [(LineKind.PAYMENT, Decimal("3.75")), (LineKind.REVERSAL, Decimal("-2.50"))]


def test_the_recall_shows_what_was_refunded_of_a_line(world, pears, client):
    from countyhub.trace.selectors import recall_lines
    from tests.factories.trace import make_batch

    batch = make_batch(world.users["seller_staff"], pears, lot="PEAR-1", quantity="10")
    order = place_paid(world, pears)
    request = services.request_aftersale(
        order=order,
        actor=world.users["buyer"],
        kind="return_and_refund",
        goods_received=True,
        reason="damaged",
        quantities={line_of(order, pears).pk: Decimal(2)},
    )
    refund(world, request)
    [line] = recall_lines([batch])
    assert (line.order_number, line.quantity, line.refunded_quantity) == (order.number, 3, 2)
    client.force_login(world.users["seller_staff"])
    page = client.get("/trace/recall/", {"lot": "PEAR-1"}).content.decode()
    assert 'class="muted refunded"' in page
