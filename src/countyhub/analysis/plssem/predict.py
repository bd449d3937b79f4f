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


class _Moments:
    """Sums and cross-products of the (centred) data, so that a training fold's moments are the
    totals minus its test rows': O(test rows) per fold instead of O(training rows)."""

    def __init__(self, x: np.ndarray) -> None:
        # Centring on the full-sample mean keeps the subtraction below free of cancellation.
        self.centre = x.mean(axis=0)
        self.x = x - self.centre
        self.sums = self.x.sum(axis=0)
        self.cross = self.x.T @ self.x

    def training(self, test: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
        """Rows, means and centred cross-products of the rows not in ``test``."""
        held = self.x[test]
        n = self.x.shape[0] - len(test)
        mean = (self.sums - held.sum(axis=0)) / n
        cross = self.cross - held.T @ held - n * np.outer(mean, mean)
        return n, mean, cross


def _predict_folds(
    moments: _Moments,
    tests: list[np.ndarray],
    s: Structure,
    items: list[int],
    technique: str,
    settings: dict[str, Any],
) -> list[_Fold]:
    """Every fold's predictions; the PLS estimates of all training sets run as one batch."""
    trained = [moments.training(test) for test in tests]
    sds = np.stack([np.sqrt(np.diag(cross) / (n - 1)) for n, _, cross in trained])
    r = np.stack(
        [cross / (n - 1) / np.outer(sd, sd) for (n, _, cross), sd in zip(trained, sds, strict=True)]
    )
    fit = engine.estimate_weights(r, s, **settings)
    w = engine.fix_signs(fit.weights, r, s)
    derived = engine.derive(r, w, s)
    if (fit.failed | derived.failed).any():
        raise AnalysisError("PLSpredict: the model cannot be estimated on one training fold")
    loadings = derived.cross_loadings * s.mask
    column = {item: c for c, item in enumerate(items)}
    antecedent_sets = _antecedent_sets(s, technique)
    centre = moments.centre[items]
    out = []
    for b, (test, (_, mean, cross)) in enumerate(zip(tests, trained, strict=True)):
        sd = sds[b]
        held = moments.x[test]
        scores = ((held - mean) / sd) @ w[b]
        predicted = _predict_constructs(s, derived.paths[b], scores, technique)
        pls = (predicted @ loadings[b].T)[:, items] * sd[items] + mean[items]
        lm = np.empty_like(pls)
        for k, antecedents in antecedent_sets.items():
            regressors = np.array([i for a in antecedents for i in s.blocks[a]], dtype=np.intp)
            targets = np.asarray(s.blocks[k], dtype=np.intp)
            # OLS with an intercept is OLS on the deviations from the training means.
            beta = np.linalg.solve(
                cross[np.ix_(regressors, regressors)], cross[np.ix_(regressors, targets)]
            )
            fitted = (held[:, regressors] - mean[regressors]) @ beta + mean[targets]
            lm[:, [column[int(i)] for i in targets]] = fitted
        naive = np.broadcast_to(mean[items], pls.shape)
        out.append(_Fold(pls + centre, lm + centre, naive + centre))
    return out


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
    moments = _Moments(x)
    totals = {name: np.zeros((n, len(items))) for name in ("pls", "lm", "naive")}
    tests = [order[position_fold == f] for order in orderings for f in range(1, folds + 1)]
    for test, result in zip(
        tests, _predict_folds(moments, tests, s, items, technique, settings), strict=True
    ):
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
