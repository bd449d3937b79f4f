"""Awkward data (issue 18): each failure found by trying the engine as an analyst would."""

import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from countyhub.analysis.errors import AnalysisError, DataError
from countyhub.analysis.plssem import PLSModel

from .plssem_support import CORP_REP, CORP_REP_MODEL

ECOM_MODEL = """
ECOM =~ ecom1 + ecom2 + ecom3 + ecom7
SERV <~ serv1 + serv2 + serv3
INCOME =~ inc1 + inc2
INCOME ~ ECOM + SERV
"""


def ecom_survey(n: int = 200, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ecom = rng.normal(size=n)
    serv = rng.normal(size=n)
    income = 0.5 * ecom + 0.3 * serv + rng.normal(scale=0.8, size=n)
    data = {f"ecom{i}": 0.8 * ecom + rng.normal(scale=0.6, size=n) for i in (1, 2, 3, 7)}
    data |= {f"serv{i}": 0.7 * serv + rng.normal(scale=0.7, size=n) for i in (1, 2, 3)}
    data |= {f"inc{i}": 0.8 * income + rng.normal(scale=0.5, size=n) for i in (1, 2)}
    return pd.DataFrame(data)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "countyhub.cli", "analyze", "sem", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_exact_collinearity_in_a_reflective_block_names_construct_and_indicators():
    frame = ecom_survey()
    frame["ecom7"] = frame["ecom1"] + frame["ecom2"]
    with pytest.raises(AnalysisError) as caught:
        PLSModel.from_syntax(ECOM_MODEL, frame).fit()
    message = str(caught.value)
    assert "'ECOM'" in message and "linearly dependent" in message
    assert "ecom1, ecom2, ecom7" in message and "ecom3" not in message


def test_an_indicator_duplicated_in_a_reflective_block_is_named(tmp_path):
    frame = ecom_survey()
    frame["ecom7"] = frame["ecom3"]
    path = tmp_path / "survey.csv"
    frame.to_csv(path, index=False)
    model = tmp_path / "model.txt"
    model.write_text(ECOM_MODEL)
    result = run(str(path), "--model", str(model))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: ")
    assert "'ECOM'" in result.stderr and "ecom3, ecom7" in result.stderr
    assert "Traceback" not in result.stderr and "LinAlgError" not in result.stderr


def test_collinear_predictors_in_the_inner_model_are_named():
    rng = np.random.default_rng(3)
    n = 120
    frame = pd.DataFrame({"a": rng.normal(size=n), "c1": rng.normal(size=n)})
    frame["b"] = 2 * frame["a"] + 1  # a second construct measured by a copy of the first
    frame["c2"] = frame["c1"] + frame["a"] + rng.normal(size=n)
    text = "A =~ a\nB =~ b\nC =~ c1 + c2\nC ~ A + B\n"
    with pytest.raises(AnalysisError) as caught:
        PLSModel.from_syntax(text, frame).fit()
    message = str(caught.value)
    assert "'C'" in message and "A, B" in message and "collinear" in message


def test_near_collinearity_is_flagged_in_every_output(tmp_path):
    frame = ecom_survey()
    rng = np.random.default_rng(9)
    frame["ecom7"] = frame["ecom1"] + frame["ecom2"] + rng.normal(scale=0.15, size=len(frame))
    frame["serv3"] = frame["serv1"] + rng.normal(scale=0.5, size=len(frame))  # VIF 3..5
    result = PLSModel.from_syntax(ECOM_MODEL, frame).fit()
    flagged = {
        (w["construct"], w["indicator"]) for w in result.collinearity_flags if w["kind"] == "outer"
    }
    assert ("ECOM", "ecom7") in flagged and ("SERV", "serv3") in flagged
    assert ("ECOM", "ecom3") not in flagged
    text = str(result.summary)
    assert "Warnings" in text and "ecom7" in text.split("Warnings")[1]
    assert "VIF" in text and "!" in text
    data = result.to_dict()
    assert any("ecom7" in w for w in data["warnings"])
    assert any("serv3" in w and "formative" in w for w in data["warnings"])
    page = result.to_html()
    assert 'class="flag"' in page and "ecom7" in page.split('class="warning"')[1]


def test_header_only_csv_says_no_data_rows_without_numpy_warnings(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text(",".join(ecom_survey().columns) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError, match="no data rows"):
            PLSModel.from_syntax(ECOM_MODEL, path)
    model = tmp_path / "model.txt"
    model.write_text(ECOM_MODEL)
    result = run(str(path), "--model", str(model))
    assert result.returncode == 2 and "no data rows" in result.stderr
    assert "Warning" not in result.stderr


def test_an_entirely_missing_column_is_named_under_listwise_deletion():
    frame = ecom_survey()
    frame["serv2"] = np.nan
    with pytest.raises(DataError, match="'serv2' has no values"):
        PLSModel.from_syntax(ECOM_MODEL, frame, missing="listwise")


def test_single_item_loadings_are_fixed_in_the_bootstrap():
    fit = PLSModel.from_syntax(CORP_REP_MODEL, CORP_REP, missing="mean", na="-99").fit()
    boot = fit.bootstrap(100, seed=1)
    stat = boot.statistics["outer_loadings"]
    i = stat.labels.index(("CUSA", "cusa"))
    assert stat.fixed[i] and np.isnan(stat.statistic[i]) and np.isnan(stat.pvalue[i])
    row = boot.to_dict()["outer_loadings"]["CUSA"]["cusa"]
    assert row["fixed"] is True and row["statistic"] is None and row["pvalue"] is None
    assert row["original"] == pytest.approx(1.0)
    other = boot.to_dict()["outer_loadings"]["COMP"]["comp_1"]
    assert other["fixed"] is False and other["pvalue"] is not None
    assert "fixed" in str(boot.summary)
    assert "1.4e16" not in str(boot.summary) and "e+1" not in str(boot.summary)


def test_non_convergence_is_stated_everywhere_and_fails_unless_allowed(tmp_path):
    model = tmp_path / "model.txt"
    model.write_text(CORP_REP_MODEL)
    out, page = tmp_path / "r.json", tmp_path / "r.html"
    args = [str(CORP_REP), "--model", str(model), "--na", "-99", "--max-iter", "1"]
    printed = run(*args)
    assert printed.returncode != 0 and "did not converge" in printed.stderr.lower()
    assert "DID NOT CONVERGE" in printed.stdout
    written = run(*args, "--json", str(out), "--report", str(page))
    assert written.returncode != 0 and "did not converge" in written.stderr.lower()
    data = json.loads(out.read_text())
    assert data["converged"] is False and any("converge" in w for w in data["warnings"])
    assert "did not converge" in page.read_text().lower()
    allowed = run(*args, "--json", str(out), "--allow-nonconvergence")
    assert allowed.returncode == 0, allowed.stderr
    assert "did not converge" in allowed.stdout.lower() + allowed.stderr.lower()
