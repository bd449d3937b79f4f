"""The pre-test of parallel trends: a Wald test that every pre-treatment ATT(g, t) is zero.

As the p-value R ``did::att_gt`` prints ("P-value for pre-test of parallel trends assumption"):
W = theta' V^-1 theta over the pre-treatment cells, chi-squared with as many degrees of freedom as
cells, V their covariance from the influence functions. A large p-value is no proof of parallel
trends (Roth 2022): the test has little power against slow divergence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from countyhub.analysis.did.aggregate import Aggregations
from countyhub.analysis.did.estimate import GroupTimeCells

RANK_TOL = 1e-10


@dataclass(frozen=True)
class PreTest:
    """Wald statistic, its degrees of freedom and p-value; ``cells`` the (cohort, period) used."""

    statistic: float
    df: int
    pvalue: float
    cells: tuple[tuple[int, int], ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "statistic": self.statistic,
            "df": self.df,
            "pvalue": self.pvalue,
            "cells": [f"{g},{t}" for g, t in self.cells],
        }


def parallel_trends_pretest(aggregations: Aggregations, cells: GroupTimeCells) -> PreTest | None:
    """The Wald pre-test, or None when there is no pre-treatment cell to test."""
    pre = (cells.period < cells.cohort) & ~cells.reference
    if not pre.any():
        return None
    moments = aggregations.moments
    covariance = moments.gram[np.ix_(pre, pre)] / moments.n_units**2
    theta = cells.att[pre]
    # A singular covariance (e.g. a cell of two units) still gives a test on its range.
    inverse = np.linalg.pinv(covariance, rcond=RANK_TOL, hermitian=True)
    df = int(np.linalg.matrix_rank(covariance, tol=RANK_TOL * np.abs(covariance).max()))
    statistic = float(theta @ inverse @ theta)
    return PreTest(
        statistic=statistic,
        df=df,
        pvalue=float(stats.chi2.sf(statistic, df)) if df else float("nan"),
        cells=tuple(
            (int(g), int(t)) for g, t in zip(cells.cohort[pre], cells.period[pre], strict=True)
        ),
    )
