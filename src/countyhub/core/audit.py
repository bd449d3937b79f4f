"""One call to write an audit entry, inside the caller's transaction."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models

from countyhub.core.models import AuditEntry, County


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
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
