from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    """The cache every worker and host shares when there is no Redis (settings.COUNTYHUB_CACHE)."""
    call_command(
        "createcachetable", "countyhub_cache", database=schema_editor.connection.alias, verbosity=0
    )


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name('countyhub_cache')}")


class Migration(migrations.Migration):
    dependencies = [("core", "0011_background_jobs")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
