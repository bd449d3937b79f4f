from django.db import migrations

# On PostgreSQL (see core 0009 for why not on SQLite): a declaration's status history and the
# numbered export documents are never changed or deleted (a document number, once issued, is
# the seller's gap-free sequence).

POSTGRESQL = """
CREATE TRIGGER crossborder_declarationstatus_kept_for_good BEFORE UPDATE OR DELETE
    ON crossborder_declarationstatus FOR EACH ROW EXECUTE FUNCTION countyhub_kept_for_good('actor_id');
CREATE TRIGGER crossborder_exportdocument_kept_for_good BEFORE UPDATE OR DELETE
    ON crossborder_exportdocument FOR EACH ROW EXECUTE FUNCTION countyhub_kept_for_good();
"""
POSTGRESQL_REVERSE = """
DROP TRIGGER crossborder_exportdocument_kept_for_good ON crossborder_exportdocument;
DROP TRIGGER crossborder_declarationstatus_kept_for_good ON crossborder_declarationstatus;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("crossborder", "0001_initial"),
        ("core", "0009_audit_entries_kept_for_good"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
    ]
