"""Multiplier-bootstrap standard errors and bands, as R ``did``'s ``mboot`` (``bstrap=TRUE``).

Each draw multiplies every cluster's influence function (each unit its own cluster unless an
extra clustering variable is given) by an independent Mammen (1993) weight with mean 0 and
variance 1. A family's draws are ``(V A) W + (V M) C`` over n (see ``aggregate.Moments``), so the
draws x clusters product is formed once, in blocks of clusters that keep memory bounded, and
serves every aggregation. Standard errors are the draws' interquartile range over that of the
standard normal and the band's critical value the 1 - alpha quantile of the largest |draw| / SE,
as ``mboot``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from countyhub.analysis.did.aggregate import Aggregations, Family, cluster_sums
from countyhub.analysis.did.estimate import GroupTimeCells
from countyhub.analysis.did.panel import Panel

MIN_BOOTSTRAP = 100  # fewer draws give quartiles too coarse for a standard error
BLOCK_ELEMENTS = 2_000_000  # draws x clusters per block: 16 MB of multipliers at a time
SQRT5 = np.sqrt(5.0)
MAMMEN_LOW, MAMMEN_HIGH = (1 - SQRT5) / 2, (1 + SQRT5) / 2
MAMMEN_P_LOW = (SQRT5 + 1) / (2 * SQRT5)
NORMAL_IQR = float(stats.norm.ppf(0.75) - stats.norm.ppf(0.25))


@dataclass(frozen=True)
class MultiplierBootstrap:
    """Draws of the cells' and the cohort terms' sums: ``cells`` is draws x cells (V A / n),
    ``cohorts`` draws x cohorts (V M / n)."""

    cells: np.ndarray
    cohorts: np.ndarray

    @classmethod
    def draw(
        cls,
        panel: Panel,
        cells: GroupTimeCells,
        aggregations: Aggregations,
        draws: int,
        seed: int,
    ) -> MultiplierBootstrap:
        unit_cohort = np.unique(panel.cohort, return_inverse=True)[1]
        n_cohorts = aggregations.cells.cohort_terms.shape[0]
        if panel.clusters.shape[1]:
            rows, by_cohort = cluster_sums(panel, cells.influence, unit_cohort, n_cohorts)
        else:
            rows = cells.influence
            by_cohort = np.zeros((panel.n_units, n_cohorts))
            by_cohort[np.arange(panel.n_units), unit_cohort] = panel.weights
        rng = np.random.default_rng(seed)
        n_rows = rows.shape[0]
        # Blocks of clusters, all draws at once: each block of the influence matrix is read
        # once (blocks of draws would stream the whole matrix through memory per block).
        block = max(1, BLOCK_ELEMENTS // draws)
        # v = HIGH + (LOW - HIGH) * 1{low}: so V A = HIGH 1'A + (LOW - HIGH) 1{low} A, and only
        # the 0/1 indicator matrix is formed (in reused buffers: allocation dominates otherwise).
        uniform = np.empty((draws, block), dtype=np.float32)
        indicator = np.empty((draws, block))
        step = MAMMEN_LOW - MAMMEN_HIGH
        cell_draws = np.tile(MAMMEN_HIGH * rows.sum(axis=0), (draws, 1))
        cohort_draws = np.tile(MAMMEN_HIGH * by_cohort.sum(axis=0), (draws, 1))
        for start in range(0, n_rows, block):
            size = min(n_rows, start + block) - start
            if size < block:  # the last, shorter block: the generator fills contiguous arrays
                uniform, indicator = uniform[:, :size].copy(), indicator[:, :size].copy()
            rng.random(out=uniform, dtype=np.float32)
            np.less(uniform, MAMMEN_P_LOW, out=indicator)
            cell_draws += step * (indicator @ rows[start : start + size])
            cohort_draws += step * (indicator @ by_cohort[start : start + size])
        return cls(cells=cell_draws / panel.n_units, cohorts=cohort_draws / panel.n_units)

    def family_draws(self, family: Family) -> np.ndarray:
        draws: np.ndarray = self.cells @ family.cell_weights + self.cohorts @ family.cohort_terms
        return draws

    def std_errors_and_band(self, family: Family, *, alpha: float) -> tuple[np.ndarray, float]:
        """Bootstrap SEs of the family and the sup-t critical value of its band."""
        draws = self.family_draws(family)
        q75, q25 = np.quantile(draws, [0.75, 0.25], axis=0)
        std_errors: np.ndarray = (q75 - q25) / NORMAL_IQR
        pointwise = float(stats.norm.ppf(1 - alpha / 2))
        usable = std_errors > 1e-12 * max(1.0, float(std_errors.max(initial=0.0)))
        if not usable.any():
            return std_errors, pointwise
        largest = np.abs(draws[:, usable] / std_errors[usable]).max(axis=1)
        return std_errors, float(np.quantile(largest, 1 - alpha))
