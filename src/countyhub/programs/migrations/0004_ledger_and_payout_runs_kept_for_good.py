from django.db import migrations

# On PostgreSQL (see core 0009 for why not on SQLite): ledger entries are never changed or
# deleted. A payout run's county_id, period_start, period_end and created_at never change; a
# draft may be approved (status, approved_by_id, approved_at, updated_at move) or replaced by a
# new evaluation of its month (a draft is deleted then); an approved run never changes again and
# is never deleted: its ledger entries point to it.

POSTGRESQL = """
CREATE TRIGGER programs_ledgerentry_kept_for_good BEFORE UPDATE OR DELETE
    ON programs_ledgerentry FOR EACH ROW EXECUTE FUNCTION countyhub_kept_for_good();

CREATE FUNCTION programs_payoutrun_kept_for_good() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'approved' THEN
        RAISE EXCEPTION 'approved payout runs are kept for good: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.county_id <> OLD.county_id
        OR NEW.period_start <> OLD.period_start OR NEW.period_end <> OLD.period_end
        OR NEW.created_at <> OLD.created_at)
    THEN
        RAISE EXCEPTION 'a payout run''s county, period and creation never change'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER programs_payoutrun_kept_for_good BEFORE UPDATE OR DELETE ON programs_payoutrun
    FOR EACH ROW EXECUTE FUNCTION programs_payoutrun_kept_for_good();
"""
POSTGRESQL_REVERSE = """
DROP TRIGGER programs_payoutrun_kept_for_good ON programs_payoutrun;
DROP FUNCTION programs_payoutrun_kept_for_good();
DROP TRIGGER programs_ledgerentry_kept_for_good ON programs_ledgerentry;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)  # its % are plpgsql


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0003_servicestation_goes"),
        ("core", "0009_audit_entries_kept_for_good"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
    ]
