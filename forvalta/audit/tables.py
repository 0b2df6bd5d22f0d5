"""The audit search's result table (no sorting: events come newest first by position)."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from forvalta.audit.models import AuditEvent

EXPORT_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_name",
    "organisation_id",
    "organisation_name",
    "client_address",
    "user_agent",
    "api_token_id",
    "request_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "reason",
    "hash",
    "actor_organisation_id",
    "actor_organisation_name",
)


def format_changes(changes: Any) -> str:
    if not isinstance(changes, dict):
        return str(changes)
    parts = []
    for name, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            old, new = value
            parts.append(f"{name}: {old!s} → {new!s}" if old is not None else f"{name}: {new!s}")
        else:
            parts.append(f"{name}: {value!s}")
    return "; ".join(parts)


class AuditEventTable(tables.Table):
    occurred_at = tables.Column(verbose_name=_("time"), orderable=False)
    actor_name = tables.Column(verbose_name=_("user"), orderable=False)
    organisation_name = tables.Column(verbose_name=_("organisation"), orderable=False)
    action = tables.Column(verbose_name=_("activity"), orderable=False)
    object_repr = tables.Column(verbose_name=_("object"), orderable=False, empty_values=())
    client = tables.Column(verbose_name=_("client"), orderable=False, empty_values=())
    changes = tables.Column(verbose_name=_("changes"), orderable=False)
    reason = tables.Column(verbose_name=_("reason"), orderable=False)
    seq = tables.Column(verbose_name=_("position"), orderable=False)

    class Meta:
        model = AuditEvent
        fields = (
            "occurred_at",
            "actor_name",
            "organisation_name",
            "action",
            "object_repr",
            "client",
            "changes",
            "reason",
            "seq",
        )
        attrs = {"class": "table table-audit"}
        template_name = "core/table.html"
        empty_text = _("Nothing matches the filter.")
        orderable = False

    def render_occurred_at(self, value: Any) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")

    def render_actor_name(self, value: Any, record: AuditEvent) -> Any:
        if record.actor_id is None:
            return value or "–"
        return format_html("{} <span class='muted'>({})</span>", value, record.actor_id)

    def render_object_repr(self, value: Any, record: AuditEvent) -> Any:
        if not (record.object_type or record.object_repr):
            return "–"
        ident = f" #{record.object_id}" if record.object_id else ""
        return format_html(
            "{}<br><span class='muted'>{}{}</span>",
            record.object_repr,
            record.object_type,
            ident,
        )

    def render_client(self, record: AuditEvent) -> Any:
        parts = [p for p in (record.client_address, record.user_agent) if p]
        if record.api_token_id:
            parts.append(f"API token {record.api_token_id}")
        return format_html_join(mark_safe("<br>"), "{}", ((p,) for p in parts)) or "–"

    def render_changes(self, value: Any) -> str:
        return format_changes(value) or "–"
