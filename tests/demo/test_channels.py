"""The demo's channels: Taobao (code taobao) with imported orders, 832, listings for most
products; the demo user `seller` imports orders for its own products."""

import io

from django.contrib.auth import get_user_model

from countyhub.catalog.models import Product, Stock
from countyhub.channels.models import Channel, ChannelOrder, Listing
from countyhub.channels.policies import own_products
from countyhub.channels.selectors import channel_stock
from countyhub.channels.services import import_order_file


def test_the_demo_has_taobao_with_imported_orders_and_listings(demo_county, db):
    taobao = Channel.objects.get(county=demo_county, code="taobao")
    assert Channel.objects.filter(county=demo_county, kind="gov832").exists()
    products = Product.objects.filter(county=demo_county).count()
    assert Listing.objects.filter(channel=taobao).count() >= products * 2 // 3
    imported = ChannelOrder.objects.filter(channel=taobao)
    assert imported.count() == 12
    assert {row.order.status for row in imported} == {"shipped"}
    assert not Stock.objects.filter(allocated__gt=0).exists()


def test_the_demo_seller_imports_for_its_own_products_only(demo_county, db):
    seller = get_user_model().objects.get(username="seller")
    taobao = Channel.objects.get(county=demo_county, code="taobao")
    own = own_products(seller, taobao).filter(listings__channel=taobao).first()
    other = Product.objects.filter(county=demo_county).exclude(seller__staff=seller).first()
    rows = f"订单编号,商家编码,购买数量\r\n9001,{own.seller_sku},1\r\n9002,{other.seller_sku},1\r\n"
    report = import_order_file(
        channel=taobao,
        actor=seller,
        upload=io.BytesIO(rows.encode("gbk")),
        filename="orders.csv",
        skip_bad_rows=True,
    )
    assert report.imported == 1 and [p.position for p in report.problems] == [3]
    stock = {
        item.product_id
        for item in channel_stock(channel=taobao, products=own_products(seller, taobao))
    }
    assert own.pk in stock and other.pk not in stock
