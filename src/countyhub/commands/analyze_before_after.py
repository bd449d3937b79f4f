"""`countyhub analyze before-after`: paired before/after tests, CPI deflation and poverty shares."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from countyhub.commands import common

if TYPE_CHECKING:
    from countyhub.analysis.paired_results import BeforeAfterResults

PAIR_FORM = "NAME=BEFORE_COL:AFTER_COL"
LINE_METHODS = {"official": "official", "cpi-indexed": "cpi_indexed", "cpi_indexed": "cpi_indexed"}


class UsageError(Exception):
    """Options that do not fit together; the message names the options."""


def before_after(
    ctx: typer.Context,
    data: Annotated[
        Path, typer.Argument(help="Survey table (CSV, XLSX or Parquet), one row per respondent.")
    ],
    id_column: Annotated[str, typer.Option("--id", help="Respondent id column.")],
    pair: Annotated[
        list[str],
        typer.Option(
            "--pair", help=f"A measure as {PAIR_FORM}, e.g. income=income_2020:income_2022; repeat."
        ),
    ],
    cpi: Annotated[
        Path | None,
        typer.Option(
            "--cpi",
            help="CPI table with columns year,cpi (index levels, any base). "
            "Default: the shipped national rural CPI.",
        ),
    ] = None,
    year_before: Annotated[
        int | None, typer.Option("--year-before", help="Survey year before.")
    ] = None,
    year_after: Annotated[
        int | None, typer.Option("--year-after", help="Survey year after.")
    ] = None,
    base_year: Annotated[
        int | None, typer.Option("--base-year", help="Express money in this year's prices.")
    ] = None,
    money: Annotated[
        list[str] | None,
        typer.Option("--money", help="Measures to deflate: NAME[,NAME...]; repeatable."),
    ] = None,
    poverty: Annotated[
        str | None,
        typer.Option(
            "--poverty", help="Per-capita money measure to test against the poverty line."
        ),
    ] = None,
    poverty_line: Annotated[
        str,
        typer.Option(
            "--poverty-line",
            help="official (published yearly values, 2010-2020) or cpi-indexed "
            "(2,300 yuan at 2010 prices x CPI; not official).",
        ),
    ] = "official",
    poverty_lines: Annotated[
        Path | None,
        typer.Option("--poverty-lines", help="Your own official line table: year,yuan[,status]."),
    ] = None,
    na: Annotated[list[str] | None, typer.Option("--na", help=common.NA_HELP)] = None,
    confidence: Annotated[float, typer.Option("--confidence", help=common.CONFIDENCE_HELP)] = 0.95,
    continuity_correction: Annotated[
        bool,
        typer.Option(
            "--continuity-correction",
            help="Continuity-correct the Wilcoxon normal approximation, as R's wilcox.test "
            "(default off, as SPSS and scipy).",
        ),
    ] = False,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the results as JSON.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a self-contained HTML report.")
    ] = None,
) -> None:
    """Compare each measure before and after: paired t, Wilcoxon, Cohen's dz, poverty shares."""
    from countyhub.analysis.errors import AnalysisError
    from countyhub.analysis.poverty import PovertyLineUnavailableError

    common.check_confidence(confidence)
    try:
        pairs = parse_pairs(pair)
        money_names = parse_names(money or [])
        method = _line_method(poverty_line)
        check_options(
            pairs=pairs,
            money=money_names,
            cpi=cpi,
            years=(year_before, year_after, base_year),
            poverty=poverty,
            method=method,
            poverty_lines=poverty_lines,
        )
        results = _fit(
            data,
            id_column=id_column,
            pairs=pairs,
            money=money_names,
            cpi=cpi,
            years=(year_before, year_after, base_year),
            poverty=poverty,
            method=method,
            poverty_lines=poverty_lines,
            na=na or [],
            confidence=confidence,
            continuity_correction=continuity_correction,
        )
        _write(
            results,
            data=data,
            json_out=json_out,
            report=report,
            command=common.invoked_command(ctx),
        )
    except PovertyLineUnavailableError as exc:
        _fail(f"{exc}. On the command line: --poverty-line cpi-indexed, or --poverty-lines FILE")
    except (UsageError, AnalysisError, OSError) as exc:
        _fail(str(exc))


def _fail(message: str) -> NoReturn:
    """The message on stderr and exit status 2, as every `analyze` command (see common)."""
    common.fail(message)


def parse_pairs(values: list[str]) -> dict[str, tuple[str, str]]:
    """``NAME=BEFORE_COL:AFTER_COL`` options into {name: (before, after)}, each checked."""
    pairs: dict[str, tuple[str, str]] = {}
    for value in values:
        name, equals, columns = value.partition("=")
        parts = columns.split(":")
        if not equals or len(parts) != 2 or not name.strip() or not all(p.strip() for p in parts):
            raise UsageError(
                f"--pair {value!r} is malformed: expected {PAIR_FORM}, "
                "e.g. --pair income=income_2020:income_2022"
            )
        name = name.strip()
        if name in pairs:
            raise UsageError(f"--pair name {name!r} is given twice")
        pairs[name] = (parts[0].strip(), parts[1].strip())
    return pairs


def parse_names(values: list[str]) -> list[str]:
    """Repeated and comma-separated names (``--money a,b --money c``) into one list."""
    names = [name.strip() for value in values for name in value.split(",")]
    if any(not name for name in names):
        raise UsageError(f"--money has an empty name in {','.join(values)!r}")
    return list(dict.fromkeys(names))


def check_options(
    *,
    pairs: dict[str, tuple[str, str]],
    money: list[str],
    cpi: Path | None,
    years: tuple[int | None, int | None, int | None],
    poverty: str | None,
    method: str,
    poverty_lines: Path | None,
) -> None:
    """Option combinations, with a message that names the options."""
    year_before, year_after, base_year = years
    known = ", ".join(pairs)
    for name in money:
        if name not in pairs:
            raise UsageError(f"--money {name!r} is not a --pair name (the pairs are: {known})")
    if poverty is not None and poverty not in pairs:
        raise UsageError(f"--poverty {poverty!r} is not a --pair name (the pairs are: {known})")
    missing = [
        flag
        for flag, year in (
            ("--year-before", year_before),
            ("--year-after", year_after),
            ("--base-year", base_year),
        )
        if year is None
    ]
    if money and missing:
        raise UsageError(f"--money needs {', '.join(missing)} to deflate to a base year")
    if base_year is not None and not money:
        raise UsageError("--base-year needs --money: name the money measures to deflate")
    cpi_indexed = poverty is not None and method == "cpi_indexed"
    if cpi is not None and not (money or cpi_indexed):
        raise UsageError(
            "--cpi needs --money (the measures to deflate), with --year-before, --year-after "
            "and --base-year"
        )
    if poverty is not None and (year_before is None or year_after is None):
        raise UsageError(
            "--poverty needs --year-before and --year-after to pick each year's poverty line"
        )
    if poverty_lines is not None and (poverty is None or method != "official"):
        raise UsageError("--poverty-lines needs --poverty with --poverty-line official")


def _line_method(value: str) -> str:
    try:
        return LINE_METHODS[value.strip().lower()]
    except KeyError:
        raise UsageError(f"--poverty-line {value!r}: use 'official' or 'cpi-indexed'") from None


def _fit(
    data: Path,
    *,
    id_column: str,
    pairs: dict[str, tuple[str, str]],
    money: list[str],
    cpi: Path | None,
    years: tuple[int | None, int | None, int | None],
    poverty: str | None,
    method: str,
    poverty_lines: Path | None,
    na: list[str],
    confidence: float,
    continuity_correction: bool,
) -> BeforeAfterResults:
    from countyhub.analysis.deflate import read_cpi
    from countyhub.analysis.paired import BeforeAfter
    from countyhub.analysis.poverty import read_poverty_lines
    from countyhub.analysis.tables import read_frame

    frame = read_frame(data, na=na)
    model = BeforeAfter(
        frame,
        id=id_column,
        pairs=pairs,
        money=money,
        cpi=read_cpi(cpi) if cpi is not None else None,
        year_before=years[0],
        year_after=years[1],
        base_year=years[2],
        poverty=poverty,
        poverty_line="cpi_indexed" if method == "cpi_indexed" else "official",
        poverty_lines=read_poverty_lines(poverty_lines) if poverty_lines is not None else None,
    )
    return model.fit(confidence=confidence, continuity_correction=continuity_correction)


def _write(
    results: BeforeAfterResults,
    *,
    data: Path,
    json_out: Path | None,
    report: Path | None,
    command: str,
) -> None:
    """Files when asked for, with a short summary; otherwise the readable tables on stdout."""
    from countyhub.analysis.provenance import Provenance

    if json_out is None and report is None:
        typer.echo(results.summary.as_text())
        return
    stamp = Provenance.capture(data, command=command)
    if json_out is not None:
        document = results.to_dict(provenance=stamp)
        text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
        json_out.write_text(text + "\n", encoding="utf-8")
    if report is not None:
        report.write_text(results.to_html(provenance=stamp), encoding="utf-8")
    summary = [f"Before/after: {len(results.measures)} measures", *results.rows_lines()]
    summary += [f"! {w}" for w in results.warnings]
    common.written(summary, [json_out, report])
