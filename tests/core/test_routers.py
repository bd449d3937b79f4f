"""The read replica's router and the PgBouncer settings (issue 19): what reads where, what the
settings make of DATABASE_REPLICA_URL and DATABASE_POOLER, and the fall-back to the primary when
the replica cannot be used. A real standby and a real PgBouncer: tests/deploy/test_replica_pooler.py."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import warnings
from collections.abc import Iterator

import pytest
from django.core.cache.backends.db import BaseDatabaseCache
from django.db import DEFAULT_DB_ALIAS, connections, router

from countyhub.core import routers
from countyhub.core.models import County
from countyhub.core.routers import REPLICA, ReplicaRouter, replica_reads
from tests.conftest import requires_postgres

SETTINGS_SCRIPT = """
import json
from countyhub import settings
print(json.dumps({"databases": settings.DATABASES, "routers": settings.DATABASE_ROUTERS}))
"""


def _settings(**env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_CONN"))
    }
    environment |= {"DJANGO_DEBUG": "1", "PYTHONPATH": os.pathsep.join(sys.path)} | env
    return subprocess.run(
        [sys.executable, "-c", SETTINGS_SCRIPT],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_replica_url_adds_the_alias_and_pgbouncer_turns_off_preparing_and_server_cursors():
    done = _settings(
        DATABASE_URL="postgres://countyhub@db1:6432/countyhub",
        DATABASE_REPLICA_URL="postgres://countyhub@db2:6432/countyhub",
        DATABASE_POOLER="pgbouncer",
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    default, replica = found["databases"]["default"], found["databases"]["replica"]
    assert found["routers"] == ["countyhub.core.routers.ReplicaRouter"]
    assert (replica["HOST"], replica["PORT"]) == ("db2", 6432)
    assert replica["TEST"] == {"MIRROR": "default"}
    assert replica["OPTIONS"]["connect_timeout"] == 2
    for database in (default, replica):
        assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
        # psycopg's None: never prepare (the trace scan's explicit prepare included).
        assert database["OPTIONS"]["prepare_threshold"] is None

    plain = json.loads(_settings(DATABASE_URL="postgres://countyhub@db1/countyhub").stdout)
    assert set(plain["databases"]) == {"default"}
    assert "prepare_threshold" not in plain["databases"]["default"].get("OPTIONS", {})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_POOLER": "pgpool"}, "DATABASE_POOLER='pgpool': use pgbouncer or nothing"),
        ({"DATABASE_POOLER": "pgbouncer"}, "DATABASE_POOLER=pgbouncer needs a PostgreSQL"),
        ({"DATABASE_REPLICA_URL": "postgres://r/x"}, "DATABASE_REPLICA_URL needs a PostgreSQL"),
    ],
)
def test_settings_refuse_a_pooler_or_replica_they_cannot_serve(env, message):
    done = _settings(DATABASE_URL="sqlite:////tmp/countyhub-router-test.sqlite3", **env)
    assert done.returncode != 0
    assert message in done.stderr


def test_only_reads_inside_replica_reads_go_to_the_replica():
    chosen = ReplicaRouter()
    assert chosen.db_for_read(County) is None
    token = routers._reading.set(True)
    try:
        assert chosen.db_for_read(County) == REPLICA
        # The database cache's table: always the primary's latest.
        cache_entry = BaseDatabaseCache("countyhub_cache", {}).cache_model_class
        assert chosen.db_for_read(cache_entry) is None
        # Writes, also of an object read from the replica, go to the primary.
        county = County(name="x")
        county._state.db = REPLICA
        assert chosen.db_for_write(County, instance=county) == DEFAULT_DB_ALIAS
        primary_county = County(name="y")
        primary_county._state.db = DEFAULT_DB_ALIAS
        assert chosen.allow_relation(county, primary_county) is True
    finally:
        routers._reading.reset(token)
    assert chosen.allow_migrate(REPLICA, "core") is False
    assert chosen.allow_migrate(DEFAULT_DB_ALIAS, "core") is None


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def replica_alias(transactional_db, settings, monkeypatch) -> Iterator[dict]:
    """A `replica` database for the test, by default the primary's (which the test changes):
    made here, since the settings are read once, and as a connection of its own, which Django's
    test case allows (an alias of DATABASES not named by the test it would refuse). Outside a
    transaction: inside one, reads stay on the primary anyway."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    monkeypatch.setattr(routers, "_not_before", 0.0)
    alias = {**connections[DEFAULT_DB_ALIAS].settings_dict, "OPTIONS": {"connect_timeout": 2}}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Overriding setting DATABASES")
        settings.DATABASES = {**settings.DATABASES, REPLICA: alias}
    settings.DATABASE_REPLICA_WAIT_SECONDS = 0.1
    connections[REPLICA] = DatabaseWrapper(alias, REPLICA)
    yield alias
    connections[REPLICA].close()
    del connections[REPLICA]


@replica_reads
def _database_read() -> str:
    """Where a read of counties goes in here."""
    return router.db_for_read(County) or DEFAULT_DB_ALIAS


@requires_postgres
def test_a_replica_that_does_not_answer_leaves_the_reads_on_the_primary(replica_alias, caplog):
    replica_alias["PORT"] = str(_closed_port())
    with caplog.at_level(logging.WARNING, logger="countyhub.core.routers"):
        assert _database_read() == DEFAULT_DB_ALIAS
        # Not asked again for a while: the next report loses no time on it.
        assert _database_read() == DEFAULT_DB_ALIAS
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0].startswith("reading from the primary: the replica does not answer (")
    assert messages[1] == "reading from the primary: the replica did not answer a moment ago"


@requires_postgres
def test_a_replica_url_naming_a_primary_is_not_used(replica_alias, caplog):
    with caplog.at_level(logging.WARNING, logger="countyhub.core.routers"):
        assert _database_read() == DEFAULT_DB_ALIAS
    assert caplog.records[0].getMessage() == (
        "reading from the primary: the replica is not a standby (it replays no WAL)"
    )


@requires_postgres
def test_readyz_names_a_replica_that_does_not_answer_and_stays_ready(replica_alias, client):
    replica_alias["PORT"] = str(_closed_port())
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["replica"].startswith(
        "RuntimeError: the replica does not answer (OperationalError"
    )


@pytest.mark.django_db
def test_without_a_replica_reads_stay_on_the_primary_and_nothing_is_asked():
    # No replica configured (the suite's settings): no WAL position is asked, on any database.
    assert _database_read() == DEFAULT_DB_ALIAS
