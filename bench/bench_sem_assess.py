"""PLS-SEM assessment speed: the SRMR bootstrap and PLSpredict, countyhub against seminr-py.

One run, side by side, with the ratios:
1. SRMR bootstrap (5000 resamples; --quick 1000) on corp_rep and on the 20,000 x 24 model. seminr-py
   has no SRMR: the peer does the same work with its own estimator (estimate_pls on each resample
   of the model-fitting transformed data, SRMR from its loadings and construct correlations), timed
   on a sample of resamples and scaled linearly (its cost is proportional to them).
2. PLSpredict, 10 folds x 10 repetitions (direct antecedents), on corp_rep and on the large model.
   seminr-py's predict_pls has no repetitions: it runs once per repetition with the same orderings
   (on the large model one repetition is timed and scaled by 10).
Usage: python bench/bench_sem_assess.py [--quick]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from analysis.plssem_support import CORP_REP, CORP_REP_MODEL, seminr_model  # noqa: E402
from bench_sem import LARGE_MODEL, large_survey, row, timed  # noqa: E402
from countyhub.analysis.plssem import PLSModel, engine  # noqa: E402
from countyhub.analysis.plssem.fit import implied, transform_to_model  # noqa: E402


def seminr_srmr(spec, frame: pd.DataFrame, structure) -> float:  # type: ignore[no-untyped-def]
    """One seminr-py estimate and the saturated SRMR from its loadings and score correlations."""
    fit = seminr_model(spec, frame)
    items = list(structure.indicators)
    r = np.corrcoef(frame[items].to_numpy(), rowvar=False)
    loadings = fit.outer_loadings.select_rows(tuple(items)).values.sum(axis=1)
    scores = fit.construct_scores.values
    phi = np.corrcoef(scores, rowvar=False)
    owner = structure.block_of
    sigma = np.outer(loadings, loadings) * phi[np.ix_(owner, owner)]
    for k, block in enumerate(structure.blocks):
        if structure.modes[k] == "B":
            sigma[np.ix_(block, block)] = r[np.ix_(block, block)]
    np.fill_diagonal(sigma, 1.0)
    lower = np.tril_indices(len(items))
    return float(np.sqrt(((r - sigma)[lower] ** 2).mean()))


def srmr_bootstrap_peer(result, sample: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds seminr-py takes for ``sample`` resamples of the SRMR bootstrap."""
    s = result.structure
    x = result.model.prepared.values
    r = engine.correlation(x)[None]
    w = engine.fix_signs(engine.estimate_weights(r, s, scheme=result.scheme).weights, r, s)
    _, estimated = implied(r, w, engine.derive(r, w, s), s)
    transformed = pd.DataFrame(transform_to_model(x, estimated[0]), columns=list(s.indicators))
    rng = np.random.default_rng(1)
    start = time.perf_counter()
    for _ in range(sample):
        rows = rng.integers(0, len(transformed), len(transformed))
        seminr_srmr(result.model.spec, transformed.iloc[rows].reset_index(drop=True), s)
    return time.perf_counter() - start


def predict_peer(result, frame: pd.DataFrame, orderings: np.ndarray, na) -> float:  # type: ignore[no-untyped-def]
    import seminr as sm

    fit = seminr_model(result.model.spec, frame, missing_value=na)
    start = time.perf_counter()
    for order in orderings:
        sm.predict_pls(fit, no_folds=10, ordering=[int(i) for i in order])
    return time.perf_counter() - start


def main(quick: bool) -> None:
    print(f"{'work':<50} {'countyhub':>11}  {'peer':>11}  {'speed-up':>9}")
    resamples = 1000 if quick else 5000
    corp = pd.read_csv(CORP_REP)
    large = large_survey()
    cases = (
        ("corp_rep", PLSModel.from_syntax(CORP_REP_MODEL, corp, na=-99).fit(), corp, -99, 40),
        ("20k x 24", PLSModel.from_syntax(LARGE_MODEL, large).fit(), large, None, 4),
    )
    for name, result, frame, na, sample in cases:
        ours, fit = timed(lambda r=result: r.model_fit(resamples, seed=1))
        peer = srmr_bootstrap_peer(result, sample) * resamples / sample
        row(
            f"{name}: SRMR bootstrap, {resamples} resamples",
            ours,
            peer,
            f"seminr-py, {sample} scaled",
        )
        generator = np.random.Generator(np.random.PCG64(1))
        orderings = np.stack([generator.permutation(result.n) for _ in range(10)])
        ours_predict, _ = timed(lambda r=result, o=orderings: r.predict(folds=10, orderings=o))
        timed_reps = orderings if name == "corp_rep" else orderings[:1]
        peer_predict = predict_peer(result, frame, timed_reps, na) * 10 / len(timed_reps)
        row(
            f"{name}: PLSpredict 10 folds x 10 repetitions",
            ours_predict,
            peer_predict,
            "seminr-py predict_pls" + ("" if name == "corp_rep" else ", 1 rep scaled"),
        )
        print(
            f"    SRMR {fit.values['estimated']['srmr']:.4f}, 95% quantile "
            f"{fit.quantiles['estimated']['srmr'][0]:.4f}"
        )


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
