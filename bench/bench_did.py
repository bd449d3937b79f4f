"""Staggered DiD at village scale: 500,000 units x 8 periods, countyhub beside its peers.

Two parts: the analytic doubly robust estimate without covariates against differences and
pyfixest, then ipw and reg with a covariate and 1,000 multiplier-bootstrap draws, each against
differences with the same estimator and draws (issue 18). BENCH_DID_UNITS sets a smaller panel
while developing.

Each variant runs in its own child process on the same simulated panel, so peak memory is the
variant's own: the child resets its resident-set high-water mark (/proc/self/clear_refs) after
building the panel and reads VmHWM when the estimate is done. Run: `python -m bench did`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings
from functools import partial
from pathlib import Path

N_UNITS = int(os.environ.get("BENCH_DID_UNITS", "500000"))
DRAWS = 1000
SEED = 2024
ROOT = Path(__file__).resolve().parents[1]


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # "5" resets VmHWM to the current RSS


def _panel():
    from countyhub.analysis.did.simulate import simulate_rollout

    return simulate_rollout(n_units=N_UNITS, seed=SEED)


def run_countyhub(frame) -> dict[str, float]:
    from countyhub.analysis.did import StaggeredDiD

    model = StaggeredDiD(frame, unit="unit", time="year", outcome="y", treated_from="first_treated")
    result = model.fit()
    return {"simple_att": result.simple.att, "simple_se": result.simple.std_error}


def run_countyhub_boot(frame, *, method: str) -> dict[str, float]:
    from countyhub.analysis.did import StaggeredDiD

    model = StaggeredDiD(
        frame,
        unit="unit",
        time="year",
        outcome="y",
        treated_from="first_treated",
        covariates=["x"],
        method=method,  # type: ignore[arg-type]
    )
    result = model.fit(bootstrap=DRAWS, seed=SEED)
    return {"simple_att": result.simple.att, "simple_se": result.simple.std_error}


def run_differences_boot(frame, *, method: str) -> dict[str, float]:
    import numpy as np
    from differences import ATTgt

    data = frame.set_index(["unit", "year"])
    data["first_treated"] = data["first_treated"].replace(0, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ATTgt(data=data, cohort_column="first_treated")
        model.fit(
            formula="y ~ x",
            est_method={"ipw": "std_ipw"}.get(method, method),
            control_group="never_treated",
            boot_iterations=DRAWS,
            random_state=SEED,
            n_jobs=1,
            progress_bar=False,
        )
        simple = model.aggregate("simple", boot_iterations=DRAWS)
    return {"simple_att": float(simple.iloc[0, 0]), "simple_se": float(simple.iloc[0, 1])}


def run_differences(frame, *, every_aggregation: bool = True) -> dict[str, float]:
    import numpy as np
    from differences import ATTgt

    data = frame.set_index(["unit", "year"])
    data["first_treated"] = data["first_treated"].replace(0, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ATTgt(data=data, cohort_column="first_treated")
        model.fit(formula="y", est_method="dr", control_group="never_treated", progress_bar=False)
        simple = model.aggregate("simple")
        for kind in ("cohort", "event", "time") if every_aggregation else ():
            model.aggregate(kind)
            model.aggregate(kind, overall=True)
    return {"simple_att": float(simple.iloc[0, 0]), "simple_se": float(simple.iloc[0, 1])}


def run_pyfixest(frame) -> dict[str, float]:
    import pyfixest

    treated = frame["first_treated"]
    data = frame.assign(treated_now=((treated > 0) & (frame["year"] >= treated)).astype(float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pyfixest.feols("y ~ treated_now | unit + year", data=data, vcov={"CRV1": "unit"})
    return {"twfe": float(fit.coef()["treated_now"]), "twfe_se": float(fit.se()["treated_now"])}


VARIANTS = {
    "countyhub (CS-DiD + aggregations + bands + TWFE)": run_countyhub,
    "differences 0.3.0 (ATTgt fit + 7 aggregations)": run_differences,
    "differences 0.3.0 (ATTgt fit + simple ATT only)": partial(
        run_differences, every_aggregation=False
    ),
    "pyfixest 0.60.0 (TWFE only, for reference)": run_pyfixest,
}
# Bootstrap part: (countyhub variant, differences variant) per estimator.
BOOT_PAIRS = {
    method: (
        f"countyhub {method} + x, {DRAWS} bootstrap draws",
        f"differences 0.3.0 {method} + x, {DRAWS} bootstrap draws",
    )
    for method in ("ipw", "reg")
}
for method, (ours, peer) in BOOT_PAIRS.items():
    VARIANTS[ours] = partial(run_countyhub_boot, method=method)
    VARIANTS[peer] = partial(run_differences_boot, method=method)


def child(name: str) -> None:
    frame = _panel()
    baseline = _rss_mb("VmRSS")
    _reset_peak()
    start = time.perf_counter()
    values = VARIANTS[name](frame)
    seconds = time.perf_counter() - start
    peak = _rss_mb("VmHWM")
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "extra_mb": peak - baseline, **values}))


def main() -> int:
    print(f"panel: {N_UNITS:,} units x 8 periods ({8 * N_UNITS:,} rows), never-treated controls")
    measured = {}
    for name in VARIANTS:
        done = subprocess.run(
            [sys.executable, __file__, name], capture_output=True, text=True, check=False, cwd=ROOT
        )
        if done.returncode != 0:
            print(f"{name}: failed\n{done.stderr[-2000:]}")
            return 1
        measured[name] = json.loads(done.stdout.strip().splitlines()[-1])
    rows = list(measured.items())[:4]
    reference = rows[1][1]
    print(f"{'variant':<52}{'seconds':>9}{'peak MB':>9}{'+MB':>8}{'time x':>8}{'mem x':>7}")
    for name, r in rows:
        time_ratio = r["seconds"] / reference["seconds"]
        memory_ratio = r["extra_mb"] / reference["extra_mb"]
        print(
            f"{name:<52}{r['seconds']:>9.2f}{r['peak_mb']:>9.0f}{r['extra_mb']:>8.0f}"
            f"{time_ratio:>8.2f}{memory_ratio:>7.2f}"
        )
    ours, peer = rows[0][1], rows[1][1]
    print(
        f"simple ATT: countyhub {ours['simple_att']:.9f} (SE {ours['simple_se']:.9f}), "
        f"differences {peer['simple_att']:.9f} (SE {peer['simple_se']:.9f})"
    )
    print("'+MB' is the peak above the resident panel; 'x' columns are ratios to differences.")
    print(f"\nipw / reg with covariate x and {DRAWS} multiplier-bootstrap draws:")
    print(f"{'variant':<52}{'seconds':>9}{'+MB':>8}{'ATT':>13}{'boot SE':>11}")
    for ours, peer in BOOT_PAIRS.values():
        for name in (ours, peer):
            r = measured[name]
            print(
                f"{name:<52}{r['seconds']:>9.2f}{r['extra_mb']:>8.0f}"
                f"{r['simple_att']:>13.7f}{r['simple_se']:>11.7f}"
            )
        a, b = measured[ours], measured[peer]
        print(
            f"  differences / countyhub: time {b['seconds'] / a['seconds']:.1f}x, "
            f"memory {b['extra_mb'] / max(a['extra_mb'], 1.0):.1f}x"
        )
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child(sys.argv[1])
    else:
        sys.exit(main())
