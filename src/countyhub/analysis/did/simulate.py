"""Simulated staggered rollouts with a known effect, for tests, benchmarks and demonstrations.

The effect grows with time since treatment and differs by cohort, which is exactly where the
naive two-way fixed-effects estimate goes wrong (Goodman-Bacon 2021; Callaway & Sant'Anna 2021).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def simulate_rollout(
    *,
    n_units: int,
    periods: Sequence[int] = tuple(range(2013, 2021)),
    cohorts: Sequence[int] = (2015, 2016, 2017, 2018, 2019),
    never_share: float = 0.3,
    effect_growth: float = 0.5,
    covariate_trend: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """A balanced long panel with columns unit, year, y, first_treated, x and true_effect.

    The effect of cohort g in period t >= g is ``effect_growth * (1 + rank(g) / 2) * (t - g + 1)``
    times a unit-level factor with mean one; ``true_effect`` holds each row's actual effect, so
    any ATT's truth is a mean of it. With ``covariate_trend`` the outcome's trend depends on the
    unit's covariate ``x``, whose mean differs by cohort: trends are then parallel only given x.
    """
    rng = np.random.default_rng(seed)
    periods_arr = np.asarray(periods, dtype=np.int64)
    choices = np.asarray([0, *cohorts], dtype=np.int64)
    treated_share = (1.0 - never_share) / len(cohorts)
    cohort = rng.choice(choices, size=n_units, p=[never_share] + [treated_share] * len(cohorts))
    rank = np.searchsorted(np.asarray(cohorts), cohort)  # 0 for the earliest cohort
    x = rng.normal(0.4 * (cohort != 0) + 0.1 * rank, 1.0)

    unit_level = rng.normal(0.0, 1.0, size=n_units)
    unit_factor = rng.uniform(0.5, 1.5, size=n_units)
    period_level = np.linspace(0.0, 1.0, len(periods_arr)) + rng.normal(0, 0.1, len(periods_arr))
    since = periods_arr[None, :] - cohort[:, None]
    treated = (cohort[:, None] != 0) & (since >= 0)
    scale = effect_growth * (1.0 + rank / 2.0) * unit_factor
    effect = np.where(treated, scale[:, None] * (since + 1), 0.0)
    trend = covariate_trend * x[:, None] * (periods_arr[None, :] - periods_arr[0])
    noise = rng.normal(0.0, 1.0, size=(n_units, len(periods_arr)))
    outcome = unit_level[:, None] + period_level[None, :] + trend + effect + noise

    n_periods = len(periods_arr)
    return pd.DataFrame(
        {
            "unit": np.repeat(np.arange(1, n_units + 1), n_periods),
            "year": np.tile(periods_arr, n_units),
            "y": outcome.ravel(),
            "first_treated": np.repeat(cohort, n_periods),
            "x": np.repeat(x, n_periods),
            "true_effect": effect.ravel(),
        }
    )
