"""The demo's village panel (issue 15): 白河县's villages with stations opened in staggered years
and ten years of simulated sales with a known station effect, which the village DiD run from the
evaluation page with its defaults recovers; 青山县's own history is left as it was."""

from collections import Counter
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from countyhub.catalog.models import Seller, Stock
from countyhub.core import jobs
from countyhub.core.models import AuditEntry, County, JobStatus, Village
from countyhub.demo import build_demo, data
from countyhub.impact.models import EvaluationRun
from countyhub.impact.panels import build_panel
from countyhub.shop.models import Order, OrderEvent, OrderLine, PaymentStatus
from countyhub.stations.models import Station

# What the evaluation page's form gives when only the panel is chosen (its initial values).
PAGE_DEFAULTS = {
    "level": "village",
    "rollout": "station",
    "outcome": "platform_sales",
    "control": "notyet",
    "method": "dr",
}
BANK_PATH = ["placed", "paid", "packed", "shipped", "delivered", "completed"]


def demo_admin():
    return get_user_model().objects.get(username="admin")


def _baihe():
    return County.objects.get(slug=data.ROLLOUT_COUNTY)


def test_the_village_panel_has_staggered_cohorts_over_ten_whole_years(demo_county, db):
    county = _baihe()
    assert county.province == demo_county.province
    this_year = timezone.localdate().year
    built = build_panel(county, level="village", rollout="station")
    assert built.years == (this_year - 10, this_year - 1)
    assert built.cohorts() == {
        0: 4,
        this_year - 8: 4,
        this_year - 6: 4,
        this_year - 4: 4,
        this_year - 2: 4,
    }
    # Every village sold in every year; the sellers joined in the first one.
    assert all(row["platform_sales"] > 0 for row in built.rows)
    assert build_panel(county, level="village", rollout="seller").cohorts() == {this_year - 10: 20}
    assert Station.objects.filter(county=county).count() == 16
    assert not Seller.objects.filter(county=county).exclude(story__contains="simulated").exists()
    loaded = AuditEntry.objects.get(action="demo.village_history_loaded", county=county)
    assert "simulated" in loaded.changes["simulated"]
    assert Decimal(loaded.changes["station_effect"]) == data.STATION_EFFECT


def test_the_history_orders_are_shaped_as_the_shop_makes_them(demo_county, db):
    county = _baihe()
    orders = list(Order.objects.filter(county=county).select_related("payment", "shipment"))
    assert len(orders) == 20 * 10 * 2
    paths = {}
    for order_id, status, at in (
        OrderEvent.objects.filter(order__county=county)
        .order_by("created_at", "pk")
        .values_list("order_id", "to_status", "created_at")
    ):
        paths.setdefault(order_id, []).append((status, at))
    lines = {line.order_id: line for line in OrderLine.objects.filter(order__county=county)}
    for order in orders:
        line = lines[order.pk]
        assert line.product.seller_id == order.seller_id
        assert order.total == line.line_total == line.quantity * line.unit_price
        assert order.payment.amount == order.total
        assert order.payment.status == PaymentStatus.RECEIVED
        assert [status for status, _at in paths[order.pk]] == BANK_PATH
        moments = dict(paths[order.pk])
        assert moments["placed"] == order.placed_at == order.created_at
        assert moments["paid"] == order.payment.received_at
        assert moments["shipped"] == order.shipment.shipped_at
        assert order.status == "completed"
        # Paid within its year in the county, so the panel counts it there.
        assert order.payment.received_at.astimezone(county.zone).year == order.placed_at.year
    # Stock put on (the products' creation) minus what shipped is what is left.
    for stock in Stock.objects.filter(product__county=county):
        created = AuditEntry.objects.get(action="product.created", object_id=str(stock.product_id))
        shipped = sum(
            OrderLine.objects.filter(product=stock.product).values_list("quantity", flat=True)
        )
        assert Decimal(created.changes["stock"]) - shipped == stock.quantity > 0


def test_the_village_did_from_the_evaluation_page_recovers_the_known_effect(
    demo_county, db, client
):
    county = _baihe()
    client.force_login(demo_admin())
    page = reverse("impact:evaluations", args=[county.slug])
    assert client.get(page).status_code == 200
    started = client.post(page, PAGE_DEFAULTS)
    assert started.status_code == 302, started.content.decode()[:2000]
    run = EvaluationRun.objects.filter(county=county).latest("pk")
    jobs.execute(run.job_id, heartbeat=False)
    run.refresh_from_db()
    run.job.refresh_from_db()
    assert run.job.status == JobStatus.SUCCEEDED, run.job.error
    effect = float(data.STATION_EFFECT)
    results = run.results
    for name, estimate in (
        ("simple", results["simple"]),
        ("overall by cohort", results["overall"]["group"]),
        ("overall by event time", results["overall"]["event_time"]),
    ):
        assert estimate["ci_low"] <= effect <= estimate["ci_high"], (name, estimate)
        assert estimate["ci_low"] > 0, (name, estimate)  # the interval excludes no effect
    assert results["cohort_sizes"] == {
        str(year): n for year, n in build_panel(county, level="village").cohorts().items()
    }


def test_the_demo_stores_the_village_did_with_its_event_study(demo_county, db, client):
    county = _baihe()
    stored = EvaluationRun.objects.get(county=county)
    assert (stored.level, stored.rollout, stored.outcome, stored.control) == (
        "village",
        "station",
        "platform_sales",
        "notyet",
    )
    assert stored.job.status == JobStatus.SUCCEEDED and stored.figure_svg.startswith("<svg")
    client.force_login(demo_admin())
    html = client.get(reverse("impact:evaluation", args=[county.slug, stored.pk])).content
    assert b'id="event-study"' in html and b"<svg" in html


def test_qingshan_keeps_its_own_places_and_orders(demo_county, db):
    assert Village.objects.filter(county=demo_county).count() == 12
    assert not Order.objects.filter(county=demo_county, seller__county=_baihe()).exists()
    # Its own evaluation is still the only one of its own (the annual report reads it).
    assert EvaluationRun.objects.filter(county=demo_county).count() == 1
    assert Counter(Village.objects.values_list("county__slug", flat=True)) == {
        "qingshan": 12,
        data.ROLLOUT_COUNTY: 20,
    }
    assert "already built" in build_demo()
    assert Village.objects.count() == 32
