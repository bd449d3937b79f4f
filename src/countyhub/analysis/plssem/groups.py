"""Two-group comparisons of a PLS path model: MICOM and multi-group analysis (MGA).

The rows are split by a grouping column into two groups (e.g. registered-poor households against
the others). Both tests re-estimate the model in each group with the engine's batched PLS
algorithm; a permuted or resampled group's correlation matrix is a count-weighted sum of per-row
features (:class:`.bootstrap.ResampleMoments`), so every permutation runs as one batch.

MICOM (Henseler, Ringle & Sarstedt 2016), measurement invariance of composites:

1. Configural invariance holds by construction: both groups are estimated with the same model,
   the same data treatment and the same algorithm settings.
2. Compositional invariance: c = the correlation, in the pooled standardized data, between the
   composite formed with group 1's weights and the one formed with group 2's. Under invariance c is
   close to 1; the p-value is the share of permutations (group labels shuffled, both groups
   re-estimated) with c at or below the observed one (one-sided).
3. Equal means and variances: the pooled estimate's scores are compared between the groups (mean
   difference; difference of log variances), each against its permutation distribution
   (two-sided; the 2.5% and 97.5% permutation quantiles bound the acceptance region).

MGA, for every path coefficient b1 - b2:

- permutation test (Chin & Dibbern 2010): the share of permutations with |b1 - b2| at least the
  observed one;
- Henseler's bootstrap-based MGA (Henseler, Ringle & Sinkovics 2009): each group bootstrapped
  separately; P(b1 <= b2) = 1 - sum_ij step(2 mean1 - b1_j - 2 mean2 + b2_i) / (B1 B2), with the
  step 1 above zero; reported as that one-sided probability and two-sided as 2 min(P, 1 - P), as
  SmartPLS 4 does.

Permutation p-values are (1 + count) / (1 + permutations) (Phipson & Smyth 2010), so never zero;
ties with the observed value count as at least as extreme. With mean replacement the groups are
compared on the pooled, mean-filled data; in a moderated model the interaction's indicator is the
product of the pooled stage-1 scores in both groups.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from countyhub.analysis.errors import AnalysisError
from countyhub.analysis.plssem import engine
from countyhub.analysis.plssem.bootstrap import Progress, ResampleMoments, chunk_size
from countyhub.analysis.plssem.data import PreparedData
from countyhub.analysis.plssem.engine import Structure, path_label
from countyhub.analysis.results import Results
from countyhub.analysis.summary import Cell, Summary, SummaryTable

if TYPE_CHECKING:
    import pandas as pd

# The ten-times rule (Barclay, Higgins & Thompson 1995; Hair et al.): each group needs ten rows
# per arrow pointing at its most-targeted construct, unless the caller sets its own minimum.
ROWS_PER_ARROW = 10
# Relative slack when comparing a permuted statistic with the observed one: equal up to rounding
# counts as a tie (e.g. c = 1 for every single-item construct).
TIE_TOLERANCE = 1e-10
MICOM_COLUMNS = (
    "composite_cor",
    "composite_cor_q05",
    "composite_cor_pvalue",
    "mean_diff",
    "mean_diff_low",
    "mean_diff_high",
    "mean_diff_pvalue",
    "logvar_diff",
    "logvar_diff_low",
    "logvar_diff_high",
    "logvar_diff_pvalue",
)
MGA_COLUMNS = (
    "path_group1",
    "path_group2",
    "path_diff",
    "permutation_pvalue",
    "henseler_p_one_sided",
    "henseler_pvalue",
)


def permutation_pvalue(observed: float, permuted: np.ndarray, *, tail: str = "two") -> float:
    """(1 + number of permuted values at least as extreme) / (1 + permutations).

    ``tail`` "two": |permuted| >= |observed|; "lower": permuted <= observed.
    """
    slack = TIE_TOLERANCE * max(1.0, abs(observed))
    permuted = permuted[np.isfinite(permuted)]
    if tail == "lower":
        extreme = permuted <= observed + slack
    else:
        extreme = np.abs(permuted) >= abs(observed) - slack
    return float((1 + extreme.sum()) / (1 + permuted.size))


def henseler_probability(boot1: np.ndarray, boot2: np.ndarray) -> float:
    """Henseler's P(theta1 <= theta2) from the two groups' bootstrap estimates of theta."""
    a = 2 * boot1.mean() - boot1
    c = np.sort(2 * boot2.mean() - boot2)
    above = np.searchsorted(c, a, side="left").sum()  # pairs with a_j > c_i
    return float(1 - above / (a.size * c.size))


@dataclass(frozen=True)
class GroupSplit:
    """The two groups of the estimation rows: names, and the rows of group 1."""

    column: str
    names: tuple[str, str]
    first: np.ndarray  # (n,) bool over the rows the model was estimated on

    @property
    def sizes(self) -> tuple[int, int]:
        n1 = int(self.first.sum())
        return n1, int(self.first.size - n1)


def _label(value: Any) -> str | None:
    """A group label as text; None for a missing one."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    text = str(value).strip()
    return text or None


def split_groups(
    labels: Sequence[Any],
    prepared: PreparedData,
    *,
    column: str = "group",
    row_label: Any = None,
    na: Sequence[str] = (),
) -> GroupSplit:
    """Check the grouping column (aligned with the data rows) and split the estimation rows.

    Refuses a missing label and a column with other than two groups, naming them.
    """
    raw_rows = prepared.raw.shape[0]
    if len(labels) != raw_rows:
        raise AnalysisError(
            f"grouping column {column!r} has {len(labels)} values for {raw_rows} data rows"
        )
    texts = [_label(v) for v in labels]
    texts = [None if t in na else t for t in texts]
    absent = [i for i, t in enumerate(texts) if t is None]
    if absent:
        where = ", ".join(row_label(i) if row_label else f"row {i + 1}" for i in absent[:5]) + (
            f" and {len(absent) - 5} more" if len(absent) > 5 else ""
        )
        raise AnalysisError(
            f"grouping column {column!r} is missing in {where}: give every row a group"
        )
    if prepared.missing == "listwise":
        kept = ~np.isnan(prepared.raw).any(axis=1)
        texts = [t for t, k in zip(texts, kept, strict=True) if k]
    present: list[str] = sorted(set(texts))  # type: ignore[arg-type]
    if len(present) != 2:
        shown = ", ".join(map(repr, present[:6])) + (" ..." if len(present) > 6 else "")
        raise AnalysisError(
            f"grouping column {column!r} has {len(present)} group"
            f"{'' if len(present) == 1 else 's'} ({shown}); MICOM and MGA compare exactly two"
        )
    first = np.array([t == present[0] for t in texts])
    return GroupSplit(column, (present[0], present[1]), first)


def minimum_group_size(structure: Structure) -> tuple[int, str]:
    """The ten-times rule: ten rows per arrow into the construct with the most of them."""
    arrows = [
        (len(structure.predecessors[k]), structure.constructs[k]) for k in structure.endogenous
    ]
    arrows += [
        (len(block), structure.constructs[k])
        for k, block in enumerate(structure.blocks)
        if structure.modes[k] == "B"
    ]
    most, name = max(arrows)
    return ROWS_PER_ARROW * most, f"ten times the {most} arrows pointing at {name}"


@dataclass(frozen=True)
class _Estimates:
    weights: np.ndarray  # (B, p, K)
    paths: np.ndarray  # (B, n_paths)
    failed: np.ndarray  # (B,)


def _estimate(r: np.ndarray, s: Structure, settings: dict[str, Any]) -> _Estimates:
    fit = engine.estimate_weights(r, s, **settings)
    w = engine.fix_signs(fit.weights, r, s)
    derived = engine.derive(r, w, s)
    pairs = s.path_pairs()
    paths = np.stack([derived.paths[:, j, k] for j, k in pairs], axis=1)
    failed = fit.failed | derived.failed | ~fit.converged | ~np.isfinite(paths).all(axis=1)
    return _Estimates(w, paths, failed)


def _composite_cor(w1: np.ndarray, w2: np.ndarray, pooled_r: np.ndarray) -> np.ndarray:
    """(B, K) correlations in the pooled data of the composites with weights w1 and w2."""
    cross = np.einsum("bpk,pq,bqk->bk", w1, pooled_r, w2)
    v1 = np.einsum("bpk,pq,bqk->bk", w1, pooled_r, w1)
    v2 = np.einsum("bpk,pq,bqk->bk", w2, pooled_r, w2)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: np.ndarray = cross / np.sqrt(v1 * v2)
    return out


def _score_differences(scores: np.ndarray, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(B, K) mean differences and log-variance differences of the scores, group 1 - group 2."""
    m1 = masks.astype(np.float64)
    m2 = 1.0 - m1
    n1, n2 = m1.sum(axis=1)[:, None], m2.sum(axis=1)[:, None]
    mean1, mean2 = (m1 @ scores) / n1, (m2 @ scores) / n2
    square = scores**2
    var1 = ((m1 @ square) - n1 * mean1**2) / (n1 - 1)
    var2 = ((m2 @ square) - n2 * mean2**2) / (n2 - 1)
    return mean1 - mean2, np.log(var1) - np.log(var2)


@dataclass(frozen=True)
class GroupComparison(Results):
    """MICOM and MGA for two groups; arrays per construct (MICOM) and per path (MGA)."""

    column: str
    groups: tuple[str, str]
    sizes: tuple[int, int]
    permutations: int
    resamples: int  # bootstrap resamples per group for Henseler's MGA
    seed: int | None
    failed_permutations: int
    failed_resamples: int
    constructs: tuple[str, ...]
    composite_cor: np.ndarray
    composite_cor_q05: np.ndarray
    composite_cor_pvalue: np.ndarray
    mean_diff: np.ndarray
    mean_diff_low: np.ndarray
    mean_diff_high: np.ndarray
    mean_diff_pvalue: np.ndarray
    logvar_diff: np.ndarray
    logvar_diff_low: np.ndarray
    logvar_diff_high: np.ndarray
    logvar_diff_pvalue: np.ndarray
    paths: tuple[str, ...]
    path_group1: np.ndarray
    path_group2: np.ndarray
    path_diff: np.ndarray
    permutation_pvalue: np.ndarray
    henseler_p_one_sided: np.ndarray  # P(b1 <= b2)
    henseler_pvalue: np.ndarray  # two-sided
    alpha: float = 0.05

    @property
    def compositional_invariance(self) -> np.ndarray:
        """Per construct: c is not below its 5% permutation quantile (MICOM step 2)."""
        return self.composite_cor_pvalue > self.alpha

    @property
    def equal_means(self) -> np.ndarray:
        return self.mean_diff_pvalue > self.alpha

    @property
    def equal_variances(self) -> np.ndarray:
        return self.logvar_diff_pvalue > self.alpha

    def micom_frame(self) -> pd.DataFrame:
        """MICOM steps 2 and 3, one row per construct."""
        import pandas as pd  # deliberately lazy: the command line never needs pandas

        return pd.DataFrame(
            {name: getattr(self, name) for name in MICOM_COLUMNS},
            index=pd.Index(self.constructs, name="construct"),
        )

    def mga_frame(self) -> pd.DataFrame:
        """Path coefficients per group, their difference and its p-values, one row per path."""
        import pandas as pd  # deliberately lazy: the command line never needs pandas

        return pd.DataFrame(
            {name: getattr(self, name) for name in MGA_COLUMNS},
            index=pd.Index(self.paths, name="path"),
        )

    def to_frame(self) -> pd.DataFrame:
        """Both tables in one long frame: (test, label) rows, statistic columns."""
        import pandas as pd  # deliberately lazy: the command line never needs pandas

        return pd.concat({"micom": self.micom_frame(), "mga": self.mga_frame()}, names=["test"])

    def to_dict(self) -> dict[str, Any]:
        def num(value: float) -> float | None:
            return None if not math.isfinite(float(value)) else float(value)

        return {
            "column": self.column,
            "groups": dict(zip(self.groups, self.sizes, strict=True)),
            "permutations": self.permutations,
            "bootstrap_resamples_per_group": self.resamples,
            "seed": self.seed,
            "failed_permutations": self.failed_permutations,
            "failed_resamples": self.failed_resamples,
            "alpha": self.alpha,
            "micom": {
                "configural_invariance": True,
                "constructs": {
                    name: {c: num(getattr(self, c)[k]) for c in MICOM_COLUMNS}
                    | {
                        "compositional_invariance": bool(self.compositional_invariance[k]),
                        "equal_means": bool(self.equal_means[k]),
                        "equal_variances": bool(self.equal_variances[k]),
                    }
                    for k, name in enumerate(self.constructs)
                },
            },
            "mga": {
                label: {c: num(getattr(self, c)[i]) for c in MGA_COLUMNS}
                for i, label in enumerate(self.paths)
            },
        }

    @property
    def summary(self) -> Summary:
        g1, g2 = self.groups
        micom_rows: list[tuple[str, list[Cell]]] = []
        flagged: set[tuple[str, str]] = set()
        for k, name in enumerate(self.constructs):
            micom_rows.append(
                (
                    name,
                    [
                        float(self.composite_cor[k]),
                        float(self.composite_cor_q05[k]),
                        float(self.composite_cor_pvalue[k]),
                        float(self.mean_diff[k]),
                        f"[{self.mean_diff_low[k]:.3f}, {self.mean_diff_high[k]:.3f}]",
                        float(self.mean_diff_pvalue[k]),
                        float(self.logvar_diff[k]),
                        f"[{self.logvar_diff_low[k]:.3f}, {self.logvar_diff_high[k]:.3f}]",
                        float(self.logvar_diff_pvalue[k]),
                    ],
                )
            )
            for column, holds in (
                ("c p", self.compositional_invariance[k]),
                ("mean p", self.equal_means[k]),
                ("log var p", self.equal_variances[k]),
            ):
                if not holds:
                    flagged.add((name, column))
        micom = SummaryTable(
            f"MICOM: {g1} against {g2}",
            (
                "c",
                "c 5% q.",
                "c p",
                "mean diff",
                "95% perm. range",
                "mean p",
                "log var diff",
                "95% perm. range ",
                "log var p",
            ),
            micom_rows,
            note="Step 1 (configural invariance) holds by construction. Step 2: c, the "
            "correlation of the composites with each group's weights, against its 5% "
            "permutation quantile (one-sided p). Step 3: score mean and log-variance differences "
            f"against their permutation ranges (two-sided p). Flagged: p <= {self.alpha:g}.",
            flagged=frozenset(flagged),
        )
        mga_rows: list[tuple[str, list[Cell]]] = []
        mga_flags: set[tuple[str, str]] = set()
        for i, label in enumerate(self.paths):
            mga_rows.append(
                (
                    label,
                    [
                        float(self.path_group1[i]),
                        float(self.path_group2[i]),
                        float(self.path_diff[i]),
                        float(self.permutation_pvalue[i]),
                        float(self.henseler_pvalue[i]),
                    ],
                )
            )
            if self.permutation_pvalue[i] <= self.alpha:
                mga_flags.add((label, "permutation p"))
            if self.henseler_pvalue[i] <= self.alpha:
                mga_flags.add((label, "Henseler p"))
        mga = SummaryTable(
            f"Multi-group analysis: {g1} against {g2}",
            (g1, g2, "difference", "permutation p", "Henseler p"),
            mga_rows,
            note="Difference = first group - second. Permutation p: two-sided; Henseler p: "
            "bootstrap MGA, two-sided as 2 min(P, 1 - P). Flagged: a difference at "
            f"p <= {self.alpha:g}.",
            flagged=frozenset(mga_flags),
        )
        lines = [
            f"Grouping column {self.column!r}: {g1} (n = {self.sizes[0]}) against {g2} "
            f"(n = {self.sizes[1]})",
            f"{self.permutations} permutations ({self.failed_permutations} failed), "
            f"{self.resamples} bootstrap resamples per group ({self.failed_resamples} failed); "
            f"seed {self.seed}",
        ]
        return Summary("Group comparison (MICOM and MGA)", [micom, mga], lines)


def _run_chunks(
    masks_of: Any,
    total: int,
    moments: ResampleMoments,
    s: Structure,
    settings: dict[str, Any],
    tick: Any,
) -> tuple[_Estimates, _Estimates]:
    """Estimate both groups for ``total`` weightings, chunk by chunk (bounded memory)."""
    chunk = chunk_size(moments.n)
    parts1, parts2 = [], []
    for start in range(0, total, chunk):
        stop = min(total, start + chunk)
        w1, w2 = masks_of(start, stop)
        both = moments.from_counts(np.vstack([w1, w2]))
        est = _estimate(both, s, settings)
        size = stop - start
        parts1.append(_Estimates(est.weights[:size], est.paths[:size], est.failed[:size]))
        parts2.append(_Estimates(est.weights[size:], est.paths[size:], est.failed[size:]))
        tick(size)

    def join(parts: list[_Estimates]) -> _Estimates:
        return _Estimates(
            np.concatenate([p.weights for p in parts]),
            np.concatenate([p.paths for p in parts]),
            np.concatenate([p.failed for p in parts]),
        )

    return join(parts1), join(parts2)


def compare_groups(
    x: np.ndarray,
    s: Structure,
    split: GroupSplit,
    *,
    pooled_weights: np.ndarray,
    settings: dict[str, Any],
    permutations: int = 1000,
    resamples: int | None = None,
    seed: int | None = None,
    min_size: int | None = None,
    alpha: float = 0.05,
    progress: Progress | None = None,
) -> GroupComparison:
    """MICOM and MGA of the rows of ``x`` (estimation data, rows x indicators) split in two.

    ``pooled_weights`` are the full-sample estimate's weights (MICOM step 3 compares its scores);
    ``resamples`` bootstrap resamples per group for Henseler's MGA (default: ``permutations``).
    """
    if permutations < 19:
        raise AnalysisError(
            f"{permutations} permutations: give at least 19 (with fewer no p-value can reach 0.05)"
        )
    resamples = permutations if resamples is None else resamples
    if resamples < 2:
        raise AnalysisError("Henseler's MGA needs at least 2 bootstrap resamples per group")
    needed, why = minimum_group_size(s)
    if min_size is not None:
        needed, why = min_size, "the minimum asked for"
    for name, size in zip(split.names, split.sizes, strict=True):
        if size < needed:
            raise AnalysisError(
                f"group {name!r} of {split.column!r} has {size} rows; each group needs at least "
                f"{needed} ({why})"
            )
    n = x.shape[0]
    for name, rows in zip(split.names, (split.first, ~split.first), strict=True):
        spread = x[rows].max(axis=0) - x[rows].min(axis=0)
        constant = [s.indicators[j] for j in np.flatnonzero(spread == 0)]
        if constant:
            raise AnalysisError(
                f"indicator {', '.join(map(repr, constant))} is constant in group {name!r} of "
                f"{split.column!r}: the group's model cannot be estimated"
            )
    moments = ResampleMoments(PreparedData(x, x, "listwise", 0, 0))
    pooled_r = engine.correlation(x)
    generator = np.random.Generator(np.random.PCG64(seed))
    done = 0
    total = 1 + permutations + 2 * resamples

    def tick(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    first = split.first.astype(np.float64)
    observed1, observed2 = _run_chunks(
        lambda a, b: (first[None], 1 - first[None]), 1, moments, s, settings, tick
    )
    for name, est in zip(split.names, (observed1, observed2), strict=True):
        if est.failed[0]:
            raise AnalysisError(
                f"the model cannot be estimated in group {name!r} of {split.column!r} "
                "(a singular system or no convergence)"
            )
    n1 = split.sizes[0]
    # Booleans: a thousand permutations of 20,000 rows hold 20 MB.
    perm_masks = np.zeros((permutations, n), dtype=bool)
    for b in range(permutations):
        perm_masks[b, generator.permutation(n)[:n1]] = True

    def permuted(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        chunk = perm_masks[start:stop].astype(np.float64)
        return chunk, 1 - chunk

    perm1, perm2 = _run_chunks(
        permuted,
        permutations,
        moments,
        s,
        settings,
        tick,
    )
    kept = ~(perm1.failed | perm2.failed)

    rows1, rows2 = np.flatnonzero(split.first), np.flatnonzero(~split.first)
    draws1 = generator.integers(0, rows1.size, size=(resamples, rows1.size))
    draws2 = generator.integers(0, rows2.size, size=(resamples, rows2.size))

    def counts(rows: np.ndarray, draws: np.ndarray) -> np.ndarray:
        out = np.zeros((draws.shape[0], n))
        for b, drawn in enumerate(draws):
            out[b] = np.bincount(rows[drawn], minlength=n)
        return out

    boot1, boot2 = _run_chunks(
        lambda a, b: (counts(rows1, draws1[a:b]), counts(rows2, draws2[a:b])),
        resamples,
        moments,
        s,
        settings,
        lambda size: tick(2 * size),
    )

    # MICOM step 2.
    c_obs = _composite_cor(observed1.weights, observed2.weights, pooled_r)[0]
    c_perm = _composite_cor(perm1.weights[kept], perm2.weights[kept], pooled_r)
    # MICOM step 3, on the pooled estimate's scores (the permutations need no re-estimation).
    scores = engine.standardize(x) @ pooled_weights
    mean_obs, logvar_obs = (d[0] for d in _score_differences(scores, split.first[None]))
    step = chunk_size(n)  # float copies of the masks, a chunk at a time
    parts = [
        _score_differences(scores, perm_masks[a : a + step]) for a in range(0, permutations, step)
    ]
    mean_perm = np.concatenate([m for m, _ in parts])
    logvar_perm = np.concatenate([v for _, v in parts])
    # MGA.
    diff_obs = observed1.paths[0] - observed2.paths[0]
    diff_perm = perm1.paths[kept] - perm2.paths[kept]
    b1, b2 = boot1.paths[~boot1.failed], boot2.paths[~boot2.failed]
    henseler = np.array([henseler_probability(b1[:, i], b2[:, i]) for i in range(len(diff_obs))])
    constructs = range(s.n_constructs)
    return GroupComparison(
        column=split.column,
        groups=split.names,
        sizes=split.sizes,
        permutations=permutations,
        resamples=resamples,
        seed=seed,
        failed_permutations=int((~kept).sum()),
        failed_resamples=int(boot1.failed.sum() + boot2.failed.sum()),
        constructs=s.constructs,
        composite_cor=c_obs,
        composite_cor_q05=np.quantile(c_perm, 0.05, axis=0),
        composite_cor_pvalue=np.array(
            [permutation_pvalue(c_obs[k], c_perm[:, k], tail="lower") for k in constructs]
        ),
        mean_diff=mean_obs,
        mean_diff_low=np.quantile(mean_perm, 0.025, axis=0),
        mean_diff_high=np.quantile(mean_perm, 0.975, axis=0),
        mean_diff_pvalue=np.array(
            [permutation_pvalue(mean_obs[k], mean_perm[:, k]) for k in constructs]
        ),
        logvar_diff=logvar_obs,
        logvar_diff_low=np.quantile(logvar_perm, 0.025, axis=0),
        logvar_diff_high=np.quantile(logvar_perm, 0.975, axis=0),
        logvar_diff_pvalue=np.array(
            [permutation_pvalue(logvar_obs[k], logvar_perm[:, k]) for k in constructs]
        ),
        paths=tuple(path_label(s.constructs[j], s.constructs[k]) for j, k in s.path_pairs()),
        path_group1=observed1.paths[0],
        path_group2=observed2.paths[0],
        path_diff=diff_obs,
        permutation_pvalue=np.array(
            [permutation_pvalue(diff_obs[i], diff_perm[:, i]) for i in range(len(diff_obs))]
        ),
        henseler_p_one_sided=henseler,
        henseler_pvalue=2 * np.minimum(henseler, 1 - henseler),
        alpha=alpha,
    )
