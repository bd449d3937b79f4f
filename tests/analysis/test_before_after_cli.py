"""`countyhub analyze before-after` end to end, through a subprocess, on files the tests write."""

import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner, Result

from countyhub.cli import app

PAIR_ARGS = [
    "--pair",
    "income=income_2020:income_2022",
    "--pair",
    "spending=spending_2020:spending_2022",
    "--pair",
    "skills=skills_2020:skills_2022",
]
DEFLATE_ARGS = ["--year-before", "2020", "--year-after", "2022", "--base-year", "2020"]


def run_in_process(*args: object) -> Result:
    """The same command in this process: the bad-input cases need no fresh interpreter each."""
    return CliRunner().invoke(app, ["analyze", "before-after", *map(str, args)])


def run(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "countyhub.cli", "analyze", "before-after", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


def survey_frame(n: int = 62) -> pd.DataFrame:
    rng = np.random.default_rng(2022)
    income_2020 = rng.lognormal(8.3, 0.6, n).round()
    frame = pd.DataFrame(
        {
            "household": [f"H{i:03d}" for i in range(n)],
            "income_2020": income_2020,
            "income_2022": (income_2020 * rng.lognormal(0.12, 0.25, n)).round(),
            "spending_2020": rng.normal(5000, 800, n).round(),
            "spending_2022": rng.normal(5300, 800, n).round(),
            "skills_2020": rng.integers(1, 6, n).astype(float),
            "skills_2022": rng.integers(2, 6, n).astype(float),
        }
    )
    frame.loc[4, "skills_2022"] = -99.0  # the survey's "no answer" marker
    frame.loc[7, "income_2022"] = np.nan  # a blank cell
    return frame


@pytest.fixture
def survey_csv(tmp_path):
    path = tmp_path / "villages.csv"
    survey_frame().to_csv(path, index=False)
    return path


def write_table(frame: pd.DataFrame, path):
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_parquet(path, index=False)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_json_from_each_file_type_matches_scipy(tmp_path, suffix):
    frame = survey_frame()
    data = tmp_path / f"villages{suffix}"
    write_table(frame, data)
    out = tmp_path / "out.json"
    money = ["--money", "income,spending"]
    result = run(
        data, "--id", "household", *PAIR_ARGS, *DEFLATE_ARGS, *money, "--na", "-99", "--json", out
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text())
    assert document["base_year"] == 2020
    income = document["measures"]["income"]
    assert (income["n"], income["n_dropped"], income["df"]) == (61, 1, 60)
    assert income["deflated"] is True
    complete = frame.dropna(subset=["income_2020", "income_2022"])
    to_2020 = 1 / (1.007 * 1.020)
    reference = stats.ttest_rel(complete["income_2022"] * to_2020, complete["income_2020"])
    interval = reference.confidence_interval()
    assert income["statistic"] == pytest.approx(reference.statistic, rel=1e-10)
    assert income["pvalue"] == pytest.approx(reference.pvalue, rel=1e-10)
    assert income["ci_low"] == pytest.approx(interval.low, rel=1e-10)
    assert income["ci_high"] == pytest.approx(interval.high, rel=1e-10)
    skills = document["measures"]["skills"]
    assert (skills["n"], skills["n_dropped"], skills["deflated"]) == (61, 1, False)
    assert document["measures"]["spending"]["deflated"] is True
    assert document["cpi"]["name"].startswith("national rural CPI")
    assert document["cpi"]["status_by_year"] == {"2021": "sourced", "2022": "sourced"}
    assert document["poverty"] is None


def test_readable_tables_without_json_or_report(survey_csv):
    result = run(survey_csv, "--id", "household", *PAIR_ARGS, "--na", "-99")
    assert result.returncode == 0, result.stderr
    assert "Paired tests" in result.stdout
    assert "Cohen's dz" in result.stdout
    for name in ("income", "spending", "skills"):
        assert name in result.stdout


def test_poverty_with_the_cpi_indexed_line_and_html_report(survey_csv, tmp_path):
    out, page = tmp_path / "out.json", tmp_path / "report.html"
    result = run(
        survey_csv,
        "--id",
        "household",
        *PAIR_ARGS,
        *DEFLATE_ARGS,
        "--money",
        "income",
        "--poverty",
        "income",
        "--poverty-line",
        "cpi-indexed",
        "--na",
        "-99",
        "--json",
        out,
        "--report",
        page,
    )
    assert result.returncode == 0, result.stderr
    poverty = json.loads(out.read_text())["poverty"]
    assert poverty["measure"] == "income"
    assert poverty["line_method"] == "cpi_indexed"
    assert "not official" in poverty["line_before_status"]
    assert poverty["line_before"] == pytest.approx(poverty["line_after"])
    frame = survey_frame().dropna(subset=["income_2020", "income_2022"])
    below = (frame["income_2020"] < poverty["line_before"]).mean()
    assert poverty["share_before"] == pytest.approx(below)
    html = page.read_text()
    assert html.count("<svg") == 2  # the paired means and the poverty shares
    assert "NOT the official line" in html


def test_user_cpi_file(survey_csv, tmp_path):
    cpi = tmp_path / "province_cpi.csv"
    cpi.write_text("year,cpi,status\n2020,100.0,sourced\n2022,104.0,provisional\n")
    out = tmp_path / "out.json"
    result = run(
        survey_csv,
        "--id",
        "household",
        *PAIR_ARGS,
        *DEFLATE_ARGS,
        "--money",
        "income",
        "--cpi",
        cpi,
        "--na",
        "-99",
        "--json",
        out,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text())
    assert document["cpi"]["status_by_year"] == {"2020": "sourced", "2022": "provisional"}
    assert document["cpi"]["factors"]["2022"] == pytest.approx(100 / 104)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pair", "income=income_2020"], "--pair 'income=income_2020' is malformed"),
        (["--pair", "income_2020:income_2022"], "expected NAME=BEFORE_COL:AFTER_COL"),
        (["--pair", "x=a:b", "--pair", "x=c:d"], "--pair name 'x' is given twice"),
        ([*PAIR_ARGS, "--money", "wealth", *DEFLATE_ARGS], "--money 'wealth' is not a --pair"),
        ([*PAIR_ARGS, "--money", "income,"], "--money has an empty name"),
        ([*PAIR_ARGS, "--poverty", "wealth"], "--poverty 'wealth' is not a --pair name"),
        (
            [*PAIR_ARGS, "--money", "income", "--year-before", "2020"],
            "--money needs --year-after, --base-year",
        ),
        ([*PAIR_ARGS, "--cpi", "cpi.csv"], "--cpi needs --money"),
        ([*PAIR_ARGS, "--base-year", "2020"], "--base-year needs --money"),
        ([*PAIR_ARGS, "--poverty", "income"], "--poverty needs --year-before and --year-after"),
        (
            [*PAIR_ARGS, "--poverty", "income", "--poverty-line", "median"],
            "--poverty-line 'median': use 'official' or 'cpi-indexed'",
        ),
        (
            [
                *PAIR_ARGS,
                "--money",
                "income",
                "--year-before",
                "2020",
                "--year-after",
                "2030",
                "--base-year",
                "2020",
            ],
            "no value for 2030; it covers 2009-2023",
        ),
        (
            [*PAIR_ARGS, "--poverty", "income", "--year-before", "2020", "--year-after", "2022"],
            "no value for 2022 .*--poverty-line cpi-indexed",
        ),
        (["--pair", "income=income_2020:income_2023"], "no column named 'income_2023'"),
        (
            ["--pair", "skills=skills_2020:skills_2022"],
            r"column 'skills_2022', row 5 \(file line 6\): 'unknown'",
        ),
    ],
)
def test_each_bad_input_has_its_own_message(tmp_path, args, message):
    frame = survey_frame()
    frame["skills_2022"] = frame["skills_2022"].astype(object)
    frame.loc[4, "skills_2022"] = "unknown"
    data = tmp_path / "villages.csv"
    frame.to_csv(data, index=False)
    result = run_in_process(data, "--id", "household", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "error:" in result.stderr
    assert re.search(message, result.stderr), result.stderr


def test_missing_data_file_and_missing_id_column(tmp_path, survey_csv):
    absent = run(tmp_path / "absent.csv", "--id", "household", *PAIR_ARGS)
    assert absent.returncode != 0
    assert "absent.csv: no such file" in absent.stderr
    wrong_id = run(survey_csv, "--id", "hh", *PAIR_ARGS)
    assert wrong_id.returncode != 0
    assert "no id column named 'hh'" in wrong_id.stderr


def test_unwritable_output_is_reported(survey_csv, tmp_path):
    result = run(survey_csv, "--id", "household", *PAIR_ARGS, "--json", tmp_path / "no" / "o.json")
    assert result.returncode != 0
    assert "o.json" in result.stderr


def test_users_own_poverty_line_table_carries_its_status(survey_csv, tmp_path):
    lines = tmp_path / "lines.csv"
    lines.write_text("year,yuan,status\n2020,4000,approximate\n2022,4300,county figure\n")
    out = tmp_path / "out.json"
    result = run_in_process(
        survey_csv, "--id", "household", *PAIR_ARGS, "--year-before", "2020",
        "--year-after", "2022", "--poverty", "income", "--poverty-lines", lines,
        "--na", "-99", "--json", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    poverty = json.loads(out.read_text())["poverty"]
    assert (poverty["line_before"], poverty["line_after"]) == (4000, 4300)
    assert poverty["line_after_status"] == "county figure"
    assert poverty["line_method"] == "official"
    frame = survey_frame().dropna(subset=["income_2020", "income_2022"])
    assert poverty["share_after"] == pytest.approx((frame["income_2022"] < 4300).mean())


def test_continuity_correction_on_the_command_line(tmp_path, survey_csv):
    out = tmp_path / "out.json"
    result = run_in_process(
        survey_csv, "--id", "household", *PAIR_ARGS, "--na", "-99", "--continuity-correction",
        "--json", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    skills = json.loads(out.read_text())["measures"]["skills"]
    assert skills["wilcoxon_method"].endswith("continuity-corrected (as R's wilcox.test)")
    frame = survey_frame()
    frame = frame[frame["skills_2022"] != -99.0]
    diff = (frame["skills_2022"] - frame["skills_2020"]).to_numpy()
    reference = stats.wilcoxon(diff, correction=True, method="asymptotic")
    assert skills["wilcoxon_pvalue"] == pytest.approx(reference.pvalue, rel=1e-10)
