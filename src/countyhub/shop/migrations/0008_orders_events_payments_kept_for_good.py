from django.db import migrations

# On PostgreSQL (see core 0009 for why not on SQLite): order events are never changed or deleted
# (only their actor may become NULL, when that user is deleted); orders and refunds are never
# deleted (an order is cancelled; its refunds are its money history), their steps update them;
# a payment is never deleted and its order_id, method, amount, currency and created_at never
# change: only status (pending -> received -> refunded, never back, never out of refunded),
# reference, received_at and updated_at move, as the services record the money arriving and
# going back.

POSTGRESQL = """
CREATE TRIGGER shop_orderevent_kept_for_good BEFORE UPDATE OR DELETE ON shop_orderevent
    FOR EACH ROW EXECUTE FUNCTION countyhub_kept_for_good('actor_id');
CREATE TRIGGER shop_order_kept_for_good BEFORE DELETE ON shop_order
    FOR EACH ROW EXECUTE FUNCTION countyhub_kept_for_good();
CREATE TRIGGER shop_refund_kept_for_good BEFORE DELETE ON shop_refund
    FOR EACH ROW EXECUTE FUNCTION countyhub_kept_for_good();

CREATE FUNCTION shop_payment_kept_for_good() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'payments are kept for good: DELETE refused'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.order_id <> OLD.order_id OR NEW.method <> OLD.method OR NEW.amount <> OLD.amount
        OR NEW.currency <> OLD.currency OR NEW.created_at <> OLD.created_at
    THEN
        RAISE EXCEPTION 'a payment''s order, method, amount, currency and creation never change'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.status <> OLD.status AND (NEW.status = 'pending' OR OLD.status = 'refunded') THEN
        RAISE EXCEPTION 'a payment goes from % to % only forward', OLD.status, NEW.status
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER shop_payment_kept_for_good BEFORE UPDATE OR DELETE ON shop_payment
    FOR EACH ROW EXECUTE FUNCTION shop_payment_kept_for_good();
"""
POSTGRESQL_REVERSE = """
DROP TRIGGER shop_payment_kept_for_good ON shop_payment;
DROP FUNCTION shop_payment_kept_for_good();
DROP TRIGGER shop_refund_kept_for_good ON shop_refund;
DROP TRIGGER shop_order_kept_for_good ON shop_order;
DROP TRIGGER shop_orderevent_kept_for_good ON shop_orderevent;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)  # its % are plpgsql


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0007_refunds_of_lines_and_steps"),
        ("core", "0009_audit_entries_kept_for_good"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
    ]
