"""Reading yearbook figures."""

from __future__ import annotations

from collections import defaultdict

from countyhub.core.models import County
from countyhub.impact.models import Indicator, YearbookFigure


def figures_by_year(county: County) -> list[tuple[int, list[tuple[str, YearbookFigure | None]]]]:
    """The county's figures, newest year first: every indicator's label and figure (or None)."""
    years: dict[int, dict[str, YearbookFigure]] = defaultdict(dict)
    for figure in YearbookFigure.objects.filter(county=county):
        years[figure.year][figure.indicator] = figure
    return [
        (year, [(str(label), years[year].get(code)) for code, label in Indicator.choices])
        for year in sorted(years, reverse=True)
    ]
