"""One command line for the `analyze` commands (issue 18): errors, summaries, seeds, stamps."""

import hashlib
import json
import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from countyhub import __version__
from countyhub.cli import app

from .plssem_support import CORP_REP, CORP_REP_MODEL


def sem(*args: object) -> Result:
    return CliRunner().invoke(app, ["analyze", "sem", *map(str, args)])


def before_after(*args: object) -> Result:
    return CliRunner().invoke(app, ["analyze", "before-after", *map(str, args)])


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "model.txt"
    path.write_text(CORP_REP_MODEL, encoding="utf-8")
    return path


def test_sem_replaces_missing_values_by_means_by_default_and_says_so(model_file):
    result = sem(CORP_REP, "--model", model_file, "--na", "-99")
    assert result.exit_code == 0, result.stderr
    assert "11 missing cells replaced by their column's mean" in result.stdout
    row = next(line for line in result.stdout.splitlines() if line.startswith("COMP -> CUSA"))
    assert row.split()[3] == "0.162"  # the published value (Hair et al.)
    help_text = sem("--help").stdout
    assert "mean (default" in help_text and "listwise" in help_text
    listwise = sem(CORP_REP, "--model", model_file, "--na", "-99", "--missing", "listwise")
    assert "dropped by listwise deletion" in listwise.stdout


def test_with_files_it_prints_a_short_summary_and_where_they_went(tmp_path, model_file):
    out, page = tmp_path / "r.json", tmp_path / "r.html"
    args = [CORP_REP, "--model", model_file, "--na", "-99", "--missing", "listwise"]
    result = sem(*args, "--bootstrap", 50, "--json", out, "--report", page)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) < 10
    assert any(re.search(r"336 rows used of 344; 8 dropped by listwise deletion", x) for x in lines)
    assert f"wrote {out}" in lines and f"wrote {page}" in lines
    seed = int(re.search(r"Seed: (\d+) \(chosen; add --seed \1 to repeat", result.stdout)[1])
    data = json.loads(out.read_text())
    assert data["bootstrap"]["seed"] == seed
    again = tmp_path / "again.json"
    sem(*args, "--bootstrap", 50, "--seed", seed, "--json", again)
    assert json.loads(again.read_text())["bootstrap"]["paths"] == data["bootstrap"]["paths"]


def test_every_report_is_stamped_with_provenance_and_methods(tmp_path, model_file):
    out, page = tmp_path / "r.json", tmp_path / "r.html"
    result = sem(
        CORP_REP, "--model", model_file, "--na", "-99", "--bootstrap", 30, "--seed", 7,
        "--json", out, "--report", page,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    digest = hashlib.sha256(CORP_REP.read_bytes()).hexdigest()
    stamp = json.loads(out.read_text())["provenance"]
    assert stamp["countyhub"] == __version__ and stamp["data_sha256"] == digest
    assert stamp["seed"] == 7 and re.match(r"\d{4}-\d\d-\d\dT", stamp["created"])
    assert "--seed" in stamp["command"] and "corp_rep.csv" in stamp["command"]
    methods = json.loads(out.read_text())["methods"]
    assert "standardized" in methods and "Student's t" in methods and "BCa" in methods
    html = page.read_text()
    assert digest in html and __version__ in html and "Methods" in html
    assert "mean" in methods and "Student" in html


def test_confidence_is_one_option_and_checked(tmp_path, model_file):
    out = tmp_path / "r.json"
    args = [CORP_REP, "--model", model_file, "--na", "-99", "--bootstrap", 30, "--seed", 1]
    assert sem(*args, "--confidence", "0.9", "--json", out).exit_code == 0
    assert json.loads(out.read_text())["bootstrap"]["confidence"] == pytest.approx(0.9)
    bad = sem(*args, "--confidence", "1.5")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --confidence 1.5")


def test_only_blank_cells_and_na_markers_are_missing(tmp_path, model_file):
    frame = pd.read_csv(CORP_REP)
    frame["comp_2"] = frame["comp_2"].astype(object)
    frame.loc[3, "comp_2"] = "NA"
    path = tmp_path / "survey.csv"
    frame.to_csv(path, index=False)
    refused = sem(path, "--model", model_file, "--na", "-99")
    assert refused.exit_code == 2 and refused.stderr.startswith("error: ")
    assert "column 'comp_2', row 4" in refused.stderr and "'NA' is not a number" in refused.stderr
    accepted = sem(path, "--model", model_file, "--na", "-99", "--na", "NA")
    assert accepted.exit_code == 0 and "12 missing cells" in accepted.stdout


def test_before_after_uses_the_same_error_prefix_and_summary(tmp_path):
    frame = pd.DataFrame(
        {
            "hh": range(30),
            "inc_a": np.arange(30.0),
            "inc_b": np.arange(30.0) * 1.1 + np.sin(np.arange(30)),
        }
    )
    frame.loc[2, "inc_b"] = np.nan
    path = tmp_path / "s.csv"
    frame.to_csv(path, index=False)
    bad = before_after(path, "--id", "hh", "--pair", "income=inc_a:inc_x")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: ")
    out = tmp_path / "r.json"
    good = before_after(path, "--id", "hh", "--pair", "income=inc_a:inc_b", "--json", out)
    assert good.exit_code == 0, good.stderr
    assert "income: 29 pairs used, 1 dropped (a missing value)" in good.stdout
    assert f"wrote {out}" in good.stdout
    stamp = json.loads(out.read_text())["provenance"]
    assert stamp["data_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert json.loads(out.read_text())["methods"]
    bad_level = before_after(path, "--id", "hh", "--pair", "income=inc_a:inc_b", "--confidence", 0)
    assert bad_level.exit_code == 2 and bad_level.stderr.startswith("error: --confidence")
