"""The demo county on the 832 platform: flagged an 832 county, the `seller` account's seller a
qualified supplier, three budget units with their reserved shares and orders in every state."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from countyhub.catalog.models import Seller
from countyhub.channels.gov832 import (
    AdminLevel,
    BuyerUnit,
    DocumentKind,
    Gov832County,
    ProcurementStatus,
    QualificationDocument,
    Recommendation,
    UnitKind,
)
from countyhub.channels.procurement import advance_order, file_reservation, pay_first, place_order
from countyhub.core.local_time import local_date

UNITS = (
    ("县第一中学食堂", UnitKind.SCHOOL, AdminLevel.COUNTY, "130732", "1200000", "15"),
    ("县人民医院", UnitKind.HOSPITAL, AdminLevel.COUNTY, "130732", "800000", "10"),
    ("市财政局机关食堂", UnitKind.GOVERNMENT, AdminLevel.CITY, "130700", "300000", "20"),
)
# Where each demo order stops: deliver-first to each step, two paid first, one disputed.
STEPS = (
    ProcurementStatus.EVALUATED,
    ProcurementStatus.PAID,
    ProcurementStatus.INVOICED,
    ProcurementStatus.ACCEPTED,
    ProcurementStatus.SHIPPED,
    ProcurementStatus.PLACED,
    ProcurementStatus.DISPUTED,
)
PATH = (
    ProcurementStatus.SHIPPED,
    ProcurementStatus.RECEIVED,
    ProcurementStatus.ACCEPTED,
    ProcurementStatus.INVOICED,
    ProcurementStatus.PAID,
    ProcurementStatus.EVALUATED,
)


def build_gov832(county: Any, admin: Any) -> str:
    """The 832 part of the demo; a line for the demo's summary."""
    today = local_date(timezone.now(), county)
    Gov832County.objects.update_or_create(county=county, defaults={"is_832_county": True})
    seller = Seller.objects.get(county=county, staff__username="seller")
    Recommendation.objects.create(
        seller=seller,
        department="县乡村振兴局、县农业农村局",
        recommended_on=today - datetime.timedelta(days=400),
        note="联农带农成效明显",
    )
    for number, kind in enumerate(DocumentKind):
        QualificationDocument.objects.create(
            seller=seller,
            kind=kind,
            number=f"DEMO-{kind.value[:4].upper()}-{number + 1:04d}",
            valid_from=today - datetime.timedelta(days=700),
            valid_until=today + datetime.timedelta(days=700),
        )
    units = []
    for name, kind, level, code, total, percent in UNITS:
        unit = BuyerUnit.objects.create(
            county=county, name=name, kind=kind, level=level, region_code=code
        )
        file_reservation(
            actor=admin,
            unit=unit,
            year=today.year,
            canteen_food_total=Decimal(total),
            percent=Decimal(percent),
        )
        units.append(unit)
    # The units' purchases are entered by the county's administrator on their behalf.
    buyer = admin
    start = datetime.date(today.year, 1, 1)
    for index, stop in enumerate(STEPS):
        placed_on = max(start, today - datetime.timedelta(days=10 * (len(STEPS) - index)))
        order = place_order(
            actor=buyer,
            unit=units[index % len(units)],
            seller=seller,
            number=f"832-{today.year}-{index + 1:05d}",
            amount=Decimal(8000 + 1500 * index),
            placed_on=placed_on,
        )
        if index % 3 == 1:
            order = pay_first(actor=buyer, order=order, on=placed_on)
        path = PATH if stop != ProcurementStatus.DISPUTED else (*PATH[:2], stop)
        for step in path[: path.index(stop) + 1] if stop in path else ():
            if order.status == stop:
                break
            order = advance_order(
                actor=buyer,
                order=order,
                to=step,
                on=placed_on,
                acceptance_record=SimpleUploadedFile(
                    "验货单.pdf", b"%PDF-1.4\n% demo acceptance record\n%%EOF\n"
                ),
                rating=5 - index % 2,
                dispute_reason="部分货品破损",
            )
    return f"832: 1 qualified supplier, {len(units)} budget units, {len(STEPS)} orders"
