"""Process pages: templates (list, detail, copy, edit steps), runs (start, detail) and
steps (detail, evidence, "my steps")."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forvalta.core.generic_views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    add_validation_error,
)
from forvalta.processes import filters, forms, selectors, services, tables
from forvalta.processes.models import (
    FINISHED,
    ProcessRun,
    ProcessStep,
    ProcessTemplate,
    TemplateStep,
)

RUN_RELATED = ("template", "management_object", "service", "system", "organisation", "manager")


# --- templates -----------------------------------------------------------------------------
class TemplateListView(ObjectListView):
    model = ProcessTemplate
    table_class = tables.TemplateTable
    filterset_class = filters.TemplateFilterSet

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("organisation", "service")


class TemplateDetailView(ObjectDetailView):
    model = ProcessTemplate
    template_name = "processes/template_detail.html"
    fields = ("name", "description", "target_kind", "organisation", "service", "origin")

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        editable = self.request.user.has_perm("processes.change_processtemplate", obj)
        table = tables.TemplateStepTable(
            TemplateStep.objects.visible_to(self.request.user)
            .filter(template=obj)
            .select_related("role_type"),
            request=self.request,
            editable=editable,
        )
        return [
            {
                "title": _("Steps"),
                "table": table,
                "add_url": reverse("processes:templatestep_add") + f"?template={obj.pk}"
                if editable
                else None,
                "empty_text": "",
            }
        ]

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        return {
            "copy_url": reverse("processes:processtemplate_copy", args=[obj.pk])
            if user.has_perm("processes.add_processtemplate")
            else None,
            "start_url": reverse("processes:processrun_add") + f"?template={obj.pk}"
            if user.has_perm("processes.add_processrun")
            else None,
            "is_global": obj.is_global,
        }


class TemplateEditView(ObjectEditView):
    model = ProcessTemplate
    form_class = forms.TemplateForm
    update_service = staticmethod(services.template_update)


class TemplateDeleteView(ObjectDeleteView):
    model = ProcessTemplate
    delete_service = staticmethod(services.template_delete)


class TemplateCopyView(ObjectEditView):
    """An organisation's own copy of a template, to adapt."""

    model = ProcessTemplate
    template_name = "core/object_edit.html"

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> Any:
        initial = {"name": _("%(name)s (own copy)") % {"name": obj.name}}
        return forms.TemplateCopyForm(data, user=self.request.user, initial=initial)

    def target(self) -> Any:
        obj = self.get_object()
        self.require("view", obj)
        self.require("add")
        return obj

    def render_form(
        self,
        form: Any,
        obj: Any,
        status: int = 200,
        version: Any = None,
        formsets: list[Any] | None = None,
    ) -> Any:
        context = {
            **self.model_context(),
            "form": form,
            "object": obj,
            "title": _("Copy and adapt “%(name)s”") % {"name": obj},
            "cancel_url": obj.get_absolute_url(),
        }
        return render(self.request, self.template_name, context, status=status)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.target()
        form = self.get_form(obj, request.POST)
        if not form.is_valid():
            return self.render_form(form, obj, status=400)
        try:
            copy = services.template_copy(actor=request.user, template=obj, data=form.cleaned_data)
        except ValidationError as exc:
            add_validation_error(form, exc)
            return self.render_form(form, obj, status=400)
        messages.success(request, _("“%(name)s” was created.") % {"name": copy})
        return HttpResponseRedirect(copy.get_absolute_url())


class TemplateStepEditView(ObjectEditView):
    model = TemplateStep
    form_class = forms.TemplateStepForm
    create_service = staticmethod(services.template_step_create)
    update_service = staticmethod(services.template_step_update)


class TemplateStepDeleteView(ObjectDeleteView):
    model = TemplateStep
    delete_service = staticmethod(services.template_step_delete)


# --- runs ----------------------------------------------------------------------------------
class RunListView(ObjectListView):
    model = ProcessRun
    table_class = tables.RunTable
    filterset_class = filters.RunFilterSet
    add_label = gettext_lazy("Start a run")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related(*RUN_RELATED)


class MaskedFieldsMixin:
    """People and templates the viewer may not see are shown as a neutral text."""

    request: HttpRequest

    def field_rows(self, obj: Any) -> list[tuple[str, Any]]:
        rows = super().field_rows(obj)  # type: ignore[misc]  # an ObjectDetailView
        return [(label, selectors.shown(self.request.user, value)) for label, value in rows]


class RunDetailView(MaskedFieldsMixin, ObjectDetailView):
    model = ProcessRun
    template_name = "processes/run_detail.html"
    fields = (
        "template",
        "management_object",
        "service",
        "system",
        "organisation",
        "manager",
        "start_on",
        "started_on",
        "completed_on",
    )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        steps = (
            ProcessStep.objects.visible_to(self.request.user)
            .filter(run=obj)
            .select_related("assignee", "role_type", "run")
        )
        steps = list(steps)
        cache: dict[int, bool] = {}
        rows = [
            (step, selectors.person_label(self.request.user, step.assignee, cache))
            for step in steps
        ]
        return {"step_rows": rows, "finished": FINISHED}


class RunStartView(ObjectEditView):
    model = ProcessRun
    form_class = forms.RunStartForm
    create_service = staticmethod(services.run_start)

    def initial(self) -> dict[str, Any]:
        initial = super().initial()
        initial.setdefault("start_on", _today())
        return initial


def _today() -> Any:
    from forvalta.core.models import today

    return today()


# --- steps ---------------------------------------------------------------------------------
class StepListView(ObjectListView):
    model = ProcessStep
    table_class = tables.MyStepTable
    filterset_class = filters.StepFilterSet
    title = gettext_lazy("Process steps")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("run").order_by("due_on", "pk")

    def add_url(self) -> str | None:
        return None


class MyStepListView(StepListView):
    title = gettext_lazy("My steps")
    empty_text = gettext_lazy("No steps are given to you.")

    def get_queryset(self) -> QuerySet:
        return (
            super().get_queryset().filter(assignee=self.request.user).exclude(status__in=FINISHED)
        )


class StepDetailView(MaskedFieldsMixin, ObjectDetailView):
    model = ProcessStep
    template_name = "processes/step_detail.html"
    fields = (
        "run",
        "order",
        "name",
        "description",
        "responsible_label",
        "role_type",
        "waits_for_previous",
        "assignee",
        "due_on",
        "comment",
        "evidence_link",
        "completed_on",
    )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        return {"delete_url": None}


class StepEditView(ObjectEditView):
    model = ProcessStep
    form_class = forms.StepForm
    update_service = staticmethod(services.step_update)
