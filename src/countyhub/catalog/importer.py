"""Bulk import and edit of products from CSV or XLSX, validated row by row.

A file with any error changes nothing: every error is reported with its row and column, and the
rows are applied, all in one transaction, only when the whole file is valid. A row with an `id`
edits that product; a row without one creates a product.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from countyhub.catalog import services
from countyhub.catalog.errors import ImportRejectedError, RowError
from countyhub.catalog.models import Brand, Category, Product, Seller, Stock, Unit
from countyhub.catalog.validators import company_prefix_length_error, validate_gtin
from countyhub.core import metrics
from countyhub.core.audit import save_with_audit
from countyhub.core.models import County
from countyhub.core.tabular import Limits, TableError, read_table

COLUMNS = (
    "id",
    "name",
    "name_en",
    "category",
    "brand",
    "seller",
    "unit",
    "net_content",
    "price",
    "gtin",
    "gs1_company_prefix_length",
    "stock",
    "active",
    "description",
)
REQUIRED_FOR_NEW = ("name", "category", "brand", "unit", "price")
TRUE, FALSE = {"1", "yes", "true", "y", "是"}, {"0", "no", "false", "n", "否"}
MAX_ROWS = 5_000
NUMBER_FIELDS = {
    "price": Product._meta.get_field("price"),
    "stock": Stock._meta.get_field("quantity"),
}
TEXT_COLUMNS = ("name", "name_en", "net_content", "description")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    products: list[Product] = field(default_factory=list)


def read_rows(upload: IO[bytes], filename: str) -> list[dict[str, str]]:
    """Rows as dicts of stripped strings, from a .csv (UTF-8 with or without BOM, GB18030,
    UTF-16 with BOM) or .xlsx, read within the caps of `core.tabular`."""
    try:
        values = read_table(upload, filename, Limits(rows=MAX_ROWS, columns=len(COLUMNS) + 10))
    except TableError as problem:
        place = "file" if problem.column == 0 else _("column %(n)d") % {"n": problem.column}
        raise ImportRejectedError([RowError(problem.row, place, problem.message)]) from problem
    if not values:
        raise ImportRejectedError([RowError(1, "header", _("The file is empty."))])
    header = [name.lower() for name in values[0]]
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        raise ImportRejectedError([RowError(1, name, _("Unknown column.")) for name in unknown])
    return [
        dict(zip(header, row + [""] * (len(header) - len(row)), strict=False))
        for row in values[1:]
        if any(row)
    ]


def _decimal(value: str, column: str, row: int, errors: list[RowError], places: int) -> Any:
    """A number ≥ 0 that fits its database column (digits before and after the point)."""
    field = NUMBER_FIELDS[column]
    try:
        number = Decimal(value.replace(",", ""))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        errors.append(RowError(row, column, _("Not a number.")))
        return None
    whole_digits = field.max_digits - field.decimal_places
    if number < 0 or number.normalize().as_tuple().exponent < -places:  # type: ignore[operator]
        errors.append(
            RowError(
                row, column, _("Give a number ≥ 0 with at most %(n)d decimals.") % {"n": places}
            )
        )
        return None
    if number >= Decimal(10) ** whole_digits:
        errors.append(
            RowError(
                row,
                column,
                _("Too large: at most %(n)d digits before the decimal point.")
                % {"n": whole_digits},
            )
        )
        return None
    # 12.500 is 12.50: the column keeps `places` decimals.
    return number.quantize(Decimal(1).scaleb(-places))


def _validate_row(
    row: dict[str, str], number: int, *, lookups: dict[str, Any], errors: list[RowError]
) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    product = None
    if row.get("id"):
        product = lookups["products"].get(row["id"])
        if product is None:
            errors.append(RowError(number, "id", _("No such product of yours in this county.")))
    else:
        errors.extend(
            RowError(number, column, _("Required for a new product."))
            for column in REQUIRED_FOR_NEW
            if not row.get(column)
        )
    clean["product"] = product
    for column, table in (("category", "categories"), ("brand", "brands"), ("seller", "sellers")):
        if row.get(column):
            found = lookups[table].get(row[column])
            if found is None:
                errors.append(RowError(number, column, _("Unknown: %(v)s") % {"v": row[column]}))
            clean[column] = found
    if product is None and not row.get("id") and "seller" not in clean:
        if lookups["default_seller"] is None:
            errors.append(RowError(number, "seller", _("Say which seller sells it.")))
        clean["seller"] = lookups["default_seller"]
    if row.get("unit"):
        if row["unit"] not in Unit.values:
            errors.append(
                RowError(number, "unit", _("One of: %(units)s") % {"units": ", ".join(Unit.values)})
            )
        clean["unit"] = row["unit"]
    if row.get("price"):
        price = _decimal(row["price"], "price", number, errors, 2)
        if price is not None and price <= 0:
            errors.append(RowError(number, "price", _("The price must be more than zero.")))
        clean["price"] = price
    if row.get("stock"):
        clean["stock"] = _decimal(row["stock"], "stock", number, errors, 3)
    if row.get("gtin"):
        try:
            validate_gtin(row["gtin"])
        except ValidationError as error:
            errors.append(RowError(number, "gtin", error.messages[0]))
        clean["gtin"] = row["gtin"]
    column = "gs1_company_prefix_length"
    if row.get(column):
        if row[column].isdigit() and 6 <= int(row[column]) <= 12:
            clean[column] = int(row[column])
            gtin = clean.get("gtin", product.gtin if product else "")
            problem = company_prefix_length_error(gtin, clean[column])
            if problem:
                errors.append(RowError(number, column, problem))
        else:
            errors.append(RowError(number, column, _("Give a whole number from 6 to 12.")))
    elif product is not None and "gtin" in clean:
        # A new GTIN must still fit the length already stored for the product.
        problem = company_prefix_length_error(clean["gtin"], product.gs1_company_prefix_length)
        if problem:
            errors.append(RowError(number, "gtin", problem))
    if row.get("active"):
        flag = row["active"].lower()
        if flag not in TRUE | FALSE:
            errors.append(RowError(number, "active", _("Write yes or no.")))
        clean["active"] = flag in TRUE
    for column in TEXT_COLUMNS:
        if row.get(column):
            limit = Product._meta.get_field(column).max_length
            if limit and len(row[column]) > limit:
                errors.append(
                    RowError(number, column, _("At most %(n)d characters.") % {"n": limit})
                )
            clean[column] = row[column]
    return clean


def _lookups(*, county: County, sellers: list[Seller]) -> dict[str, Any]:
    seller_ids = [s.pk for s in sellers]
    return {
        "products": {
            str(p.pk): p for p in Product.objects.filter(county=county, seller_id__in=seller_ids)
        },
        "categories": {c.slug: c for c in Category.objects.filter(county=county)},
        "brands": {b.slug: b for b in Brand.objects.filter(county=county)},
        "sellers": {s.name: s for s in sellers},
        "default_seller": sellers[0] if len(sellers) == 1 else None,
    }


def import_products(
    *,
    county: County,
    actor: Any,
    sellers: list[Seller],
    rows: list[dict[str, str]],
    progress: Callable[[int, int], None] | None = None,
    applied: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Apply `rows` for `sellers` (those the actor may change); all rows or none.

    `progress(done, total)` is called as rows are checked, before anything is written (a job's
    cancel stops it there); `applied(report)` is called last inside the transaction that writes
    the rows, so what it writes (a job's "applied" mark) is committed with them or not at all."""
    lookups = _lookups(county=county, sellers=sellers)
    errors: list[RowError] = []
    cleaned = []
    for index, row in enumerate(rows, start=2):
        cleaned.append(_validate_row(row, index, lookups=lookups, errors=errors))
        if progress is not None:
            progress(index - 1, len(rows))
    if errors:
        metrics.IMPORTS.labels("products", "refused").inc()
        raise ImportRejectedError(errors)
    report = ImportReport()
    with transaction.atomic():
        for clean in cleaned:
            report.products.append(_apply(clean, county=county, actor=actor, report=report))
        if applied is not None:
            applied(report)
        transaction.on_commit(metrics.IMPORTS.labels("products", "imported").inc)
    return report


def _apply(clean: dict[str, Any], *, county: County, actor: Any, report: ImportReport) -> Product:
    product = clean.pop("product")
    stock = clean.pop("stock", None)
    if product is None:
        report.created += 1
        return services.create_product(
            actor=actor, county=county, stock_quantity=stock or Decimal(0), **clean
        )
    report.updated += 1
    descriptive = {k: v for k, v in clean.items() if k not in ("price", "active")}
    for name, value in descriptive.items():
        setattr(product, name, value)
    if descriptive:
        save_with_audit(actor=actor, instance=product, county=county)
    return services.update_product(
        product=product,
        actor=actor,
        price=clean.get("price"),
        stock_quantity=stock,
        active=clean.get("active"),
    )
