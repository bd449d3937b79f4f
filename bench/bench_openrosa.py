"""OpenRosa submissions under load: 2,000 posts by 16 concurrent clients against `countyhub serve`
(gunicorn) on a throwaway PostgreSQL database, created and dropped by the benchmark.

Each client posts multipart submissions (``xml_submission_file``) with HTTP Basic, as ODK Collect
does. One post in RESUBMIT_EVERY repeats an instanceID already posted, byte-identical (a client
that never saw the 201): the server must answer 201 again and keep one answer. Afterwards the
database is counted: answers per instanceID (duplicates: more than one), answers in all (must
equal the distinct instanceIDs posted). Prints requests/s, p50 and p99 latency, errors (any answer
but 201, or a broken connection). Target (issue 14): zero duplicates, zero errors.

Every request checks the enumerator's password (Basic, no session): Django's PBKDF2 with its
default iterations, as in production, is most of each request's CPU.

    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432 .venv/bin/python bench/bench_openrosa.py
"""

from __future__ import annotations

import base64
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COUNTYHUB = str(Path(sys.executable).with_name("countyhub"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASE = f"countyhub_bench_openrosa_{os.getpid()}"
DATABASE_URL = f"{PG_URL}/{DATABASE}"
PORT = int(os.environ.get("BENCH_PORT", "8766"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
SUBMISSIONS = int(os.environ.get("BENCH_SUBMISSIONS", "2000"))
RESUBMIT_EVERY = 10
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
FORM = ROOT / "tests" / "surveys" / "forms" / "household.md"
USERNAME, PASSWORD = "bench-enumerator", "bench-pass-word-123"
SLUG = "bench"

SETUP = f"""
from countyhub.core.models import County, Membership, Role
from countyhub.surveys import services
from django.contrib.auth import get_user_model

county = County.objects.create(name="基准县", name_en="Bench County", slug={SLUG!r})
admin = get_user_model().objects.create_user("bench-admin", password={PASSWORD!r})
Membership.objects.create(user=admin, county=county, role=Role.COUNTY_ADMIN)
user = get_user_model().objects.create_user({USERNAME!r}, password={PASSWORD!r})
Membership.objects.create(user=user, county=county, role=Role.ENUMERATOR)
questionnaire = services.import_questionnaire(
    actor=admin, county=county, content=open({str(FORM)!r}, "rb").read(), filename="household.md"
)
survey = services.create_survey(actor=admin, county=county, name="基准调查")
services.add_wave(
    actor=admin, survey=survey, label="2022", year=2022, questionnaire=questionnaire,
    collecting=True,
)
"""

COUNT = """
from django.db.models import Count
from countyhub.surveys.models import Submission
rows = Submission.objects.values("instance_id").annotate(n=Count("pk"))
print("COUNTED", Submission.objects.count(), sum(1 for r in rows if r["n"] > 1))
"""


def instance_xml(instance_id: str, number: int) -> bytes:
    return (
        '<?xml version="1.0"?><data id="hh_test" version="2022010101">'
        "<start>2022-05-01T09:00:00+08:00</start><end>2022-05-01T09:25:00+08:00</end>"
        f"<household>B{number:05d}</household>"
        f"<ec><ec1>{1 + number % 5}</ec1><ec2>4</ec2><ec3>2</ec3></ec>"
        f"<income>{20000 + number}</income><photo1></photo1><photo2></photo2>"
        f"<meta><instanceID>{instance_id}</instanceID></meta></data>"
    ).encode()


def multipart(xml: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="xml_submission_file"; '
            'filename="submission.xml"\r\n'
            "Content-Type: text/xml\r\n\r\n"
        ).encode()
        + xml
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def environment(var_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        # This checkout's code, whichever checkout the virtualenv was installed from.
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])
        ),
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-" + "k" * 60,
        "DJANGO_SECURE_SSL_REDIRECT": "0",  # plain HTTP over loopback
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "COUNTYHUB_VAR_DIR": var_dir,
    }


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [COUNTYHUB, "manage", *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"countyhub manage {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def psql(command: str) -> None:
    subprocess.run(
        ["psql", f"{PG_URL}/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", command],
        check=True,
        capture_output=True,
    )


def wait_until_up(process: subprocess.Popen) -> None:
    for _ in range(150):
        if process.poll() is not None:
            raise SystemExit("countyhub serve exited early")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("countyhub serve did not come up")


def plan() -> list[tuple[str, int]]:
    """The posts in order: (instanceID, number); every RESUBMIT_EVERY-th repeats an earlier one."""
    posts: list[tuple[str, int]] = []
    for index in range(SUBMISSIONS):
        if index % RESUBMIT_EVERY == RESUBMIT_EVERY - 1:
            # Alternately the post just before (likely in flight on another client at once)
            # and one long answered.
            posts.append(posts[index - 1] if index % 20 == 19 else posts[index // 2])
        else:
            posts.append((f"uuid:{uuid.uuid4()}", index))
    return posts


def post_all(posts: list[tuple[str, int]]) -> tuple[list[float], list[str], float]:
    token = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    headers = {
        "Authorization": f"Basic {token}",
        "X-OpenRosa-Version": "1.0",
        "Accept-Language": "en",
    }
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    queue = iter(posts)
    barrier = threading.Barrier(CLIENTS)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        barrier.wait()
        while True:
            with lock:
                item = next(queue, None)
            if item is None:
                break
            body, content_type = multipart(instance_xml(*item))
            started = time.perf_counter()
            try:
                connection.request(
                    "POST",
                    f"/openrosa/{SLUG}/submission",
                    body=body,
                    headers={**headers, "Content-Type": content_type},
                )
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
                with lock:
                    errors.append(f"{item[0]}: {type(error).__name__}")
                continue
            elapsed = time.perf_counter() - started
            with lock:
                if status == 201:
                    latencies.append(elapsed)
                else:
                    errors.append(f"{item[0]}: HTTP {status}")
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def main() -> int:
    var_dir = tempfile.mkdtemp(prefix="countyhub-bench-")
    env = environment(var_dir)
    posts = plan()
    distinct = len({instance for instance, _number in posts})
    print(
        f"PostgreSQL database {DATABASE} (throwaway), {CLIENTS} clients, {len(posts)} posts "
        f"({len(posts) - distinct} resubmits of {distinct} instanceIDs), "
        f"gunicorn {WORKERS} workers x {THREADS} threads",
        flush=True,
    )
    psql(f'CREATE DATABASE "{DATABASE}"')
    server = None
    try:
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "shell", "-c", SETUP)
        server = subprocess.Popen(
            [
                COUNTYHUB,
                "serve",
                "--port",
                str(PORT),
                "--workers",
                str(WORKERS),
                "--threads",
                str(THREADS),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wait_until_up(server)
        latencies, errors, elapsed = post_all(posts)
        # The shell may say first what it imported; the counts are on the line after COUNTED.
        counted = manage(env, "shell", "-c", COUNT).split("COUNTED", 1)[1]
        answers, duplicated = (int(n) for n in counted.split())
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        psql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        shutil.rmtree(var_dir, ignore_errors=True)
    requests = len(latencies) + len(errors)
    print(f"{'posts':>6} {'201':>6} {'errors':>7} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8}")
    print(
        f"{requests:6d} {len(latencies):6d} {len(errors):7d} {requests / elapsed:7.1f} "
        f"{percentile(latencies, 0.50):8.1f} {percentile(latencies, 0.99):8.1f}"
    )
    print(
        f"answers stored {answers} for {distinct} instanceIDs; instanceIDs duplicated {duplicated}"
    )
    for error in errors[:10]:
        print("  error", error)
    verdicts = {
        "zero duplicates (one answer per instanceID)": duplicated == 0 and answers == distinct,
        "zero errors": not errors,
    }
    for label, ok in verdicts.items():
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
