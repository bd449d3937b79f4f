"""Feeds out: each format written and read back; missing fields named by product and field;
the channel's own column template; the stock file and what changed since the last sync."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from countyhub.catalog.models import Product, Stock
from countyhub.channels.feeds import FeedNotReadyError, write_feed
from countyhub.channels.models import FeedFormat, FeedTemplate, Listing
from countyhub.channels.policies import own_products
from countyhub.channels.services import sync_stock


def everything(world):
    return Product.objects.filter(county=world.county)


def test_generic_feed_reads_back_with_google_columns(world, ready):
    data, name = write_feed(ready, everything(world), FeedFormat.GOOGLE)
    assert name == "taobao-feed.tsv"
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8")), delimiter="\t"))
    assert [row["id"] for row in rows] == ["A-1", "B-1"]
    first = rows[0]
    assert first["price"] == f"{world.product.price + 1:.2f} CNY"
    assert first["availability"] == "in_stock" and first["condition"] == "new"
    assert first["link"].endswith(f"/p/{world.product.pk}/")
    assert first["image_link"].endswith("products/a.jpg")


def test_taobao_csv_has_three_header_lines_in_gbk(world, ready):
    data, _name = write_feed(ready, everything(world), FeedFormat.TAOBAO)
    lines = list(csv.reader(io.StringIO(data.decode("gbk"))))
    assert lines[0] == ["version 1.00"]
    assert lines[1][:3] == ["title", "cid", "price"] and "outer_id" in lines[1]
    assert lines[2][:3] == ["宝贝名称", "宝贝类目", "宝贝价格"]
    body = [dict(zip(lines[1], row, strict=True)) for row in lines[3:]]
    assert body[0]["outer_id"] == "A-1"
    # 20 in stock, buffer 2: the channel may sell 18.
    assert body[0]["num"] == "18"
    assert body[0]["description"] == "高山云雾茶，清明前采摘。"


def test_xlsx_from_the_channels_own_template(world, ready):
    FeedTemplate.objects.create(
        channel=ready,
        format=FeedFormat.XLSX,
        columns=[
            {"header": "SKU编码", "field": "seller_sku", "required": True},
            {"header": "库存数量", "field": "quantity", "required": True},
        ],
    )
    data, _name = write_feed(ready, own_products(world.users["seller_staff"], ready), "xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["SKU编码", "库存数量"],
        ["A-1", "18"],
    ]


def test_every_product_missing_a_required_field_is_named(world, channel):
    world.other_product.seller_sku = ""
    world.other_product.save(update_fields=["seller_sku"])
    Listing.objects.filter(product=world.product).update(title="长" * 40)
    with pytest.raises(FeedNotReadyError) as caught:
        write_feed(channel, everything(world), FeedFormat.TAOBAO)
    named = {(p.product_id, p.field) for p in caught.value.problems}
    assert named == {
        (world.product.pk, "宝贝描述"),
        (world.product.pk, "新图片"),
        (world.product.pk, "title"),  # 40 Chinese characters: 80 bytes, Taobao takes 60
        (world.other_product.pk, "宝贝描述"),
        (world.other_product.pk, "新图片"),
        (world.other_product.pk, "商家编码"),
    }


def test_stock_sync_file_and_what_changed_since(world, channel):
    staff = world.users["seller_staff"]
    first = sync_stock(channel=channel, seller=world.seller, actor=staff)
    assert first.previous_at is None
    assert [(c.product_id, c.before, c.now) for c in first.changes] == [
        (world.product.pk, None, "18")
    ]
    rows = list(csv.reader(io.StringIO(first.file.decode("utf-8-sig"))))
    assert rows == [["商家编码", "数字ID", "可售数量"], ["A-1", "", "18"]]
    Stock.objects.filter(product=world.product).update(allocated=Decimal(5))
    second = sync_stock(channel=channel, seller=world.seller, actor=staff)
    assert second.previous_at == first.sync.synced_at
    assert [(c.before, c.now) for c in second.changes] == [("18", "13")]
    third = sync_stock(channel=channel, seller=world.seller, actor=staff)
    assert third.changes == []
