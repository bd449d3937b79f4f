"""The demo county backs up and restores whole into a fresh installation (issue 19)."""

import pytest
from django.db import connection

from countyhub.core import backups
from tests.core.test_backup import Target


def test_the_demo_backs_up_and_restores_whole(demo_county, db, tmp_path, settings):
    if connection.vendor != "sqlite":
        pytest.skip(
            "the demo of these tests is never committed, and pg_dump reads committed rows only "
            "(tests/core/test_backup.py backs up committed data on PostgreSQL)"
        )
    archive = tmp_path / "demo.tar.gz"
    manifest = backups.create_backup(archive)
    assert manifest.tables["shop_order"] > 100
    assert sum(1 for name in manifest.files if name.startswith("media/")) > 10

    target = Target(tmp_path)
    done = target.restore(archive)

    assert done.returncode == 0, done.stderr
    assert target.row_counts() == manifest.tables == backups.table_row_counts()
    for name in (n for n in manifest.files if n.startswith("media/")):
        restored = target.var / name
        assert (
            restored.read_bytes()
            == (settings.MEDIA_ROOT / name.removeprefix("media/")).read_bytes()
        )
