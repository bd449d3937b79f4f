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
        """Standardized stage-1 construct scores (B, n, K) of standardized items ``z`` (B, n, p)."""
        r = (z.transpose(0, 2, 1) @ z) / (z.shape[1] - 1)
        fit = engine.estimate_weights(
            r, self.structure, scheme=self.scheme, tol=self.tol, max_iter=self.max_iter
        )
        w = engine.fix_signs(fit.weights, r, self.structure)
        w[fit.failed] = np.nan
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

    def _batch(self, rows: np.ndarray) -> np.ndarray:
        """Correlation matrices (B, p, p) for resamples of equal size (``rows``: B x size)."""
        x = self.values[rows]
        if self.fill:
            x = np.where(np.isnan(x), np.nanmean(x, axis=1, keepdims=True), x)
        with np.errstate(invalid="ignore", divide="ignore"):
            z = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, ddof=1, keepdims=True)
            factors = z if self.stage_one is None else self.stage_one.scores(z)
            products = np.stack([factors[..., a] * factors[..., b] for a, b in self.pairs], -1)
            data = np.concatenate([z, products], axis=2)
            data = data - data.mean(axis=1, keepdims=True)
            cov = data.transpose(0, 2, 1) @ data
            sd = np.sqrt(np.einsum("bpp->bp", cov))
            r: np.ndarray = cov / (sd[:, :, None] * sd[:, None, :])
        return r

    def correlations(self, rows: Sequence[np.ndarray]) -> np.ndarray:
        """(B, p, p) correlation matrices of items and products, one per set of row indices."""
        sizes = {len(r) for r in rows}
        if len(sizes) == 1:
            return self._batch(np.asarray(rows))
        return np.concatenate([self._batch(np.asarray(r)[None]) for r in rows])
