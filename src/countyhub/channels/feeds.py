"""Product feeds: the files a seller uploads to a platform, written from the channel's listings.

Three formats: the generic feed with Google Merchant Center's attribute names (tab-separated,
UTF-8), Taobao assistant's CSV (淘宝助理: three header lines — version, English keys, Chinese
names — in GBK), and an XLSX written from a column template (for JD, Pinduoduo, Douyin and the
others, whose templates change often). Each format's columns are data: a channel's
`FeedTemplate` replaces the built-in ones. Before anything is written every listing is checked,
and every product missing a required field is named with the field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from countyhub.catalog.models import Product
from countyhub.channels.models import Channel, FeedFormat, FeedTemplate, Listing
from countyhub.channels.selectors import SELLING, sellable
from countyhub.core.numbers import plain_number
from countyhub.core.spreadsheets import safe_cell

# Google Merchant Center: title at most 150 characters, description 5000 (product data spec).
MAX_TITLE = 150
MAX_DESCRIPTION = 5000
TAOBAO_TITLE = 60  # 宝贝名称: 30 Chinese characters, counted as 60 bytes by the assistant


@dataclass(frozen=True)
class Column:
    header: str  # as the platform names the column
    field: str  # one of FIELDS
    required: bool = False
    # Taobao's second header line: the column's English key.
    key: str = ""


@dataclass(frozen=True)
class FeedProblem:
    product_id: int
    product_name: str
    field: str
    message: str


class FeedNotReadyError(Exception):
    def __init__(self, problems: list[FeedProblem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


GOOGLE: list[Column] = [
    Column("id", "id", True),
    Column("title", "title", True),
    Column("description", "description", True),
    Column("link", "link", True),
    Column("image_link", "image_link", True),
    Column("availability", "availability", True),
    Column("price", "price_with_currency", True),
    Column("brand", "brand", True),
    Column("gtin", "gtin"),
    Column("mpn", "seller_sku"),
    Column("condition", "condition", True),
]
TAOBAO: list[Column] = [
    Column("宝贝名称", "title", True, "title"),
    Column("宝贝类目", "category", False, "cid"),
    Column("宝贝价格", "price", True, "price"),
    Column("宝贝数量", "quantity", True, "num"),
    Column("宝贝描述", "description", True, "description"),
    Column("新图片", "image_link", True, "picture"),
    Column("商家编码", "seller_sku", True, "outer_id"),
    Column("商品条形码", "gtin", False, "barcode"),
    Column("数字ID", "external_id", False, "num_id"),
]
TEMPLATE: list[Column] = [
    Column("商品名称", "title", True),
    Column("商家编码", "seller_sku", True),
    Column("条形码", "gtin"),
    Column("价格", "price", True),
    Column("库存", "quantity", True),
    Column("主图", "image_link", True),
    Column("品牌", "brand"),
    Column("描述", "description"),
]
BUILT_IN = {FeedFormat.GOOGLE: GOOGLE, FeedFormat.TAOBAO: TAOBAO, FeedFormat.XLSX: TEMPLATE}


def _image(product: Product) -> str:
    first = product.images.all()[:1]
    return f"{settings.SITE_URL}{first[0].image.url}" if first else ""


FIELDS: dict[str, Callable[[Listing, Decimal], str]] = {
    "id": lambda listing, _q: listing.product.seller_sku or str(listing.product_id),
    "title": lambda listing, _q: listing.shown_title,
    "description": lambda listing, _q: listing.product.description.strip(),
    "link": lambda listing, _q: (
        settings.SITE_URL
        + reverse("catalog:product", args=[listing.product.county.slug, listing.product_id])
    ),
    "image_link": lambda listing, _q: _image(listing.product),
    "availability": lambda _listing, q: "in_stock" if q > 0 else "out_of_stock",
    "price": lambda listing, _q: f"{listing.price:.2f}",
    "price_with_currency": lambda listing, _q: f"{listing.price:.2f} {listing.channel.currency}",
    "quantity": lambda _listing, q: plain_number(q.to_integral_value(rounding="ROUND_FLOOR")),
    "brand": lambda listing, _q: listing.product.brand.name,
    "gtin": lambda listing, _q: listing.product.gtin,
    "seller_sku": lambda listing, _q: listing.product.seller_sku,
    "external_id": lambda listing, _q: listing.external_id,
    "category": lambda listing, _q: listing.product.category.name,
    "condition": lambda _listing, _q: "new",
    # Taobao's 食品专项 and the other platforms' food columns: the SC licence, else the filing.
    "food_licence": lambda listing, _q: (
        listing.product.food_licence_number or listing.product.food_filing_number
    ),
}


def columns_for(channel: Channel, fmt: str) -> list[Column]:
    """The channel's own template for `fmt`, else the built-in columns."""
    template = FeedTemplate.objects.filter(channel=channel, format=fmt).first()
    if template is None:
        return BUILT_IN[fmt]
    return [
        Column(
            str(item["header"]),
            str(item["field"]),
            bool(item.get("required")),
            str(item.get("key", "")),
        )
        for item in template.columns
        if item.get("field") in FIELDS
    ]


def feed_listings(channel: Channel, products: QuerySet[Product]) -> QuerySet[Listing]:
    return (
        Listing.objects.filter(channel=channel, product__in=products, status__in=SELLING)
        .select_related(
            "channel", "product__stock", "product__brand", "product__category", "product__county"
        )
        .prefetch_related("product__images")
        .order_by("product_id")
    )


def _quantity(listing: Listing) -> Decimal:
    stock = getattr(listing.product, "stock", None)
    return sellable(stock.available if stock else Decimal(0), listing.stock_buffer)


def _check(
    listing: Listing, columns: list[Column], fmt: str, values: dict[str, str]
) -> list[tuple[str, str]]:
    """The (field, message) problems of one listing."""
    problems = [
        (column.header, _("missing"))
        for column in columns
        if column.required and not values[column.field]
    ]
    title = values.get("title", listing.shown_title)
    limit = TAOBAO_TITLE if fmt == FeedFormat.TAOBAO else MAX_TITLE
    length = len(title.encode("gbk", "replace")) if fmt == FeedFormat.TAOBAO else len(title)
    if length > limit:
        problems.append(("title", _("longer than %(n)d") % {"n": limit}))
    if len(values.get("description", "")) > MAX_DESCRIPTION:
        problems.append(("description", _("longer than %(n)d") % {"n": MAX_DESCRIPTION}))
    if listing.product.missing_food_licence:
        # Every platform refuses processed food without its licence, whatever the columns.
        problems.append(
            (
                _("food production licence (SC) or workshop filing"),
                _("missing: processed food needs one"),
            )
        )
    return problems


def build_rows(
    channel: Channel, products: QuerySet[Product], fmt: str
) -> tuple[list[Column], list[list[str]]]:
    """The feed's columns and rows; FeedNotReadyError naming every product and field missing."""
    columns = columns_for(channel, fmt)
    rows: list[list[str]] = []
    problems: list[FeedProblem] = []
    for listing in feed_listings(channel, products):
        quantity = _quantity(listing)
        values = {column.field: FIELDS[column.field](listing, quantity) for column in columns}
        problems += [
            FeedProblem(listing.product_id, listing.product.name, field, message)
            for field, message in _check(listing, columns, fmt, values)
        ]
        rows.append([values[column.field] for column in columns])
    if problems:
        raise FeedNotReadyError(problems)
    return columns, rows


def write_feed(channel: Channel, products: QuerySet[Product], fmt: str) -> tuple[bytes, str]:
    """The feed file's bytes and its name."""
    columns, rows = build_rows(channel, products, fmt)
    if fmt == FeedFormat.XLSX:
        return _xlsx(columns, rows), f"{channel.code}-feed.xlsx"
    text = io.StringIO(newline="")
    if fmt == FeedFormat.GOOGLE:
        writer = csv.writer(text, delimiter="\t", lineterminator="\n")
        writer.writerow([column.header for column in columns])
        writer.writerows([[value.replace("\t", " ") for value in row] for row in rows])
        return text.getvalue().encode("utf-8"), f"{channel.code}-feed.tsv"
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(["version 1.00"])
    writer.writerow([column.key or column.field for column in columns])
    writer.writerow([column.header for column in columns])
    writer.writerows([[safe_cell(value) for value in row] for row in rows])
    return text.getvalue().encode("gbk", "replace"), f"{channel.code}-taobao.csv"


def _xlsx(columns: list[Column], rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([column.header for column in columns])
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
