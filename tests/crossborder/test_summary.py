"""The 9610 summary application CEB701 generated for summary-declared (statisticsFlag B)
orders: the month's lists of the e-commerce enterprise, valid against GACC's XSD and our code
lists, downloadable from the order's page; not offered for 9710 or simplified (A) orders."""

import xml.etree.ElementTree as ET

import pytest

from countyhub.crossborder import declarations, services
from countyhub.crossborder.models import ExportOrder
from countyhub.customs import messages

from .setup import export_fields, ready, shop_order

pytestmark = pytest.mark.django_db
NS = {"ceb": messages.NS}


def test_the_summary_application_lists_the_months_customs_lists(world, client):
    made = ready(world)
    first = services.create_export_order(
        actor=None, order=shop_order(world.seller, world.product), **export_fields(made)
    )
    second = services.create_export_order(
        actor=None,
        order=shop_order(world.seller, world.product),
        **export_fields(made, logistics_no="YL2"),
    )
    b2b = services.create_export_order(
        actor=None,
        order=shop_order(world.seller, world.product, quantity="40"),
        **export_fields(made, mode="9710", incoterm="FOB", logistics_no="YL3"),
    )
    ExportOrder.objects.filter(pk=first.pk).update(invt_no="86012026E000000002")
    ExportOrder.objects.filter(pk=second.pk).update(invt_no="86012026E000000001")
    ExportOrder.objects.filter(pk=b2b.pk).update(invt_no="86012026E000000009")
    first.refresh_from_db()
    xml = declarations.summary_message(first)
    assert messages.message_problems(xml) == []
    root = ET.fromstring(xml)
    head = root.find("ceb:SummaryApply/ceb:SummaryApplyHead", NS)
    assert head.findtext("ceb:startTime", namespaces=NS) == "20261201000000"
    assert head.findtext("ceb:endTime", namespaces=NS) == "20261231235959"
    assert head.findtext("ceb:ebcCode", namespaces=NS) == made["ecommerce"].code
    assert head.findtext("ceb:copNo", namespaces=NS).startswith("SUM8601202612")
    # Both 9610 lists of the month, not the 9710 one.
    assert [
        item.text for item in root.iterfind("ceb:SummaryApply/ceb:SummaryApplyList/ceb:invtNo", NS)
    ] == ["86012026E000000001", "86012026E000000002"]
    # The same application (number and lists) whichever of the month's orders asks for it.
    second.refresh_from_db()
    other = ET.fromstring(declarations.summary_message(second))
    for path in ("ceb:SummaryApply/ceb:SummaryApplyHead/ceb:copNo", "ceb:SummaryApply"):
        assert ET.tostring(other.find(path, NS)).count(b"invtNo") == ET.tostring(
            root.find(path, NS)
        ).count(b"invtNo")
    assert other.findtext("ceb:SummaryApply/ceb:SummaryApplyHead/ceb:copNo", namespaces=NS) == (
        head.findtext("ceb:copNo", namespaces=NS)
    )

    client.force_login(world.users["seller_staff"])
    base = f"/c/{world.county.slug}/exports/{first.pk}/"
    assert f'href="{base}CEB701Message.xml"' in client.get(base).content.decode()
    response = client.get(base + "CEB701Message.xml")
    assert response.status_code == 200
    assert response.content == xml
    # A 9710 order has no summary application.
    b2b_base = f"/c/{world.county.slug}/exports/{b2b.pk}/"
    assert "CEB701Message.xml" not in client.get(b2b_base).content.decode()
    assert client.get(b2b_base + "CEB701Message.xml").status_code == 404
    with pytest.raises(ValueError, match="not a 9610 summary declaration"):
        declarations.summary_message(b2b)
    # Another seller cannot download it.
    client.force_login(world.users["other_seller_staff"])
    assert client.get(base + "CEB701Message.xml").status_code == 404
