"""A small cache-based limiter for log-in attempts (pages and the API share it)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


def _key(username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username.lower()}|{address}".encode()).hexdigest()
    return f"login-failures:{digest}"


def login_blocked(*, username: str, address: str) -> bool:
    return cache.get(_key(username, address), 0) >= MAX_FAILURES


def record_login_failure(*, username: str, address: str) -> None:
    key = _key(username, address)
    if not cache.add(key, 1, WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, WINDOW_SECONDS)


def clear_login_failures(*, username: str, address: str) -> None:
    cache.delete(_key(username, address))
