"""PLSpredict: k-fold cross-validated predictions of the endogenous indicators, repeated.

As seminr's ``predict_pls`` (Shmueli et al. 2016, 2019): the rows are shuffled and cut into k
contiguous folds (R's ``cut(seq_len(n), k)``); for each fold the model is re-estimated on the other
rows, the held-out rows are standardized with the training means and SDs, their construct scores
(held-out indicators x training weights) predict the endogenous constructs through the training
paths, and the loadings turn those into indicator predictions on the original scale. The direct
antecedents technique ("DA", seminr's default) predicts each construct from its antecedents'
scores; "EA" propagates from the exogenous constructs. The linear-model benchmark regresses each
endogenous indicator on the indicators of its construct's antecedents (DA) or of the exogenous
constructs (EA), with an intercept, on the training rows.

Repetitions draw new shuffles; each row's out-of-sample predictions are averaged over them before
the metrics are taken (as SmartPLS does). Q²predict compares the PLS errors with those of the
training mean: 1 - SSE(PLS) / SSE(training mean). With one repetition the first shuffle is
seminr-py's for the same seed, so the numbers are seminr's to rounding
(tests/analysis/test_plssem_predict.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from countyhub.analysis.errors import AnalysisError
from countyhub.analysis.plssem import engine
from countyhub.analysis.plssem.engine import Structure
from countyhub.analysis.results import Results
from countyhub.analysis.summary import Cell, Summary, SummaryTable

if TYPE_CHECKING:
    import pandas as pd

TECHNIQUES = ("DA", "EA")
PREDICT_COLUMNS = ("pls_rmse", "pls_mae", "lm_rmse", "lm_mae", "q2_predict")


def fold_of_position(n: int, k: int) -> np.ndarray:
    """1-based fold of each position 0..n-1, as R's ``cut(seq_len(n), breaks=k)``."""
    fuzz = (n - 1) / 1000
    breaks = 1 + np.arange(k + 1) * (n - 1) / k
    breaks[0], breaks[k] = 1 - fuzz, n + fuzz
    folds: np.ndarray = np.searchsorted(breaks, np.arange(1, n + 1), side="left")
    return folds


def _antecedent_sets(s: Structure, technique: str) -> dict[int, list[int]]:
    exogenous = [k for k in range(s.n_constructs) if not len(s.predecessors[k])]
    return {k: list(s.predecessors[k]) if technique == "DA" else exogenous for k in s.endogenous}


def _predict_constructs(
    s: Structure, paths: np.ndarray, scores: np.ndarray, technique: str
) -> np.ndarray:
    if technique == "DA":
        out: np.ndarray = scores @ paths
        exogenous = [k for k in range(s.n_constructs) if not len(s.predecessors[k])]
        out[:, exogenous] = scores[:, exogenous]
        return out
    out = scores.copy()
    endogenous = list(s.endogenous)
    out[:, endogenous] = 0.0
    for _ in range(s.n_constructs):  # propagate in causal order (an acyclic model settles)
        out[:, endogenous] = (out @ paths)[:, endogenous]
    return out


@dataclass(frozen=True)
class _Fold:
    pls: np.ndarray  # (test rows, endogenous items)
    lm: np.ndarray
    naive: np.ndarray


def _one_fold(
    x: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    s: Structure,
    items: list[int],
    technique: str,
    settings: dict[str, Any],
) -> _Fold:
    xt = x[train]
    mean = xt.mean(axis=0)
    sd = xt.std(axis=0, ddof=1)
    r = engine.correlation(xt)
    fit, w = engine.fit_weights(r, s, **settings)
    derived = engine.derive(r[None], w[None], s)
    if fit.failed[0] or derived.failed[0]:
        raise AnalysisError("PLSpredict: the model cannot be estimated on one training fold")
    loadings = derived.cross_loadings[0] * s.mask
    scores = ((x[test] - mean) / sd) @ w
    predicted = _predict_constructs(s, derived.paths[0], scores, technique)
    pls = (predicted @ loadings.T)[:, items] * sd[items] + mean[items]
    lm = np.empty_like(pls)
    column = {item: c for c, item in enumerate(items)}
    for k, antecedents in _antecedent_sets(s, technique).items():
        regressors = np.array([i for a in antecedents for i in s.blocks[a]], dtype=np.intp)
        design_train = np.column_stack([np.ones(len(train)), xt[:, regressors]])
        design_test = np.column_stack([np.ones(len(test)), x[np.ix_(test, regressors)]])
        targets = [int(i) for i in s.blocks[k]]
        beta = np.linalg.lstsq(design_train, xt[:, targets], rcond=None)[0]
        lm[:, [column[i] for i in targets]] = design_test @ beta
    naive = np.broadcast_to(mean[items], pls.shape)
    return _Fold(pls, lm, naive)


@dataclass(frozen=True)
class PredictResults(Results):
    """PLSpredict metrics per endogenous indicator (arrays aligned with ``indicators``)."""

    indicators: tuple[str, ...]
    constructs: tuple[str, ...]  # the construct of each indicator
    folds: int
    repetitions: int
    seed: int | None
    technique: str
    pls_rmse: np.ndarray
    pls_mae: np.ndarray
    lm_rmse: np.ndarray
    lm_mae: np.ndarray
    q2_predict: np.ndarray
    predictions: np.ndarray  # (n, indicators): PLS out-of-sample, averaged over repetitions

    def to_dict(self) -> dict[str, Any]:
        return {
            "folds": self.folds,
            "repetitions": self.repetitions,
            "seed": self.seed,
            "technique": self.technique,
            "indicators": {
                item: {"construct": self.constructs[i]}
                | {name: float(getattr(self, name)[i]) for name in PREDICT_COLUMNS}
                for i, item in enumerate(self.indicators)
            },
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per endogenous indicator: PLS and LM RMSE and MAE, Q²predict."""
        import pandas as pd  # deliberately lazy: the command line never needs pandas

        return pd.DataFrame(
            {name: getattr(self, name) for name in PREDICT_COLUMNS},
            index=pd.Index(self.indicators, name="indicator"),
        ).assign(construct=list(self.constructs))

    @property
    def summary(self) -> Summary:
        rows: list[tuple[str, list[Cell]]] = [
            (
                f"{self.constructs[i]}: {item}",
                [float(getattr(self, name)[i]) for name in PREDICT_COLUMNS],
            )
            for i, item in enumerate(self.indicators)
        ]
        # A flagged cell: PLS predicts worse than the linear model, or no better than the mean.
        flagged = {
            (label, column)
            for i, (label, _) in enumerate(rows)
            for column, bad in (
                ("PLS RMSE", self.pls_rmse[i] > self.lm_rmse[i]),
                ("Q²predict", self.q2_predict[i] <= 0),
            )
            if bad
        }
        table = SummaryTable(
            "PLSpredict (out of sample)",
            ("PLS RMSE", "PLS MAE", "LM RMSE", "LM MAE", "Q²predict"),
            rows,
            note="Flagged: PLS RMSE above the linear model's, or Q²predict <= 0.",
            flagged=frozenset(flagged),
        )
        lines = [
            f"{self.folds}-fold cross-validation, {self.repetitions} repetitions (seed "
            f"{self.seed}), {self.technique} technique; predictions averaged over repetitions",
        ]
        return Summary("PLSpredict", [table], lines)


def predict_pls(
    x: np.ndarray,
    s: Structure,
    *,
    folds: int = 10,
    repetitions: int = 10,
    seed: int | None = None,
    technique: str = "DA",
    settings: dict[str, Any],
    orderings: np.ndarray | None = None,
) -> PredictResults:
    """Cross-validated predictions of the endogenous indicators of ``x`` (rows x indicators).

    ``orderings`` (repetitions x n, 0-based row permutations) replaces the seeded shuffles, e.g.
    to reproduce another program's folds.
    """
    if technique not in TECHNIQUES:
        raise AnalysisError(f"PLSpredict technique {technique!r}: use DA or EA")
    n = x.shape[0]
    if not 2 <= folds <= n:
        raise AnalysisError(f"PLSpredict needs between 2 and {n} folds, not {folds}")
    if repetitions < 1:
        raise AnalysisError("PLSpredict needs at least one repetition")
    items = [int(i) for k in s.endogenous for i in s.blocks[k]]
    generator = np.random.Generator(np.random.PCG64(seed))
    if orderings is None:
        orderings = np.stack([generator.permutation(n) for _ in range(repetitions)])
    position_fold = fold_of_position(n, folds)
    totals = {name: np.zeros((n, len(items))) for name in ("pls", "lm", "naive")}
    for order in orderings:
        for f in range(1, folds + 1):
            test, train = order[position_fold == f], order[position_fold != f]
            result = _one_fold(x, train, test, s, items, technique, settings)
            totals["pls"][test] += result.pls
            totals["lm"][test] += result.lm
            totals["naive"][test] += result.naive
    count = len(orderings)
    actual = x[:, items]
    errors = {name: actual - total / count for name, total in totals.items()}
    return PredictResults(
        indicators=tuple(s.indicators[i] for i in items),
        constructs=tuple(s.constructs[s.block_of[i]] for i in items),
        folds=folds,
        repetitions=count,
        seed=seed,
        technique=technique,
        pls_rmse=np.sqrt((errors["pls"] ** 2).mean(axis=0)),
        pls_mae=np.abs(errors["pls"]).mean(axis=0),
        lm_rmse=np.sqrt((errors["lm"] ** 2).mean(axis=0)),
        lm_mae=np.abs(errors["lm"]).mean(axis=0),
        q2_predict=1 - (errors["pls"] ** 2).sum(axis=0) / (errors["naive"] ** 2).sum(axis=0),
        predictions=totals["pls"] / count,
    )
