"""Aggregations of ATT(g, t) with analytic standard errors, as ``did::aggte`` computes them.

Weights are the cohorts' shares of all units. Where the weights themselves are estimated (simple,
event time, calendar time, the overall group effect) their influence function is added, as in
``did``'s ``wif``; the overall event-time and calendar effects are plain means of the per-period
effects.

Every aggregate's influence function is linear in the cells' influence functions plus a term that
depends only on the unit's cohort, times its sampling weight (the weights' part). So each family
of aggregates is kept as a cells x k weight matrix and a cohorts x k matrix, and all their
variances follow from one Gram matrix of the cells' influence functions and its per-cohort sums:
one pass over the units serves every aggregation and band, and no units x aggregates matrix is
ever built.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from countyhub.analysis.did.estimate import GroupTimeCells
from countyhub.analysis.did.panel import Panel

BAND_DRAWS = 10_000


@dataclass(frozen=True)
class Family:
    """Estimates sharing one simultaneous band.

    Unit i's influence function for estimate j is ``cells.influence[i] @ cell_weights[:, j] +
    cohort_terms[cohort code of i, j]``.
    """

    labels: tuple[int, ...]
    att: np.ndarray
    cell_weights: np.ndarray
    cohort_terms: np.ndarray


@dataclass(frozen=True)
class Moments:
    """Second moments of the cells' influence functions, enough for every aggregate's variance.

    Influence functions are summed within clusters first (each unit its own cluster unless an
    extra clustering variable is given). A cluster's row is ``A[c] @ W + M[c] @ C`` for a family
    (W, C): A sums the cells' influence functions, M the units' weights per cohort.
    """

    n_units: int
    gram: np.ndarray  # cells x cells: A'A
    cross: np.ndarray  # cells x cohorts: A'M
    cohort_gram: np.ndarray  # cohorts x cohorts: M'M
    n_clusters: int

    @classmethod
    def of(cls, panel: Panel, cells: GroupTimeCells, unit_cohort: np.ndarray) -> Moments:
        influence = cells.influence
        k = int(unit_cohort.max()) + 1
        if panel.clusters.shape[1] == 0:
            sums = np.column_stack(
                [
                    np.bincount(unit_cohort, weights=panel.weights * influence[:, j], minlength=k)
                    for j in range(influence.shape[1])
                ]
            ).T
            return cls(
                n_units=panel.n_units,
                gram=influence.T @ influence,
                cross=sums,
                cohort_gram=np.diag(np.bincount(unit_cohort, panel.weights**2, minlength=k)),
                n_clusters=panel.n_units,
            )
        rows, by_cohort = cluster_sums(panel, influence, unit_cohort, k)
        return cls(
            n_units=panel.n_units,
            gram=rows.T @ rows,
            cross=rows.T @ by_cohort,
            cohort_gram=by_cohort.T @ by_cohort,
            n_clusters=rows.shape[0],
        )

    def covariance(self, family: Family) -> np.ndarray:
        """Sum over clusters of the outer product of the family's influence functions (k x k)."""
        W, C = family.cell_weights, family.cohort_terms
        cross = W.T @ self.cross @ C
        covariance: np.ndarray = W.T @ self.gram @ W + cross + cross.T + C.T @ self.cohort_gram @ C
        return covariance

    def std_errors(self, family: Family) -> np.ndarray:
        variance = np.clip(np.diag(self.covariance(family)), 0.0, None)
        std_errors: np.ndarray = np.sqrt(variance) / self.n_units
        return std_errors


def cluster_sums(
    panel: Panel, influence: np.ndarray, unit_cohort: np.ndarray, n_cohorts: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per cluster of the (one) extra clustering variable: summed influence functions (A) and
    summed weights per cohort (M)."""
    cluster = panel.clusters[:, 0]
    n_clusters = int(cluster.max()) + 1
    rows = np.zeros((n_clusters, influence.shape[1]))
    np.add.at(rows, cluster, influence)
    by_cohort = np.zeros((n_clusters, n_cohorts))
    np.add.at(by_cohort, (cluster, unit_cohort), panel.weights)
    return rows, by_cohort


@dataclass(frozen=True)
class Aggregations:
    cells: Family
    simple: Family
    group: Family
    event_time: Family
    calendar: Family
    overall_group: Family
    overall_event_time: Family
    overall_calendar: Family
    moments: Moments


class _Weights:
    """Cohort shares and the influence function of estimating them (``did``'s ``wif``)."""

    def __init__(self, panel: Panel) -> None:
        self.cohort_values, self.unit_cohort = np.unique(panel.cohort, return_inverse=True)
        # did::aggte's pg: the weighted share of units in each cohort.
        self.share = np.bincount(self.unit_cohort, weights=panel.weights) / panel.n_units

    def combine(
        self, label: int, cohorts: np.ndarray, att: np.ndarray, parts: Family
    ) -> tuple[int, float, np.ndarray, np.ndarray]:
        """Share-weighted mean of estimates (one per column of ``parts``), with the weights' IF."""
        codes = np.searchsorted(self.cohort_values, cohorts)
        share = self.share[codes]
        total = share.sum()
        estimate = float(share @ att / total)
        k = len(self.cohort_values)
        att_by_cohort = np.bincount(codes, weights=att, minlength=k)
        count_by_cohort = np.bincount(codes, minlength=k)
        # A unit's term is its weight times its cohort's entry (see Moments).
        wif = (att_by_cohort - count_by_cohort * estimate) / total
        weights = share / total
        return label, estimate, parts.cell_weights @ weights, parts.cohort_terms @ weights + wif


def aggregate(panel: Panel, cells: GroupTimeCells) -> Aggregations:
    weights = _Weights(panel)
    n_cells, n_cohorts = len(cells.att), len(weights.cohort_values)
    every_cell = Family(
        tuple(range(n_cells)), cells.att, np.eye(n_cells), np.zeros((n_cohorts, n_cells))
    )
    post = cells.period >= cells.cohort

    simple = _family(
        [weights.combine(0, cells.cohort[post], cells.att[post], _subset(every_cell, post))]
    )
    group = _by_group(every_cell, cells, post)
    event_time = _by_key(
        weights, every_cell, cells, cells.period - cells.cohort, np.ones_like(post)
    )
    calendar = _by_key(weights, every_cell, cells, cells.period, post)
    overall_group = _family([weights.combine(0, np.asarray(group.labels), group.att, group)])
    return Aggregations(
        cells=every_cell,
        simple=simple,
        group=group,
        event_time=event_time,
        calendar=calendar,
        overall_group=overall_group,
        overall_event_time=_mean_of(event_time, np.asarray(event_time.labels) >= 0),
        overall_calendar=_mean_of(calendar, np.ones(len(calendar.labels), dtype=bool)),
        moments=Moments.of(panel, cells, weights.unit_cohort),
    )


def _subset(family: Family, chosen: np.ndarray) -> Family:
    labels = tuple(label for label, keep in zip(family.labels, chosen, strict=True) if keep)
    return Family(
        labels, family.att[chosen], family.cell_weights[:, chosen], family.cohort_terms[:, chosen]
    )


def _family(members: list[tuple[int, float, np.ndarray, np.ndarray]]) -> Family:
    labels, atts, cell_weights, cohort_terms = zip(*members, strict=True)
    return Family(
        tuple(labels),
        np.asarray(atts, dtype=np.float64),
        np.column_stack(cell_weights),
        np.column_stack(cohort_terms),
    )


def _by_group(every_cell: Family, cells: GroupTimeCells, post: np.ndarray) -> Family:
    members = []
    for g in np.unique(cells.cohort[post]):
        mine = _subset(every_cell, post & (cells.cohort == g))
        # Within a cohort the shares are equal: the cohort's effect is the mean of its cells.
        members.append(
            (int(g), float(mine.att.mean()), mine.cell_weights.mean(1), mine.cohort_terms.mean(1))
        )
    return _family(members)


def _by_key(
    weights: _Weights,
    every_cell: Family,
    cells: GroupTimeCells,
    keys: np.ndarray,
    eligible: np.ndarray,
) -> Family:
    members = []
    for key in np.unique(keys[eligible]):
        mine = eligible & (keys == key)
        members.append(
            weights.combine(
                int(key), cells.cohort[mine], cells.att[mine], _subset(every_cell, mine)
            )
        )
    return _family(members)


def _mean_of(family: Family, chosen: np.ndarray) -> Family:
    if not chosen.any():
        empty = (
            0,
            float("nan"),
            np.zeros(family.cell_weights.shape[0]),
            np.zeros(family.cohort_terms.shape[0]),
        )
        return _family([empty])
    part = _subset(family, chosen)
    return _family(
        [(0, float(part.att.mean()), part.cell_weights.mean(1), part.cohort_terms.mean(1))]
    )


def band_critical_value(covariance: np.ndarray, *, alpha: float, seed: int) -> float:
    """Sup-t critical value for a simultaneous (1 - alpha) band over a family of estimates.

    A Gaussian multiplier bootstrap draws sum_i v_i IF_i with v_i ~ N(0, 1): given the data that
    is exactly normal with covariance IF'IF, so it is drawn from the correlation matrix directly.
    """
    pointwise = float(stats.norm.ppf(1 - alpha / 2))
    scale = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
    usable = scale > 1e-12 * max(1.0, scale.max(initial=0.0))
    if usable.sum() <= 1:
        return pointwise
    correlation = covariance[np.ix_(usable, usable)] / np.outer(scale[usable], scale[usable])
    eigenvalues, eigenvectors = np.linalg.eigh(correlation)
    root = eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
    draws = np.random.default_rng(seed).standard_normal((BAND_DRAWS, root.shape[0])) @ root.T
    critical = float(np.quantile(np.abs(draws).max(axis=1), 1 - alpha))
    return max(critical, pointwise)
