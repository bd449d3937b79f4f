"""`countyhub analyze did` end to end, as a separate process: bad data, options, what it prints."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

MPDTA = Path(__file__).resolve().parent / "reference" / "mpdta.csv"
COLUMNS = ("--unit", "countyreal", "--time", "year", "--outcome", "lemp")
TREATED = ("--treated-from", "first.treat")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "countyhub.cli", "analyze", "did", *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(MPDTA)


def write(tmp_path: Path, frame: pd.DataFrame, name: str = "panel.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def assert_data_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stderr.startswith("error: "), result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "np." not in result.stderr  # no numpy reprs such as np.float64(2012.5)
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def test_wrong_column_exits_2_naming_it(tmp_path, mpdta):
    data = write(tmp_path, mpdta)
    result = run(
        str(data), "--unit", "countyreal", "--time", "year", "--outcome", "lemp2", *TREATED
    )
    assert_data_error(result, "no column named 'lemp2'", "columns are:")


def test_gap_exits_2_naming_unit_and_period(tmp_path, mpdta):
    data = write(tmp_path, mpdta.drop(index=[7]))
    result = run(str(data), *COLUMNS, *TREATED, "--drop-incomplete")
    assert result.returncode == 0, result.stderr  # the documented way out still works
    result = run(str(data), *COLUMNS, *TREATED)
    assert_data_error(result, "unbalanced", "unit 8019", "period 2005")


def test_non_numeric_cell_exits_2_naming_row_and_column(tmp_path, mpdta):
    text = mpdta.astype({"lemp": object})
    # (pandas' own missing tokens such as "n/a" belong to the shared reader's conventions)
    text.loc[5, "lemp"] = "n.a."
    result = run(str(write(tmp_path, text)), *COLUMNS, *TREATED)
    assert_data_error(result, "column 'lemp', row 6", "'n.a.' is not a number")


def test_fractional_period_is_shown_as_written(tmp_path, mpdta):
    fractional = mpdta.astype({"year": float})
    fractional.loc[0, "year"] = 2012.5
    result = run(str(write(tmp_path, fractional)), *COLUMNS, *TREATED)
    assert_data_error(result, "column 'year', row 1", "2012.5 is not a whole period")


@pytest.mark.parametrize(
    "option", [("--alpha", "1.5"), ("--confidence", "95"), ("--confidence", "0")]
)
def test_bad_level_exits_2(tmp_path, mpdta, option):
    result = run(str(write(tmp_path, mpdta)), *COLUMNS, *TREATED, *option)
    assert_data_error(result, option[0])


def test_treatment_start_differing_within_a_unit_is_named(tmp_path, mpdta):
    changed = mpdta.copy()
    # Unit 8001's row for 2006 (data row 4) claims another first treated period.
    row = changed.index[(changed["countyreal"] == 8001) & (changed["year"] == 2006)][0]
    changed.loc[row, "first.treat"] = 2006
    result = run(str(write(tmp_path, changed)), *COLUMNS, *TREATED)
    assert_data_error(result, "unit 8001", f"row {row + 1}", "column 'first.treat'", "2006", "2007")


def test_unreadable_and_missing_files_exit_2(tmp_path):
    result = run(str(tmp_path / "absent.csv"), *COLUMNS, *TREATED)
    assert_data_error(result, "absent.csv", "no such file")
    header_only = tmp_path / "empty.csv"
    header_only.write_text("countyreal,year,lemp,first.treat\n", encoding="utf-8")
    assert_data_error(run(str(header_only), *COLUMNS, *TREATED), "no data rows")


def test_confidence_is_the_level_and_alpha_a_deprecated_alias(tmp_path, mpdta):
    data = write(tmp_path, mpdta)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    first = run(
        str(data), *COLUMNS, *TREATED, "--confidence", "0.9", "--seed", "3", "--json", str(a)
    )
    second = run(str(data), *COLUMNS, *TREATED, "--alpha", "0.1", "--seed", "3", "--json", str(b))
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "--alpha is deprecated" in second.stderr and "--confidence 0.9" in second.stderr
    one, two = json.loads(a.read_text()), json.loads(b.read_text())
    assert one["confidence"] == two["confidence"] == 0.9
    assert one["simple"]["ci_low"] == two["simple"]["ci_low"]
    assert one["event_time"]["2"]["band_low"] == two["event_time"]["2"]["band_low"]


def test_seed_is_chosen_reported_and_repeats_the_run(tmp_path, mpdta):
    data = write(tmp_path, mpdta)
    out = tmp_path / "did.json"
    first = run(str(data), *COLUMNS, *TREATED, "--json", str(out))
    assert first.returncode == 0, first.stderr
    stamped = json.loads(out.read_text())
    seed = stamped["meta"]["seed"]
    assert isinstance(seed, int)
    assert f"seed {seed}" in first.stdout
    again = tmp_path / "again.json"
    second = run(str(data), *COLUMNS, *TREATED, "--seed", str(seed), "--json", str(again))
    assert second.returncode == 0, second.stderr
    assert json.loads(again.read_text())["event_time"] == stamped["event_time"]


def test_files_given_print_a_short_summary_with_drops_and_where(tmp_path, mpdta):
    early = mpdta.copy()
    early.loc[early["countyreal"] == 8001, "first.treat"] = 2003
    data = write(tmp_path, early.drop(index=[12]))  # unit 8023 misses 2005
    out, page = tmp_path / "did.json", tmp_path / "did.html"
    result = run(
        str(data), *COLUMNS, *TREATED, "--drop-incomplete", "--seed", "11",
        "--json", str(out), "--report", str(page),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "Event study" not in text  # the full tables are in the files
    assert "ATT" in text and "seed 11" in text
    assert str(out) in text and str(page) in text
    assert "dropped 1 unit(s) (4 rows) without a complete row in every period" in text
    assert "dropped 1 unit(s) (5 rows) already treated in the first period" in text
    assert "498 units" in text


def test_reports_are_stamped(tmp_path, mpdta):
    data = write(tmp_path, mpdta)
    out, page = tmp_path / "did.json", tmp_path / "did.html"
    result = run(
        str(data), *COLUMNS, *TREATED, "--seed", "5", "--json", str(out), "--report", str(page)
    )
    assert result.returncode == 0, result.stderr
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    meta = json.loads(out.read_text())["meta"]
    assert meta["data_sha256"] == digest
    assert meta["seed"] == 5
    assert meta["countyhub"]
    assert meta["date"][:2] == "20"
    assert "analyze did" in meta["command"] and "--seed 5" in meta["command"]
    assert "Callaway" in meta["methods"] and "influence function" in meta["methods"]
    html = page.read_text()
    for fragment in (digest, "seed 5", meta["countyhub"], "analyze did", "Methods"):
        assert fragment in html, fragment


def test_options_reach_the_estimator(tmp_path, mpdta):
    data = write(tmp_path, mpdta.assign(state=mpdta["countyreal"] // 1000))
    out = tmp_path / "did.json"
    result = run(
        str(data), *COLUMNS, *TREATED, "--covariates", "lpop", "--method", "ipw",
        "--base-period", "universal", "--anticipation", "1", "--cluster", "state",
        "--bootstrap", "200", "--seed", "2", "--json", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    payload = json.loads(out.read_text())
    assert (payload["method"], payload["base_period"], payload["anticipation"]) == (
        "ipw",
        "universal",
        1,
    )
    assert payload["cluster"] == "state"
    assert "multiplier bootstrap (200" in payload["meta"]["standard_errors"]
    assert payload["pretest"]["df"] >= 1
    bad = run(str(data), *COLUMNS, *TREATED, "--method", "ols")
    assert_data_error(bad, "--method", "dr, ipw, reg")


def test_unbalanced_layout_uses_every_row(tmp_path, mpdta):
    data = write(tmp_path, mpdta.drop(index=[7, 12]))
    result = run(str(data), *COLUMNS, *TREATED, "--layout", "unbalanced", "--seed", "1")
    assert result.returncode == 0, result.stderr
    assert "Event study" in result.stdout
    out = tmp_path / "did.json"
    result = run(
        str(data), *COLUMNS, *TREATED, "--layout", "unbalanced", "--json", str(out), "--seed", "1"
    )
    assert "500 units x 5 periods used (2498 rows, unbalanced)" in result.stdout
    gap = run(str(data), *COLUMNS, *TREATED)
    assert_data_error(gap, "--layout unbalanced", "--drop-incomplete")
