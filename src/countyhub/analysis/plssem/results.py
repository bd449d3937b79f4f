"""Estimation results: the PLS estimate, its quality criteria, and their renderings.

Where SmartPLS and seminr differ, countyhub follows SmartPLS (see :mod:`.evaluate`); weights are
also oriented so that a construct's indicators load positively on average (identical to both
peers whenever their estimate is oriented that way, which is the usual case).

Imports go one way: results -> bootstrap, report (the renderer takes plain data), evaluate,
engine. :mod:`.model` imports this module to fit; this module names ``PLSModel`` in annotations
only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from countyhub import __version__
from countyhub.analysis.errors import AnalysisError
from countyhub.analysis.plssem import consistent as plsc
from countyhub.analysis.plssem import engine, evaluate, report
from countyhub.analysis.plssem.bootstrap import (
    BootstrapResults,
    Estimation,
    Progress,
    StatisticSet,
    bootstrap,
)
from countyhub.analysis.plssem.engine import Structure, path_label
from countyhub.analysis.plssem.evaluate import (
    HTMT_THRESHOLD,
    RELIABILITY_COLUMNS,
    RELIABILITY_THRESHOLDS,
    VIF_THRESHOLD,
    VIF_THRESHOLD_FORMATIVE,
)
from countyhub.analysis.plssem.fit import FitResults, model_fit
from countyhub.analysis.plssem.formative import (
    FormativeAssessment,
    FormativeIndicator,
    redundancy_path,
)
from countyhub.analysis.plssem.groups import GroupComparison, compare_groups, split_groups
from countyhub.analysis.plssem.higher_order import FirstStage
from countyhub.analysis.plssem.interactions import ProductResamples, StageOne
from countyhub.analysis.plssem.predict import PredictResults, predict_pls
from countyhub.analysis.provenance import Provenance
from countyhub.analysis.results import Results
from countyhub.analysis.summary import Cell, Summary, SummaryTable

if TYPE_CHECKING:
    import pandas as pd

    # Type only: model.py imports this module to fit, and a results object keeps its model.
    from countyhub.analysis.plssem.model import PLSModel


@dataclass(frozen=True)
class PLSResults(Results):
    """A fitted PLS path model. Arrays are indexed by ``structure`` (constructs, indicators).

    The pandas views (``paths``, ``outer_loadings``, ``reliability`` ...) are built on first
    use and import pandas there, deliberately: `countyhub analyze sem` never needs a frame and
    starts faster without pandas (tests/analysis/test_plssem_cli.py checks that it stays out).
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
    # PLSc (consistent PLS): construct_cor, path_matrix, R², effects, VIF, f² and the loadings of
    # reflective constructs are corrected; weights, scores and cross-loadings stay PLS's.
    consistent: bool = False
    corrected_loadings: np.ndarray | None = field(default=None, repr=False)  # (p,) PLSc only
    inadmissible: tuple[str, ...] = ()  # PLSc: why the estimate is inadmissible, if it is
    uncorrected_paths: np.ndarray | None = field(default=None, repr=False)  # PLSc: PLS's paths
    uncorrected_r_squared: np.ndarray | None = field(default=None, repr=False)
    # Higher-order constructs (two-stage): each HOC's dimensions, the stage-1 estimate (the LOCs'
    # loadings and weights) and what the bootstrap re-runs as stage 1 on every resample.
    higher_order: dict[str, tuple[str, ...]] = field(default_factory=dict)
    first_stage: PLSResults | None = field(default=None, repr=False)
    first_stage_plan: FirstStage | None = field(default=None, repr=False)

    @property
    def estimator(self) -> str:
        """ "PLSc" (consistent PLS) or "PLS"."""
        return "PLSc" if self.consistent else "PLS"

    @cached_property
    def f_squared_values(self) -> np.ndarray:
        """(K, K) Cohen's f² of each path (NaN where there is none); computed on first use."""
        return evaluate.f_squared(
            self.indicator_cor,
            self.structure,
            self.r_squared_values,
            scheme=self.scheme,
            max_iter=self.max_iter,
            tol=self.tol,
            consistent=self.consistent,
        )

    @property
    def structure(self) -> Structure:
        return self.model.structure

    @property
    def n(self) -> int:
        return self.model.n

    @property
    def loadings(self) -> np.ndarray:
        """(p,) loading of each indicator on its own construct (PLSc: consistent loadings of the
        reflective constructs)."""
        if self.corrected_loadings is not None:
            return self.corrected_loadings
        owner = self.structure.block_of
        own: np.ndarray = self.cross_loadings[np.arange(len(owner)), owner]
        return own

    @property
    def own_weights(self) -> np.ndarray:
        owner = self.structure.block_of
        own: np.ndarray = self.weights[np.arange(len(owner)), owner]
        return own

    def path_pairs(self) -> list[tuple[int, int]]:
        return self.structure.path_pairs()

    def chain_label(self, chain: tuple[int, ...]) -> str:
        return path_label(*(self.structure.constructs[k] for k in chain))

    # pandas views -------------------------------------------------------------------------
    @cached_property
    def paths(self) -> pd.DataFrame:
        import pandas as pd  # deliberately lazy: see the class docstring

        names = self.structure.constructs
        return pd.DataFrame(self.path_matrix, index=names, columns=names)

    @cached_property
    def outer_loadings(self) -> pd.DataFrame:
        import pandas as pd  # deliberately lazy: see the class docstring

        s = self.structure
        return pd.DataFrame(
            self.loadings[:, None] * s.mask, index=s.indicators, columns=s.constructs
        )

    @cached_property
    def outer_weights(self) -> pd.DataFrame:
        import pandas as pd  # deliberately lazy: see the class docstring

        s = self.structure
        return pd.DataFrame(self.weights, index=s.indicators, columns=s.constructs)

    @cached_property
    def reliability(self) -> pd.DataFrame:
        import pandas as pd  # deliberately lazy: see the class docstring

        return pd.DataFrame(
            self.reliability_values, index=self.structure.constructs, columns=RELIABILITY_COLUMNS
        )

    @cached_property
    def htmt(self) -> pd.DataFrame:
        import pandas as pd  # deliberately lazy: see the class docstring

        names = self.structure.constructs
        return pd.DataFrame(self.htmt_matrix, index=names, columns=names)

    @cached_property
    def r_squared(self) -> pd.Series:
        import pandas as pd  # deliberately lazy: see the class docstring

        return pd.Series(self.r_squared_values, index=self.structure.constructs).dropna()

    @cached_property
    def construct_scores(self) -> pd.DataFrame:
        import pandas as pd  # deliberately lazy: see the class docstring

        return pd.DataFrame(self.scores, columns=self.structure.constructs)

    @property
    def fornell_larcker_matrix(self) -> np.ndarray:
        matrix = self.construct_cor.copy()
        np.fill_diagonal(matrix, np.sqrt(self.reliability_values[:, 3]))
        return matrix

    @cached_property
    def collinearity_flags(self) -> list[dict[str, Any]]:
        """Near-collinearity: indicators (``kind`` "outer") and predictors ("inner") whose VIF is
        above 5, or above 3 for the indicators of a formative (mode B) construct."""
        s = self.structure
        flags: list[dict[str, Any]] = []
        for i, item in enumerate(s.indicators):
            k = int(s.block_of[i])
            threshold = VIF_THRESHOLD_FORMATIVE if s.modes[k] == "B" else VIF_THRESHOLD
            if self.vif_outer_values[i] > threshold:
                flags.append(
                    {
                        "kind": "outer",
                        "construct": s.constructs[k],
                        "indicator": item,
                        "mode": s.modes[k],
                        "vif": float(self.vif_outer_values[i]),
                        "threshold": threshold,
                    }
                )
        for k in s.endogenous:
            for j, vif in zip(s.predecessors[k], self.vif_inner_values[k], strict=True):
                if vif > VIF_THRESHOLD:
                    flags.append(
                        {
                            "kind": "inner",
                            "construct": s.constructs[k],
                            "predictor": s.constructs[j],
                            "vif": float(vif),
                            "threshold": VIF_THRESHOLD,
                        }
                    )
        return flags

    @cached_property
    def warnings(self) -> list[str]:
        """What a reader must know before trusting the numbers, in every output."""
        out = [f"PLSc result inadmissible: {note}" for note in self.inadmissible]
        if not self.converged:
            out.append(
                f"The PLS algorithm did not converge in {self.max_iter} iterations (tol "
                f"{self.tol:g}): the estimates are not a solution; raise max_iter."
            )
        for flag in self.collinearity_flags:
            if flag["kind"] == "outer":
                kind = "formative indicators" if flag["mode"] == "B" else "indicators"
                out.append(
                    f"VIF of {flag['indicator']} in {flag['construct']} is {flag['vif']:.2f} "
                    f"(above {flag['threshold']:g} for {kind}): near-collinear."
                )
            else:
                out.append(
                    f"VIF of predictor {flag['predictor']} of {flag['construct']} is "
                    f"{flag['vif']:.2f} (above {flag['threshold']:g}): near-collinear predictors."
                )
        return out

    @cached_property
    def meta(self) -> dict[str, Any]:
        """The estimate's identity: package version, data source, a hash of the estimation data
        (after missing-value handling) and the model text. The run's stamp is :class:`Provenance`.
        """
        digest = hashlib.sha256(np.ascontiguousarray(self.model.prepared.values).tobytes())
        return {
            "countyhub": __version__,
            "source": self.model.table.source,
            "data_sha256": digest.hexdigest(),
            "model": self.model.spec.text,
        }

    @property
    def rows_note(self) -> str:
        """Rows used, dropped and why (or cells filled), with the columns responsible."""
        prepared = self.model.prepared
        total = prepared.raw.shape[0]
        per_column = np.isnan(prepared.raw).sum(axis=0)
        where = ", ".join(
            f"{self.structure.indicators[j]} {int(per_column[j])}"
            for j in np.flatnonzero(per_column)
        )
        if prepared.missing == "listwise":
            if not prepared.dropped_rows:
                return f"{self.n} rows used of {total}; none dropped (no missing values)"
            return (
                f"{self.n} rows used of {total}; {prepared.dropped_rows} dropped by listwise "
                f"deletion for missing values (missing cells per column: {where})"
            )
        if not prepared.filled_cells:
            return f"{self.n} rows used of {total}; none dropped; no missing values"
        return (
            f"{self.n} rows used of {total}; none dropped; {prepared.filled_cells} missing "
            f"cells replaced by their column's mean ({where})"
        )

    def methods(self, bootstrap: BootstrapResults | None = None) -> str:
        """The conventions used, as a paragraph for a methods section."""
        missing = (
            "missing values were replaced by the column mean (seminr's and SmartPLS's default)"
            if self.model.prepared.missing == "mean"
            else "rows with a missing indicator were dropped (listwise deletion)"
        )
        text = (
            f"The model was estimated with the PLS path algorithm (Lohmöller 1989) on "
            f"standardized indicators; {missing}. Inner weighting: {self.scheme} scheme; outer "
            f"weights by correlation (mode A) or regression (mode B); iterations stop when the "
            f"sum of absolute weight changes falls below {self.tol:g} (at most {self.max_iter}). "
            "Cronbach's alpha is standardized (on the indicator correlations); rho_A is "
            "Dijkstra-Henseler's; rho_C and AVE come from the outer loadings; HTMT follows "
            "Henseler, Ringle and Sarstedt (2015). f² re-estimates the model without the path; "
            "the VIF of a construct's only predictor is 1 (SmartPLS). Indicators with a VIF "
            f"above {VIF_THRESHOLD:g} (above {VIF_THRESHOLD_FORMATIVE:g} for formative, mode B, "
            "indicators) are flagged. Formative constructs are judged by their weights and VIFs, "
            "not by reliability thresholds."
        )
        if self.consistent:
            text += (
                " Consistent PLS (PLSc; Dijkstra & Henseler 2015, as seminr's PLSc and cSEM's "
                "disattenuate = TRUE): the construct correlations are divided by "
                "sqrt(rho_A_i rho_A_j), with rho_A = 1 for formative (mode B) and single-indicator "
                "constructs, which are not corrected; paths are OLS estimates on the corrected "
                "correlations, R², f², inner VIF and effects come from the same corrected system; "
                "reflective loadings are w sqrt(rho_A) / (w'w), and rho_C and AVE use them. "
                "Weights, scores, cross-loadings and HTMT are those of PLS. Inadmissible results "
                "(rho_A, a corrected correlation or a loading beyond 1, a corrected correlation "
                "matrix not positive semi-definite, R² outside [0, 1]) are reported, not clipped. "
                "Model fit, PLSpredict and group comparisons use the PLS (composite) estimate."
            )
        if self.higher_order:
            text += (
                " Higher-order constructs ("
                + ", ".join(f"{h} of {' and '.join(d)}" for h, d in self.higher_order.items())
                + ") follow the two-stage approach (Sarstedt et al. 2019, as seminr's "
                "higher_composite): stage 1 estimates the model with each higher-order construct "
                "replaced by its dimensions; stage 2 measures it by their stage-1 scores. The "
                "bootstrap re-runs both stages on every resample; model fit, PLSpredict and group "
                "comparisons take the dimension scores as estimated on the full sample."
            )
        if self.moderation and self.model.interaction == "product-indicator":
            text += (
                " Interactions follow the product-indicator approach (Kenny & Judd 1984; "
                "seminr's product_indicator): every product of one standardized indicator of "
                "each construct measures the interaction (mode A); the bootstrap builds the "
                "products again in every resample from its own means and SDs, as seminr."
            )
        elif self.moderation:
            text += (
                " Interactions follow the two-stage approach (Henseler & Chin 2010, as seminr): "
                "the main-effects model is estimated first and the product of the two "
                "standardized construct scores measures the interaction in the full model; the "
                "bootstrap re-runs the first stage and builds the product again in every "
                "resample, as seminr."
            )
        if bootstrap is not None:
            text += (
                f" The bootstrap drew {bootstrap.resamples} resamples of rows with replacement "
                f"(seed {bootstrap.seed}); t = estimate / bootstrap SD, p two-sided from "
                "Student's t with (valid resamples - 1) degrees of freedom; percentile and "
                f"bias-corrected and accelerated (BCa, jackknife acceleration) "
                f"{100 * (1 - bootstrap.alpha):g}% intervals. A single item's loading and weight "
                "are fixed at 1 (no t, no p). f² is re-estimated in every resample."
            )
            if bootstrap.consistent:
                text += (
                    " Every resample is corrected (PLSc) with its own rho_A; "
                    f"{bootstrap.inadmissible} resamples with an inadmissible PLSc estimate were "
                    "kept."
                )
        return text

    def provenance(
        self,
        bootstrap: BootstrapResults | None = None,
        command: str | None = None,
        *,
        seed: int | None = None,
    ) -> Provenance:
        """The stamp of this run: version, date, data file SHA-256, seed and command line.

        ``seed`` is the run's seed when a random step other than the bootstrap used it (group
        comparisons, PLSpredict, the model-fit bootstrap); otherwise the bootstrap's.
        """
        return Provenance.capture(
            self.model.table.source,
            seed=seed if seed is not None else None if bootstrap is None else bootstrap.seed,
            command=command,
        )

    # renderings ---------------------------------------------------------------------------
    def to_dict(
        self,
        bootstrap: BootstrapResults | None = None,
        *,
        provenance: Provenance | None = None,
    ) -> dict[str, Any]:
        """The JSON form (construct and indicator names as keys; a path is "FROM -> TO"),
        stamped with its provenance and methods; with ``bootstrap`` under "bootstrap"."""
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
        stamp = provenance or self.provenance(bootstrap)
        out: dict[str, Any] = {
            "provenance": stamp.to_dict(),
            "methods": self.methods(bootstrap),
            "meta": self.meta,
            "n": self.n,
            "rows": self.rows_note,
            "dropped_rows": prepared.dropped_rows,
            "filled_cells": prepared.filled_cells,
            "missing": prepared.missing,
            "estimator": self.estimator,
            "consistent": self.consistent,
            "inadmissible": list(self.inadmissible),
            "converged": self.converged,
            "warnings": self.warnings,
            "collinearity": self.collinearity_flags,
            "iterations": self.iterations,
            "weighting": self.scheme,
            "max_iter": self.max_iter,
            "tol": self.tol,
            "constructs": {
                m.construct: {"mode": m.mode, "indicators": list(m.indicators)}
                for m in self.model.spec.measurement
            },
            "higher_order": self._higher_order_dict(),
            "interaction_method": self.model.interaction if self.moderation else None,
            "outer_weights": per_construct(self.weights),
            "outer_loadings": per_construct(self.loadings[:, None] * s.mask),
            "cross_loadings": {
                item: {c: _num(self.cross_loadings[i, k]) for k, c in enumerate(names)}
                for i, item in enumerate(s.indicators)
            },
            "paths": {
                path_label(names[j], names[k]): _num(self.path_matrix[j, k])
                for j, k in self.path_pairs()
            },
            "r_squared": {c: _num(self.r_squared_values[names.index(c)]) for c in endogenous},
            "r_squared_adj": {
                c: _num(self.r_squared_adj_values[names.index(c)]) for c in endogenous
            },
            "model_selection": {
                name: {key: _num(value) for key, value in criteria.items()}
                for name, criteria in self.model_selection.items()
            },
            "moderation": self.moderation,
            "f_squared": {
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
        if self.consistent:
            assert self.uncorrected_paths is not None
            assert self.uncorrected_r_squared is not None
            out["rho_a"] = {c: _num(self.reliability_values[k, 1]) for k, c in enumerate(names)}
            out["uncorrected"] = {
                "paths": {
                    path_label(names[j], names[k]): _num(self.uncorrected_paths[j, k])
                    for j, k in self.path_pairs()
                },
                "r_squared": {
                    c: _num(self.uncorrected_r_squared[names.index(c)]) for c in endogenous
                },
            }
        if bootstrap is not None:
            out["bootstrap"] = bootstrap.to_dict()
        return out

    def to_frame(self) -> pd.DataFrame:
        """The structural model: one row per path, with its coefficient, f² and VIF."""
        import pandas as pd  # deliberately lazy: see the class docstring

        table = self._path_table()
        columns = ["coefficient", "f_squared", "vif"]
        if self.consistent:
            columns.append("pls_coefficient")
        return pd.DataFrame(
            [list(cells) for _, cells in table.rows],
            index=pd.Index([label for label, _ in table.rows], name="path"),
            columns=columns,
        )

    @cached_property
    def summary(self) -> Summary:
        s = self.structure
        names = s.constructs
        lines = [
            f"Observations: {self.rows_note}",
            *(
                [
                    "Estimator: PLSc (consistent PLS, Dijkstra & Henseler 2015): correlations of "
                    "reflective constructs corrected by rho_A; formative and single-item "
                    "constructs uncorrected"
                ]
                if self.consistent
                else []
            ),
            f"Weighting scheme: {self.scheme}; "
            + ("converged" if self.converged else "DID NOT CONVERGE")
            + f" after {self.iterations} iterations (tol {self.tol:g}, max {self.max_iter})",
        ]
        if self.higher_order:
            lines.append(
                "Higher-order constructs (two-stage, measured by their dimensions' stage-1 "
                "scores): "
                + "; ".join(f"{h} =~ {' + '.join(d)}" for h, d in self.higher_order.items())
            )
        if self.warnings:
            lines += ["Warnings:", *(f"  ! {w}" for w in self.warnings)]
        r2 = SummaryTable(
            "Explained variance and model selection",
            ("R²", "adjusted R²", "AIC", "BIC", "GM"),
            [
                (
                    names[k],
                    [
                        float(self.r_squared_values[k]),
                        float(self.r_squared_adj_values[k]),
                        self.model_selection[names[k]]["aic"],
                        self.model_selection[names[k]]["bic"],
                        self.model_selection[names[k]]["gm"],
                    ],
                )
                for k in s.endogenous
            ],
            note="AIC, BIC and GM (Geweke-Meese: SSE over the saturated regression's mean "
            "squared error, plus (k + 1) log n) of each construct's regression on its predictors "
            "(lower is better when comparing models on the same data).",
        )
        outer_flags = {
            (f"{f['construct']}: {f['indicator']}", "VIF")
            for f in self.collinearity_flags
            if f["kind"] == "outer"
        }
        outer = SummaryTable(
            "Measurement model",
            ("mode", "loading", "weight", "VIF"),
            [
                (
                    f"{names[s.block_of[i]]}: {item}",
                    [
                        s.modes[s.block_of[i]],
                        float(self.loadings[i]),
                        float(self.own_weights[i]),
                        float(self.vif_outer_values[i]),
                    ],
                )
                for i, item in enumerate(s.indicators)
            ],
            note=f"VIF above {VIF_THRESHOLD:g} (above {VIF_THRESHOLD_FORMATIVE:g} for mode B "
            "indicators) is flagged."
            + (
                " PLSc: consistent loadings w sqrt(rho_A) / (w'w) for reflective constructs."
                if self.consistent
                else ""
            ),
            flagged=frozenset(outer_flags),
        )
        tables = [self._path_table(), r2, outer, self._reliability_table()]
        tables.append(
            _square_table(
                "Fornell-Larcker criterion",
                names,
                self.fornell_larcker_matrix,
                lower=True,
                note="Diagonal: square root of AVE; below it: construct correlations"
                + (" (PLSc: corrected by rho_A)." if self.consistent else "."),
            )
        )
        tables.append(
            _square_table(
                "Heterotrait-monotrait ratio (HTMT)",
                names,
                self.htmt_matrix,
                lower=False,
                note=f"Values of {HTMT_THRESHOLD:.2f} or more are flagged.",
                threshold=HTMT_THRESHOLD,
            )
        )
        effects: list[tuple[str, list[Cell]]] = [
            (path_label(names[j], names[k]), ["total", float(self.total_matrix[j, k])])
            for j, k in zip(*np.nonzero(self.total_matrix), strict=True)
        ]
        effects += [
            (self.chain_label(chain), ["specific indirect", float(value)])
            for chain, value in zip(self.chains, self.chain_values, strict=True)
        ]
        tables.append(SummaryTable("Total and indirect effects", ("kind", "effect"), effects))
        stage1 = self._higher_order_dict()
        if stage1:
            tables.append(
                SummaryTable(
                    "Higher-order constructs: stage-1 loadings and weights of the dimensions",
                    ("loading", "weight"),
                    [
                        (
                            f"{h} / {d}: {item}",
                            [loading, parts["outer_weights"][item]],
                        )
                        for h, entry in stage1.items()
                        for d, parts in entry["first_stage"].items()
                        for item, loading in parts["outer_loadings"].items()
                    ],
                )
            )
        if self.moderation:
            tables.append(
                SummaryTable(
                    f"Moderation ({self.model.interaction})",
                    ("path", "product units", "slope at -1 SD", "at mean", "at +1 SD"),
                    [
                        (
                            f"{m['term']} -> {m['target']}",
                            [
                                m["path"],
                                m["path_product_units"],
                                *m["simple_slopes"].values(),
                            ],
                        )
                        for m in self.moderation
                    ],
                    note="Slopes of the first construct on the target at the moderator's -1 SD, "
                    "mean and +1 SD; product units: per unit of the product of the two "
                    "standardized scores (seminr's path_coef).",
                )
            )
        return Summary(
            "PLS-SEM estimate (PLSc)" if self.consistent else "PLS-SEM estimate", tables, lines
        )

    def _path_table(self) -> SummaryTable:
        s = self.structure
        names = s.constructs
        uncorrected = self.uncorrected_paths
        return SummaryTable(
            "Path coefficients (PLSc)" if self.consistent else "Path coefficients",
            ("coefficient", "f²", "VIF", *(["PLS (uncorrected)"] if self.consistent else [])),
            [
                (
                    path_label(names[j], names[k]),
                    [
                        float(self.path_matrix[j, k]),
                        float(self.f_squared_values[j, k]),
                        float(self.vif_inner_values[k][list(s.predecessors[k]).index(j)]),
                        *([] if uncorrected is None else [float(uncorrected[j, k])]),
                    ],
                )
                for j, k in self.path_pairs()
            ],
            note=f"Predictor VIF above {VIF_THRESHOLD:g} is flagged."
            + (
                " PLSc: coefficients, f² and VIF from the rho_A-corrected construct correlations."
                if self.consistent
                else ""
            ),
            flagged=frozenset(
                (path_label(f["predictor"], f["construct"]), "VIF")
                for f in self.collinearity_flags
                if f["kind"] == "inner"
            ),
        )

    def _reliability_table(self) -> SummaryTable:
        names = self.structure.constructs
        flagged = set()
        for k, name in enumerate(names):
            if self.structure.modes[k] == "B":
                continue  # composites are judged by their weights and VIFs, not by these
            for c, (key, heading) in enumerate(
                zip(RELIABILITY_COLUMNS, _RELIABILITY_HEADINGS, strict=True)
            ):
                if self.reliability_values[k, c] < RELIABILITY_THRESHOLDS[key]:
                    flagged.add((name, heading))
        return SummaryTable(
            "Construct reliability and validity",
            _RELIABILITY_HEADINGS,
            [(name, list(map(float, self.reliability_values[k]))) for k, name in enumerate(names)],
            note="Thresholds: alpha, rho_A and rho_C >= 0.70; AVE >= 0.50 (flagged cells fall "
            "short; mode B constructs are not judged by them). Alpha is standardized; rho_A is "
            "Dijkstra-Henseler (1 for mode B and single items).",
            flagged=frozenset(flagged),
        )

    def to_html(
        self,
        bootstrap: BootstrapResults | None = None,
        *,
        provenance: Provenance | None = None,
        prediction: PredictResults | None = None,
        fit: FitResults | None = None,
        formative: FormativeAssessment | None = None,
        groups: GroupComparison | None = None,
    ) -> str:
        """A self-contained HTML report (path diagram, reliability, validity, bootstrap), stamped
        with its provenance and a methods paragraph."""
        diagram = report.path_diagram_svg(
            self.structure,
            self.path_matrix,
            self.r_squared_values,
            None if bootstrap is None else bootstrap.path_pvalues(),
            outer=np.where(
                np.array(self.structure.modes)[self.structure.block_of] == "B",
                self.own_weights,
                self.loadings,
            ),
        )
        if self.moderation:
            diagram += report.simple_slopes_svg(self.moderation)
        return report.html_report(
            model_text=self.model.spec.text,
            source=self.model.table.source,
            n=self.n,
            diagram=diagram,
            warnings=self.warnings,
            provenance=provenance or self.provenance(bootstrap),
            methods=self.methods(bootstrap),
            title="PLS-SEM report (PLSc)" if self.consistent else "PLS-SEM report",
            summaries=[
                self.summary,
                *([] if fit is None else [fit.summary]),
                *([] if formative is None else [formative.summary]),
                *([] if bootstrap is None else [bootstrap.summary]),
                *([] if prediction is None else [prediction.summary]),
                *([] if groups is None else [groups.summary]),
            ],
        )

    def bootstrap(
        self,
        n: int = 5000,
        *,
        seed: int | None = None,
        n_jobs: int = 2,
        progress: Progress | None = None,
        alpha: float = 0.05,
        indices: np.ndarray | None = None,
        effect_sizes: bool = True,
    ) -> BootstrapResults:
        """Bootstrap the estimate; see :func:`countyhub.analysis.plssem.bootstrap.bootstrap`.

        ``effect_sizes``: also bootstrap f² (the model re-estimated without each path in every
        resample: about 2.5 times the time on the primer's model). With a PLSc estimate every
        resample is corrected again with its own rho_A.
        """
        estimation = self._estimation(effect_sizes)
        prepared = self.model.prepared
        if self.first_stage is not None and self.first_stage_plan is not None:
            # Both stages are re-run on every resample of the items.
            prepared = self.first_stage.model.prepared
            estimation = dataclasses.replace(estimation, first_stage=self.first_stage_plan)
        elif self.moderation:
            estimation = dataclasses.replace(estimation, products=self._product_resamples())
        return bootstrap(
            prepared,
            estimation,
            n=n,
            seed=seed,
            n_jobs=n_jobs,
            progress=progress,
            alpha=alpha,
            indices=indices,
        )

    def predict(
        self,
        *,
        folds: int = 10,
        repetitions: int = 10,
        seed: int | None = None,
        technique: str = "DA",
        orderings: np.ndarray | None = None,
    ) -> PredictResults:
        """PLSpredict: see :func:`countyhub.analysis.plssem.predict.predict_pls`."""
        return predict_pls(
            self.model.prepared.values,
            self.structure,
            folds=folds,
            repetitions=repetitions,
            seed=seed,
            technique=technique,
            settings={"scheme": self.scheme, "max_iter": self.max_iter, "tol": self.tol},
            orderings=orderings,
        )

    def model_fit(self, resamples: int = 0, *, seed: int | None = None) -> FitResults:
        """SRMR, d_ULS, d_G and NFI (saturated and estimated model), with the bootstrap 95% and
        99% quantiles of ``resamples`` resamples; see :mod:`countyhub.analysis.plssem.fit`."""
        if resamples < 0 or resamples == 1:
            raise AnalysisError("the model-fit bootstrap needs 0 or at least 2 resamples")
        return model_fit(
            self.model.prepared.values,
            self.structure,
            settings={"scheme": self.scheme, "max_iter": self.max_iter, "tol": self.tol},
            resamples=resamples,
            seed=seed,
        )

    def compare_groups(
        self,
        labels: Sequence[Any],
        *,
        column: str = "group",
        permutations: int = 1000,
        resamples: int | None = None,
        seed: int | None = None,
        min_size: int | None = None,
        alpha: float = 0.05,
        na: Sequence[str] = (),
        progress: Progress | None = None,
    ) -> GroupComparison:
        """MICOM and multi-group analysis for two groups; see :mod:`.groups`.

        ``labels`` give each data row's group (aligned with the rows of the data file or frame,
        before any listwise deletion); ``na`` are extra labels meaning "missing".
        """
        split = split_groups(
            list(labels),
            self.model.prepared,
            column=column,
            row_label=self.model.table.row_label,
            na=na,
        )
        return compare_groups(
            self.model.prepared.values,
            self.structure,
            split,
            pooled_weights=self.weights,
            settings={"scheme": self.scheme, "max_iter": self.max_iter, "tol": self.tol},
            permutations=permutations,
            resamples=resamples,
            seed=seed,
            min_size=min_size,
            alpha=alpha,
            progress=progress,
        )

    def formative(
        self,
        bootstrap: BootstrapResults | None = None,
        *,
        global_items: Mapping[str, np.ndarray] | None = None,
    ) -> FormativeAssessment | None:
        """The formative criteria of every mode B construct (None if there is none): weights
        with their bootstrap significance, VIF levels, and redundancy analysis for each construct
        given a global item (values aligned with the rows of the data file or frame)."""
        s = self.structure
        if "B" not in s.modes:
            return None
        indicators = []
        for i, item in enumerate(s.indicators):
            k = int(s.block_of[i])
            if s.modes[k] != "B":
                continue
            extra: dict[str, Any] = {}
            if bootstrap is not None:
                weights = bootstrap.statistics["outer_weights"]
                loadings = bootstrap.statistics["outer_loadings"]
                j = weights.labels.index((s.constructs[k], item))
                extra = {
                    "weight_pvalue": _num(weights.pvalue[j]),
                    "weight_ci": (float(weights.ci_low[j]), float(weights.ci_high[j])),
                    "loading_pvalue": _num(loadings.pvalue[j]),
                }
            indicators.append(
                FormativeIndicator(
                    s.constructs[k],
                    item,
                    float(self.own_weights[i]),
                    float(self.loadings[i]),
                    float(self.vif_outer_values[i]),
                    **extra,
                )
            )
        redundancy = {}
        prepared = self.model.prepared
        keep = (
            ~np.isnan(prepared.raw).any(axis=1)
            if prepared.missing == "listwise"
            else np.ones(prepared.raw.shape[0], dtype=bool)
        )
        settings = {"scheme": self.scheme, "max_iter": self.max_iter, "tol": self.tol}
        for construct, values in (global_items or {}).items():
            if construct not in s.constructs or s.modes[s.constructs.index(construct)] != "B":
                raise AnalysisError(f"redundancy analysis: {construct!r} is not a mode B construct")
            values = np.asarray(values, dtype=np.float64)
            if values.shape != (prepared.raw.shape[0],):
                raise AnalysisError(
                    f"redundancy analysis: the global item of {construct!r} has "
                    f"{values.shape[0]} values for {prepared.raw.shape[0]} rows"
                )
            block = s.blocks[s.constructs.index(construct)]
            redundancy[construct] = redundancy_path(
                prepared.values[:, block], values[keep], settings
            )
        return FormativeAssessment(tuple(indicators), redundancy)

    @cached_property
    def moderation(self) -> list[dict[str, Any]]:
        """Each interaction A:B -> Y: its standardized path, the path in units of the product of
        A's and B's standardized scores (seminr's ``path_coef``; for product indicators the
        score's scale is the loading-weighted mean SD of the products, as seminr), and the simple
        slopes of A on Y at B = -1, 0 and +1 SD: path(A) + path(A:B, product units) x B."""
        s = self.structure
        out = []
        for j, term in enumerate(s.constructs):
            if ":" not in term:
                continue
            iv, moderator = term.split(":")
            # seminr's scale of the interaction score (Henseler & Chin 2010): the loading-weighted
            # mean SD of its indicators; the SD of the product for the two-stage approach.
            block = s.blocks[j]
            item_sd = np.std(self.model.prepared.values[:, block], axis=0, ddof=1)
            weight = np.abs(self.loadings[block])
            product_sd = float((item_sd * weight).sum() / weight.sum())
            for k in np.flatnonzero(s.adjacency[j]):
                target = s.constructs[k]
                coefficient = float(self.path_matrix[j, k])
                per_product = coefficient / product_sd
                main = float(self.path_matrix[s.constructs.index(iv), k])
                out.append(
                    {
                        "term": term,
                        "iv": iv,
                        "moderator": moderator,
                        "target": target,
                        "path": coefficient,
                        "path_product_units": per_product,
                        "simple_slopes": {
                            "-1 SD": main - per_product,
                            "mean": main,
                            "+1 SD": main + per_product,
                        },
                    }
                )
        return out

    @cached_property
    def model_selection(self) -> dict[str, dict[str, float]]:
        """AIC, BIC and GM of each endogenous construct's regression on its predictors' scores.

        AIC and BIC as seminr's ``it_criteria`` (Sharma et al. 2019): n log(SSE / n) plus
        2 (k + 1), or (k + 1) log n, with SSE = (1 - R²)(n - 1) for scores of unit variance.
        GM (Geweke and Meese 1981) as Sharma et al. (2019) and Danks et al. (2020) compute it:
        SSE / MSE_sat + (k + 1) log n, where MSE_sat is the mean squared error of the saturated
        regression, the construct on every construct that is not itself or one of its
        descendants, on this fit's construct correlations (PLSc: the corrected ones). seminr
        has no GM; the saturated regression here is not re-estimated as a separate PLS model."""
        n = self.n
        s = self.structure
        out: dict[str, dict[str, float]] = {}
        for k in s.endogenous:
            size = len(s.predecessors[k]) + 1
            sse = (1 - self.r_squared_values[k]) * (n - 1)
            # An inadmissible PLSc R² of 1 or more leaves no error variance: no criterion.
            log_mse = n * math.log(sse / n) if sse > 0 else math.nan
            mse_saturated = (1 - self._saturated_r_squared(k)) * (n - 1) / n
            gm = sse / mse_saturated + size * math.log(n) if sse > 0 < mse_saturated else math.nan
            out[s.constructs[k]] = {
                "aic": 2 * size + log_mse,
                "bic": log_mse + size * math.log(n),
                "gm": gm,
            }
        return out

    def _saturated_r_squared(self, k: int) -> float:
        """R² of construct k on every other construct that is not one of its descendants."""
        adjacency = self.structure.adjacency != 0
        descendants: set[int] = set()
        frontier = [k]
        while frontier:
            for j in np.flatnonzero(adjacency[frontier.pop()]):
                if int(j) not in descendants:
                    descendants.add(int(j))
                    frontier.append(int(j))
        others = [j for j in range(self.structure.n_constructs) if j != k and j not in descendants]
        r = self.construct_cor
        c = r[others, k]
        return float(c @ np.linalg.solve(r[np.ix_(others, others)], c))

    def _product_resamples(self) -> ProductResamples:
        """The items and the pairs behind each product column, for the bootstrap: two items
        ("a*b", product indicators) or two stage-1 constructs ("A:B_intxn", two-stage)."""
        s = self.structure
        prepared = self.model.prepared
        products = [i for i, name in enumerate(s.indicators) if "*" in name or ":" in name]
        items = [i for i in range(len(s.indicators)) if i not in products]
        names = [s.indicators[i] for i in items]
        fill = prepared.missing == "mean"
        values = (prepared.raw if fill else prepared.values)[:, items]
        if self.model.interaction == "product-indicator":
            pairs = tuple(
                (names.index(a), names.index(b))
                for a, b in (s.indicators[i].split("*") for i in products)
            )
            return ProductResamples(values, pairs, fill)
        main = [k for k, name in enumerate(s.constructs) if ":" not in name]
        keep = np.ix_(main, main)
        stage_one = Structure(
            tuple(s.constructs[k] for k in main),
            tuple(names),
            tuple(s.blocks[k] for k in main),
            tuple(s.modes[k] for k in main),
            s.adjacency[keep],
        )
        constructs = stage_one.constructs
        pairs = tuple(
            (constructs.index(a), constructs.index(b))
            for a, b in (s.indicators[i].removesuffix("_intxn").split(":") for i in products)
        )
        return ProductResamples(values, pairs, fill, StageOne(stage_one, self.scheme))

    def _higher_order_dict(self) -> dict[str, Any]:
        """Each higher-order construct: its dimensions and their stage-1 loadings and weights."""
        if self.first_stage is None:
            return {}
        first = self.first_stage
        s1 = first.structure
        out: dict[str, Any] = {}
        for construct, dimensions in self.higher_order.items():
            stage1: dict[str, Any] = {}
            for dimension in dimensions:
                k = s1.constructs.index(dimension)
                block = s1.blocks[k]
                stage1[dimension] = {
                    "outer_loadings": {s1.indicators[i]: _num(first.loadings[i]) for i in block},
                    "outer_weights": {s1.indicators[i]: _num(first.weights[i, k]) for i in block},
                }
            out[construct] = {"dimensions": list(dimensions), "first_stage": stage1}
        return out

    def _estimation(self, effect_sizes: bool = True) -> Estimation:
        """This estimate as the bootstrap re-estimates it: settings, statistics and their labels."""
        s = self.structure
        names, items = s.constructs, s.indicators
        owner = s.block_of
        pairs = self.path_pairs()
        totals = [(int(j), int(k)) for j, k in zip(*np.nonzero(self.total_matrix), strict=True)]
        htmt_pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
        labels: dict[str, list[tuple[str, ...]]] = {
            "paths": [(names[j], names[k]) for j, k in pairs],
            "outer_loadings": [(names[owner[i]], items[i]) for i in range(len(items))],
            "outer_weights": [(names[owner[i]], items[i]) for i in range(len(items))],
            "total_effects": [(names[j], names[k]) for j, k in totals],
            "indirect_effects": [tuple(names[k] for k in chain) for chain in self.chains],
            "htmt": [(names[i], names[j]) for i, j in htmt_pairs],
            "r_squared": [(names[k],) for k in s.endogenous],
            "f_squared": [(names[j], names[k]) for j, k in pairs] if effect_sizes else [],
            "reliability": [(name, measure) for name in names for measure in RELIABILITY_COLUMNS],
        }
        original = {
            "paths": np.array([self.path_matrix[j, k] for j, k in pairs]),
            "outer_loadings": self.loadings,
            "outer_weights": self.own_weights,
            "total_effects": np.array([self.total_matrix[j, k] for j, k in totals]),
            "indirect_effects": np.asarray(self.chain_values, dtype=np.float64),
            "htmt": np.array([self.htmt_matrix[i, j] for i, j in htmt_pairs]),
            "r_squared": self.r_squared_values[list(s.endogenous)],
            "f_squared": np.array(
                [self.f_squared_values[j, k] for j, k in pairs] if effect_sizes else []
            ),
            "reliability": self.reliability_values.reshape(-1),
        }
        return Estimation(
            structure=s,
            scheme=self.scheme,
            max_iter=self.max_iter,
            tol=self.tol,
            totals=totals,
            chains=self.chains,
            statistics=StatisticSet(labels, original),
            consistent=self.consistent,
            effect_sizes=effect_sizes,
        )


_RELIABILITY_HEADINGS = ("Cronbach's alpha", "rho_A", "Composite reliability (rho_C)", "AVE")


def _square_table(
    title: str,
    names: tuple[str, ...],
    matrix: np.ndarray,
    *,
    lower: bool,
    note: str = "",
    threshold: float | None = None,
) -> SummaryTable:
    rows: list[tuple[str, list[Cell]]] = []
    flagged = set()
    for i, a in enumerate(names):
        cells: list[Cell] = []
        for j, b in enumerate(names):
            keep = j <= i if lower else j < i
            value = float(matrix[i, j]) if keep else None
            cells.append(value)
            if keep and threshold is not None and value is not None and value >= threshold:
                flagged.add((a, b))
        rows.append((a, cells))
    return SummaryTable(title, names, rows, note=note, flagged=frozenset(flagged))


def _num(value: float) -> float | None:
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


# A correlation matrix whose smallest eigenvalue is below this (its eigenvalues sum to its size)
# is singular: exact linear dependence, or dependence up to rounding of the data.
RANK_TOLERANCE = 1e-9


def _dependent(matrix: np.ndarray) -> list[int] | None:
    """The variables that take part in a linear dependence of ``matrix``, or None if it has none.

    They are the non-zero entries of the eigenvectors of the (near-)zero eigenvalues: exactly the
    variables some combination of which is constant.
    """
    values, vectors = np.linalg.eigh(matrix)
    null = vectors[:, values < RANK_TOLERANCE * matrix.shape[0]]
    if null.shape[1] == 0:
        return None
    return [int(i) for i in np.flatnonzero(np.abs(null).max(axis=1) > 1e-6)]


def _check_blocks(structure: Structure, r: np.ndarray) -> None:
    """Refuse a block whose indicators are linearly dependent, naming the indicators involved."""
    for k, block in enumerate(structure.blocks):
        if len(block) < 2:
            continue
        involved = _dependent(r[np.ix_(block, block)])
        if involved is None:
            continue
        name = structure.constructs[k]
        items = ", ".join(structure.indicators[block[i]] for i in involved)
        what = (
            "an exact copy (up to scale) of each other"
            if len(involved) == 2
            else "one is an exact linear combination of the others"
        )
        consequence = (
            "its mode B weights cannot be estimated"
            if structure.modes[k] == "B"
            else "their VIFs are infinite and the block measures less than it claims"
        )
        raise AnalysisError(
            f"the indicators of {name!r} ({items}) are linearly dependent ({what}), so "
            f"{consequence}; drop one of them from {name!r}"
        )


def _check_inner(structure: Structure, construct_cor: np.ndarray) -> None:
    """Refuse an endogenous construct whose predictors' scores are perfectly collinear."""
    for k in structure.endogenous:
        pred = structure.predecessors[k]
        if len(pred) < 2:
            continue
        sub = construct_cor[np.ix_(pred, pred)]
        involved = list(range(len(pred))) if not np.isfinite(sub).all() else _dependent(sub)
        if involved is None:
            continue
        names = ", ".join(structure.constructs[pred[i]] for i in involved)
        raise AnalysisError(
            f"the predictors of {structure.constructs[k]!r} ({names}) are perfectly collinear: "
            "the scores of one are a linear combination of the others, so their paths cannot "
            "be separated; drop one of them or merge their indicators into one construct"
        )


def _sum_score_cor(r: np.ndarray, structure: Structure) -> np.ndarray:
    """Construct correlations of unit-weight sum scores: the algorithm's first step."""
    w = structure.mask
    cov = w.T @ r @ w
    sd = np.sqrt(np.diag(cov))
    out: np.ndarray = cov / np.outer(sd, sd)
    return out


def _correct(r: np.ndarray, w: np.ndarray, s: Structure) -> plsc.Correction:
    """The PLSc correction of one estimate, refused with the construct named when undefined."""
    correction = plsc.correct(r[None], w[None], s)
    if correction.failed[0]:
        rho = correction.rho_a[0]
        negative = np.flatnonzero(~(rho > 0))
        if negative.size:
            values = ", ".join(f"{s.constructs[k]} ({rho[k]:.3f})" for k in negative)
            raise AnalysisError(
                f"PLSc is undefined: rho_A is not positive for {values}; the indicators of "
                "these constructs do not measure one common factor (revise the blocks or "
                "estimate without --consistent)"
            )
        raise AnalysisError(
            "PLSc is undefined: the corrected construct correlations of some endogenous "
            "construct's predictors are singular"
        )
    return correction


def estimate(
    model: PLSModel, *, scheme: str, max_iter: int, tol: float, consistent: bool = False
) -> PLSResults:
    """Fit ``model``; see :meth:`PLSModel.fit`."""
    s = model.structure
    x = model.prepared.values
    n = x.shape[0]
    r = engine.correlation(x)
    _check_blocks(s, r)
    _check_inner(s, _sum_score_cor(r, s))
    fit, w = engine.fit_weights(r, s, scheme=scheme, max_iter=max_iter, tol=tol)
    derived = engine.derive(r[None], w[None], s)
    _check_inner(s, derived.construct_cor[0])
    if fit.failed[0] or derived.failed[0]:
        raise AnalysisError(
            "the estimate is singular: the PLS algorithm met a singular system it could not solve"
        )
    construct_cor = derived.construct_cor[0]
    paths, total, r2 = derived.paths[0], derived.total_effects[0], derived.r_squared[0]
    cross = derived.cross_loadings[0]
    loadings = cross[np.arange(len(s.indicators)), s.block_of]
    extra: dict[str, Any] = {}
    if consistent:
        correction = _correct(r, w, s)
        construct_cor = correction.construct_cor[0]
        paths, total, r2 = correction.paths[0], correction.total_effects[0], correction.r_squared[0]
        loadings = correction.loadings[0]
        extra = {
            "consistent": True,
            "corrected_loadings": loadings,
            "inadmissible": tuple(plsc.inadmissible(correction, s)),
            "uncorrected_paths": derived.paths[0],
            "uncorrected_r_squared": derived.r_squared[0],
        }
    adj = np.full_like(r2, np.nan)
    for k in s.endogenous:
        m = len(s.predecessors[k])
        adj[k] = 1 - (1 - r2[k]) * (n - 1) / (n - m - 1)
    chains = s.indirect_chains()
    return PLSResults(
        model=model,
        scheme=scheme,
        max_iter=max_iter,
        tol=tol,
        iterations=int(fit.iterations[0]),
        converged=bool(fit.converged[0]),
        weights=w,
        cross_loadings=cross,
        construct_cor=construct_cor,
        path_matrix=paths,
        r_squared_values=r2,
        r_squared_adj_values=adj,
        total_matrix=total,
        reliability_values=evaluate.reliability(r, w, loadings, s),
        htmt_matrix=engine.htmt(r[None], s)[0],
        vif_outer_values=np.concatenate([evaluate.vif_diagonal(r[np.ix_(b, b)]) for b in s.blocks]),
        vif_inner_values={
            k: evaluate.vif_diagonal(construct_cor[np.ix_(s.predecessors[k], s.predecessors[k])])
            for k in s.endogenous
        },
        chains=chains,
        chain_values=engine.chain_effects(paths[None], chains)[0],
        scores=engine.standardize(x) @ w,
        indicator_cor=r,
        **extra,
    )
