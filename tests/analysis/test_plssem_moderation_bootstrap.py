"""The two-stage moderation bootstrap re-runs stage 1 in every resample, as seminr-py does: the
bootstrap SDs agree on the same resamples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import seminr as sm

from countyhub.analysis.plssem import PLSModel

from .plssem_support import CORP_REP, CORP_REP_MODEL

TOL = 1e-8


@pytest.mark.parametrize(("iv", "moderator"), [("CUSA", "LIKE"), ("COMP", "LIKE")])
def test_two_stage_bootstrap_agrees_with_seminr(iv, moderator):
    text = CORP_REP_MODEL + f"CUSL ~ {iv}:{moderator}\n"
    ours = PLSModel.from_syntax(text, CORP_REP, na="-99").fit()
    constructs = sm.constructs(
        sm.composite("COMP", ["comp_1", "comp_2", "comp_3"]),
        sm.composite("LIKE", ["like_1", "like_2", "like_3"]),
        sm.composite("CUSA", ["cusa"]),
        sm.composite("CUSL", ["cusl_1", "cusl_2", "cusl_3"]),
        sm.interaction_term(iv=iv, moderator=moderator, method=sm.two_stage),
    )
    relations = sm.relationships(
        sm.paths(from_=["COMP", "LIKE"], to="CUSA"),
        sm.paths(from_=["COMP", "LIKE", "CUSA", f"{iv}*{moderator}"], to="CUSL"),
    )
    peer = sm.estimate_pls(pd.read_csv(CORP_REP), constructs, relations, missing_value=-99)
    indices = np.random.default_rng(15).integers(0, ours.n, size=(30, ours.n))
    boot = ours.bootstrap(indices=indices, effect_sizes=False)
    theirs = sm.bootstrap_model(peer, indices=indices)
    assert boot.failed == theirs.fails == 0
    stat = boot.statistics["paths"]
    desc = theirs.paths_descriptives
    checked = 0
    for index, (a, b) in enumerate(stat.labels):
        if ":" in a:
            continue  # seminr's interaction path is in product units, rescaled per resample
        i = desc.rows.index(a)
        assert stat.std_error[index] == pytest.approx(
            desc.values[i, desc.cols.index(f"{b} Boot SD")], abs=TOL
        ), (a, b)
        checked += 1
    assert checked == 5
    r2 = boot.statistics["r_squared"]
    assert r2.labels == [("CUSA",), ("CUSL",)]
