"""Estimation results: the PLS estimate, its quality criteria, and their renderings.

Where SmartPLS and seminr differ, countyhub follows SmartPLS:
- the VIF of a construct's only predictor is 1 (seminr reports NaN);
- weights are oriented so that a construct's indicators load positively on average (identical to
  both peers whenever their estimate is oriented that way, which is the usual case).
Everything else matches seminr 2.x to rounding: f² re-estimates the model without the path,
Cronbach's alpha is standardized (on the correlation matrix), rho_A is Dijkstra-Henseler (1 for
mode B and single-item constructs), rho_C and AVE come from the outer loadings.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from countyhub.analysis.errors import AnalysisError
from countyhub.analysis.plssem import engine
from countyhub.analysis.plssem.engine import Structure
from countyhub.analysis.summary import Summary

if TYPE_CHECKING:
    import pandas as pd

    from countyhub.analysis.plssem.bootstrap import BootstrapResults
    from countyhub.analysis.plssem.model import PLSModel

RELIABILITY_COLUMNS = ("alpha", "rho_a", "rho_c", "ave")
# Usual thresholds (Hair et al. 2022): reliability >= 0.70, AVE >= 0.50, HTMT < 0.90.
RELIABILITY_THRESHOLDS = {"alpha": 0.70, "rho_a": 0.70, "rho_c": 0.70, "ave": 0.50}
HTMT_THRESHOLD = 0.90


def path_label(source: str, target: str) -> str:
    return f"{source} -> {target}"


def standardize(values: np.ndarray) -> np.ndarray:
    return (values - values.mean(axis=0)) / values.std(axis=0, ddof=1)


def correlation(values: np.ndarray) -> np.ndarray:
    z = standardize(values)
    return (z.T @ z) / (values.shape[0] - 1)


def indirect_chains(structure: Structure) -> list[tuple[int, ...]]:
    """Every directed chain of two or more paths (each a specific indirect effect)."""
    successors = [np.flatnonzero(structure.adjacency[k]) for k in range(structure.n_constructs)]
    chains: list[tuple[int, ...]] = []

    def extend(chain: tuple[int, ...]) -> None:
        for nxt in successors[chain[-1]]:
            longer = (*chain, int(nxt))
            if len(longer) >= 3:
                chains.append(longer)
            extend(longer)

    for start in range(structure.n_constructs):
        extend((start,))
    return chains


def chain_effects(paths: np.ndarray, chains: list[tuple[int, ...]]) -> np.ndarray:
    """(B, n_chains) products of the path coefficients along each chain."""
    out = np.ones((paths.shape[0], len(chains)))
    for c, chain in enumerate(chains):
        for a, b in itertools.pairwise(chain):
            out[:, c] *= paths[:, a, b]
    return out


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


def _vif_diagonal(matrix: np.ndarray) -> np.ndarray:
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


@dataclass(frozen=True)
class PLSResults:
    """A fitted PLS path model. Arrays are indexed by ``structure`` (constructs, indicators).

    The pandas views (``paths``, ``outer_loadings``, ``reliability_table`` ...) are built on first
    use, so that the command line never imports pandas.
    """

    model: PLSModel
    scheme: str
    max_iter: int
    tol: float
    iterations: int
    converged: bool
    weights: np.ndarray  # (p, K)
    cross_loadings: np.ndarray  # (p, K)
    construct_cor: np.ndarray  # (K, K)
    path_matrix: np.ndarray  # (K, K)
    r_squared_values: np.ndarray  # (K,) NaN for exogenous
    r_squared_adj_values: np.ndarray
    total_matrix: np.ndarray  # (K, K)
    reliability_values: np.ndarray  # (K, 4)
    htmt_matrix: np.ndarray  # (K, K)
    vif_outer_values: np.ndarray  # (p,)
    vif_inner_values: dict[int, np.ndarray]  # endogenous -> VIF of each predecessor
    chains: list[tuple[int, ...]]
    chain_values: np.ndarray
    scores: np.ndarray = field(repr=False)  # (n, K)
    indicator_cor: np.ndarray = field(repr=False)  # (p, p)

    @cached_property
    def f_squared_values(self) -> np.ndarray:
        """(K, K) Cohen's f² of each path (NaN where there is none); computed on first use."""
        return _f_squared(
            self.indicator_cor,
            self.structure,
            self.r_squared_values,
            scheme=self.scheme,
            max_iter=self.max_iter,
            tol=self.tol,
        )

    @property
    def structure(self) -> Structure:
        return self.model.structure

    @property
    def n(self) -> int:
        return self.model.n

    @property
    def loadings(self) -> np.ndarray:
        """(p,) loading of each indicator on its own construct."""
        owner = self.structure.block_of
        return self.cross_loadings[np.arange(len(owner)), owner]

    @property
    def own_weights(self) -> np.ndarray:
        owner = self.structure.block_of
        return self.weights[np.arange(len(owner)), owner]

    def path_pairs(self) -> list[tuple[int, int]]:
        rows, cols = np.nonzero(self.structure.adjacency)
        return sorted(zip(rows.tolist(), cols.tolist(), strict=True), key=lambda jk: (jk[1], jk[0]))

    def chain_label(self, chain: tuple[int, ...]) -> str:
        return " -> ".join(self.structure.constructs[k] for k in chain)

    # pandas views -------------------------------------------------------------------------
    @cached_property
    def paths(self) -> pd.DataFrame:
        import pandas as pd

        names = self.structure.constructs
        return pd.DataFrame(self.path_matrix, index=names, columns=names)

    @cached_property
    def outer_loadings(self) -> pd.DataFrame:
        import pandas as pd

        s = self.structure
        return pd.DataFrame(self.cross_loadings * s.mask, index=s.indicators, columns=s.constructs)

    @cached_property
    def outer_weights(self) -> pd.DataFrame:
        import pandas as pd

        s = self.structure
        return pd.DataFrame(self.weights, index=s.indicators, columns=s.constructs)

    @cached_property
    def reliability(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(
            self.reliability_values, index=self.structure.constructs, columns=RELIABILITY_COLUMNS
        )

    @cached_property
    def htmt(self) -> pd.DataFrame:
        import pandas as pd

        names = self.structure.constructs
        return pd.DataFrame(self.htmt_matrix, index=names, columns=names)

    @cached_property
    def r_squared(self) -> pd.Series:
        import pandas as pd

        return pd.Series(self.r_squared_values, index=self.structure.constructs).dropna()

    @cached_property
    def construct_scores(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.scores, columns=self.structure.constructs)

    @property
    def fornell_larcker_matrix(self) -> np.ndarray:
        matrix = self.construct_cor.copy()
        np.fill_diagonal(matrix, np.sqrt(self.reliability_values[:, 3]))
        return matrix

    @cached_property
    def meta(self) -> dict[str, Any]:
        """Provenance: package version, data source and a hash of the estimation data."""
        from countyhub import __version__

        digest = hashlib.sha256(np.ascontiguousarray(self.model.prepared.values).tobytes())
        return {
            "countyhub": __version__,
            "source": self.model.table.source,
            "data_sha256": digest.hexdigest(),
            "model": self.model.spec.text,
        }

    # renderings ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON form (construct and indicator names as keys; a path is "FROM -> TO")."""
        s = self.structure
        names = s.constructs
        prepared = self.model.prepared

        def per_construct(values: np.ndarray) -> dict[str, dict[str, float | None]]:
            return {
                names[k]: {s.indicators[i]: _num(values[i, k]) for i in s.blocks[k]}
                for k in range(s.n_constructs)
            }

        def square(matrix: np.ndarray, *, diagonal: bool) -> dict[str, dict[str, float | None]]:
            return {
                a: {b: _num(matrix[i, j]) for j, b in enumerate(names) if diagonal or i != j}
                for i, a in enumerate(names)
            }

        endogenous = [names[k] for k in s.endogenous]
        return {
            "meta": self.meta,
            "n": self.n,
            "dropped_rows": prepared.dropped_rows,
            "filled_cells": prepared.filled_cells,
            "missing": prepared.missing,
            "converged": self.converged,
            "iterations": self.iterations,
            "weighting": self.scheme,
            "max_iter": self.max_iter,
            "tol": self.tol,
            "constructs": {
                m.construct: {"mode": m.mode, "indicators": list(m.indicators)}
                for m in self.model.spec.measurement
            },
            "outer_weights": per_construct(self.weights),
            "outer_loadings": per_construct(self.cross_loadings),
            "cross_loadings": {
                item: {c: _num(self.cross_loadings[i, k]) for k, c in enumerate(names)}
                for i, item in enumerate(s.indicators)
            },
            "paths": {
                path_label(names[j], names[k]): _num(self.path_matrix[j, k])
                for j, k in self.path_pairs()
            },
            "r2": {c: _num(self.r_squared_values[names.index(c)]) for c in endogenous},
            "r2_adj": {c: _num(self.r_squared_adj_values[names.index(c)]) for c in endogenous},
            "f2": {
                path_label(names[j], names[k]): _num(self.f_squared_values[j, k])
                for j, k in self.path_pairs()
            },
            "total_effects": {
                path_label(names[j], names[k]): _num(self.total_matrix[j, k])
                for j, k in zip(*np.nonzero(self.total_matrix), strict=True)
            },
            "indirect_effects": {
                self.chain_label(chain): _num(value)
                for chain, value in zip(self.chains, self.chain_values, strict=True)
            },
            "vif_inner": {
                names[k]: {
                    names[j]: _num(v)
                    for j, v in zip(s.predecessors[k], self.vif_inner_values[k], strict=True)
                }
                for k in s.endogenous
            },
            "vif_outer": per_construct(self.vif_outer_values[:, None] * s.mask),
            "reliability": {
                c: dict(
                    zip(RELIABILITY_COLUMNS, map(_num, self.reliability_values[k]), strict=True)
                )
                for k, c in enumerate(names)
            },
            "fornell_larcker": square(self.fornell_larcker_matrix, diagonal=True),
            "htmt": square(self.htmt_matrix, diagonal=False),
        }

    @cached_property
    def summary(self) -> Summary:
        from countyhub.analysis.plssem.report import results_summary

        return results_summary(self)

    def __str__(self) -> str:
        return self.summary.as_text()

    def to_html(self, bootstrap: BootstrapResults | None = None) -> str:
        """A self-contained HTML report (path diagram, reliability, validity, bootstrap)."""
        from countyhub.analysis.plssem.report import html_report

        return html_report(self, bootstrap)

    def bootstrap(
        self,
        n: int = 5000,
        *,
        seed: int | None = None,
        n_jobs: int = 2,
        progress: Any = None,
        alpha: float = 0.05,
        indices: np.ndarray | None = None,
    ) -> BootstrapResults:
        """Bootstrap the estimate; see :func:`countyhub.analysis.plssem.bootstrap.bootstrap`."""
        from countyhub.analysis.plssem.bootstrap import bootstrap

        return bootstrap(
            self, n=n, seed=seed, n_jobs=n_jobs, progress=progress, alpha=alpha, indices=indices
        )


def _num(value: float) -> float | None:
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def _check_mode_b_blocks(structure: Structure, r: np.ndarray) -> None:
    for k, block in enumerate(structure.blocks):
        mode_b = structure.modes[k] == "B" and len(block) > 1
        if mode_b and np.linalg.cond(r[np.ix_(block, block)]) > 1e12:
            items = ", ".join(structure.indicators[i] for i in block)
            raise AnalysisError(
                f"the indicators of {structure.constructs[k]!r} ({items}) are linearly "
                "dependent, so its mode B weights cannot be estimated; drop one of them or use '=~'"
            )


def fit_weights(
    r: np.ndarray, structure: Structure, *, scheme: str, max_iter: int, tol: float
) -> tuple[engine.WeightsFit, np.ndarray]:
    fit = engine.estimate_weights(r[None], structure, scheme=scheme, tol=tol, max_iter=max_iter)
    return fit, engine.fix_signs(fit.weights, r[None], structure)[0]


def estimate(model: PLSModel, *, scheme: str, max_iter: int, tol: float) -> PLSResults:
    """Fit ``model``; see :meth:`PLSModel.fit`."""
    s = model.structure
    x = model.prepared.values
    n = x.shape[0]
    r = correlation(x)
    _check_mode_b_blocks(s, r)
    fit, w = fit_weights(r, s, scheme=scheme, max_iter=max_iter, tol=tol)
    derived = engine.derive(r[None], w[None], s)
    if fit.failed[0] or derived.failed[0]:
        raise AnalysisError(
            "the estimate is singular: a construct's predictors are perfectly collinear"
        )
    r2 = derived.r_squared[0]
    adj = np.full_like(r2, np.nan)
    for k in s.endogenous:
        m = len(s.predecessors[k])
        adj[k] = 1 - (1 - r2[k]) * (n - 1) / (n - m - 1)
    cross = derived.cross_loadings[0]
    loadings = cross[np.arange(len(s.indicators)), s.block_of]
    chains = indirect_chains(s)
    return PLSResults(
        model=model,
        scheme=scheme,
        max_iter=max_iter,
        tol=tol,
        iterations=int(fit.iterations[0]),
        converged=bool(fit.converged[0]),
        weights=w,
        cross_loadings=cross,
        construct_cor=derived.construct_cor[0],
        path_matrix=derived.paths[0],
        r_squared_values=r2,
        r_squared_adj_values=adj,
        total_matrix=derived.total_effects[0],
        reliability_values=reliability(r, w, loadings, s),
        htmt_matrix=engine.htmt(r[None], s)[0],
        vif_outer_values=np.concatenate([_vif_diagonal(r[np.ix_(b, b)]) for b in s.blocks]),
        vif_inner_values={
            k: _vif_diagonal(derived.construct_cor[0][np.ix_(s.predecessors[k], s.predecessors[k])])
            for k in s.endogenous
        },
        chains=chains,
        chain_values=chain_effects(derived.paths, chains)[0],
        scores=standardize(x) @ w,
        indicator_cor=r,
    )


def _f_squared(
    r: np.ndarray, s: Structure, r2: np.ndarray, *, scheme: str, max_iter: int, tol: float
) -> np.ndarray:
    """Cohen's f² of each path, re-estimating the model without it (as seminr and SmartPLS)."""
    out = np.full((s.n_constructs, s.n_constructs), np.nan)
    for j, k in zip(*np.nonzero(s.adjacency), strict=True):
        if s.n_constructs == 2:
            out[j, k] = r2[k] / (1 - r2[k])
            continue
        sub, index = _without_path(s, j, k)
        without = 0.0
        target = s.constructs[k]
        if target in sub.constructs and sub.endogenous:
            k_sub = sub.constructs.index(target)
            if len(sub.predecessors[k_sub]):
                r_sub = r[np.ix_(index, index)]
                _, w_sub = fit_weights(r_sub, sub, scheme=scheme, max_iter=max_iter, tol=tol)
                without = engine.derive(r_sub[None], w_sub[None], sub).r_squared[0, k_sub]
        out[j, k] = (r2[k] - without) / (1 - r2[k])
    return out
