"""What /readyz asks: each dependency a request may need, with what went wrong in one line."""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.core.cache import caches
from django.db import connection

from countyhub.core.routers import replica_configured, replica_problem

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 2.0


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache(alias: str) -> Callable[[], None]:
    def check() -> None:
        cache = caches[alias]
        cache.set("readyz", "ok", 10)
        if cache.get("readyz") != "ok":
            raise RuntimeError("wrote a key and read back something else")

    return check


def _broker() -> None:
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=TIMEOUT_SECONDS,
        socket_timeout=TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    finally:
        client.close()


def _replica() -> None:
    problem = replica_problem()
    if problem:
        raise RuntimeError(f"the replica {problem}; reports read from the primary")


# Without these the site still works, less well: a failure is reported, the server stays ready.
OPTIONAL = frozenset({"replica"})


def readiness_checks() -> dict[str, str]:
    """Each dependency's name and "" when it answered, else the error's class and message."""
    checks: dict[str, Callable[[], None]] = {
        "database": _database,
        "cache": _cache("default"),
        "throttle": _cache("throttle"),
    }
    if settings.REDIS_URL:
        checks["broker"] = _broker
    if replica_configured():
        checks["replica"] = _replica
    found = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as error:  # any failure means not ready; the log keeps the trace
            logger.warning("readiness check %s failed", name, exc_info=True)
            found[name] = f"{type(error).__name__}: {error}"[:200]
        else:
            found[name] = ""
    return found
