"""The GS1 identifiers of the county's products and batches, as the gs1 library builds them."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.db import transaction

from countyhub.catalog.models import Product
from countyhub.gs1 import cbv, keys
from countyhub.gs1.digital_link import DigitalLink
from countyhub.gs1.errors import GS1KeyError
from countyhub.trace.errors import TraceError
from countyhub.trace.models import Batch, ProductIdentifier, TraceProfile

VOCABULARY = cbv.CountyVocabulary()
NAMESPACES = VOCABULARY.context()


def trace_domain() -> str:
    return settings.TRACE_DOMAIN


@transaction.atomic
def product_gtin(product: Product) -> str:
    """The product's own GTIN (as GTIN-14), or its internal GTIN, given out once and kept."""
    if product.gtin:
        return keys.normalise_gtin(product.gtin)
    existing = ProductIdentifier.objects.filter(product=product).first()
    if existing is not None:
        return existing.gtin
    profile = TraceProfile.objects.select_for_update().filter(county_id=product.county_id).first()
    if profile is None:
        raise TraceError(
            "The product has no GTIN and the county has no division code for internal ones.",
            field="product",
        )
    try:
        gtin = keys.internal_gtin(profile.division_code, profile.next_item_number)
    except GS1KeyError as error:
        raise TraceError(str(error), field="product") from error
    ProductIdentifier.objects.create(
        product=product, item_number=profile.next_item_number, gtin=gtin
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


def plot_uri(batch: Batch) -> str:
    """The field or plot as a location URI (a county without GLNs names plots this way)."""
    return f"urn:countyhub:plot:{batch.county_id}:{batch.seller_id}:{quote(batch.plot, safe='')}"


def seller_uri(batch: Batch) -> str:
    return f"urn:countyhub:seller:{batch.county_id}:{batch.seller_id}"


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
            "The county has no division code, so it cannot number cases and pallets.",
            field="county",
        )
    try:
        sscc = keys.internal_sscc(profile.division_code, profile.next_sscc_serial)
    except GS1KeyError as error:
        raise TraceError(str(error), field="county") from error
    profile.next_sscc_serial += 1
    profile.save(update_fields=["next_sscc_serial"])
    return sscc
