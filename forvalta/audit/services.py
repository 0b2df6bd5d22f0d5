"""Recording audit events. Services call `record` inside their transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from forvalta.audit import context
from forvalta.audit.models import AuditEvent

# Field names whose values never enter the trail in clear text.
SENSITIVE_FIELDS = frozenset({"password", "token", "secret", "personal_identity_number"})
MASK = "••••"


def _plain(value: Any) -> Any:
    """A JSON-safe, stable rendering of a field value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return {"id": value.pk, "text": str(value)[:200]}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, FieldFile):
        return value.name or ""
    return str(value)


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Field values of an instance (FKs as ids, M2M as sorted id lists)."""
    data: dict[str, Any] = {}
    meta = instance._meta
    for f in meta.concrete_fields:
        if fields is not None and f.name not in fields:
            continue
        if f.name in {"created_at", "updated_at", "id", "last_login"}:
            continue
        data[f.name] = _plain(f.value_from_object(instance))
    if instance.pk:
        for f in meta.many_to_many:
            if fields is not None and f.name not in fields:
                continue
            data[f.name] = sorted(getattr(instance, f.name).values_list("pk", flat=True))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field that changed, sensitive values masked."""
    changes: dict[str, list[Any]] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            if name in SENSITIVE_FIELDS:
                old, new = MASK if old else old, MASK if new else new
            changes[name] = [old, new]
    return changes


def object_type_of(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def organisation_of(obj: Any) -> Any:
    """The organisation an object belongs to, for the event's organisation column."""
    for attr in ("owner_organisation", "organisation"):
        org = getattr(obj, attr, None)
        if org is not None:
            return org
    if obj is not None and obj._meta.model_name == "organisation":
        return obj
    for attr in ("system", "source", "service"):
        parent = getattr(obj, attr, None)
        if parent is not None:
            return organisation_of(parent)
    return None


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    organisation: Any = None,
    reason: str = "",
    object_type: str = "",
    object_repr: str = "",
    object_id: str = "",
) -> AuditEvent:
    """Append one event. Call inside the transaction that made the change."""
    ctx = context.current()
    org = organisation if organisation is not None else (organisation_of(obj) if obj else None)
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor_id=actor.pk if is_person else None,
        actor_name=(str(actor)[:300] if is_person else ""),
        organisation_id=getattr(org, "pk", None),
        organisation_name=str(org)[:300] if org is not None else "",
        client_address=ctx.client_address,
        user_agent=ctx.user_agent,
        request_id=ctx.request_id,
        action=action,
        object_type=object_type_of(obj) if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else object_id,
        object_repr=(str(obj)[:300] if obj is not None else object_repr[:300]),
        changes=changes or {},
        reason=reason,
    )
    event.save()
    return event
