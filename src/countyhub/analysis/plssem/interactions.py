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


@dataclass(frozen=True)
class ProductResamples:
    """The item data (``values``: rows x items, NaN where missing when ``fill``) and, for each
    product column appended after the items, the positions of its two items."""

    values: np.ndarray
    pairs: tuple[tuple[int, int], ...]
    fill: bool

    def _one(self, rows: np.ndarray) -> np.ndarray:
        x = self.values[rows]
        if self.fill:
            x = np.where(np.isnan(x), np.nanmean(x, axis=0), x)
        with np.errstate(invalid="ignore", divide="ignore"):
            z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
            products = np.column_stack([z[:, a] * z[:, b] for a, b in self.pairs])
            r: np.ndarray = np.corrcoef(np.hstack([z, products]), rowvar=False)
        return r

    def correlations(self, rows: Sequence[np.ndarray]) -> np.ndarray:
        """(B, p, p) correlation matrices of items and products, one per set of row indices."""
        return np.stack([self._one(np.asarray(r)) for r in rows])
