"""An export order as the customs library's plain `Declaration`, and its four messages."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from countyhub.core.months import month_end, month_start
from countyhub.crossborder.models import (
    ExportOrder,
    ExportOrderLine,
    SummaryApplication,
    TradeParty,
)
from countyhub.crossborder.selectors import hs_line
from countyhub.customs import messages
from countyhub.customs.declaration import Declaration, Line, Mode, Party, StatisticsFlag, Transfer
from countyhub.customs.parties import NO_CODE

KILOGRAM = "035"


def _party(party: TradeParty) -> Party:
    return Party(NO_CODE if party.code == NO_CODE else party.code, party.name, party.telephone)


def legal_quantity(line: ExportOrderLine) -> Decimal:
    """The quantity in the HS line's legal unit: kilograms are the net weight."""
    return line.net_weight if line.unit1 == KILOGRAM else line.quantity


def declaration_for(export: ExportOrder) -> Declaration:
    lines = tuple(
        Line(
            gnum=line.gnum,
            item_no=line.item_no,
            item_name=line.name_zh,
            gcode=line.hs_code,
            gname=line.name_zh,
            gmodel=line.gmodel,
            unit=line.unit,
            qty=line.quantity,
            unit1=line.unit1,
            qty1=legal_quantity(line),
            price=line.unit_price,
            total_price=line.line_total,
            bar_code=line.bar_code,
            item_describe=line.name_en,
        )
        for line in export.lines.all()
    )
    sender = export.ecommerce
    hs_lines = [hs_line(line.hs_code, export.export_date) for line in export.lines.all()]
    licence_or_duty = any(h is not None and (h.needs_licence or h.export_duty) for h in hs_lines)
    return Declaration(
        mode=Mode(export.mode),
        order_no=export.external_order_no,
        cop_no=export.cop_no,
        app_time=export.created_at,
        platform=_party(export.platform),
        ecommerce=_party(export.ecommerce),
        logistics=_party(export.logistics),
        payment=_party(export.payment),
        agent=_party(export.agent),
        owner=_party(export.producer),
        transfer=Transfer(sender.code, sender.name, sender.dxp_id or "DXP0000000000000"),
        currency=export.currency,
        customs_code=export.customs_code,
        port_code=export.port_code,
        export_date=export.export_date,
        statistics_flag=StatisticsFlag(export.statistics_flag),
        traf_mode=export.traf_mode,
        country=export.destination,
        pod=export.pod,
        freight=export.freight,
        freight_currency=export.freight_currency,
        insured_fee=export.insured_fee,
        insurance_currency=export.insurance_currency,
        wrap_type=export.wrap_type,
        pack_no=export.pack_no,
        gross_weight=export.gross_weight,
        net_weight=export.net_weight,
        logistics_no=export.logistics_no,
        goods_info=export.goods_info,
        pay_no=export.pay_no,
        paid_at=export.paid_at,
        lines=lines,
        bonded_warehouse=_party(export.bonded_warehouse) if export.bonded_warehouse else None,
        ems_no=export.ems_no,
        traf_name=export.traf_name,
        bill_no=export.bill_no,
        invt_no=export.invt_no,
        pre_no=export.pre_no,
        licence_or_duty=licence_or_duty,
        wants_vat_rebate=export.wants_vat_rebate,
    )


MESSAGE_FILES = {kind: f"{kind}Message.xml" for kind in messages.MESSAGE_TYPES}


def export_messages(export: ExportOrder) -> dict[str, bytes]:
    """File name → validated XML of the order's CEB303, CEB403, CEB505 and CEB603."""
    built = messages.build_messages(declaration_for(export))
    return {MESSAGE_FILES[kind]: xml for kind, xml in built.items()}


SUMMARY_FILE = "CEB701Message.xml"


def needs_summary(export: ExportOrder) -> bool:
    """A 9610 list declared as a summary (statisticsFlag B) is summed up by a CEB701."""
    return export.mode == Mode.B2C and export.statistics_flag == StatisticsFlag.SUMMARY


def summary_cop_no(customs_code: str, month: datetime.date, ecommerce_id: int) -> str:
    """Our number of the summary application of an enterprise, customs and month."""
    return f"SUM{customs_code}{month:%Y%m}{ecommerce_id:06d}"


@dataclass(frozen=True)
class SummaryKey:
    ecommerce_id: int
    customs_code: str
    month: datetime.date  # its first day


def summary_applications(county_id: int) -> dict[str, SummaryKey]:
    """Our number → enterprise, customs and month of every summary application the county's
    9610 summary-declared export orders make (one per enterprise, customs and month)."""
    found = {}
    rows = ExportOrder.objects.filter(
        county_id=county_id, mode=Mode.B2C, statistics_flag=StatisticsFlag.SUMMARY
    ).values_list("ecommerce_id", "customs_code", "export_date")
    for ecommerce_id, customs_code, export_date in rows:
        month = month_start(export_date)
        key = SummaryKey(ecommerce_id, customs_code, month)
        found[summary_cop_no(customs_code, month, ecommerce_id)] = key
    return found


def summary_application_of(export: ExportOrder) -> SummaryApplication | None:
    """The summary application covering a 9610 summary-declared order, once customs answered
    it (None before its first CEB702 receipt, and for every other order)."""
    if not needs_summary(export):
        return None
    number = summary_cop_no(
        export.customs_code, month_start(export.export_date), export.ecommerce_id
    )
    return SummaryApplication.objects.filter(county_id=export.county_id, cop_no=number).first()


def summary_window(export: ExportOrder) -> messages.SummaryWindow:
    """The monthly summary application of the order's e-commerce enterprise at its declaring
    customs: the export month (Beijing time), and the customs list numbers known so far of
    every 9610 summary-declared order of that enterprise, customs and month."""
    start_day = month_start(export.export_date)
    end_day = month_end(export.export_date)
    siblings = ExportOrder.objects.filter(
        county_id=export.county_id,
        ecommerce=export.ecommerce_id,
        customs_code=export.customs_code,
        mode=Mode.B2C,
        statistics_flag=StatisticsFlag.SUMMARY,
        export_date__range=(start_day, end_day),
    ).exclude(invt_no="")
    return messages.SummaryWindow(
        cop_no=summary_cop_no(export.customs_code, start_day, export.ecommerce_id),
        customs_code=export.customs_code,
        start=datetime.datetime.combine(start_day, datetime.time.min, messages.BEIJING),
        end=datetime.datetime.combine(end_day, datetime.time(23, 59, 59), messages.BEIJING),
        invt_nos=tuple(sorted(siblings.values_list("invt_no", flat=True))),
    )


def summary_message(export: ExportOrder) -> bytes:
    """The validated CEB701 summary application covering the order (MessageError if invalid;
    ValueError for an order that is not a 9610 summary declaration)."""
    if not needs_summary(export):
        raise ValueError(f"{export.order.number} is not a 9610 summary declaration")
    xml = messages.ceb701(declaration_for(export), summary_window(export))
    messages.validate_message(xml, "CEB701")
    return xml
