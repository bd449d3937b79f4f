"""The commercial invoice and the packing list of an export order, as data and as A4 PDF with
both languages on the page (the CJK font embedded, found as for labels and certificates:
countyhub.gs1.labels.label_font). Their totals are those of the declaration: the invoice's goods
total is the order's goods value (CEB303), the packing list's net weight the list's (CEB603)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from countyhub.crossborder.models import (
    INCOTERMS_WITH_FREIGHT,
    INCOTERMS_WITH_INSURANCE,
    DocumentKind,
    ExportDocument,
    ExportOrder,
)
from countyhub.customs import codelists
from countyhub.customs.currencies import plain, round_amount
from countyhub.gs1.labels import label_font

MM = 72 / 25.4
A4_WIDTH = 210 * MM


def _number(export: ExportOrder, kind: str) -> tuple[str, str]:
    document = ExportDocument.objects.filter(export_order=export, kind=kind).first()
    if document is None:
        return "", ""
    return document.number, document.issued_on.isoformat()


def _unit_name(code: str) -> str:
    entry = codelists.units().get(code)
    return f"{entry.name_en} {entry.name_zh}" if entry else code


def _country(iso: str) -> str:
    for entry in codelists.countries().values():
        if entry.iso == iso:
            return f"{entry.name_en} {entry.name_zh}"
    return iso


def invoice_data(export: ExportOrder) -> dict[str, Any]:
    """The commercial invoice as data (what the PDF shows, and the CSV/JSON download)."""
    number, issued_on = _number(export, DocumentKind.INVOICE)
    seller = export.order.seller
    lines = [
        {
            "line": line.gnum,
            "sku": line.item_no,
            "description_en": line.name_en,
            "description_zh": line.name_zh,
            "hs_code": line.hs_code,
            "origin": line.origin_country,
            "quantity": plain(line.quantity),
            "unit": _unit_name(line.unit),
            # In the currency's own minor units: 4.310 KWD, 2100 JPY.
            "unit_price": round_amount(line.unit_price, export.currency),
            "amount": round_amount(line.line_total, export.currency),
        }
        for line in export.lines.all()
    ]
    subtotal = sum((line.line_total for line in export.lines.all()), Decimal(0))
    freight = export.freight if export.incoterm in INCOTERMS_WITH_FREIGHT else Decimal(0)
    insurance = export.insured_fee if export.incoterm in INCOTERMS_WITH_INSURANCE else Decimal(0)
    return {
        "number": number,
        "date": issued_on,
        "order": export.external_order_no,
        "exporter": {
            "name": export.producer.name_en or seller.name_en or seller.name,
            "name_zh": seller.name,
            "address": export.producer.address,
            "code": export.producer.code,
        },
        "consignee": {
            "name": export.consignee_name,
            "address": export.consignee_address,
            "country": _country(export.destination),
        },
        "incoterm": f"{export.incoterm} {export.incoterm_place}",
        "currency": export.currency,
        "mode": export.mode,
        "port_of_loading": export.port_code,
        "port_of_destination": export.pod,
        "marks": export.marks or export.order.number,
        "lines": lines,
        "subtotal": round_amount(subtotal, export.currency),
        "freight": round_amount(freight, export.currency),
        "insurance": round_amount(insurance, export.currency),
        "total": round_amount(subtotal + freight + insurance, export.currency),
    }


def packing_data(export: ExportOrder) -> dict[str, Any]:
    number, issued_on = _number(export, DocumentKind.PACKING_LIST)
    invoice_number, _invoice_date = _number(export, DocumentKind.INVOICE)
    lines = [
        {
            "line": line.gnum,
            "sku": line.item_no,
            "description_en": line.name_en,
            "description_zh": line.name_zh,
            "quantity": plain(line.quantity),
            "unit": _unit_name(line.unit),
            "net_weight_kg": plain(line.net_weight),
            "gross_weight_kg": plain(line.gross_weight),
            "volume_m3": plain(line.volume_m3),
        }
        for line in export.lines.all()
    ]
    package = codelists.package_types().get(export.wrap_type)
    return {
        "number": number,
        "date": issued_on,
        "invoice": invoice_number,
        "order": export.external_order_no,
        "shipper": export.producer.name_en or export.producer.name,
        "consignee": f"{export.consignee_name}, {export.consignee_address}",
        "packages": export.pack_no,
        "package_type": f"{package.name_en} {package.name_zh}" if package else export.wrap_type,
        "marks": export.marks or export.order.number,
        "lines": lines,
        "net_weight_kg": plain(export.net_weight),
        "gross_weight_kg": plain(export.gross_weight),
        "volume_m3": plain(sum((line.volume_m3 for line in export.lines.all()), Decimal(0))),
    }


def totals_problems(export: ExportOrder) -> list[str]:
    """Where the documents and the declaration disagree (none when they were made together)."""
    problems = []
    lines = list(export.lines.all())
    net = sum((line.net_weight for line in lines), Decimal(0))
    if net != export.net_weight:
        problems.append(f"lines' net weight {net} kg ≠ the list's {export.net_weight} kg")
    if export.gross_weight < export.net_weight:
        problems.append("gross weight below net weight")
    invoice = invoice_data(export)
    if invoice["subtotal"] != round_amount(export.goods_total, export.currency):
        problems.append("invoice subtotal ≠ the order's goods value")
    if invoice["total"] != round_amount(export.invoice_total, export.currency):
        problems.append("invoice total ≠ goods plus the incoterm's freight and insurance")
    return problems


@dataclass
class _Page:
    canvas: Any
    font: str
    y: float
    width: float
    height: float

    def text(self, x: float, text: str, size: float = 9, right: bool = False) -> None:
        self.canvas.setFont(self.font, size)
        if right:
            self.canvas.drawRightString(x, self.y, text)
        else:
            self.canvas.drawString(x, self.y, text)

    def down(self, millimetres: float) -> None:
        self.y -= millimetres * MM
        if self.y < 20 * MM:
            self.canvas.showPage()
            self.y = self.height - 20 * MM


def _pdf(title: str, draw: Any) -> bytes:
    from reportlab.lib.pagesizes import A4  # lazy: reportlab is slow to import
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    width, height = A4
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(title)
    page = _Page(canvas, label_font(), height - 20 * MM, width, height)
    draw(page)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def invoice_pdf(export: ExportOrder) -> bytes:
    data = invoice_data(export)
    left, right = 15 * MM, A4_WIDTH - 15 * MM

    def draw(page: _Page) -> None:
        page.text(left, "商业发票  COMMERCIAL INVOICE", 16)
        page.down(9)
        for label, value in (
            ("发票号 Invoice No.", data["number"]),
            ("日期 Date", data["date"]),
            ("订单号 Order No.", data["order"]),
            ("出口商 Exporter", f"{data['exporter']['name']} {data['exporter']['name_zh']}"),
            ("地址 Address", data["exporter"]["address"]),
            ("海关编码/信用代码 Code", data["exporter"]["code"]),
            ("收货人 Consignee", data["consignee"]["name"]),
            ("收货地址 Address", f"{data['consignee']['address']}, {data['consignee']['country']}"),
            ("贸易术语 Incoterm", data["incoterm"]),
            ("监管方式 Customs mode", data["mode"]),
            ("币制 Currency", data["currency"]),
            ("唛头 Marks", data["marks"]),
        ):
            page.text(left, f"{label}: {value}")
            page.down(5)
        page.down(3)
        columns = (left, left + 10 * MM, left + 78 * MM, left + 100 * MM, left + 112 * MM)
        headers = ("No.", "品名 Description", "HS 编码 HS code", "原产 Origin", "数量 Qty")
        for x, header in zip(columns, headers, strict=True):
            page.text(x, header, 8)
        page.text(right - 25 * MM, "单价 Unit price", 8, right=True)
        page.text(right, "金额 Amount", 8, right=True)
        page.down(5)
        for line in data["lines"]:
            page.text(columns[0], str(line["line"]), 8)
            page.text(columns[1], line["description_en"][:40], 8)
            page.text(columns[2], line["hs_code"], 8)
            page.text(columns[3], line["origin"], 8)
            page.text(columns[4], f"{line['quantity']} {line['unit']}", 8)
            page.text(right - 25 * MM, str(line["unit_price"]), 8, right=True)
            page.text(right, str(line["amount"]), 8, right=True)
            page.down(4)
            page.text(columns[1], line["description_zh"][:30], 8)
            page.down(5)
        page.down(2)
        currency = data["currency"]
        for label, key in (
            ("货值 Subtotal", "subtotal"),
            ("运费 Freight", "freight"),
            ("保费 Insurance", "insurance"),
            ("总计 Total", "total"),
        ):
            page.text(right - 40 * MM, label, 9)
            page.text(right, f"{currency} {data[key]}", 9, right=True)
            page.down(5)

    return _pdf(f"Commercial invoice {data['number']}", draw)


def packing_pdf(export: ExportOrder) -> bytes:
    data = packing_data(export)
    left, right = 15 * MM, A4_WIDTH - 15 * MM

    def draw(page: _Page) -> None:
        page.text(left, "装箱单  PACKING LIST", 16)
        page.down(9)
        for label, value in (
            ("装箱单号 Packing list No.", data["number"]),
            ("日期 Date", data["date"]),
            ("发票号 Invoice No.", data["invoice"]),
            ("订单号 Order No.", data["order"]),
            ("发货人 Shipper", data["shipper"]),
            ("收货人 Consignee", data["consignee"]),
            ("件数 Packages", f"{data['packages']} {data['package_type']}"),
            ("唛头 Marks", data["marks"]),
        ):
            page.text(left, f"{label}: {value}")
            page.down(5)
        page.down(3)
        page.text(left, "No.", 8)
        page.text(left + 10 * MM, "品名 Description", 8)
        page.text(left + 80 * MM, "数量 Qty", 8)
        page.text(right - 40 * MM, "净重 Net kg", 8, right=True)
        page.text(right - 20 * MM, "毛重 Gross kg", 8, right=True)
        page.text(right, "体积 m³", 8, right=True)
        page.down(5)
        for line in data["lines"]:
            page.text(left, str(line["line"]), 8)
            page.text(left + 10 * MM, f"{line['description_en'][:36]}", 8)
            page.text(left + 80 * MM, f"{line['quantity']} {line['unit']}", 8)
            page.text(right - 40 * MM, str(line["net_weight_kg"]), 8, right=True)
            page.text(right - 20 * MM, str(line["gross_weight_kg"]), 8, right=True)
            page.text(right, str(line["volume_m3"]), 8, right=True)
            page.down(4)
            page.text(left + 10 * MM, line["description_zh"][:30], 8)
            page.down(5)
        page.down(2)
        page.text(left, "合计 Total", 9)
        page.text(right - 40 * MM, str(data["net_weight_kg"]), 9, right=True)
        page.text(right - 20 * MM, str(data["gross_weight_kg"]), 9, right=True)
        page.text(right, str(data["volume_m3"]), 9, right=True)

    return _pdf(f"Packing list {data['number']}", draw)
