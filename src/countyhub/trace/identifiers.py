"""The GS1 identifiers of the county's products and batches, as the gs1 library builds them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import transaction

from countyhub.catalog.models import Product
from countyhub.gs1 import cbv, keys
from countyhub.gs1.digital_link import DigitalLink
from countyhub.gs1.epcis import QuantityElement
from countyhub.gs1.errors import GS1KeyError
from countyhub.trace.errors import TraceError, TraceErrorCode
from countyhub.trace.models import Batch, ProductForm, ProductIdentifier, TraceProfile

# UN/CEFACT Rec. 20 codes of the catalogue's units. Rec. 20 has no jin (500 g): a jin is
# written as half a KGM, so weights in events are always true kilograms.
UOM = {"kg": "KGM", "jin": "KGM", "piece": "H87", "box": "XBX", "bag": "XBG", "bottle": "XBO"}
KG_PER_UNIT = {"kg": Decimal(1), "jin": Decimal("0.5")}

VOCABULARY = cbv.CountyVocabulary()
NAMESPACES = VOCABULARY.context()


def trace_domain() -> str:
    return settings.TRACE_DOMAIN


def product_gtin(product: Product) -> str:
    """The product's own GTIN (as GTIN-14), or its internal GTIN, given out once and kept."""
    if product.gtin:
        return keys.normalise_gtin(product.gtin)
    return _internal_gtin(product, ProductForm.PACKED)


def harvest_gtin(product: Product) -> str:
    """The internal GTIN of the product's unpacked harvest (given out once and kept): packing
    is a transformation, so its input needs an identity of its own beside the packed product."""
    return _internal_gtin(product, ProductForm.HARVEST)


@transaction.atomic
def _internal_gtin(product: Product, form: str) -> str:
    existing = ProductIdentifier.objects.filter(product=product, form=form).first()
    if existing is not None:
        return existing.gtin
    profile = TraceProfile.objects.select_for_update().filter(county_id=product.county_id).first()
    if profile is None:
        raise TraceError(
            TraceErrorCode.NO_DIVISION_CODE,
            "The county has no division code for internal GTINs (set its traceability profile).",
            field="product",
        )
    try:
        gtin = keys.internal_gtin(profile.division_code, profile.next_item_number)
    except GS1KeyError as error:
        raise TraceError(TraceErrorCode.INVALID_IDENTIFIER, str(error), field="product") from error
    ProductIdentifier.objects.create(
        product=product, form=form, item_number=profile.next_item_number, gtin=gtin
    )
    profile.next_item_number += 1
    profile.save(update_fields=["next_item_number"])
    return gtin


def batch_link(batch: Batch, *, serial: str | None = None) -> DigitalLink:
    if serial is not None:
        return DigitalLink.product(batch.gtin, serial=serial, domain=trace_domain())
    return DigitalLink.product(batch.gtin, lot=batch.lot, domain=trace_domain())


def lot_uri(batch: Batch) -> str:
    """The batch's Digital Link: the string in its QR code and in its events."""
    return batch_link(batch).uri


def harvest_lot_uri(batch: Batch) -> str:
    """The unpacked harvest of the batch's lot: the subject of its field steps and harvest, and
    the input of its packing. Batches recorded before harvest GTINs existed use the lot's link."""
    if not batch.harvest_gtin:
        return lot_uri(batch)
    return DigitalLink.product(batch.harvest_gtin, lot=batch.lot, domain=trace_domain()).uri


def plot_uri(batch: Batch) -> str:
    """The field or plot as a location URI (a county without GLNs names plots this way)."""
    return f"urn:countyhub:plot:{batch.county_id}:{batch.seller_id}:{quote(batch.plot, safe='')}"


def seller_uri(batch: Batch) -> str:
    return f"urn:countyhub:seller:{batch.county_id}:{batch.seller_id}"


def batch_quantity(batch: Batch, epc_class: str, quantity: Decimal) -> QuantityElement:
    """A quantity in the batch's unit as an EPCIS quantity element (jin as kilograms)."""
    factor = KG_PER_UNIT.get(batch.unit, Decimal(1))
    return QuantityElement(
        epc_class=epc_class, quantity=float(quantity * factor), uom=UOM[batch.unit]
    )


def units_of(batch: Batch, element: dict[str, Any]) -> float:
    """An EPCIS quantity element of the batch's lot back in the batch's unit."""
    factor = KG_PER_UNIT.get(batch.unit, Decimal(1)) if element.get("uom") == "KGM" else 1
    return float(element.get("quantity", 0)) / float(factor)


def logger_link(county_id: int, serial: str) -> DigitalLink:
    """A temperature logger of the county as a GIAI (company prefix `04` + division code, then
    the logger's own serial) in a Digital Link: the deviceID of its readings."""
    profile = TraceProfile.objects.filter(county_id=county_id).first()
    if profile is None:
        raise TraceError(
            TraceErrorCode.NO_DIVISION_CODE,
            "The county has no division code (set its traceability profile).",
        )
    try:
        key = keys.giai(keys.internal_company_prefix(profile.division_code), serial)
    except GS1KeyError as error:
        raise TraceError(TraceErrorCode.INVALID_IDENTIFIER, str(error), field="logger") from error
    return DigitalLink(key_ai="8004", key=key, domain=trace_domain())


def container_uri(sscc: str) -> str:
    """A case's or pallet's Digital Link `https://<trace domain>/00/<sscc>`: the string in its
    logistic label's QR code and the parentID (or child EPC) of its aggregation events."""
    return DigitalLink(key_ai="00", key=sscc, domain=trace_domain()).uri


@transaction.atomic
def allocate_sscc(county_id: int) -> str:
    """The county's next SSCC under its internal company prefix; serial references are handed
    out in order and never reused, so an SSCC names one logistic unit forever."""
    profile = TraceProfile.objects.select_for_update().filter(county_id=county_id).first()
    if profile is None:
        raise TraceError(
            TraceErrorCode.NO_DIVISION_CODE,
            "The county has no division code, so it cannot number cases and pallets.",
            field="county",
        )
    try:
        sscc = keys.internal_sscc(profile.division_code, profile.next_sscc_serial)
    except GS1KeyError as error:
        raise TraceError(TraceErrorCode.INVALID_IDENTIFIER, str(error), field="county") from error
    profile.next_sscc_serial += 1
    profile.save(update_fields=["next_sscc_serial"])
    return sscc
