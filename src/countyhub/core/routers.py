"""Reads of reports and analyses from a PostgreSQL streaming replica (DATABASE_REPLICA_URL);
everything else on the primary.

Only code that asks for it reads from the replica: the heavy, read-only work of the impact report,
the income panel, the county accounts and the analysis runs' data loading runs under
`replica_reads`. Everything else (the page after a form post, permission checks, the cache table,
any read inside a transaction) stays on the primary, and every write goes there.

Before a block reads from the replica, the replica must have replayed everything the primary had
committed when the block began (the primary's pg_current_wal_flush_lsn() against the replica's
pg_last_wal_replay_lsn()), waiting at most DATABASE_REPLICA_WAIT_SECONDS for it: so a report read
from the replica is the report the primary would give, and nobody reads an older copy of what they
have just written (given synchronous_commit on, PostgreSQL's default and deploy/'s setting: a
commit is flushed before its client hears of it). A replica that does not answer, is further
behind, or fails during the block is logged and the block runs (again) on the primary; one that
did not answer is not asked again for RETRY_SECONDS, so an outage costs the requests nothing but
that log line.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.db.models import Model

logger = logging.getLogger(__name__)

REPLICA = "replica"
RETRY_SECONDS = 10.0
POLL_SECONDS = 0.02
# The database cache's table: a cache read must see the latest write, wherever it is made.
PRIMARY_ONLY_APPS = frozenset({"django_cache"})

P = ParamSpec("P")
T = TypeVar("T")

_reading: ContextVar[bool] = ContextVar("countyhub_replica_reads", default=False)
_not_before = 0.0  # time.monotonic() before which a replica that did not answer is not asked


class ReplicaRouter:
    """Reads inside `replica_reads` (and not in a transaction) go to the replica; all else, and
    every write and migration, to the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if (
            _reading.get()
            and model._meta.app_label not in PRIMARY_ONLY_APPS
            # Read-your-writes inside a transaction of the primary's.
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return None

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        # Also for an object read from the replica and then saved: a standby refuses writes.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # The replica holds the primary's rows: an object read there may refer to one of here.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # A standby replays the primary's schema; it is never migrated itself.
        return False if db == REPLICA else None


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_problem() -> str:
    """Nothing (an empty string) when the replica has replayed everything the primary has
    committed now, waiting at most DATABASE_REPLICA_WAIT_SECONDS; else what is wrong with it,
    in one line."""
    global _not_before
    if time.monotonic() < _not_before:
        return "did not answer a moment ago"
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_flush_lsn()")
        target = cursor.fetchone()[0]
    replica = connections[REPLICA]
    deadline = time.monotonic() + settings.DATABASE_REPLICA_WAIT_SECONDS
    try:
        while True:
            with replica.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn, "
                    "pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())",
                    [target, target],
                )
                caught_up, behind = cursor.fetchone()
            if caught_up is None:
                return "is not a standby (it replays no WAL)"
            if caught_up:
                return ""
            if time.monotonic() >= deadline:
                return (
                    f"is {behind} bytes of WAL behind the primary after waiting "
                    f"{settings.DATABASE_REPLICA_WAIT_SECONDS} s"
                )
            time.sleep(POLL_SECONDS)
    except DatabaseError as error:
        replica.close()
        _not_before = time.monotonic() + RETRY_SECONDS
        return f"does not answer ({type(error).__name__}: {str(error).strip()})"[:300]


def _replica_usable() -> bool:
    if not replica_configured() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return False
    problem = replica_problem()
    if problem:
        logger.warning("reading from the primary: the replica %s", problem)
    return not problem


def replica_reads(function: Callable[P, T]) -> Callable[P, T]:
    """Run `function` with its reads on the replica when it is up to date; on the primary
    otherwise, or again on the primary when a database error interrupts it on the replica (it
    only reads, so running it twice is harmless)."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        if _reading.get() or not _replica_usable():
            return function(*args, **kwargs)
        token = _reading.set(True)
        try:
            return function(*args, **kwargs)
        except (OperationalError, InterfaceError) as error:
            # Perhaps the replica went away mid-way; if the primary is what failed, the run
            # below fails the same way and the error is the caller's, as without a replica.
            logger.warning(
                "reading from the primary: %s failed on the replica (%s: %s)",
                function.__qualname__,
                type(error).__name__,
                str(error).strip(),
            )
            connections[REPLICA].close()
        finally:
            _reading.reset(token)
        return function(*args, **kwargs)

    return wrapper
