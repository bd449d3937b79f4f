"""What villagers pay: prices paid through the village stations against the county's own
reference prices, and consumption through the stations by village (issue 15).

The one randomized study of village e-commerce (Couture, Faber, Gu & Liu 2021; notes/economics.md)
found the gains in a lower cost of living for some households, not in producers' income, so the
report shows this beside the income panel.

Which purchases: orders delivered to a village service station of the county that count as sales
(shop.selectors.sales: not cancelled, refunded or returned), assisted orders placed by station
operators for villagers included; every amount and quantity net of what was refunded (the
project's NET_LINE_TOTAL / NET_TOTAL), goods only (the shipping fee is not a price of goods). A
line refunded in full is no purchase. The year is the order's placing date in the county's time.

Prices paid: each item's quantity-weighted unit price (analysis.prices.unit_prices). An item is a
product with reference prices of its own for the year, else its category; weight units are
compared per kg (a jin is 0.5 kg); a line in another unit than the item's reference prices is
not comparable and counted. The reference price of an item and year is the mean of the places
observed. The price index is analysis.prices.price_index with the county's reference prices as
the base and, as the basket, the quantities the county's villagers bought through the stations
that year (the only quantities the platform records): Paasche's form, said so on the page. The
mean price difference is each comparable line's unit price against its reference, in percent,
with a 95% t interval across lines (analysis.prices.mean_difference).

Consumption: per village with a station and year, orders and net spending; per household and per
person over the village's active households and their members today (membership over time is not
recorded); for registered-poor households and the others, only the assisted orders linked to a
household can be split, the rest are shown as not linked to a household.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from countyhub.analysis.prices import (
    MeanDifference,
    PriceIndex,
    mean_difference,
    price_index,
    relative_differences,
    unit_prices,
)
from countyhub.catalog.models import UNIT_KILOGRAMS, Household, Unit
from countyhub.core.models import County
from countyhub.impact.models import ReferencePrice
from countyhub.shop import selectors as shop_selectors
from countyhub.shop.models import Order, OrderLine
from countyhub.stations.models import Station

ZERO = Decimal("0.00")


def _per(unit: str) -> tuple[str, Decimal]:
    """The unit prices are compared in, and how many of it one ``unit`` is."""
    if unit in UNIT_KILOGRAMS:
        return Unit.KILOGRAM, UNIT_KILOGRAMS[Unit(unit)]
    return unit, Decimal(1)


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


@dataclass(frozen=True)
class PriceRow:
    """One item and year: what villagers paid against the county's reference price."""

    year: int
    item: str  # the product's or the category's name
    by_category: bool
    unit: str
    lines: int
    quantity: float
    platform_price: Decimal
    reference_price: Decimal
    places: int  # reference observations averaged
    difference: MeanDifference  # of the lines' differences, percent

    @property
    def difference_yuan(self) -> Decimal:
        return self.platform_price - self.reference_price

    @property
    def difference_percent(self) -> float:
        return float(100 * self.difference_yuan / self.reference_price)

    @property
    def unit_label(self) -> str:
        return str(Unit(self.unit).label)


@dataclass(frozen=True)
class Uncompared:
    """Station purchases of a year and category that have no reference price in their unit."""

    year: int
    category: str
    lines: int
    amount: Decimal
    other_unit: int  # of them: the item has reference prices, but in another unit


@dataclass(frozen=True)
class YearPrices:
    year: int
    lines: int  # station order lines of the year (net quantity > 0)
    compared: int  # of them with a reference price in their unit
    references: int  # reference prices entered for the year
    index: PriceIndex
    saving: MeanDifference  # the comparable lines' percent differences

    @property
    def why_not(self) -> str:
        """Why the year's index and mean difference cannot be computed, or ""."""
        if not self.lines:
            return _("no order delivered to a village station of the county in %(year)d") % {
                "year": self.year
            }
        if not self.references:
            return _("no reference price of the county is entered for %(year)d") % {
                "year": self.year
            }
        if not self.compared:
            return _(
                "none of the %(lines)d station order lines of %(year)d has a reference price of "
                "its product or category in its unit"
            ) % {"lines": self.lines, "year": self.year}
        return ""

    def saving_sentence(self) -> str:
        """The mean difference said plainly, including when it cannot be told apart from 0."""
        if self.why_not:
            return _("The price difference cannot be computed: %(why)s.") % {"why": self.why_not}
        saving = self.saving
        if not saving.has_interval:
            return _(
                "Only one order line could be compared (%(mean)+.1f%%): there is no interval, so "
                "no saving can be told apart from zero."
            ) % {"mean": saving.mean}
        values = {
            "mean": saving.mean,
            "low": saving.ci_low,
            "high": saving.ci_high,
            "n": saving.n,
        }
        if not saving.distinguishable_from_zero:
            message = _(
                "On average villagers paid %(mean)+.1f%% against the county's prices (95%% "
                "interval %(low)+.1f%% to %(high)+.1f%%, %(n)d lines): not distinguishable "
                "from zero, so no saving (or extra cost) is shown."
            )
        elif saving.mean < 0:
            message = _(
                "On average villagers paid %(mean)+.1f%% against the county's prices (95%% "
                "interval %(low)+.1f%% to %(high)+.1f%%, %(n)d lines): a saving "
                "distinguishable from zero."
            )
        else:
            message = _(
                "On average villagers paid %(mean)+.1f%% against the county's prices (95%% "
                "interval %(low)+.1f%% to %(high)+.1f%%, %(n)d lines): they paid more through "
                "the platform, distinguishably from zero."
            )
        return message % values


@dataclass(frozen=True)
class GroupSpending:
    households: int
    members: int
    orders: int
    spending: Decimal

    @property
    def per_household(self) -> Decimal | None:
        return (self.spending / self.households).quantize(ZERO) if self.households else None

    @property
    def per_person(self) -> Decimal | None:
        return (self.spending / self.members).quantize(ZERO) if self.members else None


@dataclass(frozen=True)
class VillageYear:
    """Consumption through one village's station in a year."""

    year: int
    village: str
    all: GroupSpending
    poor: GroupSpending  # assisted orders for registered-poor households
    others: GroupSpending  # assisted orders for the other households
    unlinked_orders: int
    unlinked_spending: Decimal


@dataclass
class LivingCosts:
    county: County
    years: list[int]
    prices: list[PriceRow] = field(default_factory=list)
    uncompared: list[Uncompared] = field(default_factory=list)
    by_year: dict[int, YearPrices] = field(default_factory=dict)
    villages: list[VillageYear] = field(default_factory=list)
    refunded_in_full: int = 0

    def prices_of(self, year: int) -> list[PriceRow]:
        return [row for row in self.prices if row.year == year]

    def uncompared_of(self, year: int) -> list[Uncompared]:
        return [row for row in self.uncompared if row.year == year]

    def villages_of(self, year: int) -> list[VillageYear]:
        return [row for row in self.villages if row.year == year]


def _station_orders(county: County) -> QuerySet[Order]:
    return shop_selectors.sales(county=county).filter(station__isnull=False)


def living_cost_years(county: County) -> list[int]:
    """The years with station orders or reference prices."""
    orders = (
        _station_orders(county)
        .annotate(year=ExtractYear("placed_at", tzinfo=county.zone))
        .values_list("year", flat=True)
        .distinct()
    )
    references = ReferencePrice.objects.filter(county=county).values_list("year", flat=True)
    return sorted(set(orders) | set(references))


def _references(county: County, years: list[int]) -> dict[tuple, tuple[Decimal, int]]:
    """(year, "product"|"category", id, unit compared in) -> (mean price, places)."""
    observed: dict[tuple, list[Decimal]] = defaultdict(list)
    for reference in ReferencePrice.objects.filter(county=county, year__in=years):
        unit, size = _per(reference.unit)
        kind, pk = (
            ("product", reference.product_id)
            if reference.product_id
            else ("category", reference.category_id)
        )
        observed[reference.year, kind, pk, unit].append(reference.price / size)
    return {key: (sum(prices) / len(prices), len(prices)) for key, prices in observed.items()}


def _lines(county: County, years: list[int]) -> list[dict]:
    return list(
        OrderLine.objects.filter(order__in=_station_orders(county))
        .annotate(year=ExtractYear("order__placed_at", tzinfo=county.zone))
        .filter(year__in=years)
        .values(
            "year",
            "product_id",
            "product__name",
            "product__category_id",
            "product__category__name",
            "unit",
            "quantity",
            "refunded_quantity",
            "line_total",
            "refunded_amount",
        )
        .order_by("pk")
    )


def living_costs(county: County, years: list[int] | None = None) -> LivingCosts:
    years = sorted(years if years is not None else living_cost_years(county))
    result = LivingCosts(county, years)
    references = _references(county, years)
    items_with_references = {(year, kind, pk) for year, kind, pk, _unit in references}
    compared: list[dict] = []
    lines_by_year: dict[int, int] = defaultdict(int)
    uncompared: dict[tuple[int, str], list] = {}
    for line in _lines(county, years):
        quantity = line["quantity"] - line["refunded_quantity"]
        amount = line["line_total"] - line["refunded_amount"]
        if quantity <= 0:
            result.refunded_in_full += 1
            continue
        year = line["year"]
        lines_by_year[year] += 1
        unit, size = _per(line["unit"])
        quantity *= size
        item = None
        for kind, pk, name in (
            ("product", line["product_id"], line["product__name"]),
            ("category", line["product__category_id"], line["product__category__name"]),
        ):
            if (year, kind, pk, unit) in references:
                item = (kind, pk, name)
                break
        if item is None:
            entry = uncompared.setdefault((year, line["product__category__name"]), [0, ZERO, 0])
            entry[0] += 1
            entry[1] += amount
            has_other_unit = (year, "product", line["product_id"]) in items_with_references or (
                year,
                "category",
                line["product__category_id"],
            ) in items_with_references
            entry[2] += int(has_other_unit)
            continue
        reference, places = references[year, item[0], item[1], unit]
        compared.append(
            {
                "year": year,
                "kind": item[0],
                "id": item[1],
                "name": item[2],
                "unit": unit,
                "quantity": float(quantity),
                "amount": float(amount),
                "line_price": float(amount / quantity),
                "reference": float(reference),
                "places": places,
            }
        )
    result.uncompared = [
        Uncompared(year, category, n, amount, other)
        for (year, category), (n, amount, other) in sorted(uncompared.items())
    ]
    frame = pd.DataFrame(
        compared,
        columns=[
            "year", "kind", "id", "name", "unit", "quantity", "amount", "line_price",
            "reference", "places",
        ],
    )  # fmt: skip
    frame["difference"] = (
        relative_differences(frame, price="line_price", base_price="reference")
        if not frame.empty
        else pd.Series(dtype=float)
    )
    keys = ["year", "kind", "id", "name", "unit", "reference", "places"]
    paid = unit_prices(frame, keys)
    for row in paid.itertuples(index=False):
        mask = (
            (frame["year"] == row.year)
            & (frame["kind"] == row.kind)
            & (frame["id"] == row.id)
            & (frame["unit"] == row.unit)
        )
        result.prices.append(
            PriceRow(
                year=int(row.year),
                item=str(row.name),
                by_category=row.kind == "category",
                unit=str(row.unit),
                lines=int(row.lines),
                quantity=float(row.quantity),
                platform_price=_money(float(row.price)),
                reference_price=_money(float(row.reference)),
                places=int(row.places),
                difference=mean_difference(frame.loc[mask, "difference"]),
            )
        )
    result.prices.sort(key=lambda r: (r.year, r.by_category, r.item))
    reference_counts = dict(
        ReferencePrice.objects.filter(county=county, year__in=years)
        .values_list("year")
        .annotate(n=Count("pk"))
    )
    for year in years:
        of_year = paid[paid["year"] == year]
        of_lines = frame[frame["year"] == year]
        index = price_index(of_year, price="price", base_price="reference", quantity="quantity")
        saving = mean_difference(of_lines["difference"])
        result.by_year[year] = YearPrices(
            year,
            lines_by_year.get(year, 0),
            len(of_lines),
            reference_counts.get(year, 0),
            index,
            saving,
        )
    result.villages = _villages(county, years)
    return result


def _villages(county: County, years: list[int]) -> list[VillageYear]:
    stations = list(
        Station.objects.filter(county=county).select_related("village").order_by("village__name")
    )
    households: dict[tuple[int, bool], tuple[int, int]] = {}
    for row in (
        Household.objects.filter(county=county, active=True)
        .values("village_id", "registered_poor")
        .annotate(n=Count("pk", distinct=True), members=Count("members"))
    ):
        households[row["village_id"], row["registered_poor"]] = (row["n"], row["members"])
    spending: dict[tuple[int, int, str], tuple[int, Decimal]] = {}
    for row in (
        _station_orders(county)
        .annotate(year=ExtractYear("placed_at", tzinfo=county.zone))
        .filter(year__in=years)
        .values("year", "station_id")
        .annotate(
            n=Count("pk"),
            net=Sum(shop_selectors.NET_TOTAL),
            poor_n=Count("pk", filter=Q(placed_for_household__registered_poor=True)),
            poor_net=Sum(
                shop_selectors.NET_TOTAL, filter=Q(placed_for_household__registered_poor=True)
            ),
            others_n=Count("pk", filter=Q(placed_for_household__registered_poor=False)),
            others_net=Sum(
                shop_selectors.NET_TOTAL, filter=Q(placed_for_household__registered_poor=False)
            ),
        )
    ):
        for group in ("", "poor_", "others_"):
            spending[row["year"], row["station_id"], group] = (
                row[f"{group}n"],
                row[f"{group}net"] or ZERO,
            )
    rows = []
    for year in years:
        for station in stations:
            if (year, station.pk, "") not in spending:
                continue
            village = station.village_id
            poor_h, poor_m = households.get((village, True), (0, 0))
            other_h, other_m = households.get((village, False), (0, 0))
            n, net = spending[year, station.pk, ""]
            poor_n, poor_net = spending[year, station.pk, "poor_"]
            others_n, others_net = spending[year, station.pk, "others_"]
            rows.append(
                VillageYear(
                    year=year,
                    village=station.village.name,
                    all=GroupSpending(poor_h + other_h, poor_m + other_m, n, net),
                    poor=GroupSpending(poor_h, poor_m, poor_n, poor_net),
                    others=GroupSpending(other_h, other_m, others_n, others_net),
                    unlinked_orders=n - poor_n - others_n,
                    unlinked_spending=net - poor_net - others_net,
                )
            )
    return rows


def method_sentences() -> list[str]:
    """How the figures are computed, for the page and the report."""
    return [
        _(
            "Purchases: orders delivered to the county's village service stations that count as "
            "sales (not cancelled, refunded or returned), assisted orders included; amounts and "
            "quantities net of refunds; goods only, without shipping fees."
        ),
        _(
            "Price paid: the quantity-weighted mean unit price of an item (a product with its own "
            "reference price, else its category); weights compared per kg (1 jin = 0.5 kg). "
            "County price: the mean of the places observed."
        ),
        _(
            "Price index: 100 × Σ platform price × quantity / Σ county price × quantity, the "
            "county's prices as the base and as the basket the quantities the county's villagers "
            "bought through the stations that year. With the county as the base, that basket "
            "makes it Paasche's form: a Laspeyres index needs the quantities bought in the "
            "county's shops, which the platform does not record. Below 100: cheaper through the "
            "platform. The basket leans towards what is cheaper online, so the index tends to "
            "show a larger saving than a Laspeyres index would."
        ),
        _(
            "Mean difference: every compared line's unit price against its county price, in "
            "percent, averaged over lines with a 95% t interval (lines treated as independent); "
            "when the interval includes zero, no saving is claimed."
        ),
        _(
            "Consumption per household and per person: over the village's active households and "
            "their members as registered today. Registered-poor households against the others: "
            "only orders station operators placed for a registered household can be split."
        ),
    ]
