"""The demo province: 青山县 and eleven neighbouring counties side by side, for the province
view and the county-level program evaluation (impact.panels.county_panel).

The twelve neighbours are plain County rows (no villages, sellers or orders), but for 白河县,
whose villages demo.rollout adds for the village panel. Nine of them were
designated national e-commerce-into-rural demonstration counties in staggered years, two a
year, one with 青山县 (which keeps the designation its program has, programs demo); three
never were. Every county has every yearbook indicator for the last ``YEARBOOK_YEARS``
years, simulated (and labelled so in each figure's source and definition) from a seeded
generator: a county level, a year effect shared by all counties, small noise, and a known
effect of the designation, ``data.DESIGNATION_EFFECT`` yuan per person on rural disposable
income from the designation year on, the same in every designated county and year, so that the
demo's own DiD has a true answer to recover. Everything goes through the services a county uses
(programs saved, figures imported as a file's rows), so it is audited as theirs would be.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from django.db.models import Min
from django.utils import timezone

from countyhub.core.audit import save_with_audit
from countyhub.core.models import County, Province
from countyhub.core.services import appoint_province_official
from countyhub.demo import data
from countyhub.demo.accounts import demo_user
from countyhub.impact.models import FigureUnit, Indicator
from countyhub.impact.services import import_figures
from countyhub.programs.models import NATIONAL_CENTRAL_FUNDS, Program, ProgramLevel
from countyhub.programs.services import save_program

PROGRAM_NAME = "电子商务进农村综合示范"
SOURCE = "演示模拟数据，非真实统计（simulated for the countyhub demo）：青山省统计年鉴 {year}"
DEFINITION = (
    "演示用模拟数字（simulated for the demo, not a published figure）：县水平 + 各县共同的年份"
    "效应 + 小噪声（seed {seed}）"
)
EFFECT_NOTE = (
    "；示范县认定当年起每人 +{effect} 元，已知效应（known effect of the designation: "
    "+{effect} yuan per person from the designation year）"
)


def build_province(county: County, admin: Any) -> str:
    """The province of ``county`` (which has none yet) with its neighbours, designations and
    yearbook figures, and the demo's province official."""
    province = save_with_audit(actor=admin, instance=Province(**data.PROVINCE), county=None)
    county.province = province
    save_with_audit(actor=admin, instance=county, county=county)
    this_year = timezone.localdate().year
    counties = [county]
    designated: dict[int, int] = {}
    own = Program.objects.filter(county=county, level=ProgramLevel.NATIONAL).aggregate(
        first=Min("designation_year")
    )["first"]
    if own is not None:
        designated[county.pk] = own
    for name, slug, name_en, years_ago in data.NEIGHBOURS:
        neighbour = save_with_audit(
            actor=admin,
            instance=County(
                name=name,
                name_en=name_en,
                slug=slug,
                service_center=f"{name}电子商务公共服务中心",
                province=province,
            ),
            county=None,
        )
        counties.append(neighbour)
        if years_ago is not None:
            designated[neighbour.pk] = this_year - years_ago
            save_program(
                actor=admin,
                county=neighbour,
                name=PROGRAM_NAME,
                level=ProgramLevel.NATIONAL,
                designation_year=this_year - years_ago,
                central_funds=NATIONAL_CENTRAL_FUNDS,
                local_matching=Decimal("3000000.00"),
            )
    years = range(this_year - data.YEARBOOK_YEARS, this_year)
    figures = simulated_figures(counties, designated, years)
    for unit in counties:
        import_figures(actor=admin, county=unit, rows=figures[unit.pk])
    official = demo_user("province")
    appoint_province_official(actor=admin, user=official, province=province)
    return (
        f"{province.name}: {len(counties)} counties, {len(designated)} designated, "
        f"{sum(map(len, figures.values()))} yearbook figures {years[0]}-{years[-1]}"
    )


def simulated_figures(
    counties: list[County], designated: dict[int, int], years: range
) -> dict[int, list[dict[str, str]]]:
    """Every indicator of every county and year, as the rows of an imported file."""
    rng = random.Random(data.PROVINCE_SEED)
    # Shared by all counties (the year effect the DiD differences away): income growth with a
    # shock of the year, the economy's growth rate.
    income_year = [650 * k + rng.gauss(0, 150) for k in range(len(years))]
    growth_year = [1 + rng.gauss(0.07, 0.01) for _ in years]
    rows: dict[int, list[dict[str, str]]] = {}
    for unit in counties:
        income_level = rng.uniform(6500, 9500)
        gdp = rng.uniform(600_000, 1_800_000)  # 万元
        people = rng.uniform(20, 60)  # 万人
        exports = rng.uniform(2_000, 30_000)  # 万元
        treated_from = designated.get(unit.pk)
        rows[unit.pk] = []
        for k, year in enumerate(years):
            gdp *= growth_year[k]
            people *= 0.996
            exports *= 1.05
            treated = treated_from is not None and year >= treated_from
            income = income_level + income_year[k] + rng.gauss(0, 60)
            if treated:
                income += float(data.DESIGNATION_EFFECT)
            values = {
                Indicator.GDP: (gdp * rng.gauss(1, 0.01), FigureUnit.TEN_THOUSAND_YUAN, 0),
                Indicator.RETAIL_SALES: (
                    0.35 * gdp * rng.gauss(1, 0.02),
                    FigureUnit.TEN_THOUSAND_YUAN,
                    0,
                ),
                Indicator.FIXED_ASSET_INVESTMENT: (
                    0.6 * gdp * rng.gauss(1, 0.05),
                    FigureUnit.TEN_THOUSAND_YUAN,
                    0,
                ),
                Indicator.BUDGET_EXPENDITURE: (
                    0.3 * gdp * rng.gauss(1, 0.03),
                    FigureUnit.TEN_THOUSAND_YUAN,
                    0,
                ),
                Indicator.CUSTOMS_EXPORTS: (
                    exports * rng.gauss(1, 0.1),
                    FigureUnit.TEN_THOUSAND_YUAN,
                    0,
                ),
                Indicator.CUSTOMS_IMPORTS: (
                    0.4 * exports * rng.gauss(1, 0.1),
                    FigureUnit.TEN_THOUSAND_YUAN,
                    0,
                ),
                Indicator.RESIDENT_POPULATION: (
                    people * rng.gauss(1, 0.002),
                    FigureUnit.TEN_THOUSAND_PERSONS,
                    2,
                ),
                Indicator.RURAL_DISPOSABLE_INCOME: (income, FigureUnit.YUAN_PER_PERSON, 0),
            }
            for indicator, (value, unit_code, places) in values.items():
                definition = DEFINITION.format(seed=data.PROVINCE_SEED)
                if indicator == Indicator.RURAL_DISPOSABLE_INCOME and treated_from is not None:
                    definition += EFFECT_NOTE.format(effect=data.DESIGNATION_EFFECT)
                rows[unit.pk].append(
                    {
                        "year": str(year),
                        "indicator": str(indicator),
                        "value": f"{max(value, 0):.{places}f}",
                        "unit": str(unit_code),
                        "source": SOURCE.format(year=year + 1),
                        "definition": definition,
                    }
                )
    return rows
