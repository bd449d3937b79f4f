"""Redis stopped, the site's cache goes on (countyhub.core.cache): calls fall back to the shared
database cache, a write made meanwhile is seen by every reader, and Redis's stale copies are
dropped when it is back, while the job queue's keys in the same Redis are never touched. A real
redis-server of the test's own, frozen with SIGSTOP (its data kept) and thawed with SIGCONT."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import caches

from countyhub.core import cache as resilient
from tests.redis_server import REDIS_SERVER, own_redis

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server")


@pytest.fixture
def redis_server(tmp_path):
    with own_redis(tmp_path) as server:
        yield server


@pytest.fixture
def cache(redis_server, settings, monkeypatch):
    url = redis_server.url
    monkeypatch.setattr(resilient, "RETRY_SECONDS", 0.2)
    settings.CACHES = {
        **settings.CACHES,
        "fragile": {
            "BACKEND": "countyhub.core.cache.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "countyhub",
            "OPTIONS": {"FALLBACK": "fragile_fallback", "socket_timeout": 0.3},
        },
        "fragile_fallback": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "countyhub_cache",
        },
    }
    yield caches["fragile"]
    caches["fragile"].close()


def test_a_stopped_redis_falls_back_to_the_shared_table_and_comes_back_clean(
    db, redis_server, cache
):
    client = redis_server.client
    client.rpush("celery", "a queued job")
    cache.set("price:42", "9.80")
    assert cache.get("price:42") == "9.80"

    redis_server.freeze()  # Redis stops answering, its data kept
    try:
        assert cache.get("price:42") is None  # the fallback has no copy: a miss, no error
        cache.set("price:42", "12.50")
        assert cache.get("price:42") == "12.50"
        # Every worker reads the fallback meanwhile: a cache of the same settings in another
        # process is another instance; the table is shared.
        assert caches["fragile_fallback"].get("price:42") == "12.50"
        assert cache.add("counter", 1)
        assert cache.incr("counter") == 2
    finally:
        redis_server.thaw()

    time.sleep(0.3)
    # Redis is back: the stale 9.80 written before the outage is gone, never served.
    assert cache.get("price:42") is None
    assert client.llen("celery") == 1
    cache.set("price:42", "12.50")
    assert client.exists("countyhub:1:price:42") == 1


def test_clear_empties_only_the_caches_keys(redis_server, cache):
    client = redis_server.client
    client.rpush("celery", "a queued job")
    cache.set("a", 1)
    cache.clear()
    assert cache.get("a") is None
    assert client.llen("celery") == 1


def test_every_call_shares_one_client_and_threads_get_their_own_answers(redis_server, cache):
    # Django made a new redis.Redis per call, which cost a third of a cached page's time.
    assert cache._cache.get_client() is cache._cache.get_client(write=True)

    def worker(n: int) -> list[bool]:
        seen = []
        for i in range(200):
            cache.set(f"thread:{n}:{i}", (n, i))
            seen.append(cache.get(f"thread:{n}:{i}") == (n, i))
        return seen

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(worker, range(8)))
    assert all(all(seen) for seen in results)
    # The one client's pool keeps a connection per concurrent thread, not one per call.
    clients = redis_server.client.client_list()
    assert len(clients) <= 8 + 1  # the threads' connections and the test's own client
