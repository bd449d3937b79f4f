"""Every estimator's results share one base and name their statistics one way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from countyhub.analysis.did import StaggeredDiD
from countyhub.analysis.did.simulate import simulate_rollout
from countyhub.analysis.paired import BeforeAfter
from countyhub.analysis.plssem import PLSModel
from countyhub.analysis.results import Results
from countyhub.analysis.summary import Summary

from .plssem_support import MEDIATION_MODEL, simulate_mediation

# Abbreviations the estimators used before they agreed on one spelling.
OLD_NAMES = {"t", "p", "se", "sd", "wilcoxon_p", "r2", "r2_adj", "f2", "t_stat", "p_value"}


@pytest.fixture(scope="module")
def pls():
    return PLSModel.from_syntax(MEDIATION_MODEL, simulate_mediation(200, seed=1)).fit()


@pytest.fixture(scope="module")
def boot(pls):
    return pls.bootstrap(200, seed=2)


@pytest.fixture(scope="module")
def before_after():
    rng = np.random.default_rng(3)
    before = rng.normal(100, 10, 40)
    frame = pd.DataFrame({"id": range(40), "x0": before, "x1": before + rng.normal(5, 4, 40)})
    return BeforeAfter(frame, id="id", pairs={"x": ("x0", "x1")}).fit()


@pytest.fixture(scope="module")
def did():
    frame = simulate_rollout(n_units=60, seed=4)
    return StaggeredDiD(
        frame, unit="unit", time="year", outcome="y", treated_from="first_treated"
    ).fit()


@pytest.fixture(params=["pls", "boot", "before_after", "measure", "did"])
def result(request) -> Results:
    if request.param == "measure":
        return request.getfixturevalue("before_after").measures["x"]
    return request.getfixturevalue(request.param)


def keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from keys(inner)


def test_every_results_class_renders_through_the_base(result):
    assert isinstance(result, Results)
    assert isinstance(result.summary, Summary)
    assert str(result) == result.summary.as_text()
    assert result._repr_html_() == result.summary.as_html()
    json.dumps(result.to_dict(), allow_nan=False)
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) > 0


def test_json_keys_use_the_one_spelling(result):
    assert not OLD_NAMES & set(keys(result.to_dict()))


def test_paired_test_names_its_statistics(before_after):
    r = before_after.measures["x"]
    record = r.to_dict()
    for name in ("statistic", "pvalue", "std_error", "ci_low", "ci_high", "wilcoxon_pvalue"):
        assert record[name] == getattr(r, name)
    assert r.std_error == pytest.approx(r.sd_diff / np.sqrt(r.n))
    assert r.statistic == pytest.approx(r.mean_diff / r.std_error)
    row = before_after.to_frame().loc["x"]
    assert row["statistic"] == r.statistic and row["pvalue"] == r.pvalue


def test_did_estimates_name_their_standard_errors(did):
    out = did.to_dict()
    assert set(out["simple"]) >= {"att", "std_error", "ci_low", "ci_high"}
    assert out["twfe"]["std_error"] == did.twfe.std_error
    assert (out["twfe"]["ci_low"], out["twfe"]["ci_high"]) == (did.twfe.ci_low, did.twfe.ci_high)
    assert did.twfe.ci_low < did.twfe.coef < did.twfe.ci_high
    frame = did.to_frame()
    assert frame.loc[("simple", ""), "std_error"] == did.simple.std_error
    assert frame.loc[("event_time", "0"), "att"] == did.event_time[0].att
    assert len(frame) == 4 + len(did.group) + len(did.event_time) + len(did.calendar) + len(
        did.att_gt
    )


def test_pls_frames_hold_the_estimates(pls, boot):
    paths = pls.to_frame()
    assert paths.loc["SHOP -> SALES", "coefficient"] == pls.paths.loc["SHOP", "SALES"]
    assert set(paths.columns) == {"coefficient", "f_squared", "vif"}
    assert set(pls.to_dict()) >= {"r_squared", "r_squared_adj", "f_squared"}
    stats = boot.to_frame()
    path = boot.statistics["paths"]
    index = path.labels.index(("SHOP", "SALES"))
    row = stats.loc[("paths", "SHOP -> SALES")]
    assert row["std_error"] == path.std_error[index]
    assert row["statistic"] == path.statistic[index]
    assert row["pvalue"] == path.pvalue[index]
    assert boot.to_dict()["paths"]["SHOP -> SALES"]["pvalue"] == path.pvalue[index]
