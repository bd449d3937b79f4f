"""Moderation by the two-stage approach, against seminr-py (reference written by
tests/analysis/reference/make_moderation_reference.py)."""

import json

import pytest

from countyhub.analysis.plssem import ModelSyntaxError, PLSModel

from .plssem_support import CORP_REP, CORP_REP_MODEL, REFERENCE

EXPECTED = json.loads((REFERENCE / "moderation_corp_rep.json").read_text())
MODERATED = CORP_REP_MODEL + "CUSL ~ CUSA:LIKE\n"


@pytest.fixture(scope="module")
def moderated():
    return PLSModel.from_syntax(MODERATED, CORP_REP, na="-99").fit()


def test_two_stage_paths_and_r_squared_match_seminr(moderated):
    paths = moderated.to_dict()["paths"]
    for label, value in EXPECTED["paths"].items():
        if ":" in label:
            continue
        assert paths[label] == pytest.approx(value, abs=1e-9), label
    (term,) = moderated.moderation
    assert term["path_product_units"] == pytest.approx(
        EXPECTED["paths"]["CUSA:LIKE -> CUSL"], abs=1e-9
    )
    for construct, value in EXPECTED["r_squared"].items():
        assert moderated.to_dict()["r_squared"][construct] == pytest.approx(value, abs=1e-9)


def test_simple_slopes_in_every_output(moderated):
    (term,) = moderated.moderation
    slopes = term["simple_slopes"]
    assert slopes["mean"] == pytest.approx(moderated.to_dict()["paths"]["CUSA -> CUSL"])
    assert slopes["+1 SD"] - slopes["mean"] == pytest.approx(term["path_product_units"])
    assert "Moderation (two-stage)" in str(moderated.summary)
    assert moderated.to_dict()["moderation"][0]["term"] == "CUSA:LIKE"
    page = moderated.to_html()
    assert "Simple slopes: CUSA:LIKE -&gt; CUSL" in page or "Simple slopes: CUSA:LIKE" in page
    boot = moderated.bootstrap(60, seed=1)
    assert ("CUSA:LIKE", "CUSL") in boot.statistics["paths"].labels


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("CUSA:LIKE ~ COMP\n", "it can only be a predictor"),
        ("CUSL ~ CUSA:CUSA\n", "two different constructs"),
        ("CUSL ~ CUSA:LOVE\n", "'LOVE' is not measured"),
    ],
)
def test_bad_interactions_are_named(extra, message):
    with pytest.raises(ModelSyntaxError, match=message):
        PLSModel.from_syntax(CORP_REP_MODEL + extra, CORP_REP, na="-99")
