"""Consistent PLS (PLSc): the PLS estimate corrected for the measurement error of reflective blocks.

PLS scores of a reflective (mode A, ``=~``) construct are weighted sums of error-laden indicators,
so their correlations understate the common factors' correlations and the paths are attenuated.
Dijkstra and Henseler (2015) correct them with each block's reliability rho_A:

- rho_A = (w'w)² w'(S - diag S)w / w'(ww' - diag ww')w, with w the construct's outer weights
  (scaled so that its score has unit variance) and S its indicators' correlations; 1 for formative
  (mode B, ``<~``) and single-indicator constructs, which are not corrected;
- corrected construct correlations r_ij / sqrt(rho_A_i rho_A_j) (unit diagonal);
- paths by OLS of each endogenous construct on its predecessors, on the corrected correlations,
  and R² from the same system;
- consistent loadings w sqrt(rho_A) / (w'w) for the reflective constructs.

This is seminr's ``PLSc()`` and cSEM's ``csem(..., disattenuate = TRUE)`` for common factors.
Nothing is clipped: a rho_A above 1, a corrected correlation or loading beyond 1, a corrected
correlation matrix that is not positive semi-definite or an R² outside [0, 1] is reported as an
inadmissible result (:func:`inadmissible`).

References
----------
Dijkstra, T. K., & Henseler, J. (2015). Consistent partial least squares path modeling. MIS
Quarterly 39(2), 297-316.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countyhub.analysis.plssem import engine
from countyhub.analysis.plssem.engine import Structure


def corrected(structure: Structure) -> np.ndarray:
    """(K,) bool: the constructs PLSc corrects (reflective, i.e. mode A, with two or more items)."""
    return np.array(
        [
            mode == "A" and len(block) > 1
            for mode, block in zip(structure.modes, structure.blocks, strict=True)
        ]
    )


def rho_a(r: np.ndarray, w: np.ndarray, structure: Structure) -> np.ndarray:
    """(B, K) Dijkstra-Henseler rho_A; 1 for the constructs PLSc leaves uncorrected."""
    out = np.ones((r.shape[0], structure.n_constructs))
    for k in np.flatnonzero(corrected(structure)):
        block = structure.blocks[k]
        weights = w[:, block, k]
        off_r = r[:, block[:, None], block[None, :]] * (1 - np.eye(len(block)))
        wtw = (weights**2).sum(axis=1)
        quad = np.einsum("bi,bij,bj->b", weights, off_r, weights)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, k] = wtw**2 * quad / (wtw**2 - (weights**4).sum(axis=1))
    return out


@dataclass(frozen=True)
class Correction:
    """The PLSc estimate of each sample of a batch."""

    rho_a: np.ndarray  # (B, K)
    construct_cor: np.ndarray  # (B, K, K) corrected
    loadings: np.ndarray  # (B, p) own loadings; consistent ones for reflective constructs
    paths: np.ndarray  # (B, K, K)
    r_squared: np.ndarray  # (B, K)
    total_effects: np.ndarray  # (B, K, K)
    failed: np.ndarray  # (B,): a negative rho_A or a singular corrected system


def correct(r: np.ndarray, w: np.ndarray, structure: Structure) -> Correction:
    """PLSc from indicator correlations ``r`` (B, p, p) and PLS weights ``w`` (B, p, K)."""
    rho = rho_a(r, w, structure)
    cross = r @ w
    pls_cor = np.einsum("bpk,bpl->bkl", w, cross)
    with np.errstate(invalid="ignore", divide="ignore"):
        root = np.sqrt(rho)
        construct_cor = pls_cor / (root[:, :, None] * root[:, None, :])
    diagonal = np.arange(structure.n_constructs)
    construct_cor[:, diagonal, diagonal] = 1.0
    failed = ~np.isfinite(construct_cor).all(axis=(1, 2))
    safe = np.where(failed[:, None, None], np.eye(structure.n_constructs), construct_cor)
    paths, r_squared, singular = engine.structural(safe, structure)
    failed |= singular
    paths[failed] = np.nan
    r_squared[failed] = np.nan
    owner = structure.block_of
    rows = np.arange(len(owner))
    loadings = cross[:, rows, owner].copy()
    for k in np.flatnonzero(corrected(structure)):
        block = structure.blocks[k]
        weights = w[:, block, k]
        with np.errstate(invalid="ignore", divide="ignore"):
            loadings[:, block] = weights * (root[:, k] / (weights**2).sum(axis=1))[:, None]
    return Correction(
        rho, construct_cor, loadings, paths, r_squared, engine.total_effects(paths), failed
    )


# A corrected correlation matrix with an eigenvalue below this is not positive semi-definite.
EIGEN_TOLERANCE = -1e-10
# A value is beyond 1 only by more than rounding: a single indicator's loading on its own
# construct is 1 computed as 1.0000000000000002 on some BLAS builds, and is admissible.
BEYOND_ONE = 1 + 1e-10


def inadmissible_mask(correction: Correction) -> np.ndarray:
    """(B,) bool: samples whose PLSc estimate is inadmissible (see :func:`inadmissible`)."""
    k_count = correction.construct_cor.shape[-1]
    off = ~np.eye(k_count, dtype=bool)
    with np.errstate(invalid="ignore"):
        bad = (correction.rho_a > BEYOND_ONE).any(axis=1)
        bad |= (np.abs(correction.construct_cor[:, off]) > BEYOND_ONE).any(axis=1)
        bad |= (np.abs(correction.loadings) > BEYOND_ONE).any(axis=1)
        r2 = np.nan_to_num(correction.r_squared, nan=0.5)
        bad |= ((r2 < 1 - BEYOND_ONE) | (r2 > BEYOND_ONE)).any(axis=1)
    finite = np.isfinite(correction.construct_cor).all(axis=(1, 2))
    if finite.any():
        eigen = np.full(len(finite), np.inf)
        eigen[finite] = np.linalg.eigvalsh(correction.construct_cor[finite]).min(axis=1)
        bad |= eigen < EIGEN_TOLERANCE
    out: np.ndarray = bad
    return out


def inadmissible(correction: Correction, structure: Structure, index: int = 0) -> list[str]:
    """Why sample ``index``'s PLSc estimate is inadmissible, one sentence per problem (empty if
    it is admissible). The values are reported as estimated, never clipped."""
    names = structure.constructs
    rho = correction.rho_a[index]
    out = [
        f"rho_A of {names[k]} is {rho[k]:.3f}, above 1: PLSc over-corrects this construct."
        for k in map(int, np.flatnonzero(rho > BEYOND_ONE))
    ]
    cor = correction.construct_cor[index]
    out += [
        f"The PLSc (corrected) correlation of {names[i]} and {names[j]} is {cor[i, j]:.3f}, "
        "beyond 1."
        for i in range(len(names))
        for j in range(i + 1, len(names))
        if abs(cor[i, j]) > BEYOND_ONE
    ]
    loadings = correction.loadings[index]
    owner = structure.block_of
    out += [
        f"The PLSc loading of {structure.indicators[i]} on {names[owner[i]]} is "
        f"{loadings[i]:.3f}, beyond 1 (a Heywood case)."
        for i in map(int, np.flatnonzero(np.abs(loadings) > BEYOND_ONE))
    ]
    if np.isfinite(cor).all():
        smallest = float(np.linalg.eigvalsh(cor).min())
        if smallest < EIGEN_TOLERANCE:
            out.append(
                "The PLSc (corrected) construct correlation matrix is not positive semi-definite "
                f"(smallest eigenvalue {smallest:.3f})."
            )
    r2 = correction.r_squared[index]
    out += [
        f"The PLSc R² of {names[e]} is {r2[e]:.3f}, outside [0, 1]."
        for e in structure.endogenous
        if not 1 - BEYOND_ONE <= r2[e] <= BEYOND_ONE
    ]
    return out
