"""Moderation by the product-indicator approach, against seminr-py's ``product_indicator`` on
corp_rep: paths, R², the loadings and weights of the product indicators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import seminr as sm

from countyhub.analysis.errors import AnalysisError
from countyhub.analysis.plssem import PLSModel

from .plssem_support import CORP_REP, CORP_REP_MODEL

TOL = 1e-8


def _peer(iv: str, moderator: str):  # type: ignore[no-untyped-def]
    constructs = sm.constructs(
        sm.composite("COMP", ["comp_1", "comp_2", "comp_3"]),
        sm.composite("LIKE", ["like_1", "like_2", "like_3"]),
        sm.composite("CUSA", ["cusa"]),
        sm.composite("CUSL", ["cusl_1", "cusl_2", "cusl_3"]),
        sm.interaction_term(iv=iv, moderator=moderator, method=sm.product_indicator),
    )
    relations = sm.relationships(
        sm.paths(from_=["COMP", "LIKE"], to="CUSA"),
        sm.paths(from_=["COMP", "LIKE", "CUSA", f"{iv}*{moderator}"], to="CUSL"),
    )
    return sm.estimate_pls(pd.read_csv(CORP_REP), constructs, relations, missing_value=-99)


@pytest.fixture(scope="module", params=[("COMP", "LIKE"), ("CUSA", "LIKE")], ids=str)
def pair(request):
    iv, moderator = request.param
    text = CORP_REP_MODEL + f"CUSL ~ {iv}:{moderator}\n"
    ours = PLSModel.from_syntax(text, CORP_REP, na="-99", interaction="product-indicator").fit()
    return ours, _peer(iv, moderator)


def _peer_name(name: str) -> str:
    return name.replace(":", "*")


def test_paths_and_r_squared_agree_with_seminr(pair):
    ours, peer = pair
    names = ours.structure.constructs
    (term,) = ours.moderation
    # seminr reports the interaction's path per unit of the (rescaled) product score
    assert term["path_product_units"] == pytest.approx(
        peer.path_coef.get(_peer_name(term["term"]), "CUSL"), abs=TOL
    )
    for j, k in ours.path_pairs():
        if ":" in names[j]:
            continue
        assert ours.path_matrix[j, k] == pytest.approx(
            peer.path_coef.get(_peer_name(names[j]), names[k]), abs=TOL
        ), (names[j], names[k])
    for construct, value in ours.to_dict()["r_squared"].items():
        assert value == pytest.approx(peer.r_squared.get("Rsq", construct), abs=TOL)


def test_product_indicators_and_their_loadings_agree_with_seminr(pair):
    ours, peer = pair
    out = ours.to_dict()
    term = next(c for c in out["constructs"] if ":" in c)
    iv, moderator = term.split(":")
    expected = [
        f"{a}*{b}"
        for a in out["constructs"][iv]["indicators"]
        for b in out["constructs"][moderator]["indicators"]
    ]
    assert out["constructs"][term]["indicators"] == expected
    (moderation,) = ours.moderation
    scale = moderation["path"] / moderation["path_product_units"]
    for construct, items in out["outer_loadings"].items():
        for item, value in items.items():
            peer_construct = _peer_name(construct)
            # seminr's loadings of the interaction are covariances with its rescaled score
            factor = scale if construct == term else 1.0
            assert value * factor == pytest.approx(
                peer.outer_loadings.get(item, peer_construct), abs=TOL
            )
            assert out["outer_weights"][construct][item] == pytest.approx(
                peer.outer_weights.get(item, peer_construct), abs=TOL
            )


def test_the_method_is_reported(pair):
    ours, _ = pair
    out = ours.to_dict()
    assert out["interaction_method"] == "product-indicator"
    assert "product-indicator approach" in ours.methods()
    assert "Moderation (product-indicator)" in str(ours.summary)
    boot = ours.bootstrap(30, seed=2, effect_sizes=False)
    assert boot.failed == 0


def test_the_two_approaches_differ_and_the_default_is_two_stage():
    text = CORP_REP_MODEL + "CUSL ~ COMP:LIKE\n"
    default = PLSModel.from_syntax(text, CORP_REP, na="-99").fit()
    assert default.to_dict()["interaction_method"] == "two-stage"
    assert default.to_dict()["constructs"]["COMP:LIKE"]["indicators"] == ["COMP:LIKE_intxn"]


def test_an_unknown_method_is_named():
    with pytest.raises(AnalysisError, match="interaction method 'orthogonal'"):
        PLSModel.from_syntax(CORP_REP_MODEL, CORP_REP, na="-99", interaction="orthogonal")


def test_bootstrap_rebuilds_the_products_in_every_resample_as_seminr_does(pair):
    ours, peer = pair
    indices = np.random.default_rng(14).integers(0, ours.n, size=(40, ours.n))
    boot = ours.bootstrap(indices=indices, effect_sizes=False)
    theirs = sm.bootstrap_model(peer, indices=indices)
    assert boot.failed == theirs.fails == 0
    stat = boot.statistics["paths"]
    desc = theirs.paths_descriptives
    for index, (a, b) in enumerate(stat.labels):
        if ":" in a:
            continue  # seminr's interaction path is in product units, rescaled per resample
        i = desc.rows.index(a)
        assert stat.std_error[index] == pytest.approx(
            desc.values[i, desc.cols.index(f"{b} Boot SD")], abs=TOL
        ), (a, b)
    weights = boot.statistics["outer_weights"]
    wdesc = theirs.weights_descriptives
    for index, (construct, item) in enumerate(weights.labels):
        i = wdesc.rows.index(item)
        column = wdesc.cols.index(f"{_peer_name(construct)} Boot SD")
        assert weights.std_error[index] == pytest.approx(wdesc.values[i, column], abs=TOL), (
            construct,
            item,
        )
