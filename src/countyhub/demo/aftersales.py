"""A few after-sales cases in the demo's history, each through the services under the clock of
its steps, all with the cooperative whose staff the demo "seller" account is:

* a city buyer's two-line bank-transfer order: one line partly sent back with a photo, the
  seller asks for the goods back, receives them (back on the shelf), staff transfer the refund;
* a station order with a spoiled box: refund only, the seller agrees, the station hands the cash
  back;
* a refusal the buyer takes to the county, which decides for a refund;
* a refusal the buyer lets lapse (closed by the deadlines job);
* one request of the last days still waiting for the seller's answer.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from countyhub.aftersales import services
from countyhub.aftersales.models import Reason, RequestKind
from countyhub.catalog.models import Product, Seller, Stock
from countyhub.catalog.services import update_product
from countyhub.demo.accounts import demo_user
from countyhub.demo.clock import pinned
from countyhub.shop import services as shop_services
from countyhub.shop.models import DeliveryMethod, Order, OrderStatus, PaymentMethod
from countyhub.shop.services import DeliveryRequest, LineRequest

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def _photo() -> SimpleUploadedFile:
    """A picture of a crushed box, drawn (the demo ships no binary files)."""
    image = Image.new("RGB", (480, 360), (236, 222, 196))
    draw = ImageDraw.Draw(image)
    draw.polygon([(60, 300), (180, 90), (420, 120), (380, 320)], fill=(196, 150, 96))
    draw.line([(150, 140), (330, 290)], fill=(90, 60, 30), width=9)
    draw.line([(300, 110), (200, 300)], fill=(90, 60, 30), width=7)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile("破损.jpg", buffer.getvalue(), content_type="image/jpeg")


def _returned_line(seller: Seller, seller_staff: Any, admin: Any, start: datetime.datetime) -> None:
    buyer = demo_user("city-buyer-1")
    products = list(Product.objects.filter(seller=seller, active=True).order_by("pk")[:2])
    quantities = [Decimal(3), Decimal(2)][: len(products)]
    # The seller puts on the stock the order takes, as every month of the history does.
    with pinned(start - HOUR):
        for product, quantity in zip(products, quantities, strict=True):
            stock = Stock.objects.get(product=product)
            update_product(
                product=product, actor=seller_staff, stock_quantity=stock.quantity + quantity
            )
    with pinned(start):
        order = shop_services.place_checkout(
            buyer=buyer,
            lines=[LineRequest(p.pk, q) for p, q in zip(products, quantities, strict=True)],
            delivery=DeliveryRequest(
                DeliveryMethod.HOME,
                None,
                "城市买家",
                "13900000001",
                "上海市徐汇区漕溪北路 88 号",
                "310104",  # GB/T 2260: 上海市徐汇区
            ),
            payment_method=PaymentMethod.BANK_TRANSFER,
        ).orders[0]
    steps = [
        (
            2 * HOUR,
            lambda: shop_services.mark_order_paid(order=order, actor=admin, reference="QS-AS1"),
        ),
        (20 * HOUR, lambda: shop_services.pack_order(order=order, actor=seller_staff)),
        (
            DAY,
            lambda: shop_services.ship_order(
                order=order, actor=seller_staff, carrier="中国邮政", tracking_number="QSAS000001"
            ),
        ),
        (4 * DAY, lambda: shop_services.confirm_delivery(order=order, actor=seller_staff)),
        (4 * DAY + HOUR, lambda: shop_services.complete_order(order=order, actor=buyer)),
    ]
    for after, step in steps:
        with pinned(start + after):
            step()
    line = order.lines.order_by("pk").first()
    with pinned(start + 4 * DAY + 3 * HOUR):
        request = services.request_aftersale(
            order=order,
            actor=buyer,
            kind=RequestKind.RETURN_AND_REFUND,
            goods_received=True,
            reason=Reason.DAMAGED,
            description="有一箱在运输中压坏了，照片如下，退这一箱。",
            quantities={line.pk: Decimal(1)},
            photos=[_photo()],
        )
    later = [
        (
            5 * DAY,
            lambda: services.ask_return(
                request=request, actor=seller_staff, address="青山县城关镇农产品仓储中心 3 号库"
            ),
        ),
        (
            5 * DAY + 4 * HOUR,
            lambda: services.ship_return(
                request=request, actor=buyer, carrier="中通快递", tracking_number="ZT7788120045"
            ),
        ),
        (8 * DAY, lambda: services.receive_return(request=request, actor=seller_staff)),
        (
            8 * DAY + 3 * HOUR,
            lambda: services.pay_refund(request=request, actor=admin, reference="退款 QSAS000001"),
        ),
    ]
    for after, step in later:
        with pinned(start + after):
            step()


def _completed(seller: Seller, *, method: str, before: datetime.datetime) -> list[Order]:
    """The seller's completed orders of more than one unit, newest first, placed before."""
    return list(
        Order.objects.filter(
            seller=seller,
            status=OrderStatus.COMPLETED,
            payment_method=method,
            placed_at__lt=before,
            lines__quantity__gte=2,
            aftersales__isnull=True,
        )
        .distinct()
        .order_by("-placed_at")
    )


def _after_completion(order: Order) -> datetime.datetime:
    last = order.events.order_by("-created_at").values_list("created_at", flat=True).first()
    return (last or order.placed_at) + HOUR


def build_aftersales(county: Any, admin: Any, seller_staff: Any) -> int:
    """The cases above; returns how many requests there are."""
    seller = Seller.objects.filter(county=county, staff=seller_staff).order_by("pk").first()
    now = timezone.now()
    _returned_line(seller, seller_staff, admin, now - 40 * DAY)
    station_orders = _completed(
        seller, method=PaymentMethod.CASH_ON_DELIVERY, before=now - 20 * DAY
    )
    city_orders = _completed(seller, method=PaymentMethod.BANK_TRANSFER, before=now - 20 * DAY)
    spoiled, lapsed = station_orders[0], station_orders[3]
    disputed = city_orders[1]

    def one(order: Order, **kwargs: Any) -> Any:
        line = order.lines.order_by("pk").first()
        return services.request_aftersale(
            order=order,
            actor=order.buyer,
            quantities={line.pk: Decimal(1)},
            **kwargs,
        )

    start = _after_completion(spoiled)
    with pinned(start):
        request = one(
            spoiled,
            kind=RequestKind.REFUND_ONLY,
            goods_received=True,
            reason=Reason.DAMAGED,
            description="一盒已经坏了。",
        )
    with pinned(start + 5 * HOUR):
        services.agree(request=request, actor=seller_staff)
    with pinned(start + DAY):
        services.pay_refund(request=request, actor=admin, reference="站点退现金，经手人：站长")

    start = _after_completion(disputed)
    with pinned(start):
        request = one(
            disputed,
            kind=RequestKind.REFUND_ONLY,
            goods_received=True,
            reason=Reason.NOT_AS_DESCRIBED,
            description="收到的规格比页面上小很多。",
        )
    with pinned(start + 10 * HOUR):
        services.refuse(request=request, actor=seller_staff, note="按页面规格发货，有称重记录")
    with pinned(start + DAY):
        services.escalate(request=request, actor=disputed.buyer)
    with pinned(start + 3 * DAY):
        services.decide(
            request=request, actor=admin, refund=True, note="称重记录与买家照片不符，裁定退一件"
        )
    with pinned(start + 3 * DAY + 2 * HOUR):
        services.pay_refund(request=request, actor=admin, reference="退款 县中心 2 号")

    start = _after_completion(lapsed)
    with pinned(start):
        request = one(
            lapsed, kind=RequestKind.REFUND_ONLY, goods_received=True, reason=Reason.CHANGED_MIND
        )
    with pinned(start + 20 * HOUR):
        services.refuse(request=request, actor=seller_staff, note="生鲜产品，不支持无理由退款")
    with pinned(start + 9 * DAY):
        services.run_deadlines()

    waiting = (
        Order.objects.filter(seller=seller, status=OrderStatus.COMPLETED, aftersales__isnull=True)
        .order_by("-placed_at")
        .first()
    )
    with pinned(now - 3 * HOUR):
        one(
            waiting,
            kind=RequestKind.REFUND_ONLY,
            goods_received=True,
            reason=Reason.MISSING,
            description="少发了一件。",
        )
    return 5
