"""PLS-SEM speed side by side: countyhub against seminr-py (the Python port of R seminr).

Runs the same work through both in one run and prints the ratios:
1. estimate on corp_rep (mean replacement, -99 missing);
2. 5000-resample bootstrap on corp_rep: inside the process, and as a whole `countyhub analyze sem`
   process (start-up included);
3. a 20,000-row, 24-indicator, 6-construct model: estimate, and 1000 resamples (whole process too);
4. peak memory of the bootstrap at 1000 and at 5000 resamples (it must not grow beyond the stored
   statistics).
seminr-py's bootstrap of the large model is timed on fewer resamples and scaled linearly (its cost
is proportional to the resamples); the R figures are the issue's measurements on this machine kind.
Usage: python bench/bench_sem.py [--quick]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from analysis.plssem_support import CORP_REP, CORP_REP_MODEL, seminr_model  # noqa: E402
from countyhub.analysis.plssem import PLSModel  # noqa: E402

R_SEMINR = {"corp_rep 5000 resamples": 26.3, "20k model 1000 resamples": 154.6}
LARGE_MODEL = """
ACCESS =~ a1 + a2 + a3 + a4
TRAIN  <~ t1 + t2 + t3 + t4
SHOP   =~ s1 + s2 + s3 + s4
BRAND  =~ b1 + b2 + b3 + b4
SALES  =~ y1 + y2 + y3 + y4
INCOME =~ i1 + i2 + i3 + i4
SHOP ~ ACCESS + TRAIN
BRAND ~ TRAIN
SALES ~ SHOP + BRAND + ACCESS
INCOME ~ SALES + SHOP
"""


def large_survey(n: int = 20000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    access, train = rng.normal(size=n), rng.normal(size=n)
    shop = 0.4 * access + 0.3 * train + rng.normal(scale=0.8, size=n)
    brand = 0.5 * train + rng.normal(scale=0.85, size=n)
    sales = 0.4 * shop + 0.3 * brand + 0.1 * access + rng.normal(scale=0.7, size=n)
    income = 0.6 * sales + 0.1 * shop + rng.normal(scale=0.7, size=n)
    columns = {}
    for prefix, latent in (
        ("a", access),
        ("t", train),
        ("s", shop),
        ("b", brand),
        ("y", sales),
        ("i", income),
    ):
        for j, loading in enumerate((0.85, 0.8, 0.75, 0.7)):
            columns[f"{prefix}{j + 1}"] = np.round(
                4 + loading * latent + rng.normal(scale=0.6, size=n), 0
            )
    return pd.DataFrame(columns)


def seminr_with_criteria(spec, frame: pd.DataFrame, na):  # type: ignore[no-untyped-def]
    """What countyhub's fit() returns, computed with seminr: the estimate and its criteria."""
    import seminr
    from seminr.evaluate.constructs_in_model import constructs_in_model

    fit = seminr_model(spec, frame, missing_value=na)
    constructs = constructs_in_model(fit)
    seminr.model_fsquares(fit)
    seminr.reliability_table(fit)
    seminr.htmt(fit)
    seminr.item_vifs(fit, constructs)
    seminr.pls_antecedent_vifs(fit, constructs)
    seminr.fl_criteria_table(fit, constructs)
    return fit


def timed(function, repeat: int = 1):  # type: ignore[no-untyped-def]
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return best, value


def whole_process(args: list[str]) -> tuple[float, int]:
    """Seconds and peak RSS (MB) of one `countyhub` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "countyhub.cli", *args],
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
    )
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) // 1024


def bootstrap_peak_memory(path: Path, model: Path, resamples: int) -> int:
    """Peak RSS (MB) of a fresh process that bootstraps ``resamples`` times."""
    code = (
        f"import resource, sys; sys.path.insert(0, {str(ROOT / 'src')!r})\n"
        "from countyhub.analysis.plssem import PLSModel\n"
        f"m = PLSModel.from_syntax(open({str(model)!r}).read(), {str(path)!r}).fit()\n"
        f"m.bootstrap({resamples}, seed=1)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return int(out.stdout.strip())


def row(label: str, ours: float, peer: float | None, peer_name: str) -> None:
    ratio = f"{peer / ours:8.1f}x" if peer else "        -"
    peer_text = f"{peer:9.3f} s" if peer else "          -"
    print(f"{label:<44} {ours:9.3f} s  {peer_text}  {ratio}  ({peer_name})")


def main(quick: bool) -> None:
    import seminr

    print(f"{'work':<44} {'countyhub':>11}  {'peer':>11}  {'speed-up':>9}")
    corp = pd.read_csv(CORP_REP)
    ours_est, result = timed(
        lambda: PLSModel.from_syntax(CORP_REP_MODEL, corp, missing="mean", na=-99).fit(), 5
    )
    peer_est, peer_fit = timed(lambda: seminr_model(result.model.spec, corp, missing_value=-99), 5)
    row("corp_rep: estimate (paths, loadings, R²)", ours_est, peer_est, "seminr-py estimate_pls")
    ours_full, _ = timed(
        lambda: PLSModel.from_syntax(CORP_REP_MODEL, corp, missing="mean", na=-99).fit().to_dict(),
        5,
    )
    peer_full, _ = timed(lambda: seminr_with_criteria(result.model.spec, corp, -99), 3)
    row("corp_rep: estimate + f², reliability, HTMT, VIF", ours_full, peer_full, "seminr-py")

    resamples = 1000 if quick else 5000
    # Like for like: seminr-py bootstraps no f²; the whole-process rows below include it.
    ours_boot, _ = timed(lambda: result.bootstrap(resamples, seed=1, effect_sizes=False), 3)
    peer_boot, _ = timed(lambda: seminr.bootstrap_model(peer_fit, resamples, seed=1))
    row(f"corp_rep: {resamples} resamples, in process", ours_boot, peer_boot, "seminr-py call")
    with tempfile.TemporaryDirectory() as tmp:
        model_file = Path(tmp) / "corp.txt"
        model_file.write_text(CORP_REP_MODEL)
        out = Path(tmp) / "out.json"
        process = min(
            whole_process(
                [
                    "analyze",
                    "sem",
                    str(CORP_REP),
                    "--model",
                    str(model_file),
                    "--missing",
                    "mean",
                    "--na",
                    "-99",
                    "--bootstrap",
                    str(resamples),
                    "--seed",
                    "1",
                    "--json",
                    str(out),
                ]
            )[0]
            for _ in range(3)
        )
        r_seconds = R_SEMINR["corp_rep 5000 resamples"] * resamples / 5000
        row(f"corp_rep: {resamples} resamples, whole process", process, r_seconds, "R seminr")

        large = large_survey()
        large_path = Path(tmp) / "large.csv"
        large.to_csv(large_path, index=False)
        large_model = Path(tmp) / "large.txt"
        large_model.write_text(LARGE_MODEL)
        ours_large, large_fit = timed(lambda: PLSModel.from_syntax(LARGE_MODEL, large).fit(), 3)
        peer_large, peer_large_fit = timed(lambda: seminr_model(large_fit.model.spec, large))
        row("20k x 24 model: estimate (paths, loadings, R²)", ours_large, peer_large, "seminr-py")
        peer_large_full, _ = timed(lambda: seminr_with_criteria(large_fit.model.spec, large, None))
        ours_large_full, _ = timed(
            lambda: PLSModel.from_syntax(LARGE_MODEL, large).fit().to_dict(), 3
        )
        row("20k x 24 model: estimate + criteria", ours_large_full, peer_large_full, "seminr-py")
        large_resamples = 200 if quick else 1000
        ours_large_boot, _ = timed(
            lambda: large_fit.bootstrap(large_resamples, seed=1, effect_sizes=False)
        )
        sample = 10 if quick else 25
        peer_sample, _ = timed(lambda: seminr.bootstrap_model(peer_large_fit, sample, seed=1))
        peer_scaled = peer_sample * large_resamples / sample
        row(
            f"20k x 24 model: {large_resamples} resamples, in process",
            ours_large_boot,
            peer_scaled,
            f"seminr-py, {sample} scaled",
        )
        large_process, large_rss = whole_process(
            [
                "analyze",
                "sem",
                str(large_path),
                "--model",
                str(large_model),
                "--bootstrap",
                str(large_resamples),
                "--seed",
                "1",
                "--json",
                str(out),
            ]
        )
        row(
            f"20k x 24 model: {large_resamples} resamples, whole process",
            large_process,
            R_SEMINR["20k model 1000 resamples"] * large_resamples / 1000,
            "R seminr",
        )
        estimate_only = min(
            whole_process(
                ["analyze", "sem", str(large_path), "--model", str(large_model), "--json", str(out)]
            )[0]
            for _ in range(2)
        )
        print(f"{'20k x 24 model: estimate, whole process':<44} {estimate_only:9.3f} s")
        small = bootstrap_peak_memory(large_path, large_model, 200)
        big = bootstrap_peak_memory(large_path, large_model, 1000 if quick else 4000)
        print(
            f"\npeak memory, 20k model bootstrap: {small} MB at 200 resamples, "
            f"{big} MB at {1000 if quick else 4000} (whole process {large_rss} MB)"
        )
        stats = json.loads(out.read_text())
        print(f"large model converged={stats['converged']} in {stats['iterations']} iterations")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
