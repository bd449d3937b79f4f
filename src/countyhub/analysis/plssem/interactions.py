"""Resamples of a model whose interactions are measured by product indicators.

seminr builds the product indicators again in every bootstrap resample: the resample's missing
cells are replaced by its own column means, its items standardized by its own means and SDs, and
the products formed from them. The products are not linear in the rows' counts, so these
resamples are built row by row (:class:`ProductResamples`) instead of from the count-weighted
moments the other statistics use; the PLS algorithm then runs on the batch of their correlation
matrices as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from countyhub.analysis.plssem import engine
from countyhub.analysis.plssem.engine import Structure


@dataclass(frozen=True)
class StageOne:
    """The two-stage approach's first stage, re-run on a resample: the main-effects structure
    and the algorithm's settings (seminr's defaults)."""

    structure: Structure
    scheme: str
    max_iter: int = 300
    tol: float = 1e-7

    def scores(self, z: np.ndarray) -> np.ndarray:
        """Standardized stage-1 construct scores (n, K) of standardized items ``z``."""
        r = np.corrcoef(z, rowvar=False)[None]
        fit = engine.estimate_weights(
            r, self.structure, scheme=self.scheme, tol=self.tol, max_iter=self.max_iter
        )
        w = engine.fix_signs(fit.weights, r, self.structure)[0]
        if fit.failed[0]:
            return np.full((z.shape[0], self.structure.n_constructs), np.nan)
        scores: np.ndarray = z @ w
        return scores


@dataclass(frozen=True)
class ProductResamples:
    """The item data (``values``: rows x items, NaN where missing when ``fill``) and, for each
    product column appended after the items, the positions of its two items; with ``stage_one``
    (two-stage approach) the positions are of two stage-1 constructs, whose scores multiply."""

    values: np.ndarray
    pairs: tuple[tuple[int, int], ...]
    fill: bool
    stage_one: StageOne | None = None

    def _one(self, rows: np.ndarray) -> np.ndarray:
        x = self.values[rows]
        if self.fill:
            x = np.where(np.isnan(x), np.nanmean(x, axis=0), x)
        with np.errstate(invalid="ignore", divide="ignore"):
            z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
            factors = z if self.stage_one is None else self.stage_one.scores(z)
            products = np.column_stack([factors[:, a] * factors[:, b] for a, b in self.pairs])
            r: np.ndarray = np.corrcoef(np.hstack([z, products]), rowvar=False)
        return r

    def correlations(self, rows: Sequence[np.ndarray]) -> np.ndarray:
        """(B, p, p) correlation matrices of items and products, one per set of row indices."""
        return np.stack([self._one(np.asarray(r)) for r in rows])
