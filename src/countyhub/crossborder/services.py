"""Use cases of cross-border exports, one transaction each, audited: exchange rates (entered or
imported), the HS code table, trade parties, products' trade data, compliance records, export
orders (rate frozen, lines converted and declared), receipt statuses, numbered documents."""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from countyhub.catalog.models import Product
from countyhub.core.audit import record_audit, save_with_audit
from countyhub.core.local_time import local_date
from countyhub.core.models import County
from countyhub.core.tabular import TableError, read_table
from countyhub.crossborder.declarations import SummaryKey, summary_applications
from countyhub.crossborder.errors import CrossborderError, CrossborderErrorCode
from countyhub.crossborder.models import (
    ComplianceRecord,
    DeclarationStatus,
    DocumentKind,
    DocumentSequence,
    ExchangeRate,
    ExportDocument,
    ExportOrder,
    ExportOrderLine,
    HSCode,
    PartyRole,
    ProductTradeData,
    RateSource,
    StatusSource,
    SummaryApplication,
    SummaryStatus,
    TradeParty,
    validate_receipt_code,
)
from countyhub.crossborder.selectors import hs_line, rate_on, trade_data_gaps
from countyhub.customs import messages
from countyhub.customs.currencies import (
    CNY,
    PriceEnding,
    check_minor_units,
    convert_from_cny,
    line_total,
    round_amount,
)
from countyhub.customs.declaration import check_declaration, five_places, logistics_no_reused
from countyhub.customs.errors import (
    CurrencyError,
    HSCodeError,
    MessageError,
    PartyCodeError,
    Problem,
)
from countyhub.customs.hs import parse_hs
from countyhub.customs.parties import validate_party_code
from countyhub.shop.models import Order

RATE_COLUMNS = ("date", "currency", "rate", "source")
HS_COLUMNS = (
    "code",
    "valid_from",
    "valid_to",
    "name_zh",
    "name_en",
    "unit1",
    "unit2",
    "supervision_conditions",
    "inspection_category",
    "export_duty",
    "declaration_elements",
)
DOCUMENT_PREFIX = {DocumentKind.INVOICE: "CI", DocumentKind.PACKING_LIST: "PL"}


def _file_error(filename: str, problems: list[str]) -> CrossborderError:
    return CrossborderError(
        CrossborderErrorCode.BAD_FILE,
        _("%(file)s was not imported: %(count)s problem(s). Nothing was saved.")
        % {"file": filename, "count": len(problems)},
        field="file",
        problems=problems,
    )


def _table(upload: IO[bytes], filename: str, required: Iterable[str]) -> list[dict[str, str]]:
    """The rows as dicts by header; every required header present, or the file is refused."""
    try:
        rows = read_table(upload, filename)
    except TableError as error:
        raise _file_error(filename, [f"{filename}: {error.message}"]) from error
    if not rows:
        raise _file_error(filename, [_("%(file)s is empty.") % {"file": filename}])
    header = [name.strip().lower() for name in rows[0]]
    missing = [name for name in required if name not in header]
    if missing:
        raise _file_error(
            filename,
            [
                _("%(file)s, row 1: the column %(column)s is missing.")
                % {"file": filename, "column": name}
                for name in missing
            ],
        )
    return [dict(zip(header, row, strict=False)) for row in rows[1:] if any(row)]


def _where(filename: str, row: int, column: str) -> str:
    return _("%(file)s, row %(row)s, column %(column)s") % {
        "file": filename,
        "row": row,
        "column": column,
    }


def _date(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value.strip()[:10])


@transaction.atomic
def record_rate(
    *, actor: Any, currency: str, day: datetime.date, source: str, rate: Decimal
) -> ExchangeRate:
    """Enter a day's rate (CNY per unit); an existing one of the same day and source changes."""
    existing = ExchangeRate.objects.filter(currency=currency, date=day, source=source).first()
    instance = existing or ExchangeRate(currency=currency, date=day, source=source)
    instance.rate = rate
    return save_with_audit(actor=actor, instance=instance, county=None)


@transaction.atomic
def import_rates(*, actor: Any, upload: IO[bytes], filename: str) -> int:
    """Import rates from a CSV or XLSX with columns date, currency, rate[, source]; all or
    nothing: any bad cell refuses the file, naming row and column."""
    rows = _table(upload, filename, RATE_COLUMNS[:3])
    problems: list[str] = []
    parsed = []
    for number, row in enumerate(rows, start=2):
        try:
            day = _date(row.get("date", ""))
        except ValueError:
            problems.append(
                _("%(where)s: %(value)r is not a date (YYYY-MM-DD).")
                % {"where": _where(filename, number, "date"), "value": row.get("date", "")}
            )
            continue
        try:
            rate = Decimal(row.get("rate", "").strip())
        except InvalidOperation:
            problems.append(
                _("%(where)s: %(value)r is not a number.")
                % {"where": _where(filename, number, "rate"), "value": row.get("rate", "")}
            )
            continue
        source = (row.get("source") or RateSource.PBOC).strip()
        instance = ExchangeRate(
            currency=row.get("currency", "").strip().upper(), date=day, source=source, rate=rate
        )
        try:
            instance.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                problems.extend(
                    f"{_where(filename, number, field)}: {message}" for message in messages_
                )
            continue
        parsed.append(instance)
    if problems:
        raise _file_error(filename, problems)
    for instance in parsed:
        record_rate(
            actor=actor,
            currency=instance.currency,
            day=instance.date,
            source=instance.source,
            rate=instance.rate,
        )
    return len(parsed)


@transaction.atomic
def import_hs_codes(*, actor: Any, upload: IO[bytes], filename: str) -> int:
    """Load HS code lines from a CSV or XLSX (columns HS_COLUMNS; codes as text: a code that
    lost its leading zero in a spreadsheet is refused, not padded); all or nothing."""
    rows = _table(upload, filename, (*HS_COLUMNS[:4], "unit1"))
    problems: list[str] = []
    parsed = []
    for number, row in enumerate(rows, start=2):
        try:
            code = parse_hs(row.get("code", ""))
        except HSCodeError as error:
            problems.append(f"{_where(filename, number, 'code')}: {error}")
            continue
        try:
            valid_from = _date(row.get("valid_from", ""))
            valid_to = _date(row["valid_to"]) if row.get("valid_to", "").strip() else None
        except ValueError:
            problems.append(
                _("%(where)s: not a date (YYYY-MM-DD).")
                % {"where": _where(filename, number, "valid_from/valid_to")}
            )
            continue
        instance = HSCode.objects.filter(code=code.code, valid_from=valid_from).first() or HSCode(
            code=code.code, valid_from=valid_from
        )
        instance.valid_to = valid_to
        for field in HS_COLUMNS[3:]:
            if field == "export_duty":
                instance.export_duty = row.get(field, "").strip().lower() in (
                    "1",
                    "yes",
                    "true",
                    "是",
                )
            elif field != "valid_to":
                setattr(instance, field, row.get(field, "").strip())
        try:
            instance.full_clean(validate_unique=False)
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                problems.extend(
                    f"{_where(filename, number, field)}: {message}" for message in messages_
                )
            continue
        parsed.append(instance)
    if problems:
        raise _file_error(filename, problems)
    for instance in parsed:
        save_with_audit(actor=actor, instance=instance, county=None)
    return len(parsed)


@transaction.atomic
def save_party(*, actor: Any, party: TradeParty) -> TradeParty:
    return save_with_audit(actor=actor, instance=party, county=party.county)


@transaction.atomic
def save_trade_data(*, actor: Any, product: Product, **values: Any) -> ProductTradeData:
    """Create or change a product's trade data; the HS code is normalised first."""
    data = ProductTradeData.objects.filter(product=product).first() or ProductTradeData(
        product=product, origin_county=product.county
    )
    if "hs_code" in values:
        try:
            values["hs_code"] = parse_hs(values["hs_code"]).full
        except HSCodeError as error:
            raise ValidationError({"hs_code": str(error)}) from error
    for field, value in values.items():
        setattr(data, field, value)
    producer = values.get("producer")
    if producer is not None and producer.county_id != product.county_id:
        raise CrossborderError(
            CrossborderErrorCode.OTHER_COUNTY,
            _("The producer belongs to another county."),
            field="producer",
        )
    return save_with_audit(actor=actor, instance=data, county=product.county)


@transaction.atomic
def save_seller_trade_data(
    *, actor: Any, product: Product, producer_code: str, **values: Any
) -> ProductTradeData:
    """A seller's page: the producer is the product's seller, known to customs by the code
    given (its producer party is made on first use)."""
    seller = product.seller
    try:
        code = validate_party_code(producer_code)
    except PartyCodeError as error:
        raise ValidationError({"producer_code": str(error)}) from error
    producer = TradeParty.objects.filter(
        county=product.county, role=PartyRole.PRODUCER, code=code
    ).first()
    if producer is not None and producer.seller_id != seller.pk:
        raise ValidationError({"producer_code": _("This code belongs to another producer.")})
    if producer is None:
        producer = save_party(
            actor=actor,
            party=TradeParty(
                county=product.county,
                role=PartyRole.PRODUCER,
                code=code,
                name=seller.name[:100],
                name_en=seller.name_en[:100],
                seller=seller,
            ),
        )
    return save_trade_data(actor=actor, product=product, producer=producer, **values)


@transaction.atomic
def save_compliance_record(*, actor: Any, record: ComplianceRecord) -> ComplianceRecord:
    return save_with_audit(actor=actor, instance=record, county=record.county)


def _problems_error(
    code: CrossborderErrorCode, message: str, problems: list[str]
) -> CrossborderError:
    return CrossborderError(code, message, problems=problems)


@transaction.atomic
def create_export_order(
    *,
    actor: Any,
    order: Order,
    rate_source: str = RateSource.PBOC,
    ending: PriceEnding = PriceEnding.NONE,
    **fields: Any,
) -> ExportOrder:
    """The export side of a shop order: the rate of the order's day is frozen on it, each line's
    CNY unit price converted (half up to the minor units, then the price ending) and multiplied
    by the quantity, the products' trade data copied onto the lines, the weights summed; refused
    with every problem named when a product lacks trade data or a customs rule is broken."""
    order = Order.objects.select_for_update().select_related("seller", "county").get(pk=order.pk)
    if ExportOrder.objects.filter(order=order).exists():
        raise CrossborderError(
            CrossborderErrorCode.ALREADY_EXPORTED,
            _("Order %(number)s already has an export order.") % {"number": order.number},
        )
    currency = fields["currency"]
    rate_day = local_date(order.placed_at, order.county)
    # A shop order in a foreign currency (a cross-border channel's) is priced in it already:
    # the export keeps its currency, prices and the rate frozen on it at placement.
    priced_abroad = order.currency != CNY
    if priced_abroad and currency != order.currency:
        raise CrossborderError(
            CrossborderErrorCode.DECLARATION_INVALID,
            _("Order %(number)s was placed in %(currency)s: export it in %(currency)s.")
            % {"number": order.number, "currency": order.currency},
            field="currency",
        )
    if currency == CNY:
        rate, source, rate_date = Decimal(1), RateSource.MANUAL, rate_day
    elif priced_abroad and order.fx_rate is not None and order.fx_date is not None:
        rate, source, rate_date = order.fx_rate, order.fx_source, order.fx_date
    else:
        found = rate_on(currency, rate_day, rate_source)
        rate, source, rate_date = found.rate, found.source, found.date
    fields.setdefault("cop_no", order.number)
    fields.setdefault("external_order_no", order.number)
    fields.setdefault("freight_currency", currency)
    fields.setdefault("insurance_currency", currency)
    for amount_field, currency_field in (
        ("freight", "freight_currency"),
        ("insured_fee", "insurance_currency"),
    ):
        try:
            check_minor_units(
                fields.get(amount_field, Decimal(0)), fields[currency_field], amount_field
            )
        except CurrencyError as error:
            raise CrossborderError(
                CrossborderErrorCode.DECLARATION_INVALID,
                _("%(field)s: %(problem)s.") % {"field": amount_field, "problem": error},
                field=amount_field,
            ) from error
    export = ExportOrder(
        county=order.county,
        order=order,
        fx_rate=rate,
        fx_source=source,
        fx_date=rate_date,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        net_weight=Decimal(0),
        gross_weight=Decimal(0),
        **fields,
    )
    gaps: list[str] = []
    lines: list[ExportOrderLine] = []
    for gnum, order_line in enumerate(order.lines.select_related("product").order_by("pk"), 1):
        product = order_line.product
        missing = trade_data_gaps(product, export.destination, export.export_date)
        if missing:
            gaps.extend(f"{product.name}: {gap}" for gap in missing)
            continue
        data = product.trade_data
        hs = hs_line(data.hs_code, export.export_date)
        unit_price = (
            round_amount(order_line.unit_price, currency)
            if priced_abroad
            else convert_from_cny(order_line.unit_price, rate, currency, ending)
        )
        quantity = order_line.quantity
        lines.append(
            ExportOrderLine(
                order_line=order_line,
                gnum=gnum,
                item_no=(product.gtin or f"P{product.pk}")[:20],
                hs_code=data.gcode,
                name_zh=data.declared_name_zh,
                name_en=data.declared_name_en,
                gmodel=data.gmodel,
                origin_country=data.origin_country,
                unit=data.customs_unit,
                unit1=hs.unit1 if hs else data.customs_unit,
                unit2=hs.unit2 if hs else "",
                bar_code=product.gtin,
                quantity=quantity,
                unit_price=unit_price,
                line_total=line_total(unit_price, quantity, currency),
                net_weight=five_places(data.net_weight * quantity),
                gross_weight=five_places(data.gross_weight * quantity),
                volume_m3=(data.volume_m3 * quantity).quantize(Decimal("0.000001")),
            )
        )
    if gaps:
        raise _problems_error(
            CrossborderErrorCode.TRADE_DATA_INCOMPLETE,
            _("Some products cannot be exported yet: their trade data is incomplete."),
            gaps,
        )
    export.net_weight = sum((line.net_weight for line in lines), Decimal(0))
    # The packed weight may be weighed at the warehouse; never less than the goods' gross.
    export.gross_weight = max(
        fields.get("gross_weight") or Decimal(0),
        sum((line.gross_weight for line in lines), Decimal(0)),
    )
    export.full_clean(exclude=["order"])
    earlier = ExportOrder.objects.filter(logistics=export.logistics).values_list(
        "logistics__code", "logistics_no", "export_date"
    )
    if logistics_no_reused(
        export.logistics.code, export.logistics_no, export.export_date, list(earlier)
    ):
        raise CrossborderError(
            CrossborderErrorCode.LOGISTICS_NO_REUSED,
            _("Waybill number %(number)s was used by %(company)s within 180 days.")
            % {"number": export.logistics_no, "company": export.logistics.name},
            field="logistics_no",
        )
    export.save()
    for line in lines:
        line.export_order = export
    ExportOrderLine.objects.bulk_create(lines)
    _check_declaration(export)
    record_audit(
        actor=actor,
        action="exportorder.created",
        target=export,
        county=export.county,
        changes={
            "order": order.number,
            "mode": export.mode,
            "currency": currency,
            "fx_rate": rate,
            "fx_source": source,
            "fx_date": rate_date,
        },
    )
    return export


def _check_declaration(export: ExportOrder) -> None:
    from countyhub.crossborder.declarations import declaration_for, export_messages

    problems = check_declaration(declaration_for(export))
    if problems:
        raise _problems_error(
            CrossborderErrorCode.DECLARATION_INVALID,
            _("The export declaration breaks customs rules."),
            [str(problem) for problem in problems],
        )
    try:
        export_messages(export)
    except MessageError as error:
        raise _problems_error(
            CrossborderErrorCode.DECLARATION_INVALID,
            _("The customs messages are invalid."),
            [str(problem) for problem in error.problems],
        ) from error


@transaction.atomic
def record_status(
    *,
    actor: Any,
    export: ExportOrder,
    code: int,
    at: datetime.datetime,
    info: str = "",
    source: str = StatusSource.ENTERED,
    message_type: str = "",
) -> DeclarationStatus:
    """Add a receipt status to the declaration's history; the latest by time is its status."""
    export = ExportOrder.objects.select_for_update().get(pk=export.pk)
    status = DeclarationStatus(
        export_order=export,
        code=code,
        at=at,
        info=info[:1000],
        source=source,
        message_type=message_type,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    status.full_clean()
    status.save()
    latest = export.statuses.order_by("-at", "-pk").first()
    export.status = latest.code if latest else code
    export.save(update_fields=["status", "updated_at"])
    record_audit(
        actor=actor,
        action="declarationstatus.created",
        target=status,
        county=export.county,
        changes={"export_order": export.pk, "code": code, "source": source},
    )
    return status


@dataclass(frozen=True)
class ReceiptImport:
    """What a receipt file did: receipts added to histories, and those already there."""

    added: int
    already: int


def _export_for_receipt(county: County, receipt: messages.Receipt) -> ExportOrder | None:
    """The county's export order a receipt answers: by our list number (CEB604, CEB510), the
    platform's order number (CEB304, CEB404) or the waybill number (CEB506)."""
    exports = ExportOrder.objects.filter(county=county)
    if receipt.cop_no and (found := exports.filter(cop_no=receipt.cop_no).first()):
        return found
    if receipt.order_no and (found := exports.filter(external_order_no=receipt.order_no).first()):
        return found
    if receipt.logistics_no:
        return exports.filter(logistics_no=receipt.logistics_no).order_by("-export_date").first()
    return None


def _receipt_problem(filename: str, problem: Problem) -> str:
    """`file, line 6, column 25: reason` with the place in the page's language (the reason is
    the XML parser's or the schema's, in English as GACC's tools also give it)."""
    place = problem.field
    found = re.match(r"line (\d+), column (\d+)(.*)", place)
    if found:
        place = (
            _("line %(line)s, column %(column)s") % {"line": found[1], "column": found[2]}
            + found[3]
        )
    return f"{filename}, {place}: {problem.message}"


SUMMARY_RECEIPT = "CEB702"


def _record_summary_receipt(
    *,
    actor: Any,
    county: County,
    receipt: messages.Receipt,
    applications: dict[str, SummaryKey],
) -> bool | str:
    """Add a CEB702 receipt to the history of the county's summary application it names (by our
    number); True if added, False if already there, else what is wrong (with the line)."""
    line = _("line %(line)s") % {"line": receipt.line}
    key = applications.get(receipt.cop_no)
    if key is None:
        return _("%(line)s: no summary application %(number)s in this county.") % {
            "line": line,
            "number": receipt.cop_no,
        }
    enterprise = TradeParty.objects.get(pk=key.ecommerce_id)
    if receipt.ebc_code != enterprise.code:
        return _(
            "%(line)s: summary application %(number)s is %(name)s's (%(code)s), not %(other)s's."
        ) % {
            "line": line,
            "number": receipt.cop_no,
            "name": enterprise.name,
            "code": enterprise.code,
            "other": receipt.ebc_code,
        }
    try:
        validate_receipt_code(receipt.status)
    except ValidationError as error:
        return f"{line}: {' '.join(error.messages)}"
    application, created = SummaryApplication.objects.select_for_update().get_or_create(
        cop_no=receipt.cop_no,
        defaults={
            "county": county,
            "ecommerce_id": key.ecommerce_id,
            "customs_code": key.customs_code,
            "month": key.month,
        },
    )
    if (
        not created
        and application.statuses.filter(
            code=receipt.status, at=receipt.at, info=receipt.info[:1000]
        ).exists()
    ):
        return False
    status = SummaryStatus.objects.create(
        application=application,
        code=receipt.status,
        at=receipt.at,
        info=receipt.info[:1000],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # Customs gives the numbers once they exist; a later receipt without them keeps them.
    application.pre_no = receipt.pre_no or application.pre_no
    application.sum_no = receipt.sum_no or application.sum_no
    application.status = application.statuses.order_by("-at", "-pk").values_list("code", flat=True)[
        0
    ]
    application.save(update_fields=["pre_no", "sum_no", "status", "updated_at"])
    record_audit(
        actor=actor,
        action="summarystatus.created",
        target=status,
        county=county,
        changes={"application": application.cop_no, "code": receipt.status},
    )
    return True


@transaction.atomic
def import_receipts(*, actor: Any, county: County, xml: bytes, filename: str) -> ReceiptImport:
    """Read a customs receipt message (CEB304, CEB404, CEB506, CEB510, CEB604) and add each
    receipt to the history of the county's export order it answers, or a summary receipt
    (CEB702) to that of the county's summary application. All or nothing: malformed XML (its
    line and column), an unknown message, a schema problem or a receipt naming no export order
    or summary application of the county refuses the file. Idempotent: a receipt already in
    the history (same order or application, message, code, time and text) is not added again."""
    try:
        receipts = messages.read_receipts(xml)
    except MessageError as error:
        raise _file_error(
            filename,
            [_receipt_problem(filename, problem) for problem in error.problems],
        ) from error
    if not receipts:
        raise _file_error(filename, [_("%(file)s holds no receipt.") % {"file": filename}])
    unknown: list[str] = []
    added = already = 0
    applications: dict[str, SummaryKey] | None = None
    for receipt in receipts:
        if receipt.message_type == SUMMARY_RECEIPT:
            if applications is None:
                applications = summary_applications(county.pk)
            outcome = _record_summary_receipt(
                actor=actor, county=county, receipt=receipt, applications=applications
            )
            if isinstance(outcome, str):
                unknown.append(f"{filename}, " + outcome)
            elif outcome:
                added += 1
            else:
                already += 1
            continue
        export = _export_for_receipt(county, receipt)
        if export is None:
            unknown.append(
                _("%(file)s, line %(line)s: no export order %(number)s in this county.")
                % {
                    "file": filename,
                    "line": receipt.line,
                    "number": receipt.cop_no or receipt.order_no or receipt.logistics_no,
                }
            )
            continue
        if DeclarationStatus.objects.filter(
            export_order=export,
            source=StatusSource.RECEIPT,
            message_type=receipt.message_type,
            code=receipt.status,
            at=receipt.at,
            info=receipt.info[:1000],
        ).exists():
            already += 1
            continue
        if receipt.invt_no and not export.invt_no:
            ExportOrder.objects.filter(pk=export.pk).update(invt_no=receipt.invt_no)
        record_status(
            actor=actor,
            export=export,
            code=receipt.status,
            at=receipt.at,
            info=receipt.info,
            source=StatusSource.RECEIPT,
            message_type=receipt.message_type,
        )
        added += 1
    if unknown:
        raise _problems_error(
            CrossborderErrorCode.UNKNOWN_RECEIPT,
            _("Some receipts name no export order or summary application. Nothing was saved."),
            unknown,
        )
    return ReceiptImport(added=added, already=already)


@transaction.atomic
def issue_documents(
    *, actor: Any, export: ExportOrder, issued_on: datetime.date
) -> list[ExportDocument]:
    """Number the order's commercial invoice and packing list, once: each the next of the
    seller's numbers of its kind in the year, without gaps (the sequence row is locked)."""
    export = (
        ExportOrder.objects.select_for_update().select_related("order__seller").get(pk=export.pk)
    )
    seller = export.order.seller
    documents = []
    for kind in DocumentKind:
        existing = ExportDocument.objects.filter(export_order=export, kind=kind).first()
        if existing:
            documents.append(existing)
            continue
        sequence, _created = DocumentSequence.objects.select_for_update().get_or_create(
            seller=seller, kind=kind, year=issued_on.year
        )
        sequence.last += 1
        sequence.save(update_fields=["last"])
        document = ExportDocument.objects.create(
            export_order=export,
            seller=seller,
            kind=kind,
            year=issued_on.year,
            serial=sequence.last,
            number=f"{DOCUMENT_PREFIX[kind]}{seller.pk:04d}-{issued_on.year}-{sequence.last:05d}",
            issued_on=issued_on,
        )
        record_audit(
            actor=actor,
            action="exportdocument.created",
            target=document,
            county=export.county,
            changes={"number": document.number, "kind": kind},
        )
        documents.append(document)
    return documents


def read_upload(upload: Any) -> tuple[IO[bytes], str]:
    """A Django upload as bytes and its name (the importers take both)."""
    return io.BytesIO(upload.read()), upload.name
