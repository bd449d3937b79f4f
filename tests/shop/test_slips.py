"""Packing slips (A4) and shipping labels (100 x 150 mm) printed for a batch of orders, read back
with pdftotext (issue 11)."""

import datetime
import re
import shutil
import subprocess
from decimal import Decimal

import pytest

from countyhub.shop.models import OrderLine
from tests.factories.programs import make_order

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (make setup)"),
]

DAY = datetime.date(2026, 3, 1)


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "slips.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def page_sizes_mm(content: bytes, tmp_path) -> list[tuple[int, int]]:
    path = tmp_path / "sizes.pdf"
    path.write_bytes(content)
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return [
        (round(float(w) * 25.4 / 72), round(float(h) * 25.4 / 72))
        for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    ]


@pytest.fixture
def orders(world):
    home = make_order(world.seller, day=DAY, status="paid", address="贵州省 凤冈县 龙泉镇 1 号")
    at_station = make_order(world.seller, day=DAY, status="paid", station=world.station)
    for order in (home, at_station):
        OrderLine.objects.create(
            order=order,
            product=world.product,
            product_name="凤冈锌硒茶",
            unit=world.product.unit,
            quantity=Decimal(2),
            unit_price=Decimal(50),
            line_total=Decimal(100),
        )
    return home, at_station


@pytest.mark.parametrize(("fmt", "size"), [("a4", (210, 297)), ("label", (100, 150))])
def test_one_page_per_order_with_what_the_packer_needs(client, world, orders, tmp_path, fmt, size):
    home, at_station = orders
    client.force_login(world.users["seller_staff"])
    response = client.get(
        "/seller/slips/", {"order": [home.number, at_station.number], "format": fmt}
    )
    assert response["Content-Type"] == "application/pdf"
    assert page_sizes_mm(response.content, tmp_path) == [size, size]
    pages = pdf_text(response.content, tmp_path).split("\f")
    assert home.number in pages[0] and at_station.number in pages[1]
    assert "凤冈锌硒茶 × 2" in pages[0] and "贵州省 凤冈县" in pages[0]
    assert "收件人" in pages[1] and world.station.name in pages[1]
    assert "13800000000" in pages[0]


def test_a_station_order_shows_its_pickup_code(client, world, orders, tmp_path):
    _home, at_station = orders
    at_station.pickup_code = "4821"  # Order.pickup_code comes with the station hand-over work
    from countyhub.shop.slips import A4_SLIP, slips_pdf

    text = pdf_text(slips_pdf([at_station], A4_SLIP), tmp_path)
    assert "Pick-up code: 4821" in text


def test_a_seller_prints_only_their_own_orders(client, world, orders, tmp_path):
    home, _station = orders
    theirs = make_order(world.other_seller, day=DAY, status="paid")
    client.force_login(world.users["other_seller_staff"])
    response = client.get("/seller/slips/", {"order": [home.number, theirs.number]})
    text = pdf_text(response.content, tmp_path)
    assert theirs.number in text and home.number not in text
    response = client.get("/seller/slips/", {"order": [home.number]})
    assert response.status_code == 302  # nothing of theirs chosen: back to the list


def test_a_long_order_continues_on_the_next_page(world, tmp_path):
    from countyhub.shop.slips import THERMAL_LABEL, slips_pdf

    order = make_order(world.seller, day=DAY, status="paid")
    for i in range(60):
        OrderLine.objects.create(
            order=order,
            product=world.product,
            product_name=f"商品{i}",
            unit=world.product.unit,
            quantity=Decimal(1),
            unit_price=Decimal(1),
            line_total=Decimal(1),
        )
    text = pdf_text(slips_pdf([order], THERMAL_LABEL), tmp_path)
    assert "商品59" in text and "(续 cont.)" in text
