from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from forvalta.core.tables import BaseTable, DateColumn, YesNoColumn
from forvalta.governance.models import (
    Body,
    BodyAdjoined,
    BodyMember,
    Circulation,
    Decision,
    Meeting,
    Vote,
)


class BodyTable(BaseTable):
    name = tables.Column(linkify=True)
    target = tables.Column(
        empty_values=(),
        verbose_name=_("object or service"),
        orderable=False,
        accessor="target",
    )

    class Meta(BaseTable.Meta):
        model = Body
        fields = ("name", "kind", "target", "organisation", "frequency", "notice_days")

    def render_target(self, record: Body) -> Any:
        return str(record.target or "")


class MemberTable(BaseTable):
    organisation = tables.Column()
    representative = tables.Column()
    substitute = tables.Column()
    objects_to_circulation = YesNoColumn()
    edit = tables.Column(empty_values=(), verbose_name="", orderable=False)
    export_exclude = ("edit",)

    class Meta(BaseTable.Meta):
        model = BodyMember
        fields = ("organisation", "representative", "substitute", "objects_to_circulation")

    def __init__(self, *args: Any, label: Any = None, editable: Any = None, **kwargs: Any) -> None:
        self.label = label or (lambda person: person)
        self.editable = editable or (lambda member: False)
        super().__init__(*args, **kwargs)

    def render_representative(self, value: Any) -> Any:
        return self.label(value)

    def render_substitute(self, value: Any) -> Any:
        return self.label(value)

    def value_representative(self, value: Any) -> Any:
        return str(self.label(value)) if value else ""

    def value_substitute(self, value: Any) -> Any:
        return str(self.label(value)) if value else ""

    def render_edit(self, record: BodyMember) -> Any:
        from django.urls import reverse
        from django.utils.html import format_html

        if not self.editable(record):
            return ""
        return format_html(
            '<a href="{}">{}<span class="visually-hidden"> – {}</span></a>',
            reverse("governance:bodymember_edit", args=[record.pk]),
            _("Nominate"),
            record.organisation,
        )


class AdjoinedTable(BaseTable):
    class Meta(BaseTable.Meta):
        model = BodyAdjoined
        fields = ("organisation", "person", "note")

    def __init__(self, *args: Any, label: Any = None, **kwargs: Any) -> None:
        self.label = label or (lambda person: person)
        super().__init__(*args, **kwargs)

    def render_person(self, value: Any) -> Any:
        return self.label(value)

    def value_person(self, value: Any) -> Any:
        return str(self.label(value)) if value else ""


class MeetingTable(BaseTable):
    starts_at = tables.DateTimeColumn(linkify=True, verbose_name=_("starts"))
    body = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Meeting
        fields = ("starts_at", "body", "title", "place", "status")


class DecisionTable(BaseTable):
    number = tables.Column(linkify=True)
    decided_on = DateColumn()
    body = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Decision
        fields = ("number", "decided_on", "body", "kind", "title", "made_by")


class CirculationTable(BaseTable):
    title = tables.Column(linkify=True)
    body = tables.Column(linkify=True)
    deadline = tables.DateTimeColumn()

    class Meta(BaseTable.Meta):
        model = Circulation
        fields = ("title", "body", "kind", "deadline", "status", "result")


class VoteTable(BaseTable):
    circulation = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Vote
        fields = ("circulation", "organisation", "voter_role", "choice", "reason", "updated_at")
