"""The audit search's results (no sorting: events come newest first by position)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import formats, timezone
from django.utils.html import conditional_escape, format_html, format_html_join
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


# The search's columns: (header, cell of one event). Rendered by a plain template loop:
# the page shows up to 200 events of nine columns and is neither sorted nor paginated by
# a table library (django-tables2's per-cell machinery cost more than the page's
# queries; bench/profile_page.py).
def _time(event: AuditEvent) -> str:
    """The interface's date ("16 jan. 2027") with the time to the second."""
    moment = timezone.localtime(event.occurred_at)
    return f"{formats.date_format(moment)} {moment:%H:%M:%S}"


def _actor(event: AuditEvent) -> Any:
    if event.actor_id is None:
        return event.actor_name or "–"
    return format_html("{} <span class='muted'>({})</span>", event.actor_name, event.actor_id)


def _object(event: AuditEvent) -> Any:
    if not (event.object_type or event.object_repr):
        return "–"
    ident = f" #{event.object_id}" if event.object_id else ""
    return format_html(
        "{}<br><span class='muted'>{}{}</span>", event.object_repr, event.object_type, ident
    )


def _client(event: AuditEvent) -> Any:
    parts = [p for p in (event.client_address, event.user_agent) if p]
    if event.api_token_id:
        parts.append(f"API token {event.api_token_id}")
    return format_html_join(mark_safe("<br>"), "{}", ((p,) for p in parts)) or "–"


def _or_dash(value: Any) -> Any:
    return "–" if value in (None, "") else value  # the interface's one empty mark


COLUMNS: tuple[tuple[Any, Callable[[AuditEvent], Any]], ...] = (
    (_("time"), _time),
    (_("user"), _actor),
    (_("organisation"), lambda e: _or_dash(e.organisation_name)),
    (_("activity"), lambda e: e.action),
    (_("object"), _object),
    (_("client"), _client),
    (_("changes"), lambda e: format_changes(e.changes) or "–"),
    (_("reason"), lambda e: _or_dash(e.reason)),
    (_("position"), lambda e: e.seq),
)


def event_rows(events: list[AuditEvent]) -> list[list[str]]:
    """The cells of each event, escaped (HTML built with format_html stays as it is)."""
    return [[conditional_escape(cell(e)) for _header, cell in COLUMNS] for e in events]


def headers() -> list[Any]:
    return [header for header, _cell in COLUMNS]
