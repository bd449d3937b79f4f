from __future__ import annotations

from django.db.models import QuerySet

from countyhub.analyses.models import AnalysisRun, CPISeries, Dataset
from countyhub.core.models import County


def datasets(county: County) -> QuerySet[Dataset]:
    return Dataset.objects.filter(county=county)


def cpi_tables(county: County) -> QuerySet[CPISeries]:
    return CPISeries.objects.filter(county=county).prefetch_related("values")


def runs(county: County) -> QuerySet[AnalysisRun]:
    return AnalysisRun.objects.filter(county=county).select_related(
        "dataset", "job", "wave__survey", "wave_after"
    )[:50]


def sample_sizes(model_syntax: str, p_min: float, n: int) -> dict[str, object] | None:
    """Both minimum sample sizes of the model as written, and whether n is below them; None
    while the syntax does not parse (the page then shows the parse error instead)."""
    from countyhub.analysis.plssem.sample_size import minimum_sample_sizes
    from countyhub.analysis.plssem.syntax import ModelSyntaxError, parse_model

    try:
        spec = parse_model(model_syntax)
    except ModelSyntaxError:
        return None
    sizes = minimum_sample_sizes(spec, p_min=p_min, n=n)
    return {
        "sizes": sizes,
        "n": n,
        "below_ten_times": n < sizes.ten_times,
        "below_inverse": n < sizes.inverse_square_root,
    }
