"""Higher-order constructs by the two-stage approach, against seminr-py's ``higher_composite``
on corp_rep: paths, R², loadings of both stages, and the bootstrap on the same resamples (both
stages re-run in every resample)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import seminr as sm

from countyhub.analysis.plssem import ModelSyntaxError, PLSModel

from .plssem_support import CORP_REP

TOL = 1e-8

ITEMS = {
    "COMP": ["comp_1", "comp_2", "comp_3"],
    "LIKE": ["like_1", "like_2", "like_3"],
    "CUSA": ["cusa"],
    "CUSL": ["cusl_1", "cusl_2", "cusl_3"],
    "ATTR": ["attr_1", "attr_2", "attr_3"],
}
LOWER = """
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
"""
# corporate reputation as a second-order construct of competence and likeability
EXOGENOUS = LOWER + "REP =~ COMP + LIKE\nCUSA ~ REP\nCUSL ~ REP + CUSA\n"
# ... and as an endogenous one, explained by attractiveness
ENDOGENOUS = (
    LOWER
    + "ATTR <~ attr_1 + attr_2 + attr_3\nREP <~ COMP + LIKE\nREP ~ ATTR\n"
    + "CUSA ~ REP\nCUSL ~ REP + CUSA\n"
)
PEER_PATHS = {
    "exogenous": [("REP", ["CUSA", "CUSL"]), ("CUSA", ["CUSL"])],
    "endogenous": [("ATTR", ["REP"]), ("REP", ["CUSA", "CUSL"]), ("CUSA", ["CUSL"])],
}


def _peer(case: str, frame: pd.DataFrame):  # type: ignore[no-untyped-def]
    specs = [sm.composite(name, items) for name, items in ITEMS.items() if name != "ATTR"]
    if case == "endogenous":
        specs.append(sm.composite("ATTR", ITEMS["ATTR"], weights=sm.mode_B))
        specs.append(sm.higher_composite("REP", ["COMP", "LIKE"], weights=sm.mode_B))
    else:
        specs.append(sm.higher_composite("REP", ["COMP", "LIKE"]))
    relations = sm.relationships(*[sm.paths(from_=a, to=b) for a, b in PEER_PATHS[case]])
    return sm.estimate_pls(frame, sm.constructs(*specs), relations, missing_value=-99)


@pytest.fixture(scope="module", params=["exogenous", "endogenous"])
def pair(request):
    text = EXOGENOUS if request.param == "exogenous" else ENDOGENOUS
    ours = PLSModel.from_syntax(text, CORP_REP, na="-99").fit()
    return ours, _peer(request.param, pd.read_csv(CORP_REP))


def test_paths_and_r_squared_agree_with_seminr(pair):
    ours, peer = pair
    names = ours.structure.constructs
    for j, k in ours.path_pairs():
        assert ours.path_matrix[j, k] == pytest.approx(
            peer.path_coef.get(names[j], names[k]), abs=TOL
        ), (names[j], names[k])
    r2 = ours.to_dict()["r_squared"]
    for construct, value in r2.items():
        assert value == pytest.approx(peer.r_squared.get("Rsq", construct), abs=TOL), construct


def test_loadings_and_weights_of_both_stages_agree_with_seminr(pair):
    ours, peer = pair
    out = ours.to_dict()
    for construct, items in out["outer_loadings"].items():
        for item, value in items.items():
            assert value == pytest.approx(peer.outer_loadings.get(item, construct), abs=TOL)
            weight = out["outer_weights"][construct][item]
            assert weight == pytest.approx(peer.outer_weights.get(item, construct), abs=TOL)
    first = out["higher_order"]["REP"]["first_stage"]
    assert out["higher_order"]["REP"]["dimensions"] == ["COMP", "LIKE"]
    for dimension, parts in first.items():
        for item, value in parts["outer_loadings"].items():
            assert value == pytest.approx(peer.outer_loadings.get(item, dimension), abs=TOL)
        for item, value in parts["outer_weights"].items():
            assert value == pytest.approx(peer.outer_weights.get(item, dimension), abs=TOL)


def test_the_higher_order_construct_is_named_in_every_output(pair):
    ours, _ = pair
    assert ours.higher_order == {"REP": ("COMP", "LIKE")}
    assert "REP of COMP and LIKE" in ours.methods()
    assert set(ours.to_dict()["constructs"]["REP"]["indicators"]) == {"COMP", "LIKE"}


def test_bootstrap_reruns_both_stages_as_seminr_does(pair):
    ours, peer = pair
    indices = np.random.default_rng(13).integers(0, ours.n, size=(40, ours.n))
    boot = ours.bootstrap(indices=indices, effect_sizes=False)
    theirs = sm.bootstrap_model(peer, indices=indices)
    assert boot.failed == theirs.fails == 0
    stat = boot.statistics["paths"]
    desc = theirs.paths_descriptives
    for index, (a, b) in enumerate(stat.labels):
        i = desc.rows.index(a)
        assert stat.mean[index] == pytest.approx(
            desc.values[i, desc.cols.index(f"{b} Boot Mean")], abs=TOL
        )
        assert stat.std_error[index] == pytest.approx(
            desc.values[i, desc.cols.index(f"{b} Boot SD")], abs=TOL
        )
    loads = boot.statistics["outer_loadings"]
    ldesc = theirs.loadings_descriptives
    for index, (construct, item) in enumerate(loads.labels):
        i = ldesc.rows.index(item)
        assert loads.std_error[index] == pytest.approx(
            ldesc.values[i, ldesc.cols.index(f"{construct} Boot SD")], abs=TOL
        ), (construct, item)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        (LOWER + "REP =~ COMP + like_1\nCUSA ~ REP\nCUSL ~ REP\n", "mixes them with columns", 6),
        (
            LOWER + "REP =~ COMP + LIKE\nTOP =~ REP + CUSA\nCUSL ~ TOP\n",
            "only second-order",
            7,
        ),
        (
            LOWER + "REP =~ COMP + LIKE\nCUSA ~ REP\nCUSL ~ LIKE\n",
            "dimension of the higher-order construct 'REP'",
            8,
        ),
        (
            LOWER + "REP =~ COMP + LIKE\nCUSA ~ REP\nCUSL ~ REP + CUSA + REP:CUSA\n",
            "not supported",
            8,
        ),
    ],
)
def test_bad_higher_order_models_name_the_line(text, message, line):
    with pytest.raises(ModelSyntaxError, match=message) as caught:
        PLSModel.from_syntax(text, CORP_REP, na="-99")
    assert caught.value.line == line
