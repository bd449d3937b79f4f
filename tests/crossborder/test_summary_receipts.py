"""Customs' receipts to the 9610 summary application (CEB702, 汇总申请单回执): checked against
GACC's XSD, matched to the county's summary application by our number and the e-commerce
enterprise, idempotent, and the application's numbers and status follow the latest receipt by
customs' time; through the receipts page and `countyhub crossborder receipts`."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction

from countyhub.crossborder import declarations, services
from countyhub.crossborder.errors import CrossborderError, CrossborderErrorCode
from countyhub.crossborder.models import SummaryApplication, SummaryStatus
from countyhub.customs import messages
from tests.conftest import requires_postgres

from .setup import export_fields, ready, shop_order

pytestmark = pytest.mark.django_db
GUID = "B2C4E6F8-0000-4000-8000-0000000000{:02d}"
PRE_NO = "S20261231000000001"
SUM_NO = "86012026S000000001"


def summary_return(cop_no, ebc_code, status, at, info="", sum_no=None, number=1):
    sum_line = f"\n    <ceb:sumNo>{sum_no}</ceb:sumNo>" if sum_no else ""
    return f"""
  <ceb:SummaryReturn>
    <ceb:guid>{GUID.format(number)}</ceb:guid>
    <ceb:agentCode>3307980123</ceb:agentCode>
    <ceb:ebcCode>{ebc_code}</ceb:ebcCode>
    <ceb:copNo>{cop_no}</ceb:copNo>
    <ceb:preNo>{PRE_NO}</ceb:preNo>{sum_line}
    <ceb:msgSeqNo>1</ceb:msgSeqNo>
    <ceb:returnStatus>{status}</ceb:returnStatus>
    <ceb:returnTime>{at}</ceb:returnTime>
    <ceb:returnInfo>{info}</ceb:returnInfo>
  </ceb:SummaryReturn>"""


def ceb702(*entries):
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ceb:CEB702Message guid="{GUID.format(99)}" version="1.0" xmlns:ceb="{messages.NS}">'
        + "".join(entries)
        + "\n</ceb:CEB702Message>\n"
    ).encode()


@pytest.fixture
def export(world):
    made = ready(world)
    return services.create_export_order(
        actor=None, order=shop_order(world.seller, world.product), **export_fields(made)
    )


@pytest.fixture
def cop_no(export):
    assert declarations.needs_summary(export)  # 9610, declared as a summary (B)
    return declarations.summary_window(export).cop_no


def _import(world, xml, filename="s.xml"):
    return services.import_receipts(actor=None, county=world.county, xml=xml, filename=filename)


def test_a_summary_receipt_is_a_valid_gacc_message(export, cop_no):
    xml = ceb702(summary_return(cop_no, export.ecommerce.code, 2, "20270102090000000", "申报中"))
    assert messages.message_problems(xml) == []
    (receipt,) = messages.read_receipts(xml)
    assert (receipt.message_type, receipt.cop_no, receipt.pre_no, receipt.status) == (
        "CEB702",
        cop_no,
        PRE_NO,
        2,
    )


def test_summary_receipts_update_the_application_once_each(world, export, cop_no):
    code = export.ecommerce.code
    sent = ceb702(summary_return(cop_no, code, 2, "20270102090000000", "申报中"))
    result = _import(world, sent)
    assert (result.added, result.already) == (1, 0)
    application = SummaryApplication.objects.get(cop_no=cop_no)
    assert (application.county, application.ecommerce, application.customs_code) == (
        world.county,
        export.ecommerce,
        "8601",
    )
    assert application.month == datetime.date(2026, 12, 1)
    assert (application.pre_no, application.sum_no, application.status) == (PRE_NO, "", 2)
    # The same file again adds nothing.
    result = _import(world, sent)
    assert (result.added, result.already) == (0, 1)
    # Concluded, with customs' summary number; then an older receipt arrives late: the status
    # stays the latest by customs' time, the history keeps both in time order.
    _import(world, ceb702(summary_return(cop_no, code, 399, "20270103100000000", "审结", SUM_NO)))
    _import(world, ceb702(summary_return(cop_no, code, 120, "20270102120000000", "入库")))
    application.refresh_from_db()
    assert (application.sum_no, application.status) == (SUM_NO, 399)
    assert list(application.statuses.values_list("code", flat=True)) == [2, 120, 399]
    assert application.statuses.last().info == "审结"
    # The export order's own status history is not touched by the summary's receipts.
    assert export.statuses.count() == 0


def test_a_summary_receipt_naming_no_application_of_the_county_refuses_the_file(
    world, export, cop_no
):
    code = export.ecommerce.code
    good = summary_return(cop_no, code, 2, "20270102090000000", number=1)
    unknown = summary_return("SUM8601202611000001", code, 2, "20270102090000000", number=2)
    with pytest.raises(CrossborderError) as refused:
        _import(world, ceb702(good, unknown))
    assert refused.value.code == CrossborderErrorCode.UNKNOWN_RECEIPT
    assert refused.value.problems == [
        "s.xml, line 14: no summary application SUM8601202611000001 in this county."
    ]
    assert not SummaryApplication.objects.exists() and not SummaryStatus.objects.exists()
    # Our number, but another enterprise's code: refused, naming both.
    with pytest.raises(CrossborderError) as refused:
        _import(world, ceb702(summary_return(cop_no, "1234567890", 2, "20270102090000000")))
    (problem,) = refused.value.problems
    assert f"summary application {cop_no} is 高山茶叶专业合作社's ({code}), not 1234567890's" in (
        problem
    )
    # A status code the specification does not have.
    with pytest.raises(CrossborderError) as refused:
        _import(world, ceb702(summary_return(cop_no, code, 7, "20270102090000000")))
    assert "7 is not a receipt status code of the specification" in refused.value.problems[0]
    assert not SummaryApplication.objects.exists()


def test_a_summary_receipt_the_xsd_refuses_is_named_with_its_place(world, export, cop_no):
    xml = ceb702(summary_return(cop_no, export.ecommerce.code, 2, "20270102090000000"))
    with pytest.raises(CrossborderError) as refused:
        _import(world, xml.replace(PRE_NO.encode(), b"S2026"))
    assert any("s.xml, line 8, column" in problem for problem in refused.value.problems)
    assert not SummaryApplication.objects.exists()


def test_the_receipts_page_and_the_order_page_show_the_summary(world, export, cop_no, client):
    xml = ceb702(
        summary_return(cop_no, export.ecommerce.code, 399, "20270103100000000", "审结", SUM_NO)
    )
    url = f"/c/{world.county.slug}/exports/receipts/"
    client.force_login(world.users["seller_staff"])
    upload = SimpleUploadedFile("s.xml", xml, content_type="application/xml")
    assert client.post(url, {"file": upload}).status_code == 403
    client.force_login(world.users["county_admin"])
    assert "CEB702Message" in client.get(url).content.decode()
    upload = SimpleUploadedFile("s.xml", xml, content_type="application/xml")
    page = client.post(url, {"file": upload}, follow=True).content.decode()
    assert "1 receipt(s) added, 0 already recorded." in page
    client.force_login(world.users["seller_staff"])
    page = client.get(f"/c/{world.county.slug}/exports/{export.pk}/").content.decode()
    assert 'id="summary-application"' in page
    assert cop_no in page and PRE_NO in page and SUM_NO in page and "审结" in page
    client.cookies["django_language"] = "zh-hans"
    page = client.get(f"/c/{world.county.slug}/exports/{export.pk}/").content.decode()
    assert "汇总申请" in page


def test_the_cli_imports_summary_receipts(world, export, cop_no, tmp_path):
    from typer.testing import CliRunner

    from countyhub.cli import app

    good = tmp_path / "s.xml"
    good.write_bytes(
        ceb702(summary_return(cop_no, export.ecommerce.code, 2, "20270102090000000", "申报中"))
    )
    command = ["crossborder", "receipts", "--county", world.county.slug]
    result = CliRunner().invoke(app, [*command, str(good), str(good)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "s.xml: 1 receipt(s) added, 0 already recorded",
        "s.xml: 0 receipt(s) added, 1 already recorded",
    ]
    bad = tmp_path / "bad.xml"
    bad.write_bytes(
        ceb702(summary_return("SUM0000000000000000", export.ecommerce.code, 2, "20270102090000000"))
    )
    result = CliRunner().invoke(app, [*command, str(bad)])
    assert result.exit_code == 2
    assert "bad.xml, line 3: no summary application SUM0000000000000000" in result.stderr


@requires_postgres
def test_postgresql_keeps_the_summary_history_for_good(world, export, cop_no):
    _import(world, ceb702(summary_return(cop_no, export.ecommerce.code, 2, "20270102090000000")))
    status = SummaryStatus.objects.get()
    for sql in (
        "UPDATE crossborder_summarystatus SET code = 399 WHERE id = %s",
        "DELETE FROM crossborder_summarystatus WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [status.pk])
    assert SummaryStatus.objects.get().code == 2
