from django.db import migrations

# On PostgreSQL (see core 0009 for why not on SQLite): trace events are never changed or deleted
# (only recorded_by_id may become NULL, when that user is deleted); a correction is a new event
# plus an error declaration. Batch.version's triggers (0008) stay: they still move the version
# if these are switched off.

POSTGRESQL = """
CREATE TRIGGER trace_traceevent_kept_for_good BEFORE UPDATE OR DELETE ON trace_traceevent
    FOR EACH ROW EXECUTE FUNCTION countyhub_kept_for_good('recorded_by_id');
"""
POSTGRESQL_REVERSE = "DROP TRIGGER trace_traceevent_kept_for_good ON trace_traceevent;"


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)  # its % are plpgsql


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("trace", "0010_step_kinds_per_category"),
        ("core", "0009_audit_entries_kept_for_good"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
    ]
