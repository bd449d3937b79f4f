"""Normal and Student-t probabilities without importing scipy.

`countyhub analyze sem` must start in a fraction of a second, and importing scipy.special alone
costs about a quarter of a second; these few functions are all the bootstrap needs. They are
checked against scipy.stats in the tests.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

_STANDARD_NORMAL = NormalDist()
_TINY = 1e-300
_EPS = 1e-15


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Standard normal distribution function, elementwise."""
    values = np.asarray(x, dtype=np.float64)
    flat = [
        0.5 * math.erfc(-v / math.sqrt(2)) if np.isfinite(v) else float(v > 0)
        for v in values.ravel()
    ]
    return np.array(flat).reshape(values.shape)


def normal_ppf(p: np.ndarray) -> np.ndarray:
    """Standard normal quantile function, elementwise (p strictly between 0 and 1)."""
    values = np.asarray(p, dtype=np.float64)
    flat = [_STANDARD_NORMAL.inv_cdf(v) if 0 < v < 1 else math.nan for v in values.ravel()]
    return np.array(flat).reshape(values.shape)


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the regularized incomplete beta function (modified Lentz)."""
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > _TINY else _TINY)
    fraction = d
    for m in range(1, 20000):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > _TINY else _TINY)
            c = 1 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            fraction *= c * d
        if abs(c * d - 1) < _EPS:
            break
    return fraction


def regularized_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularized incomplete beta function."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (
        a * math.log(x)
        + b * math.log1p(-x)
        - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
    )
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1 - math.exp(log_front) * _beta_continued_fraction(b, a, 1 - x) / b


def student_t_two_sided_p(t: np.ndarray, df: float) -> np.ndarray:
    """P(|T| >= |t|) for Student's t with ``df`` degrees of freedom, elementwise."""
    values = np.asarray(t, dtype=np.float64)
    flat = [
        math.nan if math.isnan(v) else regularized_beta(df / 2, 0.5, df / (df + v * v))
        for v in values.ravel()
    ]
    return np.array(flat).reshape(values.shape)
