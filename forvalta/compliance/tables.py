from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from forvalta.compliance.models import (
    AnnualReport,
    ArchiveDocumentation,
    Classification,
    ClassificationAction,
    ClassificationLevelName,
    ConfidentialityUndertaking,
    ControlDefinition,
    ControlOccurrence,
    Decommissioning,
    DecommissioningItem,
    LegalAct,
    LegalRequirement,
    Light,
    PersonalDataIncident,
    RetentionRule,
    Risk,
    RiskAction,
    RiskAnalysis,
)
from forvalta.core.models import today
from forvalta.core.tables import BaseTable, DateColumn


class IncidentTable(BaseTable):
    title = tables.Column(linkify=True)
    aware_at = tables.DateTimeColumn(format="Y-m-d H:i")
    deadline = tables.Column(
        empty_values=(), verbose_name=_("IMY deadline"), orderable=False, accessor="imy_deadline"
    )

    class Meta(BaseTable.Meta):
        model = PersonalDataIncident
        fields = ("title", "organisation", "aware_at", "deadline", "decision", "status")

    def render_deadline(self, record: PersonalDataIncident) -> str:
        return record.imy_deadline.strftime("%Y-%m-%d %H:%M")

    def value_deadline(self, record: PersonalDataIncident) -> str:
        return self.render_deadline(record)


class ControlDefinitionTable(BaseTable):
    name = tables.Column(linkify=True)
    target = tables.Column(empty_values=(), verbose_name=_("target"), orderable=False)

    class Meta(BaseTable.Meta):
        model = ControlDefinition
        fields = (
            "name",
            "kind",
            "organisation",
            "target",
            "due_dates",
            "every_years",
            "responsible_role",
            "active",
        )


def light_badge(light: str) -> Any:
    return format_html('<span class="light light-{}">{}</span>', light, Light(light).label)


class OccurrenceTable(BaseTable):
    definition = tables.Column(linkify=False, verbose_name=_("control"))
    due_on = DateColumn()
    light = tables.Column(empty_values=(), verbose_name=_("traffic light"), orderable=False)
    detail = tables.Column(empty_values=(), verbose_name="", orderable=False)
    export_exclude = ("detail",)

    class Meta(BaseTable.Meta):
        model = ControlOccurrence
        fields = ("due_on", "definition", "light", "status", "completed_on", "evidence_label")
        order_by = ("due_on",)

    def render_light(self, record: ControlOccurrence) -> Any:
        return light_badge(record.light(today()))

    def value_light(self, record: ControlOccurrence) -> str:
        return str(Light(record.light(today())).label)

    def render_detail(self, record: ControlOccurrence) -> Any:
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), _("Open"))


class AnnualReportTable(BaseTable):
    year = tables.Column(linkify=True)
    signed_at = tables.DateTimeColumn(format="Y-m-d H:i")

    class Meta(BaseTable.Meta):
        model = AnnualReport
        fields = ("year", "organisation", "management_object", "signed_by", "signed_at")


class ClassificationTable(BaseTable):
    subject = tables.Column(
        empty_values=(),
        verbose_name=_("system or information set"),
        orderable=False,
        linkify=lambda record: record.get_absolute_url(),
    )
    classified_on = DateColumn()
    review_on = DateColumn()

    class Meta(BaseTable.Meta):
        model = Classification
        fields = (
            "subject",
            "organisation",
            "confidentiality",
            "integrity",
            "availability",
            "traceability",
            "classified_on",
            "review_on",
        )

    def render_subject(self, record: Classification) -> str:
        return record.system.name if record.system is not None else record.information_set

    def value_subject(self, record: Classification) -> str:
        return self.render_subject(record)


class ClassificationActionTable(BaseTable):
    description = tables.Column()
    due_on = DateColumn()
    edit = tables.Column(empty_values=(), verbose_name="", orderable=False)
    export_exclude = ("edit",)

    class Meta(BaseTable.Meta):
        model = ClassificationAction
        fields = ("description", "owner", "due_on", "done")

    def render_edit(self, record: ClassificationAction) -> Any:
        from django.urls import reverse

        return format_html(
            '<a href="{}">{}</a>',
            reverse("compliance:classificationaction_edit", args=[record.pk]),
            _("Edit"),
        )


class LevelNameTable(BaseTable):
    edit = tables.Column(empty_values=(), verbose_name="", orderable=False)
    export_exclude = ("edit",)

    class Meta(BaseTable.Meta):
        model = ClassificationLevelName
        fields = ("organisation", "level", "name")

    def render_edit(self, record: ClassificationLevelName) -> Any:
        from django.urls import reverse

        return format_html(
            '<a href="{}">{}</a>',
            reverse("compliance:classificationlevelname_edit", args=[record.pk]),
            _("Edit"),
        )


class RiskAnalysisTable(BaseTable):
    title = tables.Column(linkify=True)
    target = tables.Column(empty_values=(), verbose_name=_("target"), orderable=False)
    performed_on = DateColumn()

    class Meta(BaseTable.Meta):
        model = RiskAnalysis
        fields = ("title", "organisation", "target", "performed_on", "status", "forwarded_on")


def _edit_link_text(name: str, record: Any, text: Any) -> Any:
    from django.urls import reverse

    return format_html('<a href="{}">{}</a>', reverse(name, args=[record.pk]), text)


def _edit_link(name: str, record: Any) -> Any:
    from django.urls import reverse

    return format_html('<a href="{}">{}</a>', reverse(name, args=[record.pk]), _("Edit"))


class RiskTable(BaseTable):
    level = tables.Column(empty_values=(), verbose_name=_("risk level"), orderable=False)
    edit = tables.Column(empty_values=(), verbose_name="", orderable=False)
    export_exclude = ("edit",)

    class Meta(BaseTable.Meta):
        model = Risk
        fields = (
            "description",
            "likelihood",
            "consequence",
            "level",
            "existing_measures",
            "planned_measures",
        )

    def render_level(self, record: Risk) -> Any:
        return RISK_LEVELS[record.level]

    def value_level(self, record: Risk) -> str:
        return str(RISK_LEVELS[record.level])

    def render_edit(self, record: Risk) -> Any:
        return _edit_link("compliance:risk_edit", record)


RISK_LEVELS = {"low": _("low"), "medium": _("medium"), "high": _("high")}


def plan_references(user: Any, actions: Any) -> dict[int, tuple[str, str]]:
    """{action pk: (text, url)}: an action carried into a management plan names and links
    the plan only for a reader who sees it (a participant reading a shared analysis may
    not); others read a neutral text. One query."""
    from django.urls import reverse

    from forvalta.plans.models import ManagementPlan

    carried = [a for a in actions if a.plan_activity_id]
    plan_ids = {a.plan_activity.plan_id for a in carried}
    seen = (
        set(
            ManagementPlan.objects.visible_to(user)
            .filter(pk__in=plan_ids)
            .values_list("pk", flat=True)
        )
        if plan_ids
        else set()
    )
    shown: dict[int, tuple[str, str]] = {}
    for action in carried:
        plan_id = action.plan_activity.plan_id
        if plan_id in seen:
            url = reverse("plans:managementplan_detail", args=[plan_id])
            shown[action.pk] = (action.plan_reference, url)
        else:
            shown[action.pk] = (str(_("In a management plan you do not see")), "")
    return shown


class RiskActionTable(BaseTable):
    due_on = DateColumn()
    plan_reference = tables.Column(empty_values=())
    to_plan = tables.Column(empty_values=(), verbose_name="", orderable=False)
    edit = tables.Column(empty_values=(), verbose_name="", orderable=False)
    export_exclude = ("edit", "to_plan")

    class Meta(BaseTable.Meta):
        model = RiskAction
        fields = ("description", "owner", "due_on", "done", "plan_reference")

    # {action pk: (text, url)} for the reader (`plan_references`), set by the view.
    plan_shown: dict[int, tuple[str, str]] = {}

    def render_plan_reference(self, record: RiskAction) -> Any:
        text, url = self.plan_shown.get(record.pk, (record.plan_reference, ""))
        if url:
            # The link back: the plan of the activity made from the action.
            return format_html('<a href="{}">{}</a>', url, text)
        return text or "–"

    def value_plan_reference(self, record: RiskAction) -> str:
        return self.plan_shown.get(record.pk, (record.plan_reference, ""))[0]

    def render_to_plan(self, record: RiskAction) -> Any:
        if record.plan_activity_id:
            return ""
        return _edit_link_text(
            "compliance:riskaction_to_plan", record, _("Add to the management plan")
        )

    def render_edit(self, record: RiskAction) -> Any:
        return _edit_link("compliance:riskaction_edit", record)


class LegalActTable(BaseTable):
    name = tables.Column(linkify=True)
    organisation = tables.Column(default=_("All organisations"))

    class Meta(BaseTable.Meta):
        model = LegalAct
        fields = ("name", "reference", "short_name", "organisation")


class LegalRequirementTable(BaseTable):
    act = tables.Column(linkify=lambda record: record.get_absolute_url())

    class Meta(BaseTable.Meta):
        model = LegalRequirement
        fields = ("act", "organisation", "management_object", "system", "responsible_role")


class UndertakingTable(BaseTable):
    person = tables.Column(linkify=lambda record: record.get_absolute_url())
    signed_on = DateColumn()
    valid_until = DateColumn()

    class Meta(BaseTable.Meta):
        model = ConfidentialityUndertaking
        fields = ("person", "organisation", "signed_on", "valid_until", "scope")


class ArchiveDocumentationTable(BaseTable):
    system = tables.Column(linkify=lambda record: record.get_absolute_url())
    decided_on = DateColumn()
    filed_on = DateColumn()

    class Meta(BaseTable.Meta):
        model = ArchiveDocumentation
        fields = ("system", "organisation", "status", "decided_on", "filed_on")


class RetentionRuleTable(BaseTable):
    information_type = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = RetentionRule
        fields = ("information_type", "system", "action", "period", "legal_basis", "organisation")


class DecommissioningTable(BaseTable):
    system = tables.Column(linkify=lambda record: record.get_absolute_url())
    started_on = DateColumn()
    completed_on = DateColumn()

    class Meta(BaseTable.Meta):
        model = Decommissioning
        fields = ("system", "organisation", "status", "started_on", "completed_on")


class DecommissioningItemTable(BaseTable):
    done_on = DateColumn()
    evidence = tables.Column(empty_values=(), verbose_name=_("evidence"), orderable=False)
    edit = tables.Column(empty_values=(), verbose_name="", orderable=False)
    export_exclude = ("edit",)

    class Meta(BaseTable.Meta):
        model = DecommissioningItem
        fields = ("code", "done", "done_on", "done_by", "comment")

    def render_evidence(self, record: DecommissioningItem) -> Any:
        if record.evidence_link:
            return format_html('<a href="{}">{}</a>', record.evidence_link, _("Link"))
        if record.evidence_file:
            return _("File attached")
        return _("Required") if record.needs_evidence else "–"

    def render_edit(self, record: DecommissioningItem) -> Any:
        return _edit_link("compliance:decommissioningitem_edit", record)
