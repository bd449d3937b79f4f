"""Recording yearbook figures and the county's reference prices: one typed in, or a whole file
imported (all rows or none)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.catalog.models import Category, Product, Unit
from countyhub.core.audit import changed_values, delete_with_audit, field_values, save_with_audit
from countyhub.core.models import AuditEntry, County
from countyhub.core.tabular import Limits, TableError, read_table
from countyhub.impact.models import (
    FigureUnit,
    Indicator,
    ReferencePrice,
    YearbookFigure,
    allowed_units,
)

IMPORT_COLUMNS = ("year", "indicator", "value", "unit", "source", "definition")
REQUIRED_COLUMNS = ("year", "indicator", "value", "unit", "source")
MAX_IMPORT_ROWS = 2_000
FIGURE_PLACES = Decimal("0.0001")  # YearbookFigure.value's decimal places


@dataclass(frozen=True)
class RowError:
    """A bad cell of an imported file; the header is row 1, as a spreadsheet shows it."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("row %(row)d, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class ImportRejectedError(Exception):
    """The file changes nothing; every error is listed."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


def unit_error(indicator: str, unit: str) -> str | None:
    """Why a unit does not fit an indicator (money for money, people for population), or None."""
    if unit in allowed_units(indicator):
        return None
    names = ", ".join(str(FigureUnit(u).label) for u in allowed_units(indicator))
    return _("%(indicator)s is given in %(units)s.") % {
        "indicator": Indicator(indicator).label,
        "units": names,
    }


@transaction.atomic
def record_figure(
    *,
    actor: Any,
    county: County,
    year: int,
    indicator: str,
    value: Decimal,
    unit: str,
    source: str,
    definition: str = "",
) -> YearbookFigure:
    """Store a county's figure for a year, replacing the one typed in before (audited)."""
    problem = unit_error(indicator, unit)
    if problem:
        raise ValidationError({"unit": problem})
    figure = (
        YearbookFigure.objects.select_for_update()
        .filter(county=county, year=year, indicator=indicator)
        .first()
    ) or YearbookFigure(county=county, year=year, indicator=indicator)
    figure.value, figure.unit, figure.source, figure.definition = value, unit, source, definition
    return save_with_audit(actor=actor, instance=figure, county=county)


def _read_rows(
    upload: IO[bytes], filename: str, *, columns: Sequence[str], required: Sequence[str]
) -> tuple[list[dict[str, str]], list[str], list[RowError]]:
    """The rows of a .csv (UTF-8 or GB18030) or .xlsx by its header in row 1 (lower case), that
    header, and what is wrong with it: columns not in ``columns``, or of ``required`` missing.
    A file that cannot be read or is empty is rejected at once."""
    try:
        values = read_table(
            upload, filename, Limits(rows=MAX_IMPORT_ROWS, columns=len(columns) + 5)
        )
    except TableError as problem:
        place = _("file") if problem.column == 0 else _("column %(n)d") % {"n": problem.column}
        raise ImportRejectedError([RowError(problem.row, place, problem.message)]) from problem
    if not values:
        raise ImportRejectedError([RowError(1, _("header"), _("The file is empty."))])
    header = [name.strip().lower() for name in values[0]]
    errors = [RowError(1, n, _("Unknown column.")) for n in header if n and n not in columns]
    errors += [RowError(1, n, _("Missing column.")) for n in required if n not in header]
    rows = [
        dict(zip(header, row + [""] * (len(header) - len(row)), strict=False))
        for row in values[1:]
        if any(row)
    ]
    return rows, header, errors


def read_figure_rows(upload: IO[bytes], filename: str) -> list[dict[str, str]]:
    """The rows of a .csv or .xlsx with the columns of IMPORT_COLUMNS (header in row 1)."""
    rows, _header, errors = _read_rows(
        upload, filename, columns=IMPORT_COLUMNS, required=REQUIRED_COLUMNS
    )
    if errors:
        raise ImportRejectedError(errors)
    return rows


def _parse_row(row: dict[str, str], number: int, errors: list[RowError]) -> dict[str, Any] | None:
    found = len(errors)
    year: int | None = None
    try:
        year = int(row["year"])
        if not 1949 <= year <= 2100:
            raise ValueError
    except ValueError:
        errors.append(RowError(number, "year", _("A year such as 2023.")))
    indicator = row["indicator"].strip().lower()
    if indicator not in Indicator.values:
        errors.append(RowError(number, "indicator", _("One of: %s.") % ", ".join(Indicator.values)))
    value: Decimal | None = None
    try:
        value = Decimal(row["value"].replace(",", ""))
        if not value.is_finite() or value < 0:
            raise InvalidOperation
    except InvalidOperation:
        errors.append(RowError(number, "value", _("A number of 0 or more.")))
    unit = row["unit"].strip().lower()
    if unit not in FigureUnit.values:
        errors.append(RowError(number, "unit", _("One of: %s.") % ", ".join(FigureUnit.values)))
    elif indicator in Indicator.values and (problem := unit_error(indicator, unit)):
        errors.append(RowError(number, "unit", problem))
    if not row["source"].strip():
        errors.append(RowError(number, "source", _("Say where the figure is published.")))
    if len(errors) > found:
        return None
    return {
        "year": year,
        "indicator": indicator,
        "value": value,
        "unit": unit,
        "source": row["source"].strip(),
        "definition": row.get("definition", "").strip(),
    }


@transaction.atomic
def import_figures(*, actor: Any, county: County, rows: list[dict[str, str]]) -> int:
    """Record every row of a file, or none when any row is wrong; returns how many."""
    errors: list[RowError] = []
    parsed = [_parse_row(row, number, errors) for number, row in enumerate(rows, start=2)]
    seen: dict[tuple[Any, Any], int] = {}
    for number, fields in enumerate(parsed, start=2):
        if fields is None:
            continue
        key = (fields["year"], fields["indicator"])
        if key in seen:
            errors.append(
                RowError(number, "indicator", _("Same year and indicator as row %d.") % seen[key])
            )
        seen.setdefault(key, number)
    if errors:
        raise ImportRejectedError(sorted(errors, key=lambda error: error.row))
    _write_figures(actor, county, [fields for fields in parsed if fields is not None])
    return len(parsed)


# --- the county's reference prices (impact.living_costs) -----------------------------------------

PRICE_COLUMNS = ("year", "category", "product", "unit", "price", "place", "source")
REQUIRED_PRICE_COLUMNS = ("year", "unit", "price", "place", "source")
# The words Chinese price sheets use for the catalogue's units, besides the codes themselves.
UNIT_WORDS = {
    "公斤": Unit.KILOGRAM,
    "千克": Unit.KILOGRAM,
    "斤": Unit.JIN,
    "市斤": Unit.JIN,
    "个": Unit.PIECE,
    "件": Unit.PIECE,
    "只": Unit.PIECE,
    "盒": Unit.BOX,
    "箱": Unit.BOX,
    "袋": Unit.BAG,
    "包": Unit.BAG,
    "瓶": Unit.BOTTLE,
    "罐": Unit.BOTTLE,
}


@transaction.atomic
def record_reference_price(
    *,
    actor: Any,
    county: County,
    year: int,
    unit: str,
    price: Decimal,
    place: str,
    source: str,
    category: Category | None = None,
    product: Product | None = None,
) -> ReferencePrice:
    """Store a price the county observed, replacing the one typed in before for the same
    year, item and place (audited)."""
    item = {"product": product} if product is not None else {"category": category}
    reference = (
        ReferencePrice.objects.select_for_update()
        .filter(
            county=county,
            year=year,
            place=place,
            **item,
            **{"category__isnull" if product is not None else "product__isnull": True},
        )
        .order_by("pk")
        .first()
    ) or ReferencePrice(county=county, year=year, place=place, category=category, product=product)
    reference.unit, reference.price, reference.source = unit, price, source
    return save_with_audit(actor=actor, instance=reference, county=county)


@transaction.atomic
def delete_reference_price(*, actor: Any, reference: ReferencePrice) -> None:
    delete_with_audit(actor=actor, instance=reference, county=reference.county)


def read_price_rows(upload: IO[bytes], filename: str) -> list[dict[str, str]]:
    """The rows of a .csv (UTF-8 or GB18030) or .xlsx with the columns of PRICE_COLUMNS."""
    rows, header, errors = _read_rows(
        upload, filename, columns=PRICE_COLUMNS, required=REQUIRED_PRICE_COLUMNS
    )
    if "category" not in header and "product" not in header:
        errors.append(RowError(1, "category", _("Give a column category or product.")))
    if errors:
        raise ImportRejectedError(errors)
    return rows


class _Items:
    """The county's categories (by slug or name) and products (by GTIN, seller SKU or name)."""

    def __init__(self, county: County) -> None:
        self.categories: dict[str, Category] = {}
        for category in Category.objects.filter(county=county):
            self.categories[category.slug.lower()] = category
            self.categories[category.name.lower()] = category
            if category.name_en:
                self.categories[category.name_en.lower()] = category
        self.products: dict[str, list[Product]] = {}
        for product in Product.objects.filter(county=county).only(
            "pk", "name", "gtin", "seller_sku", "county_id"
        ):
            for key in {product.name, product.gtin, product.seller_sku} - {""}:
                self.products.setdefault(key.lower(), []).append(product)


def parse_unit(text: str) -> str | None:
    word = text.strip()
    if word.lower() in Unit.values:
        return word.lower()
    return UNIT_WORDS.get(word)


def _parse_price_row(
    row: dict[str, str], number: int, items: _Items, errors: list[RowError]
) -> dict[str, Any] | None:
    found = len(errors)
    year: int | None = None
    try:
        # A spreadsheet may store the year 2024 as the number 2024.0.
        year = int(row["year"].strip().removesuffix(".0"))
        if not 1949 <= year <= 2100:
            raise ValueError
    except ValueError:
        errors.append(RowError(number, "year", _("A year such as 2024.")))
    category_text, product_text = row.get("category", "").strip(), row.get("product", "").strip()
    category: Category | None = None
    product: Product | None = None
    if bool(category_text) == bool(product_text):
        errors.append(
            RowError(number, "category", _("Give a category or a product, not both or neither."))
        )
    elif category_text:
        category = items.categories.get(category_text.lower())
        if category is None:
            message = _("No category %(name)s in this county.") % {"name": category_text}
            errors.append(RowError(number, "category", message))
    else:
        matches = items.products.get(product_text.lower(), [])
        if len(matches) != 1:
            message = (
                _("No product %(name)s in this county (give its name, GTIN or SKU).")
                if not matches
                else _("%(name)s names several products; give the GTIN or SKU.")
            )
            errors.append(RowError(number, "product", message % {"name": product_text}))
        else:
            product = matches[0]
    unit = parse_unit(row["unit"])
    if unit is None:
        errors.append(RowError(number, "unit", _("One of: %s.") % ", ".join(Unit.values)))
    price: Decimal | None = None
    try:
        price = Decimal(row["price"].replace(",", "").removeprefix("¥").strip())
        if not price.is_finite() or price <= 0 or price != price.quantize(Decimal("0.01")):
            raise InvalidOperation
    except InvalidOperation:
        errors.append(
            RowError(number, "price", _("A price in yuan above 0, with at most 2 decimals."))
        )
    for column, what in (
        ("place", _("Say where it was observed.")),
        ("source", _("Say who observed it.")),
    ):
        if not row[column].strip():
            errors.append(RowError(number, column, what))
    if len(errors) > found:
        return None
    return {
        "year": year,
        "category": category,
        "product": product,
        "unit": unit,
        "price": price,
        "place": row["place"].strip(),
        "source": row["source"].strip(),
    }


@transaction.atomic
def import_reference_prices(*, actor: Any, county: County, rows: list[dict[str, str]]) -> int:
    """Record every row of a price file, or none when any row is wrong; returns how many."""
    items = _Items(county)
    errors: list[RowError] = []
    parsed = [_parse_price_row(row, n, items, errors) for n, row in enumerate(rows, start=2)]
    seen: dict[tuple[Any, ...], int] = {}
    for number, fields in enumerate(parsed, start=2):
        if fields is None:
            continue
        key = (fields["year"], fields["category"], fields["product"], fields["place"])
        if key in seen:
            errors.append(
                RowError(number, "place", _("Same year, item and place as row %d.") % seen[key])
            )
        seen.setdefault(key, number)
    if errors:
        raise ImportRejectedError(sorted(errors, key=lambda error: error.row))
    for fields in parsed:
        assert fields is not None  # every row parsed, or errors were raised above
        record_reference_price(actor=actor, county=county, **fields)
    return len(parsed)


def _write_figures(actor: Any, county: County, rows: list[dict[str, Any]]) -> None:
    """Each row as record_figure stores and audits it, but in a few statements for the whole
    file (a province's years of figures are thousands of rows): the county's figures are read
    and locked once, new ones inserted and changed ones updated in bulk, and one audit entry
    per figure written or changed, with the values as the column keeps them."""
    stored = {
        (figure.year, figure.indicator): figure
        for figure in YearbookFigure.objects.select_for_update().filter(county=county)
    }
    new: list[YearbookFigure] = []
    changed: list[tuple[YearbookFigure, dict[str, Any]]] = []
    for fields in rows:
        figure = stored.get((fields["year"], fields["indicator"]))
        before = field_values(figure) if figure is not None else None
        if figure is None:
            figure = YearbookFigure(
                county=county, year=fields["year"], indicator=fields["indicator"]
            )
        figure.value, figure.unit = fields["value"], fields["unit"]
        figure.source, figure.definition = fields["source"], fields["definition"]
        # Unique per county, year and indicator, and not negative: both checked above.
        figure.full_clean(validate_unique=False, validate_constraints=False)
        figure.value = figure.value.quantize(FIGURE_PLACES)  # as the column gives it back
        if before is None:
            new.append(figure)
        elif field_values(figure) != before:
            figure.updated_at = timezone.now()
            changed.append((figure, before))
    YearbookFigure.objects.bulk_create(new)
    YearbookFigure.objects.bulk_update(
        [figure for figure, _before in changed],
        ["value", "unit", "source", "definition", "updated_at"],
    )
    writes: list[tuple[YearbookFigure, dict[str, Any], str]]
    writes = [(figure, {}, "created") for figure in new]
    writes += [(figure, before, "changed") for figure, before in changed]
    AuditEntry.objects.bulk_create(
        AuditEntry(
            county=county,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            action=f"yearbookfigure.{action}",
            object_type=YearbookFigure._meta.label_lower,
            object_id=str(figure.pk),
            changes=changed_values(before, field_values(figure)),
        )
        for figure, before, action in writes
    )
