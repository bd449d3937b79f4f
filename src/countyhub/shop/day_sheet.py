"""A closed station day as an A4 PDF, to print or send to the county's service center.

The CJK font comes from `countyhub.gs1.labels`, as on product labels and training certificates.
Both languages on one sheet: it goes from a village operator to county staff.
"""

from __future__ import annotations

import io
from collections import defaultdict
from decimal import Decimal

from countyhub.core.money import format_money
from countyhub.gs1.labels import label_font
from countyhub.shop.models import StationDay, StationDayLineKind

MM = 72 / 25.4


def day_sheet_pdf(closed: StationDay) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    font = label_font()
    height = A4[1]
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(f"{closed.station.name} {closed.day:%Y-%m-%d}")
    y = height - 20 * MM

    def line(text: str, *, size: float = 10, x: float = 18 * MM, gap: float = 6 * MM) -> None:
        nonlocal y
        if y < 20 * MM:
            canvas.showPage()
            y = height - 20 * MM
        canvas.setFont(font, size)
        canvas.drawString(x, y, text)
        y -= gap

    def row(first: str, *cells: str) -> None:
        nonlocal y
        line(first, size=9, gap=0)  # turns the page first if need be
        for cell, x in zip(cells, (70, 120, 150), strict=True):
            canvas.drawString(x * MM, y, cell)
        y -= 5 * MM

    line("服务站日结单 Station day sheet", size=16, gap=9 * MM)
    line(f"{closed.station.name} · {closed.station.address} · {closed.day:%Y-%m-%d}")
    line(f"结账 Closed {closed.closed_at:%Y-%m-%d %H:%M} · {closed.closed_by}")
    if closed.corrects_id:
        line(f"更正 Correction: {closed.correction_reason}")
    line("")
    line(f"收到包裹 Parcels received: {closed.received}")
    line(f"交付包裹 Parcels handed over: {closed.handed_over}")
    line(f"退回包裹 Parcels returned: {closed.returned}")
    line(f"应收现金 Cash due: {format_money(closed.cash_due)}")
    line(f"实收现金 Cash collected: {format_money(closed.cash_collected)}")
    line(f"钱箱现金 Cash in the till: {format_money(closed.cash_counted)}")
    if closed.difference:
        line(f"差额 Difference: {format_money(closed.difference)} · {closed.difference_reason}")
    lines = list(closed.lines.select_related("order"))
    line("")
    line("交付明细 Handed over", size=12, gap=7 * MM)
    row("订单 Order", "卖家 Seller", "应收 Due", "实收 Collected")
    by_seller: dict[str, Decimal] = defaultdict(Decimal)
    for item in lines:
        if item.kind != StationDayLineKind.HANDED_OVER:
            continue
        by_seller[item.seller_name] += item.cash_collected
        row(
            item.order.number,
            item.seller_name[:14],
            format_money(item.cash_due),
            format_money(item.cash_collected),
        )
        if item.note:
            line(item.note, size=8, x=24 * MM, gap=5 * MM)
    line("")
    line(f"上交 To hand over to {closed.station.county.service_center}", size=12, gap=7 * MM)
    for seller, amount in sorted(by_seller.items()):
        row(seller, "", "", format_money(amount))
    row("合计 Total", "", "", format_money(closed.cash_collected))
    for kind, title in (
        (StationDayLineKind.RECEIVED, "收到 Received"),
        (StationDayLineKind.RETURNED, "退回 Returned"),
    ):
        line("")
        line(title, size=12, gap=7 * MM)
        for item in lines:
            if item.kind == kind:
                line(f"{item.order.number} · {item.seller_name} {item.note}".strip(), size=9)
    line("")
    line("操作员签字 Operator: ______________    接收人签字 Received by: ______________")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
