"""One call to write an audit entry, inside the caller's transaction; and one to save a record
whose change is audited with its values before and after."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from countyhub.core.models import AuditEntry, County

M = TypeVar("M", bound=models.Model)

# Bookkeeping columns: they change on every save and say nothing about the change.
UNAUDITED_FIELDS = frozenset({"id", "created_at", "updated_at", "password", "last_login"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    return value


def record_audit(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    county: County | None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        county=county,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=target._meta.label_lower,
        object_id=str(target.pk),
        changes={key: _jsonable(value) for key, value in (changes or {}).items()},
    )


def _columns(instance: models.Model) -> dict[str, Any]:
    return {
        field.name: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.name not in UNAUDITED_FIELDS
    }


def field_values(instance: models.Model) -> dict[str, Any]:
    """The record's own columns (foreign keys as ids), as an audit entry keeps them."""
    return {name: _jsonable(value) for name, value in _columns(instance).items()}


def changed_values(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """`{field: [before, after]}` for each field whose value differs; new fields from None."""
    return {name: [before.get(name), new] for name, new in after.items() if before.get(name) != new}


@transaction.atomic
def save_with_audit(*, actor: Any, instance: M, county: County | None) -> M:
    """Validate and save a record with no rules beyond its model's, auditing each changed field
    (`<model>.created` / `<model>.changed`); an unchanged record is not written at all."""
    stored = (
        type(instance)._default_manager.select_for_update().filter(pk=instance.pk).first()
        if instance.pk is not None
        else None
    )
    instance.full_clean()
    if stored is not None and _columns(stored) == _columns(instance):
        return instance
    instance.save()
    # Read back: a form's Decimal("2.5") is the column's "2.50".
    saved = type(instance)._default_manager.get(pk=instance.pk)
    before = field_values(stored) if stored is not None else {}
    record_audit(
        actor=actor,
        action=f"{instance._meta.model_name}.{'changed' if stored is not None else 'created'}",
        target=instance,
        county=county,
        changes=changed_values(before, field_values(saved)),
    )
    return instance


@transaction.atomic
def delete_with_audit(*, actor: Any, instance: models.Model, county: County | None) -> None:
    """Delete a record, keeping its last values in the audit log."""
    record_audit(
        actor=actor,
        action=f"{instance._meta.model_name}.deleted",
        target=instance,
        county=county,
        changes=field_values(instance),
    )
    instance.delete()
