"""The product import reads what Chinese users' spreadsheets really are, and no file, however
made, gives a server error or takes a worker's memory: every refusal names its row and column."""

import io
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from countyhub.catalog.importer import ImportRejectedError, import_products, read_rows
from countyhub.catalog.models import Product
from countyhub.core import import_jobs
from countyhub.core.models import Job

HEADER = "id,name,name_en,category,brand,unit,price,stock,gtin,active\r\n"


def new_row(world, name="新苹果", price="12.50", stock="30"):
    category, brand = world.product.category.slug, world.product.brand.slug
    return f",{name},New apples,{category},{brand},kg,{price},{stock},,yes\r\n"


def rejected(data: bytes, filename: str = "products.csv", world=None):
    with pytest.raises(ImportRejectedError) as caught:
        imported(world, data, filename)
    return [(e.row, e.column, e.message) for e in caught.value.errors]


def imported(world, data: bytes, filename: str = "products.csv"):
    rows = read_rows(io.BytesIO(data), filename)
    return import_products(
        county=world.county, actor=world.users["seller_staff"], sellers=[world.seller], rows=rows
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_chinese_text_is_read_in_every_encoding_users_save_in(world, encoding):
    text = HEADER + new_row(world, name="高山红富士苹果（特级）")
    imported(world, text.encode(encoding))
    assert Product.objects.filter(name="高山红富士苹果（特级）").exists()


def test_gb18030_is_detected_not_misread_as_another_encoding(world):
    # Bytes that are valid GB18030 and would be mojibake in Latin-1 or refused as UTF-8.
    text = HEADER + new_row(world, name="贵州绿茶·毛尖")
    imported(world, text.encode("gb18030"))
    assert Product.objects.get(name="贵州绿茶·毛尖").name_en == "New apples"


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "products.csv"),
        ("id,name\r\n,苹\x00果\r\n".encode(), "products.csv"),
        (b"PK\x03\x04 this is no zip", "products.xlsx"),
        (b"id,name\r\n", "products.xls"),
    ],
    ids=["binary", "nul-byte", "xlsx-not-a-zip", "other-type"],
)
def test_files_that_are_not_spreadsheets_are_refused_with_a_message(world, data, filename):
    [(row, column, message)] = rejected(data, filename, world)
    assert row == 0 and column == "file" and message


def test_a_name_too_long_for_its_column_is_named(world):
    errors = rejected((HEADER + new_row(world, name="苹" * 201)).encode(), world=world)
    assert [(row, column) for row, column, _m in errors] == [(2, "name")]


def test_a_huge_cell_is_refused_with_its_place(world):
    errors = rejected((HEADER + new_row(world, name="苹" * 131_072)).encode(), world=world)
    assert errors[0][0] == 2


@pytest.mark.parametrize(
    ("price", "stock", "column"),
    [
        ("NaN", "1", "price"),
        ("Infinity", "1", "price"),
        ("-Infinity", "1", "price"),
        ("1e30", "1", "price"),
        ("99999999999", "1", "price"),
        ("12.50", "1e15", "stock"),
        ("12.50", "sNaN", "stock"),
    ],
)
def test_numbers_that_do_not_fit_are_refused_by_row_and_column(world, price, stock, column):
    errors = rejected((HEADER + new_row(world, price=price, stock=stock)).encode(), world=world)
    assert [(row, col) for row, col, _m in errors] == [(2, column)]


def test_trailing_zeros_are_still_a_valid_price(world):
    imported(world, (HEADER + new_row(world, price="12.500")).encode())
    assert Product.objects.get(name="新苹果").price == 12.5


def _xlsx(rows, dimension: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    if dimension is None:
        return buffer.getvalue()
    # Rewrite the sheet's declared size, as a hostile or broken writer would.
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b'<dimension ref="A1:J2"/>', f'<dimension ref="{dimension}"/>'.encode()
                )
                assert dimension.encode() in data
            target.writestr(item, data)
    return out.getvalue()


def test_a_declared_sheet_size_is_not_trusted(world):
    header = HEADER.strip().split(",")
    category, brand = world.product.category.slug, world.product.brand.slug
    data = _xlsx(
        [header, ["", "新苹果", "x", category, brand, "kg", "12.50", "3", "", "yes"]],
        dimension="A1:XFD2000",
    )
    tracemalloc.start()
    imported(world, data, "products.xlsx")
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert Product.objects.filter(name="新苹果").exists()
    assert peak < 30 * 1024 * 1024  # the declared 16,384 × 2,000 cells were never made


def test_too_many_rows_stop_the_read_with_a_message(world):
    header = HEADER.strip().split(",")
    data = _xlsx([header] + [["", f"p{n}"] for n in range(5_002)])
    [(row, _column, message)] = rejected(data, "products.xlsx", world)
    assert row == 5_002 and "5000" in message.replace(",", "")


def test_an_xlsx_that_expands_too_much_is_refused_before_reading(world):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (60 * 1024 * 1024) + b">")
    [(row, column, _message)] = rejected(out.getvalue(), "products.xlsx", world)
    assert (row, column) == (0, "file")


def test_the_import_page_refuses_what_is_no_table_before_queueing_it(world, client, settings):
    client.force_login(world.users["seller_staff"])
    url = f"/c/{world.county.slug}/import/"
    upload = io.BytesIO(b"MZ\x90\x00 a program")
    upload.name = "products.exe"
    response = client.post(url, {"file": upload})
    assert response.status_code == 400
    assert [e.column for e in response.context["errors"]] == ["file"]
    big = io.BytesIO(b"id\n" + b"1\n" * (import_jobs.MAX_UPLOAD_BYTES // 2))
    big.name = "products.csv"
    response = client.post(url, {"file": big})
    assert response.status_code == 400
    assert "MiB" in response.context["errors"][0].message
    assert not Job.objects.exists()
