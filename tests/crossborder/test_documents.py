import datetime
import subprocess
from decimal import Decimal

import pytest

from countyhub.crossborder import documents, services
from countyhub.crossborder.models import ExportDocument

from .setup import export_fields, ready, shop_order

pytestmark = pytest.mark.django_db
ISSUED = datetime.date(2026, 12, 8)


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def test_documents_are_numbered_per_seller_per_year_without_gaps(world):
    made = ready(world)
    exports = [
        services.create_export_order(
            actor=None,
            order=shop_order(world.seller, world.product),
            **export_fields(made, logistics_no=f"YL{n}"),
        )
        for n in range(3)
    ]
    for export in exports:
        services.issue_documents(actor=None, export=export, issued_on=ISSUED)
    services.issue_documents(actor=None, export=exports[0], issued_on=ISSUED)  # once only
    seller = world.seller.pk
    assert list(
        ExportDocument.objects.filter(kind="invoice")
        .order_by("serial")
        .values_list("number", flat=True)
    ) == [f"CI{seller:04d}-2026-{n:05d}" for n in (1, 2, 3)]
    assert ExportDocument.objects.filter(kind="packing_list").count() == 3
    next_year = services.create_export_order(
        actor=None,
        order=shop_order(world.seller, world.product),
        **export_fields(made, logistics_no="YL9"),
    )
    (invoice, _packing) = services.issue_documents(
        actor=None, export=next_year, issued_on=datetime.date(2027, 1, 2)
    )
    assert invoice.number == f"CI{seller:04d}-2027-00001"


def test_invoice_and_packing_list_add_up_and_read_back(world, tmp_path):
    made = ready(world)
    export = services.create_export_order(
        actor=None, order=shop_order(world.seller, world.product), **export_fields(made)
    )
    services.issue_documents(actor=None, export=export, issued_on=ISSUED)
    assert documents.totals_problems(export) == []
    invoice = documents.invoice_data(export)
    assert (invoice["subtotal"], invoice["freight"], invoice["insurance"], invoice["total"]) == (
        Decimal("42.12"),
        Decimal("12.50"),
        Decimal("1.00"),
        Decimal("55.62"),
    )
    packing = documents.packing_data(export)
    assert packing["net_weight_kg"] == sum(line["net_weight_kg"] for line in packing["lines"])
    assert (packing["net_weight_kg"], packing["gross_weight_kg"]) == (3, Decimal("3.6"))

    text = pdf_text(documents.invoice_pdf(export), tmp_path)
    assert "商业发票" in text and "COMMERCIAL INVOICE" in text
    assert invoice["number"] in text
    assert "0902109000" in text and "Alpine green tea" in text and "高山绿茶" in text
    assert "CIF Los Angeles" in text
    assert "USD 55.62" in text
    text = pdf_text(documents.packing_pdf(export), tmp_path)
    assert "装箱单" in text and "PACKING LIST" in text
    assert packing["number"] in text and "carton 纸箱" in text
    assert "3.6" in text


def test_totals_disagreeing_with_the_declaration_are_reported(world):
    made = ready(world)
    export = services.create_export_order(
        actor=None, order=shop_order(world.seller, world.product), **export_fields(made)
    )
    type(export).objects.filter(pk=export.pk).update(net_weight=Decimal("2.5"))
    export.refresh_from_db()
    assert documents.totals_problems(export) == [
        "lines' net weight 3.00000 kg ≠ the list's 2.50000 kg"
    ]
