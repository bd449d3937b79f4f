"""Bootstrap for PLS-SEM, computed as batches of resampled correlation matrices.

A resample is a vector of counts c (how often each row was drawn). Every moment the PLS algorithm
needs is linear in c: the column sums c'Z and the cross-products Z'diag(c)Z. So one matrix product
(counts of a chunk of resamples) x (per-row features) gives the correlation matrices of the whole
chunk, and :mod:`.engine` then runs the PLS algorithm on all of them at once. Memory is bounded by
the chunk, not by the number of resamples.

With mean replacement, the missing cells of each resample are replaced by that resample's own
column means (as seminr does); the features then also carry the missingness pattern, and the
filled cross-products are assembled from them exactly.

Conventions (SmartPLS): resampling rows with replacement after listwise deletion; t = estimate /
bootstrap standard deviation; p two-sided from Student's t with (valid resamples - 1) degrees of
freedom; percentile and bias-corrected and accelerated (BCa; Efron 1987, acceleration from the
jackknife) intervals. HTMT is bootstrapped like the other statistics; f² re-estimates the model
without each path in every resample. With PLSc (``Estimation.consistent``) every resample is
corrected again with its own rho_A; resamples whose PLSc estimate is inadmissible are kept and
counted (``BootstrapResults.inadmissible``).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from countyhub.analysis.distributions import normal_cdf, normal_ppf, student_t_two_sided_p
from countyhub.analysis.errors import AnalysisError
from countyhub.analysis.plssem import consistent as plsc
from countyhub.analysis.plssem import engine, evaluate
from countyhub.analysis.plssem.data import PreparedData
from countyhub.analysis.plssem.engine import Structure, chain_effects, path_label
from countyhub.analysis.plssem.higher_order import FirstStage
from countyhub.analysis.plssem.interactions import ProductResamples
from countyhub.analysis.results import Results
from countyhub.analysis.summary import Cell, Summary, SummaryTable

if TYPE_CHECKING:
    import pandas as pd

Progress = Callable[[int, int], None]
GROUPS = (
    "paths",
    "outer_loadings",
    "outer_weights",
    "total_effects",
    "indirect_effects",
    "htmt",
    "r_squared",
    "f_squared",
    "reliability",
)
# Groups keyed by two names in JSON ({construct: {indicator or measure: row}}).
NESTED = ("outer_loadings", "outer_weights", "htmt", "reliability")
# Bytes of resample counts held per chunk; bounds memory whatever the number of resamples.
CHUNK_BYTES = 24 * 2**20
# Above this many rows the BCa acceleration uses a delete-d (grouped) jackknife.
JACKKNIFE_GROUPS = 2000
# A bootstrap SD below this (relative to the estimate) is rounding: the statistic is fixed.
FIXED_SPREAD = 1e-10


class ResampleMoments:
    """Per-row features whose count-weighted sums give a resample's correlation matrix."""

    def __init__(self, prepared: PreparedData) -> None:
        raw = prepared.raw
        self.fill = prepared.missing == "mean" and bool(np.isnan(raw).any())
        values = raw if self.fill else prepared.values
        observed = ~np.isnan(values)
        # Centre and scale with the full sample's statistics: correlations do not change, and the
        # resample moments are then computed from well-scaled numbers.
        mean = np.nanmean(values, axis=0)
        sd = np.nanstd(values, axis=0, ddof=1)
        z = np.where(observed, (values - mean) / sd, 0.0)
        self.n, self.p = z.shape
        self.upper = np.triu_indices(self.p)
        parts = [z, z[:, self.upper[0]] * z[:, self.upper[1]]]
        if self.fill:
            absent = (~observed).astype(np.float64)
            parts += [
                observed.astype(np.float64),
                (z[:, :, None] * absent[:, None, :]).reshape(self.n, self.p * self.p),
                absent[:, self.upper[0]] * absent[:, self.upper[1]],
            ]
        self.features = np.ascontiguousarray(np.hstack(parts))
        self.totals = self.features.sum(axis=0)

    def _symmetric(self, upper_values: np.ndarray) -> np.ndarray:
        out = np.empty((upper_values.shape[0], self.p, self.p))
        out[:, self.upper[0], self.upper[1]] = upper_values
        out[:, self.upper[1], self.upper[0]] = upper_values
        return out

    def correlations(self, sums: np.ndarray, size: np.ndarray) -> np.ndarray:
        """(B, p, p) correlation matrices from feature sums (B, f) over ``size`` rows each."""
        p, q = self.p, len(self.upper[0])
        first = sums[:, :p]
        cross = self._symmetric(sums[:, p : p + q])
        if self.fill:
            offset = p + q
            observed = sums[:, offset : offset + p]
            z_absent = sums[:, offset + p : offset + p + p * p].reshape(-1, p, p)
            both_absent = self._symmetric(sums[:, offset + p + p * p :])
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = first / observed
            cross = (
                cross
                + mean[:, None, :] * z_absent
                + mean[:, :, None] * z_absent.transpose(0, 2, 1)
                + mean[:, :, None] * mean[:, None, :] * both_absent
            )
        else:
            mean = first / size[:, None]
        cov = cross - size[:, None, None] * mean[:, :, None] * mean[:, None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = np.sqrt(np.einsum("bii->bi", cov))
            r: np.ndarray = cov / (sd[:, :, None] * sd[:, None, :])
        return r

    def from_counts(self, counts: np.ndarray) -> np.ndarray:
        return self.correlations(counts @ self.features, counts.sum(axis=1))

    def leave_out(self, groups: list[np.ndarray]) -> np.ndarray:
        """Correlation matrices of the sample with each group of rows left out."""
        sums = np.stack([self.totals - self.features[g].sum(axis=0) for g in groups])
        size = np.array([self.n - len(g) for g in groups], dtype=np.float64)
        return self.correlations(sums, size)


@dataclass(frozen=True)
class StatisticSet:
    """Which statistics are bootstrapped, with their labels and original estimates."""

    labels: dict[str, list[tuple[str, ...]]]
    original: dict[str, np.ndarray]

    @property
    def size(self) -> int:
        return sum(len(v) for v in self.original.values())


@dataclass(frozen=True)
class Estimation:
    """What each resample re-estimates: the model's structure, the algorithm's settings, and which
    statistics to keep (``totals``: the (j, k) with a total effect; ``chains``: the indirect
    effects), with their labels and the original sample's values; ``consistent``: PLSc."""

    structure: Structure
    scheme: str
    max_iter: int
    tol: float
    totals: list[tuple[int, int]]
    chains: list[tuple[int, ...]]
    statistics: StatisticSet
    consistent: bool = False
    effect_sizes: bool = True  # f² per resample (one PLS run per path more)
    # Higher-order constructs: stage 1 re-run on each resample before stage 2 (``structure``).
    first_stage: FirstStage | None = None
    # Product-indicator interactions: each resample's products are built again from its rows.
    products: ProductResamples | None = None


def _extract(
    estimation: Estimation, r: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """Re-estimate on each correlation matrix; return statistics, failed, converged and (PLSc)
    inadmissible flags."""
    if estimation.first_stage is not None:
        r = estimation.first_stage.transform(r)
    s = estimation.structure
    fit = engine.estimate_weights(
        r, s, scheme=estimation.scheme, tol=estimation.tol, max_iter=estimation.max_iter
    )
    w = engine.fix_signs(fit.weights, r, s)
    derived = engine.derive(r, w, s)
    owner = s.block_of
    rows = np.arange(len(owner))
    failed = fit.failed | derived.failed
    inadmissible = np.zeros(r.shape[0], dtype=bool)
    paths, total, r_squared = derived.paths, derived.total_effects, derived.r_squared
    loadings = derived.cross_loadings[:, rows, owner]
    if estimation.consistent:
        correction = plsc.correct(r, w, s)
        paths, total, r_squared = correction.paths, correction.total_effects, correction.r_squared
        loadings = correction.loadings
        failed |= correction.failed
        inadmissible = plsc.inadmissible_mask(correction)
    pairs = s.path_pairs()
    totals = estimation.totals
    k_count = s.n_constructs
    upper = np.triu_indices(k_count, 1)
    f_squared = (
        evaluate.f_squared_batch(
            r,
            s,
            r_squared,
            scheme=estimation.scheme,
            max_iter=estimation.max_iter,
            tol=estimation.tol,
            consistent=estimation.consistent,
        )
        if estimation.effect_sizes
        else None
    )
    draws = {
        "paths": np.stack([paths[:, j, k] for j, k in pairs], axis=1),
        "outer_loadings": loadings,
        "outer_weights": w[:, rows, owner],
        "total_effects": np.stack([total[:, j, k] for j, k in totals], axis=1)
        if totals
        else np.empty((r.shape[0], 0)),
        "indirect_effects": chain_effects(paths, estimation.chains),
        "htmt": engine.htmt(r, s)[:, upper[0], upper[1]],
        "r_squared": r_squared[:, list(s.endogenous)],
        "f_squared": np.empty((r.shape[0], 0))
        if f_squared is None
        else np.stack([f_squared[:, j, k] for j, k in pairs], axis=1),
        "reliability": evaluate.reliability_batch(r, w, loadings, s).reshape(r.shape[0], -1),
    }
    for values in draws.values():
        failed |= ~np.isfinite(values).all(axis=1)
    return draws, failed, fit.converged, inadmissible & ~failed


# The columns of a bootstrapped statistic, in attributes, JSON rows and ``to_frame`` alike.
STATISTIC_FIELDS = (
    "original",
    "mean",
    "std_error",
    "statistic",
    "pvalue",
    "ci_low",
    "ci_high",
    "bca_low",
    "bca_high",
)


@dataclass(frozen=True)
class BootstrapStatistic:
    """Bootstrap summary of one group of statistics (arrays aligned with ``labels``).

    ``std_error`` is the SD of the bootstrap distribution, ``statistic`` = original / std_error
    (SmartPLS's t), ``pvalue`` its two-sided p; ``ci_*`` percentile and ``bca_*`` BCa bounds.
    ``fixed`` marks a statistic that cannot vary (a single item's loading and weight of 1): it has
    no t and no p, as seminr reports it, instead of 1 / rounding noise.
    """

    labels: list[tuple[str, ...]]
    original: np.ndarray
    mean: np.ndarray
    std_error: np.ndarray
    statistic: np.ndarray
    pvalue: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    bca_low: np.ndarray
    bca_high: np.ndarray
    fixed: np.ndarray

    def row(self, index: int) -> dict[str, float | bool | None]:
        out: dict[str, float | bool | None] = {
            name: _num(getattr(self, name)[index]) for name in STATISTIC_FIELDS
        }
        out["fixed"] = bool(self.fixed[index])
        return out


def _num(value: float) -> float | None:
    value = float(value)
    return None if not np.isfinite(value) else value


@dataclass(frozen=True)
class BootstrapResults(Results):
    """Bootstrap distributions of a PLS estimate, with t, p and confidence intervals."""

    resamples: int
    seed: int | None
    failed: int
    not_converged: int
    alpha: float
    statistics: dict[str, BootstrapStatistic]
    draws: dict[str, np.ndarray]  # (valid resamples, m) per group
    consistent: bool = False  # PLSc: every resample corrected with its own rho_A
    inadmissible: int = 0  # valid resamples whose PLSc estimate is inadmissible (kept)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "resamples": self.resamples,
            "seed": self.seed,
            "failed": self.failed,
            "not_converged": self.not_converged,
            "valid": self.resamples - self.failed,
            "confidence": 1 - self.alpha,
            "estimator": "PLSc" if self.consistent else "PLS",
            "inadmissible": self.inadmissible,
        }
        for group, stat in self.statistics.items():
            if group in NESTED:
                nested: dict[str, dict[str, Any]] = {}
                for index, (a, b) in enumerate(stat.labels):
                    nested.setdefault(a, {})[b] = stat.row(index)
                out[group] = nested
            else:
                out[group] = {
                    path_label(*label): stat.row(i) for i, label in enumerate(stat.labels)
                }
        out["htmt_inference"] = self.htmt_inference()
        return out

    def htmt_inference(self) -> dict[str, dict[str, dict[str, float | bool]]]:
        """HTMT tested one-sided against 0.85 and 0.90 (Henseler et al. 2015; Franke & Sarstedt
        2019): discriminant validity holds at level alpha when the bootstrap's (1 - alpha)
        quantile of HTMT, the one-sided upper bound, lies below the threshold."""
        stat = self.statistics["htmt"]
        draws = self.draws["htmt"]
        out: dict[str, dict[str, dict[str, float | bool]]] = {}
        for i, (a, b) in enumerate(stat.labels):
            upper = float(np.quantile(draws[:, i], 1 - self.alpha))
            out.setdefault(a, {})[b] = {
                "original": float(stat.original[i]),
                "upper": upper,
                "below_0.85": upper < 0.85,
                "below_0.90": upper < 0.90,
            }
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per statistic, indexed by (group, label), with the columns of a JSON row."""
        # `countyhub analyze sem --bootstrap` never imports pandas: it starts faster without
        # (tests/analysis/test_plssem_cli.py checks).
        import pandas as pd  # deliberately lazy

        rows = {
            (group, _row_label(group, label)): [
                float(getattr(stat, name)[i]) for name in STATISTIC_FIELDS
            ]
            for group, stat in self.statistics.items()
            for i, label in enumerate(stat.labels)
        }
        return pd.DataFrame(
            list(rows.values()),
            index=pd.MultiIndex.from_tuples(list(rows), names=["group", "label"]),
            columns=list(STATISTIC_FIELDS),
        ).assign(
            fixed=[
                bool(stat.fixed[i])
                for stat in self.statistics.values()
                for i in range(len(stat.labels))
            ]
        )

    def path_pvalues(self) -> dict[tuple[str, ...], float]:
        """The bootstrap p value of each path, keyed by (source, target)."""
        stat = self.statistics["paths"]
        return {label: float(stat.pvalue[i]) for i, label in enumerate(stat.labels)}

    @property
    def summary(self) -> Summary:
        level = f"{100 * (1 - self.alpha):g}%"
        columns = (
            "estimate",
            "mean",
            "SD",
            "t",
            "p",
            f"{level} low",
            f"{level} high",
            "BCa low",
            "BCa high",
        )
        tables = []
        for group, title in _GROUP_TITLES.items():
            stat = self.statistics[group]
            if not stat.labels:
                continue
            rows: list[tuple[str, list[Cell]]] = []
            for i, label in enumerate(stat.labels):
                cells: list[Cell] = [float(getattr(stat, name)[i]) for name in STATISTIC_FIELDS]
                if stat.fixed[i]:
                    cells[3], cells[4] = "fixed", None
                rows.append((_row_label(group, label), cells))
            tables.append(SummaryTable(f"Bootstrap: {title}", columns, rows))
        tables.append(self._htmt_table())
        lines = [
            f"Resamples: {self.resamples} (seed {self.seed}); failed: {self.failed}; "
            f"did not converge (kept): {self.not_converged}"
            + (
                f"; PLSc, each resample corrected; inadmissible (kept): {self.inadmissible}"
                if self.consistent
                else ""
            ),
            "t = estimate / bootstrap SD; p two-sided from Student's t with (valid resamples - 1)"
            " df; percentile and BCa intervals. A statistic that cannot vary (a single item's"
            " loading and weight) is fixed: no t, no p.",
        ]
        return Summary("Bootstrap (PLSc)" if self.consistent else "Bootstrap", tables, lines)

    def _htmt_table(self) -> SummaryTable:
        level = f"{100 * (1 - self.alpha):g}%"
        rows: list[tuple[str, list[Cell]]] = []
        flagged = set()
        for a, partners in self.htmt_inference().items():
            for b, entry in partners.items():
                label = f"HTMT({a}, {b})"
                rows.append(
                    (
                        label,
                        [
                            entry["original"],
                            entry["upper"],
                            "yes" if entry["below_0.85"] else "no",
                            "yes" if entry["below_0.90"] else "no",
                        ],
                    )
                )
                for key, column in (("below_0.85", "< 0.85"), ("below_0.90", "< 0.90")):
                    if not entry[key]:
                        flagged.add((label, column))
        return SummaryTable(
            "Bootstrap: HTMT inference (one-sided)",
            ("HTMT", f"{level} upper bound", "< 0.85", "< 0.90"),
            rows,
            note=f"Discriminant validity at the {100 * self.alpha:g}% level when the one-sided "
            "upper bound lies below the threshold (flagged where it does not).",
            flagged=frozenset(flagged),
        )


_GROUP_TITLES = {
    "paths": "Path coefficients",
    "total_effects": "Total effects",
    "indirect_effects": "Specific indirect effects",
    "outer_loadings": "Outer loadings",
    "outer_weights": "Outer weights",
    "htmt": "HTMT",
    "r_squared": "R²",
    "f_squared": "f² effect sizes",
    "reliability": "Reliability and AVE",
}


def _row_label(group: str, label: tuple[str, ...]) -> str:
    """The row label: "COMP: comp_1" for a loading or weight ("COMP: alpha" for reliability),
    "HTMT(A, B)" for a ratio, the construct for R², "A -> B" for paths and effects."""
    if group in ("outer_loadings", "outer_weights", "reliability"):
        return ": ".join(label)
    if group == "htmt":
        return f"HTMT({', '.join(label)})"
    if group == "f_squared":
        return f"f²({path_label(*label)})"
    if group == "r_squared":
        return label[0]
    return path_label(*label)


def chunk_size(n: int) -> int:
    return int(max(8, min(1024, CHUNK_BYTES // (8 * max(n, 1)))))


def bootstrap(
    prepared: PreparedData,
    estimation: Estimation,
    *,
    n: int = 5000,
    seed: int | None = None,
    n_jobs: int = 2,
    progress: Progress | None = None,
    alpha: float = 0.05,
    indices: np.ndarray | None = None,
) -> BootstrapResults:
    """Bootstrap an estimate with ``n`` resamples of the rows of ``prepared``.

    Parameters
    ----------
    n : int
        Number of resamples (SmartPLS's default is 5000).
    seed : int, optional
        Seed of the PCG64 generator; the same seed gives the same resamples, whatever ``n_jobs``
        (chunks are drawn in order in the calling thread).
    n_jobs : int
        Threads estimating chunks of resamples in parallel.
    progress : callable, optional
        Called as ``progress(done, total)`` after each chunk.
    indices : array (n, rows), optional
        Explicit resamples (0-based row indices), e.g. to reproduce another program's draws.

    References
    ----------
    Efron, B. (1987). Better bootstrap confidence intervals. JASA 82(397), 171-185.
    """
    moments = ResampleMoments(prepared)
    rows = moments.n
    if indices is not None:
        indices = np.asarray(indices, dtype=np.intp)
        if indices.ndim != 2 or indices.shape[1] != rows:
            raise AnalysisError(f"indices must have shape (resamples, {rows})")
        if indices.size and (indices.min() < 0 or indices.max() >= rows):
            raise AnalysisError(f"indices must lie in 0..{rows - 1}")
        n = indices.shape[0]
    if n < 2:
        raise AnalysisError("the bootstrap needs at least 2 resamples")
    stats = estimation.statistics
    draws = np.full((n, stats.size), np.nan)
    failed = np.zeros(n, dtype=bool)
    converged = np.ones(n, dtype=bool)
    inadmissible = np.zeros(n, dtype=bool)
    generator = np.random.Generator(np.random.PCG64(seed))
    chunk = chunk_size(rows)

    def chunk_indices(start: int, stop: int) -> np.ndarray:
        if indices is not None:
            return indices[start:stop]
        return generator.integers(0, rows, size=(stop - start, rows), dtype=np.intp)

    def run(start: int, stop: int, drawn: np.ndarray) -> int:
        offsets = (drawn + (np.arange(stop - start) * rows)[:, None]).ravel()
        counts = np.bincount(offsets, minlength=(stop - start) * rows).reshape(stop - start, rows)
        if estimation.products is not None:
            r = estimation.products.correlations(list(drawn))
        else:
            r = moments.from_counts(counts.astype(np.float64))
        values, bad, ok, odd = _extract(estimation, r)
        draws[start:stop] = np.hstack([values[g] for g in GROUPS])
        failed[start:stop] = bad
        converged[start:stop] = ok
        inadmissible[start:stop] = odd
        return stop - start

    done = 0
    with ThreadPoolExecutor(max_workers=max(1, n_jobs)) as pool:
        pending = []
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            pending.append(pool.submit(run, start, stop, chunk_indices(start, stop)))
            # Keep at most two chunks in flight per worker so memory stays bounded.
            while len(pending) > 2 * max(1, n_jobs):
                done += pending.pop(0).result()
                if progress:
                    progress(done, n)
        for future in pending:
            done += future.result()
            if progress:
                progress(done, n)
    valid = draws[~failed]
    if valid.shape[0] < 2:
        raise AnalysisError(f"only {valid.shape[0]} of {n} resamples could be estimated")
    jackknife = _jackknife(estimation, moments, stats.size)
    return BootstrapResults(
        resamples=n,
        seed=seed,
        failed=int(failed.sum()),
        not_converged=int((~converged & ~failed).sum()),
        alpha=alpha,
        statistics=_summarize(stats, valid, jackknife, alpha),
        draws=_split(stats, valid),
        consistent=estimation.consistent,
        inadmissible=int(inadmissible.sum()),
    )


def _split(stats: StatisticSet, matrix: np.ndarray) -> dict[str, np.ndarray]:
    out, start = {}, 0
    for group in GROUPS:
        width = len(stats.original[group])
        out[group] = matrix[:, start : start + width]
        start += width
    return out


def _jackknife(estimation: Estimation, moments: ResampleMoments, width: int) -> np.ndarray:
    """Leave-one-out estimates (leave-a-group-out above JACKKNIFE_GROUPS rows), for BCa."""
    rows = moments.n
    order = np.arange(rows)
    groups = np.array_split(order, min(rows, JACKKNIFE_GROUPS))
    out = np.empty((len(groups), width))
    chunk = chunk_size(rows) * 4
    for start in range(0, len(groups), chunk):
        part = groups[start : start + chunk]
        if estimation.products is not None:
            r = estimation.products.correlations([np.setdiff1d(order, g) for g in part])
        else:
            r = moments.leave_out(part)
        values, _, _, _ = _extract(estimation, r)
        out[start : start + len(part)] = np.hstack([values[g] for g in GROUPS])
    return out


def _summarize(
    stats: StatisticSet, draws: np.ndarray, jackknife: np.ndarray, alpha: float
) -> dict[str, BootstrapStatistic]:
    original = np.concatenate([stats.original[g] for g in GROUPS])
    valid = draws.shape[0]
    mean = draws.mean(axis=0)
    sd = draws.std(axis=0, ddof=1)
    # Spread at the level of rounding only: the statistic is fixed by the model, not estimated.
    fixed = sd <= FIXED_SPREAD * np.maximum(1.0, np.abs(original))
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(fixed, np.nan, original / sd)
    p = student_t_two_sided_p(t, valid - 1)
    low, high = np.quantile(draws, [alpha / 2, 1 - alpha / 2], axis=0)
    bca_low, bca_high = _bca(original, draws, jackknife, alpha)
    out: dict[str, BootstrapStatistic] = {}
    start = 0
    for group in GROUPS:
        stop = start + len(stats.original[group])
        part = slice(start, stop)
        out[group] = BootstrapStatistic(
            stats.labels[group],
            original[part],
            mean[part],
            sd[part],
            t[part],
            p[part],
            low[part],
            high[part],
            bca_low[part],
            bca_high[part],
            fixed[part],
        )
        start = stop
    return out


def _bca(
    original: np.ndarray, draws: np.ndarray, jackknife: np.ndarray, alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    """Bias-corrected and accelerated percentile interval bounds for every statistic."""
    below = (draws < original).mean(axis=0) + 0.5 * (draws == original).mean(axis=0)
    z0 = normal_ppf(np.clip(below, 1 / (2 * draws.shape[0]), 1 - 1 / (2 * draws.shape[0])))
    centred = jackknife.mean(axis=0) - jackknife
    with np.errstate(invalid="ignore", divide="ignore"):
        accel = (centred**3).sum(axis=0) / (6 * ((centred**2).sum(axis=0)) ** 1.5)
    accel = np.nan_to_num(accel)
    bounds = []
    for z_alpha in normal_ppf(np.array([alpha / 2, 1 - alpha / 2])):
        adjusted = normal_cdf(z0 + (z0 + z_alpha) / (1 - accel * (z0 + z_alpha)))
        bounds.append(
            np.array([np.quantile(draws[:, j], adjusted[j]) for j in range(len(adjusted))])
        )
    return bounds[0], bounds[1]
