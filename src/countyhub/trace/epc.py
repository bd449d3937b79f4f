"""A batch's serialised units as Digital Links, EPC URIs and RFID tags (SGTIN-96 or SGTIN-198)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from countyhub.gs1 import keys, tds
from countyhub.gs1.errors import GS1Error, GS1KeyError
from countyhub.trace.identifiers import batch_link
from countyhub.trace.models import Batch, SerialisedUnit

CSV_COLUMNS = ("serial", "digital_link", "epc_uri", "scheme", "tag_hex")


@dataclass(frozen=True)
class UnitRow:
    serial: str
    digital_link: str
    epc_uri: str = ""
    scheme: str = ""
    tag_hex: str = ""
    problem: str = ""  # why this unit has no EPC URI or tag


@dataclass(frozen=True)
class BatchUnits:
    rows: list[UnitRow]
    total: int
    problem: str | None  # why no unit has an EPC URI or tag: the company prefix length


def company_prefix_length(batch: Batch) -> int:
    """The length of the GS1 company prefix in the batch's GTIN; `GS1KeyError` when unknown.

    The product's stored length counts only while the batch carries the product's own GTIN (a
    batch made before the product got one keeps its internal GTIN, whose prefix is 8 digits).
    """
    product = batch.product
    known = None
    if keys.is_valid_gtin(product.gtin) and keys.normalise_gtin(product.gtin) == batch.gtin:
        known = product.gs1_company_prefix_length
    return keys.company_prefix_length(batch.gtin, known)


def _unknown_prefix(error: GS1KeyError) -> str:
    return _(
        "No EPC URIs or RFID tags: the length of this GTIN's GS1 company prefix is not known "
        "(%(reason)s). Enter it as the product's GS1 company prefix length in the back office "
        "or the product import."
    ) % {"reason": error}


def unit_rows(batch: Batch, units: Iterable[SerialisedUnit]) -> tuple[list[UnitRow], str | None]:
    """One row per unit; when the company prefix length is unknown, links only and the reason."""
    try:
        length: int | None = company_prefix_length(batch)
    except GS1KeyError as error:
        length, problem = None, _unknown_prefix(error)
    else:
        problem = None
    rows = []
    for unit in units:
        # A serial outside GS1 character set 82 (not one countyhub numbers) has neither a
        # Digital Link nor a tag; the row says why instead of failing the whole page.
        try:
            link = batch_link(batch, serial=unit.serial).uri
            tag = None
            if length is not None:
                tag = tds.choose_tag(batch.gtin, unit.serial, company_prefix_length=length)
        except GS1Error as error:
            rows.append(UnitRow(unit.serial, "", problem=str(error)))
            continue
        if tag is None:
            rows.append(UnitRow(unit.serial, link))
        else:
            rows.append(UnitRow(unit.serial, link, tag.uri(), tag.scheme.value, tag.hex))
    return rows, problem


def batch_units(batch: Batch, *, limit: int) -> BatchUnits:
    """The first `limit` units of the batch for its page, and how many it has in all."""
    rows, problem = unit_rows(batch, batch.units.all()[:limit])
    total = batch.units.count() if len(rows) == limit else len(rows)
    return BatchUnits(rows=rows, total=total, problem=problem)


def units_csv(batch: Batch) -> str:
    """Every unit of the batch for an RFID encoding station: serial, Digital Link, EPC URI,
    scheme and tag hex (the last three empty when the company prefix length is unknown)."""
    rows, _problem = unit_rows(batch, batch.units.all())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([row.serial, row.digital_link, row.epc_uri, row.scheme, row.tag_hex])
    return out.getvalue()
