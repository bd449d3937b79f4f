"""Bootstrap intervals of R² and the reliability measures (alpha, rho_A, rho_C, AVE): each
resample's statistic is the one-sample fit of that resample, and the intervals are the draws'
quantiles (issue 18)."""

import numpy as np
import pytest

from countyhub.analysis.plssem import PLSModel

from .plssem_support import MEDIATION_MODEL, simulate_mediation


@pytest.fixture(scope="module")
def setup():
    frame = simulate_mediation(200, seed=21)
    fit = PLSModel.from_syntax(MEDIATION_MODEL, frame).fit()
    indices = np.random.default_rng(4).integers(0, len(frame), size=(400, len(frame)))
    return frame, fit, indices, fit.bootstrap(indices=indices, effect_sizes=False)


def test_a_resample_is_a_direct_fit_of_that_resample(setup):
    frame, fit, indices, boot = setup
    assert boot.failed == 0
    endogenous = list(fit.structure.endogenous)
    np.testing.assert_allclose(
        boot.statistics["reliability"].original, fit.reliability_values.ravel()
    )
    for i in (0, 1, 399):
        direct = PLSModel.from_syntax(MEDIATION_MODEL, frame.iloc[indices[i]]).fit()
        np.testing.assert_allclose(
            boot.draws["r_squared"][i], direct.r_squared_values[endogenous], atol=1e-10
        )
        np.testing.assert_allclose(
            boot.draws["reliability"][i], direct.reliability_values.ravel(), atol=1e-10
        )


@pytest.mark.parametrize("group", ["r_squared", "reliability"])
def test_intervals_are_the_quantiles_and_contain_the_estimate(setup, group):
    _, _, _, boot = setup
    stat = boot.statistics[group]
    draws = boot.draws[group]
    low, high = np.quantile(draws, [0.025, 0.975], axis=0)
    np.testing.assert_allclose(stat.ci_low, low)
    np.testing.assert_allclose(stat.ci_high, high)
    varying = draws.std(axis=0) > 1e-8  # a single item's alpha, rho and AVE are fixed at 1
    assert varying.sum() >= (2 if group == "r_squared" else 8)
    original = stat.original[varying]
    assert np.all(stat.ci_low[varying] <= original) and np.all(original <= stat.ci_high[varying])
    assert np.all(stat.bca_low[varying] <= original) and np.all(original <= stat.bca_high[varying])


def test_the_intervals_reach_every_output(setup):
    _, fit, _, boot = setup
    data = boot.to_dict()
    shop = data["reliability"]["SHOP"]
    assert list(shop) == ["alpha", "rho_a", "rho_c", "ave"]
    for row in shop.values():
        assert row["ci_low"] <= row["original"] <= row["ci_high"]
        assert row["bca_low"] <= row["original"] <= row["bca_high"]
    assert data["r_squared"]["INCOME"]["ci_low"] < data["r_squared"]["INCOME"]["ci_high"]
    text = str(boot.summary)
    assert "Reliability and AVE" in text and "R²" in text
    page = fit.to_html(boot)
    assert "Reliability and AVE" in page and "SHOP: " in page
