"""Consistent PLS (PLSc) and bootstrapped f² (issue 18).

PLSc is checked four ways: against seminr-py's ``PLSc`` (reflective constructs; seminr-py matches
R seminr, whose ``PLSc()`` follows Dijkstra & Henseler 2015) on the primer's model and on a model
with a formative block, bootstrap resamples included; by the identities that define it, computed
by hand from the PLS estimate; by a simulation with a known population common-factor model, where
PLS is attenuated and PLSc recovers the population; and by inadmissible and undefined cases,
which are reported, not clipped. No R and no cSEM can run here, and cSEM's documented examples
use data (``satisfaction``, ``threecommonfactors``) that are not in the test data.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import seminr

from countyhub.analysis.errors import AnalysisError
from countyhub.analysis.plssem import PLSModel, consistent, evaluate
from countyhub.analysis.plssem.results import PLSResults

from .plssem_support import CORP_REP, CORP_REP_MODEL, MEDIATION_MODEL, simulate_mediation

TOL = 1e-8


def _peer(spec, frame: pd.DataFrame, missing_value=None):  # type: ignore[no-untyped-def]
    """seminr-py with every mode A block reflective (PLSc) and mode B blocks composites."""
    constructs = seminr.constructs(
        *[
            seminr.reflective(m.construct, list(m.indicators))
            if m.mode == "A"
            else seminr.composite(m.construct, list(m.indicators), weights=seminr.mode_B)
            for m in spec.measurement
        ]
    )
    relations = seminr.relationships(
        *[seminr.paths(from_=p.source, to=p.target) for p in spec.paths]
    )
    return seminr.estimate_pls(frame, constructs, relations, missing_value=missing_value)


def _cases():
    yield "corp_rep", CORP_REP_MODEL, pd.read_csv(CORP_REP), -99
    yield "mediation_formative", MEDIATION_MODEL, simulate_mediation(400, seed=5), None


CASES = list(_cases())


@pytest.fixture(scope="module", params=CASES, ids=[c[0] for c in CASES])
def pair(request):
    _, text, frame, na = request.param
    ours = PLSModel.from_syntax(text, frame, missing="mean", na=na).fit(consistent=True)
    return ours, _peer(ours.model.spec, frame, na)


@pytest.fixture(scope="module")
def corp_rep() -> tuple[PLSResults, PLSResults]:
    model = PLSModel.from_syntax(CORP_REP_MODEL, CORP_REP, missing="mean", na="-99")
    return model.fit(), model.fit(consistent=True)


# Agreement with seminr-py's PLSc ---------------------------------------------------------------
def test_plsc_paths_r_squared_and_loadings_agree_with_seminr(pair):
    ours, peer = pair
    s = ours.structure
    names = s.constructs
    expected = np.array([[peer.path_coef.get(a, b) for b in names] for a in names])
    np.testing.assert_allclose(ours.path_matrix, expected, atol=TOL)
    for k in s.endogenous:
        assert ours.r_squared_values[k] == pytest.approx(
            peer.r_squared.get("Rsq", names[k]), abs=TOL
        )
        assert ours.r_squared_adj_values[k] == pytest.approx(
            peer.r_squared.get("AdjRsq", names[k]), abs=TOL
        )
    for i, item in enumerate(s.indicators):
        own = names[s.block_of[i]]
        assert ours.loadings[i] == pytest.approx(peer.outer_loadings.get(item, own), abs=TOL)
    rho = seminr.rho_A(peer, list(names))
    for k, name in enumerate(names):
        assert ours.reliability_values[k, 1] == pytest.approx(rho.get(name, "rhoA"), abs=TOL)


def test_plsc_f_squared_agrees_with_seminr(pair):
    ours, peer = pair
    names = ours.structure.constructs
    f2 = seminr.model_fsquares(peer)
    for j, k in ours.path_pairs():
        assert ours.f_squared_values[j, k] == pytest.approx(f2.get(names[j], names[k]), abs=TOL)


def test_plsc_bootstrap_corrects_every_resample_as_seminr_does(pair):
    ours, peer = pair
    indices = np.random.default_rng(12).integers(0, ours.n, size=(40, ours.n))
    boot = ours.bootstrap(indices=indices)
    theirs = seminr.bootstrap_model(peer, indices=indices)
    assert boot.consistent
    assert boot.failed == theirs.fails == 0
    stat = boot.statistics["paths"]
    desc = theirs.paths_descriptives
    for index, (a, b) in enumerate(stat.labels):
        i = desc.rows.index(a)
        assert stat.mean[index] == pytest.approx(
            desc.values[i, desc.cols.index(f"{b} Boot Mean")], abs=TOL
        )
        assert stat.std_error[index] == pytest.approx(
            desc.values[i, desc.cols.index(f"{b} Boot SD")], abs=TOL
        )
    loads = boot.statistics["outer_loadings"]
    ldesc = theirs.loadings_descriptives
    for index, (construct, item) in enumerate(loads.labels):
        i = ldesc.rows.index(item)
        assert loads.mean[index] == pytest.approx(
            ldesc.values[i, ldesc.cols.index(f"{construct} Boot Mean")], abs=TOL
        )


def test_plsc_with_a_two_stage_interaction_agrees_with_seminr():
    text = CORP_REP_MODEL.replace(
        "CUSL ~ COMP + LIKE + CUSA", "CUSL ~ COMP + LIKE + CUSA + CUSA:LIKE"
    )
    ours = PLSModel.from_syntax(text, CORP_REP, na="-99").fit(consistent=True)
    frame = pd.read_csv(CORP_REP)
    constructs = seminr.constructs(
        seminr.reflective("COMP", ["comp_1", "comp_2", "comp_3"]),
        seminr.reflective("LIKE", ["like_1", "like_2", "like_3"]),
        seminr.reflective("CUSA", ["cusa"]),
        seminr.reflective("CUSL", ["cusl_1", "cusl_2", "cusl_3"]),
        seminr.interaction_term(iv="CUSA", moderator="LIKE", method=seminr.two_stage),
    )
    relations = seminr.relationships(
        seminr.paths(from_=["COMP", "LIKE"], to="CUSA"),
        seminr.paths(from_=["COMP", "LIKE", "CUSA", "CUSA*LIKE"], to="CUSL"),
    )
    peer = seminr.estimate_pls(frame, constructs, relations, missing_value=-99)
    paths = ours.to_dict()["paths"]
    for a in peer.path_coef.rows:
        for b in peer.path_coef.cols:
            value = peer.path_coef.get(a, b)
            if value != 0:
                assert paths[f"{a.replace('*', ':')} -> {b}"] == pytest.approx(value, abs=TOL)
    interaction = ours.structure.constructs.index("CUSA:LIKE")
    assert ours.reliability_values[interaction, 1] == 1.0  # a product indicator: uncorrected


# Identities, by hand ---------------------------------------------------------------------------
def test_plsc_is_the_published_correction_of_the_pls_estimate(corp_rep):
    pls, plsc = corp_rep
    s = pls.structure
    rho = pls.reliability_values[:, 1]
    np.testing.assert_allclose(plsc.reliability_values[:, 1], rho)
    # corrected correlations r_ij / sqrt(rho_i rho_j), unit diagonal
    expected = pls.construct_cor / np.sqrt(np.outer(rho, rho))
    np.fill_diagonal(expected, 1.0)
    np.testing.assert_allclose(plsc.construct_cor, expected, atol=1e-12)
    # paths: OLS of each endogenous construct on its predecessors, on the corrected correlations
    for k in s.endogenous:
        pred = s.predecessors[k]
        beta = np.linalg.solve(expected[np.ix_(pred, pred)], expected[pred, k])
        np.testing.assert_allclose(plsc.path_matrix[pred, k], beta, atol=1e-12)
        assert plsc.r_squared_values[k] == pytest.approx(beta @ expected[pred, k], abs=1e-12)
    # consistent loadings w sqrt(rho_A) / (w'w); the single item CUSA keeps its loading of 1
    for k, block in enumerate(s.blocks):
        w = pls.weights[block, k]
        np.testing.assert_allclose(plsc.loadings[block], w * np.sqrt(rho[k]) / (w @ w))
    assert plsc.loadings[s.indicators.index("cusa")] == pytest.approx(1.0)
    # PLS's weights, scores and HTMT are kept; the paths are disattenuated
    np.testing.assert_array_equal(plsc.weights, pls.weights)
    np.testing.assert_array_equal(plsc.scores, pls.scores)
    np.testing.assert_array_equal(plsc.htmt_matrix, pls.htmt_matrix)
    np.testing.assert_array_equal(plsc.uncorrected_paths, pls.path_matrix)
    like, cusa = s.constructs.index("LIKE"), s.constructs.index("CUSA")
    assert plsc.path_matrix[like, cusa] > pls.path_matrix[like, cusa]
    # rho_C and AVE come from the consistent loadings
    comp = s.blocks[s.constructs.index("COMP")]
    lam = plsc.loadings[comp]
    assert plsc.reliability_values[0, 3] == pytest.approx(np.mean(lam**2))
    assert plsc.reliability_values[0, 2] == pytest.approx(
        lam.sum() ** 2 / (lam.sum() ** 2 + np.sum(1 - lam**2))
    )


def test_single_indicator_constructs_have_rho_a_one_and_plsc_equals_pls():
    frame = simulate_mediation(300, seed=8)
    text = "A =~ s1\nB =~ y1\nC =~ inc\nB ~ A\nC ~ A + B\n"
    model = PLSModel.from_syntax(text, frame)
    pls, plsc = model.fit(), model.fit(consistent=True)
    np.testing.assert_array_equal(plsc.reliability_values[:, 1], 1.0)
    np.testing.assert_allclose(plsc.path_matrix, pls.path_matrix, atol=1e-14)
    np.testing.assert_allclose(plsc.r_squared_values, pls.r_squared_values, atol=1e-14)
    np.testing.assert_allclose(plsc.loadings, pls.loadings, atol=1e-14)
    np.testing.assert_allclose(plsc.f_squared_values, pls.f_squared_values, atol=1e-12)
    assert plsc.inadmissible == ()


def test_a_formative_block_is_not_corrected():
    frame = simulate_mediation(500, seed=9)
    model = PLSModel.from_syntax(MEDIATION_MODEL, frame)
    pls, plsc = model.fit(), model.fit(consistent=True)
    s = pls.structure
    train, shop = s.constructs.index("TRAIN"), s.constructs.index("SHOP")
    assert plsc.reliability_values[train, 1] == 1.0
    block = s.blocks[train]
    np.testing.assert_array_equal(plsc.loadings[block], pls.loadings[block])
    rho_shop = pls.reliability_values[shop, 1]
    assert plsc.construct_cor[train, shop] == pytest.approx(
        pls.construct_cor[train, shop] / np.sqrt(rho_shop)
    )
    # TRAIN -> SHOP is SHOP's only path: the corrected correlation itself
    assert plsc.path_matrix[train, shop] == pytest.approx(plsc.construct_cor[train, shop])


# A known population ----------------------------------------------------------------------------
POPULATION_MODEL = """
X =~ x1 + x2 + x3
M =~ m1 + m2 + m3
Y =~ y1 + y2 + y3 + y4
M ~ X
Y ~ X + M
"""
POPULATION_PATHS = {("X", "M"): 0.5, ("X", "Y"): 0.3, ("M", "Y"): 0.4}
POPULATION_R2 = {"M": 0.25, "Y": 0.37}
POPULATION_LOADINGS = (0.8, 0.7, 0.6, 0.85, 0.75, 0.65, 0.8, 0.7, 0.7, 0.6)


def simulate_factors(n: int, seed: int) -> pd.DataFrame:
    """Common factors X, M, Y of unit variance (M = .5 X + e, Y = .3 X + .4 M + e) measured by
    indicators x = loading * factor + error of variance 1 - loading²."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    m = 0.5 * x + rng.normal(scale=np.sqrt(0.75), size=n)
    y = 0.3 * x + 0.4 * m + rng.normal(scale=np.sqrt(0.63), size=n)
    names = [f"{c}{i}" for c, size in (("x", 3), ("m", 3), ("y", 4)) for i in range(1, size + 1)]
    factors = [x] * 3 + [m] * 3 + [y] * 4
    return pd.DataFrame(
        {
            name: lam * f + rng.normal(scale=np.sqrt(1 - lam**2), size=n)
            for name, f, lam in zip(names, factors, POPULATION_LOADINGS, strict=True)
        }
    )


def test_plsc_recovers_the_population_paths_that_pls_attenuates():
    model = PLSModel.from_syntax(POPULATION_MODEL, simulate_factors(20000, seed=2026))
    pls, plsc = model.fit(), model.fit(consistent=True)
    names = pls.structure.constructs
    for (a, b), true in POPULATION_PATHS.items():
        j, k = names.index(a), names.index(b)
        assert plsc.path_matrix[j, k] == pytest.approx(true, abs=0.02), (a, b)
        assert pls.path_matrix[j, k] < true - 0.03, (a, b)  # attenuated by measurement error
    for name, true in POPULATION_R2.items():
        assert plsc.r_squared_values[names.index(name)] == pytest.approx(true, abs=0.02)
        assert pls.r_squared_values[names.index(name)] < true - 0.05
    np.testing.assert_allclose(plsc.loadings, POPULATION_LOADINGS, atol=0.02)
    assert plsc.inadmissible == ()


# Inadmissible and undefined results ------------------------------------------------------------
def _overcorrected(n: int = 3000) -> pd.DataFrame:
    """Two blocks whose items correlate 0.3 within and 0.35 across blocks: the corrected
    correlation of A and B is about 0.35 / 0.3 > 1."""
    cor = np.full((4, 4), 0.35)
    cor[:2, :2] = cor[2:, 2:] = 0.3
    np.fill_diagonal(cor, 1.0)
    values = np.random.default_rng(4).multivariate_normal(np.zeros(4), cor, size=n)
    return pd.DataFrame(values, columns=["a1", "a2", "b1", "b2"])


def test_an_inadmissible_plsc_estimate_is_reported_not_clipped():
    result = PLSModel.from_syntax("A =~ a1 + a2\nB =~ b1 + b2\nB ~ A\n", _overcorrected()).fit(
        consistent=True
    )
    assert result.construct_cor[0, 1] > 1.05
    assert result.path_matrix[0, 1] == pytest.approx(result.construct_cor[0, 1])
    assert result.r_squared_values[1] > 1
    text = " ".join(result.inadmissible)
    assert "correlation of A and B" in text
    assert "R² of B" in text
    assert any(w.startswith("PLSc result inadmissible") for w in result.warnings)
    document = result.to_dict()
    assert document["estimator"] == "PLSc"
    assert document["inadmissible"] == list(result.inadmissible)
    assert document["paths"]["A -> B"] > 1.05
    assert "PLSc result inadmissible" in result.summary.as_text()
    boot = result.bootstrap(200, seed=1, effect_sizes=False)
    assert boot.inadmissible > 150
    assert "inadmissible (kept)" in boot.summary.as_text()


def test_inadmissible_mask_flags_each_kind():
    s = PLSModel.from_syntax("A =~ a1 + a2\nB =~ b1 + b2\nB ~ A\n", _overcorrected()).structure
    good = consistent.Correction(
        rho_a=np.array([[0.8, 0.9]]),
        construct_cor=np.array([[[1.0, 0.5], [0.5, 1.0]]]),
        loadings=np.array([[0.8, 0.7, 0.9, 0.6]]),
        paths=np.array([[[0.0, 0.5], [0.0, 0.0]]]),
        r_squared=np.array([[np.nan, 0.25]]),
        total_effects=np.array([[[0.0, 0.5], [0.0, 0.0]]]),
        failed=np.array([False]),
    )
    assert not consistent.inadmissible_mask(good)[0]
    assert consistent.inadmissible(good, s) == []
    rho_high = consistent.Correction(**{**good.__dict__, "rho_a": np.array([[1.02, 0.9]])})
    heywood = consistent.Correction(
        **{**good.__dict__, "loadings": np.array([[1.1, 0.7, 0.9, 0.6]])}
    )
    for bad, words in ((rho_high, "rho_A of A is 1.020"), (heywood, "loading of a1 on A is 1.100")):
        assert consistent.inadmissible_mask(bad)[0]
        assert any(words in note for note in consistent.inadmissible(bad, s))


def test_a_negative_rho_a_is_refused_naming_the_construct():
    rng = np.random.default_rng(0)
    n = 500
    f, g = rng.normal(size=n), rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "a1": f + rng.normal(size=n),
            "a2": -0.3 * f + rng.normal(size=n),
            "b1": g + f,
            "b2": g + rng.normal(size=n),
        }
    )
    model = PLSModel.from_syntax("A =~ a1 + a2\nB =~ b1 + b2\nB ~ A\n", frame)
    model.fit()  # PLS itself is defined
    with pytest.raises(AnalysisError, match=r"rho_A is not positive for B \(-\d"):
        model.fit(consistent=True)


# f² with bootstrap intervals -------------------------------------------------------------------
@pytest.mark.parametrize("plsc", [False, True], ids=["PLS", "PLSc"])
def test_f_squared_intervals_contain_the_estimate_and_match_their_draws(corp_rep, plsc):
    result = corp_rep[plsc]
    boot = result.bootstrap(600, seed=18)
    stat = boot.statistics["f_squared"]
    names = result.structure.constructs
    assert stat.labels == [(names[j], names[k]) for j, k in result.path_pairs()]
    np.testing.assert_allclose(
        stat.original, [result.f_squared_values[j, k] for j, k in result.path_pairs()]
    )
    assert np.all(stat.ci_low <= stat.original)
    assert np.all(stat.original <= stat.ci_high)
    draws = boot.draws["f_squared"]
    np.testing.assert_allclose(stat.ci_low, np.quantile(draws, 0.025, axis=0))
    np.testing.assert_allclose(stat.ci_high, np.quantile(draws, 0.975, axis=0))
    document = boot.to_dict()
    assert set(document["f_squared"]) == {f"{a} -> {b}" for a, b in stat.labels}
    assert "f²(CUSA -> CUSL)" in boot.summary.as_text()


@pytest.mark.parametrize("plsc", [False, True], ids=["PLS", "PLSc"])
def test_a_resample_s_f_squared_and_paths_equal_a_direct_fit_of_its_rows(plsc):
    frame = simulate_mediation(300, seed=21)
    result = PLSModel.from_syntax(MEDIATION_MODEL, frame).fit(consistent=plsc)
    indices = np.random.default_rng(22).integers(0, 300, size=(3, 300))
    boot = result.bootstrap(indices=indices)
    assert boot.failed == 0
    pairs = result.path_pairs()
    for b in range(3):
        direct = PLSModel.from_syntax(
            MEDIATION_MODEL, frame.iloc[indices[b]].reset_index(drop=True)
        ).fit(consistent=plsc)
        np.testing.assert_allclose(
            boot.draws["f_squared"][b],
            [direct.f_squared_values[j, k] for j, k in pairs],
            atol=1e-8,
        )
        np.testing.assert_allclose(
            boot.draws["paths"][b], [direct.path_matrix[j, k] for j, k in pairs], atol=1e-8
        )


def test_f_squared_batch_equals_the_single_estimate(corp_rep):
    for result in corp_rep:
        batch = evaluate.f_squared_batch(
            np.stack([result.indicator_cor] * 2),
            result.structure,
            np.stack([result.r_squared_values] * 2),
            scheme="path",
            max_iter=300,
            tol=1e-7,
            consistent=result.consistent,
        )
        np.testing.assert_allclose(batch[1], result.f_squared_values, equal_nan=True)


def test_effect_sizes_can_be_left_out_of_the_bootstrap(corp_rep):
    boot = corp_rep[0].bootstrap(50, seed=3, effect_sizes=False)
    assert boot.statistics["f_squared"].labels == []
    assert boot.to_dict()["f_squared"] == {}


# Renderings and the command line ---------------------------------------------------------------
def test_renderings_say_plsc(corp_rep):
    pls, plsc = corp_rep
    assert plsc.estimator == "PLSc" and pls.estimator == "PLS"
    text = plsc.summary.as_text()
    assert "PLS-SEM estimate (PLSc)" in text
    assert "PLS (uncorrected)" in text
    assert "PLSc" not in pls.summary.as_text()
    document = plsc.to_dict()
    assert document["consistent"] is True
    assert document["uncorrected"]["paths"]["COMP -> CUSA"] == pytest.approx(0.162, abs=5e-4)
    assert document["rho_a"]["CUSA"] == 1.0
    assert document["outer_loadings"]["COMP"]["comp_1"] == pytest.approx(plsc.loadings[0])
    assert "Consistent PLS (PLSc" in document["methods"]
    page = plsc.to_html()
    assert "<title>PLS-SEM report (PLSc)" in page
    assert "Path coefficients (PLSc)" in page
    frame = plsc.to_frame()
    assert list(frame.columns) == ["coefficient", "f_squared", "vif", "pls_coefficient"]
    assert list(pls.to_frame().columns) == ["coefficient", "f_squared", "vif"]
    np.testing.assert_allclose(
        plsc.outer_loadings.to_numpy().sum(axis=1), plsc.loadings, atol=1e-15
    )


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "countyhub.cli", "analyze", "sem", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_command_line_consistent(tmp_path):
    model = tmp_path / "model.txt"
    model.write_text(CORP_REP_MODEL, encoding="utf-8")
    out = tmp_path / "result.json"
    common = [str(CORP_REP), "--model", str(model), "--na", "-99", "--consistent"]
    done = _run(*common, "--bootstrap", "200", "--seed", "5", "--json", str(out))
    assert done.returncode == 0, done.stderr
    assert "PLS-SEM (PLSc)" in done.stdout
    assert "inadmissible PLSc (kept)" in done.stdout
    assert "PLS composites, not PLSc" in done.stdout
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["estimator"] == "PLSc"
    assert document["bootstrap"]["estimator"] == "PLSc"
    assert document["paths"]["LIKE -> CUSA"] == pytest.approx(0.5193351283867872, abs=1e-9)
    assert set(document["bootstrap"]["f_squared"]) == set(document["paths"])
    assert "--consistent" in document["provenance"]["command"]
    text = _run(*common)
    assert text.returncode == 0, text.stderr
    assert "PLS-SEM estimate (PLSc)" in text.stdout


def test_command_line_refuses_an_undefined_plsc(tmp_path):
    rng = np.random.default_rng(0)
    n = 500
    f, g = rng.normal(size=n), rng.normal(size=n)
    data = tmp_path / "survey.csv"
    pd.DataFrame(
        {
            "a1": f + rng.normal(size=n),
            "a2": -0.3 * f + rng.normal(size=n),
            "b1": g + f,
            "b2": g + rng.normal(size=n),
        }
    ).to_csv(data, index=False)
    model = tmp_path / "model.txt"
    model.write_text("A =~ a1 + a2\nB =~ b1 + b2\nB ~ A\n", encoding="utf-8")
    done = _run(str(data), "--model", str(model), "--consistent")
    assert done.returncode == 2
    assert done.stderr.startswith("error:")
    assert "rho_A is not positive for B" in done.stderr


def test_a_value_beyond_one_by_rounding_only_is_admissible():
    """A single indicator's own loading is 1; some BLAS builds compute 1.0000000000000002,
    which is rounding, not a Heywood case. A loading of 1.001 is one."""
    frame = simulate_mediation(300, seed=8)
    model = PLSModel.from_syntax("A =~ s1\nB =~ y1\nC =~ inc\nB ~ A\nC ~ A + B\n", frame)
    structure = model.structure
    k, p = len(structure.constructs), len(structure.indicators)
    cor = np.eye(k)[None]

    def correction(loading: float) -> consistent.Correction:
        return consistent.Correction(
            rho_a=np.ones((1, k)),
            construct_cor=cor,
            loadings=np.full((1, p), loading),
            paths=np.zeros((1, k, k)),
            r_squared=np.full((1, k), 0.5),
            total_effects=np.zeros((1, k, k)),
            failed=np.zeros(1, dtype=bool),
        )

    rounded = correction(1 + 2e-16)
    assert consistent.inadmissible(rounded, structure) == []
    assert not consistent.inadmissible_mask(rounded).any()
    heywood = correction(1.001)
    assert "Heywood" in consistent.inadmissible(heywood, structure)[0]
    assert consistent.inadmissible_mask(heywood).all()
