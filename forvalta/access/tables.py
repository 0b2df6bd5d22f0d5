from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from forvalta.access.models import (
    AccessRequest,
    AccessRole,
    AccessSettings,
    Account,
    Campaign,
    Deviation,
    ReviewList,
    Snapshot,
    YearSignOff,
)
from forvalta.core.tables import BaseTable, YesNoColumn


class AccessRoleTable(BaseTable):
    name = tables.Column(linkify=True)
    protected_identities = YesNoColumn()

    class Meta(BaseTable.Meta):
        model = AccessRole
        fields = ("name", "system", "service", "protected_identities", "decision_reference")


class SettingsTable(BaseTable):
    system = tables.Column(linkify=lambda record: record.get_absolute_url())
    scheduled = YesNoColumn()

    class Meta(BaseTable.Meta):
        model = AccessSettings
        fields = (
            "system",
            "organisation",
            "spring_due",
            "autumn_due",
            "inactive_days",
            "scheduled",
        )


class SnapshotTable(BaseTable):
    taken_on = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Snapshot
        fields = (
            "taken_on",
            "system",
            "organisation",
            "status",
            "account_count",
            "added_count",
            "changed_count",
            "removed_count",
            "unmatched_count",
        )


class AccountTable(BaseTable):
    account_id = tables.Column(linkify=True)
    personal_number = tables.Column(verbose_name=_("personal identity number"))
    protected_access = YesNoColumn()
    person = tables.Column()

    class Meta(BaseTable.Meta):
        model = Account
        fields = (
            "account_id",
            "name",
            "unit_name",
            "unit",
            "person",
            "personal_number",
            "roles",
            "protected_access",
            "last_login",
            "valid_until",
            "change",
            "changed_fields",
        )

    def render_personal_number(self, record: Account) -> str:
        return record.masked_personal_number

    def value_personal_number(self, record: Account) -> str:
        return record.masked_personal_number

    def render_roles(self, record: Account) -> str:
        return ", ".join(record.role_list)

    def value_roles(self, record: Account) -> str:
        return ", ".join(record.role_list)


class CampaignTable(BaseTable):
    name = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Campaign
        fields = ("name", "system", "organisation", "season", "year", "due_on", "status")


class ListTable(BaseTable):
    unit_name = tables.Column(
        linkify=lambda record: record.get_absolute_url(), verbose_name=_("unit")
    )
    reviewer = tables.Column()
    decided = tables.Column(
        verbose_name=pgettext_lazy("access", "decided"), orderable=False, empty_values=()
    )
    removals = tables.Column(verbose_name=_("remove or change"), orderable=False, empty_values=())

    class Meta(BaseTable.Meta):
        model = ReviewList
        fields = (
            "unit_name",
            "kind",
            "reviewer",
            "status",
            "account_count",
            "decided",
            "removals",
            "without_remark",
            "submitted_at",
        )

    def render_decided(self, record: Any) -> Any:
        return getattr(record, "decided_count", 0)

    def value_decided(self, record: Any) -> Any:
        return getattr(record, "decided_count", 0)

    def render_removals(self, record: Any) -> Any:
        return getattr(record, "removal_count", 0)

    def value_removals(self, record: Any) -> Any:
        return getattr(record, "removal_count", 0)

    def render_without_remark(self, value: bool) -> Any:
        return _("Yes") if value else ""


class AccessRequestTable(BaseTable):
    id = tables.Column(linkify=True, verbose_name="#")
    confirmed_by_snapshot = tables.Column(verbose_name=_("confirmed by the snapshot"))

    class Meta(BaseTable.Meta):
        model = AccessRequest
        fields = (
            "id",
            "kind",
            "person_name",
            "account_id",
            "system",
            "roles",
            "status",
            "requested_at",
            "done_at",
            "confirmed_by_snapshot",
        )


class DeviationTable(BaseTable):
    description = tables.Column(linkify=True)
    is_personal_data_incident = YesNoColumn()

    class Meta(BaseTable.Meta):
        model = Deviation
        fields = (
            "raised_at",
            "description",
            "system",
            "is_personal_data_incident",
            "incident_reference",
        )


class YearSignOffTable(BaseTable):
    class Meta(BaseTable.Meta):
        model = YearSignOff
        fields = ("year", "system", "organisation", "signed_by", "signed_at", "comment")


def hint_list(labels: list[str]) -> Any:
    if not labels:
        return ""
    return format_html(
        '<ul class="hints">{}</ul>', format_html_join("", "<li>{}</li>", ((h,) for h in labels))
    )
