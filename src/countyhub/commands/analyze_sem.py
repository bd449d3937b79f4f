"""`countyhub analyze sem`: estimate a PLS path model from a survey table."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from countyhub.commands import common

if TYPE_CHECKING:
    from countyhub.analysis.plssem.bootstrap import BootstrapResults
    from countyhub.analysis.plssem.fit import FitResults
    from countyhub.analysis.plssem.groups import GroupComparison
    from countyhub.analysis.plssem.results import PLSResults


def sem(
    ctx: typer.Context,
    data: Annotated[Path, typer.Argument(help="Survey table: .csv, .xlsx or .parquet.")],
    model: Annotated[
        Path, typer.Option("--model", help="Model file in lavaan-style syntax (=~, <~, ~).")
    ],
    weighting: Annotated[
        str, typer.Option(help="Inner weighting scheme: path, factorial or centroid.")
    ] = "path",
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples (0 = none).")] = 0,
    seed: Annotated[int | None, typer.Option(help=common.SEED_HELP)] = None,
    confidence: Annotated[float, typer.Option("--confidence", help=common.CONFIDENCE_HELP)] = 0.95,
    missing: Annotated[
        str,
        typer.Option(
            help="Missing values: mean (default; each replaced by its column's mean, as seminr "
            "and SmartPLS) or listwise (rows with a missing indicator dropped)."
        ),
    ] = "mean",
    na: Annotated[list[str] | None, typer.Option("--na", help=common.NA_HELP)] = None,
    consistent: Annotated[
        bool,
        typer.Option(
            "--consistent",
            help="Consistent PLS (PLSc, Dijkstra & Henseler 2015): correct the correlations of "
            "reflective (=~) constructs by rho_A and re-estimate paths, R², f² and loadings; "
            "formative (<~) constructs are not corrected. The bootstrap corrects every resample.",
        ),
    ] = False,
    interaction: Annotated[
        str,
        typer.Option(
            "--interaction",
            help="How an interaction term 'Y ~ A:B' is measured: two-stage (default; the product "
            "of A's and B's stage-1 scores) or product-indicator (every product of A's and B's "
            "standardized indicators), as seminr's two_stage and product_indicator.",
        ),
    ] = "two-stage",
    max_iter: Annotated[int, typer.Option(help="Iteration limit of the PLS algorithm.")] = 300,
    tol: Annotated[
        float, typer.Option(help="Stop when outer weights change less than this.")
    ] = 1e-7,
    allow_nonconvergence: Annotated[
        bool,
        typer.Option(
            "--allow-nonconvergence",
            help="Exit 0 even if the algorithm did not converge (it is still reported).",
        ),
    ] = False,
    predict: Annotated[
        bool,
        typer.Option(
            "--predict",
            help="PLSpredict: k-fold cross-validation (--folds, --repetitions) of the endogenous "
            "indicators against the linear-model benchmark.",
        ),
    ] = False,
    global_item: Annotated[
        list[str] | None,
        typer.Option(
            "--global",
            help="CONSTRUCT=COLUMN: a global single-item measure of a formative construct, for "
            "redundancy analysis; repeatable.",
        ),
    ] = None,
    fit_bootstrap: Annotated[
        int,
        typer.Option(
            "--fit-bootstrap",
            help="Resamples for the 95%/99% quantiles of SRMR, d_ULS and d_G (0 = none).",
        ),
    ] = 0,
    folds: Annotated[int, typer.Option(help="PLSpredict folds.")] = 10,
    repetitions: Annotated[int, typer.Option(help="PLSpredict repetitions.")] = 10,
    groups: Annotated[
        str | None,
        typer.Option(
            "--groups",
            help="COLUMN of the data with two groups (e.g. registered-poor households or not): "
            "MICOM and multi-group analysis (permutation and Henseler's bootstrap MGA).",
        ),
    ] = None,
    permutations: Annotated[
        int,
        typer.Option(
            help="Permutations for --groups, and bootstrap resamples per group for its MGA."
        ),
    ] = 1000,
    jobs: Annotated[int, typer.Option(help="Threads for the bootstrap.")] = 2,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write results as JSON.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write a self-contained HTML report.")] = None,
) -> None:
    """Estimate a PLS-SEM model: paths, R², reliability, HTMT, VIF, bootstrap.

    Missing values are replaced by column means unless --missing listwise is given. Exit status:
    0 done, 2 bad input, 3 the algorithm did not converge (unless --allow-nonconvergence).
    """
    from countyhub.analysis.errors import AnalysisError
    from countyhub.analysis.plssem import PLSModel

    common.check_confidence(confidence)
    randomized = bootstrap or predict or fit_bootstrap or groups is not None
    chosen = common.choose_seed(seed) if randomized else None
    try:
        text = model.read_text(encoding="utf-8")
    except OSError as exc:
        common.fail(f"{model}: cannot read the model file: {exc.strerror}")
    try:
        pls = PLSModel.from_syntax(text, data, missing=missing, na=na, interaction=interaction)
        result = pls.fit(scheme=weighting, max_iter=max_iter, tol=tol, consistent=consistent)
        boot = None
        if bootstrap < 0:
            raise AnalysisError("--bootstrap must be 0 or a positive number of resamples")
        if bootstrap:
            boot = _run_bootstrap(result, bootstrap, chosen, jobs, 1 - confidence)
        prediction = (
            result.predict(folds=folds, repetitions=repetitions, seed=chosen) if predict else None
        )
        fit = result.model_fit(fit_bootstrap, seed=chosen)
        formative = result.formative(boot, global_items=_global_items(data, global_item, na))
        comparison = (
            None
            if groups is None
            else _run_groups(result, data, groups, permutations, chosen, na, 1 - confidence)
        )
    except AnalysisError as exc:
        common.fail(str(exc))
    stamp = result.provenance(boot, command=common.invoked_command(ctx), seed=chosen)
    if json_out is not None:
        payload = result.to_dict(boot, provenance=stamp)
        payload["model_fit"] = fit.to_dict()
        if formative is not None:
            payload["formative"] = formative.to_dict()
        if prediction is not None:
            payload["predict"] = prediction.to_dict()
        if comparison is not None:
            payload["groups"] = comparison.to_dict()
        json_out.write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")
    if report is not None:
        report.write_text(
            result.to_html(
                boot,
                provenance=stamp,
                prediction=prediction,
                fit=fit,
                formative=formative,
                groups=comparison,
            ),
            encoding="utf-8",
        )
    if json_out is None and report is None:
        sys.stdout.write(result.summary.as_text())
        sys.stdout.write("\n" + fit.summary.as_text())
        if formative is not None:
            sys.stdout.write("\n" + formative.summary.as_text())
        if boot is not None:
            sys.stdout.write("\n" + boot.summary.as_text())
        if prediction is not None:
            sys.stdout.write("\n" + prediction.summary.as_text())
        if comparison is not None:
            sys.stdout.write("\n" + comparison.summary.as_text())
    else:
        lines = [*_short_summary(result, boot, seed is not None), _fit_line(fit, result.consistent)]
        if comparison is not None:
            lines.append(_groups_line(comparison))
        if boot is None and chosen is not None:
            lines.append(common.seed_line(chosen, seed is not None))
        common.written(lines, [json_out, report])
    _finish(result, allow_nonconvergence)


def _short_summary(
    result: PLSResults, boot: BootstrapResults | None, seed_given: bool
) -> list[str]:
    names = result.structure.constructs
    lines = [
        f"PLS-SEM ({result.estimator}): {len(names)} constructs, {len(result.path_pairs())} paths; "
        + ("converged" if result.converged else "DID NOT CONVERGE")
        + f" after {result.iterations} iterations",
        f"Rows: {result.rows_note}",
    ]
    if boot is not None:
        assert boot.seed is not None  # the command always chooses one
        lines.append(
            f"Bootstrap: {boot.resamples} resamples, {boot.failed} failed; "
            + (f"{boot.inadmissible} inadmissible PLSc (kept); " if boot.consistent else "")
            + common.seed_line(boot.seed, seed_given)
        )
    lines += [f"! {w}" for w in result.warnings]
    return lines


def _global_items(data: Path, given: list[str] | None, na: list[str] | None) -> dict[str, Any]:
    """``--global CONSTRUCT=COLUMN`` options into {construct: column values}."""
    from countyhub.analysis.errors import AnalysisError
    from countyhub.analysis.plssem.data import read_indicators

    out = {}
    for value in given or []:
        construct, equals, column = value.partition("=")
        if not equals or not construct.strip() or not column.strip():
            raise AnalysisError(f"--global {value!r}: write CONSTRUCT=COLUMN, e.g. SERV=serv_all")
        out[construct.strip()] = read_indicators(data, [column.strip()], na=na).values[:, 0]
    return out


def _fit_line(fit: FitResults, consistent: bool = False) -> str:
    srmr = fit.values["estimated"]["srmr"]
    line = f"Model fit: SRMR {srmr:.3f} (estimated model" + (
        ", PLS composites, not PLSc)" if consistent else ")"
    )
    if fit.quantiles:
        q95, q99 = fit.quantiles["estimated"]["srmr"]
        line += f"; bootstrap 95% quantile {q95:.3f}, 99% {q99:.3f}"
    return line


def _finish(result: PLSResults, allow_nonconvergence: bool) -> None:
    if result.converged:
        return
    message = (
        f"the PLS algorithm did not converge in {result.max_iter} iterations; raise --max-iter"
    )
    if allow_nonconvergence:
        common.warn(message + " (reported anyway: --allow-nonconvergence)")
        return
    typer.echo(f"error: {message}, or pass --allow-nonconvergence", err=True)
    raise typer.Exit(code=common.EXIT_NOT_TRUSTED)


def _run_bootstrap(  # type: ignore[no-untyped-def]
    result, resamples: int, seed: int | None, jobs: int, alpha: float
):
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("bootstrap"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("bootstrap", total=resamples)
        return result.bootstrap(
            resamples,
            seed=seed,
            n_jobs=jobs,
            alpha=alpha,
            progress=lambda done, total: bar.update(task, completed=done),
        )


def _groups_line(comparison: GroupComparison) -> str:
    (g1, g2), (n1, n2) = comparison.groups, comparison.sizes
    differ = int((comparison.permutation_pvalue <= comparison.alpha).sum())
    variant = int((~comparison.compositional_invariance).sum())
    return (
        f"Groups ({comparison.column}): {g1} (n = {n1}) against {g2} (n = {n2}), "
        f"{comparison.permutations} permutations; MICOM step 2 fails for {variant} construct"
        f"{'' if variant == 1 else 's'}; {differ} path{'' if differ == 1 else 's'} differ "
        f"(permutation p <= {comparison.alpha:g})"
    )


def _run_groups(  # type: ignore[no-untyped-def]
    result, data: Path, column: str, permutations: int, seed: int | None, na, alpha: float
):
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from countyhub.analysis.plssem.data import read_labels

    labels = read_labels(data, column)
    columns = (
        TextColumn("groups"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("groups", total=None)
        return result.compare_groups(
            labels,
            column=column,
            permutations=permutations,
            seed=seed,
            na=tuple(na or ()),
            alpha=alpha,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
