"""Serialised units on the batch page and in the RFID encoding station CSV: EPC URIs and tags for
internal and real GTINs, SGTIN-96 or SGTIN-198 per serial, and who may download them."""

import csv
import io

import pytest
from django.urls import reverse

from countyhub.gs1 import keys, tds
from countyhub.trace.models import SerialisedUnit
from tests.factories.trace import make_batch

CHINA_GTIN = "6901234567892"  # GS1 China; GS1's table gives a 7-digit company prefix
# GS1 US "reserved for future use": no company prefix table entry, so the length is unknown.
UNKNOWN_GTIN = "0052000000000" + keys.check_digit("0052000000000")


def units_of(client, batch):
    response = client.get(reverse("trace:batch", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response, response.context["units"]


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def add_units(batch, *serials):
    SerialisedUnit.objects.bulk_create(SerialisedUnit(batch=batch, serial=s) for s in serials)


def test_internal_gtin_units_get_sgtin96_and_odd_serials_sgtin198(client, world):
    seller = world.users["seller_staff"]
    batch = make_batch(seller, world.product, lot="INT", serial_count=1)
    add_units(batch, "A/1", "007")
    client.force_login(seller)
    response, units = units_of(client, batch)
    assert units.problem is None
    by_serial = {row.serial: row for row in units.rows}
    numeric = by_serial[f"{batch.pk}0001"]
    assert numeric.scheme == "SGTIN-96" and len(numeric.tag_hex) == 24
    assert numeric.epc_uri.startswith(f"urn:epc:id:sgtin:{batch.gtin[1:9]}.")
    slash = by_serial["A/1"]
    assert (slash.scheme, len(slash.tag_hex)) == ("SGTIN-198", 52)
    assert slash.epc_uri.endswith(".A%2F1")
    assert slash.digital_link.endswith(f"/01/{batch.gtin}/21/A%2F1")
    decoded = tds.decode_tag(slash.tag_hex)
    assert (decoded.gtin, decoded.serial) == (batch.gtin, "A/1")
    assert by_serial["007"].scheme == "SGTIN-198"  # a leading zero does not fit SGTIN-96
    page = response.content.decode()
    assert "SGTIN-198" in page and slash.tag_hex in page
    assert reverse("trace:units_csv", args=[batch.pk]) in page


def test_real_gtin_uses_gs1s_table_then_the_stored_length(client, world):
    seller = world.users["seller_staff"]
    product = world.product
    product.gtin = CHINA_GTIN
    product.save()
    batch = make_batch(seller, product, lot="REAL", serial_count=1)
    assert batch.gtin == "0" + CHINA_GTIN
    client.force_login(seller)
    _response, units = units_of(client, batch)
    assert units.rows[0].epc_uri == f"urn:epc:id:sgtin:6901234.056789.{batch.pk}0001"
    product.gs1_company_prefix_length = 9  # the county knows better than the table
    product.save()
    _response, units = units_of(client, batch)
    assert units.rows[0].epc_uri == f"urn:epc:id:sgtin:690123456.0789.{batch.pk}0001"
    assert tds.decode_tag(units.rows[0].tag_hex).company_prefix_length == 9


def test_unknown_prefix_length_explains_instead_of_tags(client, world):
    seller = world.users["seller_staff"]
    product = world.product
    product.gtin = UNKNOWN_GTIN
    product.save()
    batch = make_batch(seller, product, lot="UNK", serial_count=2)
    client.force_login(seller)
    response, units = units_of(client, batch)
    assert "GS1 company prefix is not known" in units.problem
    assert all(row.digital_link and not row.epc_uri and not row.tag_hex for row in units.rows)
    assert 'id="units-problem"' in response.content.decode()
    rows = csv_rows(client.get(reverse("trace:units_csv", args=[batch.pk])))
    assert rows[1][1:] == [units.rows[0].digital_link, "", "", ""]
    product.gs1_company_prefix_length = 8
    product.save()
    _response, units = units_of(client, batch)
    assert units.problem is None
    assert units.rows[0].epc_uri.startswith("urn:epc:id:sgtin:05200000.")


def test_the_page_explains_in_chinese(client, world):
    seller = world.users["seller_staff"]
    world.product.gtin = UNKNOWN_GTIN
    world.product.save()
    batch = make_batch(seller, world.product, lot="ZH", serial_count=1)
    client.force_login(seller)
    page = client.get(
        reverse("trace:batch", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "厂商识别代码" in page and "RFID" in page


def test_a_unit_whose_serial_no_tag_can_hold_is_named(client, world):
    seller = world.users["seller_staff"]
    batch = make_batch(seller, world.product, lot="BAD", serial_count=0)
    add_units(batch, "批1")
    client.force_login(seller)
    _response, units = units_of(client, batch)
    assert "character '批' at position 1" in units.rows[0].problem
    assert units.rows[0].tag_hex == ""


def test_units_csv_for_the_rfid_encoding_station(client, world):
    seller = world.users["seller_staff"]
    batch = make_batch(seller, world.product, lot="CSV", serial_count=3)
    add_units(batch, "X-1")
    client.force_login(seller)
    response = client.get(reverse("trace:units_csv", args=[batch.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="units-{batch.pk}.csv"' in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == ["serial", "digital_link", "epc_uri", "scheme", "tag_hex"]
    assert [row[0] for row in rows[1:]] == [f"{batch.pk}000{n}" for n in (1, 2, 3)] + ["X-1"]
    for serial, link, uri, scheme, tag_hex in rows[1:]:
        tag = tds.decode_tag(tag_hex)
        assert (tag.serial, tag.uri(), tag.scheme.value) == (serial, uri, scheme)
        assert link.endswith(tag.digital_link_path())
    assert rows[-1][3] == "SGTIN-198"


def test_units_csv_lists_every_unit_though_the_page_shows_200(client, world):
    seller = world.users["seller_staff"]
    batch = make_batch(seller, world.product, lot="MANY", serial_count=201)
    client.force_login(seller)
    response, units = units_of(client, batch)
    assert (len(units.rows), units.total) == (200, 201)
    assert "The first 200 of 201 units are shown" in response.content.decode()
    assert len(csv_rows(client.get(reverse("trace:units_csv", args=[batch.pk])))) == 202


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("seller_staff", 200),
        ("county_admin", 200),
        ("other_seller_staff", 403),
        ("other_county_admin", 403),
        ("buyer", 403),
        ("station_operator", 403),
    ],
)
def test_units_csv_only_for_the_batchs_seller_and_county_staff(client, world, role, status):
    batch = make_batch(world.users["seller_staff"], world.product, lot="PERM", serial_count=1)
    client.force_login(world.users[role])
    response = client.get(reverse("trace:units_csv", args=[batch.pk]))
    assert response.status_code == status
    if status != 200:
        assert str(batch.pk) + "0001" not in response.content.decode()


def test_units_csv_needs_a_login_and_a_batch(client, world):
    batch = make_batch(world.users["seller_staff"], world.product, lot="ANON", serial_count=1)
    response = client.get(reverse("trace:units_csv", args=[batch.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(world.users["seller_staff"])
    assert client.get(reverse("trace:units_csv", args=[batch.pk + 999])).status_code == 404
