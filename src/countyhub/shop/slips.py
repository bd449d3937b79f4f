"""Packing slips (A4, one order a page) and shipping labels (100 x 150 mm thermal, one order a
label) for a batch of orders, as PDF.

The CJK font and the QR code come from `countyhub.gs1.labels`, as for product labels and
training certificates; the Code 128 barcode of the order number is reportlab's. The text is
bilingual (Chinese, then English) like the certificates: a slip goes to a packer and a courier,
whatever language the seller's screen is in.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

from countyhub.core.numbers import plain_number
from countyhub.gs1.labels import MM, label_font, qr_png
from countyhub.shop.models import Order

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas


@dataclass(frozen=True)
class SlipFormat:
    """A page size in millimetres and the margin kept blank around the slip."""

    name: str
    page_mm: tuple[float, float]
    margin_mm: float


A4_SLIP = SlipFormat("a4", (210.0, 297.0), 15.0)
THERMAL_LABEL = SlipFormat("label", (100.0, 150.0), 4.0)
FORMATS = {f.name: f for f in (A4_SLIP, THERMAL_LABEL)}


def pickup_code(order: Order) -> str:
    # Order.pickup_code arrives with the station hand-over work; until then there is none.
    return str(getattr(order, "pickup_code", "") or "")


def _delivery_lines(order: Order) -> list[str]:
    if order.station_id is not None:
        station = order.station
        place = f"{station.name} {station.address}".strip() if station else ""
        return [f"自提站 Pick-up station: {place}"]
    return [f"地址 Address: {order.address}"]


def _recipient_lines(order: Order) -> list[str]:
    lines = [f"收件人 Recipient: {order.recipient_name}  {order.phone}"]
    if order.is_assisted:
        lines.append(f"代购村民 For villager: {order.placed_for_name}  {order.placed_for_phone}")
    return lines


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break text into lines no wider than `width`, between any two characters (Chinese has no
    spaces to break at)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, current = [], ""
    for char in text:
        if current and stringWidth(current + char, font, size) > width:
            lines.append(current)
            current = char.lstrip()
        else:
            current += char
    return [*lines, current] if current else lines


def _barcode(canvas: Canvas, number: str, *, x: float, y: float, height: float) -> float:
    """Draw the order number as Code 128 at (x, y); return its width."""
    from reportlab.graphics.barcode.code128 import Code128

    barcode = Code128(number, barHeight=height, barWidth=0.33 * MM, humanReadable=False, quiet=0)
    barcode.drawOn(canvas, x, y)
    return float(barcode.width)


def _qr(canvas: Canvas, number: str, *, x: float, y: float, size: float) -> None:
    from reportlab.lib.utils import ImageReader

    canvas.drawImage(ImageReader(io.BytesIO(qr_png(number, scale=6))), x, y, size, size)


class _Writer:
    """Writes lines down a page, starting a new page (headed by the order number) when full."""

    def __init__(self, canvas: Canvas, fmt: SlipFormat, order: Order, top: float) -> None:
        self.canvas, self.fmt, self.order, self.y = canvas, fmt, order, top
        self.font = label_font()
        self.left = fmt.margin_mm * MM
        self.width = (fmt.page_mm[0] - 2 * fmt.margin_mm) * MM

    def line(self, text: str, size: float, *, gap: float = 1.4) -> None:
        for part in _wrap(text, self.font, size, self.width):
            if self.y - size < self.fmt.margin_mm * MM:
                self.canvas.showPage()
                self.y = (self.fmt.page_mm[1] - self.fmt.margin_mm) * MM - size
                self.canvas.setFont(self.font, size)
                self.canvas.drawString(self.left, self.y, f"{self.order.number} (续 cont.)")
                self.y -= size * gap
            self.canvas.setFont(self.font, size)
            self.canvas.drawString(self.left, self.y - size, part)
            self.y -= size * gap


def _product_lines(order: Order) -> list[str]:
    return [
        f"{line.product_name} × {plain_number(line.quantity)} {line.unit}"
        for line in order.lines.all()
    ]


def _draw_slip(canvas: Canvas, order: Order) -> None:
    fmt = A4_SLIP
    font = label_font()
    width, height = (side * MM for side in fmt.page_mm)
    left, top = fmt.margin_mm * MM, height - fmt.margin_mm * MM
    canvas.setFont(font, 18)
    canvas.drawString(left, top - 18, "装箱单 Packing slip")
    canvas.setFont(font, 14)
    canvas.drawString(left, top - 40, order.number)
    canvas.setFont(font, 10)
    placed = timezone.localtime(order.placed_at)
    canvas.drawString(left, top - 56, f"{order.seller.name} · {placed:%Y-%m-%d %H:%M}")
    qr_size = 30 * MM
    _qr(canvas, order.number, x=width - left - qr_size, y=top - qr_size, size=qr_size)
    _barcode(canvas, order.number, x=left, y=top - 62 - 14 * MM, height=12 * MM)
    writer = _Writer(canvas, fmt, order, top - 62 - 20 * MM)
    code = pickup_code(order)
    if code:
        writer.line(f"取件码 Pick-up code: {code}", 16)
    for text in [*_recipient_lines(order), *_delivery_lines(order)]:
        writer.line(text, 11)
    writer.y -= 4 * MM
    writer.line("商品 Products", 12)
    for text in _product_lines(order):
        writer.line(f"□ {text}", 11)
    canvas.showPage()


def _draw_label(canvas: Canvas, order: Order) -> None:
    fmt = THERMAL_LABEL
    font = label_font()
    width, height = (side * MM for side in fmt.page_mm)
    left, top = fmt.margin_mm * MM, height - fmt.margin_mm * MM
    canvas.setFont(font, 14)
    canvas.drawString(left, top - 14, order.number)
    qr_size = 24 * MM
    _qr(canvas, order.number, x=width - left - qr_size, y=top - qr_size, size=qr_size)
    _barcode(canvas, order.number, x=left, y=top - 20 - 14 * MM, height=14 * MM)
    writer = _Writer(canvas, fmt, order, top - qr_size - 2 * MM)
    code = pickup_code(order)
    if code:
        writer.line(f"取件码 Pick-up code: {code}", 16)
    for text in [*_recipient_lines(order), *_delivery_lines(order)]:
        writer.line(text, 10)
    writer.line(f"寄件 From: {order.seller.name}", 8)
    for text in _product_lines(order):
        writer.line(text, 8, gap=1.25)
    canvas.showPage()


def slips_pdf(orders: Sequence[Order], fmt: SlipFormat) -> bytes:
    """One A4 packing slip or one 100 x 150 mm label per order, in the order given.

    The orders need `seller`, `station__village` and `lines` loaded (see the view)."""
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(fmt.page_mm[0] * MM, fmt.page_mm[1] * MM))
    canvas.setTitle(", ".join(order.number for order in orders[:10]))
    draw = _draw_slip if fmt is A4_SLIP else _draw_label
    for order in orders:
        draw(canvas, order)
    canvas.save()
    return buffer.getvalue()
