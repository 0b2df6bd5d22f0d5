"""A register item's readable history, drawn from the audit trail (issue 9).

Only the events the viewer may read by the audit trail's own rules
(`AuditEvent.objects.visible_to`: an organisation's administrators read what is filed
under it) are shown; field names in the reader's language, old → new values as the
trail holds them (sensitive values stay masked), related rows named only where the
viewer sees them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from forvalta.audit.models import AuditEvent
from forvalta.audit.services import object_type_of

PER_PAGE = 25

# Reading and refusals are in the trail too, but are not the item's history.
NOT_HISTORY = (".viewed", ".document_read", ".exported")


def _verb_label(action: str) -> str:
    verb = action.rsplit(".", 1)[-1]
    labels = {
        "created": _("Created"),
        "updated": _("Changed"),
        "archived": _("Archived"),
        "restored": _("Restored"),
        "deleted": _("Deleted"),
        "transition": _("Status changed"),
    }
    return str(labels.get(verb, action))


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    when: dt.datetime
    who: str
    what: str
    changes: list[Change] = field(default_factory=list)
    reason: str = ""


def history_events(user: Any, obj: models.Model) -> Any:
    """The item's events the user may read, newest first."""
    queryset = AuditEvent.objects.visible_to(user).filter(
        object_type=object_type_of(obj), object_id=str(obj.pk)
    )
    queryset = queryset.exclude(action="access.denied")
    for suffix in NOT_HISTORY:
        queryset = queryset.exclude(action__endswith=suffix)
    return queryset.order_by("-occurred_at", "-id")


class _Names:
    """Names of related rows on one page of events, one query per related model, each
    through the viewer's scope."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.wanted: dict[type[models.Model], set[Any]] = {}
        self.names: dict[tuple[type[models.Model], Any], str] = {}

    def want(self, model: type[models.Model], ids: Any) -> None:
        self.wanted.setdefault(model, set()).update(i for i in ids if isinstance(i, int))

    def load(self) -> None:
        for model, ids in self.wanted.items():
            manager: Any = model._default_manager
            rows = (
                manager.visible_to(self.user)
                if hasattr(manager, "visible_to")
                else manager.all()  # scoping: allowed a model that is not tenant data
            )
            for row in rows.filter(pk__in=sorted(ids)):
                self.names[(model, row.pk)] = str(row)

    def name(self, model: type[models.Model], pk: Any) -> str:
        return self.names.get((model, pk), str(_("(not visible to you)")))


def _field(model: type[models.Model], name: str) -> Any:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _text(value: Any, model_field: Any, names: _Names) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, dict) and "text" in value:
        return str(value["text"])
    if model_field is None:
        return str(value)
    if model_field.many_to_many and isinstance(value, list):
        return ", ".join(names.name(model_field.related_model, v) for v in value)
    if model_field.is_relation:
        return names.name(model_field.related_model, value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(model_field, models.DateTimeField) and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    if isinstance(model_field, models.DateField) and isinstance(value, str):
        try:
            return date_format(dt.date.fromisoformat(value), "DATE_FORMAT")
        except ValueError:
            return value
    return str(value)


def history_entries(user: Any, obj: models.Model, events: Any) -> list[Entry]:
    """Readable entries for a page of `history_events`."""
    model = type(obj)
    names = _Names(user)
    events = list(events)
    for event in events:
        for name, pair in (event.changes or {}).items():
            model_field = _field(model, name)
            if model_field is None or not model_field.is_relation:
                continue
            if not (isinstance(pair, list) and len(pair) == 2):
                continue
            for value in pair:
                names.want(
                    model_field.related_model,
                    value if isinstance(value, list) else [value],
                )
    names.load()
    entries = []
    for event in events:
        changes = []
        for name, pair in (event.changes or {}).items():
            if not (isinstance(pair, list) and len(pair) == 2):
                continue
            model_field = _field(model, name)
            label = capfirst(model_field.verbose_name) if model_field is not None else name
            changes.append(
                Change(
                    label=str(label),
                    old=_text(pair[0], model_field, names),
                    new=_text(pair[1], model_field, names),
                )
            )
        entries.append(
            Entry(
                when=event.occurred_at,
                who=event.actor_name or str(_("the system")),
                what=_verb_label(event.action),
                changes=changes,
                reason=event.reason,
            )
        )
    return entries
