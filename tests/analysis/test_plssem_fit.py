"""Model fit (SRMR, d_ULS, d_G, NFI) on a known population, a hand-worked case, and corp_rep."""

import numpy as np
import pandas as pd
import pytest

from countyhub.analysis.plssem import PLSModel
from countyhub.analysis.plssem.fit import transform_to_model

from .plssem_support import CORP_REP, CORP_REP_MODEL


def composite_population() -> tuple[np.ndarray, list[str]]:
    """Indicator correlations of a composite model: A <~ a1..a3, B <~ b1, b2, C <~ c1, c2;
    within blocks free, between blocks S_kk w_k phi_kl w_l' S_ll."""
    blocks = {"A": 3, "B": 2, "C": 2}
    within = {
        "A": np.array([[1, 0.4, 0.3], [0.4, 1, 0.2], [0.3, 0.2, 1]]),
        "B": np.array([[1, 0.5], [0.5, 1]]),
        "C": np.array([[1, 0.35], [0.35, 1]]),
    }
    weights = {"A": np.array([0.5, 0.4, 0.3]), "B": np.array([0.6, 0.5]), "C": np.array([0.7, 0.4])}
    for k in weights:  # unit-variance composites
        weights[k] = weights[k] / np.sqrt(weights[k] @ within[k] @ weights[k])
    phi = np.array([[1, 0.3, 0.45], [0.3, 1, 0.5], [0.45, 0.5, 1]])
    names = list(blocks)
    size = sum(blocks.values())
    sigma = np.zeros((size, size))
    starts = np.cumsum([0, *blocks.values()])
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            rows = slice(starts[i], starts[i + 1])
            cols = slice(starts[j], starts[j + 1])
            if i == j:
                sigma[rows, cols] = within[a]
            else:
                left = within[a] @ weights[a]
                right = within[b] @ weights[b]
                sigma[rows, cols] = np.outer(left, right) * phi[i, j]
    items = [f"{k.lower()}{i + 1}" for k, count in blocks.items() for i in range(count)]
    return sigma, items


COMPOSITE_MODEL = """
A <~ a1 + a2 + a3
B <~ b1 + b2
C <~ c1 + c2
B ~ A
C ~ A + B
"""


def test_a_composite_population_fits_exactly():
    sigma, items = composite_population()
    rng = np.random.default_rng(1)
    raw = rng.normal(size=(500, len(items)))
    frame = pd.DataFrame(transform_to_model(raw, sigma), columns=items)  # correlations = sigma
    fit = PLSModel.from_syntax(COMPOSITE_MODEL, frame).fit().model_fit()
    for model in ("saturated", "estimated"):  # saturated structure: the two coincide
        assert fit.values[model]["srmr"] == pytest.approx(0, abs=1e-8)
        assert fit.values[model]["d_uls"] == pytest.approx(0, abs=1e-12)
        assert fit.values[model]["d_g"] == pytest.approx(0, abs=1e-10)
        assert fit.values[model]["nfi"] == pytest.approx(1, abs=1e-10)


def test_a_missing_path_worsens_only_the_estimated_model():
    sigma, items = composite_population()
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(transform_to_model(rng.normal(size=(500, 7)), sigma), columns=items)
    restricted = COMPOSITE_MODEL.replace("C ~ A + B", "C ~ B")
    fit = PLSModel.from_syntax(restricted, frame).fit().model_fit()
    assert fit.values["estimated"]["srmr"] > fit.values["saturated"]["srmr"] + 0.01


def test_hand_worked_single_items_reproduce_the_data():
    rng = np.random.default_rng(3)
    a = rng.normal(size=60)
    frame = pd.DataFrame({"a": a, "b": 0.5 * a + rng.normal(size=60)})
    fit = PLSModel.from_syntax("A =~ a\nB =~ b\nB ~ A", frame).fit().model_fit()
    assert fit.values["saturated"]["srmr"] == pytest.approx(0, abs=1e-12)


def test_corp_rep_fit_with_bootstrap_quantiles():
    result = PLSModel.from_syntax(CORP_REP_MODEL, CORP_REP, na="-99").fit()
    fit = result.model_fit(200, seed=1)
    p = len(result.structure.indicators)
    srmr, d_uls = fit.values["saturated"]["srmr"], fit.values["saturated"]["d_uls"]
    assert d_uls == pytest.approx(srmr**2 * p * (p + 1) / 2)  # same residuals, two scalings
    assert 0 < srmr < 0.1
    q95, q99 = fit.quantiles["estimated"]["srmr"]
    assert 0 < q95 < q99
    assert fit.to_dict()["estimated"]["srmr"]["q95"] == q95
    assert "SRMR" in str(fit.summary) and list(fit.to_frame().columns) == ["value", "q95", "q99"]
    again = result.model_fit(200, seed=1)
    assert again.quantiles == fit.quantiles


def test_the_command_reports_model_fit_in_every_output(tmp_path):
    import json

    from typer.testing import CliRunner

    from countyhub.cli import app

    model = tmp_path / "model.txt"
    model.write_text(CORP_REP_MODEL)
    base = ["analyze", "sem", str(CORP_REP), "--model", str(model), "--na", "-99"]
    printed = CliRunner().invoke(app, base)
    assert "Model fit" in printed.stdout and "SRMR" in printed.stdout
    out, page = tmp_path / "r.json", tmp_path / "r.html"
    written = CliRunner().invoke(
        app,
        [*base, "--fit-bootstrap", "100", "--seed", "2", "--json", str(out), "--report", str(page)],
    )
    assert written.exit_code == 0, written.stderr
    assert "Model fit: SRMR" in written.stdout and "95% quantile" in written.stdout
    fit = json.loads(out.read_text())["model_fit"]
    assert fit["resamples"] == 100 and fit["estimated"]["srmr"]["q99"] > 0
    assert "d_ULS" in page.read_text()
