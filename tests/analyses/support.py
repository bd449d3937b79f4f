"""Helpers of the analyses tests: the shipped corp_rep survey, a paired survey, waiting for jobs."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from countyhub.analyses import services
from countyhub.core.models import Job

CORP_REP = Path(__file__).resolve().parents[1] / "analysis" / "reference" / "corp_rep.csv"
CORP_REP_MODEL = """COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""
CORP_REP_CONSTRUCTS = """COMP: comp_1 comp_2 comp_3
LIKE: like_1 like_2 like_3
CUSA: cusa
CUSL: cusl_1 cusl_2 cusl_3
"""


def paired_frame(n: int = 62) -> pd.DataFrame:
    """62 households, incomes in two years (one blank, one -99), as the CLI tests' survey."""
    rng = np.random.default_rng(2022)
    income_2020 = rng.lognormal(8.3, 0.6, n).round()
    frame = pd.DataFrame(
        {
            "household": [f"H{i:03d}" for i in range(n)],
            "income_2020": income_2020,
            "income_2022": (income_2020 * rng.lognormal(0.12, 0.25, n)).round(),
            "skills_2020": rng.integers(1, 6, n).astype(float),
            "skills_2022": rng.integers(2, 6, n).astype(float),
        }
    )
    frame.loc[4, "skills_2022"] = -99.0
    frame.loc[7, "income_2022"] = np.nan
    return frame


def dataset_input(
    data: bytes,
    filename: str = "corp_rep.csv",
    *,
    constructs: str = CORP_REP_CONSTRUCTS,
    money: str = "",
    reverse: list[str] | None = None,
) -> services.DatasetInput:
    return services.DatasetInput(
        name=filename.rsplit(".", 1)[0],
        filename=filename,
        data=data,
        constructs=constructs,
        reverse=reverse or [],
        scale=(1, 7),
        missing_codes=["-99"],
        money=money,
    )


def wait_for(job: Job, timeout: float = 120) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job.pk} still {job.status} after {timeout} s")
