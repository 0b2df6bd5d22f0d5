from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from forvalta.core.tables import BaseTable, YesNoColumn
from forvalta.processes.models import ProcessRun, ProcessStep, ProcessTemplate, TemplateStep
from forvalta.processes.selectors import person_label, template_label


class TemplateTable(BaseTable):
    name = tables.Column(linkify=True)
    organisation = tables.Column(default=_("All organisations"))

    class Meta(BaseTable.Meta):
        model = ProcessTemplate
        fields = ("name", "target_kind", "organisation", "service", "origin")


class TemplateStepTable(BaseTable):
    waits_for_previous = YesNoColumn()
    edit = tables.Column(empty_values=(), verbose_name="", orderable=False)
    export_exclude = ("edit",)

    class Meta(BaseTable.Meta):
        model = TemplateStep
        fields = (
            "order",
            "name",
            "description",
            "responsible_label",
            "role_type",
            "waits_for_previous",
            "due_offset_days",
        )

    def __init__(self, *args: Any, editable: bool = False, **kwargs: Any) -> None:
        if not editable:
            kwargs["exclude"] = ("edit",)
        super().__init__(*args, **kwargs)

    def render_edit(self, record: TemplateStep) -> Any:
        from django.urls import reverse
        from django.utils.html import format_html

        return format_html(
            '<a href="{}">{}</a>',
            reverse("processes:templatestep_edit", args=[record.pk]),
            _("Edit"),
        )


class RunTable(BaseTable):
    name = tables.Column(linkify=True)
    target = tables.Column(empty_values=(), verbose_name=_("target"), orderable=False, linkify=True)
    template = tables.Column()
    manager = tables.Column()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._people: dict[int, bool] = {}
        self._templates: dict[int, bool] = {}

    def render_manager(self, value: Any) -> Any:
        return person_label(self.request.user, value, self._people)

    def value_manager(self, value: Any) -> Any:
        return str(self.render_manager(value))

    def render_template(self, value: Any) -> Any:
        return template_label(self.request.user, value, self._templates)

    def value_template(self, value: Any) -> Any:
        return str(self.render_template(value))

    class Meta(BaseTable.Meta):
        model = ProcessRun
        fields = ("name", "template", "target", "organisation", "status", "start_on", "manager")


class MyStepTable(BaseTable):
    name = tables.Column(linkify=True)
    run = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = ProcessStep
        fields = ("due_on", "name", "run", "status")
        order_by = ("due_on",)
