"""`countyhub analyze sem` end to end, as a separate process."""

import json
import subprocess
import sys

import pytest

from .plssem_support import CORP_REP, CORP_REP_MODEL


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "countyhub.cli", "analyze", "sem", *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "model.txt"
    path.write_text(CORP_REP_MODEL, encoding="utf-8")
    return path


def test_json_has_the_documented_shape(tmp_path, model_file):
    out = tmp_path / "result.json"
    result = run(
        str(CORP_REP),
        "--model",
        str(model_file),
        "--missing",
        "mean",
        "--na",
        "-99",
        "--bootstrap",
        "300",
        "--seed",
        "1",
        "--json",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    assert data["n"] == 344 and data["dropped_rows"] == 0 and data["converged"] is True
    assert data["weighting"] == "path" and data["iterations"] >= 1
    assert round(data["paths"]["LIKE -> CUSA"], 3) == 0.424
    assert set(data["outer_weights"]["COMP"]) == {"comp_1", "comp_2", "comp_3"}
    assert set(data["reliability"]["LIKE"]) == {"alpha", "rho_a", "rho_c", "ave"}
    assert set(data["vif_inner"]["CUSL"]) == {"COMP", "LIKE", "CUSA"}
    assert data["r_squared_adj"]["CUSL"] < data["r_squared"]["CUSL"]
    assert "COMP -> CUSL" in data["f_squared"] and "COMP -> CUSL" in data["total_effects"]
    assert data["htmt"]["COMP"]["LIKE"] == data["htmt"]["LIKE"]["COMP"]
    assert data["fornell_larcker"]["COMP"]["COMP"] == pytest.approx(
        data["reliability"]["COMP"]["ave"] ** 0.5
    )
    boot = data["bootstrap"]
    assert boot["resamples"] == 300 and boot["seed"] == 1 and boot["failed"] == 0
    assert set(boot["paths"]["COMP -> CUSA"]) >= {
        "mean",
        "std_error",
        "statistic",
        "pvalue",
        "ci_low",
        "ci_high",
        "bca_low",
        "bca_high",
    }
    assert set(boot["outer_loadings"]["COMP"]["comp_1"]) >= {
        "mean",
        "std_error",
        "ci_low",
        "ci_high",
    }


def test_seeded_runs_are_identical(tmp_path, model_file):
    outputs = []
    for name in ("a.json", "b.json"):
        out = tmp_path / name
        run(
            str(CORP_REP),
            "--model",
            str(model_file),
            "--na",
            "-99",
            "--bootstrap",
            "200",
            "--seed",
            "5",
            "--json",
            str(out),
        )
        outputs.append(json.loads(out.read_text())["bootstrap"])
    assert outputs[0] == outputs[1]


def test_report_is_one_self_contained_file(tmp_path, model_file):
    report = tmp_path / "report.html"
    result = run(
        str(CORP_REP),
        "--model",
        str(model_file),
        "--missing",
        "mean",
        "--na",
        "-99",
        "--bootstrap",
        "200",
        "--seed",
        "2",
        "--report",
        str(report),
    )
    assert result.returncode == 0, result.stderr
    page = report.read_text()
    assert "<svg" in page and "R² = 0.295" in page and "0.424***" in page
    assert "Cronbach&#x27;s alpha" in page and "rho_A" in page and "AVE" in page
    assert "Heterotrait-monotrait" in page and "Bootstrap: Path coefficients" in page
    assert "src=" not in page and "href=" not in page  # nothing loaded from elsewhere


def test_without_outputs_it_prints_tables(model_file):
    result = run(str(CORP_REP), "--model", str(model_file), "--na", "-99")
    assert result.returncode == 0
    assert "Path coefficients" in result.stdout and "Construct reliability" in result.stdout


@pytest.mark.parametrize(
    ("model_text", "extra", "message"),
    [
        ("COMP =~ comp_1 + comp_9\nCUSA =~ cusa\nCUSA ~ COMP", [], "model line 1, column 18"),
        ("COMP =~ comp_1 +\n", [], "ends after '+'"),
        (CORP_REP_MODEL, ["--weighting", "circular"], "weighting scheme 'circular'"),
        (CORP_REP_MODEL, ["--missing", "guess"], "missing-value method 'guess'"),
    ],
)
def test_bad_input_exits_non_zero_with_the_message_on_stderr(tmp_path, model_text, extra, message):
    model = tmp_path / "model.txt"
    model.write_text(model_text)
    result = run(str(CORP_REP), "--model", str(model), "--na", "-99", *extra)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_missing_model_file(tmp_path):
    result = run(str(CORP_REP), "--model", str(tmp_path / "none.txt"))
    assert result.returncode == 2 and "cannot read the model file" in result.stderr


def test_the_command_imports_no_django_pandas_scipy_or_plotting(tmp_path, model_file):
    out = tmp_path / "r.json"
    code = (
        "import sys; from countyhub.cli import app\n"
        f"args = ['analyze', 'sem', {str(CORP_REP)!r}, '--model', {str(model_file)!r},"
        f" '--na', '-99', '--bootstrap', '100', '--json', {str(out)!r}]\n"
        "try:\n    app(args)\nexcept SystemExit:\n    pass\n"
        "print(','.join(m for m in ('django', 'pandas', 'scipy', 'matplotlib') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.exists()
    assert result.stdout.strip().splitlines()[-1].startswith("wrote ")  # no module names after
