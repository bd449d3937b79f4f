from django.db import migrations

# On PostgreSQL (see core 0009 for why not on SQLite): a summary application's receipt history
# is never changed or deleted, as an export order's is not (0002).

POSTGRESQL = """
CREATE TRIGGER crossborder_summarystatus_kept_for_good BEFORE UPDATE OR DELETE
    ON crossborder_summarystatus FOR EACH ROW EXECUTE FUNCTION countyhub_kept_for_good('actor_id');
"""
POSTGRESQL_REVERSE = """
DROP TRIGGER crossborder_summarystatus_kept_for_good ON crossborder_summarystatus;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("crossborder", "0003_summary_application_receipts"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
    ]
