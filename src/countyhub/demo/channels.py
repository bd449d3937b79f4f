"""The demo county's sales channels: its Taobao pavilion (code `taobao`) with most products
listed and a month of orders imported from an order export, the 832 procurement platform, and
the own storefront."""

from __future__ import annotations

import io
import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from countyhub.catalog.models import Product
from countyhub.channels.models import ChannelKind, ListingStatus, Platform
from countyhub.channels.procurement import qualification
from countyhub.channels.services import create_channel, import_order_file, save_listing
from countyhub.core.local_time import local_date
from countyhub.shop.models import Order
from countyhub.shop.services import ship_order

TAOBAO_HEADER = ["订单编号", "买家会员名", "商家编码", "购买数量", "收货人姓名", "收货地址"]
CARRIERS = ("中通快递", "韵达快递", "邮政EMS")


def build_channels(county: Any, admin: Any, rng: random.Random) -> int:
    """The channels, listings and imported orders; the number of orders imported."""
    products = list(Product.objects.filter(county=county).order_by("pk"))
    for product in products:
        # The seller's article numbers, as printed on its Taobao listings (商家编码).
        product.seller_sku = f"QS-{product.pk:04d}"
    Product.objects.bulk_update(products, ["seller_sku"])
    create_channel(
        actor=admin,
        county=county,
        code="storefront",
        name="县域自营商城",
        kind=ChannelKind.STOREFRONT,
        platform=Platform.OWN,
    )
    taobao = create_channel(
        actor=admin,
        county=county,
        code="taobao",
        name="淘宝特色馆",
        kind=ChannelKind.MARKETPLACE,
        platform=Platform.TAOBAO,
        default_buffer=Decimal(2),
    )
    fupin = create_channel(
        actor=admin,
        county=county,
        code="fupin832",
        name="832 平台",
        kind=ChannelKind.GOV832,
        platform=Platform.FUPIN832,
    )
    today = local_date(timezone.now(), county)
    qualified = {
        product.seller_id for product in products if qualification(product.seller, today).qualified
    }
    for index, product in enumerate(products):
        if index % 6 == 5:
            continue  # most products, not all: some wait for their pictures
        price = (product.price * Decimal("1.08")).quantize(Decimal("0.1"), ROUND_HALF_UP)
        save_listing(
            actor=admin,
            channel=taobao,
            product=product,
            price=price,
            external_id=f"6{product.pk:011d}",
            status=ListingStatus.LISTED if index % 7 else ListingStatus.PAUSED,
        )
        save_listing(
            actor=admin,
            channel=fupin,
            product=product,
            price=product.price,
            # Only a qualified supplier lists on 832; the others' listings wait as drafts.
            status=ListingStatus.LISTED if product.seller_id in qualified else ListingStatus.DRAFT,
        )
    return _import_taobao_orders(taobao, rng)


def _import_taobao_orders(channel: Any, rng: random.Random) -> int:
    """The seller's Taobao order export, imported by the demo user `seller`; the parcels left."""
    seller_user = get_user_model().objects.get(username="seller")
    own = list(
        Product.objects.filter(county=channel.county, seller__staff=seller_user, active=True)
        .filter(listings__channel=channel)
        .select_related("stock")
        .order_by("pk")
    )
    rows = []
    for number in range(12):
        product = rng.choice(own)
        rows.append(
            [
                f"37124567890{number:08d}",
                f"tb_buyer_{number}",
                product.seller_sku,
                "1",
                "淘宝买家",
                "浙江省 杭州市 西湖区 ****",
            ]
        )
    text = "\r\n".join(",".join(row) for row in [TAOBAO_HEADER, *rows]) + "\r\n"
    report = import_order_file(
        channel=channel,
        actor=seller_user,
        upload=io.BytesIO(text.encode("gbk")),
        filename="ExportOrderList.csv",
    )
    for index, order in enumerate(
        Order.objects.filter(channel_order__channel=channel).order_by("pk")
    ):
        ship_order(
            order=order,
            actor=seller_user,
            carrier=CARRIERS[index % len(CARRIERS)],
            tracking_number=f"YT{7_000_000_000 + index}",
        )
    return report.imported
