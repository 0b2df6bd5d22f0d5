"""Register pages. Each view only declares its model, table, filter, form and services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from forvalta.audit.reading import RecordsObjectViewMixin
from forvalta.audit.services import record
from forvalta.core.exports import csv_response, export_filename, xlsx_response
from forvalta.core.generic_views import (
    InlineRejected,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
    add_validation_error,
    deny,
    safe_reverse,
    url_name,
)
from forvalta.core.models import today
from forvalta.register import filters, forms, services, tables
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
from forvalta.register.selectors import agreements_due, deletion_plan, documentation_gaps

ROLE_RELATED = ("person", "role_type", "organisation", "management_object", "service", "system")


def _add_url(request: HttpRequest, model: Any, **params: Any) -> str | None:
    meta = model._meta
    if not request.user.has_perm(f"{meta.app_label}.add_{meta.model_name}"):
        return None
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{reverse(f'register:{meta.model_name}_add')}?{query}"


# --- archive, restore and hard delete (objects, services, systems) ----------------------------
class ArchivableDetailMixin:
    """The archive or restore button and the archived notice on a detail page."""

    model: Any
    request: HttpRequest

    def extra_context(self, obj: Any) -> dict[str, Any]:
        context = super().extra_context(obj)  # type: ignore[misc]  # an ObjectDetailView
        archived_by_name = ""
        if obj.archived_by_id is not None:
            from forvalta.core.models import User

            person = User.objects.visible_to(self.request.user).filter(pk=obj.archived_by_id)
            archived_by_name = str(person.first() or "")
        return {
            **context,
            "archive_url": safe_reverse(url_name(self.model, "archive"), obj.pk),
            "restore_url": safe_reverse(url_name(self.model, "restore"), obj.pk),
            "archived_by_name": archived_by_name,
        }


class ArchiveView(ScopedViewMixin, View):
    """Archive (or, with `archiving = False`, restore) an item: whoever may edit it may.
    GET asks for confirmation; POST (also from the detail page's button) does it."""

    template_name = "register/archive_confirm.html"
    archiving = True
    service: Any

    def render_page(self, obj: Any, error: str = "", status: int = 200) -> HttpResponse:
        context = {
            **self.model_context(),
            "object": obj,
            "title": str(obj),
            "archiving": self.archiving,
            "error": error,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        self.require("change", obj)
        return self.render_page(obj)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        self.require("change", obj)
        try:
            type(self).service(actor=request.user, instance=obj)
        except ValidationError as exc:
            return self.render_page(obj, error=" ".join(exc.messages), status=400)
        text = _("“%(name)s” was archived.") if self.archiving else _("“%(name)s” was restored.")
        messages.success(request, text % {"name": obj})
        return HttpResponseRedirect(obj.get_absolute_url())


class RegisterItemDeleteView(ObjectDeleteView):
    """Hard delete, for the owner's administrators: the page lists everything that
    would go with the item and the deletion happens only as confirmed."""

    template_name = "register/item_delete.html"
    delete_service = staticmethod(services.register_item_delete)

    def render_page(self, obj: Any, error: str = "", status: int = 200) -> HttpResponse:
        context = {
            **self.model_context(),
            "object": obj,
            "title": str(obj),
            "error": error,
            "plan": deletion_plan(self.request.user, obj),
        }
        return render(self.request, self.template_name, context, status=status)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        self.require("delete", obj)
        name = str(obj)
        try:
            services.register_item_delete(
                actor=request.user, instance=obj, confirm=request.POST.get("confirm")
            )
        except ValidationError as exc:
            return self.render_page(obj, error=" ".join(exc.messages), status=400)
        messages.success(request, _("“%(name)s” was deleted.") % {"name": name})
        return HttpResponseRedirect(
            safe_reverse(url_name(self.model, "list")) or reverse("core:home")
        )


# --- management objects ---------------------------------------------------------------------
class ManagementObjectListView(ObjectListView):
    model = ManagementObject
    table_class = tables.ManagementObjectTable
    filterset_class = filters.ManagementObjectFilterSet

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("owner_organisation")


class ManagementObjectDetailView(ArchivableDetailMixin, ObjectDetailView):
    model = ManagementObject
    template_name = "register/managementobject_detail.html"
    fields = ("name", "identifier", "owner_organisation", "business_area", "description")

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        user, request = self.request.user, self.request
        return [
            self.related_table(
                _("Services"),
                tables.ServiceTable,
                Service.objects.visible_to(user)
                .filter(management_object=obj)
                .select_related("owner_organisation", "management_object"),
                add_url=_add_url(
                    request,
                    Service,
                    management_object=obj.pk,
                    owner_organisation=obj.owner_organisation_id,
                ),
            ),
            self.related_table(
                _("Systems"),
                tables.SystemTable,
                System.objects.visible_to(user)
                .filter(management_object=obj)
                .select_related("owner_organisation", "management_object", "vendor"),
                add_url=_add_url(
                    request,
                    System,
                    management_object=obj.pk,
                    owner_organisation=obj.owner_organisation_id,
                ),
            ),
            self.related_table(
                _("Roles"),
                tables.RoleAssignmentTable,
                RoleAssignment.objects.visible_to(user)
                .active()
                .filter(management_object=obj)
                .select_related(*ROLE_RELATED),
                add_url=_add_url(request, RoleAssignment, management_object=obj.pk),
            ),
            self.related_table(
                _("Agreements"),
                tables.AgreementTable,
                Agreement.objects.visible_to(user)
                .filter(management_objects=obj)
                .select_related("owner_organisation", "supplier"),
            ),
        ]

    def extra_context(self, obj: Any) -> dict[str, Any]:
        context = super().extra_context(obj)
        return {**context, "gaps": documentation_gaps(self.request.user, management_object=obj)}


class ManagementObjectEditView(ObjectEditView):
    model = ManagementObject
    form_class = forms.ManagementObjectForm
    create_service = staticmethod(services.management_object_create)
    update_service = staticmethod(services.management_object_update)


class ManagementObjectDeleteView(RegisterItemDeleteView):
    model = ManagementObject


class ManagementObjectArchiveView(ArchiveView):
    model = ManagementObject
    service = staticmethod(services.management_object_archive)


class ManagementObjectRestoreView(ArchiveView):
    model = ManagementObject
    archiving = False
    service = staticmethod(services.management_object_restore)


# --- services ------------------------------------------------------------------------------
class ServiceListView(ObjectListView):
    model = Service
    table_class = tables.ServiceTable
    filterset_class = filters.ServiceFilterSet

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("owner_organisation", "management_object")


class ServiceDetailView(ArchivableDetailMixin, ObjectDetailView):
    model = Service
    template_name = "register/service_detail.html"
    fields = ("name", "owner_organisation", "management_object", "description")

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        user, request = self.request.user, self.request
        return [
            self.related_table(
                _("Participating organisations"),
                tables.ParticipationTable,
                Participation.objects.visible_to(user)
                .filter(service=obj)
                .select_related("organisation", "service"),
                add_url=_add_url(request, Participation, service=obj.pk),
            ),
            self.related_table(
                _("Systems"),
                tables.SystemTable,
                System.objects.visible_to(user)
                .filter(services=obj)
                .select_related("owner_organisation", "management_object", "vendor"),
            ),
            self.related_table(
                _("Roles"),
                tables.RoleAssignmentTable,
                RoleAssignment.objects.visible_to(user)
                .active()
                .filter(service=obj)
                .select_related(*ROLE_RELATED),
                add_url=_add_url(request, RoleAssignment, service=obj.pk),
            ),
            self.related_table(
                _("Agreements"),
                tables.AgreementTable,
                Agreement.objects.visible_to(user)
                .filter(services=obj)
                .select_related("owner_organisation", "supplier"),
            ),
        ]


class ServiceEditView(ObjectEditView):
    model = Service
    form_class = forms.ServiceForm
    create_service = staticmethod(services.service_create)
    update_service = staticmethod(services.service_update)


class ServiceDeleteView(RegisterItemDeleteView):
    model = Service


class ServiceArchiveView(ArchiveView):
    model = Service
    service = staticmethod(services.service_archive)


class ServiceRestoreView(ArchiveView):
    model = Service
    archiving = False
    service = staticmethod(services.service_restore)


# --- systems -------------------------------------------------------------------------------
class SystemListView(ObjectListView):
    model = System
    table_class = tables.SystemTable
    filterset_class = filters.SystemFilterSet

    def tool_columns_shown(self) -> bool:
        """Rows can be chosen for a bulk change by those who change systems at all."""
        return bool(self.request.user.has_perm("register.add_system"))

    def extra_list_context(self) -> dict[str, Any]:
        if not self.tool_columns_shown():
            return {}
        return {
            "bulk_template": "register/_system_bulk.html",
            "bulk_form": forms.SystemBulkForm(user=self.request.user, prefix="bulk"),
        }

    def get_queryset(self) -> QuerySet:
        from forvalta.register.selectors import with_role_holders

        return with_role_holders(
            super()
            .get_queryset()
            .select_related("owner_organisation", "management_object", "vendor")
        )


class SystemBulkView(ScopedViewMixin, View):
    """A change for the systems chosen in the list: shown for confirmation, then made
    row by row through the services in one transaction (all or nothing), one audit
    event per row. Rows the person may not change are refused before anything is done."""

    model = System
    template_name = "register/system_bulk.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = forms.SystemBulkForm(request.POST, user=request.user, prefix="bulk")
        query = list_query(request.POST.get("bulk-query", ""))
        back = reverse("register:system_list") + (f"?{query}" if query else "")
        context: dict[str, Any] = {"form": form, "back": back, "query": query}
        if not form.is_valid():
            return self.page(context, status=400)
        rows = list(form.cleaned_data["pk"].order_by("name", "pk"))
        refused = [r for r in rows if not request.user.has_perm("register.change_system", r)]
        if refused:
            for row in refused:
                record(
                    actor=request.user,
                    action="access.denied",
                    obj=row,
                    changes={"attempted": [None, "bulk " + form.cleaned_data["action"]]},
                )
            context["refused"] = refused
            return self.page(context, status=403)
        change = form.change()
        if not request.POST.get("bulk-confirm"):
            context["rows"] = [(row, self.describe(row, change)) for row in rows]
            return self.page(context)
        failed: tuple[Any, ValidationError] | None = None
        try:
            with transaction.atomic():
                for row in rows:
                    try:
                        if change:
                            services.system_update(actor=request.user, instance=row, data=change)
                        else:
                            services.system_archive(actor=request.user, instance=row)
                    except ValidationError as exc:
                        failed = (row, exc)
                        raise
        except ValidationError:
            assert failed is not None
            context["failed"] = failed[0]
            context["failed_messages"] = failed[1].messages
            context["rows"] = [(row, self.describe(row, change)) for row in rows]
            return self.page(context, status=400)
        except PermissionDenied:
            # A change that would take a row out of the person's reach: all undone.
            deny(request, System, "bulk " + form.cleaned_data["action"])
        messages.success(
            request,
            ngettext("%(n)s system was changed.", "%(n)s systems were changed.", len(rows))
            % {"n": len(rows)},
        )
        return HttpResponseRedirect(back)

    def describe(self, row: System, change: dict[str, Any]) -> tuple[str, str]:
        """(now, after) as the confirmation shows them."""
        if not change:
            return (gettext("Active"), gettext("Archived"))
        [(name, value)] = change.items()
        if name == "owner_organisation":
            return (str(row.owner_organisation), str(value))
        field: Any = System._meta.get_field(name)
        labels = dict(field.choices or [])
        return (str(labels.get(getattr(row, name), "")), str(labels.get(value, value)))

    def page(self, context: dict[str, Any], status: int = 200) -> HttpResponse:
        context["title"] = gettext("Change several systems")
        return render(self.request, self.template_name, context, status=status)


def list_query(raw: str) -> str:
    """The list's filter to return to (only what a list's query string may hold)."""
    from django.http import QueryDict

    from forvalta.core.list_preferences import filter_query

    return filter_query(QueryDict(raw[:2000]))


class SystemDetailView(RecordsObjectViewMixin, ArchivableDetailMixin, ObjectDetailView):
    """Viewing a system that processes personal data is itself an audit event."""

    model = System
    view_action = "register.system.viewed"

    def records_view_of(self, obj: Any) -> bool:
        return bool(obj.processes_personal_data or obj.holds_protected_identities)

    template_name = "register/system_detail.html"
    fields = (
        "name",
        "owner_organisation",
        "management_object",
        "description",
        "vendor",
        "product",
        "lifecycle",
        "criticality",
        "processes_personal_data",
        "holds_protected_identities",
        "is_public",
    )

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        user, request = self.request.user, self.request
        integrations = Integration.objects.visible_to(user).select_related(
            "source",
            "target__owner_organisation",
            "responsible_organisation",
            "responsible_person",
        )
        return [
            self.related_table(
                _("Environments"),
                tables.EnvironmentTable,
                Environment.objects.visible_to(user)
                .filter(system=obj)
                .select_related("system", "operated_by"),
                add_url=_add_url(request, Environment, system=obj.pk),
            ),
            self.related_table(
                _("Integrations from this system"),
                tables.IntegrationTable,
                integrations.filter(source=obj),
                add_url=_add_url(request, Integration, source=obj.pk),
            ),
            self.related_table(
                _("Integrations to this system"),
                tables.IntegrationTable,
                integrations.filter(target=obj),
            ),
            self.related_table(
                _("Services"),
                tables.ServiceTable,
                Service.objects.visible_to(user)
                .filter(systems=obj)
                .select_related("owner_organisation", "management_object"),
            ),
            self.related_table(
                _("Roles"),
                tables.RoleAssignmentTable,
                RoleAssignment.objects.visible_to(user)
                .active()
                .filter(system=obj)
                .select_related(*ROLE_RELATED),
                add_url=_add_url(request, RoleAssignment, system=obj.pk),
            ),
            self.related_table(
                _("Agreements"),
                tables.AgreementTable,
                Agreement.objects.visible_to(user)
                .filter(systems=obj)
                .select_related("owner_organisation", "supplier"),
            ),
        ]

    def extra_context(self, obj: Any) -> dict[str, Any]:
        context = super().extra_context(obj)  # records the view where it counts
        gaps = documentation_gaps(
            self.request.user,
            systems=System.objects.visible_to(self.request.user).filter(pk=obj.pk),
        )
        from forvalta.register.diagram import links_html, system_dependencies

        dependencies = system_dependencies(self.request.user, obj)
        dependencies["links_html"] = links_html(dependencies["links"])
        return {**context, "gaps": gaps, "dependencies": dependencies}


class SystemEditView(ObjectEditView):
    model = System
    form_class = forms.SystemForm
    create_service = staticmethod(services.system_create)
    update_service = staticmethod(services.system_update)

    def inline_formsets(self, obj: Any, data: Any = None) -> list[Any]:
        """A new system's environments are entered with it (issue 9, guided entry)."""
        if obj is not None or (data is not None and "env-TOTAL_FORMS" not in data):
            return []  # editing, or a post without the rows (a script): the system alone
        return [
            forms.EnvironmentRows(data=data, prefix="env", form_kwargs={"user": self.request.user})
        ]

    def save_inlines(self, saved: Any, formsets: list[Any]) -> None:
        rejected = False
        for formset in formsets:
            for row in formset:
                if not row.has_changed():
                    continue
                try:
                    services.environment_create(
                        actor=self.request.user, data={**row.cleaned_data, "system": saved}
                    )
                except ValidationError as exc:
                    add_validation_error(row, exc)
                    rejected = True
        if rejected:
            raise InlineRejected


class SystemDeleteView(RegisterItemDeleteView):
    model = System


class SystemArchiveView(ArchiveView):
    model = System
    service = staticmethod(services.system_archive)


class SystemRestoreView(ArchiveView):
    model = System
    archiving = False
    service = staticmethod(services.system_restore)


# --- environments --------------------------------------------------------------------------
class EnvironmentListView(ObjectListView):
    model = Environment
    table_class = tables.EnvironmentTable
    filterset_class = filters.EnvironmentFilterSet

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("system", "operated_by")


class EnvironmentDetailView(ObjectDetailView):
    model = Environment
    fields = ("system", "kind", "name", "url", "operated_by", "service_hours", "description")


class EnvironmentEditView(ObjectEditView):
    model = Environment
    form_class = forms.EnvironmentForm
    create_service = staticmethod(services.environment_create)
    update_service = staticmethod(services.environment_update)


class EnvironmentDeleteView(ObjectDeleteView):
    model = Environment
    delete_service = staticmethod(services.environment_delete)


# --- integrations --------------------------------------------------------------------------
class IntegrationListView(ObjectListView):
    model = Integration
    table_class = tables.IntegrationTable
    filterset_class = filters.IntegrationFilterSet

    def get_queryset(self) -> QuerySet:
        return (
            super()
            .get_queryset()
            .select_related(
                "source",
                "target__owner_organisation",
                "responsible_organisation",
                "responsible_person",
            )
        )


class IntegrationDetailView(ObjectDetailView):
    model = Integration
    fields = (
        "source",
        "target",
        "external_system",
        "method",
        "description",
        "responsible_organisation",
        "responsible_person",
    )

    def field_rows(self, obj: Any) -> list[tuple[str, Any]]:
        rows = super().field_rows(obj)
        # The counterpart and the responsible person are named only to those who see
        # them (the row was read through visible_to, which says so).
        hidden: dict[str, Any] = {}
        if obj.target_id and not obj.shows_target:
            hidden[str(Integration._meta.get_field("target").verbose_name)] = obj.counterpart_name
        if obj.responsible_person_id and not obj.shows_responsible_person:
            label = str(Integration._meta.get_field("responsible_person").verbose_name)
            hidden[label] = obj.responsible_person_name
        return [(label, hidden.get(label, value)) for label, value in rows]


class IntegrationEditView(ObjectEditView):
    model = Integration
    form_class = forms.IntegrationForm
    create_service = staticmethod(services.integration_create)
    update_service = staticmethod(services.integration_update)


class IntegrationDeleteView(ObjectDeleteView):
    model = Integration
    delete_service = staticmethod(services.integration_delete)


# --- participations ------------------------------------------------------------------------
class ParticipationListView(ObjectListView):
    model = Participation
    table_class = tables.ParticipationTable
    filterset_class = filters.ParticipationFilterSet

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("organisation", "service")


class ParticipationDetailView(ObjectDetailView):
    model = Participation
    fields = ("service", "organisation", "status", "valid_from", "valid_to", "cost_share", "note")


class ParticipationEditView(ObjectEditView):
    model = Participation
    form_class = forms.ParticipationForm
    create_service = staticmethod(services.participation_create)
    update_service = staticmethod(services.participation_update)


class ParticipationDeleteView(ObjectDeleteView):
    model = Participation
    delete_service = staticmethod(services.participation_delete)


# --- role types and assignments -------------------------------------------------------------
class RoleTypeListView(ObjectListView):
    model = RoleType
    table_class = tables.RoleTypeTable
    filterset_class = filters.RoleTypeFilterSet
    title = _("Roles in the governance model")

    def base_queryset(self) -> QuerySet:
        return RoleType.objects.all()

    def add_url(self) -> str | None:
        return None


class RoleTypeDetailView(ObjectDetailView):
    model = RoleType
    template_name = "register/roletype_detail.html"
    fields = (
        "name_sv",
        "name_en",
        "level",
        "is_supplier_role",
        "manages",
        "mandatory_for_system_in_operation",
        "source",
    )

    def base_queryset(self) -> QuerySet:
        return RoleType.objects.all()

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        return [
            self.related_table(
                _("Assignments"),
                tables.RoleAssignmentTable,
                RoleAssignment.objects.visible_to(self.request.user)
                .active()
                .filter(role_type=obj)
                .select_related(*ROLE_RELATED),
            )
        ]


class RoleAssignmentListView(ObjectListView):
    model = RoleAssignment
    table_class = tables.RoleAssignmentTable
    filterset_class = filters.RoleAssignmentFilterSet

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related(*ROLE_RELATED)


class RoleAssignmentDetailView(ObjectDetailView):
    model = RoleAssignment
    fields = (
        "role_type",
        "person",
        "organisation",
        "management_object",
        "service",
        "system",
        "valid_from",
        "valid_to",
        "note",
    )


class RoleAssignmentEditView(ObjectEditView):
    model = RoleAssignment
    form_class = forms.RoleAssignmentForm
    create_service = staticmethod(services.role_assignment_create)
    update_service = staticmethod(services.role_assignment_update)

    def success_url(self, obj: Any) -> str:
        return obj.target.get_absolute_url()


class RoleAssignmentDeleteView(ObjectDeleteView):
    model = RoleAssignment
    delete_service = staticmethod(services.role_assignment_delete)


# --- agreements ----------------------------------------------------------------------------
class AgreementListView(ObjectListView):
    model = Agreement
    table_class = tables.AgreementTable
    filterset_class = filters.AgreementFilterSet

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("owner_organisation", "supplier")


class AgreementDetailView(ObjectDetailView):
    model = Agreement
    template_name = "register/agreement_detail.html"
    fields = (
        "title",
        "kind",
        "reference",
        "owner_organisation",
        "supplier",
        "valid_from",
        "valid_to",
        "notice_period_months",
        "renewal_decision_by",
        "description",
    )

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        user = self.request.user
        return [
            self.related_table(
                _("Management objects"),
                tables.ManagementObjectTable,
                obj.management_objects.visible_to(user).select_related("owner_organisation"),
            ),
            self.related_table(
                _("Services"),
                tables.ServiceTable,
                obj.services.visible_to(user).select_related(
                    "owner_organisation", "management_object"
                ),
            ),
            self.related_table(
                _("Systems"),
                tables.SystemTable,
                obj.systems.visible_to(user).select_related(
                    "owner_organisation", "management_object", "vendor"
                ),
            ),
        ]


class AgreementEditView(ObjectEditView):
    model = Agreement
    form_class = forms.AgreementForm
    create_service = staticmethod(services.agreement_create)
    update_service = staticmethod(services.agreement_update)


class AgreementDeleteView(ObjectDeleteView):
    model = Agreement
    delete_service = staticmethod(services.agreement_delete)


@login_required
def agreement_document(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The signed document, served only to those who see the agreement."""
    from django.http import FileResponse, Http404

    agreement = Agreement.objects.visible_to(request.user).filter(pk=pk).first()
    if agreement is None or not agreement.document:
        raise Http404
    if not request.user.has_perm("register.view_agreement", agreement):
        deny(request, Agreement, "view", agreement)
    record(actor=request.user, action="register.agreement.document_read", obj=agreement)
    return FileResponse(
        agreement.document.open("rb"),
        as_attachment=True,
        filename=agreement.document.name.rsplit("/", 1)[-1],
    )


# --- documentation gaps --------------------------------------------------------------------
@login_required
def documentation_gaps_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Systems lacking what their lifecycle stage requires, and agreements to renew."""
    if not request.user.has_perm("register.view_system"):
        deny(request, System, "view")
    management_object = None
    if pk is not None:
        from django.http import Http404

        management_object = ManagementObject.objects.visible_to(request.user).filter(pk=pk).first()
        if management_object is None:
            raise Http404
    gaps = documentation_gaps(request.user, management_object=management_object)
    due = agreements_due(request.user)
    if management_object is not None:
        due = (
            due.filter(management_objects=management_object)
            | due.filter(systems__management_object=management_object)
            | due.filter(services__management_object=management_object)
        )
        due = due.distinct()
    export = request.GET.get("export")
    if export in {"csv", "xlsx"}:
        header = [
            str(_("System")),
            str(_("Owner organisation")),
            str(_("Management object")),
            str(_("Missing")),
        ]
        rows = [
            [
                g.system.name,
                str(g.system.owner_organisation),
                str(g.system.management_object or ""),
                "; ".join(g.labels),
            ]
            for g in gaps
        ]
        record(
            actor=request.user,
            action="register.documentation_gaps.exported",
            object_type="register.system",
            object_repr=f"{len(rows)} rows",
            changes={"format": [None, export]},
        )
        stem = export_filename(slugify(str(_("Documentation gaps"))))
        if export == "csv":
            return csv_response(stem, header, rows)
        return xlsx_response(stem, header, rows, title=str(_("Documentation gaps")))
    return render(
        request,
        "register/documentation_gaps.html",
        {
            "gaps": gaps,
            "agreements_due": due,
            "management_object": management_object,
            "can_configure": request.user.has_perm("register.change_lifecyclerequirement"),
            "title": _("Documentation gaps"),
            "today": today(),
        },
    )


# --- documentation requirements per lifecycle phase -------------------------------------------
@login_required
def lifecycle_requirements_view(request: HttpRequest) -> HttpResponse:
    """An organisation administrator's page: which roles and agreements the
    organisation's systems need in each lifecycle phase."""
    from django.http import Http404

    from forvalta.core.models import Organisation
    from forvalta.core.tenancy import scope_for
    from forvalta.register.models import Lifecycle, LifecycleRequirement, Requirement
    from forvalta.register.selectors import requirement_matrix

    if not request.user.has_perm("register.change_lifecyclerequirement"):
        deny(request, LifecycleRequirement, "change")
    admin_orgs = Organisation.objects.visible_to(request.user).filter(
        pk__in=sorted(scope_for(request.user).admin_org_ids)
    )
    chosen = request.POST.get("organisation") or request.GET.get("organisation")
    organisation = (
        admin_orgs.filter(pk=chosen).first()
        if chosen and str(chosen).isdigit()
        else admin_orgs.order_by("name").first()
    )
    if organisation is None:
        raise Http404
    if request.method == "POST":
        valid = {(p, c) for p in Lifecycle.values for c in Requirement.values}
        required = {
            tuple(value.split(":", 1)) for value in request.POST.getlist("required") if ":" in value
        }
        services.lifecycle_requirements_set(
            actor=request.user,
            organisation=organisation,
            required={pair for pair in required if pair in valid},  # type: ignore[misc]  # pairs
        )
        messages.success(request, _("The documentation requirements were saved."))
        return HttpResponseRedirect(
            f"{reverse('register:lifecycle_requirements')}?organisation={organisation.pk}"
        )
    matrix = requirement_matrix(organisation.pk)
    rows = [
        (
            label,
            [
                (f"{phase}:{code}", code_label, code in matrix[phase])
                for code, code_label in Requirement.choices
            ],
        )
        for phase, label in Lifecycle.choices
    ]
    return render(
        request,
        "register/lifecycle_requirements.html",
        {
            "title": _("Documentation requirements per lifecycle stage"),
            "organisation": organisation,
            "organisations": admin_orgs.order_by("name"),
            "requirements": Requirement.choices,
            "rows": rows,
        },
    )


# --- history ---------------------------------------------------------------------------------
class HistoryView(ScopedViewMixin, View):
    """The item's "History" tab: its audit events the viewer may read, readable."""

    template_name = "register/history.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from django.core.paginator import Paginator

        from forvalta.audit.services import organisation_of
        from forvalta.register.history import PER_PAGE, history_entries, history_events

        obj = self.get_object()
        self.require("view", obj)
        reads_trail = request.user.has_perm("audit.view_auditevent")
        page = None
        entries: list[Any] = []
        if reads_trail:
            paginator = Paginator(history_events(request.user, obj), PER_PAGE)
            page = paginator.get_page(request.GET.get("page"))
            entries = history_entries(request.user, obj, page.object_list)
            # Reading the trail is itself recorded (as the audit search is).
            record(
                actor=request.user,
                action="audit.searched",
                organisation=organisation_of(obj),
                object_type="audit.auditevent",
                object_repr=str(_("audit trail")),
                changes={"query": [None, f"{obj._meta.label_lower}:{obj.pk}"]},
                batch=True,
            )
        return render(
            request,
            self.template_name,
            {
                **self.model_context(),
                "object": obj,
                "title": str(obj),
                "reads_trail": reads_trail,
                "page": page,
                "entries": entries,
            },
        )


class ManagementObjectHistoryView(HistoryView):
    model = ManagementObject


class ServiceHistoryView(HistoryView):
    model = Service


class SystemHistoryView(HistoryView):
    model = System


class AgreementHistoryView(HistoryView):
    model = Agreement
