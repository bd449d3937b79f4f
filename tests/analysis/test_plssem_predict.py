"""PLSpredict and the model selection criteria against seminr-py (reference written by
tests/analysis/reference/make_plspredict_reference.py), and the repeated k-fold's own properties."""

import json

import numpy as np
import pytest

from countyhub.analysis.errors import AnalysisError
from countyhub.analysis.plssem import PLSModel
from countyhub.analysis.plssem.predict import fold_of_position

from .plssem_support import CORP_REP, CORP_REP_MODEL, REFERENCE

EXPECTED = json.loads((REFERENCE / "plspredict_corp_rep.json").read_text())


@pytest.fixture(scope="module")
def corp_rep_fit():
    return PLSModel.from_syntax(CORP_REP_MODEL, CORP_REP, na="-99").fit()


@pytest.mark.parametrize("technique", ["DA", "EA"])
def test_one_repetition_matches_seminr_per_indicator(corp_rep_fit, technique):
    ordering = np.array([EXPECTED["ordering"]])
    result = corp_rep_fit.predict(folds=10, orderings=ordering, technique=technique)
    peer = EXPECTED[technique]
    assert result.indicators == tuple(peer["pls_out_of_sample"])
    for i, item in enumerate(result.indicators):
        pls, lm = peer["pls_out_of_sample"][item], peer["lm_out_of_sample"][item]
        assert result.pls_rmse[i] == pytest.approx(pls["RMSE"], abs=1e-10)
        assert result.pls_mae[i] == pytest.approx(pls["MAE"], abs=1e-10)
        assert result.lm_rmse[i] == pytest.approx(lm["RMSE"], abs=1e-10)
        assert result.lm_mae[i] == pytest.approx(lm["MAE"], abs=1e-10)


def test_the_seeded_first_shuffle_is_seminrs(corp_rep_fit):
    seeded = corp_rep_fit.predict(folds=10, repetitions=1, seed=EXPECTED["seed"])
    given = corp_rep_fit.predict(folds=10, orderings=np.array([EXPECTED["ordering"]]))
    np.testing.assert_array_equal(seeded.pls_rmse, given.pls_rmse)


def test_repetitions_average_predictions_and_report_q2(corp_rep_fit):
    result = corp_rep_fit.predict(folds=10, repetitions=5, seed=3)
    frame = result.to_frame()
    assert list(frame.index) == ["cusa", "cusl_1", "cusl_2", "cusl_3"]
    assert (frame["q2_predict"] > 0).all() and (frame["q2_predict"] < 1).all()
    # Q²predict is 1 - SSE(PLS) / SSE(training mean): check it from the averaged predictions.
    actual = corp_rep_fit.model.prepared.values[:, 6]  # cusa
    sse = ((actual - result.predictions[:, 0]) ** 2).sum()
    assert sse / len(actual) == pytest.approx(result.pls_rmse[0] ** 2)
    assert result.repetitions == 5 and result.to_dict()["indicators"]["cusa"]["construct"] == "CUSA"
    assert "PLSpredict" in str(result.summary)
    with pytest.raises(AnalysisError, match="between 2 and 344 folds"):
        corp_rep_fit.predict(folds=1)


def test_folds_are_rs_cut():
    assert list(fold_of_position(10, 3)) == [1, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert np.bincount(fold_of_position(344, 10))[1:].tolist() == [
        35,
        34,
        34,
        35,
        34,
        34,
        35,
        34,
        34,
        35,
    ]


def test_aic_and_bic_match_seminr(corp_rep_fit):
    for construct, values in EXPECTED["it_criteria"].items():
        ours = corp_rep_fit.model_selection[construct]
        assert ours["aic"] == pytest.approx(values["AIC"], abs=1e-9)
        assert ours["bic"] == pytest.approx(values["BIC"], abs=1e-9)


def test_the_command_reports_plspredict(tmp_path):
    from typer.testing import CliRunner

    from countyhub.cli import app

    model = tmp_path / "model.txt"
    model.write_text(CORP_REP_MODEL)
    out = tmp_path / "r.json"
    args = ["analyze", "sem", str(CORP_REP), "--model", str(model), "--na", "-99", "--predict"]
    result = CliRunner().invoke(
        app, [*args, "--folds", "5", "--repetitions", "2", "--json", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(out.read_text())
    assert data["predict"]["folds"] == 5 and data["predict"]["repetitions"] == 2
    assert set(data["predict"]["indicators"]) == {"cusa", "cusl_1", "cusl_2", "cusl_3"}
    assert "Seed: " in result.stdout and "(chosen; add --seed" in result.stdout
    assert data["model_selection"]["CUSL"]["bic"] < 0
