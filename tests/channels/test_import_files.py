"""Order exports in: header mapping, encodings, mangled numbers, bad rows, idempotency, CLI."""

import io
import threading
from decimal import Decimal

import pytest
from openpyxl import Workbook

from countyhub.catalog.models import Stock
from countyhub.channels import services
from countyhub.channels.errors import ChannelError
from countyhub.channels.models import ChannelOrder, ImportProfile
from countyhub.channels.services import import_order_file
from countyhub.shop.models import Order, OrderStatus

HEADER = ["订单编号", "买家会员名", "商家编码", "购买数量", "价格", "收货人姓名", "收货地址"]


def csv_bytes(rows, header=HEADER, encoding="utf-8"):
    lines = [",".join(header), *(",".join(row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def do_import(channel, user, data, filename="orders.csv", skip=False):
    return import_order_file(
        channel=channel,
        actor=user,
        upload=io.BytesIO(data),
        filename=filename,
        skip_bad_rows=skip,
    )


def seller(world):
    return world.users["seller_staff"]


ROWS = [
    ["3712456789012345678", "tb1", "A-1", "2", "", "张三", "江苏省 南京市 ****"],
    ["3712456789012345679", "tb2", "A-1", "1", "30.50", "李四", "贵州省 ****"],
    ["3712456789012345679", "tb2", "A-1", "1", "30.50", "李四", "贵州省 ****"],
]


def test_a_taobao_export_imports_its_orders_into_the_one_stock(world, channel):
    report = do_import(channel, seller(world), csv_bytes(ROWS))
    assert (report.imported, report.existing, report.problems) == (2, 0, [])
    stock = Stock.objects.get(product=world.product)
    assert stock.allocated == 4
    first = ChannelOrder.objects.get(external_id="3712456789012345678").order
    assert first.seller == world.seller
    assert first.status == OrderStatus.PAID and first.payment.status == "received"
    assert first.recipient_name == "张三"
    # No price in the file: the listing's price on the channel.
    assert first.lines.get().unit_price == world.product.price + 1
    second = ChannelOrder.objects.get(external_id="3712456789012345679")
    assert second.order.total == Decimal("61.00")
    assert len(second.raw) == 2 and second.raw[0]["买家会员名"] == "tb2"


def test_the_same_file_twice_imports_nothing_new(world, channel):
    do_import(channel, seller(world), csv_bytes(ROWS))
    again = do_import(channel, seller(world), csv_bytes(ROWS))
    assert (again.imported, again.existing) == (0, 2)
    assert Order.objects.count() == 2
    assert Stock.objects.get(product=world.product).allocated == 4


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig"])
def test_gbk_and_bom_files_read_the_same(world, channel, encoding):
    report = do_import(channel, seller(world), csv_bytes(ROWS[:1], encoding=encoding))
    assert report.imported == 1
    assert Order.objects.get().recipient_name == "张三"


def test_columns_are_found_by_name_in_any_order_and_by_the_channels_profile(world, channel):
    ImportProfile.objects.create(channel=channel, columns={"quantity": ["件数"]})
    header = ["收货人姓名", "件数", "商家编码", "订单编号"]
    report = do_import(channel, seller(world), csv_bytes([["王五", "3", "A-1", "991"]], header))
    assert report.imported == 1
    assert Order.objects.get().lines.get().quantity == 3


def test_one_bad_row_imports_nothing_and_names_each_bad_row(world, channel):
    rows = [
        *ROWS,
        ["3712456789012345680", "tb3", "NO-SUCH", "1", "", "", ""],
        ["3.71246E+18", "tb4", "A-1", "1", "", "", ""],
        ["3712456789012345681", "tb5", "A-1", "-1", "", "", ""],
    ]
    report = do_import(channel, seller(world), csv_bytes(rows))
    assert report.refused and report.imported == 0
    assert Order.objects.count() == 0 and Stock.objects.get(product=world.product).allocated == 0
    by_row = {problem.position: problem for problem in report.problems}
    assert sorted(by_row) == [5, 6, 7]
    assert "NO-SUCH" in by_row[5].message
    assert "spreadsheet" in by_row[6].message and "订单编号" in by_row[6].field
    assert "more than zero" in by_row[7].message


def test_skip_bad_rows_imports_the_good_orders_only(world, channel):
    rows = [*ROWS, ["3712456789012345680", "tb3", "NO-SUCH", "1", "", "", ""]]
    report = do_import(channel, seller(world), csv_bytes(rows), skip=True)
    assert not report.refused
    assert (report.imported, report.skipped) == (2, 1)
    assert [problem.position for problem in report.problems] == [5]


def test_an_order_with_one_bad_line_is_left_out_whole(world, channel):
    rows = [
        ["55", "x", "A-1", "1", "", "", ""],
        ["55", "x", "NO-SUCH", "1", "", "", ""],
    ]
    report = do_import(channel, seller(world), csv_bytes(rows), skip=True)
    assert (report.imported, report.skipped) == (0, 1)


def test_a_seller_cannot_import_another_sellers_products(world, channel):
    rows = [["77", "x", "B-1", "1", "", "", ""]]
    report = do_import(channel, seller(world), csv_bytes(rows))
    assert report.refused and "B-1" in report.problems[0].message
    # Its own seller's staff can.
    assert do_import(channel, world.users["other_seller_staff"], csv_bytes(rows)).imported == 1


def test_products_are_found_by_gtin_too(world, channel):
    world.product.gtin = "6901234567892"
    world.product.save(update_fields=["gtin"])
    header = ["订单编号", "条形码", "数量"]
    report = do_import(channel, seller(world), csv_bytes([["88", "6901234567892", "1"]], header))
    assert report.imported == 1


def test_a_missing_column_is_named(world, channel):
    with pytest.raises(ChannelError, match="购买数量"):
        do_import(channel, seller(world), csv_bytes([["1", "A-1"]], ["订单编号", "商家编码"]))


def test_xlsx_text_cells_import_and_float_order_numbers_are_refused_or_recovered(world, channel):
    book = Workbook()
    sheet = book.active
    sheet.append(["订单编号", "商家编码", "购买数量"])
    sheet.append(["3712456789012345678", "A-1", 1])
    sheet.append([3712456789012345679.0, "A-1", 1])  # Excel made a number of it
    sheet.append([123456.0, "A-1", 1])  # a whole number: read back exactly
    buffer = io.BytesIO()
    book.save(buffer)
    report = do_import(channel, seller(world), buffer.getvalue(), "orders.xlsx", skip=True)
    assert report.imported == 2
    assert [problem.position for problem in report.problems] == [3]
    assert "spreadsheet" in report.problems[0].message
    assert ChannelOrder.objects.filter(external_id="123456").exists()


def test_a_short_number_a_spreadsheet_wrote_as_a_float_is_recovered_with_a_note(world, channel):
    rows = [["123456.0", "x", "A-1", "1", "", "", ""]]
    report = do_import(channel, seller(world), csv_bytes(rows))
    assert report.imported == 1
    assert ChannelOrder.objects.get().external_id == "123456"
    assert report.notes == ["Row 2: the order number 123456.0 was read as 123456."]


def test_an_orders_record_keeps_the_cells_under_a_name_that_its_rows_have(world, channel):
    rows = [["501", "tb", "A-1", "1", "", "王五", "****", "x"], ["501", "tb", "A-1", "1"]]
    report = do_import(channel, seller(world), csv_bytes(rows, [*HEADER, ""]))
    assert report.imported == 1
    full = dict(zip(HEADER, rows[0], strict=False))
    assert ChannelOrder.objects.get().raw == [full, dict(zip(HEADER, rows[1], strict=False))]


def test_more_than_the_stock_imports_nothing(world, channel):
    rows = [["1", "x", "A-1", "15", "", "", ""], ["2", "x", "A-1", "15", "", "", ""]]
    from countyhub.shop.errors import InsufficientStockError

    with pytest.raises(InsufficientStockError):
        do_import(channel, seller(world), csv_bytes(rows))
    assert Order.objects.count() == 0


def test_the_command_imports_and_exits_2_naming_bad_rows(world, channel, tmp_path):
    from typer.testing import CliRunner

    from countyhub.cli import app

    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(ROWS, encoding="gbk"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([*ROWS, ["9", "x", "NO-SUCH", "1", "", "", ""]]))
    refused = CliRunner().invoke(
        app, ["channels", "import-orders", "--channel", "taobao", str(bad)]
    )
    assert refused.exit_code == 2
    assert "bad.csv: row 5" in refused.stderr and "NO-SUCH" in refused.stderr
    assert Order.objects.count() == 0
    skipped = CliRunner().invoke(
        app, ["channels", "import-orders", "--channel", "taobao", str(bad), "--skip-bad-rows"]
    )
    assert skipped.exit_code == 0, skipped.output
    assert skipped.stdout.startswith("2 orders imported")
    again = CliRunner().invoke(app, ["channels", "import-orders", "--channel", "taobao", str(good)])
    assert again.exit_code == 0 and again.stdout.startswith("0 orders imported, 2 imported before")
    unknown = CliRunner().invoke(app, ["channels", "import-orders", "--channel", "jd", str(good)])
    assert unknown.exit_code == 2 and "jd" in unknown.stderr


def _readers():
    return [thread for thread in threading.enumerate() if thread.name == "order-file-reader"]


def test_a_file_of_many_chunks_is_read_ahead_and_imports_whole(world, channel, monkeypatch):
    # Five chunks of two orders; order 1's rows lie in the first and the last chunk.
    monkeypatch.setattr(services, "CHUNK", 2)
    rows = [[str(n), "x", "A-1", "1", "", "", ""] for n in range(1, 11)]
    rows.append(["1", "x", "A-1", "2", "", "", ""])
    report = do_import(channel, seller(world), csv_bytes(rows))
    assert (report.imported, report.problems) == (10, [])
    assert Stock.objects.get(product=world.product).allocated == 12
    assert ChannelOrder.objects.get(external_id="1").order.lines.count() == 2
    assert _readers() == []


def test_a_shortage_in_a_late_chunk_imports_nothing_and_stops_the_reader(
    world, channel, monkeypatch
):
    from countyhub.shop.errors import InsufficientStockError

    monkeypatch.setattr(services, "CHUNK", 2)
    rows = [[str(n), "x", "A-1", "3", "", "", ""] for n in range(1, 11)]
    with pytest.raises(InsufficientStockError) as raised:
        do_import(channel, seller(world), csv_bytes(rows))
    # The whole file's need is named, not the chunk's.
    assert raised.value.shortages[0].requested == 30
    assert Order.objects.count() == 0
    assert Stock.objects.get(product=world.product).allocated == 0
    assert _readers() == []


def _peak_reading(rows):
    """The peak Python memory of checking an order file of `rows` rows and reading its orders
    (two rows each, half the file apart), with the file on disk as a large upload is."""
    import tempfile
    import tracemalloc

    from countyhub.catalog.models import Product
    from countyhub.channels.importing import OrderFile

    half = rows // 2
    numbers = [3_712_456_789_000_000_000 + n % half for n in range(rows)]
    with tempfile.TemporaryFile() as upload:
        upload.write(csv_bytes([[str(n), "tb", "A-1", "1", "", "王五", "****"] for n in numbers]))
        del numbers
        upload.seek(0)
        tracemalloc.start()
        try:
            with OrderFile(
                upload=upload, filename="orders.csv", products=Product.objects.all()
            ) as order_file:
                assert order_file.check().problems == []
                orders = sum(len(draft.lines) == 2 for draft in order_file.drafts())
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert orders == half
    return peak


def test_reading_an_order_file_takes_no_more_memory_for_a_larger_file(channel):
    # Both files are larger than the pieces their encoding is checked in.
    small, large = _peak_reading(3_000), _peak_reading(30_000)
    assert large < small + 2**18, (small, large)
