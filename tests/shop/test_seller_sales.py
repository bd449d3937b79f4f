"""The seller's sales report by product and month: table, chart with values, CSV in the
county's time zone with formulas neutralised (issue 11)."""

import csv
import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from countyhub.catalog.models import Product
from countyhub.core import jobs
from countyhub.core.models import Job, JobStatus
from countyhub.shop.models import OrderLine, OrderStatus
from countyhub.shop.sales_report_jobs import SALES_REPORT_CSV
from tests.factories.programs import make_order

pytestmark = pytest.mark.django_db


COUNTY_ZONE = ZoneInfo("Asia/Shanghai")  # settings.TIME_ZONE, the county's clock


def county_time(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=COUNTY_ZONE)


def sold(world, *, at: datetime.datetime, name: str, total: str, seller=None, status="completed"):
    """A sale of one line; each product name is its own product."""
    product, _new = Product.objects.get_or_create(name=name, defaults=_copy_of(world.product, name))
    order = make_order(seller or world.seller, day=at.date(), total=total, status=status)
    order.placed_at = at
    order.save()
    OrderLine.objects.create(
        order=order,
        product=product,
        product_name=name,
        unit=world.product.unit,
        quantity=Decimal(1),
        unit_price=Decimal(total),
        line_total=Decimal(total),
    )
    return order


def _copy_of(product, name):
    return {
        field.name: getattr(product, field.name)
        for field in Product._meta.concrete_fields
        if field.name not in ("id", "name", "gtin", "created_at", "updated_at")
    }


def report_job(client, world, *, user: str = "seller_staff", **data) -> Job:
    """The sales CSV's job, started from the report's page on 6 December 2026 (county time)."""
    client.force_login(world.users[user])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with time_machine.travel(county_time(2026, 12, 6, 9), tick=False):
        response = client.post(reverse("shop:sales_report_csv"), data)
    job = Job.objects.filter(kind=SALES_REPORT_CSV).latest("pk")
    assert response.status_code == 302 and response["Location"] == reverse("job", args=[job.pk])
    return job


def run(job: Job) -> Job:
    jobs.execute(job.pk, heartbeat=False)
    job.refresh_from_db()
    return job


@pytest.fixture
def report_csv(client, world):
    """The rows of the CSV the report's job made, downloaded from the job's page."""

    def get(**data):
        job = run(report_job(client, world, **data))
        assert job.status == JobStatus.SUCCEEDED, job.error
        response = client.get(reverse("job_file", args=[job.pk]))
        assert response["Content-Type"].startswith("text/csv")
        content = b"".join(response.streaming_content)
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))

    return get


def test_months_follow_the_county_clock(world, report_csv):
    # 23:30 on 31 January in the county is 15:30 UTC: January's sale, not February's.
    sold(world, at=county_time(2026, 1, 31, 23, 30), name="茶叶", total="10.00")
    sold(world, at=county_time(2026, 2, 1, 0, 30), name="茶叶", total="5.00")
    sold(world, at=county_time(2026, 2, 10, 12), name="Rice", total="7.50")
    sold(world, at=county_time(2026, 2, 11, 12), name="茶叶", total="99", status="cancelled")
    rows = report_csv()
    header = rows[0]
    assert header[0] == "product" and header[1] == "2026-01" and header[-2] == "2026-12"
    assert len(header) == 14
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["茶叶"][1:3] == ["10.00", "5.00"] and by_name["茶叶"][-1] == "15.00"
    assert by_name["Rice"][2] == "7.50"
    assert rows[-1][0] == "total" and rows[-1][2] == "12.50" and rows[-1][-1] == "22.50"


@pytest.mark.parametrize("name", ["=HYPERLINK(1)", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"])
def test_a_product_name_cannot_become_a_formula(world, report_csv, name):
    sold(world, at=county_time(2026, 5, 1, 12), name=name, total="1.00")
    assert report_csv()[1][0] == "'" + name


def test_the_page_shows_the_table_and_the_values_on_the_chart(client, world):
    sold(world, at=county_time(2026, 11, 3, 12), name="高山苹果", total="1234.40")
    sold(
        world,
        at=county_time(2026, 11, 3, 12),
        name="别家",
        total="5",
        seller=world.other_seller,
    )
    client.force_login(world.users["seller_staff"])
    moment = county_time(2026, 12, 6, 9)
    with time_machine.travel(moment, tick=False):
        html = client.get("/seller/sales/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "高山苹果" in html and "别家" not in html  # another seller's sales are not shown
    assert '<text class="value"' in html and ">1,234</text>" in html
    assert html.count('<g class="bar">') == 12
    assert "¥1,234.40" in html


def test_only_seller_staff_have_a_sales_report(client, world):
    client.force_login(world.users["buyer"])
    assert client.get("/seller/sales/").status_code == 403
    assert OrderStatus.CANCELLED  # the report leaves cancelled orders out (above)


def test_a_calendar_year_or_the_last_12_months(world, report_csv):
    sold(world, at=county_time(2025, 3, 1, 12), name="茶叶", total="4.00")
    sold(world, at=county_time(2026, 12, 1, 12), name="茶叶", total="6.00")
    year = report_csv(year="2025")
    assert year[0][1] == "2025-01" and year[0][12] == "2025-12"
    assert year[-1][-1] == "4.00"
    assert report_csv()[-1][-1] == "6.00"  # 2026-01 .. 2026-12
    assert report_csv(year="1900")[0][1] == "2026-01"  # a year out of range: the default
    assert report_csv(year="abc")[0][1] == "2026-01"
