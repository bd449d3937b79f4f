"""Write did_differences.json: the peer `differences` (0.3.0, which follows R did) on mpdta.

Run from the repository root: `.venv/bin/python tests/analysis/reference/did_differences.py`.
Each configuration is one of R did's options the issue asks about (est_method ipw and reg,
anticipation 1, universal base period, sampling weights, an unbalanced panel, repeated
cross-sections); the weight rule, the rows removed and every option are written here so the
reference can be rebuilt. Values are (ATT, analytic SE) pairs.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from differences import ATTgt

HERE = Path(__file__).resolve().parent
MPDTA = HERE / "mpdta.csv"

# name: (ATTgt options, fit options); "weights" is the column added by sampling_weight below.
CONFIGURATIONS = {
    "ipw_lpop": ({}, {"formula": "lemp ~ lpop", "est_method": "std_ipw"}),
    "reg_lpop": ({}, {"formula": "lemp ~ lpop", "est_method": "reg"}),
    "dr_anticipation_1": ({"anticipation": 1}, {"formula": "lemp ~ lpop", "est_method": "dr"}),
    "dr_universal": ({"base_period": "universal"}, {"formula": "lemp ~ lpop", "est_method": "dr"}),
    "reg_universal_notyet_anticipation_1": (
        {"base_period": "universal", "anticipation": 1},
        {"formula": "lemp", "est_method": "reg", "control_group": "not_yet_treated"},
    ),
    "dr_weights": (
        {},
        {"formula": "lemp ~ lpop", "est_method": "dr", "weights_column": "weight"},
    ),
    "ipw_weights_notyet": (
        {},
        {
            "formula": "lemp",
            "est_method": "std_ipw",
            "weights_column": "weight",
            "control_group": "not_yet_treated",
        },
    ),
}
# The same peer options on an unbalanced mpdta (rows removed by `unbalanced` below) and on mpdta
# read as repeated cross-sections (every row its own county): R did's allow_unbalanced_panel and
# panel=FALSE, both through DRDID's repeated cross-section estimators.
UNBALANCED = {
    "unbalanced_reg": ({}, {"formula": "lemp", "est_method": "reg"}),
    "unbalanced_dr_lpop": ({}, {"formula": "lemp ~ lpop", "est_method": "dr"}),
    "unbalanced_ipw_lpop_notyet": (
        {},
        {"formula": "lemp ~ lpop", "est_method": "std_ipw", "control_group": "not_yet_treated"},
    ),
    "unbalanced_reg_lpop_weights": (
        {},
        {"formula": "lemp ~ lpop", "est_method": "reg", "weights_column": "weight"},
    ),
}
CROSS_SECTION = {
    "cross_section_dr_lpop": ({}, {"formula": "lemp ~ lpop", "est_method": "dr"}),
    "cross_section_ipw_lpop_universal": (
        {"base_period": "universal"},
        {"formula": "lemp ~ lpop", "est_method": "std_ipw"},
    ),
}


def unbalanced(mpdta: pd.DataFrame) -> pd.DataFrame:
    """Remove 2004 for counties whose code is divisible by 7 and 2006 for those divisible by 11
    (113 rows); every treated county keeps a row before and after its first treated year."""
    drop = ((mpdta["countyreal"] % 7 == 0) & (mpdta["year"] == 2004)) | (
        (mpdta["countyreal"] % 11 == 0) & (mpdta["year"] == 2006)
    )
    return mpdta[~drop]


def sampling_weight(county: pd.Series) -> pd.Series:
    """A deterministic weight per county: 1, 1.5, 2, 2.5 or 3 by the county code mod 5."""
    return 1.0 + (county % 5) / 2.0


def pairs(frame: pd.DataFrame, key) -> dict[str, list[float | None]]:  # type: ignore[no-untyped-def]
    out = {}
    for index, row in frame.iterrows():
        se = float(row.iloc[1])
        out[key(index)] = [float(row.iloc[0]), None if np.isnan(se) else se]
    return out


def run(attgt_options: dict, fit_options: dict, layout: str = "balanced") -> dict:  # type: ignore[type-arg]
    mpdta = pd.read_csv(MPDTA)
    mpdta["weight"] = sampling_weight(mpdta["countyreal"])
    if layout == "unbalanced":
        mpdta = unbalanced(mpdta)
    if layout == "cross_section":
        mpdta["countyreal"] = np.arange(len(mpdta))  # every row a different county
    data = mpdta.set_index(["countyreal", "year"])
    data["first.treat"] = data["first.treat"].replace(0, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = ATTgt(data=data, cohort_column="first.treat", **attgt_options)
        peer.fit(
            **{"control_group": "never_treated", **fit_options},
            as_repeated_cross_section=layout != "balanced",
            progress_bar=False,
        )
        return {
            "att_gt": pairs(peer.results(), lambda i: f"{i[0]},{i[2]}"),
            "event_time": pairs(peer.aggregate("event"), str),
            "group": pairs(peer.aggregate("cohort"), str),
            "calendar": pairs(peer.aggregate("time"), str),
            "simple": pairs(peer.aggregate("simple"), lambda i: "")[""],
        }


def main() -> None:
    out = {name: {"options": {**a, **f}, **run(a, f)} for name, (a, f) in CONFIGURATIONS.items()}
    for layout, configurations in (("unbalanced", UNBALANCED), ("cross_section", CROSS_SECTION)):
        for name, (a, f) in configurations.items():
            out[name] = {"options": {**a, **f, "layout": layout}, **run(a, f, layout)}
    (HERE / "did_differences.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
