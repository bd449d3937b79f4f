"""Invariances and large-sample behaviour of the PLS estimator (hypothesis property tests)."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from countyhub.analysis.plssem import PLSModel
from countyhub.analysis.plssem.engine import estimate_weights
from countyhub.analysis.plssem.model import build_structure
from countyhub.analysis.plssem.syntax import parse_model

from .plssem_support import MEDIATION_MODEL, simulate_mediation

SURVEY = simulate_mediation(150, seed=21)
BASE = PLSModel.from_syntax(MEDIATION_MODEL, SURVEY).fit()


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_row_order_does_not_matter(random):
    order = list(range(len(SURVEY)))
    random.shuffle(order)
    shuffled = PLSModel.from_syntax(MEDIATION_MODEL, SURVEY.iloc[order]).fit()
    np.testing.assert_allclose(shuffled.path_matrix, BASE.path_matrix, atol=1e-10)
    np.testing.assert_allclose(shuffled.weights, BASE.weights, atol=1e-10)
    np.testing.assert_allclose(shuffled.reliability_values, BASE.reliability_values, atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(
    column=st.sampled_from(list(SURVEY.columns)),
    scale=st.floats(min_value=1e-3, max_value=1e4),
    shift=st.floats(min_value=-1e4, max_value=1e4),
)
def test_rescaling_an_indicator_does_not_matter(column, scale, shift):
    frame = SURVEY.copy()
    frame[column] = frame[column] * scale + shift
    rescaled = PLSModel.from_syntax(MEDIATION_MODEL, frame).fit()
    np.testing.assert_allclose(rescaled.path_matrix, BASE.path_matrix, atol=1e-8)
    np.testing.assert_allclose(rescaled.cross_loadings, BASE.cross_loadings, atol=1e-8)
    np.testing.assert_allclose(rescaled.htmt_matrix, BASE.htmt_matrix, atol=1e-8)


def test_a_one_item_construct_has_loading_and_weight_one():
    item = BASE.structure.indicators.index("inc")
    assert abs(BASE.loadings[item] - 1) < 1e-12
    assert abs(BASE.own_weights[item] - 1) < 1e-12


def _regression_population(n: int, seed: int) -> tuple[pd.DataFrame, float]:
    """y = b'x + e with correlated x: PLS with x in mode B recovers sqrt(R²) as the path."""
    rng = np.random.default_rng(seed)
    sigma = np.array([[1.0, 0.4, 0.2], [0.4, 1.0, 0.3], [0.2, 0.3, 1.0]])
    b = np.array([0.5, -0.2, 0.3])
    x = rng.multivariate_normal(np.zeros(3), sigma, size=n)
    noise_var = 0.6
    y = x @ b + rng.normal(scale=np.sqrt(noise_var), size=n)
    explained = b @ sigma @ b
    truth = np.sqrt(explained / (explained + noise_var))
    frame = pd.DataFrame(x, columns=["x1", "x2", "x3"]).assign(y=y)
    return frame, float(truth)


def test_mode_b_recovers_the_population_path_as_n_grows():
    text = "X <~ x1 + x2 + x3\nY =~ y\nY ~ X"
    errors = []
    for n in (200, 2000, 200000):
        frame, truth = _regression_population(n, seed=n)
        result = PLSModel.from_syntax(text, frame).fit()
        errors.append(abs(result.path_matrix[0, 1] - truth))
        # the sampling error of a correlation is about (1 - rho²) / sqrt(n); allow 4 of them
        assert errors[-1] < 4 * (1 - truth**2) / np.sqrt(n) + 1e-9
    assert errors[-1] < errors[0]


def test_mode_b_equals_mode_a_on_orthogonal_indicators():
    # With an identity correlation matrix inside the block, regressing the proxy on the
    # indicators gives the same weights as the covariances (mode A).
    population_r = np.eye(5)
    population_r[:3, 3] = population_r[3, :3] = [0.3, 0.2, 0.4]
    population_r[3, 4] = population_r[4, 3] = 0.5
    population_r[:3, 4] = population_r[4, :3] = [0.1, 0.15, 0.05]
    base = "M =~ m\nY =~ y\nM ~ X\nY ~ M\n"
    a = build_structure(parse_model("X =~ x1 + x2 + x3\n" + base))
    b = build_structure(parse_model("X <~ x1 + x2 + x3\n" + base))
    fit_a = estimate_weights(population_r[None], a)
    fit_b = estimate_weights(population_r[None], b)
    np.testing.assert_allclose(fit_a.weights, fit_b.weights, atol=1e-12)
    assert fit_a.converged[0] and fit_b.converged[0]
