"""core.bulk: COPY on PostgreSQL and bulk_create elsewhere write the same rows as the ORM."""

from django.forms.models import model_to_dict

from countyhub.core.bulk import BulkTable
from countyhub.core.models import AuditEntry

COLUMNS = ["county_id", "actor_id", "action", "object_type", "object_id", "changes"]


def test_inserted_rows_are_the_rows_the_orm_writes_with_keys_in_row_order(world):
    user = world.users["seller_staff"]
    changes = {"total": "1.50", "name": "张三", "lines": [1, 2]}
    keys = BulkTable(AuditEntry, COLUMNS).insert(
        [
            (world.county.pk, user.pk, "order.imported", "shop.order", str(n), changes)
            for n in range(3)
        ],
        ids=True,
    )
    by_orm = AuditEntry.objects.create(
        county=world.county,
        actor=user,
        action="order.imported",
        object_type="shop.order",
        object_id="2",
        changes=changes,
    )
    assert keys == sorted(keys) and len(set(keys)) == 3 and by_orm.pk > keys[-1]
    rows = AuditEntry.objects.in_bulk(keys)
    assert [rows[key].object_id for key in keys] == ["0", "1", "2"]
    assert model_to_dict(rows[keys[2]], exclude=["id"]) == model_to_dict(by_orm, exclude=["id"])
    # The model's defaults fill the columns not given (here the time, as auto_now_add would).
    assert rows[keys[0]].created_at <= by_orm.created_at


def test_without_keys_nothing_is_returned_and_nothing_is_inserted_for_no_rows(world):
    table = BulkTable(AuditEntry, COLUMNS)
    before = AuditEntry.objects.count()
    assert table.insert([]) == []
    assert table.insert([(world.county.pk, None, "x", "y", "1", {})]) == []
    assert AuditEntry.objects.count() == before + 1
