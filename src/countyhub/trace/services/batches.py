"""Batches: a new lot of a product, by its seller's staff or county staff."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from countyhub.catalog.models import Product, Seller
from countyhub.core.audit import record_audit
from countyhub.gs1 import keys
from countyhub.gs1.errors import GS1KeyError
from countyhub.trace import policies
from countyhub.trace.errors import TraceError, TraceErrorCode
from countyhub.trace.identifiers import harvest_gtin, product_gtin
from countyhub.trace.models import Batch, SerialisedUnit


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Only the batch's seller or county staff may do this."))


@transaction.atomic
def create_batch(
    *,
    actor: Any,
    product: Product,
    lot: str,
    quantity: Decimal,
    plot: str,
    production_date: datetime.date | None = None,
    expiry_date: datetime.date | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    serial_count: int = 0,
) -> Batch:
    """A new lot of `product`, by its seller's staff (or county staff)."""
    seller: Seller = product.seller
    _require(policies.may_create_for(actor, seller.pk, product.county_id))
    try:
        lot = keys.validate_lot(lot.strip())
    except GS1KeyError as error:
        raise TraceError(TraceErrorCode.INVALID_IDENTIFIER, str(error), field="lot") from error
    if quantity is None or quantity <= 0:
        raise TraceError(
            TraceErrorCode.NOT_POSITIVE, _("The quantity must be more than zero."), field="quantity"
        )
    if not plot.strip():
        raise TraceError(TraceErrorCode.REQUIRED, _("Name the field or plot."), field="plot")
    if production_date and expiry_date and expiry_date < production_date:
        raise TraceError(
            TraceErrorCode.INVALID_TIME,
            _("The expiry date is before the production date."),
            field="expiry_date",
        )
    if (latitude is None) != (longitude is None):
        raise TraceError(
            TraceErrorCode.REQUIRED,
            _("Give both latitude and longitude, or neither."),
            field="latitude",
        )
    if not 0 <= serial_count <= 500:
        raise TraceError(
            TraceErrorCode.OUT_OF_RANGE,
            _("Serialise at most 500 units per batch."),
            field="serial_count",
        )
    gtin, harvest = product_gtin(product), harvest_gtin(product)
    if Batch.objects.filter(gtin=gtin, lot=lot).exists():
        raise TraceError(
            TraceErrorCode.DUPLICATE_LOT,
            _("This product already has a batch with this lot number."),
            field="lot",
        )
    batch = Batch.objects.create(
        county_id=product.county_id,
        product=product,
        seller=seller,
        gtin=gtin,
        harvest_gtin=harvest,
        lot=lot,
        quantity=quantity,
        unit=product.unit,
        production_date=production_date,
        expiry_date=expiry_date,
        plot=plot.strip(),
        latitude=latitude,
        longitude=longitude,
    )
    # Numeric serials, unique per GTIN (the batch id leads), so that a unit's /21/ link names
    # one unit and the serial fits an SGTIN-96 RFID tag (at most 2^38 - 1).
    SerialisedUnit.objects.bulk_create(
        SerialisedUnit(batch=batch, serial=f"{batch.pk}{n:04d}") for n in range(1, serial_count + 1)
    )
    record_audit(
        actor=actor,
        action="batch.created",
        target=batch,
        county=batch.county,
        changes={"lot": lot, "quantity": quantity},
    )
    return batch
