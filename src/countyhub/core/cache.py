"""A Redis cache the site outlives (issue 19, "Faults": Redis stopped, the site still sells).

Django's Redis cache raises on every call while Redis is down, so one stopped Redis took every
page with it. ``ResilientRedisCache`` sends each call to Redis and, when Redis cannot be reached,
to a fallback cache shared by every worker and host (the database cache table; settings name it
in ``OPTIONS["FALLBACK"]``). Every worker therefore still reads and writes one shared cache
during the outage, and a price change made then shows everywhere at once.

After an outage Redis still holds what it held before: a page version bumped during the outage
went to the fallback, so Redis's copy is stale. A process that wrote to the fallback removes the
cache's keys from Redis (only the cache's own, by its key prefix: the job queue shares the
server) before it reads Redis again. While Redis is down a process tries it again only every
``RETRY_SECONDS``, so a request does not wait out a connection timeout on every cache call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import redis
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)
RETRY_SECONDS = 5.0
# What "Redis cannot be reached" looks like to redis-py (a refused, reset or timed-out socket).
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
T = TypeVar("T")


class OneClientPerPool(RedisCacheClient):
    """Django builds a new redis.Redis for every cache call, and building one fills its table
    of response callbacks: a cached page paid that three times. A client holds nothing but its
    connection pool and is safe to share between threads, so one per pool serves every call."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, redis.Redis] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> redis.Redis:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        self._fallback_alias: str = options.pop("FALLBACK")
        # Fail fast on a dead server: the fallback is a better answer than a slow page.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 2.0)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = OneClientPerPool
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._diverted_writes = False

    @property
    def fallback(self) -> BaseCache:
        return caches[self._fallback_alias]

    def _call(self, redis_call: Callable[[], T], fallback_call: Callable[[], T], writes: bool) -> T:
        if time.monotonic() >= self._down_until:
            try:
                self._forget_stale_entries()
                return redis_call()
            except UNREACHABLE as error:
                with self._lock:
                    if not self._down_until:
                        logger.error("Redis cache unreachable, using the fallback: %s", error)
                    self._down_until = time.monotonic() + RETRY_SECONDS
        if writes:
            self._diverted_writes = True
        return fallback_call()

    def _forget_stale_entries(self) -> None:
        """Back from an outage: drop what Redis held from before it, if this process wrote to
        the fallback meanwhile (raises UNREACHABLE while Redis is still down)."""
        if self._down_until:
            if self._diverted_writes:
                self._delete_own_keys()
                self._diverted_writes = False
            logger.warning("Redis cache reachable again")
            self._down_until = 0.0

    # The synchronous API; Django's async methods and get_or_set/decr/incr_version use these.
    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._call(
            lambda: super(ResilientRedisCache, self).add(key, value, timeout, version),
            lambda: self.fallback.add(key, value, self._fallback_timeout(timeout), version),
            writes=True,
        )

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._call(
            lambda: super(ResilientRedisCache, self).get(key, default, version),
            lambda: self.fallback.get(key, default, version),
            writes=False,
        )

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._call(
            lambda: super(ResilientRedisCache, self).set(key, value, timeout, version),
            lambda: self.fallback.set(key, value, self._fallback_timeout(timeout), version),
            writes=True,
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call(
            lambda: super(ResilientRedisCache, self).touch(key, timeout, version),
            lambda: self.fallback.touch(key, self._fallback_timeout(timeout), version),
            writes=True,
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._call(
            lambda: super(ResilientRedisCache, self).delete(key, version),
            lambda: self.fallback.delete(key, version),
            writes=True,
        )

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        keys = list(keys)
        return self._call(
            lambda: super(ResilientRedisCache, self).get_many(keys, version),
            lambda: self.fallback.get_many(keys, version),
            writes=False,
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._call(
            lambda: super(ResilientRedisCache, self).has_key(key, version),
            lambda: self.fallback.has_key(key, version),
            writes=False,
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._call(
            lambda: super(ResilientRedisCache, self).incr(key, delta, version),
            lambda: self.fallback.incr(key, delta, version),
            writes=True,
        )

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return self._call(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            lambda: self.fallback.set_many(data, self._fallback_timeout(timeout), version),
            writes=True,
        )

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        keys = list(keys)
        self._call(
            lambda: super(ResilientRedisCache, self).delete_many(keys, version),
            lambda: self.fallback.delete_many(keys, version),
            writes=True,
        )

    def clear(self) -> None:
        """This cache's keys only: Django's clear() empties the whole Redis database, and the
        job queue lives there too."""
        self._call(self._delete_own_keys, self.fallback.clear, writes=True)

    def _delete_own_keys(self) -> None:
        client = self._cache.get_client(write=True)
        for key in client.scan_iter(match=f"{self.key_prefix}:*", count=500):
            client.delete(key)

    def _fallback_timeout(self, timeout: Any) -> Any:
        # DEFAULT_TIMEOUT means this cache's default, which the fallback does not know.
        return self.default_timeout if timeout is DEFAULT_TIMEOUT else timeout
