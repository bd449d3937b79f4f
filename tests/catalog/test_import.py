import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from countyhub.catalog import import_job
from countyhub.catalog.importer import ImportRejectedError, import_products, read_rows
from countyhub.catalog.models import Product, Stock
from countyhub.core.models import Job

HEADER = "id,name,name_en,category,brand,unit,price,stock,gtin,active\n"


def rows_from_csv(text):
    return read_rows(io.BytesIO(text.encode("utf-8-sig")), "products.csv")


def new_row(world, name="新苹果", price="12.50", gtin="6901234567892"):
    category, brand = world.product.category.slug, world.product.brand.slug
    return f",{name},New apples,{category},{brand},kg,{price},30,{gtin},yes\n"


def test_a_valid_csv_creates_and_edits(world):
    text = HEADER + new_row(world) + f"{world.product.pk},,,,,,19.90,45,,no\n"
    report = import_products(
        county=world.county,
        actor=world.users["seller_staff"],
        sellers=[world.seller],
        rows=rows_from_csv(text),
    )
    assert (report.created, report.updated) == (1, 1)
    created = Product.objects.get(name="新苹果")
    assert created.seller == world.seller
    assert Stock.objects.get(product=created).quantity == 30
    world.product.refresh_from_db()
    assert world.product.price == Decimal("19.90")
    assert not world.product.active
    assert Stock.objects.get(product=world.product).quantity == 45


def test_a_file_with_errors_changes_nothing_and_names_row_and_column(world):
    text = (
        HEADER
        + new_row(world)
        + new_row(world, name="坏价格", price="abc")
        + new_row(world, name="坏条码", gtin="6901234567893")
        + f"{world.other_product.pk},,,,,,1,,,\n"  # another seller's product
    )
    with pytest.raises(ImportRejectedError) as rejected:
        import_products(
            county=world.county, actor=None, sellers=[world.seller], rows=rows_from_csv(text)
        )
    located = {(e.row, e.column) for e in rejected.value.errors}
    assert located == {(3, "price"), (4, "gtin"), (5, "id")}
    assert not Product.objects.filter(name="新苹果").exists()


def test_xlsx_files_are_read_like_csv(world):
    book = Workbook()
    sheet = book.active
    sheet.append(["id", "price", "stock"])
    sheet.append([world.product.pk, 21.5, 7])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    rows = read_rows(buffer, "edit.xlsx")
    import_products(county=world.county, actor=None, sellers=[world.seller], rows=rows)
    world.product.refresh_from_db()
    assert world.product.price == Decimal("21.50")


def test_unknown_columns_are_refused():
    with pytest.raises(ImportRejectedError) as rejected:
        rows_from_csv("id,colour\n1,red\n")
    assert [(e.row, e.column) for e in rejected.value.errors] == [(1, "colour")]


def test_the_import_page_is_for_sellers_and_county_staff_and_queues_a_job(world, client):
    url = f"/c/{world.county.slug}/import/"
    client.force_login(world.users["buyer"])
    assert client.get(url).status_code == 403
    client.force_login(world.users["seller_staff"])
    assert client.post(url, {}).status_code == 400  # no file: nothing queued
    upload = io.BytesIO((HEADER + new_row(world, price="-1")).encode())
    upload.name = "bad.csv"
    response = client.post(url, {"file": upload})
    job = Job.objects.get(kind=import_job.JOB_KIND)
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
    assert job.created_by == world.users["seller_staff"] and job.county == world.county
    # The job runs once this test's transaction commits, which it never does: see
    # tests/catalog/test_import_job.py for the job itself.
    assert not Product.objects.filter(name="新苹果").exists()
