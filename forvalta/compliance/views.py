"""Compliance pages: personal-data incidents, and the annual cycle of controls with its
traffic-light report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from forvalta.audit.reading import RecordsObjectViewMixin
from forvalta.audit.services import record
from forvalta.compliance import filters, forms, selectors, services, tables
from forvalta.compliance.models import (
    ASPECTS,
    AnalysisStatus,
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
    DecommissioningStatus,
    IncidentReport,
    IncidentStatus,
    LegalAct,
    LegalRequirement,
    Light,
    NotifyDecision,
    PersonalDataIncident,
    RetentionRule,
    Risk,
    RiskAction,
    RiskAnalysis,
)
from forvalta.compliance.roles import PROCESS_OWNER, holds
from forvalta.compliance.selectors import (
    aggregated_levels,
    heat_map,
    level_names,
    light_counts,
    report_rows,
)
from forvalta.core.exports import csv_response, export_filename, xlsx_response
from forvalta.core.generic_views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    add_validation_error,
    deny,
)
from forvalta.core.models import today
from forvalta.core.pdf import pdf_response
from forvalta.processes.selectors import person_label, shown
from forvalta.register.models import System


class PeopleShownMixin:
    """People the reader may not see are shown as a neutral text."""

    request: HttpRequest

    def field_rows(self, obj: Any) -> list[tuple[str, Any]]:
        rows = super().field_rows(obj)  # type: ignore[misc]  # an ObjectDetailView
        return [(label, shown(self.request.user, value)) for label, value in rows]


# --- incidents -------------------------------------------------------------------------------
class IncidentListView(ObjectListView):
    model = PersonalDataIncident
    table_class = tables.IncidentTable
    filterset_class = filters.IncidentFilterSet
    add_label = gettext_lazy("Report an incident")
    empty_text = gettext_lazy("No personal-data incidents that you need to know of.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("organisation")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        if response.status_code == 200:
            record(
                actor=request.user,
                action="compliance.personaldataincident.listed",
                object_type="compliance.personaldataincident",
                object_repr=request.get_full_path()[:300],
                batch=True,
            )
        return response


class IncidentDetailView(PeopleShownMixin, RecordsObjectViewMixin, ObjectDetailView):
    model = PersonalDataIncident
    template_name = "compliance/incident_detail.html"
    view_action = "compliance.personaldataincident.viewed"
    fields = (
        "organisation",
        "reporter",
        "reported_at",
        "aware_at",
        "system",
        "service",
        "what_happened",
        "started_at",
        "ended_at",
        "ongoing",
        "subject_categories",
        "subjects_count",
        "data_categories",
        "records_count",
        "sensitive_data",
        "likely_consequences",
        "measures_taken",
        "measures_planned",
        "subjects_informed",
        "subjects_informed_on",
        "subjects_not_informed_reason",
        "as_processor",
        "controller",
        "controller_notified_at",
        "imy_reference",
        "readers",
        "status",
    )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        context = super().extra_context(obj)
        handles = self.request.user.has_perm("compliance.change_personaldataincident", obj)
        is_open = obj.status == IncidentStatus.OPEN
        context.update(
            {
                "deadline": obj.imy_deadline,
                "reports": IncidentReport.objects.visible_to(self.request.user)
                .filter(incident=obj)
                .select_related("submitted_by", "incident"),
                "handles": handles and is_open,
                "can_change": handles and is_open,
                "delete_url": None,
                "decision_form": forms.DecisionForm(
                    initial={"decision": obj.decision, "reason": obj.decision_reason}
                ),
                "notify_decided": obj.decision == NotifyDecision.NOTIFY,
                "origins": selectors.incident_origins(obj, self.request.user),
            }
        )
        return context


class IncidentEditView(ObjectEditView):
    model = PersonalDataIncident
    form_class = forms.IncidentForm
    create_service = staticmethod(services.incident_create)
    update_service = staticmethod(services.incident_update)

    def target(self) -> Any:
        obj = super().target()
        if obj is not None and obj.status == IncidentStatus.CLOSED:
            deny(self.request, self.model, "change", obj)
        return obj


def _incident(request: HttpRequest, pk: int) -> PersonalDataIncident:
    obj = PersonalDataIncident.objects.visible_to(request.user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


@login_required
@require_POST
def incident_decide(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    if not request.user.has_perm("compliance.change_personaldataincident", incident):
        deny(request, PersonalDataIncident, "decide", incident)
    form = forms.DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.incident_decide(
                actor=request.user,
                instance=incident,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return HttpResponseRedirect(incident.get_absolute_url(), status=303)
    messages.success(request, _("The decision was recorded."))
    return HttpResponseRedirect(incident.get_absolute_url())


@login_required
@require_POST
def incident_close(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    if not request.user.has_perm("compliance.change_personaldataincident", incident):
        deny(request, PersonalDataIncident, "close", incident)
    try:
        services.incident_close(actor=request.user, instance=incident)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return HttpResponseRedirect(incident.get_absolute_url(), status=303)
    messages.success(request, _("The incident was closed."))
    return HttpResponseRedirect(incident.get_absolute_url())


@login_required
def incident_report_add(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    probe = IncidentReport(incident=incident)
    if not request.user.has_perm("compliance.add_incidentreport", probe):
        deny(request, IncidentReport, "add", incident)
    form = forms.IncidentReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.incident_report_add(
                    actor=request.user, incident=incident, data=form.cleaned_data
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(request, _("The report to IMY was recorded."))
                return HttpResponseRedirect(incident.get_absolute_url())
        status = 400
    return render(
        request,
        "core/object_edit.html",
        {
            "form": form,
            "title": _("Report to IMY: %(name)s") % {"name": incident},
            "cancel_url": incident.get_absolute_url(),
        },
        status=status,
    )


# --- controls ---------------------------------------------------------------------------------
class ControlDefinitionListView(ObjectListView):
    model = ControlDefinition
    table_class = tables.ControlDefinitionTable
    filterset_class = filters.ControlDefinitionFilterSet
    empty_text = gettext_lazy("No controls are defined yet.")

    def get_queryset(self) -> QuerySet:
        return (
            super()
            .get_queryset()
            .select_related(
                "organisation", "management_object", "service", "system", "responsible_role"
            )
        )


class ControlDefinitionDetailView(ObjectDetailView):
    model = ControlDefinition
    fields = (
        "organisation",
        "kind",
        "management_object",
        "service",
        "system",
        "due_dates",
        "every_years",
        "first_year",
        "responsible_role",
        "evidence_kind",
        "warn_days",
        "escalate_days",
        "active",
        "agreement",
        "due_once",
    )

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        occurrences = (
            ControlOccurrence.objects.visible_to(self.request.user)
            .filter(definition=obj)
            .select_related("definition")
        )
        return [self.related_table(_("Occurrences"), tables.OccurrenceTable, occurrences)]


class ControlDefinitionEditView(ObjectEditView):
    model = ControlDefinition
    form_class = forms.ControlDefinitionForm
    create_service = staticmethod(services.controldefinition_create)
    update_service = staticmethod(services.controldefinition_update)


class ControlDefinitionDeleteView(ObjectDeleteView):
    model = ControlDefinition
    delete_service = staticmethod(services.controldefinition_delete)


class OccurrenceListView(ObjectListView):
    model = ControlOccurrence
    table_class = tables.OccurrenceTable
    filterset_class = filters.OccurrenceFilterSet
    title = gettext_lazy("Annual cycle")
    empty_text = gettext_lazy("No controls are due. Generate the year from the controls.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("definition")

    def add_url(self) -> str | None:
        return None


class OccurrenceDetailView(PeopleShownMixin, ObjectDetailView):
    model = ControlOccurrence
    template_name = "compliance/occurrence_detail.html"
    fields = (
        "definition",
        "due_on",
        "status",
        "completed_on",
        "completed_by",
        "automatic",
        "evidence_label",
        "evidence_link",
        "remark",
    )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        can_complete = (
            not obj.is_done
            and self.request.user.has_perm("compliance.change_controloccurrence", obj)
            and not services.year_signed(obj)
        )
        return {
            "light": obj.light(today()),
            "can_change": False,
            "delete_url": None,
            "complete_url": reverse("compliance:controloccurrence_complete", args=[obj.pk])
            if can_complete
            else None,
        }


@login_required
def occurrence_complete(request: HttpRequest, pk: int) -> HttpResponse:
    occurrence = (
        ControlOccurrence.objects.visible_to(request.user)
        .select_related("definition")
        .filter(pk=pk)
        .first()
    )
    if occurrence is None:
        raise Http404
    if not request.user.has_perm("compliance.change_controloccurrence", occurrence):
        deny(request, ControlOccurrence, "complete", occurrence)
    form = forms.OccurrenceCompleteForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.occurrence_complete(
                    actor=request.user, instance=occurrence, data=form.cleaned_data
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(request, _("The control was marked as done."))
                return HttpResponseRedirect(occurrence.get_absolute_url())
        status = 400
    return render(
        request,
        "core/object_edit.html",
        {
            "form": form,
            "title": _("Mark as done: %(name)s") % {"name": occurrence},
            "cancel_url": occurrence.get_absolute_url(),
        },
        status=status,
    )


@login_required
def cycle_generate(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("compliance.add_controldefinition"):
        deny(request, ControlOccurrence, "generate")
    form = forms.CycleForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = services.cycle_generate(
                    actor=request.user,
                    organisation=form.cleaned_data["organisation"],
                    year=form.cleaned_data["year"],
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(
                    request,
                    _("%(count)s occurrences were generated for %(year)s.")
                    % {"count": created, "year": form.cleaned_data["year"]},
                )
                return HttpResponseRedirect(
                    reverse("compliance:report")
                    + f"?organisation={form.cleaned_data['organisation'].pk}"
                    + f"&year={form.cleaned_data['year']}"
                )
        status = 400
    return render(
        request,
        "core/object_edit.html",
        {"form": form, "title": _("Generate the year's controls")},
        status=status,
    )


# --- the traffic-light report ------------------------------------------------------------------
def _report_params(request: HttpRequest) -> tuple[forms.ReportForm, Any, int, Any]:
    form = forms.ReportForm(request.GET or None, user=request.user)
    if not request.GET or not form.is_valid():
        return form, None, today().year, None
    return (
        form,
        form.cleaned_data["organisation"],
        form.cleaned_data["year"],
        form.cleaned_data["management_object"],
    )


HEADER = (
    gettext_lazy("Control"),
    gettext_lazy("Kind"),
    gettext_lazy("Target"),
    gettext_lazy("Due"),
    gettext_lazy("Status"),
    gettext_lazy("Done on"),
    gettext_lazy("Traffic light"),
    gettext_lazy("Evidence"),
    gettext_lazy("Remark"),
)


def _export(request: HttpRequest, rows: list[dict[str, Any]], title: str, fmt: str) -> HttpResponse:
    header = [str(h) for h in HEADER]
    body = [
        [
            r["control"],
            r["kind"],
            r["target"],
            r["due_on"],
            r["status"],
            r["completed_on"],
            r["light_label"],
            r["evidence"],
            r["remark"],
        ]
        for r in rows
    ]
    stem = export_filename(slugify(title))
    if fmt == "csv":
        return csv_response(stem, header, body)
    return xlsx_response(stem, header, body, title=str(_("Internal control")))


def _report_response(
    request: HttpRequest,
    *,
    organisation: Any,
    year: int,
    management_object: Any,
    rows: list[dict[str, Any]],
    signed: AnnualReport | None,
    form: Any = None,
) -> HttpResponse:
    title = _("Internal control %(year)s: %(organisation)s") % {
        "year": year,
        "organisation": organisation,
    }
    if management_object is not None:
        title = f"{title} – {management_object}"
    fmt = request.GET.get("export")
    if fmt in {"csv", "xlsx", "pdf"}:
        record(
            actor=request.user,
            action="compliance.annualreport.exported",
            obj=signed,
            object_type="compliance.annualreport",
            object_repr=title[:300],
            organisation=organisation,
            changes={"format": [None, fmt]},
        )
        if fmt == "pdf":
            return pdf_response(
                request,
                "compliance/report_pdf.html",
                {"rows": rows, "signed": signed, "counts": light_counts(rows), "year": year},
                title=title,
                filename=f"internkontroll-{year}.pdf",
            )
        return _export(request, rows, title, fmt)
    can_present = signed is not None and request.user.has_perm(
        "compliance.add_annualreport", signed
    )
    can_sign = (
        signed is None
        and bool(rows)
        and holds(request.user, PROCESS_OWNER, organisation.pk)
        and organisation.pk in _org_ids(request.user)
    )
    return render(
        request,
        "compliance/report.html",
        {
            "title": title,
            "form": form,
            "rows": rows,
            "counts": light_counts(rows),
            "lights": Light,
            "signed": signed,
            "can_sign": can_sign,
            "can_present": can_present,
            "sign_form": forms.SignForm(),
            "organisation": organisation,
            "year": year,
            "management_object": management_object,
            "query": request.GET.copy().urlencode() if form is not None else "",
        },
    )


def _org_ids(user: Any) -> frozenset[int]:
    from forvalta.core.tenancy import scope_for

    return scope_for(user).org_ids


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """The year's traffic lights of an organisation (or of one of its objects)."""
    if not request.user.has_perm("compliance.view_controloccurrence"):
        deny(request, ControlOccurrence, "view")
    form, organisation, year, management_object = _report_params(request)
    if organisation is None:
        return render(
            request,
            "compliance/report.html",
            {"title": _("Traffic-light report"), "form": form, "rows": None},
            status=400 if request.GET else 200,
        )
    signed = (
        AnnualReport.objects.visible_to(request.user)
        .filter(organisation=organisation, year=year, management_object=management_object)
        .first()
    )
    if signed is not None:
        rows = list(signed.rows)
    else:
        rows = [r.as_json() for r in report_rows(organisation, year, management_object)]
    return _report_response(
        request,
        organisation=organisation,
        year=year,
        management_object=management_object,
        rows=rows,
        signed=signed,
        form=form,
    )


@login_required
@require_POST
def report_sign(request: HttpRequest) -> HttpResponse:
    form = forms.ReportForm(request.POST, user=request.user)
    sign_form = forms.SignForm(request.POST)
    if not form.is_valid() or not sign_form.is_valid():
        messages.error(request, _("Choose the organisation and year of the report."))
        return HttpResponseRedirect(reverse("compliance:report"), status=303)
    organisation = form.cleaned_data["organisation"]
    year = form.cleaned_data["year"]
    management_object = form.cleaned_data["management_object"]
    back = (
        reverse("compliance:report")
        + f"?organisation={organisation.pk}&year={year}"
        + (f"&management_object={management_object.pk}" if management_object else "")
    )
    try:
        signed = services.report_sign(
            actor=request.user,
            organisation=organisation,
            year=year,
            management_object=management_object,
            statement=sign_form.cleaned_data["statement"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return HttpResponseRedirect(back, status=303)
    messages.success(request, _("The report was signed."))
    return HttpResponseRedirect(signed.get_absolute_url())


class AnnualReportListView(ObjectListView):
    model = AnnualReport
    table_class = tables.AnnualReportTable
    empty_text = gettext_lazy("No report has been signed yet.")

    def get_queryset(self) -> QuerySet:
        return (
            super().get_queryset().select_related("organisation", "management_object", "signed_by")
        )

    def add_url(self) -> str | None:
        return None


@login_required
def annualreport_detail(request: HttpRequest, pk: int) -> HttpResponse:
    signed = (
        AnnualReport.objects.visible_to(request.user)
        .select_related("organisation", "management_object", "signed_by")
        .filter(pk=pk)
        .first()
    )
    if signed is None:
        raise Http404
    return _report_response(
        request,
        organisation=signed.organisation,
        year=signed.year,
        management_object=signed.management_object,
        rows=list(signed.rows),
        signed=signed,
    )


@login_required
def annualreport_to_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    """Put the signed report (and its PDF) on a council meeting's agenda."""
    signed = (
        AnnualReport.objects.visible_to(request.user)
        .select_related("organisation", "management_object", "signed_by")
        .filter(pk=pk)
        .first()
    )
    if signed is None:
        raise Http404
    if not request.user.has_perm("compliance.add_annualreport", signed):
        deny(request, AnnualReport, "to_meeting", signed)
    form = forms.ToMeetingForm(request.POST or None, user=request.user, report=signed)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            meeting = form.cleaned_data["meeting"]
            try:
                services.report_to_meeting(actor=request.user, report=signed, meeting=meeting)
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(request, _("The report was put on the meeting's agenda."))
                return HttpResponseRedirect(meeting.get_absolute_url())
        status = 400
    return render(
        request,
        "core/object_edit.html",
        {
            "form": form,
            "title": _("Put on a meeting's agenda: %(title)s")
            % {"title": services.report_title(signed)},
            "cancel_url": signed.get_absolute_url(),
        },
        status=status,
    )


# --- classification ---------------------------------------------------------------------------
class ClassificationListView(ObjectListView):
    model = Classification
    table_class = tables.ClassificationTable
    filterset_class = filters.ClassificationFilterSet
    empty_text = gettext_lazy("Your organisation has not classified any information yet.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("organisation", "system")


class ClassificationDetailView(PeopleShownMixin, ObjectDetailView):
    model = Classification
    template_name = "compliance/classification_detail.html"
    fields = (
        "organisation",
        "system",
        "information_set",
        "classified_by",
        "classified_on",
        "review_on",
    )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        names = level_names(obj.organisation_id)
        aspects = [
            (
                getattr(Classification._meta.get_field(aspect), "verbose_name", aspect),
                getattr(obj, aspect),
                names[getattr(obj, aspect)],
                getattr(obj, f"{aspect}_reason"),
            )
            for aspect in ASPECTS
        ]
        return {"aspects": aspects}

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        editable = self.request.user.has_perm("compliance.change_classification", obj)
        actions = (
            ClassificationAction.objects.visible_to(self.request.user)
            .filter(classification=obj)
            .select_related("owner")
        )
        table = self.related_table(
            _("Protection needs"),
            tables.ClassificationActionTable,
            actions,
            add_url=reverse("compliance:classificationaction_add") + f"?classification={obj.pk}"
            if editable
            else None,
        )
        if not editable:
            table["table"].columns.hide("edit")
        return [table]


class ClassificationEditView(ObjectEditView):
    model = Classification
    form_class = forms.ClassificationForm
    create_service = staticmethod(services.classification_create)
    update_service = staticmethod(services.classification_update)


class ClassificationDeleteView(ObjectDeleteView):
    model = Classification
    delete_service = staticmethod(services.classification_delete)


class ClassificationActionEditView(ObjectEditView):
    model = ClassificationAction
    form_class = forms.ClassificationActionForm
    create_service = staticmethod(services.classificationaction_create)
    update_service = staticmethod(services.classificationaction_update)


class ClassificationActionDeleteView(ObjectDeleteView):
    model = ClassificationAction
    delete_service = staticmethod(services.classificationaction_delete)


class LevelNameListView(ObjectListView):
    model = ClassificationLevelName
    table_class = tables.LevelNameTable
    empty_text = gettext_lazy(
        "The levels have their default names: 1 Low, 2 Moderate, 3 High, 4 Very high."
    )

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("organisation")


class LevelNameEditView(ObjectEditView):
    model = ClassificationLevelName
    form_class = forms.LevelNameForm
    create_service = staticmethod(services.classificationlevelname_create)
    update_service = staticmethod(services.classificationlevelname_update)

    def success_url(self, obj: Any) -> str:
        return reverse("compliance:classificationlevelname_list")


class LevelNameDeleteView(ObjectDeleteView):
    model = ClassificationLevelName
    delete_service = staticmethod(services.classificationlevelname_delete)


@login_required
def system_classification(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner's view of a system: the highest level per aspect across every
    organisation's current classification of it, as numbers only."""
    system = System.objects.visible_to(request.user).filter(pk=pk).first()
    if system is None or system.owner_organisation_id not in _org_ids(request.user):
        raise Http404
    levels = aggregated_levels(system)
    names = level_names(system.owner_organisation_id)
    rows = [
        (
            getattr(Classification._meta.get_field(aspect), "verbose_name", aspect),
            levels[aspect],
            names.get(levels[aspect], "") if levels[aspect] else "",
        )
        for aspect in ASPECTS
    ]
    return render(
        request,
        "compliance/system_classification.html",
        {
            "title": _("Classification of %(system)s") % {"system": system},
            "system": system,
            "rows": rows,
            "count": levels["count"],
        },
    )


# --- risk and vulnerability analyses ------------------------------------------------------------
class RiskAnalysisListView(ObjectListView):
    model = RiskAnalysis
    table_class = tables.RiskAnalysisTable
    filterset_class = filters.RiskAnalysisFilterSet
    empty_text = gettext_lazy("No risk and vulnerability analyses yet.")

    def get_queryset(self) -> QuerySet:
        return (
            super()
            .get_queryset()
            .select_related("organisation", "management_object", "service", "system")
        )


def _analysis_parts(user: Any, analysis: RiskAnalysis) -> tuple[list[Any], list[Any]]:
    risks = list(Risk.objects.visible_to(user).filter(analysis=analysis).order_by("pk"))
    actions = list(
        RiskAction.objects.visible_to(user)
        .filter(analysis=analysis)
        .select_related("owner", "plan_activity")
        .order_by("due_on", "pk")
    )
    return risks, actions


class RiskAnalysisDetailView(PeopleShownMixin, ObjectDetailView):
    model = RiskAnalysis
    template_name = "compliance/riskanalysis_detail.html"
    fields = (
        "organisation",
        "management_object",
        "service",
        "system",
        "performed_on",
        "method",
        "participants",
        "summary",
        "status",
        "finished_on",
        "shared_with_participants",
        "forwarded_to",
        "forwarded_on",
    )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        editable = user.has_perm("compliance.change_riskanalysis", obj)
        draft = obj.status == AnalysisStatus.DRAFT
        risks, _actions = _analysis_parts(user, obj)
        return {
            "heat_map": heat_map(risks),
            "can_change": editable and draft,
            "can_finish": editable and draft,
            "forward_form": forms.ForwardForm(user=user, analysis=obj)
            if editable and not draft
            else None,
            "delete_url": reverse("compliance:riskanalysis_delete", args=[obj.pk])
            if editable and draft
            else None,
        }

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        user = self.request.user
        editable = user.has_perm("compliance.change_riskanalysis", obj)
        draft = obj.status == AnalysisStatus.DRAFT
        risks = self.related_table(
            _("Risks"),
            tables.RiskTable,
            Risk.objects.visible_to(user).filter(analysis=obj),
            add_url=reverse("compliance:risk_add") + f"?analysis={obj.pk}"
            if editable and draft
            else None,
        )
        actions = self.related_table(
            _("Action plan"),
            tables.RiskActionTable,
            RiskAction.objects.visible_to(user)
            .filter(analysis=obj)
            .select_related("owner", "plan_activity"),
            add_url=reverse("compliance:riskaction_add") + f"?analysis={obj.pk}"
            if editable
            else None,
        )
        actions["table"].plan_shown = tables.plan_references(user, actions["table"].data)
        if not (editable and draft):
            risks["table"].columns.hide("edit")
        if not editable:
            actions["table"].columns.hide("edit")
            actions["table"].columns.hide("to_plan")
        return [risks, actions]


class RiskAnalysisEditView(ObjectEditView):
    model = RiskAnalysis
    form_class = forms.RiskAnalysisForm
    create_service = staticmethod(services.riskanalysis_create)
    update_service = staticmethod(services.riskanalysis_update)

    def target(self) -> Any:
        obj = super().target()
        if obj is not None and obj.status != AnalysisStatus.DRAFT:
            deny(self.request, self.model, "change", obj)
        return obj


class RiskAnalysisDeleteView(ObjectDeleteView):
    model = RiskAnalysis
    delete_service = staticmethod(services.riskanalysis_delete)


class RiskEditView(ObjectEditView):
    model = Risk
    form_class = forms.RiskForm
    create_service = staticmethod(services.risk_create)
    update_service = staticmethod(services.risk_update)

    def target(self) -> Any:
        obj = super().target()
        if obj is not None and obj.analysis.status != AnalysisStatus.DRAFT:
            deny(self.request, self.model, "change", obj)
        return obj


class RiskDeleteView(ObjectDeleteView):
    model = Risk
    delete_service = staticmethod(services.risk_delete)


class RiskActionEditView(ObjectEditView):
    model = RiskAction
    form_class = forms.RiskActionForm
    create_service = staticmethod(services.riskaction_create)
    update_service = staticmethod(services.riskaction_update)


class RiskActionDeleteView(ObjectDeleteView):
    model = RiskAction
    delete_service = staticmethod(services.riskaction_delete)


def _analysis(request: HttpRequest, pk: int) -> RiskAnalysis:
    analysis = RiskAnalysis.objects.visible_to(request.user).filter(pk=pk).first()
    if analysis is None:
        raise Http404
    return analysis


@login_required
@require_POST
def riskanalysis_finish(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = _analysis(request, pk)
    if not request.user.has_perm("compliance.change_riskanalysis", analysis):
        deny(request, RiskAnalysis, "finish", analysis)
    try:
        services.riskanalysis_finish(actor=request.user, instance=analysis)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return HttpResponseRedirect(analysis.get_absolute_url(), status=303)
    messages.success(request, _("The analysis was finished."))
    return HttpResponseRedirect(analysis.get_absolute_url())


@login_required
@require_POST
def riskanalysis_forward(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = _analysis(request, pk)
    if not request.user.has_perm("compliance.change_riskanalysis", analysis):
        deny(request, RiskAnalysis, "forward", analysis)
    form = forms.ForwardForm(request.POST, user=request.user, analysis=analysis)
    if form.is_valid():
        try:
            services.riskanalysis_forward(
                actor=request.user,
                instance=analysis,
                coordinator=form.cleaned_data["coordinator"],
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return HttpResponseRedirect(analysis.get_absolute_url(), status=303)
    messages.success(request, _("The analysis was forwarded to the crisis coordinator."))
    return HttpResponseRedirect(analysis.get_absolute_url())


@login_required
def riskaction_to_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """Carry an action of the action plan into a management plan as an activity."""
    action = (
        RiskAction.objects.visible_to(request.user).select_related("analysis").filter(pk=pk).first()
    )
    if action is None:
        raise Http404
    if not request.user.has_perm("compliance.change_riskaction", action):
        deny(request, RiskAction, "to_plan", action)
    form = forms.ToPlanForm(request.POST or None, user=request.user, action=action)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.riskaction_to_plan(
                    actor=request.user, instance=action, plan=form.cleaned_data["plan"]
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(request, _("The action was added to the management plan."))
                return HttpResponseRedirect(action.analysis.get_absolute_url())
        status = 400
    return render(
        request,
        "core/object_edit.html",
        {
            "form": form,
            "title": _("Add to the management plan: %(action)s") % {"action": action},
            "cancel_url": action.analysis.get_absolute_url(),
        },
        status=status,
    )


@login_required
def riskanalysis_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = _analysis(request, pk)
    if not request.user.has_perm("compliance.view_riskanalysis", analysis):
        deny(request, RiskAnalysis, "view", analysis)
    risks, actions = _analysis_parts(request.user, analysis)
    plan_shown = tables.plan_references(request.user, actions)
    cache: dict[int, bool] = {}
    record(
        actor=request.user,
        action="compliance.riskanalysis.exported",
        obj=analysis,
        changes={"format": [None, "pdf"]},
    )
    return pdf_response(
        request,
        "compliance/riskanalysis_pdf.html",
        {
            "analysis": analysis,
            "target": analysis.target,
            "risks": risks,
            "actions": [
                (
                    a,
                    person_label(request.user, a.owner, cache),
                    plan_shown.get(a.pk, (a.plan_reference, ""))[0],
                )
                for a in actions
            ],
            "heat_map": heat_map(risks),
            "levels": tables.RISK_LEVELS,
        },
        title=str(_("Risk and vulnerability analysis: %(title)s") % {"title": analysis.title}),
        filename=f"rsa-{analysis.pk}.pdf",
    )


# --- legal framework and confidentiality undertakings -------------------------------------------
REQUIREMENT_RELATED = ("act", "organisation", "management_object", "system", "responsible_role")


class LegalActListView(ObjectListView):
    model = LegalAct
    table_class = tables.LegalActTable
    filterset_class = filters.LegalActFilterSet

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("organisation")


class LegalActDetailView(ObjectDetailView):
    model = LegalAct
    fields = ("reference", "name", "short_name", "url", "organisation")

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        requirements = (
            LegalRequirement.objects.visible_to(self.request.user)
            .filter(act=obj)
            .select_related(
                "act", "organisation", "management_object", "system", "responsible_role"
            )
        )
        add = None
        if self.request.user.has_perm("compliance.add_legalrequirement"):
            add = reverse("compliance:legalrequirement_add") + f"?act={obj.pk}"
        return [
            self.related_table(
                _("Applies to"), tables.LegalRequirementTable, requirements, add_url=add
            )
        ]


class LegalActEditView(ObjectEditView):
    model = LegalAct
    form_class = forms.LegalActForm
    create_service = staticmethod(services.legalact_create)
    update_service = staticmethod(services.legalact_update)


class LegalActDeleteView(ObjectDeleteView):
    model = LegalAct
    delete_service = staticmethod(services.legalact_delete)


class LegalRequirementListView(ObjectListView):
    model = LegalRequirement
    table_class = tables.LegalRequirementTable
    filterset_class = filters.LegalRequirementFilterSet
    empty_text = gettext_lazy("No law is linked to an object or system yet.")

    def get_queryset(self) -> QuerySet:
        return (
            super()
            .get_queryset()
            .select_related(
                "act", "organisation", "management_object", "system", "responsible_role"
            )
        )


class LegalRequirementDetailView(ObjectDetailView):
    model = LegalRequirement
    fields = ("organisation", "act", "management_object", "system", "responsible_role", "comment")


class LegalRequirementEditView(ObjectEditView):
    model = LegalRequirement
    form_class = forms.LegalRequirementForm
    create_service = staticmethod(services.legalrequirement_create)
    update_service = staticmethod(services.legalrequirement_update)


class LegalRequirementDeleteView(ObjectDeleteView):
    model = LegalRequirement
    delete_service = staticmethod(services.legalrequirement_delete)


class UndertakingListView(ObjectListView):
    model = ConfidentialityUndertaking
    table_class = tables.UndertakingTable
    filterset_class = filters.UndertakingFilterSet
    empty_text = gettext_lazy("No confidentiality undertakings are recorded.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("organisation", "person")


class UndertakingDetailView(PeopleShownMixin, ObjectDetailView):
    model = ConfidentialityUndertaking
    fields = ("organisation", "person", "signed_on", "valid_until", "scope", "document")


class UndertakingEditView(ObjectEditView):
    model = ConfidentialityUndertaking
    form_class = forms.UndertakingForm
    create_service = staticmethod(services.confidentialityundertaking_create)
    update_service = staticmethod(services.confidentialityundertaking_update)


class UndertakingDeleteView(ObjectDeleteView):
    model = ConfidentialityUndertaking
    delete_service = staticmethod(services.confidentialityundertaking_delete)


# --- archiving ----------------------------------------------------------------------------------
class ArchiveDocumentationListView(ObjectListView):
    model = ArchiveDocumentation
    table_class = tables.ArchiveDocumentationTable
    empty_text = gettext_lazy("No system is documented for archiving yet.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("system", "organisation")


class ArchiveDocumentationDetailView(ObjectDetailView):
    model = ArchiveDocumentation
    fields = (
        "organisation",
        "system",
        "status",
        "purpose",
        "information_types",
        "formats",
        "relations",
        "preservation",
        "e_archive",
        "archivist",
        "decision",
        "decision_reference",
        "decided_on",
        "filed_on",
        "filed_at",
    )

    def field_rows(self, obj: Any) -> list[tuple[str, Any]]:
        rows = super().field_rows(obj)
        # The decision is named as text: it is shown only if the reader sees it.
        return [
            (label, str(value) if value is not None and value is obj.decision else value)
            for label, value in rows
        ]

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        rules_ = (
            RetentionRule.objects.visible_to(self.request.user)
            .filter(system=obj.system)
            .select_related("system", "organisation")
        )
        add = None
        if self.request.user.has_perm("compliance.add_retentionrule"):
            add = reverse("compliance:retentionrule_add") + f"?system={obj.system_id}"
        decommissionings = (
            Decommissioning.objects.visible_to(self.request.user)
            .filter(system=obj.system)
            .select_related("system", "organisation")
        )
        start = None
        if self.request.user.has_perm("compliance.add_decommissioning"):
            start = reverse("compliance:decommissioning_add") + f"?system={obj.system_id}"
        return [
            self.related_table(_("Retention rules"), tables.RetentionRuleTable, rules_, add),
            self.related_table(
                _("Decommissioning"), tables.DecommissioningTable, decommissionings, start
            ),
        ]


class ArchiveDocumentationEditView(ObjectEditView):
    model = ArchiveDocumentation
    form_class = forms.ArchiveDocumentationForm
    create_service = staticmethod(services.archivedocumentation_create)
    update_service = staticmethod(services.archivedocumentation_update)


class ArchiveDocumentationDeleteView(ObjectDeleteView):
    model = ArchiveDocumentation
    delete_service = staticmethod(services.archivedocumentation_delete)


class RetentionRuleListView(ObjectListView):
    model = RetentionRule
    table_class = tables.RetentionRuleTable
    empty_text = gettext_lazy("No retention rules yet.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("system", "organisation")


class RetentionRuleDetailView(ObjectDetailView):
    model = RetentionRule
    fields = (
        "organisation",
        "system",
        "information_type",
        "action",
        "period",
        "legal_basis",
        "act",
    )


class RetentionRuleEditView(ObjectEditView):
    model = RetentionRule
    form_class = forms.RetentionRuleForm
    create_service = staticmethod(services.retentionrule_create)
    update_service = staticmethod(services.retentionrule_update)


class RetentionRuleDeleteView(ObjectDeleteView):
    model = RetentionRule
    delete_service = staticmethod(services.retentionrule_delete)


# --- decommissioning ----------------------------------------------------------------------------
class DecommissioningListView(ObjectListView):
    model = Decommissioning
    table_class = tables.DecommissioningTable
    empty_text = gettext_lazy("No system is being decommissioned.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("system", "organisation")


class DecommissioningDetailView(PeopleShownMixin, ObjectDetailView):
    model = Decommissioning
    template_name = "compliance/decommissioning_detail.html"
    fields = (
        "organisation",
        "system",
        "reason",
        "status",
        "started_by",
        "started_on",
        "completed_by",
        "completed_on",
    )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        return {
            "can_complete": obj.status == DecommissioningStatus.OPEN
            and user.has_perm("compliance.change_decommissioning", obj)
        }

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        user = self.request.user
        items = self.related_table(
            _("Checklist"),
            tables.DecommissioningItemTable,
            DecommissioningItem.objects.visible_to(user)
            .filter(decommissioning=obj)
            .select_related("done_by"),
        )
        if obj.status != DecommissioningStatus.OPEN or not user.has_perm(
            "compliance.change_decommissioning", obj
        ):
            items["table"].columns.hide("edit")
        return [items]


class DecommissioningEditView(ObjectEditView):
    model = Decommissioning
    form_class = forms.DecommissioningForm
    create_service = staticmethod(services.decommissioning_start)


class DecommissioningItemEditView(ObjectEditView):
    model = DecommissioningItem
    form_class = forms.DecommissioningItemForm
    update_service = staticmethod(services.decommissioning_item_update)


@login_required
@require_POST
def decommissioning_complete(request: HttpRequest, pk: int) -> HttpResponse:
    decommissioning = (
        Decommissioning.objects.visible_to(request.user)
        .select_related("system")
        .filter(pk=pk)
        .first()
    )
    if decommissioning is None:
        raise Http404
    if not request.user.has_perm("compliance.change_decommissioning", decommissioning):
        deny(request, Decommissioning, "complete", decommissioning)
    try:
        services.decommissioning_complete(actor=request.user, instance=decommissioning)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return HttpResponseRedirect(decommissioning.get_absolute_url(), status=303)
    messages.success(request, _("The decommissioning is completed and the system retired."))
    return HttpResponseRedirect(decommissioning.get_absolute_url())
