"""The platform's own panels for the staggered DiD engine (countyhub.analysis.did).

Two panels, one row per unit and year, every unit in every year (balanced; a year without
records is a zero, not a gap), written as the long table ``countyhub analyze did`` reads:

Villages by year (``--unit village_id --time year --treated-from treated_from``):

- ``platform_sales``: the goods sold by the village's sellers (the seller's village), order
  lines net of what was refunded on them, in the year their payment was received (county time);
- ``poor_platform_income``: the attribution rule: a seller's net sales of the year are shared
  equally among the households it employs or buys from (each household once, whatever the
  links); the shares of registered-poor households are summed in the household's village;
- ``poor_households``: registered-poor households still on the register at the year's end
  (no year of exit, or a later one) -- the register's headcount, not a survey measure;
- ``trained_people``: people who attended a training session in the year: household members
  of the village's households and staff of the village's sellers, each once a year.

Covariates (``--covariates``), fixed within a village as the DiD requires (its regressions
take each unit's base-period values, so a covariate must not move with the treatment):
``households`` the village's households as recorded now; ``poor_share`` the share of them ever
on the poverty register (blank for a village without households); ``township_<id>`` one
indicator per township but the first (the reference); ``base_<outcome>`` each outcome in the
panel's first year, before any village the DiD keeps was treated (villages treated in the first
year are left out by the DiD).

The rollout (``treated_from``) is the year a village first had: ``station`` its service station
opened (a station without an opening date counts as open all along, i.e. from the first year);
``training`` someone of the village attended a session; ``seller`` a seller of the village joined
the platform (its record was created). 0 means never in the records.

Counties by year (``--unit county_id``): the counties of the chosen county's province (the
county alone when it has none), treated from the year of their national demonstration program
(programs.Program, level national; the earliest one); outcomes are the yearbook figures in base
units (yuan, persons, yuan per person), blank where a county did not enter one. The national
counts of designated counties (MOFCOM, shipped in ``impact/data/demonstration_counties.csv``)
are quoted beside each cohort. Covariates: ``base_<indicator>``, each figure in the panel's
first year (blank where the county did not enter it).
"""

from __future__ import annotations

import csv
import io
import shlex
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import IO, Any

from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import ExtractYear

from countyhub.catalog.models import Household, Seller, SellerHousehold
from countyhub.core.models import County, Township, Village
from countyhub.impact.models import Indicator, YearbookFigure
from countyhub.programs.models import Program, ProgramLevel
from countyhub.shop.models import OrderLine, PaymentStatus
from countyhub.stations.models import Station
from countyhub.training.models import Enrollment, EnrollmentStatus

ROLLOUTS = ("station", "training", "seller")
LEVELS = ("village", "county")
DESIGNATION = "designation"
VILLAGE_OUTCOMES = ("platform_sales", "poor_platform_income", "poor_households", "trained_people")
COUNTY_OUTCOMES = tuple(code for code, _label in Indicator.choices)
CENT = Decimal("0.01")
SHARE = Decimal("0.000001")
PAID = (PaymentStatus.RECEIVED, PaymentStatus.REFUNDED)


class PanelError(Exception):
    """The panel cannot be built (no records, a bad year range); the message says why."""


@dataclass
class BuiltPanel:
    """A long panel and how to read it: the columns ``countyhub analyze did`` is given."""

    level: str
    rollout: str
    unit: str
    label: str
    outcomes: tuple[str, ...]
    years: tuple[int, int]
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    # A covariate offered to the analyst -> its columns (township: one indicator per township).
    covariates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    time: str = "year"
    treated_from: str = "treated_from"

    @property
    def columns(self) -> list[str]:
        chosen = [c for columns in self.covariates.values() for c in columns]
        return [self.unit, self.label, self.time, self.treated_from, *self.outcomes, *chosen]

    def write_csv(self, out: IO[str]) -> int:
        """The panel as CSV (decimal strings; blank = missing); returns the rows written."""
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow(["" if row[c] is None else row[c] for c in self.columns])
        return len(self.rows)

    def csv_bytes(self) -> bytes:
        buffer = io.StringIO()
        self.write_csv(buffer)
        return buffer.getvalue().encode("utf-8")

    def cohorts(self) -> dict[int, int]:
        """Units by rollout year (0: never), as the DiD will see them before its own checks."""
        seen: dict[Any, int] = {row[self.unit]: row[self.treated_from] for row in self.rows}
        counts: dict[int, int] = defaultdict(int)
        for year in seen.values():
            counts[year] += 1
        return dict(sorted(counts.items()))

    def analyze_command(self, path: str, outcome: str | None = None) -> str:
        """The ``countyhub analyze did`` command that reads this panel."""
        return analyze_command(path, level=self.level, outcome=outcome or self.outcomes[0])


def analyze_command(
    path: str,
    *,
    level: str,
    outcome: str,
    control: str = "notyet",
    covariates: Sequence[str] = (),
    method: str = "dr",
    seed: int | None = None,
) -> str:
    """The ``countyhub analyze did`` command that estimates on a panel of ``level``; with the
    seed, it repeats a run exactly."""
    unit = "county_id" if level == "county" else "village_id"
    words = ["countyhub", "analyze", "did", path, "--unit", unit, "--time", "year"]
    words += ["--outcome", outcome, "--treated-from", "treated_from", "--control", control]
    if covariates:
        words += ["--covariates", ",".join(covariates), "--method", method]
    if level == "county":
        words += ["--layout", "unbalanced"]
    if seed is not None:
        words += ["--seed", str(seed)]
    return shlex.join(words)


def build_panel(
    county: County,
    *,
    level: str,
    rollout: str | None = None,
    first_year: int | None = None,
    last_year: int | None = None,
) -> BuiltPanel:
    """The village or county panel of ``county`` (see the module doc)."""
    if level not in LEVELS:
        raise PanelError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    if level == "county":
        if rollout not in (None, DESIGNATION):
            raise PanelError(
                f"a county panel's rollout is the demonstration designation, not {rollout!r}"
            )
        return county_panel(county, first_year=first_year, last_year=last_year)
    return village_panel(
        county, rollout=rollout or "station", first_year=first_year, last_year=last_year
    )


def _year_range(seen: Iterable[int], first: int | None, last: int | None) -> tuple[int, int]:
    years = sorted(set(seen))
    if not years and (first is None or last is None):
        raise PanelError(
            "no records with a year (orders paid, stations opened, trainings, yearbook figures): "
            "give --from and --to"
        )
    start = first if first is not None else years[0]
    end = last if last is not None else years[-1]
    if end < start:
        raise PanelError(f"the last year ({end}) is before the first ({start})")
    if end - start > 60:
        raise PanelError(f"{start}-{end} is more than 60 years: give --from and --to")
    return start, end


def village_panel(
    county: County,
    *,
    rollout: str = "station",
    first_year: int | None = None,
    last_year: int | None = None,
) -> BuiltPanel:
    """Villages by year: platform sales, poor households' platform income, the register's
    headcount and people trained, with the chosen rollout year."""
    if rollout not in ROLLOUTS:
        raise PanelError(f"rollout must be one of {', '.join(ROLLOUTS)}, not {rollout!r}")
    zone = county.zone
    villages = list(
        Village.objects.filter(county=county)
        .order_by("township__name", "name", "pk")
        .values_list("pk", "name", "township_id")
    )
    if not villages:
        raise PanelError(f"{county.slug}: the county has no villages")
    townships = list(
        Township.objects.filter(county=county).order_by("name", "pk").values_list("pk", "name")
    )
    indicators = [f"township_{pk}" for pk, _name in townships[1:]]
    counted = {
        village_id: (total, poor)
        for village_id, total, poor in Household.objects.filter(county=county)
        .values_list("village_id")
        .annotate(total=Count("pk"), poor=Count("pk", filter=Q(registered_poor=True)))
        .order_by()
    }

    seller_village = dict(
        Seller.objects.filter(county=county).values_list("pk", "village_id").order_by()
    )
    seller_sales: dict[tuple[int, int], Decimal] = {}
    for seller_id, year, total in (
        OrderLine.objects.filter(
            order__county=county,
            order__payment__status__in=PAID,
            order__payment__received_at__isnull=False,
        )
        .annotate(year=ExtractYear("order__payment__received_at", tzinfo=zone))
        .values_list("order__seller_id", "year")
        .annotate(total=Sum(F("line_total") - F("refunded_amount")))
        .order_by()
    ):
        seller_sales[seller_id, year] = seller_sales.get((seller_id, year), Decimal(0)) + total

    sales: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for (seller_id, year), total in seller_sales.items():
        village_id = seller_village.get(seller_id)
        if village_id is not None:
            sales[village_id, year] += total
    unplaced = {s for s, _y in seller_sales if seller_village.get(s) is None}

    linked: dict[int, set[int]] = defaultdict(set)
    poor_village: dict[int, int] = {}
    for seller_id, household_id, poor, village_id in SellerHousehold.objects.filter(
        seller__county=county
    ).values_list("seller_id", "household_id", "household__registered_poor", "household__village"):
        linked[seller_id].add(household_id)
        if poor:
            poor_village[household_id] = village_id
    poor_income: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for (seller_id, year), total in seller_sales.items():
        households = linked.get(seller_id)
        if not households:
            continue
        share = total / len(households)
        for household_id in households:
            if household_id in poor_village:
                poor_income[poor_village[household_id], year] += share

    register: dict[int, list[int | None]] = defaultdict(list)
    for village_id, exit_year in (
        Household.objects.filter(county=county, registered_poor=True)
        .values_list("village_id", "poverty_exit_year")
        .order_by()
    ):
        register[village_id].append(exit_year)

    trained: dict[tuple[int, int], set[str]] = defaultdict(set)
    attended = Enrollment.objects.filter(
        session__course__county=county, attended=True, status=EnrollmentStatus.ENROLLED
    )
    for member_id, village_id, day in attended.filter(member__isnull=False).values_list(
        "member_id", "member__household__village_id", "session__date"
    ):
        trained[village_id, day.year].add(f"member:{member_id}")
    staff_villages: dict[int, set[int]] = defaultdict(set)
    for user_id, village_id in Seller.staff.through.objects.filter(
        seller__county=county, seller__village__isnull=False
    ).values_list("user_id", "seller__village_id"):
        staff_villages[user_id].add(village_id)
    for user_id, day in attended.filter(user__isnull=False).values_list("user_id", "session__date"):
        for village_id in staff_villages.get(user_id, ()):
            trained[village_id, day.year].add(f"user:{user_id}")

    stations = dict(
        Station.objects.filter(county=county).values_list("village_id", "opened_on").order_by()
    )
    joined = dict(
        Seller.objects.filter(county=county, village__isnull=False)
        .values_list("village_id")
        .annotate(first=Min(ExtractYear("created_at", tzinfo=zone)))
        .order_by()
    )
    first_trained: dict[int, int] = {}
    for village_id, year in trained:
        first_trained[village_id] = min(year, first_trained.get(village_id, year))

    seen = [y for _v, y in sales] + [y for _v, y in trained]
    seen += [d.year for d in stations.values() if d is not None] + list(joined.values())
    start, end = _year_range(seen, first_year, last_year)

    def rollout_year(village_id: int) -> int:
        if rollout == "station":
            if village_id not in stations:
                return 0
            opened = stations[village_id]
            return start if opened is None else opened.year
        if rollout == "training":
            return first_trained.get(village_id, 0)
        return joined.get(village_id, 0)

    rows = []
    for village_id, name, township_id in villages:
        treated = rollout_year(village_id)
        total, poor = counted.get(village_id, (0, 0))
        fixed: dict[str, Any] = {
            "households": total,
            "poor_share": (Decimal(poor) / total).quantize(SHARE) if total else None,
            **{column: int(column == f"township_{township_id}") for column in indicators},
        }
        village_rows = []
        for year in range(start, end + 1):
            headcount = sum(1 for e in register.get(village_id, ()) if not _exited(e, year))
            village_rows.append(
                {
                    "village_id": village_id,
                    "village": name,
                    "year": year,
                    "treated_from": treated,
                    "platform_sales": sales.get((village_id, year), Decimal(0)).quantize(CENT),
                    "poor_platform_income": poor_income.get(
                        (village_id, year), Decimal(0)
                    ).quantize(CENT),
                    "poor_households": headcount,
                    "trained_people": len(trained.get((village_id, year), ())),
                    **fixed,
                }
            )
        first = village_rows[0]
        for row in village_rows:
            row.update({f"base_{code}": first[code] for code in VILLAGE_OUTCOMES})
        rows.extend(village_rows)
    notes = [
        f"{len(villages)} villages x {end - start + 1} years ({start}-{end}); rollout: {rollout}",
        "poor_platform_income: each seller's net sales shared equally among the households it "
        "employs or buys from; registered-poor households' shares summed by their village",
        "poor_households: registered-poor households without a year of exit by the year's end",
        "covariates: households and poor_share (ever on the register) as recorded now; "
        f"base_<outcome>: the outcome in {start}",
    ]
    if indicators:
        named = ", ".join(
            f"{c}: {n}" for c, (_pk, n) in zip(indicators, townships[1:], strict=True)
        )
        notes.append(f"township indicators (reference: {townships[0][1]}): {named}")
    if rollout == "station" and any(d is None for d in stations.values()):
        undated = sum(1 for d in stations.values() if d is None)
        notes.append(
            f"{undated} station(s) without an opening date count as open from {start}, so the "
            "DiD leaves their villages out (already treated in the first year)"
        )
    if unplaced:
        notes.append(
            f"{len(unplaced)} seller(s) with sales have no village: their sales are in no "
            "village's platform_sales (poor households' shares still count)"
        )
    return BuiltPanel(
        level="village",
        rollout=rollout,
        unit="village_id",
        label="village",
        outcomes=VILLAGE_OUTCOMES,
        years=(start, end),
        rows=rows,
        notes=notes,
        covariates={
            "households": ("households",),
            "poor_share": ("poor_share",),
            "township": tuple(indicators),
            **{f"base_{code}": (f"base_{code}",) for code in VILLAGE_OUTCOMES},
        },
    )


def _exited(exit_year: int | None, year: int) -> bool:
    return exit_year is not None and exit_year <= year


@cache
def national_designations() -> dict[int, int]:
    """Counties designated nationally per year (MOFCOM, China E-commerce Report 2014-2019)."""
    text = resources.files("countyhub.impact").joinpath("data/demonstration_counties.csv")
    with text.open(encoding="utf-8") as handle:
        return {
            int(row["year"]): int(row["demonstration_counties"]) for row in csv.DictReader(handle)
        }


def county_panel(
    county: County, *, first_year: int | None = None, last_year: int | None = None
) -> BuiltPanel:
    """Counties of the county's province by year, treated from their national designation."""
    counties = list(
        County.objects.filter(province=county.province_id).order_by("name", "pk")
        if county.province_id
        else County.objects.filter(pk=county.pk)
    )
    designated = dict(
        Program.objects.filter(county__in=counties, level=ProgramLevel.NATIONAL)
        .values_list("county_id")
        .annotate(first=Min("designation_year"))
        .order_by()
    )
    figures: dict[tuple[int, int], dict[str, Decimal]] = defaultdict(dict)
    for figure in YearbookFigure.objects.filter(county__in=counties):
        figures[figure.county_id, figure.year][figure.indicator] = figure.base_value
    start, end = _year_range([y for _c, y in figures], first_year, last_year)
    rows = []
    for unit in counties:
        baseline = figures.get((unit.pk, start), {})
        for year in range(start, end + 1):
            values = figures.get((unit.pk, year), {})
            rows.append(
                {
                    "county_id": unit.pk,
                    "county": unit.name,
                    "year": year,
                    "treated_from": designated.get(unit.pk, 0),
                    **{code: _plain(values.get(code)) for code in COUNTY_OUTCOMES},
                    **{f"base_{code}": _plain(baseline.get(code)) for code in COUNTY_OUTCOMES},
                }
            )
    national = national_designations()
    notes = [
        f"{len(counties)} counties x {end - start + 1} years ({start}-{end}); rollout: national "
        "demonstration designation",
        "outcomes in yuan, persons or yuan per person; blank where no figure was entered "
        "(analyse with --layout unbalanced)",
        f"covariates base_<indicator>: the figure in {start}, blank where none was entered",
    ]
    cohorts: dict[int, int] = defaultdict(int)
    for year in designated.values():
        cohorts[year] += 1
    for year, count in sorted(cohorts.items()):
        if year in national:
            notes.append(
                f"{count} of these counties designated in {year}, of {national[year]} "
                "designated nationally that year"
            )
        else:
            notes.append(
                f"{count} of these counties designated in {year}: not a year of the national "
                f"program ({min(national)}-{max(national)})"
            )
    if not county.province_id:
        notes.append("the county belongs to no province: the panel has this county alone")
    return BuiltPanel(
        level="county",
        rollout=DESIGNATION,
        unit="county_id",
        label="county",
        outcomes=COUNTY_OUTCOMES,
        years=(start, end),
        rows=rows,
        notes=notes,
        covariates={f"base_{code}": (f"base_{code}",) for code in COUNTY_OUTCOMES},
    )


def _plain(value: Decimal | None) -> Decimal | None:
    """A figure without trailing zeros of its four decimal places (12.0000 -> 12)."""
    if value is None:
        return None
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal
