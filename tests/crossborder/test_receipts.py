"""Customs receipt messages uploaded by the county's customs broker: each export order's status
follows (accepted, rejected with customs' reason, released); bad XML and unknown messages are
named with line and column; the same receipt twice changes nothing; other counties and sellers
cannot import. The receipts are built from GACC's own sample export messages' numbers where the
sample has them, and each is checked against GACC's XSD first."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from countyhub.crossborder import services
from countyhub.crossborder.errors import CrossborderError, CrossborderErrorCode
from countyhub.crossborder.models import DeclarationStatus, ExportOrder
from countyhub.customs import messages
from tests.customs.test_messages import SAMPLES

from .setup import export_fields, ready, shop_order

pytestmark = pytest.mark.django_db
GUID = "A2C4E6F8-0000-4000-8000-0000000000{:02d}"


def inventory_return(export, status, at, info, number=1):
    return f"""
  <ceb:InventoryReturn>
    <ceb:guid>{GUID.format(number)}</ceb:guid>
    <ceb:agentCode>3307980123</ceb:agentCode>
    <ceb:copNo>{export.cop_no}</ceb:copNo>
    <ceb:preNo>B20261207000000001</ceb:preNo>
    <ceb:invtNo>86012026E000000001</ceb:invtNo>
    <ceb:ebcCode>{export.ecommerce.code}</ceb:ebcCode>
    <ceb:ebpCode>{export.platform.code}</ceb:ebpCode>
    <ceb:orderNo>{export.external_order_no}</ceb:orderNo>
    <ceb:statisticsFlag>B</ceb:statisticsFlag>
    <ceb:returnStatus>{status}</ceb:returnStatus>
    <ceb:returnTime>{at}</ceb:returnTime>
    <ceb:returnInfo>{info}</ceb:returnInfo>
  </ceb:InventoryReturn>"""


def ceb604(*entries):
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ceb:CEB604Message guid="{GUID.format(99)}" version="1.0" xmlns:ceb="{messages.NS}">'
        + "".join(entries)
        + "\n</ceb:CEB604Message>\n"
    ).encode()


def ceb304(export, status, at, info):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ceb:CEB304Message guid="{GUID.format(98)}" version="1.0" xmlns:ceb="{messages.NS}">
  <ceb:OrderReturn>
    <ceb:guid>{GUID.format(7)}</ceb:guid>
    <ceb:ebpCode>{export.platform.code}</ceb:ebpCode>
    <ceb:ebcCode>{export.ecommerce.code}</ceb:ebcCode>
    <ceb:orderNo>{export.external_order_no}</ceb:orderNo>
    <ceb:returnStatus>{status}</ceb:returnStatus>
    <ceb:returnTime>{at}</ceb:returnTime>
    <ceb:returnInfo>{info}</ceb:returnInfo>
  </ceb:OrderReturn>
</ceb:CEB304Message>
""".encode()


def ceb506(export, status, at, info):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ceb:CEB506Message guid="{GUID.format(97)}" version="1.0" xmlns:ceb="{messages.NS}">
  <ceb:LogisticsReturn>
    <ceb:guid>{GUID.format(8)}</ceb:guid>
    <ceb:logisticsCode>{export.logistics.code}</ceb:logisticsCode>
    <ceb:logisticsNo>{export.logistics_no}</ceb:logisticsNo>
    <ceb:returnStatus>{status}</ceb:returnStatus>
    <ceb:returnTime>{at}</ceb:returnTime>
    <ceb:returnInfo>{info}</ceb:returnInfo>
  </ceb:LogisticsReturn>
</ceb:CEB506Message>
""".encode()


@pytest.fixture
def export(world):
    made = ready(world)
    return services.create_export_order(
        actor=None, order=shop_order(world.seller, world.product), **export_fields(made)
    )


def test_the_receipts_are_valid_gacc_messages(export):
    for xml in (
        ceb604(inventory_return(export, 120, "20261208090000000", "入库")),
        ceb304(export, 2, "20261207100000000", "电子口岸已暂存"),
        ceb506(export, 120, "20261207110000000", "新增申报成功"),
    ):
        assert messages.schema_problems(xml) == []


def test_status_follows_accepted_rejected_released_and_twice_changes_nothing(world, export):
    accepted = ceb604(inventory_return(export, 120, "20261208090000000", "入库"))
    assert services.import_receipts(
        actor=None, county=world.county, xml=accepted, filename="a.xml"
    ) == services.ReceiptImport(added=1, already=0)
    export.refresh_from_db()
    assert (export.status, export.invt_no) == (120, "86012026E000000001")
    # The same file again: nothing added, nothing changed.
    assert services.import_receipts(
        actor=None, county=world.county, xml=accepted, filename="a.xml"
    ) == services.ReceiptImport(added=0, already=1)
    assert DeclarationStatus.objects.filter(export_order=export).count() == 1
    rejected = ceb604(
        inventory_return(export, 100, "20261208093000000", "商品编码与申报要素不符", 2)
    )
    services.import_receipts(actor=None, county=world.county, xml=rejected, filename="r.xml")
    export.refresh_from_db()
    assert export.status == 100
    last = export.statuses.order_by("-at").first()
    assert (last.label, last.info, last.message_type, last.source) == (
        "rejected by customs",
        "商品编码与申报要素不符",
        "CEB604",
        "receipt",
    )
    # Released later; the order receipt and the waybill receipt (matched by order and
    # waybill number) come in out of time order and do not hide it.
    released = ceb604(inventory_return(export, 800, "20261209101500123", "放行", 3))
    services.import_receipts(actor=None, county=world.county, xml=released, filename="p.xml")
    for xml in (
        ceb304(export, 2, "20261207100000000", "电子口岸已暂存"),
        ceb506(export, 120, "20261207110000000", "新增申报成功"),
    ):
        services.import_receipts(actor=None, county=world.county, xml=xml, filename="o.xml")
    export.refresh_from_db()
    assert export.status == 800
    assert [(s.message_type, s.code) for s in export.statuses.all()] == [
        ("CEB304", 2),
        ("CEB506", 120),
        ("CEB604", 120),
        ("CEB604", 100),
        ("CEB604", 800),
    ]


def _refusal(world, xml):
    with pytest.raises(CrossborderError) as caught:
        services.import_receipts(actor=None, county=world.county, xml=xml, filename="bad.xml")
    return caught.value


def test_bad_xml_and_unknown_messages_are_named_with_line_and_column(world, export):
    good = ceb604(inventory_return(export, 120, "20261208090000000", "入库"))
    broken = good.replace(b"</ceb:copNo>", b"</ceb:copN>")
    error = _refusal(world, broken)
    assert error.code is CrossborderErrorCode.BAD_FILE
    # expat points at the name in the bad end tag: after "</" on line 6.
    column = broken.splitlines()[5].index(b"</ceb:copN>") + 3
    assert error.problems == [
        f"bad.xml, line 6, column {column}: not well-formed XML: mismatched tag"
    ]
    # GACC's own sample order is a message, but not a receipt.
    error = _refusal(world, (SAMPLES / "sample-CEB303Message.xml").read_bytes())
    assert error.problems[0].startswith("bad.xml, line 2, column 1: 'CEB303Message' is not a")
    # A receipt the XSD refuses: the element named, with its place.
    missing_status = good.replace(b"<ceb:returnStatus>120</ceb:returnStatus>", b"")
    (problem,) = _refusal(world, missing_status).problems
    assert problem.startswith("bad.xml, line 14, column 5 ")
    assert "returnTime" in problem and "returnStatus" in problem
    # An entity declaration is refused before anything is expanded.
    bomb = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'
    assert "DOCTYPE" in _refusal(world, bomb).problems[0]
    assert not DeclarationStatus.objects.exists()


def test_a_receipt_for_an_unknown_order_refuses_the_whole_file(world, export):
    other = ExportOrder(cop_no="NOPE-1", external_order_no="NOPE-1", ecommerce=export.ecommerce)
    other.platform = export.platform
    xml = ceb604(
        inventory_return(export, 120, "20261208090000000", "入库"),
        inventory_return(other, 120, "20261208090000000", "入库", 2),
    )
    error = _refusal(world, xml)
    assert error.code is CrossborderErrorCode.UNKNOWN_RECEIPT
    assert error.problems == ["bad.xml, line 17: no export order NOPE-1 in this county."]
    assert not DeclarationStatus.objects.exists()


def test_the_receipts_page(world, export, client):
    url = f"/c/{world.county.slug}/exports/receipts/"
    xml = ceb604(inventory_return(export, 800, "20261209101500123", "放行"))
    for user in ("seller_staff", "other_county_admin", "other_seller_staff"):
        client.force_login(world.users[user])
        upload = SimpleUploadedFile("r.xml", xml, content_type="application/xml")
        assert client.post(url, {"file": upload}).status_code == 403
    assert not DeclarationStatus.objects.exists()
    client.force_login(world.users["county_admin"])
    assert "CEB604Message" in client.get(url).content.decode()
    for expected in ("1 receipt(s) added, 0 already recorded.", "0 receipt(s) added, 1 already"):
        upload = SimpleUploadedFile("r.xml", xml, content_type="application/xml")
        page = client.post(url, {"file": upload}, follow=True).content.decode()
        assert expected in page
    export.refresh_from_db()
    assert export.status == 800
    upload = SimpleUploadedFile("r.xml", xml.replace(b"</ceb:guid>", b"</ceb:gui>", 1))
    response = client.post(url, {"file": upload})
    assert response.status_code == 400
    assert "r.xml, line 4, column" in response.content.decode()
    client.cookies["django_language"] = "zh-hans"
    page = client.get(url).content.decode()
    assert "海关回执" in page


def test_the_cli_imports_receipts(world, export, tmp_path):
    from typer.testing import CliRunner

    from countyhub.cli import app

    good = tmp_path / "r.xml"
    good.write_bytes(ceb604(inventory_return(export, 800, "20261209101500123", "放行")))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<ceb:CEB604Message>")
    command = ["crossborder", "receipts", "--county", world.county.slug]
    result = CliRunner().invoke(app, [*command, str(good), str(good)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "r.xml: 1 receipt(s) added, 0 already recorded",
        "r.xml: 0 receipt(s) added, 1 already recorded",
    ]
    result = CliRunner().invoke(app, [*command, str(bad)])
    assert result.exit_code == 2
    assert "bad.xml, line 1, column" in result.stderr
    result = CliRunner().invoke(app, ["crossborder", "receipts", "--county", "nowhere", str(good)])
    assert result.exit_code == 1
    export.refresh_from_db()
    assert export.status == 800
