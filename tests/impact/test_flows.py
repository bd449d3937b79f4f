"""The flows table built from a small platform: each order line's bucket, refunds, fees, payouts,
and the fallback for records from before the facts were asked."""

import datetime as dt
import io
import itertools
from decimal import Decimal

import pytest

from countyhub.analysis.accounts import CountyAccounts, classify, flows_from_rows
from countyhub.impact.flows import FlowsReport, build_flows, write_flows
from countyhub.shop.models import (
    BuyerProfile,
    Checkout,
    DeliveryMethod,
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
)
from tests.factories.catalog import ProductFactory
from tests.factories.core import UserFactory

HOME = "520123"
D = Decimal
_numbers = itertools.count(1)


def moment(day, zone):
    return dt.datetime.combine(day, dt.time(10), tzinfo=zone)


def order(world, product, amount, *, kind="", use="", code="", station=False, buyer_kind=None,
          shipping="0.00", day=dt.date(2025, 3, 1), paid=True):  # fmt: skip
    buyer = UserFactory()
    if buyer_kind is not None:
        BuyerProfile.objects.create(user=buyer, buyer_kind=buyer_kind)
    n = next(_numbers)
    checkout = Checkout.objects.create(
        county=world.county, buyer=buyer, idempotency_key=f"f-{n}", request_fingerprint="f"
    )
    placed = Order.objects.create(
        county=world.county,
        number=f"F{n:04d}",
        checkout=checkout,
        buyer=buyer,
        seller=product.seller,
        delivery_method=DeliveryMethod.STATION if station else DeliveryMethod.HOME,
        station=world.station if station else None,
        recipient_name="收件人",
        phone="13800000000",
        address="" if station else "某地",
        region_code="" if station else code,
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
        total=D(amount) + D(shipping),
        shipping_fee=D(shipping),
        buyer_kind=kind,
        purchase_use=use,
        placed_at=moment(day, world.county.zone),
    )
    OrderLine.objects.create(
        order=placed,
        product=product,
        product_name=product.name,
        unit=product.unit,
        quantity=1,
        unit_price=D(amount),
        line_total=D(amount),
    )
    Payment.objects.create(
        order=placed,
        method=placed.payment_method,
        amount=placed.total,
        status=PaymentStatus.RECEIVED if paid else PaymentStatus.PENDING,
        received_at=moment(day, world.county.zone) if paid else None,
    )
    return placed


def flows(world, year=2025):
    report = FlowsReport()
    rows = list(build_flows(world.county, year, report=report, home_code=HOME))
    return rows, report


def buckets(rows):
    return {
        row["id"]: (entry.demand, entry.imports, entry.imported)
        for row, entry in zip(rows, (classify(f) for f in flows_from_rows(rows)), strict=True)
    }


@pytest.fixture
def products(world):
    local = world.product
    local.produced_in_county = True
    local.save()
    resold = ProductFactory(county=world.county, seller=world.seller, produced_in_county=False)
    unknown = world.other_product  # produced_in_county not asked yet
    return local, resold, unknown


def test_each_order_line_lands_in_its_bucket(world, products):
    local, resold, unknown = products
    cases = {
        # station pick-up by a household: C, local goods, no import
        order(world, local, "100", kind="household", station=True): ("C", "none", D(0)),
        # household elsewhere in China (another province's code): X_domestic
        order(world, local, "200", kind="household", code="110105"): ("X_domestic", "none", D(0)),
        # resold goods to a home household: C, imported at full price
        order(world, resold, "50", kind="household", code=HOME): ("C", "M", D(50)),
        # home government unit buying equipment: I
        order(world, local, "300", kind="government", use="capital", code=HOME): ("I", "none", D(0)),
        # home government, current use: G
        order(world, local, "40", kind="government", use="final", station=True): ("G", "none", D(0)),
        # another county's government unit: X_domestic, never G
        order(world, local, "70", kind="government", use="final", code="520201"):
            ("X_domestic", "none", D(0)),
        # home cooperative buying resold packaging, input: unlinked memo
        order(world, resold, "30", kind="cooperative", use="intermediate", station=True):
            ("intermediate", "unlinked", D(30)),
        # older order: no kind, no code, product not asked -> household, domestic, local
        order(world, unknown, "20"): ("X_domestic", "none", D(0)),
    }  # fmt: skip
    rows, report = flows(world)
    got = buckets(rows)
    for placed, expected in cases.items():
        line = placed.lines.get()
        assert got[f"{placed.number}-{line.pk}"] == expected, placed.number
    assert report.rows["sale"] == len(cases)
    assert report.fallbacks == {"buyer_kind": 1, "buyer_region": 1, "goods_origin": 1}


def test_buyer_profile_kind_is_the_fallback_for_orders_without_one(world, products):
    local, _, _ = products
    placed = order(world, local, "80", buyer_kind="enterprise", use="capital", station=True)
    rows, report = flows(world)
    assert buckets(rows)[f"{placed.number}-{placed.lines.get().pk}"] == ("I", "none", D(0))
    assert "buyer_kind" not in report.fallbacks


def test_shipping_fee_refund_and_payout(world, products):
    local, _, _ = products
    placed = order(world, local, "100", kind="household", code="110105", shipping="8.00")
    Refund.objects.create(
        order=placed,
        amount=D("30.00"),
        method=placed.payment_method,
        refunded_at=moment(dt.date(2026, 1, 5), world.county.zone),
    )
    rows, _ = flows(world)
    by_id = {row["id"]: row for row in rows}
    assert by_id[f"{placed.number}-shipping"]["flow"] == "fee"
    assert by_id[f"{placed.number}-shipping"]["amount"] == "8.00"
    assert not any("refund" in key for key in by_id)  # refunded the next year
    next_year, _ = flows(world, 2026)
    assert [(r["flow"], r["amount"], r["date"]) for r in next_year] == [
        ("sale", "-30.00", "2026-01-05")
    ]
    result = CountyAccounts(flows_from_rows(rows + next_year)).fit()
    assert result["X_domestic"] == D("78.00")  # 100 + 8 shipping - 30 refund


def test_orders_outside_the_year_and_unpaid_are_left_out(world, products):
    local, _, _ = products
    order(world, local, "100", kind="household", station=True, day=dt.date(2024, 12, 31))
    order(world, local, "100", kind="household", station=True, paid=False)
    rows, _ = flows(world)
    assert rows == []


def test_written_csv_is_read_back_by_the_engine(world, products, tmp_path):
    local, resold, _ = products
    order(world, local, "100", kind="household", station=True)
    order(world, resold, "60", kind="household", code="110105")
    buffer = io.StringIO()
    count = write_flows(
        build_flows(world.county, 2025, report=FlowsReport(), home_code=HOME), buffer
    )
    assert count == 2
    path = tmp_path / "flows.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    from countyhub.analysis.accounts import read_flows

    result = CountyAccounts(read_flows(path)).fit()
    assert (result["C"], result["X_domestic"], result["M"], result["Y"]) == (
        D(100), D(60), D(60), D(100))  # fmt: skip
    assert buffer.getvalue().startswith("id,date,flow,amount,")


def test_command_writes_the_flows_and_counts_the_fallbacks(world, products, tmp_path):
    from typer.testing import CliRunner

    from countyhub.cli import app

    local, _, _ = products
    order(world, local, "100", station=True)
    out = tmp_path / "flows.csv"
    args = ["accounts", "flows", "--county", world.county.slug, "--year", "2025"]
    result = CliRunner().invoke(app, [*args, "--home-code", HOME, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "rows written: 1 sale" in result.output
    assert "fallback, 1 rows: buyer account without a kind" in result.output
    assert out.read_text().count("\n") == 2
    missing = CliRunner().invoke(
        app, ["accounts", "flows", "--county", "nowhere", "--year", "2025"]
    )
    assert missing.exit_code == 2 and "error: no county" in missing.output


def test_checkout_keeps_the_buyer_kind_on_the_order(world):
    from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout

    buyer = world.users["buyer"]
    BuyerProfile.objects.create(user=buyer, buyer_kind="cooperative")
    delivery = DeliveryRequest(DeliveryMethod.STATION, world.station.pk, "王芳", "13800000000")
    result = place_checkout(
        buyer=buyer, lines=[LineRequest(world.product.pk, "1")], delivery=delivery
    )
    assert result.orders[0].buyer_kind == "cooperative"


@pytest.fixture
def mixed(world, products):
    """Every kind of flow the platform writes: each bucket, a resold good, the fallbacks, a fee,
    refunds of local and resold goods (one of an order paid the year before), and a payout."""
    from tests.impact.test_income import payout

    local, resold, unknown = products
    order(world, local, "100", kind="household", station=True)
    order(world, local, "200.10", kind="household", code="110105", shipping="8.00")
    order(world, resold, "50", kind="household", code=HOME)
    order(world, local, "300", kind="government", use="capital", code=HOME)
    order(world, local, "40", kind="government", use="final", station=True)
    order(world, local, "70", kind="government", use="final", code="520201")
    order(world, resold, "30", kind="cooperative", use="intermediate", station=True)
    order(world, resold, "35", kind="enterprise", station=True)
    order(world, local, "80", buyer_kind="enterprise", use="capital", station=True)
    order(world, unknown, "20")
    refunded = [
        order(world, resold, "60", kind="enterprise", use="final", code=HOME, shipping="5.00"),
        order(world, local, "90", kind="household", station=True, day=dt.date(2024, 12, 20)),
    ]
    for placed, amount in zip(refunded, ("25.50", "90.00"), strict=True):
        Refund.objects.create(
            order=placed,
            amount=D(amount),
            method=placed.payment_method,
            refunded_at=moment(dt.date(2025, 4, 2), world.county.zone),
        )
    payout(world.county, world.seller, "p-1", "1200.00", day=dt.date(2025, 6, 30))
    return world


def test_typed_flows_are_what_the_engine_reads_back_from_their_rows(mixed):
    from countyhub.analysis.accounts import parse_row
    from countyhub.impact.flows import flow_row, typed_flows

    typed = list(typed_flows(mixed.county, 2025, report=FlowsReport(), home_code=HOME))
    assert {f.flow for f in typed} == {"sale", "fee", "transfer"}
    assert sum(f.amount < 0 for f in typed) == 2
    for flow in typed:
        assert parse_row(flow_row(flow)) == flow, flow.id


def test_accounts_json_in_the_same_pass_is_the_analyze_accounts_document(mixed, tmp_path):
    from typer.testing import CliRunner

    from countyhub.cli import app

    args = ["accounts", "flows", "--county", mixed.county.slug, "--year", "2025"]
    args += ["--home-code", HOME]
    before, after = tmp_path / "before.csv", tmp_path / "after.csv"
    runner = CliRunner()
    assert runner.invoke(app, [*args, "--out", str(before)]).exit_code == 0
    analysed = runner.invoke(
        app, ["analyze", "accounts", str(before), "--json", str(tmp_path / "before.json")]
    )
    assert analysed.exit_code == 0, analysed.output
    both = runner.invoke(
        app, [*args, "--out", str(after), "--accounts-json", str(tmp_path / "after.json")]
    )
    assert both.exit_code == 0, both.output
    assert "rows written: 2 fee, 2 refund, 11 sale, 1 transfer" in both.output
    assert after.read_bytes() == before.read_bytes()
    document = (tmp_path / "after.json").read_text()
    assert document == (tmp_path / "before.json").read_text()
    assert '"refunds": 2' in document
    needs_out = runner.invoke(app, [*args, "--accounts-json", str(tmp_path / "x.json")])
    assert needs_out.exit_code == 2 and "needs --out" in needs_out.output


def test_written_rows_are_the_csv_writers_even_for_ids_that_need_quoting():
    from countyhub.analysis.accounts import Flow
    from countyhub.impact.flows import flow_row, written

    day = dt.date(2025, 3, 1)
    flows_ = [
        Flow("A1-7", day, "sale", D("100.00"), "household", "home", "home", "outside", D("100.00")),
        Flow('odd,"id"', day, "sale", D("-2.50"), "enterprise", "home", "home", "local",
             D(0), "capital"),
        Flow("line\nbreak", dt.date(2025, 12, 31), "fee", D("8"), "household", "domestic", "home"),
        Flow("payout-3", day, "transfer", D("-1200.00")),
    ] * 3000  # fmt: skip
    fast, reference = io.StringIO(), io.StringIO()
    assert list(written(iter(flows_), fast)) == flows_
    assert write_flows(iter(flow_row(f) for f in flows_), reference) == len(flows_)
    assert fast.getvalue() == reference.getvalue()
