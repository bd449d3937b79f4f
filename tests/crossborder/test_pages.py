"""The sellers' cross-border pages: trade data form saying what is missing, export order page
with its downloads; one seller cannot read or change another's; zh and en."""

import subprocess

import pytest

from countyhub.crossborder import services
from countyhub.crossborder.models import ProductTradeData

from .setup import COOPERATIVE_USCC, export_fields, ready, shop_order

pytestmark = pytest.mark.django_db
FORM = {
    "hs_code": "0902.1090.00",
    "declared_name_zh": "高山绿茶",
    "declared_name_en": "Alpine green tea",
    "gmodel": "0|0|绿茶|250克/袋|无品牌",
    "customs_unit": "035",
    "net_weight": "0.25",
    "gross_weight": "0.3",
    "length_cm": "20",
    "width_cm": "10",
    "height_cm": "5",
    "producer_code": COOPERATIVE_USCC,
}


def url(world, product=None):
    product = product or world.product
    return f"/c/{world.county.slug}/exports/products/{product.pk}/trade-data/"


def test_seller_completes_trade_data_and_the_page_says_what_is_missing(world, client):
    from .setup import hs_table

    hs_table()
    client.force_login(world.users["seller_staff"])
    page = client.get(url(world)).content.decode()
    assert "Trade data is missing" in page
    response = client.post(url(world), {**FORM, "gross_weight": "0.2"})
    assert response.status_code == 400
    assert "The gross weight cannot be less than the net weight." in response.content.decode()
    response = client.post(url(world), {**FORM, "hs_code": "902109000"})
    assert "leading zero was probably lost" in response.content.decode()
    response = client.post(url(world), FORM)
    assert response.status_code == 302
    data = ProductTradeData.objects.get(product=world.product)
    assert data.hs_code == "0902109000" and data.producer.seller == world.seller
    page = client.get(url(world)).content.decode()
    assert "needs exit inspection" in page  # no compliance record yet


def test_another_seller_cannot_read_or_change_trade_data(world, client):
    client.force_login(world.users["other_seller_staff"])
    assert client.get(url(world)).status_code == 403
    assert client.post(url(world), FORM).status_code == 403
    assert not ProductTradeData.objects.exists()
    client.force_login(world.users["buyer"])
    assert client.get(url(world)).status_code == 403


def test_export_order_page_and_downloads(world, client, tmp_path):
    made = ready(world)
    export = services.create_export_order(
        actor=None, order=shop_order(world.seller, world.product), **export_fields(made)
    )
    base = f"/c/{world.county.slug}/exports/{export.pk}/"
    client.force_login(world.users["seller_staff"])
    page = client.get(base).content.decode()
    for name in (
        "invoice.pdf",
        "packing-list.pdf",
        "CEB303Message.xml",
        "CEB403Message.xml",
        "CEB505Message.xml",
        "CEB603Message.xml",
    ):
        assert f'href="{base}{name}"' in page
        response = client.get(base + name)
        assert response.status_code == 200, name
        assert response["Content-Disposition"].startswith("attachment")
    pdf = tmp_path / "i.pdf"
    pdf.write_bytes(client.get(base + "invoice.pdf").content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "COMMERCIAL INVOICE" in text
    assert client.get(base + "nothing.txt").status_code == 404
    listing = client.get(f"/c/{world.county.slug}/exports/").content.decode()
    assert export.order.number in listing
    # Another seller sees neither the order nor its files.
    client.force_login(world.users["other_seller_staff"])
    assert client.get(base).status_code == 404
    assert client.get(base + "CEB603Message.xml").status_code == 404
    assert (
        export.order.number not in client.get(f"/c/{world.county.slug}/exports/").content.decode()
    )
    # The report is the county's.
    assert client.get(f"/c/{world.county.slug}/exports/report.csv").status_code == 403
    client.force_login(world.users["county_admin"])
    report = client.get(f"/c/{world.county.slug}/exports/report.csv").content.decode("utf-8-sig")
    assert "currency,USD,,1,3.00000,42.12,300.04" in report.replace("\r", "")
    # Another county's administrator sees nothing of it.
    client.force_login(world.users["other_county_admin"])
    assert client.get(base).status_code == 404


def test_pages_in_chinese(world, client):
    client.force_login(world.users["seller_staff"])
    client.cookies["django_language"] = "zh-hans"
    page = client.get(url(world)).content.decode()
    assert "贸易数据" in page


def test_seller_records_a_customs_status_by_hand(world, client):
    made = ready(world)
    export = services.create_export_order(
        actor=None, order=shop_order(world.seller, world.product), **export_fields(made)
    )
    base = f"/c/{world.county.slug}/exports/{export.pk}/"
    data = {"code": "120", "at": "2026-12-07 10:00", "info": "入库"}
    client.force_login(world.users["other_seller_staff"])
    assert client.post(base, data).status_code == 404
    client.force_login(world.users["seller_staff"])
    assert client.post(base, {**data, "code": "7"}).status_code == 400
    assert client.post(base, data).status_code == 302
    export.refresh_from_db()
    assert export.status == 120
    assert "accepted into customs" in client.get(base).content.decode()
    # County staff see it but do not declare for the seller.
    client.force_login(world.users["analyst"])
    assert client.post(base, data).status_code == 404
