"""Register tables: sortable, paginated and exportable."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.db.models import Case, F, When
from django.utils.translation import gettext_lazy as _

from forvalta.core.tables import (
    BaseTable,
    DateColumn,
    YesNoColumn,
    link_cell,
    text_cell,
    yes_no_cell,
)
from forvalta.register.models import (
    Agreement,
    Environment,
    Integration,
    ManagementObject,
    Participation,
    RoleAssignment,
    RoleType,
    Service,
    System,
)


def archived_name_cell(record: Any) -> str:
    """An item's name linked to its page, marked when the item is archived (archived
    items are hidden from lists by default but still appear in related tables)."""
    from django.utils.html import format_html
    from django.utils.translation import gettext

    if getattr(record, "archived_at", None):
        return format_html(
            '<a href="{}">{}</a> <span class="tag tag-archived">{}</span>',
            record.get_absolute_url(),
            record.name,
            gettext("archived"),
        )
    return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record.name)


class ArchivedNameColumn(tables.Column):
    """The name column of archivable register items (see `archived_name_cell`); exports
    keep the bare name."""

    def render(self, record: Any) -> str:  # type: ignore[override]
        return archived_name_cell(record)

    def value(self, record: Any, value: Any) -> Any:  # type: ignore[override]
        return value


class ManagementObjectTable(BaseTable):
    name = ArchivedNameColumn()
    owner_organisation = tables.Column()

    class Meta(BaseTable.Meta):
        model = ManagementObject
        fields = ("name", "identifier", "owner_organisation", "business_area")


class ServiceTable(BaseTable):
    name = ArchivedNameColumn()
    management_object = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Service
        fields = ("name", "owner_organisation", "management_object")


def select_cell(record: Any) -> str:
    """A row's checkbox for bulk changes; it belongs to the bulk form above the table
    (``form="bulk-form"``), so the table needs no form around it."""
    from django.utils.html import format_html
    from django.utils.translation import gettext

    return format_html(
        '<input type="checkbox" name="bulk-pk" value="{}" form="bulk-form" aria-label="{}">',
        record.pk,
        gettext("Select %(name)s") % {"name": record.name},
    )


class SystemTable(BaseTable):
    select = tables.Column(
        verbose_name=_("Select"), empty_values=(), orderable=False, exclude_from_export=True
    )
    name = ArchivedNameColumn()
    management_object = tables.Column(linkify=True)
    processes_personal_data = YesNoColumn()
    holds_protected_identities = YesNoColumn()
    # Annotated by the systems list (`selectors.with_role_holders`); empty elsewhere.
    system_owner_name = tables.Column(verbose_name=_("system owner"), orderable=False)
    system_manager_name = tables.Column(verbose_name=_("system manager"), orderable=False)

    class Meta(BaseTable.Meta):
        model = System
        fields = (
            "select",
            "name",
            "owner_organisation",
            "system_owner_name",
            "system_manager_name",
            "management_object",
            "vendor",
            "lifecycle",
            "criticality",
            "processes_personal_data",
            "holds_protected_identities",
        )

    tool_columns = ("select",)
    export_exclude = ("select",)
    # What fits at 1280 px; the rest is a choice of columns away (core.list_preferences).
    default_columns = (
        "name",
        "system_owner_name",
        "system_manager_name",
        "lifecycle",
        "criticality",
        "processes_personal_data",
    )

    def render_select(self, record: Any) -> str:
        return select_cell(record)

    # The same cells without django-tables2's per-cell work (see BaseTable).
    fast_cells = {
        "select": select_cell,
        "name": archived_name_cell,
        "owner_organisation": text_cell(lambda r: r.owner_organisation),
        "system_owner_name": text_cell(lambda r: getattr(r, "system_owner_name", None)),
        "system_manager_name": text_cell(lambda r: getattr(r, "system_manager_name", None)),
        "management_object": link_cell(lambda r: r.management_object),
        "vendor": text_cell(lambda r: r.vendor),
        "lifecycle": text_cell(lambda r: r.get_lifecycle_display()),
        "criticality": text_cell(lambda r: r.get_criticality_display()),
        "processes_personal_data": yes_no_cell(lambda r: r.processes_personal_data),
        "holds_protected_identities": yes_no_cell(lambda r: r.holds_protected_identities),
    }


class EnvironmentTable(BaseTable):
    kind = tables.Column(linkify=True)
    system = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Environment
        fields = ("kind", "name", "system", "operated_by", "service_hours", "url")


class IntegrationTable(BaseTable):
    source = tables.Column(linkify=True)
    counterpart = tables.Column(
        verbose_name=_("counterpart"),
        accessor="target",
        order_by=("target__name", "external_system"),
        empty_values=(),
    )
    method = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Integration
        fields = (
            "source",
            "counterpart",
            "method",
            "description",
            "responsible_organisation",
            "responsible_person",
        )

    def order_counterpart(self, queryset: Any, is_descending: bool) -> tuple[Any, bool]:
        """Sorted by what is shown: a hidden target by its owner, never by its name."""
        if "target_visible" not in queryset.query.annotations:
            return queryset, False
        key = Case(
            When(target__isnull=True, then=F("external_system")),
            When(target_visible=True, then=F("target__name")),
            default=F("target__owner_organisation__name"),
        )
        queryset = queryset.annotate(counterpart_sort=key).order_by(
            F("counterpart_sort").desc() if is_descending else F("counterpart_sort").asc(), "pk"
        )
        return queryset, True

    def render_counterpart(self, record: Any) -> str:
        # Named only to those who see the target (Integration.shows_target).
        return record.counterpart_name

    def value_counterpart(self, record: Any) -> str:
        return self.render_counterpart(record)

    def render_responsible_person(self, record: Any) -> str:
        return record.responsible_person_name

    def value_responsible_person(self, record: Any) -> str:
        return record.responsible_person_name


class ParticipationTable(BaseTable):
    organisation = tables.Column(linkify=lambda record: record.get_absolute_url())
    service = tables.Column(linkify=True)
    valid_from = DateColumn()
    valid_to = DateColumn()

    class Meta(BaseTable.Meta):
        model = Participation
        fields = (
            "organisation",
            "service",
            "status",
            "valid_from",
            "valid_to",
            "cost_share",
            "note",
        )


class RoleTypeTable(BaseTable):
    name_sv = tables.Column(linkify=True)
    is_supplier_role = YesNoColumn()
    manages = YesNoColumn()

    class Meta(BaseTable.Meta):
        model = RoleType
        fields = ("name_sv", "name_en", "level", "is_supplier_role", "manages")
        order_by = ("sort_order",)


class RoleAssignmentTable(BaseTable):
    role_type = tables.Column(
        linkify=lambda record: record.get_absolute_url(), order_by=("role_type__sort_order",)
    )
    person = tables.Column(order_by=("person__last_name", "person__first_name"))
    target = tables.Column(
        verbose_name=_("for"),
        accessor="management_object",
        order_by=("management_object__name", "service__name", "system__name"),
        empty_values=(),
    )
    organisation = tables.Column()
    valid_from = DateColumn()
    valid_to = DateColumn()

    class Meta(BaseTable.Meta):
        model = RoleAssignment
        fields = ("role_type", "person", "target", "organisation", "valid_from", "valid_to", "note")

    def render_target(self, record: Any) -> str:
        return str(record.target)

    def value_target(self, record: Any) -> str:
        return str(record.target)


class AgreementTable(BaseTable):
    title = tables.Column(linkify=True)
    valid_from = DateColumn()
    valid_to = DateColumn()
    renewal_decision_by = DateColumn()

    class Meta(BaseTable.Meta):
        model = Agreement
        fields = (
            "title",
            "kind",
            "owner_organisation",
            "supplier",
            "valid_from",
            "valid_to",
            "notice_period_months",
            "renewal_decision_by",
        )

    # What fits at 1280 px; the rest is a choice of columns away.
    default_columns = (
        "title",
        "kind",
        "owner_organisation",
        "supplier",
        "valid_to",
        "renewal_decision_by",
    )
