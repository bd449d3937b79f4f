"""Records no one deletes, superusers included (issue 13): the audit log, orders and their
events, payments and refunds, payout runs and the ledger, trace events. The admin offers no
deletion, the models refuse it on every path, and on PostgreSQL a trigger refuses the raw SQL;
sellers, households and products are deactivated instead."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from countyhub.catalog.models import Household, Product, Seller
from countyhub.core.audit import delete_with_audit
from countyhub.core.errors import CoreErrorCode, RecordKeptError
from countyhub.core.models import AuditEntry
from countyhub.programs.incentives import evaluate_period
from countyhub.programs.models import LedgerEntry, PayoutRun, RunStatus
from countyhub.shop import services as shop_services
from countyhub.shop.models import Order, OrderEvent, Payment, PaymentStatus
from countyhub.trace.models import TraceEvent
from tests.conftest import requires_postgres

KEPT: dict[str, Any] = {
    "core.auditentry": lambda site: AuditEntry.objects.order_by("pk").first(),
    "shop.order": lambda site: site.order,
    "shop.orderevent": lambda site: OrderEvent.objects.filter(order=site.order).first(),
    "shop.payment": lambda site: Payment.objects.get(order=site.order),
    "programs.ledgerentry": lambda site: LedgerEntry.objects.order_by("pk").first(),
    "programs.payoutrun": lambda site: PayoutRun.objects.get(pk=site.run.pk),
    "trace.traceevent": lambda site: TraceEvent.objects.filter(batch=site.batch).first(),
}


@pytest.mark.parametrize("label", sorted(KEPT))
def test_no_code_path_deletes_a_kept_record(site, label):
    record = KEPT[label](site)
    assert record is not None, label
    model = type(record)
    audited = AuditEntry.objects.count()
    with pytest.raises(RecordKeptError) as refused:
        record.delete()
    assert refused.value.code == CoreErrorCode.RECORD_KEPT
    assert str(model._meta.verbose_name_plural).capitalize() in refused.value.message
    with pytest.raises(RecordKeptError):
        model.objects.filter(pk=record.pk).delete()
    with pytest.raises(RecordKeptError), transaction.atomic():
        delete_with_audit(actor=site.superuser, instance=record, county=site.world.county)
    assert model.objects.filter(pk=record.pk).exists()
    assert AuditEntry.objects.count() == audited


def test_a_draft_payout_run_is_replaced_when_its_month_is_evaluated_again(site):
    import datetime

    period = datetime.date(2025, 3, 1)
    first = evaluate_period(county=site.world.county, period=period, actor=site.admin)
    second = evaluate_period(county=site.world.county, period=period, actor=site.admin)
    assert not PayoutRun.objects.filter(pk=first.pk).exists()
    assert PayoutRun.objects.get(pk=second.pk).status == RunStatus.DRAFT


ADMINS = [
    (model, model_admin)
    for model, model_admin in admin.site._registry.items()
    if model._meta.label_lower in KEPT or model in (Order, Seller, Household, Product)
]


@pytest.mark.parametrize(
    ("model", "model_admin"), ADMINS, ids=[m._meta.label_lower for m, _a in ADMINS]
)
def test_the_admin_deletes_none_of_them_for_a_superuser(site, client, rf, model, model_admin):
    request = rf.get("/")
    request.user = site.superuser
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)
    record = (
        KEPT[model._meta.label_lower](site)
        if model._meta.label_lower in KEPT
        else {Seller: site.world.seller, Household: Household.objects.first()}.get(
            model, site.world.product
        )
    )
    client.force_login(site.superuser)
    url = reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_delete", args=[record.pk]
    )
    assert client.post(url, {"post": "yes"}).status_code == 403
    changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [record.pk]})
    assert model.objects.filter(pk=record.pk).exists()


def _refused(sql: str, params: list[Any]) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except IntegrityError:
        return True
    return False


RAW_REFUSALS = [
    ("core_auditentry", "DELETE FROM core_auditentry WHERE id = %s"),
    ("core_auditentry", "UPDATE core_auditentry SET action = 'x' WHERE id = %s"),
    ("shop_order", "DELETE FROM shop_order WHERE id = %s"),
    ("shop_orderevent", "DELETE FROM shop_orderevent WHERE id = %s"),
    ("shop_orderevent", "UPDATE shop_orderevent SET note = 'x' WHERE id = %s"),
    ("shop_payment", "DELETE FROM shop_payment WHERE id = %s"),
    ("shop_payment", "UPDATE shop_payment SET amount = amount + 1 WHERE id = %s"),
    ("shop_payment", "UPDATE shop_payment SET order_id = order_id + 1 WHERE id = %s"),
    ("programs_ledgerentry", "DELETE FROM programs_ledgerentry WHERE id = %s"),
    ("programs_ledgerentry", "UPDATE programs_ledgerentry SET amount = 0 WHERE id = %s"),
    ("programs_payoutrun", "DELETE FROM programs_payoutrun WHERE id = %s"),
    ("programs_payoutrun", "UPDATE programs_payoutrun SET status = 'draft' WHERE id = %s"),
    ("trace_traceevent", "DELETE FROM trace_traceevent WHERE id = %s"),
    ("trace_traceevent", "UPDATE trace_traceevent SET event_id = 'x' WHERE id = %s"),
]
TABLE_LABELS = {
    "core_auditentry": "core.auditentry",
    "shop_order": "shop.order",
    "shop_orderevent": "shop.orderevent",
    "shop_payment": "shop.payment",
    "programs_ledgerentry": "programs.ledgerentry",
    "programs_payoutrun": "programs.payoutrun",
    "trace_traceevent": "trace.traceevent",
}


@requires_postgres
@pytest.mark.parametrize(("table", "sql"), RAW_REFUSALS, ids=[sql for _t, sql in RAW_REFUSALS])
def test_postgresql_refuses_raw_sql_on_kept_rows(site, table, sql):
    record = KEPT[TABLE_LABELS[table]](site)
    assert _refused(sql, [record.pk]), sql


@requires_postgres
def test_postgresql_lets_the_documented_changes_through(site):
    # The fixture approved its payout run on PostgreSQL (draft -> approved).
    assert PayoutRun.objects.get(pk=site.run.pk).status == RunStatus.APPROVED
    shop_services.mark_order_paid(order=site.order, actor=site.admin)
    assert Payment.objects.get(order=site.order).status == PaymentStatus.RECEIVED
    entry = AuditEntry.objects.exclude(actor=None).order_by("pk").first()
    assert not _refused("UPDATE core_auditentry SET actor_id = NULL WHERE id = %s", [entry.pk])
    payment = Payment.objects.get(order=site.order)
    assert _refused("UPDATE shop_payment SET status = 'pending' WHERE id = %s", [payment.pk])
