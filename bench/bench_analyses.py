"""A PLS-SEM run from the web path against the same run on the engine, in one benchmark.

Web path: `services.start_run` (the set-up page's check of the model against the data, the run and
its job stored, the job queued), the background job (in a thread: no REDIS_URL; with
BENCH_REDIS_URL a `countyhub worker` process on Celery; that needs BENCH_DATABASE_URL on
PostgreSQL), the engine, and the storing (results JSON, HTML report, path diagram, PDF), timed
until the job row says succeeded. Engine: `PLSModel.from_syntax` on the file, `fit`, a
5000-resample `bootstrap` with the same seed and threads, `to_dict` and `to_html`: what `countyhub
analyze sem --na -99 --bootstrap 5000 --json --report` computes. The two are timed in turns, medians
of 3 rounds after a warm-up of each. Target (issue 14): overhead < 1 s.

    .venv/bin/python bench/bench_analyses.py [--quick]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

QUICK = "--quick" in sys.argv
RESAMPLES = 500 if QUICK else 5000
ROUNDS = 1 if QUICK else 3
WORK = Path(tempfile.mkdtemp(prefix="bench-analyses-"))
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{WORK / 'bench.sqlite3'}"
)
os.environ["COUNTYHUB_PRIVATE_ROOT"] = str(WORK / "private")
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyhub.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from tests.analyses.support import CORP_REP, CORP_REP_MODEL, dataset_input  # noqa: E402

from countyhub.analyses import services  # noqa: E402
from countyhub.analyses.models import AnalysisKind  # noqa: E402
from countyhub.analysis.plssem import PLSModel  # noqa: E402
from countyhub.core.models import County, Job, Membership, Role  # noqa: E402

OPTIONS = {"weighting": "path", "missing": "listwise", "resamples": RESAMPLES, "p_min": 0.2}


def engine_run() -> float:
    start = time.perf_counter()
    # -99 is corp_rep's missing marker, declared on the dataset too: both use the same 336 rows.
    result = PLSModel.from_syntax(CORP_REP_MODEL, CORP_REP, na="-99").fit()
    boot = result.bootstrap(RESAMPLES, seed=1, n_jobs=2)
    payload = result.to_dict()
    payload["bootstrap"] = boot.to_dict()
    result.to_html(boot)
    return time.perf_counter() - start


def web_run(county: County, analyst, dataset) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    with transaction.atomic():
        run = services.start_run(
            county=county,
            actor=analyst,
            dataset=dataset,
            kind=AnalysisKind.PLS_SEM,
            model_syntax=CORP_REP_MODEL,
            options=OPTIONS,
            seed=1,
        )
    job_id = run.job_id
    while Job.objects.filter(pk=job_id, status__in=["queued", "running"]).exists():
        time.sleep(0.005)
    elapsed = time.perf_counter() - start
    job = Job.objects.get(pk=job_id)
    assert job.status == "succeeded", job.error
    return elapsed


def main() -> None:
    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    county = County.objects.create(name="青山县", slug="bench", service_center="服务中心")
    analyst = get_user_model().objects.create_user("bench-analyst", password="x-bench-pw-1")
    Membership.objects.create(user=analyst, county=county, role=Role.ANALYST)
    dataset = services.upload_dataset(
        county=county, actor=analyst, upload=dataset_input(CORP_REP.read_bytes())
    )
    worker = None
    if os.environ["REDIS_URL"]:
        env = {**os.environ}
        worker = subprocess.Popen(
            [str(Path(sys.executable).with_name("countyhub")), "worker", "--loglevel", "warning"],
            env=env,
        )
        time.sleep(3)  # the worker connects to Redis before the first job is timed
    try:
        engine_run()  # warm-up: imports and caches, for both paths alike
        web_run(county, analyst, dataset)
        engine, web = [], []
        for _ in range(ROUNDS):
            engine.append(engine_run())
            web.append(web_run(county, analyst, dataset))
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
    where = "Celery worker on Redis" if worker is not None else "in-process thread"
    e, w = statistics.median(engine), statistics.median(web)
    print(f"corp_rep, {RESAMPLES} resamples, seed 1, 2 threads; web job runs in a {where}")
    print(f"engine directly : median {e:6.3f} s  ({', '.join(f'{x:.3f}' for x in engine)})")
    print(f"web path        : median {w:6.3f} s  ({', '.join(f'{x:.3f}' for x in web)})")
    print(f"overhead        : {w - e:6.3f} s  (target < 1 s): {'OK' if w - e < 1 else 'MISSED'}")


if __name__ == "__main__":
    main()
