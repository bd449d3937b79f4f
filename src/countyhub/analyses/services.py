"""Use cases of the analyses app: upload a dataset, start a run, repeat it, cancel it.

Each is one transaction with its audit entry. A run is checked before it is queued (the model
against the data, the before/after options against the columns) so that a mistake is shown on
the setup page, not found by the worker minutes later.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from countyhub import __version__
from countyhub.analyses import cpi
from countyhub.analyses.models import (
    AnalysisKind,
    AnalysisRun,
    CPIDefinition,
    CPISeries,
    CPIValue,
    Dataset,
)
from countyhub.analyses.runner import JOB_KIND, before_after_model
from countyhub.analyses.sources import (
    DatasetError,
    DatasetMeta,
    PairedWaves,
    SourceData,
    SurveyWave,
    UploadedDataset,
    first_bad_cell,
    parse_table,
)
from countyhub.core import jobs
from countyhub.core.audit import record_audit
from countyhub.core.models import County
from countyhub.surveys.models import Wave

MAX_DATASET_BYTES = 5 * 2**20
WEIGHTINGS = ("path", "factorial", "centroid")
MISSING = ("listwise", "mean")
MIN_RESAMPLES, MAX_RESAMPLES = 100, 10_000


class AnalysesError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class AnalysisInputError(AnalysesError):
    """Inputs a person can correct; ``field`` names the form field."""


def infer_constructs(columns: list[str]) -> dict[str, list[str]]:
    """Items named PREFIX_1, PREFIX_2...: one construct per prefix with at least two items."""
    groups: dict[str, list[str]] = {}
    for column in columns:
        match = re.fullmatch(r"(.+?)_?(\d{1,2})", column)
        if match:
            groups.setdefault(match.group(1).rstrip("_").upper(), []).append(column)
    return {name: items for name, items in groups.items() if len(items) >= 2}


def parse_constructs(
    text: str, columns: list[str], numeric: list[str], name: str
) -> dict[str, list[str]]:
    """Lines ``NAME: item item ...`` (commas or spaces between items)."""
    constructs: dict[str, list[str]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        construct, colon, items_text = line.partition(":")
        items = [item for item in re.split(r"[\s,，]+", items_text.strip()) if item]
        if not colon or not construct.strip() or not items:
            raise AnalysisInputError(
                _("Constructs, line %(line)d: write NAME: item1 item2 ...") % {"line": number},
                "constructs",
            )
        for item in items:
            if item not in columns:
                raise AnalysisInputError(
                    _("Constructs, line %(line)d: %(item)s is not a column of %(name)s.")
                    % {"line": number, "item": item, "name": name},
                    "constructs",
                )
            if item not in numeric:
                raise AnalysisInputError(
                    _("Constructs, line %(line)d: the column %(item)s holds text, not numbers.")
                    % {"line": number, "item": item},
                    "constructs",
                )
        constructs[construct.strip()] = items
    return constructs


@dataclass(frozen=True)
class DatasetInput:
    name: str
    filename: str
    data: bytes
    constructs: str
    reverse: list[str]
    scale: tuple[float, float]
    missing_codes: list[str]
    money: str


@transaction.atomic
def upload_dataset(*, county: County, actor: Any, upload: DatasetInput) -> Dataset:
    if len(upload.data) > MAX_DATASET_BYTES:
        raise AnalysisInputError(
            _("%(name)s is larger than %(mb)d MB.")
            % {"name": upload.filename, "mb": MAX_DATASET_BYTES >> 20},
            "file",
        )
    try:
        table = parse_table(upload.data, upload.filename, upload.missing_codes)
    except DatasetError as error:
        raise AnalysisInputError(str(error), "file") from error
    constructs = (
        parse_constructs(upload.constructs, table.header, table.numeric, upload.filename)
        if upload.constructs.strip()
        else {
            name: items
            for name, items in infer_constructs(table.header).items()
            if all(item in table.numeric for item in items)
        }
    )
    for item in upload.reverse:
        if item not in table.header:
            raise AnalysisInputError(
                _("Reverse-coded item %(item)s is not a column of %(name)s.")
                % {"item": item, "name": upload.filename},
                "reverse",
            )
        if item not in table.numeric:
            raise AnalysisInputError(
                first_bad_cell(table, item, upload.missing_codes, upload.filename), "reverse"
            )
    money: dict[str, int] = {}
    for number, raw in enumerate(upload.money.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        column, colon, year = (part.strip() for part in line.partition(":"))
        if not colon or not year.isdigit() or column not in table.header:
            raise AnalysisInputError(
                _("Money columns, line %(line)d: write COLUMN: YEAR with a column of the file.")
                % {"line": number},
                "money",
            )
        if column not in table.numeric:
            raise AnalysisInputError(
                first_bad_cell(table, column, upload.missing_codes, upload.filename), "money"
            )
        money[column] = int(year)
    meta = DatasetMeta(
        constructs=constructs,
        reverse=upload.reverse,
        scale=upload.scale,
        missing_codes=upload.missing_codes,
        money=money,
    )
    dataset = Dataset(
        county=county,
        name=upload.name,
        original_name=upload.filename,
        sha256=hashlib.sha256(upload.data).hexdigest(),
        rows=len(table.rows),
        columns=table.header,
        numeric_columns=table.numeric,
        metadata=meta.to_json(),
        uploaded_by=actor,
    )
    dataset.file.save(get_valid_filename(upload.filename), ContentFile(upload.data), save=False)
    dataset.save()
    record_audit(
        actor=actor,
        action="analyses.dataset.uploaded",
        target=dataset,
        county=county,
        changes={"name": dataset.name, "sha256": dataset.sha256, "rows": dataset.rows},
    )
    return dataset


def check_pls_options(options: dict[str, Any]) -> dict[str, Any]:
    weighting, missing = options.get("weighting"), options.get("missing")
    if weighting not in WEIGHTINGS:
        raise AnalysisInputError(_("Choose a weighting scheme."), "weighting")
    if missing not in MISSING:
        raise AnalysisInputError(_("Choose a treatment of missing values."), "missing")
    resamples = int(options.get("resamples", 0))
    if not MIN_RESAMPLES <= resamples <= MAX_RESAMPLES:
        raise AnalysisInputError(
            _("Bootstrap resamples: between %(low)d and %(high)d.")
            % {"low": MIN_RESAMPLES, "high": MAX_RESAMPLES},
            "resamples",
        )
    return {"weighting": weighting, "missing": missing, "resamples": resamples}


def check_pls_model(data: SourceData, model_syntax: str, options: dict[str, Any]) -> int:
    """Bind the model to the data as the worker will; the usable rows (n)."""
    from countyhub.analysis.errors import AnalysisError
    from countyhub.analysis.plssem import PLSModel
    from countyhub.analysis.plssem.syntax import ModelSyntaxError

    try:
        model = PLSModel.from_syntax(model_syntax, data.frame, missing=options["missing"])
    except ModelSyntaxError as error:
        raise AnalysisInputError(str(error), "model_syntax") from error
    except AnalysisError as error:
        raise AnalysisInputError(str(error), "model_syntax") from error
    return model.n


def check_before_after(data: SourceData, options: dict[str, Any]) -> None:
    from countyhub.analysis.errors import AnalysisError
    from countyhub.analysis.poverty import PovertyLineUnavailableError

    try:
        before_after_model(data, options)
    except PovertyLineUnavailableError as error:
        raise AnalysisInputError(
            _("%(error)s. Choose the CPI-indexed line (not official), or no poverty measure.")
            % {"error": error},
            "poverty_line",
        ) from error
    except AnalysisError as error:
        raise AnalysisInputError(str(error)) from error


def _source_data(
    county: County,
    kind: str,
    options: dict[str, Any],
    dataset: Dataset | None,
    wave: Wave | None,
    wave_after: Wave | None,
) -> SourceData:
    """The run's data, from the one source it names, checked to be the county's own."""
    if dataset is not None and wave is None:
        if dataset.county_id != county.pk:
            raise AnalysisInputError(_("This dataset belongs to another county."))
        try:
            return UploadedDataset(dataset).load()
        except DatasetError as error:
            raise AnalysisInputError(str(error)) from error
    if dataset is not None or wave is None:
        raise AnalysisInputError(_("Name the data: a dataset or a survey wave."))
    for each in (wave, wave_after):
        if each is not None and each.survey.county_id != county.pk:
            raise AnalysisInputError(_("This survey wave belongs to another county."))
    if kind == AnalysisKind.PLS_SEM:
        if wave_after is not None:
            raise AnalysisInputError(_("A PLS-SEM reads one wave."))
        return SurveyWave(wave).load()
    if wave_after is None or wave_after.pk == wave.pk:
        raise AnalysisInputError(_("Choose two different waves."), "wave_after")
    money = tuple(options.get("money") or ())
    if not money:
        raise AnalysisInputError(_("Choose at least one money question."), "money")
    try:
        return PairedWaves(wave, wave_after, money).load()
    except DatasetError as error:
        raise AnalysisInputError(str(error), "money") from error


def wave_before_after_options(
    wave: Wave,
    wave_after: Wave,
    money: list[str],
    base_year: int | None,
    *,
    cpi_choice: str = cpi.NATIONAL_RURAL,
    poverty: str = "",
    poverty_line: str = "official",
) -> dict[str, Any]:
    """Before/after options for two paired waves: each money question a measure, deflated from
    the price years its questionnaires declare (one year per wave, so one deflator each), and,
    when ``poverty`` names one of them, its shares under the poverty line of each wave's price
    year (the official line table, or the CPI-indexed line, labelled not official)."""
    if poverty and poverty not in money:
        raise AnalysisInputError(_("Choose it among the money questions too."), "poverty")
    from countyhub.surveys.selectors import HOUSEHOLD_COLUMN, money_years

    years = []
    for each in (wave, wave_after):
        declared = money_years(each.questionnaire)
        found = {declared[q] for q in money if q in declared}
        if len(found) != 1 or not all(q in declared for q in money):
            raise AnalysisInputError(
                _("%(wave)s: the money questions must all have one price year.") % {"wave": each},
                "money",
            )
        years.append(found.pop())
    return {
        "id": HOUSEHOLD_COLUMN,
        "pairs": {q: [f"{q}_before", f"{q}_after"] for q in money},
        "money": list(money),
        "year_before": years[0],
        "year_after": years[1],
        "base_year": base_year or years[1],
        "poverty": poverty,
        "poverty_line": poverty_line,
        "cpi": cpi_choice or cpi.NATIONAL_RURAL,
        "confidence": 0.95,
    }


@dataclass(frozen=True)
class CPIInput:
    """A county CPI table as entered: values typed (``values_text``) or a file, not both."""

    name: str
    definition: str
    base: str
    source: str
    values_text: str = ""
    filename: str = ""
    data: bytes | None = None


MIN_CPI_YEARS = 2


def _cpi_values(entry: CPIInput) -> dict[int, Any]:
    try:
        if entry.data is not None:
            if entry.values_text.strip():
                raise AnalysisInputError(
                    _("Either type the values or upload a file, not both."), "values"
                )
            if len(entry.data) > MAX_DATASET_BYTES:
                raise AnalysisInputError(
                    _("%(name)s is larger than %(mb)d MB.")
                    % {"name": entry.filename, "mb": MAX_DATASET_BYTES >> 20},
                    "file",
                )
            values = cpi.parse_values_file(entry.data, entry.filename)
            field = "file"
        else:
            values = cpi.parse_values_text(entry.values_text)
            field = "values"
    except cpi.CPIInputError as error:
        raise AnalysisInputError(
            str(error), "file" if entry.data is not None else "values"
        ) from error
    if len(values) < MIN_CPI_YEARS:
        raise AnalysisInputError(
            _("A CPI table needs the values of at least %(n)d years.") % {"n": MIN_CPI_YEARS},
            field,
        )
    if entry.definition == CPIDefinition.PREVIOUS_YEAR:
        years = sorted(values)
        for earlier, later in itertools.pairwise(years):
            if later != earlier + 1:
                raise AnalysisInputError(
                    _(
                        "Previous-year = 100 values are chained year by year: %(earlier)d is "
                        "followed by %(later)d, a year is missing."
                    )
                    % {"earlier": earlier, "later": later},
                    field,
                )
    return values


@transaction.atomic
def save_cpi_series(
    *, county: County, actor: Any, entry: CPIInput, series: CPISeries | None = None
) -> CPISeries:
    """Create the county's CPI table, or replace one's description and all its values: every
    value is checked first, and nothing is saved unless all are good."""
    if entry.definition not in CPIDefinition.values:
        raise AnalysisInputError(_("Choose what the values are."), "definition")
    if series is not None and series.county_id != county.pk:
        raise AnalysisInputError(_("This CPI table belongs to another county."))
    values = _cpi_values(entry)
    taken = CPISeries.objects.filter(county=county, name=entry.name)
    if series is not None:
        taken = taken.exclude(pk=series.pk)
    if taken.exists():
        raise AnalysisInputError(
            _("The county already has a CPI table named %(name)s.") % {"name": entry.name}, "name"
        )
    created = series is None
    if series is None:
        series = CPISeries(county=county, created_by=actor)
    series.name, series.definition = entry.name, entry.definition
    series.base, series.source = entry.base, entry.source
    series.save()
    series.values.all().delete()
    CPIValue.objects.bulk_create(
        CPIValue(series=series, year=year, index=index) for year, index in sorted(values.items())
    )
    record_audit(
        actor=actor,
        action="analyses.cpi.created" if created else "analyses.cpi.replaced",
        target=series,
        county=county,
        changes={
            "name": series.name,
            "definition": series.definition,
            "base": series.base,
            "source": series.source,
            "values": {str(year): str(index) for year, index in sorted(values.items())},
        },
    )
    return series


def resolve_cpi(county: County, options: dict[str, Any]) -> dict[str, Any]:
    """The options with the CPI they name made explicit: ``"national_rural"`` (the shipped
    table), or ``"county:<id>"`` (the county's table, copied into ``cpi_table`` so the run
    keeps the values it used). A stored run's options, already copied, are kept as they are."""
    choice = options.get("cpi") or cpi.NATIONAL_RURAL
    if choice == cpi.NATIONAL_RURAL:
        return {key: value for key, value in options.items() if key != "cpi_table"} | {
            "cpi": cpi.NATIONAL_RURAL
        }
    if choice == cpi.COUNTY and isinstance(options.get("cpi_table"), dict):
        return options
    prefix, _colon, pk = str(choice).partition(":")
    series = (
        CPISeries.objects.filter(county=county, pk=int(pk)).first()
        if prefix == cpi.COUNTY and pk.isdigit()
        else None
    )
    if series is None:
        raise AnalysisInputError(_("Choose a CPI table of this county."), "cpi")
    return {**options, "cpi": cpi.COUNTY, "cpi_table": cpi.snapshot(series)}


@transaction.atomic
def start_run(
    *,
    county: County,
    actor: Any,
    kind: str,
    options: dict[str, Any],
    dataset: Dataset | None = None,
    wave: Wave | None = None,
    wave_after: Wave | None = None,
    model_syntax: str = "",
    seed: int | None = None,
    repeats: AnalysisRun | None = None,
) -> AnalysisRun:
    """Check the inputs, store the run and queue its job (dispatched on commit)."""
    if kind not in AnalysisKind.values:
        raise AnalysisInputError(_("Unknown kind of analysis."))
    data = _source_data(county, kind, options, dataset, wave, wave_after)
    if kind == AnalysisKind.PLS_SEM:
        options = {**options, **check_pls_options(options)}
        check_pls_model(data, model_syntax, options)
    else:
        options = resolve_cpi(county, options)
        check_before_after(data, options)
    if repeats is not None and data.sha256 != repeats.data_sha256:
        raise AnalysisInputError(
            _("The data are not those this run was made on (SHA-256 differs).")
        )
    job = jobs.submit(JOB_KIND, inputs={}, created_by=actor, county=county)
    run = AnalysisRun.objects.create(
        county=county,
        kind=kind,
        dataset=dataset,
        wave=wave,
        wave_after=wave_after,
        model_syntax=model_syntax,
        options=options,
        seed=secrets.randbelow(2**31) if seed is None else seed,
        data_sha256=data.sha256,
        countyhub_version=__version__,
        job=job,
        repeats=repeats,
        created_by=actor,
    )
    job.inputs = {"run": run.pk}
    job.save(update_fields=["inputs"])
    record_audit(
        actor=actor,
        action="analyses.run.started",
        target=run,
        county=county,
        changes={
            "kind": kind,
            "dataset": dataset.pk if dataset else None,
            "waves": [w.pk for w in (wave, wave_after) if w is not None],
            "sha256": run.data_sha256,
            "seed": run.seed,
            "options": options,
        },
    )
    return run


def repeat_run(*, run: AnalysisRun, actor: Any) -> AnalysisRun:
    """The same run again: same data (checked by hash), model, options and seed."""
    return start_run(
        county=run.county,
        actor=actor,
        dataset=run.dataset,
        wave=run.wave,
        wave_after=run.wave_after,
        kind=run.kind,
        options=run.options,
        model_syntax=run.model_syntax,
        seed=run.seed,
        repeats=run,
    )


@transaction.atomic
def cancel_run(*, run: AnalysisRun, actor: Any) -> None:
    jobs.request_cancel(run.job)
    record_audit(actor=actor, action="analyses.run.cancelled", target=run, county=run.county)
