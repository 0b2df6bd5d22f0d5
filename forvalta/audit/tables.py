"""The audit search's results (no sorting: events come newest first by position)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import IntegerField, Value
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from forvalta.audit import codes
from forvalta.audit.clients import describe_client
from forvalta.audit.models import AuditEvent
from forvalta.audit.rules import readable_scope
from forvalta.core.models import User

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
# queries; bench/profile_page.py). Cells are short: the event's name, not its code; the
# object linked where the reader sees it; the client described, not its user agent.
def _time(event: AuditEvent) -> str:
    """The interface's date ("16 jan. 2027") with the time to the second."""
    moment = timezone.localtime(event.occurred_at)
    return f"{formats.date_format(moment)} {moment:%H:%M:%S}"


def _actor(event: AuditEvent) -> Any:
    if event.actor_id is None:
        return event.actor_name or "–"
    return format_html("{} <span class='muted'>({})</span>", event.actor_name, event.actor_id)


def _client(event: AuditEvent) -> Any:
    parts = [describe_client(event.user_agent)] if event.user_agent else []
    if event.api_token_id:
        parts.append(str(_("API token %(id)s") % {"id": event.api_token_id}))
    if event.client_address:
        parts.append(event.client_address)
    return format_html_join(mark_safe("<br>"), "{}", ((p,) for p in parts if p)) or "–"


def _changes(event: AuditEvent) -> Any:
    text = format_changes(event.changes)
    if not text:
        return "–"
    if len(text) <= CHANGES_SHOWN:
        return text
    # A long list of changes folds, so that a row stays one or two lines high.
    return format_html(
        "<details><summary>{}…</summary>{}</details>", text[: CHANGES_SHOWN - 20], text
    )


CHANGES_SHOWN = 90


def _or_dash(value: Any) -> Any:
    return "–" if value in (None, "") else value  # the interface's one empty mark


class ObjectCells:
    """The object column for one page of events, under the reader's scope.

    An object the reader sees now is named and linked to its page. One the reader
    does not see (deleted, or of a kind without a scope) is named, without a link,
    only if the event is filed under an organisation whose trail the reader reads (the
    organisation acted on: its own row). Anything else is named by its kind only
    ("System (not shown)"), never by another organisation's name for it. What the
    reader sees is asked in one query for the whole page (a UNION over the kinds of
    objects on it), so the page's cost does not grow with its rows.
    """

    def __init__(self, events: list[AuditEvent], viewer: Any) -> None:
        self.org_ids, self.platform = readable_scope(viewer)
        self.seen: set[tuple[str, str]] = set()
        ids_by_type: dict[str, set[int]] = {}
        for event in events:
            if event.object_type and str(event.object_id or "").isdigit():
                ids_by_type.setdefault(event.object_type, set()).add(int(event.object_id))
        parts = []
        kinds = sorted(ids_by_type)
        for index, object_type in enumerate(kinds):
            manager = getattr(codes.model_of(object_type), "_default_manager", None)
            if manager is None or not hasattr(manager, "visible_to"):
                continue
            parts.append(
                manager.visible_to(viewer)
                .filter(pk__in=sorted(ids_by_type[object_type]))
                .order_by()
                .annotate(kind_index=Value(index, output_field=IntegerField()))
                .values_list("kind_index", "pk")
            )
        if parts:
            # Anchored on the reader's own row: Django leaves a part that cannot match
            # (a kind the reader sees nothing of) out of the SQL, and without the anchor
            # a page of only such kinds would cost no query and another page one.
            anchor = (
                # scoping: allowed the reader's own row, selected for its id only
                User.objects.filter(pk=viewer.pk)
                .order_by()
                .annotate(kind_index=Value(-1, output_field=IntegerField()))
                .values_list("kind_index", "pk")
            )
            union = anchor.union(*parts, all=True)
            self.seen = {(kinds[index], str(pk)) for index, pk in union if index >= 0}

    def _files_under_reader(self, event: AuditEvent) -> bool:
        if event.organisation_id is None:
            return self.platform
        return event.organisation_id in self.org_ids

    @staticmethod
    def _url(event: AuditEvent, model: Any) -> str:
        if model is None or not str(event.object_id or "").isdigit():
            return ""
        meta = model._meta
        try:
            return reverse(f"{meta.app_label}:{meta.model_name}_detail", args=[event.object_id])
        except NoReverseMatch:
            return ""

    def __call__(self, event: AuditEvent) -> Any:
        if not (event.object_type or event.object_repr):
            return "–"
        model = codes.model_of(event.object_type)
        kind = str(capfirst(model._meta.verbose_name)) if model is not None else ""
        seen = (event.object_type, str(event.object_id or "")) in self.seen
        if not (seen or self._files_under_reader(event)):
            return format_html(
                "<span class='muted'>{}</span>",
                _("%(kind)s (not shown)") % {"kind": kind or _("Object")},
            )
        name = event.object_repr or kind
        url = self._url(event, model) if seen else ""
        shown = format_html('<a href="{}">{}</a>', url, name) if url else name
        return format_html("{} <span class='muted'>{}</span>", shown, kind) if kind else shown


COLUMNS: tuple[tuple[Any, Any], ...] = (
    (_("time"), _time),
    (_("user"), _actor),
    (_("organisation"), lambda e: _or_dash(e.organisation_name)),
    (_("activity"), lambda e: codes.event_name(e.action)),
    (_("object"), None),  # ObjectCells, per page
    (_("client"), _client),
    (_("changes"), _changes),
    (_("reason"), lambda e: _or_dash(e.reason)),
    (_("position"), lambda e: e.seq),
)


def event_rows(events: list[AuditEvent], viewer: Any) -> list[list[str]]:
    """The cells of each event, escaped (HTML built with format_html stays as it is)."""
    objects = ObjectCells(events, viewer)
    cells: list[Callable[[AuditEvent], Any]] = [c or objects for _h, c in COLUMNS]
    return [[conditional_escape(cell(e)) for cell in cells] for e in events]


def headers() -> list[Any]:
    return [header for header, _cell in COLUMNS]
