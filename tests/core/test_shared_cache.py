"""Several workers share one cache (issue 19). Seen on the demo: served by `countyhub serve` with
its default two workers, 33 of 64 product page loads showed the old price after a change, because
each worker cached pages in its own memory. Here two real gunicorn workers serve a product page to
anonymous visitors, the price changes in a third process (as the seller's request would, on
another worker or host), and every later page load shows the new price."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COUNTYHUB = str(Path(sys.executable).parent / "countyhub")

MAKE_PRODUCT = """
import django; django.setup()
from decimal import Decimal
from tests.factories.catalog import ProductFactory
product = ProductFactory(price=Decimal("12.50"), stock=50)
print(product.county.slug, product.pk)
"""
CHANGE_PRICE = """
import sys, django; django.setup()
from decimal import Decimal
from django.contrib.auth import get_user_model
from countyhub.catalog.models import Product
from countyhub.catalog.services import update_product
admin = get_user_model().objects.create_user("price-changer")
update_product(product=Product.objects.get(pk=int(sys.argv[1])), actor=admin, price=Decimal("19.80"))
"""


def _environment(var: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "COUNTYHUB_CACHE", "COUNTYHUB_MEDIA_ROOT")
    }
    pythonpath = os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")])
    return env | {
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "countyhub.settings",
        "COUNTYHUB_VAR_DIR": str(var),
        "PYTHONPATH": pythonpath,
        **extra,
    }


def _python(script: str, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _price_shown(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        page = response.read().decode()
    return re.search(r"(12\.50|19\.80)", page).group(1)


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    env = _environment(tmp_path_factory.mktemp("two-workers"))
    migrate = subprocess.run(
        [COUNTYHUB, "manage", "migrate", "-v", "0"], env=env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stderr
    slug, pk = _python(MAKE_PRODUCT, env).split()
    port = _free_port()
    server = subprocess.Popen(
        [COUNTYHUB, "serve", "--port", str(port), "--workers", "2", "--threads", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/c/{slug}/p/{pk}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            _price_shown(url)
            break
        except OSError:
            assert server.poll() is None, server.stderr.read()
            assert time.monotonic() < deadline, "the server did not start within 60 s"
            time.sleep(0.3)
    yield url, env, pk
    server.terminate()
    server.wait(timeout=30)


def test_a_price_change_shows_in_every_page_load_of_every_worker(two_workers):
    url, env, pk = two_workers
    # Both workers cache the page (gunicorn hands connections to whichever worker is free).
    assert {_price_shown(url) for _ in range(64)} == {"12.50"}

    _python(CHANGE_PRICE, env, pk)

    assert [_price_shown(url) for _ in range(64)].count("12.50") == 0


def test_serving_several_workers_on_per_process_caches_is_refused(tmp_path):
    env = _environment(tmp_path, COUNTYHUB_CACHE="process")
    refused = subprocess.run(
        [COUNTYHUB, "serve", "--workers", "2", "--port", str(_free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2
    assert "COUNTYHUB_CACHE=process" in refused.stderr and "--workers 1" in refused.stderr


def test_an_unknown_cache_kind_is_named(tmp_path):
    env = _environment(tmp_path, COUNTYHUB_CACHE="memcached")
    refused = subprocess.run(
        [COUNTYHUB, "manage", "check"], env=env, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode != 0
    assert "COUNTYHUB_CACHE='memcached'" in refused.stderr


def test_metrics_add_up_the_requests_of_both_workers(two_workers):
    url, env, _pk = two_workers
    root = url.split("/c/")[0]
    for _ in range(40):
        urllib.request.urlopen(f"{root}/healthz", timeout=30).read()
    with urllib.request.urlopen(f"{root}/metrics", timeout=30) as response:
        page = response.read().decode()
    served = re.search(
        r'django_http_responses_total_by_status_view_method_total\{method="GET",status="200",'
        r'view="healthz"\} (\d+)',
        page,
    )
    assert served and float(served.group(1)) == 40
    # Each worker counts into its own file of the one folder the scrape adds up.
    counters = list((Path(env["COUNTYHUB_VAR_DIR"]) / "metrics").rglob("counter_*.db"))
    assert len(counters) == 2
