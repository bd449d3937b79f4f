"""One throttle for every way in (site log-in, admin log-in, API token, password reset, sign-up).

Counts live in the `throttle` cache, which every worker shares (Redis when configured, the
database otherwise), never in process memory. Failures slow an attacker down with delays that grow
with each failure rather than locking the account: a hard lockout is a switch anyone can flip to
keep the owner out. Three counters, because each closes a different attack:

- per username and client address: guessing one account's password from one place;
- per username, from anywhere: the same from many addresses. The owner's own browser carries a
  device cookie from an earlier successful log-in and is not slowed by what others did;
- per client address, across usernames: password spraying (one common password, many accounts).

The client address is REMOTE_ADDR unless a trusted proxy header is configured
(`COUNTYHUB_TRUSTED_PROXY_HEADER`, `COUNTYHUB_TRUSTED_PROXY_COUNT`): a header any client can send
is believed only when the deployment says a proxy of its own sets it.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest

# Failures allowed before delays start, per counter.
FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS = 5
FREE_FAILURES_PER_ACCOUNT = 20
FREE_USERNAMES_PER_ADDRESS = 10
MAX_DELAY_SECONDS = 15 * 60
WINDOW_SECONDS = 24 * 60 * 60

DEVICE_COOKIE = "countyhub_device"
DEVICE_COOKIE_SALT = "countyhub.core.throttle.device"
DEVICE_COOKIE_MAX_AGE = 180 * 24 * 60 * 60


def _cache() -> BaseCache:
    return caches["throttle"]


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def client_address(request: HttpRequest) -> str:
    """The caller's address: from the trusted proxy's header when one is configured."""
    header = getattr(settings, "COUNTYHUB_TRUSTED_PROXY_HEADER", "")
    if header:
        hops = [hop.strip() for hop in request.headers.get(header, "").split(",") if hop.strip()]
        proxies = getattr(settings, "COUNTYHUB_TRUSTED_PROXY_COUNT", 1)
        # Each trusted proxy appends the address it saw; the one our outermost proxy saw is the
        # `proxies`-th from the right. Anything left of it was written by the client.
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


@dataclass(frozen=True)
class Verdict:
    """Whether an attempt may go ahead now, and if not, for how many seconds to wait."""

    wait_seconds: int = 0

    @property
    def allowed(self) -> bool:
        return self.wait_seconds <= 0


def _delay(failures: int, free: int) -> float:
    """None for the first `free` failures, then 1 s, doubling with each, up to MAX_DELAY_SECONDS."""
    if failures < free:
        return 0.0
    return float(min(2 ** min(failures - free, 20), MAX_DELAY_SECONDS))


def _counter(key: str) -> tuple[int, float]:
    failures, last = _cache().get(key, (0, 0.0))
    return int(failures), float(last)


def _bump(key: str, now: float) -> None:
    failures, _last = _counter(key)
    _cache().set(key, (failures + 1, now), WINDOW_SECONDS)


def _keys(username: str, address: str) -> dict[str, str]:
    name = username.strip().lower()
    return {
        "pair": f"login:pair:{_digest(name, address)}",
        "account": f"login:account:{_digest(name)}",
        "address": f"login:address:{_digest(address)}",
    }


def _usernames_tried(address_key: str) -> set[str]:
    return set(_cache().get(f"{address_key}:names", ()))


def check_login(*, username: str, address: str, trusted_device: bool = False) -> Verdict:
    """May this log-in attempt be checked now? Call before looking at the password."""
    now = time.time()
    keys = _keys(username, address)
    waits = []
    failures, last = _counter(keys["pair"])
    waits.append(last + _delay(failures, FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS) - now)
    if not trusted_device:
        failures, last = _counter(keys["account"])
        waits.append(last + _delay(failures, FREE_FAILURES_PER_ACCOUNT) - now)
    names = _usernames_tried(keys["address"])
    if len(names) >= FREE_USERNAMES_PER_ADDRESS and _digest(username.strip().lower()) not in names:
        failures, last = _counter(keys["address"])
        waits.append(last + _delay(len(names), FREE_USERNAMES_PER_ADDRESS) - now)
    return Verdict(wait_seconds=max(0, math.ceil(max(waits))))


def record_login_failure(*, username: str, address: str) -> None:
    now = time.time()
    keys = _keys(username, address)
    _bump(keys["pair"], now)
    _bump(keys["account"], now)
    _bump(keys["address"], now)
    names = _usernames_tried(keys["address"]) | {_digest(username.strip().lower())}
    _cache().set(f"{keys['address']}:names", tuple(sorted(names)), WINDOW_SECONDS)


def record_login_success(*, username: str, address: str) -> None:
    """The owner got in from here: this pair starts afresh. The account counter and the address's
    spraying count stay, since others may still be at work on them."""
    _cache().delete(_keys(username, address)["pair"])


def device_cookie_value(username: str) -> str:
    return signing.dumps(username.strip().lower(), salt=DEVICE_COOKIE_SALT)


def is_trusted_device(request: HttpRequest, username: str) -> bool:
    """The browser logged in to this account before (a signed cookie names it)."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    try:
        known = signing.loads(value, salt=DEVICE_COOKIE_SALT, max_age=DEVICE_COOKIE_MAX_AGE)
    except signing.BadSignature:
        return False
    return bool(known == username.strip().lower())


def allow_request(*, scope: str, identity: str, limit: int, period_seconds: int) -> Verdict:
    """A plain rate limit (sign-up, password reset): at most `limit` per `period_seconds`."""
    key = f"rate:{scope}:{_digest(identity)}"
    now = time.time()
    stamps = [stamp for stamp in _cache().get(key, ()) if stamp > now - period_seconds]
    if len(stamps) >= limit:
        return Verdict(wait_seconds=math.ceil(stamps[0] + period_seconds - now))
    _cache().set(key, (*stamps, now), period_seconds)
    return Verdict()
