"""Model fit of a PLS path model as SmartPLS reports it: SRMR, d_ULS, d_G and NFI, for the
saturated and the estimated model, with bootstrap quantiles of the discrepancies.

The model-implied indicator correlation matrix (Henseler et al. 2014; Dijkstra & Henseler 2015):

- within a reflective (mode A) block the common factor model: lambda_i lambda_j off the diagonal;
- within a composite (mode B) block the observed correlations (the composite model leaves them
  free);
- between blocks k and l: lambda_i lambda_j phi_kl, where lambda are the outer loadings (for a
  composite S_kk w_k, the same numbers) and phi the construct correlations: observed ones for the
  saturated model, those implied by the path coefficients for the estimated model (exogenous
  correlations as observed, structural errors uncorrelated with variance 1 - R²).

SRMR = sqrt(mean over i <= j of (s_ij - sigma_ij)²); d_ULS = 1/2 sum (s_ij - sigma_ij)²;
d_G = 1/2 sum (log phi_i)² over the eigenvalues phi of S⁻¹ Sigma; NFI = 1 - chi²/chi²(null), with
chi² = (n - 1) F_ML and the null model Sigma = I.

The bootstrap quantiles (95% and 99%) come from resamples of the data transformed to fit the
estimated model exactly (Beran & Srivastava 1985, as SmartPLS: Z S^(-1/2) Sigma^(1/2)): a
discrepancy above its 95% quantile rejects the model at 5%.

References
----------
Henseler, J., Dijkstra, T. K., Sarstedt, M., et al. (2014). Common beliefs and reality about PLS.
Organizational Research Methods 17(2), 182-209.
Beran, R., & Srivastava, M. S. (1985). Bootstrap tests and confidence regions for functions of a
covariance matrix. Annals of Statistics 13(1), 95-115.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from countyhub.analysis.plssem import engine
from countyhub.analysis.plssem.bootstrap import ResampleMoments, chunk_size
from countyhub.analysis.plssem.data import PreparedData
from countyhub.analysis.plssem.engine import Structure
from countyhub.analysis.results import Results
from countyhub.analysis.summary import Cell, Summary, SummaryTable

MEASURES = ("srmr", "d_uls", "d_g", "nfi")
QUANTILES = (0.95, 0.99)


def implied(
    r: np.ndarray, w: np.ndarray, derived: engine.PathEstimates, s: Structure
) -> tuple[np.ndarray, np.ndarray]:
    """(B, p, p) implied correlation matrices of the saturated and of the estimated model."""
    rows = np.arange(len(s.indicators))
    owner = s.block_of
    lam = derived.cross_loadings[:, rows, owner]  # (B, p)
    phi_saturated = derived.construct_cor
    phi_estimated = _implied_construct_cor(derived, s)
    out = []
    for phi in (phi_saturated, phi_estimated):
        spread = phi[:, owner[:, None], owner[None, :]]  # (B, p, p): phi of the two blocks
        sigma = lam[:, :, None] * lam[:, None, :] * spread
        for k, block in enumerate(s.blocks):
            if s.modes[k] == "B":
                sigma[:, block[:, None], block[None, :]] = r[:, block[:, None], block[None, :]]
        index = np.arange(len(s.indicators))
        sigma[:, index, index] = 1.0
        out.append(sigma)
    return out[0], out[1]


def _implied_construct_cor(derived: engine.PathEstimates, s: Structure) -> np.ndarray:
    """Construct correlations implied by the structural model (recursive, errors uncorrelated)."""
    k_count = s.n_constructs
    exogenous = [k for k in range(k_count) if not len(s.predecessors[k])]
    ex = np.array(exogenous, dtype=np.intp)
    psi = np.zeros_like(derived.construct_cor)
    psi[:, ex[:, None], ex[None, :]] = derived.construct_cor[:, ex[:, None], ex[None, :]]
    for k in s.endogenous:
        psi[:, k, k] = 1 - derived.r_squared[:, k]
    # eta = B' eta + zeta, with paths[:, j, k] the effect of j on k: eta = (I - B')^-1 zeta.
    inverse = np.linalg.inv(np.eye(k_count) - derived.paths.transpose(0, 2, 1))
    phi: np.ndarray = inverse @ psi @ inverse.transpose(0, 2, 1)
    return phi


def discrepancies(r: np.ndarray, sigma: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """SRMR, d_ULS, d_G and NFI of each implied matrix against the observed one (batched)."""
    p = r.shape[-1]
    diff = r - sigma
    lower = np.tril_indices(p)
    squares = diff[:, lower[0], lower[1]] ** 2
    srmr = np.sqrt(squares.sum(axis=1) / (p * (p + 1) / 2))
    d_uls = 0.5 * (diff**2).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        eig = np.linalg.eigvals(np.linalg.solve(r, sigma)).real
        d_g = 0.5 * (np.log(eig) ** 2).sum(axis=1)
        _, logdet_s = np.linalg.slogdet(r)
        _, logdet_sigma = np.linalg.slogdet(sigma)
        trace = np.einsum("bii->b", r @ np.linalg.inv(sigma))
        f_model = logdet_sigma + trace - logdet_s - p
        f_null = -logdet_s
        nfi = 1 - ((n - 1) * f_model) / ((n - 1) * f_null)
    return {"srmr": srmr, "d_uls": d_uls, "d_g": d_g, "nfi": nfi}


def transform_to_model(x: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Rows standardized and rotated so that their correlation matrix is ``sigma`` exactly."""
    z = engine.standardize(x)
    r = (z.T @ z) / (x.shape[0] - 1)
    out: np.ndarray = z @ _power(r, -0.5) @ _power(sigma, 0.5)
    return out


def _power(matrix: np.ndarray, exponent: float) -> np.ndarray:
    values, vectors = np.linalg.eigh(matrix)
    powered: np.ndarray = (vectors * np.clip(values, 1e-12, None) ** exponent) @ vectors.T
    return powered


@dataclass(frozen=True)
class FitResults(Results):
    """The fit measures of the saturated and the estimated model, with bootstrap quantiles
    (``quantiles[model][measure] = (q95, q99)``; empty without a bootstrap)."""

    values: dict[str, dict[str, float]]  # model -> measure -> value
    quantiles: dict[str, dict[str, tuple[float, float]]]
    resamples: int
    seed: int | None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"resamples": self.resamples, "seed": self.seed}
        for model, measures in self.values.items():
            out[model] = {}
            for name, value in measures.items():
                entry: dict[str, float | None] = {"value": value}
                bounds = self.quantiles.get(model, {}).get(name)
                if bounds is not None:
                    entry |= {"q95": bounds[0], "q99": bounds[1]}
                out[model][name] = entry
        return out

    def to_frame(self) -> Any:
        import pandas as pd  # deliberately lazy: the command line never needs pandas

        rows = {
            (model, name): [value, *self.quantiles.get(model, {}).get(name, (np.nan, np.nan))]
            for model, measures in self.values.items()
            for name, value in measures.items()
        }
        return pd.DataFrame(
            list(rows.values()),
            index=pd.MultiIndex.from_tuples(list(rows), names=["model", "measure"]),
            columns=["value", "q95", "q99"],
        )

    @property
    def summary(self) -> Summary:
        labels = {"srmr": "SRMR", "d_uls": "d_ULS", "d_g": "d_G", "nfi": "NFI"}
        columns = ["saturated", "estimated"]
        if self.quantiles:
            columns += ["estimated 95%", "estimated 99%"]
        rows: list[tuple[str, list[Cell]]] = []
        flagged = set()
        for name, label in labels.items():
            cells: list[Cell] = [self.values["saturated"][name], self.values["estimated"][name]]
            bounds = self.quantiles.get("estimated", {}).get(name)
            if bounds is not None:
                cells += [bounds[0], bounds[1]]
                if name != "nfi" and self.values["estimated"][name] > bounds[0]:
                    flagged.add((label, "estimated"))
            elif self.quantiles:
                cells += [None, None]
            rows.append((label, cells))
        if self.values["saturated"]["srmr"] > 0.08:
            flagged.add(("SRMR", "saturated"))
        note = "SRMR below 0.08 is the usual rule of thumb (flagged above it)."
        if self.quantiles:
            note += (
                " Quantiles: bootstrap of the data transformed to fit the estimated model"
                f" ({self.resamples} resamples); a value above its 95% quantile is flagged."
            )
        table = SummaryTable("Model fit", columns, rows, note=note, flagged=frozenset(flagged))
        return Summary("Model fit", [table])


def model_fit(
    x: np.ndarray,
    s: Structure,
    *,
    settings: dict[str, Any],
    resamples: int = 0,
    seed: int | None = None,
) -> FitResults:
    """The fit measures of the model on data ``x`` (rows x indicators, no missing values), with
    the bootstrap quantiles of ``resamples`` resamples when asked."""
    n = x.shape[0]
    r = engine.correlation(x)[None]
    values, sigma_estimated = _measures(r, s, settings, n)
    quantiles: dict[str, dict[str, tuple[float, float]]] = {}
    if resamples:
        quantiles = _bootstrap(x, sigma_estimated[0], s, settings, resamples, seed)
    return FitResults(
        values={
            model: {m: float(v[0]) for m, v in measures.items()}
            for model, measures in values.items()
        },
        quantiles=quantiles,
        resamples=resamples,
        seed=seed if resamples else None,
    )


def _measures(
    r: np.ndarray, s: Structure, settings: dict[str, Any], n: int
) -> tuple[dict[str, dict[str, np.ndarray]], np.ndarray]:
    fit = engine.estimate_weights(r, s, **settings)
    w = engine.fix_signs(fit.weights, r, s)
    derived = engine.derive(r, w, s)
    saturated, estimated = implied(r, w, derived, s)
    values = {
        "saturated": discrepancies(r, saturated, n),
        "estimated": discrepancies(r, estimated, n),
    }
    for measures in values.values():
        for v in measures.values():
            v[fit.failed | derived.failed] = np.nan
    return values, estimated


def _bootstrap(
    x: np.ndarray,
    sigma: np.ndarray,
    s: Structure,
    settings: dict[str, Any],
    resamples: int,
    seed: int | None,
) -> dict[str, dict[str, tuple[float, float]]]:
    """Quantiles of the discrepancies over resamples of the model-fitting transformed data."""
    transformed = transform_to_model(x, sigma)
    moments = ResampleMoments(PreparedData(transformed, transformed, "listwise", 0, 0))
    n = x.shape[0]
    generator = np.random.Generator(np.random.PCG64(seed))
    collected: dict[str, dict[str, list[np.ndarray]]] = {
        model: {m: [] for m in MEASURES} for model in ("saturated", "estimated")
    }
    chunk = chunk_size(n)
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        drawn = generator.integers(0, n, size=(size, n), dtype=np.intp)
        offsets = (drawn + (np.arange(size) * n)[:, None]).ravel()
        counts = np.bincount(offsets, minlength=size * n).reshape(size, n)
        values, _ = _measures(moments.from_counts(counts.astype(np.float64)), s, settings, n)
        for model, measures in values.items():
            for m, v in measures.items():
                collected[model][m].append(v)
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for model, lists in collected.items():
        out[model] = {}
        for m, parts in lists.items():
            draws = np.concatenate(parts)
            draws = draws[np.isfinite(draws)]
            q95, q99 = np.quantile(draws, QUANTILES)
            out[model][m] = (float(q95), float(q99))
    return out
