"""The HTML report draws a simple-slope plot for each interaction, and none without one
(issue 18)."""

import pytest

from countyhub.analysis.plssem import PLSModel

from .plssem_support import CORP_REP, CORP_REP_MODEL


@pytest.fixture(scope="module")
def pages():
    plain = PLSModel.from_syntax(CORP_REP_MODEL, CORP_REP, na="-99").fit()
    moderated = PLSModel.from_syntax(CORP_REP_MODEL + "CUSL ~ CUSA:LIKE\n", CORP_REP, na="-99")
    fit = moderated.fit()
    return plain.to_html(), fit.to_html(), fit


def test_a_moderated_model_has_a_simple_slope_plot(pages):
    plain, moderated, fit = pages
    assert "Simple slopes" not in plain and "<h2>Moderation</h2>" not in plain
    assert moderated.count("<svg") == plain.count("<svg") + 1
    section = moderated[moderated.index("<h2>Moderation</h2>") :]
    plot = section[section.index("<svg") : section.index("</svg>")]
    (term,) = fit.moderation
    # One line per moderator level, in the legend with its slope.
    for label, slope in term["simple_slopes"].items():
        assert f"LIKE at {label} (slope {slope:.3f})" in plot
    assert "Simple slopes: CUSA:LIKE" in section
