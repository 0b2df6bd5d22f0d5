"""How audit events are reached: the organisations one is audit reader of, and the
platform's own events (no organisation) for the platform auditor."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from forvalta.audit.models import AuditEvent
from forvalta.core.scoping import NOTHING, Custom, declare


def event_condition(user: Any, scope: Any) -> Q:
    from forvalta.audit.rules import readable_scope

    org_ids, platform = readable_scope(user)
    condition = Q(organisation_id__in=sorted(org_ids)) if org_ids else NOTHING
    if platform:
        condition = (
            Q(organisation_id__isnull=True)
            if condition == NOTHING
            else condition | Q(organisation_id__isnull=True)
        )
    return condition


def declare_audit_models() -> None:
    declare(AuditEvent, Custom(event_condition))
