"""`countyhub analyze did`: staggered difference-in-differences from a panel file."""

from __future__ import annotations

import hashlib
import json
import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

CONTROL_HELP = "Comparison units: never (never treated) or notyet (also not yet treated)."
METHOD_HELP = "Estimator of each cell: dr (doubly robust), ipw or reg (outcome regression)."
LAYOUT_HELP = (
    "balanced (a gap is an error), unbalanced (units may miss periods; every row is used) or "
    "repeated (repeated cross-sections: each row a different individual observed once; no "
    "--unit; cross-section is another name for it)."
)
UNIT_HELP = "Unit column (county, village...); not with --layout repeated."
LAYOUTS = {
    "balanced": "balanced",
    "unbalanced": "unbalanced",
    "repeated": "cross_section",
    "cross-section": "cross_section",
}
SENSITIVITY_HELP = (
    "Sensitivity of the event study to violations of parallel trends (Rambachan & Roth): "
    "rm (relative magnitudes, Mbar 0 to 2) or sd (smoothness, M)."
)
RM_TEST_HELP = (
    "Robust interval of --sensitivity rm: bonferroni (simple, conservative) or conditional "
    "(the Andrews-Roth-Pakes conditional test, as HonestDiD; shorter, slower)."
)
TARGET_HELP = "Effect the sensitivity is about: first (first post period) or average (post mean)."
BASE_HELP = "Base period: varying (pre-periods against the one before) or universal (g - 1)."


def did(
    data: Annotated[Path, typer.Argument(help="Long panel: CSV, XLSX or Parquet.")],
    time: Annotated[str, typer.Option("--time", help="Period column (e.g. year).")],
    outcome: Annotated[str, typer.Option("--outcome", help="Outcome column.")],
    treated_from: Annotated[
        str,
        typer.Option("--treated-from", help="First treated period; 0 or empty = never treated."),
    ],
    unit: Annotated[
        str | None,
        typer.Option("--unit", help=UNIT_HELP),
    ] = None,
    control: Annotated[str, typer.Option("--control", help=CONTROL_HELP)] = "never",
    covariates: Annotated[
        str, typer.Option("--covariates", help="Comma-separated covariate columns.")
    ] = "",
    method: Annotated[str, typer.Option("--method", help=METHOD_HELP)] = "dr",
    base_period: Annotated[str, typer.Option("--base-period", help=BASE_HELP)] = "varying",
    anticipation: Annotated[
        int, typer.Option("--anticipation", help="Periods of anticipation before treatment.")
    ] = 0,
    weights: Annotated[
        str | None, typer.Option("--weights", help="Sampling-weight column (fixed per unit).")
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", help="Cluster standard errors also by this column."),
    ] = None,
    layout: Annotated[str, typer.Option("--layout", help=LAYOUT_HELP)] = "balanced",
    drop_incomplete: Annotated[
        bool,
        typer.Option("--drop-incomplete", help="Drop units missing a period (unbalanced panel)."),
    ] = False,
    na: Annotated[
        str | None, typer.Option(help="Extra missing-value marker, e.g. -99 (blank cells always).")
    ] = None,
    confidence: Annotated[
        float | None,
        typer.Option(
            "--confidence", help="Confidence level of intervals and bands [default: 0.95]."
        ),
    ] = None,
    alpha: Annotated[
        float | None,
        typer.Option("--alpha", help="Deprecated: 1 - confidence; use --confidence.", hidden=True),
    ] = None,
    bootstrap: Annotated[
        int, typer.Option("--bootstrap", help="Multiplier-bootstrap draws (0 = analytic SEs).")
    ] = 0,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Seed of bands and bootstrap (chosen if not given)."),
    ] = None,
    sensitivity: Annotated[str | None, typer.Option("--sensitivity", help=SENSITIVITY_HELP)] = None,
    sensitivity_target: Annotated[
        str, typer.Option("--sensitivity-target", help=TARGET_HELP)
    ] = "first",
    sensitivity_test: Annotated[
        str, typer.Option("--sensitivity-test", help=RM_TEST_HELP)
    ] = "bonferroni",
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the results as JSON here.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the HTML report here.")
    ] = None,
) -> None:
    """Callaway-Sant'Anna group-time effects, their aggregations and the naive TWFE beside them."""
    from rich.console import Console
    from rich.progress import Progress

    from countyhub.analysis.did import StaggeredDiD
    from countyhub.analysis.errors import AnalysisError
    from countyhub.analysis.tables import read_frame

    err = Console(stderr=True, soft_wrap=True)
    for name, value, choices in (
        ("--control", control, ("never", "notyet")),
        ("--method", method, ("dr", "ipw", "reg")),
        ("--base-period", base_period, ("varying", "universal")),
        ("--layout", layout, tuple(LAYOUTS)),
        ("--sensitivity", sensitivity or "rm", ("rm", "sd")),
        ("--sensitivity-target", sensitivity_target, ("first", "average")),
        ("--sensitivity-test", sensitivity_test, ("bonferroni", "conditional")),
    ):
        if value not in choices:
            _fail(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    if unit is None and LAYOUTS[layout] != "cross_section":
        _fail(f"--unit is required with --layout {layout} (only --layout repeated has none)")
    if unit is not None and LAYOUTS[layout] == "cross_section":
        sys.stderr.write(
            f"warning: --unit {unit} is ignored: with --layout {layout} every row is a different "
            "individual\n"
        )
    if alpha is not None:
        if confidence is not None:
            _fail("give --confidence only (--alpha is its deprecated complement)")
        if not 0 < alpha < 1:
            _fail(f"--alpha must lie between 0 and 1, not {alpha:g}")
        confidence = 1 - alpha
        sys.stderr.write(
            f"warning: --alpha is deprecated; use --confidence {confidence:g} instead\n"
        )
    if confidence is None:
        confidence = 0.95
    if not 0 < confidence < 1:
        _fail(f"--confidence must lie between 0 and 1 (e.g. 0.95), not {confidence:g}")
    if anticipation < 0:
        _fail(f"--anticipation must be 0 or more periods, not {anticipation}")
    names = [c.strip() for c in covariates.split(",") if c.strip()]
    try:
        frame = read_frame(data, na=[na] if na else ())
        model = StaggeredDiD(
            frame,
            unit=unit,
            time=time,
            outcome=outcome,
            treated_from=treated_from,
            control=control,  # type: ignore[arg-type]  # checked above
            covariates=names,
            method=method,  # type: ignore[arg-type]
            base_period=base_period,  # type: ignore[arg-type]
            anticipation=anticipation,
            weights=weights,
            cluster=cluster,
            drop_incomplete=drop_incomplete,
            layout=LAYOUTS[layout],  # type: ignore[arg-type]
        )
        with Progress(console=err, transient=True, disable=not sys.stderr.isatty()) as bar:
            task = bar.add_task("group-time effects", total=None)
            result = model.fit(
                confidence=confidence,
                seed=seed,
                bootstrap=bootstrap,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        if sensitivity is not None:
            result = result.with_sensitivity(
                sensitivity,  # type: ignore[arg-type]  # checked above
                target=sensitivity_target,  # type: ignore[arg-type]
                rm_test=sensitivity_test,  # type: ignore[arg-type]
            )
    except AnalysisError as exc:
        _fail(str(exc))
    chosen = result.meta["seed"]
    command = ["countyhub", "analyze", "did", *sys.argv[sys.argv.index("did") + 1 :]]
    if seed is None:
        command += ["--seed", str(chosen)]  # so the stamped command repeats the run exactly
    result = result.stamped(
        data_sha256=hashlib.sha256(data.read_bytes()).hexdigest(),
        command=shlex.join(command),
        data=str(data),
    )
    for message in result.warnings:
        sys.stderr.write(f"warning: {message}\n")
    if json_out is None and report is None:
        sys.stdout.write(result.summary.as_text())
        sys.stdout.write(f"seed {chosen}\n")
        return
    sys.stdout.write(result.short_summary())
    if result.sensitivity is not None:
        sys.stdout.write(f"sensitivity: {result.sensitivity.breakdown_line()}\n")
    if json_out is not None:
        payload = json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
        json_out.write_text(payload, encoding="utf-8")
        sys.stdout.write(f"results (JSON): {json_out}\n")
    if report is not None:
        report.write_text(result.to_html(), encoding="utf-8")
        sys.stdout.write(f"report (HTML): {report}\n")


def _fail(message: str) -> None:
    sys.stderr.write(f"error: {message}\n")
    raise typer.Exit(code=2)
