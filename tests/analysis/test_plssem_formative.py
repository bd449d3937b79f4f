"""Formative (mode B) constructs judged by formative criteria (issue 18)."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from countyhub.analysis.plssem import PLSModel
from countyhub.cli import app

from .plssem_support import MEDIATION_MODEL, simulate_mediation


@pytest.fixture(scope="module")
def survey():
    frame = simulate_mediation(300, seed=4)
    rng = np.random.default_rng(4)
    train = frame[["t1", "t2", "t3"]].to_numpy() @ np.array([0.5, 0.3, 0.4])
    frame["t_all"] = train / train.std() + rng.normal(scale=0.4, size=len(frame))
    return frame


def test_reliability_thresholds_are_not_applied_to_a_formative_construct(survey):
    frame = survey.copy()
    result = PLSModel.from_syntax(MEDIATION_MODEL, frame).fit()
    table = next(t for t in result.summary.tables if t.title.startswith("Construct reliability"))
    assert not any(label == "TRAIN" for label, _ in table.flagged)
    assert result.reliability_values[0, 0] < 0.7  # its alpha would have been flagged


def test_weights_significance_vif_levels_and_redundancy(survey):
    result = PLSModel.from_syntax(MEDIATION_MODEL, survey).fit()
    boot = result.bootstrap(200, seed=1)
    assessment = result.formative(boot, global_items={"TRAIN": survey["t_all"].to_numpy()})
    data = assessment.to_dict()["TRAIN"]
    assert set(data["indicators"]) == {"t1", "t2", "t3"}
    t1 = data["indicators"]["t1"]
    assert (
        t1["weight_pvalue"] is not None
        and t1["weight_ci_low"] < t1["weight"] < t1["weight_ci_high"]
    )
    assert t1["vif_level"] == "ok" and t1["verdict"].startswith("keep")
    # The global item is the construct plus noise: the redundancy path is high.
    corr = np.corrcoef(result.scores[:, 0], survey["t_all"])[0, 1]
    assert data["redundancy"] >= abs(corr) - 1e-9 and data["redundancy"] > 0.7
    text = str(assessment.summary)
    assert "Formative indicators" in text and "Redundancy analysis" in text
    assert (
        result.formative() is not None
        and result.formative().indicators[0].verdict == "bootstrap needed"
    )


def test_the_command_prints_formative_criteria_with_a_global_item(tmp_path, survey):
    path = tmp_path / "survey.csv"
    survey.to_csv(path, index=False)
    model = tmp_path / "model.txt"
    model.write_text(MEDIATION_MODEL)
    out = tmp_path / "r.json"
    base = ["analyze", "sem", str(path), "--model", str(model), "--global", "TRAIN=t_all"]
    result = CliRunner().invoke(
        app, [*base, "--bootstrap", "100", "--seed", "3", "--json", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    formative = json.loads(out.read_text())["formative"]["TRAIN"]
    assert (
        formative["redundancy"] > 0.7 and formative["indicators"]["t2"]["weight_pvalue"] is not None
    )
    printed = CliRunner().invoke(app, base)
    assert "Formative indicators" in printed.stdout
    bad = CliRunner().invoke(app, [*base[:-1], "SHOP=t_all"])
    assert bad.exit_code == 2 and "not a mode B construct" in bad.stderr
