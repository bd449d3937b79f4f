"""Aggregations of ATT(g, t) with analytic standard errors, as ``did::aggte`` computes them.

Weights are the cohorts' shares of all units. Where the weights themselves are estimated (simple,
event time, calendar time, the overall group effect) their influence function is added, as in
``did``'s ``wif``; the overall event-time and calendar effects are plain means of the per-period
effects. Simultaneous bands use the sup-t critical value of a Gaussian multiplier bootstrap of the
influence functions (drawn exactly through their Gram matrix, so it costs no pass over the units).
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
    """Estimates that share one simultaneous band: labels, ATTs and the n x k influence matrix."""

    labels: tuple[int, ...]
    att: np.ndarray
    influence: np.ndarray

    @property
    def std_errors(self) -> np.ndarray:
        n = self.influence.shape[0]
        return np.sqrt(np.einsum("ij,ij->j", self.influence, self.influence)) / n


@dataclass(frozen=True)
class Aggregations:
    simple: Family
    group: Family
    event_time: Family
    calendar: Family
    overall_group: Family
    overall_event_time: Family
    overall_calendar: Family


class _Weights:
    """Cohort shares and the influence function of estimating them (``did``'s ``wif``)."""

    def __init__(self, panel: Panel) -> None:
        self.cohort_values, self.unit_cohort = np.unique(panel.cohort, return_inverse=True)
        counts = np.bincount(self.unit_cohort)
        self.share = counts / panel.n_units

    def of(self, cohorts: np.ndarray) -> np.ndarray:
        return self.share[np.searchsorted(self.cohort_values, cohorts)]

    def weighted(
        self, cohorts: np.ndarray, att: np.ndarray, influence: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """Share-weighted mean of ``att`` and its influence function (weights' estimation too)."""
        share = self.of(cohorts)
        total = share.sum()
        estimate = float(share @ att / total)
        codes = np.searchsorted(self.cohort_values, cohorts)
        k = len(self.cohort_values)
        att_by_cohort = np.bincount(codes, weights=att, minlength=k)[self.unit_cohort]
        count_by_cohort = np.bincount(codes, minlength=k)[self.unit_cohort]
        numerator = (att_by_cohort - share @ att) / total
        denominator = (count_by_cohort - total) * (share @ att) / total**2
        return estimate, influence @ (share / total) + numerator - denominator


def aggregate(panel: Panel, cells: GroupTimeCells) -> Aggregations:
    weights = _Weights(panel)
    post = cells.period >= cells.cohort
    simple_att, simple_if = weights.weighted(
        cells.cohort[post], cells.att[post], cells.influence[:, post]
    )
    simple = Family((0,), np.array([simple_att]), simple_if[:, None])

    group = _by_group(cells, post)
    event_time = _by_key(weights, cells, cells.period - cells.cohort, np.ones_like(post))
    calendar_keys = cells.period
    calendar = _by_key(weights, cells, calendar_keys, post)

    group_att, group_if = weights.weighted(np.asarray(group.labels), group.att, group.influence)
    after = np.asarray(event_time.labels) >= 0
    return Aggregations(
        simple=simple,
        group=group,
        event_time=event_time,
        calendar=calendar,
        overall_group=Family((0,), np.array([group_att]), group_if[:, None]),
        overall_event_time=_mean_of(event_time, after),
        overall_calendar=_mean_of(calendar, np.ones(len(calendar.labels), dtype=bool)),
    )


def _by_group(cells: GroupTimeCells, post: np.ndarray) -> Family:
    labels, atts, columns = [], [], []
    for g in np.unique(cells.cohort[post]):
        mine = post & (cells.cohort == g)
        labels.append(int(g))
        atts.append(cells.att[mine].mean())
        columns.append(cells.influence[:, mine].mean(axis=1))
    return Family(tuple(labels), np.asarray(atts), _stack(columns, cells))


def _by_key(
    weights: _Weights, cells: GroupTimeCells, keys: np.ndarray, eligible: np.ndarray
) -> Family:
    labels, atts, columns = [], [], []
    for key in np.unique(keys[eligible]):
        mine = eligible & (keys == key)
        att, influence = weights.weighted(
            cells.cohort[mine], cells.att[mine], cells.influence[:, mine]
        )
        labels.append(int(key))
        atts.append(att)
        columns.append(influence)
    return Family(tuple(labels), np.asarray(atts), _stack(columns, cells))


def _stack(columns: list[np.ndarray], cells: GroupTimeCells) -> np.ndarray:
    if not columns:
        return np.zeros((cells.influence.shape[0], 0))
    return np.column_stack(columns)


def _mean_of(family: Family, chosen: np.ndarray) -> Family:
    if not chosen.any():
        return Family((0,), np.array([np.nan]), np.full((family.influence.shape[0], 1), np.nan))
    att = float(family.att[chosen].mean())
    influence = family.influence[:, chosen].mean(axis=1)
    return Family((0,), np.array([att]), influence[:, None])


def band_critical_value(influence: np.ndarray, *, alpha: float, seed: int) -> float:
    """Sup-t critical value for a simultaneous (1 - alpha) band over the columns.

    A Gaussian multiplier bootstrap draws sum_i v_i IF_i with v_i ~ N(0, 1): given the data that
    is exactly normal with covariance IF'IF, so it is drawn from the correlation matrix directly.
    """
    pointwise = float(stats.norm.ppf(1 - alpha / 2))
    gram = influence.T @ influence
    scale = np.sqrt(np.diag(gram))
    usable = scale > 0
    if usable.sum() <= 1:
        return pointwise
    correlation = gram[np.ix_(usable, usable)] / np.outer(scale[usable], scale[usable])
    eigenvalues, eigenvectors = np.linalg.eigh(correlation)
    root = eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
    draws = np.random.default_rng(seed).standard_normal((BAND_DRAWS, root.shape[0])) @ root.T
    critical = float(np.quantile(np.abs(draws).max(axis=1), 1 - alpha))
    return max(critical, pointwise)
