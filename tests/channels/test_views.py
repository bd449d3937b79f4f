"""The channel pages: import (a background job) with the bad rows named, fix and import again;
feeds; stock file; a seller sees only its own orders; outsiders find nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from countyhub.channels.models import StockSync
from countyhub.core.models import Job, JobStatus
from countyhub.shop.models import Order
from tests.analyses.support import wait_for


@pytest.fixture(autouse=True)
def _english_pages(client, settings):
    # The pages answer in the language chosen; the messages are asserted in English.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def page(world):
    return f"/c/{world.county.slug}/channels/taobao/"


def order_file(*rows):
    text = "订单编号,商家编码,购买数量\r\n" + "".join(f"{a},{b},{c}\r\n" for a, b, c in rows)
    return SimpleUploadedFile("ExportOrderList.csv", text.encode("gbk"), "text/csv")


def imported(client, world, upload, **fields) -> Job:
    """The finished job of an order file posted on the channel's page (run in this process)."""
    response = client.post(page(world), {"file": upload, **fields})
    assert response.status_code == 302, response.content.decode()[:2000]
    return wait_for(Job.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[1])))


@pytest.mark.django_db(transaction=True)
def test_bad_rows_are_named_then_the_fixed_file_imports(world, channel, client):
    client.force_login(world.users["seller_staff"])
    bad = imported(client, world, order_file(("101", "A-1", "1"), ("102", "A-X", "1")))
    assert bad.status == JobStatus.FAILED
    html = client.get(reverse("job", args=[bad.pk])).content.decode()
    assert "Nothing was imported. Fix these rows and import the file again:<br>row 3, " in html
    assert "A-X" in html
    assert Order.objects.count() == 0
    fixed = imported(client, world, order_file(("101", "A-1", "1"), ("102", "A-1", "2")))
    html = client.get(reverse("job", args=[fixed.pk])).content.decode()
    assert "2 orders imported, 0 imported before." in html
    assert f'href="{page(world)}"' in html
    shown = client.get(page(world)).content.decode()
    assert "101" in shown and "102" in shown


@pytest.mark.django_db(transaction=True)
def test_a_file_uploaded_to_disk_imports_from_there(world, channel, settings, client):
    # Uploads above this size are temporary files; the job reads its own stored copy in place.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    client.force_login(world.users["seller_staff"])
    done = imported(client, world, order_file(("101", "A-1", "1"), ("102", "A-1", "2")))
    assert done.status == JobStatus.SUCCEEDED, done.error
    assert (done.result["imported"], done.result["existing"]) == (2, 0)


@pytest.mark.django_db(transaction=True)
def test_another_seller_sees_neither_the_orders_nor_the_stock(world, channel, client):
    client.force_login(world.users["seller_staff"])
    imported(client, world, order_file(("101", "A-1", "1")))
    client.force_login(world.users["other_seller_staff"])
    html = client.get(page(world)).content.decode()
    assert "101" not in html and world.product.name not in html
    assert world.other_product.name in html


@pytest.mark.parametrize("who", ["buyer", "other_county_admin", "station_operator"])
def test_outsiders_find_no_channel(world, channel, client, who):
    client.force_login(world.users[who])
    assert client.get(page(world)).status_code == 404
    assert client.get(f"/c/{world.county.slug}/channels/").status_code == 404
    assert client.post(page(world) + "stock/").status_code == 404


def test_a_feed_missing_fields_names_them_and_a_complete_one_downloads(world, channel, client):
    client.force_login(world.users["seller_staff"])
    missing = client.get(page(world) + "feed/taobao/")
    assert missing.status_code == 409
    assert "新图片" in missing.content.decode()
    world.product.description = "描述"
    world.product.save(update_fields=["description"])
    from countyhub.channels.models import FeedTemplate

    FeedTemplate.objects.create(
        channel=channel,
        format="xlsx",
        columns=[{"header": "商家编码", "field": "seller_sku", "required": True}],
    )
    ok = client.get(page(world) + "feed/xlsx/")
    assert ok.status_code == 200 and ok["Content-Disposition"].endswith('.xlsx"')
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(ok.content)).active
    assert list(sheet.iter_rows(values_only=True)) == [("商家编码",), ("A-1",)]


def test_the_stock_file_is_recorded_as_a_sync(world, channel, client):
    client.force_login(world.users["seller_staff"])
    response = client.post(page(world) + "stock/")
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").splitlines()[1] == "A-1,,18"
    assert StockSync.objects.get().seller == world.seller
    assert "Last stock sync" in client.get(page(world)).content.decode()


def test_the_county_admin_overview_lists_the_channels(world, channel, client):
    client.force_login(world.users["county_admin"])
    html = client.get(f"/c/{world.county.slug}/channels/").content.decode()
    assert "淘宝特色馆" in html


@pytest.mark.django_db(transaction=True)
def test_sales_by_channel_with_the_poor_households_share_and_the_outside_kpi(
    world, channel, client
):
    from countyhub.catalog.models import SellerHousehold
    from tests.factories.catalog import HouseholdFactory
    from tests.factories.programs import make_order

    poor = HouseholdFactory(county=world.county, registered_poor=True)
    SellerHousehold.objects.create(seller=world.seller, household=poor, link="employs")
    client.force_login(world.users["seller_staff"])
    # Taobao: 1 + 2 units at the listing's price; the storefront: one order of the factory's.
    imported(client, world, order_file(("101", "A-1", "1"), ("102", "A-1", "2")))
    storefront = make_order(world.seller, day=timezone.localdate(), status="completed")
    storefront.lines.create(
        product=world.product,
        product_name=world.product.name,
        unit=world.product.unit,
        quantity=1,
        unit_price=30,
        line_total=30,
    )
    taobao = 3 * (world.product.price + 1)
    client.force_login(world.users["county_admin"])
    html = client.get(f"/c/{world.county.slug}/channels/").content.decode()
    outside = round(100 * taobao / (taobao + 30))
    assert f"<strong>{outside}%</strong>" in html
    csv_text = client.get(f"/c/{world.county.slug}/channels/sales.csv").content.decode("utf-8-sig")
    rows = [line.split(",") for line in csv_text.splitlines()[1:]]
    assert {(row[0], row[2], row[4], row[5], row[7]) for row in rows} == {
        ("storefront", str(world.product.pk), "CNY", "30.00", "1.0000"),
        ("taobao", str(world.product.pk), "CNY", f"{taobao:.2f}", "1.0000"),
    }
    client.force_login(world.users["other_seller_staff"])
    mine = client.get(f"/c/{world.county.slug}/channels/sales.csv").content.decode("utf-8-sig")
    assert mine.splitlines()[1:] == []
