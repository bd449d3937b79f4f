from django.db import migrations

# Records the county keeps for good are refused by a trigger on PostgreSQL, whatever the path
# (psql, a script, a bug): `countyhub_kept_for_good()` raises on DELETE, and on an UPDATE unless
# the only columns that changed are the trigger's arguments and those became NULL (a foreign key
# to a user is SET_NULL when that user is deleted). The apps' `*_kept_for_good` migrations use it.
#
# PostgreSQL only: TRUNCATE fires no row trigger, so the test database is still emptied between
# tests; SQLite has no TRUNCATE and empties tables with DELETE (TransactionTestCase's flush), and
# a table rebuild there (AlterField) drops triggers, so SQLite relies on the models' guards
# (core.models.KeptForGood) alone.

POSTGRESQL = """
CREATE FUNCTION countyhub_kept_for_good() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND (to_jsonb(NEW) - TG_ARGV) = (to_jsonb(OLD) - TG_ARGV)
        AND NOT EXISTS (
            SELECT 1 FROM unnest(TG_ARGV) AS name
            WHERE to_jsonb(NEW) -> name <> 'null'::jsonb
                AND to_jsonb(NEW) -> name IS DISTINCT FROM to_jsonb(OLD) -> name
        )
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'rows of % are kept for good: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER core_auditentry_kept_for_good BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION countyhub_kept_for_good('actor_id');
"""
POSTGRESQL_REVERSE = """
DROP TRIGGER core_auditentry_kept_for_good ON core_auditentry;
DROP FUNCTION countyhub_kept_for_good();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)  # its % are plpgsql


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_county_time_zone_station_fee"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
    ]
