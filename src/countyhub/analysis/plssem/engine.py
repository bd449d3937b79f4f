"""The PLS path algorithm on indicator correlation matrices, for one sample or a batch of them.

With standardized indicators every step of the algorithm (Lohmöller 1989; Wold 1982) needs only the
indicators' correlation matrix R: construct scores Y = Z W have covariance W'RW, the covariances of
the indicators with the inner proxies are R W E, and so on. Working on R instead of the n x p data
makes the estimate independent of n after R is formed, and lets a bootstrap run all its resamples
as one batch of (B, p, p) matrices.

Conventions follow seminr and SmartPLS: weights start as the 0/1 membership matrix; each pass
computes scores, inner weights (path, factorial or centroid scheme), inner proxies and new outer
weights (mode A: covariances; mode B: a regression on the block's correlation matrix), rescales
them so that every score has unit variance, and stops when the sum of absolute weight changes falls
below ``tol`` or after ``max_iter`` further passes.

References
----------
Lohmöller, J.-B. (1989). Latent Variable Path Modeling with Partial Least Squares. Physica.
Ray, S., Danks, N. P., & Calero Valdez, A. (2022). seminr: Building and Estimating Structural
Equation Models. R package.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

SCHEMES = ("path", "factorial", "centroid")


def path_label(*constructs: str) -> str:
    """A path ("A -> B") or a chain of paths ("A -> B -> C"), as keys and row labels show it."""
    return " -> ".join(constructs)


@dataclass(frozen=True)
class Structure:
    """Index form of a model: constructs, indicators grouped by construct, paths."""

    constructs: tuple[str, ...]
    indicators: tuple[str, ...]
    blocks: tuple[np.ndarray, ...]  # indicator positions of each construct
    modes: tuple[str, ...]  # "A" or "B" per construct
    adjacency: np.ndarray  # (K, K): adjacency[j, k] = 1 for a path j -> k
    predecessors: tuple[np.ndarray, ...] = field(init=False)
    mask: np.ndarray = field(init=False)  # (p, K) membership of indicators in constructs

    def __post_init__(self) -> None:
        predecessors = tuple(np.flatnonzero(self.adjacency[:, k]) for k in range(self.n_constructs))
        mask = np.zeros((len(self.indicators), self.n_constructs))
        for k, block in enumerate(self.blocks):
            mask[block, k] = 1.0
        object.__setattr__(self, "predecessors", predecessors)
        object.__setattr__(self, "mask", mask)

    @property
    def n_constructs(self) -> int:
        return len(self.constructs)

    @property
    def endogenous(self) -> tuple[int, ...]:
        return tuple(k for k, pred in enumerate(self.predecessors) if len(pred))

    @property
    def block_of(self) -> np.ndarray:
        owner = np.empty(len(self.indicators), dtype=np.intp)
        for k, block in enumerate(self.blocks):
            owner[block] = k
        return owner

    def path_pairs(self) -> list[tuple[int, int]]:
        """Every path (j, k) for j -> k, ordered by target, then source."""
        rows, cols = np.nonzero(self.adjacency)
        return sorted(zip(rows.tolist(), cols.tolist(), strict=True), key=lambda jk: (jk[1], jk[0]))

    def indirect_chains(self) -> list[tuple[int, ...]]:
        """Every directed chain of two or more paths (each a specific indirect effect)."""
        successors = [np.flatnonzero(self.adjacency[k]) for k in range(self.n_constructs)]
        chains: list[tuple[int, ...]] = []

        def extend(chain: tuple[int, ...]) -> None:
            for nxt in successors[chain[-1]]:
                longer = (*chain, int(nxt))
                if len(longer) >= 3:
                    chains.append(longer)
                extend(longer)

        for start in range(self.n_constructs):
            extend((start,))
        return chains


def chain_effects(paths: np.ndarray, chains: list[tuple[int, ...]]) -> np.ndarray:
    """(B, n_chains) products of the path coefficients along each chain."""
    out = np.ones((paths.shape[0], len(chains)))
    for c, chain in enumerate(chains):
        for a, b in itertools.pairwise(chain):
            out[:, c] *= paths[:, a, b]
    return out


def standardize(values: np.ndarray) -> np.ndarray:
    z: np.ndarray = (values - values.mean(axis=0)) / values.std(axis=0, ddof=1)
    return z


def correlation(values: np.ndarray) -> np.ndarray:
    z = standardize(values)
    r: np.ndarray = (z.T @ z) / (values.shape[0] - 1)
    return r


@dataclass(frozen=True)
class WeightsFit:
    """Outer weights per sample, with convergence bookkeeping."""

    weights: np.ndarray  # (B, p, K), each score with unit variance
    iterations: np.ndarray  # (B,) passes after the first, as seminr counts them
    converged: np.ndarray  # (B,) bool
    failed: np.ndarray  # (B,) bool: a singular or non-finite step


def _solve(a: np.ndarray, b: np.ndarray, failed: np.ndarray) -> np.ndarray:
    """Batched ``solve(a, b)`` that marks the samples whose system is singular as failed."""
    try:
        solved: np.ndarray = np.linalg.solve(a, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.full(b.shape, np.nan)
        for index in range(a.shape[0]):
            try:
                out[index] = np.linalg.solve(a[index], b[index])
            except np.linalg.LinAlgError:
                failed[index] = True
        return out
    return solved


def inner_weights(
    construct_cor: np.ndarray, structure: Structure, scheme: str, failed: np.ndarray
) -> np.ndarray:
    """Inner weights E (B, K, K): the proxy of construct k is sum_j Y_j E[j, k]."""
    both = structure.adjacency + structure.adjacency.T
    e: np.ndarray
    if scheme == "factorial":
        e = construct_cor * both
        return e
    if scheme == "centroid":
        e = np.sign(construct_cor) * both
        return e
    # Path scheme: correlations with successors, regression weights of the predecessors.
    e = construct_cor * structure.adjacency.T
    for k in structure.endogenous:
        pred = structure.predecessors[k]
        sub = construct_cor[:, pred[:, None], pred[None, :]]
        e[:, pred, k] = _solve(sub, construct_cor[:, pred, k], failed)
    return e


def _normalize(w: np.ndarray, r: np.ndarray) -> np.ndarray:
    variance = np.einsum("bpk,bpk->bk", w, r @ w)
    with np.errstate(invalid="ignore", divide="ignore"):
        normalized: np.ndarray = w / np.sqrt(variance)[:, None, :]
    return normalized


def _update(
    r: np.ndarray, w: np.ndarray, structure: Structure, scheme: str, failed: np.ndarray
) -> np.ndarray:
    rw = r @ w
    variance = np.einsum("bpk,bpk->bk", w, rw)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(variance)
        construct_cor = np.einsum("bpk,bpl->bkl", w, rw) / (sd[:, :, None] * sd[:, None, :])
        e = inner_weights(construct_cor, structure, scheme, failed)
        # Covariances of each indicator with each (unstandardized) inner proxy; the scale of a
        # proxy does not matter because the new weights are rescaled below.
        proxy_cov = (rw / sd[:, None, :]) @ e
    new = proxy_cov * structure.mask
    for k, block in enumerate(structure.blocks):
        if structure.modes[k] == "B" and len(block) > 1:
            block_r = r[:, block[:, None], block[None, :]]
            new[:, block, k] = _solve(block_r, proxy_cov[:, block, k], failed)
    return _normalize(new, r)


def estimate_weights(
    r: np.ndarray,
    structure: Structure,
    *,
    scheme: str = "path",
    tol: float = 1e-7,
    max_iter: int = 300,
) -> WeightsFit:
    """Run the PLS algorithm on each correlation matrix in ``r`` (shape (B, p, p))."""
    batch = r.shape[0]
    w = np.broadcast_to(structure.mask, (batch, *structure.mask.shape)).copy()
    iterations = np.zeros(batch, dtype=np.intp)
    converged = np.zeros(batch, dtype=bool)
    failed = ~np.isfinite(r).all(axis=(1, 2))
    active = np.flatnonzero(~failed)
    for iteration in range(max_iter + 1):
        if active.size == 0:
            break
        step_failed = np.zeros(active.size, dtype=bool)
        new = _update(r[active], w[active], structure, scheme, step_failed)
        change = np.abs(new - w[active]).sum(axis=(1, 2))
        step_failed |= ~np.isfinite(change)
        w[active] = new
        iterations[active] = iteration
        failed[active[step_failed]] = True
        done = (change < tol) & ~step_failed
        converged[active[done]] = True
        active = active[~done & ~step_failed]
    return WeightsFit(w, iterations, converged, failed)


def fix_signs(w: np.ndarray, r: np.ndarray, structure: Structure) -> np.ndarray:
    """Flip a construct whose indicators mostly correlate negatively with its score.

    The PLS weights are identified up to sign; starting from unit weights they almost always come
    out oriented with the indicators, and this rule only turns the rare reversed block back, so that
    a construct means what its indicators say.
    """
    loadings = np.einsum("bpq,bqk->bpk", r, w) * structure.mask
    orientation = np.where(loadings.sum(axis=1) < 0, -1.0, 1.0)
    return w * orientation[:, None, :]


def fit_weights(
    r: np.ndarray, structure: Structure, *, scheme: str, max_iter: int, tol: float
) -> tuple[WeightsFit, np.ndarray]:
    """The PLS algorithm on one correlation matrix: the fit and its sign-fixed weights (p, K)."""
    fit = estimate_weights(r[None], structure, scheme=scheme, tol=tol, max_iter=max_iter)
    return fit, fix_signs(fit.weights, r[None], structure)[0]


@dataclass(frozen=True)
class PathEstimates:
    """Statistics derived from the weights for each sample of a batch."""

    construct_cor: np.ndarray  # (B, K, K)
    cross_loadings: np.ndarray  # (B, p, K): correlation of every indicator with every score
    paths: np.ndarray  # (B, K, K): paths[:, j, k] is the coefficient of j -> k
    r_squared: np.ndarray  # (B, K), NaN for exogenous constructs
    total_effects: np.ndarray  # (B, K, K)
    failed: np.ndarray  # (B,)


def derive(r: np.ndarray, w: np.ndarray, structure: Structure) -> PathEstimates:
    """Construct correlations, loadings, path coefficients, R² and total effects."""
    cross = r @ w
    construct_cor = np.einsum("bpk,bpl->bkl", w, cross)
    paths, r_squared, failed = structural(construct_cor, structure)
    return PathEstimates(construct_cor, cross, paths, r_squared, total_effects(paths), failed)


def structural(
    construct_cor: np.ndarray, structure: Structure
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Paths (B, K, K), R² (B, K) and failed flags (B,): each endogenous construct regressed on
    its predecessors by OLS on the construct correlations (PLS's or PLSc's corrected ones)."""
    batch, n_constructs, _ = construct_cor.shape
    failed = np.zeros(batch, dtype=bool)
    paths = np.zeros((batch, n_constructs, n_constructs))
    r_squared = np.full((batch, n_constructs), np.nan)
    for k in structure.endogenous:
        pred = structure.predecessors[k]
        sub = construct_cor[:, pred[:, None], pred[None, :]]
        beta = _solve(sub, construct_cor[:, pred, k], failed)
        paths[:, pred, k] = beta
        r_squared[:, k] = np.einsum("bi,bi->b", beta, construct_cor[:, pred, k])
    return paths, r_squared, failed


def total_effects(paths: np.ndarray) -> np.ndarray:
    """B + B² + ... : for an acyclic model the powers vanish after K - 1 steps."""
    total = paths.copy()
    power = paths
    for _ in range(paths.shape[-1] - 1):
        power = power @ paths
        if not np.any(power):
            break
        total = total + power
    return total


def htmt(r: np.ndarray, structure: Structure) -> np.ndarray:
    """Heterotrait-monotrait ratios (B, K, K) from mean absolute indicator correlations.

    A single-indicator construct has a monotrait mean of 1 (Henseler, Ringle & Sarstedt 2015;
    as seminr and SmartPLS).
    """
    batch = r.shape[0]
    k_count = structure.n_constructs
    abs_r = np.abs(r)
    mono = np.ones((batch, k_count))
    for k, block in enumerate(structure.blocks):
        size = len(block)
        if size > 1:
            sub = abs_r[:, block[:, None], block[None, :]]
            mono[:, k] = (sub.sum(axis=(1, 2)) - size) / (size * (size - 1))
    out = np.full((batch, k_count, k_count), np.nan)
    for i in range(k_count):
        for j in range(i + 1, k_count):
            block_i, block_j = structure.blocks[i], structure.blocks[j]
            hetero = abs_r[:, block_i[:, None], block_j[None, :]].mean(axis=(1, 2))
            with np.errstate(invalid="ignore", divide="ignore"):
                out[:, i, j] = out[:, j, i] = hetero / np.sqrt(mono[:, i] * mono[:, j])
    return out
