"""`countyhub analyze sem` with a higher-order construct and with product-indicator moderation,
as a separate process."""

import json
import subprocess
import sys

import pytest

from .plssem_support import CORP_REP, CORP_REP_MODEL
from .test_plssem_higher_order import EXOGENOUS


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "countyhub.cli", "analyze", "sem", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_higher_order_model_is_estimated_and_reported(tmp_path):
    model = tmp_path / "hoc.txt"
    model.write_text(EXOGENOUS, encoding="utf-8")
    out = tmp_path / "hoc.json"
    result = run(
        str(CORP_REP), "--model", str(model), "--na", "-99", "--bootstrap", "50", "--seed", "4",
        "--json", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert payload["higher_order"]["REP"]["dimensions"] == ["COMP", "LIKE"]
    assert set(payload["higher_order"]["REP"]["first_stage"]) == {"COMP", "LIKE"}
    assert "REP -> CUSA" in payload["paths"]
    assert payload["bootstrap"]["resamples"] == 50
    printed = run(str(CORP_REP), "--model", str(model), "--na", "-99")
    assert printed.returncode == 0, printed.stderr
    assert "Higher-order constructs (two-stage" in printed.stdout
    assert "REP / COMP: comp_1" in printed.stdout


def test_product_indicator_option(tmp_path):
    model = tmp_path / "mod.txt"
    model.write_text(CORP_REP_MODEL + "CUSL ~ COMP:LIKE\n", encoding="utf-8")
    out = tmp_path / "mod.json"
    args = [str(CORP_REP), "--model", str(model), "--na", "-99", "--json", str(out)]
    result = run(*args, "--interaction", "product-indicator")
    assert result.returncode == 0, result.stderr
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert payload["interaction_method"] == "product-indicator"
    assert len(payload["constructs"]["COMP:LIKE"]["indicators"]) == 9
    assert run(*args).returncode == 0
    assert json.loads(out.read_text(encoding="utf-8"))["interaction_method"] == "two-stage"


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        (CORP_REP_MODEL + "CUSL ~ COMP:LIKE\n", ["--interaction", "orthogonal"], "'orthogonal'"),
        (
            EXOGENOUS.replace("REP =~ COMP + LIKE", "REP =~ COMP + like_1"),
            [],
            "model line 6, column 8: 'COMP' is a construct",
        ),
        (
            EXOGENOUS + "CUSA ~ LIKE\n",
            [],
            "model line 9, column 8: 'LIKE' is a construct, not an indicator",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_place(tmp_path, text, args, message):
    model = tmp_path / "bad.txt"
    model.write_text(text, encoding="utf-8")
    result = run(str(CORP_REP), "--model", str(model), "--na", "-99", *args)
    assert result.returncode == 2
    assert message in result.stderr
