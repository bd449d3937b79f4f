"""Our scipy-free normal and Student-t functions agree with scipy.stats."""

import numpy as np
import pytest
from scipy import stats

from countyhub.analysis.distributions import normal_cdf, normal_ppf, student_t_two_sided_p


@pytest.mark.parametrize("df", [1, 2, 3, 7, 30, 343, 999, 4999, 20000])
def test_student_t_two_sided_p(df):
    t = np.array([0.0, 0.01, 0.5, 1.0, 1.96, 2.5, 3.3, 5.0, 9.0, 25.0, -2.0])
    expected = 2 * stats.t.sf(np.abs(t), df)
    np.testing.assert_allclose(student_t_two_sided_p(t, df), expected, rtol=1e-9, atol=1e-300)


def test_missing_t_gives_missing_p():
    assert np.isnan(student_t_two_sided_p(np.array([np.nan]), 10)[0])


def test_normal_cdf_and_quantile():
    x = np.linspace(-8, 8, 161)
    np.testing.assert_allclose(normal_cdf(x), stats.norm.cdf(x), atol=1e-15)
    p = np.linspace(1e-6, 1 - 1e-6, 501)
    np.testing.assert_allclose(normal_ppf(p), stats.norm.ppf(p), atol=1e-9)
    assert np.isnan(normal_ppf(np.array([0.0]))[0])
