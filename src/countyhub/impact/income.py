"""The household income panel of a county and its poverty measures, from the platform's records.

Per household and year (the county's local calendar year):

- **platform income**: each seller's net sales of the year (goods, net of refunds; cancelled,
  refunded and returned orders excluded, as every sales figure of countyhub) times the county's
  attribution share, split *equally* among the households the seller employs or buys from
  (catalog ``SellerHousehold``; a household linked twice to one seller counts once). countyhub
  records no supply shares, so an equal split is the only rule its facts support; the share is
  the part of a seller's sales the county takes to reach its households (100 % is an upper
  bound: the seller's costs are not deducted). Sellers without linked households are counted,
  not attributed.
- **incentive payouts**: ledger entries (booked payouts, reversals negative) paid to a seller
  that *is* a farmer household, split equally among the households linked to it; payouts to
  cooperatives and enterprises are the firm's, not a household's, and are counted apart.
- **training allowances**: ledger entries paid for a certificate of a household member.
- **members**: the household's members as registered today (no history is kept).
- **surveyed income**: the household's total income of the year as a survey asked it (the
  questionnaire's household income question, ``countyhub::income``), its own column beside
  recorded income and never added to it: the two measure different things (all income as
  the household reports it, against what the platform records).

Per capita is the sum over the members; households without members have no per-capita income
(counted, never read as zero). Real values are in prices of a chosen base year with the shipped
national rural CPI (:func:`countyhub.analysis.deflate.national_rural_cpi`, labelled); a year the
CPI does not cover has no real value and says so.

Poverty: FGT 0/1/2 and the Gini (:mod:`countyhub.analysis.inequality`, person-weighted by the
members) of per-capita *recorded* income against the official line of the year, and separately
against the CPI-indexed line (:mod:`countyhub.analysis.poverty`, labelled not official). Recorded
income is what the platform knows of: farm sales elsewhere, wages and pensions are not in it,
so these measures overstate poverty and say so.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from django.conf import settings
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from countyhub.analysis.deflate import CPITable, national_rural_cpi, weakest_status
from countyhub.analysis.errors import AnalysisError
from countyhub.analysis.groups import Band, assign_bands
from countyhub.analysis.inequality import poverty_measures
from countyhub.analysis.poverty import (
    CPI_INDEXED,
    OFFICIAL,
    OfficialPovertyLines,
    PovertyLine,
    official_poverty_lines,
    poverty_line,
)
from countyhub.catalog.models import Household, Seller, SellerHousehold, SellerKind
from countyhub.core.models import County
from countyhub.core.money import quantize_cny
from countyhub.core.routers import replica_reads
from countyhub.programs.models import LedgerEntry
from countyhub.shop.selectors import NET_TOTAL, sales
from countyhub.surveys.selectors import surveyed_incomes
from countyhub.training.models import Certificate

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
MAX_YEARS = 15
# The CPI-indexed line is 2,300 yuan at 2010 prices (analysis.poverty).
POVERTY_LINE_BASE_YEAR = 2010
GROUP_ALL, GROUP_POOR, GROUP_OTHERS = "all", "registered_poor", "others"
# The name analysis.deflate gives the shipped table (labelled in the user's language here).
SHIPPED_CPI_NAME = "national rural CPI (NBS), shipped with countyhub"
# Attributed amounts by (household, year) and kind (platform, payouts, training).
Amounts = dict[tuple[int, int], dict[str, Decimal]]
# The subgroups every income effect is split by (the head's age in the year; the village's
# distance to the county seat by road). Keys are what the CSV writes.
HEAD_AGE_BANDS = (Band("<40", None, 40), Band("40-59", 40, 60), Band("60+", 60, None))
DISTANCE_BANDS_KM = (Band("<10km", None, 10), Band("10-25km", 10, 25), Band(">=25km", 25, None))
BAND_LABELS = {
    "<40": gettext_lazy("head under 40"),
    "40-59": gettext_lazy("head 40–59"),
    "60+": gettext_lazy("head 60 or older"),
    "<10km": gettext_lazy("under 10 km from the seat"),
    "10-25km": gettext_lazy("10–25 km from the seat"),
    ">=25km": gettext_lazy("25 km or more from the seat"),
}


@dataclass(frozen=True)
class AttributionRule:
    """How a seller's sales become its households' income: ``share_percent`` of the net sales,
    split equally among the households linked to the seller."""

    share_percent: Decimal = HUNDRED

    def __post_init__(self) -> None:
        if not (ZERO <= self.share_percent <= HUNDRED):
            raise ValueError("share_percent must be between 0 and 100")

    def describe(self) -> str:
        return _(
            "%(share)s%% of each seller's net sales of the year (refunds deducted), split equally "
            "among the households it employs or buys from; payouts to a seller that is a farmer "
            "household split equally among its linked households; training allowances to the "
            "household of the certified member."
        ) % {"share": _percent(self.share_percent)}


def _percent(value: Decimal) -> str:
    return format(value.normalize(), "f")


@dataclass
class HouseholdYear:
    household_id: int
    head_name: str
    village_id: int
    village: str
    registered_poor: bool
    poverty_exit_year: int | None
    year: int
    members: int
    platform: Decimal = ZERO
    payouts: Decimal = ZERO
    training: Decimal = ZERO
    real_factor: float | None = None
    head_birth_year: int | None = None  # personal data: shown where the head's name is
    distance_km: Decimal | None = None  # the village's, to the county seat
    surveyed: Decimal | None = None  # the household's total income as surveyed

    @property
    def head_age(self) -> int | None:
        """The age the head reaches in the panel year."""
        return None if self.head_birth_year is None else self.year - self.head_birth_year

    @property
    def surveyed_per_capita(self) -> Decimal | None:
        return None if self.surveyed is None else self.per_capita(self.surveyed)

    @property
    def total(self) -> Decimal:
        return self.platform + self.payouts + self.training

    def per_capita(self, amount: Decimal) -> Decimal | None:
        return quantize_cny(amount / self.members) if self.members else None

    @property
    def total_per_capita(self) -> Decimal | None:
        return self.per_capita(self.total)

    @property
    def platform_per_capita(self) -> Decimal | None:
        return self.per_capita(self.platform)

    @property
    def real_total_per_capita(self) -> Decimal | None:
        per_capita = self.total_per_capita
        if per_capita is None or self.real_factor is None:
            return None
        return quantize_cny(per_capita * Decimal(repr(self.real_factor)))


@dataclass
class IncomePanel:
    county: County
    years: list[int]
    rule: AttributionRule
    base_year: int
    cpi: CPITable
    rows: list[HouseholdYear]
    unattributed_sales: dict[int, Decimal] = field(default_factory=dict)
    unattributed_sellers: Counter[int] = field(default_factory=Counter)
    firm_payouts: dict[int, Decimal] = field(default_factory=dict)
    other_payouts: dict[int, Decimal] = field(default_factory=dict)
    no_members: int = 0
    surveyed_years: set[int] = field(default_factory=set)  # years any survey has incomes of
    surveyed_unlinked: int = 0  # surveyed incomes of no registered household

    def surveyed_households(self, year: int) -> int:
        return sum(1 for row in self.rows if row.year == year and row.surveyed is not None)

    @property
    def cpi_label(self) -> str:
        if self.cpi.name == SHIPPED_CPI_NAME:
            return _(
                "national rural CPI (NBS, previous year = 100, chained), shipped with countyhub"
            )
        return self.cpi.describe()

    def real_note(self) -> str:
        covered = [y for y in self.years if y in self.cpi.levels]
        missing = [y for y in self.years if y not in self.cpi.levels]
        if self.base_year not in self.cpi.levels:
            return _(
                "no real values: the %(cpi)s has no value for the base year %(base)s "
                "(it covers %(coverage)s)"
            ) % {"cpi": self.cpi_label, "base": self.base_year, "coverage": self.cpi.coverage()}
        statuses = self.cpi.statuses(
            y for year in covered for y in self.cpi.published_years(year, self.base_year)
        )
        note = _("real values in %(base)s prices, %(cpi)s; CPI values used: %(status)s") % {
            "base": self.base_year,
            "cpi": self.cpi_label,
            "status": weakest_status(statuses.values()) if statuses else _("none"),
        }
        if missing:
            note += "; " + _("no real value for %(years)s: the CPI covers %(coverage)s") % {
                "years": ", ".join(str(y) for y in missing),
                "coverage": self.cpi.coverage(),
            }
        return note

    def frame(self) -> pd.DataFrame:
        """One row per household and year, per-capita incomes as floats (NaN: no members, or
        no surveyed income), with the head's age band and the village's distance band (None:
        not recorded)."""
        records = [
            {
                "household_id": row.household_id,
                "village": row.village,
                "registered_poor": row.registered_poor,
                "group": GROUP_POOR if row.registered_poor else GROUP_OTHERS,
                "year": row.year,
                "members": row.members,
                "income_per_capita": (
                    float(row.total_per_capita) if row.total_per_capita is not None else math.nan
                ),
                "platform_per_capita": _float(row.platform_per_capita),
                "surveyed_per_capita": _float(row.surveyed_per_capita),
                "head_age": row.head_age if row.head_age is not None else math.nan,
                "distance_km": _float(row.distance_km),
            }
            for row in self.rows
        ]
        frame = pd.DataFrame.from_records(
            records,
            columns=[
                "household_id",
                "village",
                "registered_poor",
                "group",
                "year",
                "members",
                "income_per_capita",
                "platform_per_capita",
                "surveyed_per_capita",
                "head_age",
                "distance_km",
            ],
        )
        frame["age_band"] = assign_bands(frame["head_age"], HEAD_AGE_BANDS)
        frame["distance_band"] = assign_bands(frame["distance_km"], DISTANCE_BANDS_KM)
        frame.attrs["source"] = "household income panel"
        return frame


def _float(value: Decimal | None) -> float:
    return float(value) if value is not None else math.nan


def panel_years(county: County) -> list[int]:
    """The years with any sale or payout of the county, first to last (at most MAX_YEARS)."""
    zone = county.zone
    found = set(
        sales(county=county)
        .annotate(y=ExtractYear("placed_at", tzinfo=zone))
        .values_list("y", flat=True)
        .distinct()
    ) | set(
        LedgerEntry.objects.filter(county=county)
        .annotate(y=ExtractYear("booked_at", tzinfo=zone))
        .values_list("y", flat=True)
        .distinct()
    )
    if not found:
        return []
    last = max(found)
    first = max(min(found), last - MAX_YEARS + 1)
    return list(range(first, last + 1))


def _split(amount: Decimal, households: Sequence[int]) -> dict[int, Decimal]:
    """``amount`` split equally, each share rounded to the fen (so the shares may differ from
    the whole by a fen or two)."""
    share = quantize_cny(amount / len(households))
    return dict.fromkeys(households, share)


@replica_reads
def county_cpi(county: County, years: Iterable[int]) -> CPITable:
    """The CPI the county's income figures are deflated and its CPI-indexed line carried with:
    the county's own CPI table (analyses.CPISeries) when one covers the last of ``years`` and
    2010, the line's base (the most recently changed of those); else the shipped national rural
    CPI. The panel's ``cpi_label`` names which."""
    from countyhub.analyses.cpi import COUNTY, cpi_table, snapshot
    from countyhub.analyses.models import CPISeries

    needed = {max(years, default=POVERTY_LINE_BASE_YEAR), POVERTY_LINE_BASE_YEAR}
    for series in CPISeries.objects.filter(county=county).order_by("-updated_at", "-pk"):
        covered = set(series.values.values_list("year", flat=True))
        if needed <= covered:
            table = cpi_table({"cpi": COUNTY, "cpi_table": snapshot(series)})
            if table is not None:
                return table
    return national_rural_cpi()


def income_panel(
    county: County,
    *,
    years: Iterable[int] | None = None,
    rule: AttributionRule | None = None,
    base_year: int | None = None,
    cpi: CPITable | None = None,
) -> IncomePanel:
    """Every household of ``county`` in every year of ``years`` (default: the county's years with
    platform records), with its attributed income (see the module doc)."""
    rule = rule or AttributionRule()
    cpi = cpi or national_rural_cpi()
    years = sorted(set(years)) if years is not None else panel_years(county)
    if base_year is None:
        covered = [y for y in years if y in cpi.levels]
        base_year = covered[-1] if covered else max(cpi.levels)
    zone = county.zone
    links: dict[int, list[int]] = defaultdict(list)
    for seller_id, household_id in (
        SellerHousehold.objects.filter(seller__county=county, household__county=county)
        .values_list("seller_id", "household_id")
        .distinct()
        .order_by("seller_id", "household_id")
    ):
        if household_id not in links[seller_id]:
            links[seller_id].append(household_id)
    seller_sales: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    store: Amounts = defaultdict(lambda: defaultdict(Decimal))
    panel = IncomePanel(county, years, rule, base_year, cpi, rows=[])
    year_set = set(years)
    for seller_id, year, net in (
        sales(county=county)
        .annotate(y=ExtractYear("placed_at", tzinfo=zone), net=NET_TOTAL)
        .values_list("seller_id", "y", "net")
    ):
        if year not in year_set:
            continue
        net = quantize_cny(net)
        households = links.get(seller_id)
        if not households:
            panel.unattributed_sales[year] = panel.unattributed_sales.get(year, ZERO) + net
            panel.unattributed_sellers[seller_id] += 1
            continue
        seller_sales[(seller_id, year)] += net
    for (seller_id, year), net in sorted(seller_sales.items()):
        attributed = net * rule.share_percent / HUNDRED
        for household, share in _split(attributed, links[seller_id]).items():
            _add(store, household, year, "platform", share)
    household_sellers = set(
        Seller.objects.filter(county=county, kind=SellerKind.HOUSEHOLD).values_list("pk", flat=True)
    )
    entries = list(
        LedgerEntry.objects.filter(county=county)
        .annotate(y=ExtractYear("booked_at", tzinfo=zone))
        .values_list("payee_key", "y", "amount")
    )
    certificate_ids = [
        int(key.split(":", 1)[1]) for key, _y, _a in entries if key.startswith("certificate:")
    ]
    certificate_households = dict(
        Certificate.objects.filter(
            pk__in=certificate_ids, enrollment__member__household__county=county
        ).values_list("pk", "enrollment__member__household_id")
    )
    for key, year, amount in entries:
        if year not in year_set:
            continue
        kind, _sep, ident = key.partition(":")
        target = int(ident) if ident.isdigit() else None
        if kind == "seller" and target in household_sellers and links.get(target):
            for household, share in _split(amount, links[target]).items():
                _add(store, household, year, "payouts", share)
        elif kind == "certificate" and target in certificate_households:
            _add(store, certificate_households[target], year, "training", amount)
        elif kind == "seller":
            panel.firm_payouts[year] = panel.firm_payouts.get(year, ZERO) + amount
        else:
            panel.other_payouts[year] = panel.other_payouts.get(year, ZERO) + amount
    surveyed = surveyed_incomes(county)
    panel.surveyed_years = surveyed.years
    panel.surveyed_unlinked = surveyed.unlinked
    households = (
        Household.objects.filter(county=county)
        .select_related("village")
        .annotate(member_count=Count("members"))
        .order_by("village__name", "pk")
    )
    factors = {}
    if base_year in cpi.levels:
        factors = {y: cpi.factor(year=y, base_year=base_year) for y in years if y in cpi.levels}
    for household in households:
        if not household.member_count:
            panel.no_members += 1
        for year in years:
            amounts = _amounts(store, household.pk, year)
            panel.rows.append(
                HouseholdYear(
                    household_id=household.pk,
                    head_name=household.head_name,
                    village_id=household.village_id,
                    village=household.village.name,
                    registered_poor=household.registered_poor,
                    poverty_exit_year=household.poverty_exit_year,
                    year=year,
                    members=household.member_count,
                    platform=amounts["platform"],
                    payouts=amounts["payouts"],
                    training=amounts["training"],
                    real_factor=factors.get(year),
                    head_birth_year=household.head_birth_year,
                    distance_km=household.village.distance_to_seat_km,
                    surveyed=surveyed.amounts.get((household.pk, year)),
                )
            )
    return panel


def _add(store: Amounts, household: int, year: int, kind: str, amount: Decimal) -> None:
    store[(household, year)][kind] += amount


def _amounts(store: Amounts, household: int, year: int) -> dict[str, Decimal]:
    amounts = store.get((household, year), {})
    return {
        kind: quantize_cny(amounts.get(kind, ZERO)) for kind in ("platform", "payouts", "training")
    }


# --- poverty -------------------------------------------------------------------------------------


@dataclass
class LineSeries:
    """The poverty line of each panel year by one method, or why a year has none."""

    method: str
    lines: dict[int, PovertyLine]
    missing: dict[int, str]

    @property
    def label(self) -> str:
        if self.method == OFFICIAL:
            return _("official poverty line (published yearly values, current prices)")
        return _("CPI-indexed poverty line: 2,300 yuan at 2010 prices × CPI (not official)")


def line_series(
    years: Iterable[int],
    method: str,
    *,
    cpi: CPITable,
    official: OfficialPovertyLines | None = None,
) -> LineSeries:
    lines, missing = {}, {}
    official = official or official_poverty_lines()
    for year in years:
        try:
            lines[year] = poverty_line(year, method=method, official=official, cpi=cpi)
        except AnalysisError:
            if method == OFFICIAL:
                missing[year] = _(
                    "the official poverty line table has no value for %(year)s (it covers "
                    "%(coverage)s); no official value is invented"
                ) % {"year": year, "coverage": official.coverage()}
            else:
                missing[year] = _(
                    "the CPI has no value for %(year)s (it covers %(coverage)s), so the "
                    "CPI-indexed line cannot be carried to that year"
                ) % {"year": year, "coverage": cpi.coverage()}
    return LineSeries(method, lines, missing)


@dataclass
class PovertyRow:
    year: int
    village: str  # "" for the whole county
    group: str
    line: PovertyLine | None
    measures: dict | None
    reason: str = ""


def poverty_rows(panel: IncomePanel, series: LineSeries) -> list[PovertyRow]:
    """FGT 0/1/2 and the Gini of per-capita recorded income by year, for the county and each
    village, overall and for registered-poor households against the others."""
    frame = panel.frame()
    rows: list[PovertyRow] = []
    villages = sorted(frame["village"].unique()) if not frame.empty else []
    for year in panel.years:
        line = series.lines.get(year)
        for village in ["", *villages]:
            for group in (GROUP_ALL, GROUP_POOR, GROUP_OTHERS):
                part = frame[frame["year"] == year]
                if village:
                    part = part[part["village"] == village]
                if group != GROUP_ALL:
                    part = part[part["group"] == group]
                if line is None:
                    rows.append(PovertyRow(year, village, group, None, None, series.missing[year]))
                    continue
                if part.empty:
                    rows.append(PovertyRow(year, village, group, line, None, _("no households")))
                    continue
                part = part.copy()
                part.attrs["source"] = "household income panel"
                result = poverty_measures(
                    part, "income_per_capita", line=line.yuan, weight="members"
                )
                measures = result.iloc[0].to_dict()
                measures = {
                    k: (None if isinstance(v, float) and math.isnan(v) else v)
                    for k, v in measures.items()
                }
                for count in ("n", "missing", "poor"):
                    measures[count] = int(measures[count])  # a pandas row makes them floats
                reason = "" if measures["n"] else _("no household with members")
                rows.append(PovertyRow(year, village, group, line, measures, reason))
    return rows


@dataclass
class Exit:
    row: HouseholdYear
    official: PovertyLine | None
    cpi_indexed: PovertyLine | None
    official_reason: str
    cpi_reason: str

    @staticmethod
    def _lifted(per_capita: Decimal | None, line: PovertyLine | None) -> bool | None:
        if per_capita is None or line is None:
            return None
        return float(per_capita) >= line.yuan  # exactly on the line is not poor

    @property
    def platform_lifts_official(self) -> bool | None:
        return self._lifted(self.row.platform_per_capita, self.official)

    @property
    def platform_lifts_cpi(self) -> bool | None:
        return self._lifted(self.row.platform_per_capita, self.cpi_indexed)


def exits(panel: IncomePanel, official: LineSeries, indexed: LineSeries) -> list[Exit]:
    """Registered-poor households that exited poverty in a panel year: whether the platform
    income per person of that year alone reaches the line (official and CPI-indexed)."""
    result = []
    for row in panel.rows:
        if row.poverty_exit_year is None or row.year != row.poverty_exit_year:
            continue
        result.append(
            Exit(
                row,
                official.lines.get(row.year),
                indexed.lines.get(row.year),
                official.missing.get(row.year, ""),
                indexed.missing.get(row.year, ""),
            )
        )
    return result


def exits_outside_panel(panel: IncomePanel) -> int:
    """Households that exited in a year the panel does not cover (no platform records then)."""
    years = set(panel.years)
    seen = {
        row.household_id
        for row in panel.rows
        if row.poverty_exit_year is not None and row.poverty_exit_year not in years
    }
    return len(seen)


# --- export --------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "household",
    "village",
    "registered_poor",
    "poverty_exit_year",
    "year",
    "members",
    "platform_income",
    "incentive_payouts",
    "training_allowances",
    "recorded_income",
    "recorded_income_per_capita",
    "platform_income_per_capita",
    "real_income_per_capita",
    "real_base_year",
    "surveyed_income",
    "surveyed_income_per_capita",
    "head_birth_year",
    "head_age_band",
    "village_distance_km",
    "distance_band",
    "attribution",
    "cpi",
]


def pseudonym(county: County, household_id: int) -> str:
    """A stable pseudonymous id: a keyed hash of the household, unlinkable without the key."""
    key = f"{settings.SECRET_KEY}:household-panel:{county.pk}".encode()
    return "H" + hmac.new(key, str(household_id).encode(), hashlib.sha256).hexdigest()[:12]


def csv_rows(panel: IncomePanel, *, personal: bool) -> Iterable[list[object]]:
    """The header, then one row per household and year (numbers stay numbers, for the
    spreadsheet-safe writer); the household id is a pseudonym and the head's birth year blank
    (its age band stays) unless ``personal``."""
    yield list(CSV_COLUMNS)
    attribution = (
        f"equal split among linked households of {_percent(panel.rule.share_percent)}% of net sales"
    )
    bands = panel.frame()[["age_band", "distance_band"]].to_numpy().tolist()
    for row, (age_band, distance_band) in zip(panel.rows, bands, strict=True):
        real = row.real_total_per_capita
        surveyed_per_capita = row.surveyed_per_capita
        yield [
            row.household_id if personal else pseudonym(panel.county, row.household_id),
            row.village,
            "yes" if row.registered_poor else "no",
            row.poverty_exit_year if row.poverty_exit_year is not None else "",
            row.year,
            row.members,
            row.platform,
            row.payouts,
            row.training,
            row.total,
            row.total_per_capita if row.total_per_capita is not None else "",
            row.platform_per_capita if row.platform_per_capita is not None else "",
            real if real is not None else "",
            panel.base_year if real is not None else "",
            row.surveyed if row.surveyed is not None else "",
            surveyed_per_capita if surveyed_per_capita is not None else "",
            row.head_birth_year if personal and row.head_birth_year is not None else "",
            age_band or "",
            row.distance_km if row.distance_km is not None else "",
            distance_band or "",
            attribution,
            panel.cpi.describe() if real is not None else "",
        ]


__all__ = [
    "CPI_INDEXED",
    "OFFICIAL",
    "AttributionRule",
    "IncomePanel",
    "csv_rows",
    "exits",
    "income_panel",
    "line_series",
    "poverty_rows",
]
