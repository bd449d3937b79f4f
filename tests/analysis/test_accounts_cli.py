"""`countyhub analyze accounts` end to end on a flows file the test writes."""

import json
import subprocess
import sys

from typer.testing import CliRunner

from countyhub.cli import app
from tests.analysis.test_accounts import WORKED_EXAMPLE, write_csv


def test_json_and_report_of_the_worked_example(tmp_path):
    flows = write_csv(tmp_path / "flows.csv", WORKED_EXAMPLE)
    out, report = tmp_path / "accounts.json", tmp_path / "accounts.html"
    result = subprocess.run(
        [sys.executable, "-m", "countyhub.cli", "analyze", "accounts", str(flows),
         "--county", "Example County", "--json", str(out), "--report", str(report)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text())
    assert {k: document[k] for k in ("C", "I", "G", "X_domestic", "X_foreign", "M", "NX", "Y")} == {
        "C": "1430000.00",
        "I": "800000.00",
        "G": "200000.00",
        "X_domestic": "2800000.00",
        "X_foreign": "600000.00",
        "M": "2075000.00",
        "NX": "1325000.00",
        "Y": "3755000.00",
    }
    assert document["memo"]["transfers"] == "500000.00"
    assert document["memo"]["unlinked_intermediate_imports"] == "0.00"
    assert document["memo"]["gmv"] == "5950000.00"
    assert "<svg" in report.read_text()


def test_text_summary_without_outputs(tmp_path):
    flows = write_csv(tmp_path / "flows.csv", WORKED_EXAMPLE)
    result = CliRunner().invoke(app, ["analyze", "accounts", str(flows)])
    assert result.exit_code == 0
    assert "3755000.00" in result.output and "transfers" in result.output


def test_bad_row_exits_2_naming_row_and_column(tmp_path):
    rows = [dict(r) for r in WORKED_EXAMPLE]
    rows[2]["buyer_region"] = "Qingshan"
    flows = write_csv(tmp_path / "flows.csv", rows)
    out = tmp_path / "accounts.json"
    result = CliRunner().invoke(app, ["analyze", "accounts", str(flows), "--json", str(out)])
    assert result.exit_code == 2
    assert result.output.startswith("error: ")
    assert "row 3 (file line 4), id 'b', column 'buyer_region'" in result.output
    assert not out.exists()  # no partial totals written


def test_missing_file_exits_2(tmp_path):
    result = CliRunner().invoke(app, ["analyze", "accounts", str(tmp_path / "none.csv")])
    assert result.exit_code == 2 and "no such file" in result.output
