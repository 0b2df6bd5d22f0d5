"""Governance pages: bodies with members, meetings with notice, agenda and minutes,
the decision register, and decisions by circulation with votes."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forvalta.core.generic_views import (
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    add_validation_error,
)
from forvalta.core.pdf import pdf_response, render_html
from forvalta.governance import filters, forms, services, tables
from forvalta.governance.models import (
    AgendaItem,
    Attendance,
    Body,
    BodyAdjoined,
    BodyMember,
    Circulation,
    Decision,
    Meeting,
    MeetingDocument,
    MeetingStatus,
    MinutesApproval,
    MinutesVersion,
    Paragraph,
    Vote,
)
from forvalta.governance.selectors import voting_seat
from forvalta.processes.selectors import person_label
from forvalta.workflow import engine


def _label(user: Any) -> Any:
    cache: dict[int, bool] = {}
    return lambda person: person_label(user, person, cache)


# --- bodies ---------------------------------------------------------------------------------
class BodyListView(ObjectListView):
    model = Body
    table_class = tables.BodyTable
    filterset_class = filters.BodyFilterSet
    add_label = gettext_lazy("New body")
    empty_text = gettext_lazy("No councils or groups yet.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("organisation", "service", "management_object")


class BodyDetailView(ObjectDetailView):
    model = Body
    template_name = "governance/body_detail.html"
    fields = (
        "kind",
        "service",
        "management_object",
        "organisation",
        "description",
        "chair",
        "convener",
        "secretary",
        "responsible_role",
        "frequency",
        "notice_days",
        "circulation_rule",
        "circulation_quorum",
        "circulation_min_days",
        "reminder_hours",
    )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        return {"may_set_rhythm": self.request.user.has_perm("governance.change_body", obj)}

    def field_rows(self, obj: Any) -> list[tuple[str, Any]]:
        label = _label(self.request.user)
        rows = []
        for name, value in super().field_rows(obj):
            rows.append((name, label(value) if hasattr(value, "get_username") else value))
        from forvalta.governance.models import DecisionKind

        labels = dict(DecisionKind.choices)
        rows.append(
            (
                str(obj._meta.get_field("circulation_kinds").verbose_name),
                ", ".join(str(labels.get(k, k)) for k in obj.circulation_kinds) or None,
            )
        )
        rows.append((str(obj._meta.get_field("rhythm").verbose_name), obj.rhythm_summary or None))
        return rows

    def get_related(self, obj: Any) -> list[dict[str, Any]]:
        user = self.request.user
        runs = user.has_perm("governance.run_body", obj)
        label = _label(user)
        members = (
            BodyMember.objects.visible_to(user)
            .current()
            .filter(body=obj)
            .select_related("organisation", "representative", "substitute", "body")
        )
        member_table = tables.MemberTable(
            members,
            prefix="members-",
            label=label,
            editable=lambda m: user.has_perm("governance.change_bodymember", m),
        )
        member_table.region_label = _("Member organisations")
        from django_tables2 import RequestConfig

        from forvalta.core.tables import WindowCountPaginator

        RequestConfig(
            self.request, paginate={"per_page": 50, "paginator_class": WindowCountPaginator}
        ).configure(member_table)
        related = [
            {
                "title": _("Member organisations"),
                "table": member_table,
                "add_url": reverse("governance:bodymember_add") + f"?body={obj.pk}"
                if runs
                else None,
                "empty_text": _("No member organisations yet."),
            }
        ]
        adjoined = tables.AdjoinedTable(
            BodyAdjoined.objects.visible_to(user)
            .filter(body=obj)
            .select_related("organisation", "person"),
            prefix="adjoined-",
            label=label,
        )
        RequestConfig(self.request, paginate={"per_page": 25}).configure(adjoined)
        related.append(
            {
                "title": _("Adjoined without vote"),
                "table": adjoined,
                "add_url": reverse("governance:bodyadjoined_add") + f"?body={obj.pk}"
                if runs
                else None,
                "empty_text": _("No adjoined members."),
            }
        )
        related.append(
            self.related_table(
                _("Meetings"),
                tables.MeetingTable,
                Meeting.objects.visible_to(user).filter(body=obj).select_related("body"),
                add_url=reverse("governance:meeting_plan") + f"?body={obj.pk}" if runs else None,
                empty_text=_("No meetings planned."),
            )
        )
        related.append(
            self.related_table(
                _("Decisions by circulation"),
                tables.CirculationTable,
                Circulation.objects.visible_to(user).filter(body=obj).select_related("body"),
                add_url=reverse("governance:circulation_add") + f"?body={obj.pk}" if runs else None,
                empty_text=_("No decisions by circulation."),
            )
        )
        related.append(
            self.related_table(
                _("Decisions"),
                tables.DecisionTable,
                Decision.objects.visible_to(user).filter(body=obj).select_related("body"),
                add_url=reverse("governance:decision_add") + f"?body={obj.pk}" if runs else None,
                empty_text=_("No decisions yet."),
            )
        )
        return related


class BodyEditView(ObjectEditView):
    model = Body
    form_class = forms.BodyForm
    create_service = staticmethod(services.body_create)
    update_service = staticmethod(services.body_change)


class BodyRhythmView(ObjectEditView):
    """The body's meeting rhythm (by those who set the body up)."""

    model = Body
    form_class = forms.RhythmForm
    update_service = staticmethod(services.body_set_rhythm)

    def render_form(
        self,
        form: Any,
        obj: Any,
        status: int = 200,
        version: str | None = None,
        formsets: list[Any] | None = None,
    ) -> HttpResponse:
        from forvalta.core import concurrency

        context = {
            **self.model_context(),
            "form": form,
            "formsets": [],
            "object": obj,
            "version_field": concurrency.VERSION_FIELD,
            "version": version if version is not None else concurrency.version_token(form),
            "title": _("Meeting rhythm – %(body)s") % {"body": obj},
            "cancel_url": obj.get_absolute_url(),
        }
        return render(self.request, self.template_name, context, status=status)


class MemberAddView(ObjectEditView):
    model = BodyMember
    form_class = forms.MemberForm
    create_service = staticmethod(services.member_add)

    def target(self) -> Any:
        self.require("add")
        return None


class MemberNominateView(ObjectEditView):
    model = BodyMember
    form_class = forms.NominateForm
    update_service = staticmethod(services.member_update)


class AdjoinedAddView(ObjectEditView):
    model = BodyAdjoined
    form_class = forms.AdjoinedForm
    create_service = staticmethod(services.adjoined_create)


# --- meetings -------------------------------------------------------------------------------
class MeetingListView(ObjectListView):
    model = Meeting
    table_class = tables.MeetingTable
    filterset_class = filters.MeetingFilterSet
    add_label = gettext_lazy("Plan meetings")
    empty_text = gettext_lazy("No meetings.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("body")

    def add_url(self) -> str | None:
        if self.request.user.has_perm("governance.add_meeting"):
            return reverse("governance:meeting_plan")
        return None


class MeetingPlanView(ObjectEditView):
    """A year's meetings at once."""

    model = Meeting

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> Any:
        initial = {k: v for k, v in self.request.GET.items() if k == "body"}
        return forms.MeetingPlanForm(data, user=self.request.user, initial=initial)

    def render_form(
        self, form: Any, obj: Any, status: int = 200, version: Any = None, formsets: Any = None
    ) -> Any:
        context = {
            **self.model_context(),
            "form": form,
            "title": _("Plan meetings"),
            "cancel_url": reverse("governance:meeting_list"),
        }
        return render(self.request, "core/object_edit.html", context, status=status)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.require("add")
        form = self.get_form(None, request.POST)
        if not form.is_valid():
            return self.render_form(form, None, status=400)
        try:
            meetings = services.meetings_plan(actor=request.user, data=form.service_data())
        except ValidationError as exc:
            add_validation_error(form, exc)
            return self.render_form(form, None, status=400)
        messages.success(request, _("%(count)s meetings were planned.") % {"count": len(meetings)})
        return HttpResponseRedirect(meetings[0].body.get_absolute_url())


class MeetingDetailView(ObjectDetailView):
    model = Meeting
    template_name = "governance/meeting_detail.html"
    fields = ("body", "title", "starts_at", "ends_at", "place", "video_link", "status")

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        label = _label(user)
        runs = user.has_perm("governance.change_meeting", obj)
        paragraphs = list(Paragraph.objects.visible_to(user).filter(meeting=obj).order_by("number"))
        agenda = list(AgendaItem.objects.visible_to(user).filter(meeting=obj))
        _attach_concerns(user, agenda)
        _attach_concerns(user, paragraphs)
        approvals = list(
            MinutesApproval.objects.visible_to(user)
            .filter(meeting=obj, version=obj.minutes_version)
            .select_related("person")
        )
        approved_ids = {a.person_id for a in approvals}
        adjusters = list(obj.adjusters.all())
        from forvalta.governance.workflows import notice_is_late

        return {
            "runs": runs,
            "editable_minutes": runs
            and obj.status in (MeetingStatus.HELD, MeetingStatus.MINUTES_DRAFTED),
            "agenda": agenda,
            "documents": MeetingDocument.objects.visible_to(user).filter(meeting=obj),
            "attendance": [
                (row, label(row.person), label(row.substitute_for))
                for row in Attendance.objects.visible_to(user)
                .filter(meeting=obj)
                .select_related("person", "organisation", "substitute_for")
            ],
            "paragraphs": paragraphs,
            "approvals": [(a, label(a.person)) for a in approvals],
            "adjusters": [(label(p), p.pk in approved_ids) for p in adjusters],
            "may_approve": obj.status == MeetingStatus.MINUTES_DRAFTED
            and user.has_perm("governance.approve_meeting", obj)
            and user.pk not in approved_ids,
            "notice_late": obj.status == MeetingStatus.PLANNED and notice_is_late(obj),
            "versions": MinutesVersion.objects.visible_to(user).filter(meeting=obj),
            "history": [
                (e.at, dict(MeetingStatus.choices).get(e.to_state, e.to_state), e.comment)
                for e in engine.history(obj, user).order_by("at", "pk")
            ],
            "reason_form": forms.ReasonForm(required=False),
            "statuses": MeetingStatus,
            "delete_url": None,
        }


class MeetingEditView(ObjectEditView):
    model = Meeting
    form_class = forms.MeetingForm
    update_service = staticmethod(services.meeting_update)


ACTIONS = {
    "send_notice": "meeting_send_notice",
    "hold": "meeting_hold",
    "submit": "minutes_submit",
    "approve": "minutes_approve",
    "publish": "minutes_publish",
    "new_version": "minutes_new_version",
}


class MeetingActionView(ObjectEditView):
    """POST: send notice (a reason when late), hold, submit, approve, publish, new version."""

    model = Meeting

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponseRedirect(self.get_object().get_absolute_url())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        meeting = self.get_object()
        action = kwargs["action"]
        if action not in ACTIONS:
            return HttpResponse(status=404)
        service = getattr(services, ACTIONS[action])
        reason = request.POST.get("reason", "")
        kwargs_: dict[str, Any] = {"actor": request.user, "meeting": meeting}
        if action in ("send_notice", "new_version"):
            kwargs_["reason"] = reason
        try:
            service(**kwargs_)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            detail = MeetingDetailView()
            detail.setup(request, pk=meeting.pk)
            response = detail.get(request, pk=meeting.pk)
            response.status_code = 400
            return response
        messages.success(request, _("Done."))
        return HttpResponseRedirect(meeting.get_absolute_url())


def _posted_initial(form_class: Any, data: Any) -> dict[str, Any]:
    """The posted values as a form's initial values (a picker search re-shows the form
    as it was filled in, unsaved and without errors)."""
    initial: dict[str, Any] = {}
    for name, field in form_class.base_fields.items():
        if isinstance(field.widget, django_forms.CheckboxInput):
            initial[name] = name in data
        elif isinstance(field.widget, django_forms.SelectMultiple):
            initial[name] = data.getlist(name)
        elif name in data:
            initial[name] = data.get(name)
    for name in ("concerns", "concerns_search"):
        if name in data:
            initial[name] = data.get(name)
    return initial


class ConcernSearchMixin:
    """POST with `_concerns_search` (the picker's search button, without JavaScript):
    the form comes back with the matches, nothing is saved."""

    request: HttpRequest
    form_class: Any

    def concern_search(self, obj: Any, render: Any) -> HttpResponse | None:
        if not self.request.POST.get("_concerns_search"):
            return None
        from forvalta.core import concurrency

        kwargs: dict[str, Any] = {
            "user": self.request.user,
            "initial": _posted_initial(self.form_class, self.request.POST),
        }
        if obj is not None and isinstance(obj, self.form_class._meta.model):
            kwargs["instance"] = obj
        form = self.form_class(**kwargs)
        version = self.request.POST.get(concurrency.VERSION_FIELD)
        return render(form, obj, version=version or None)

    def service_data(self, form: Any) -> dict[str, Any]:
        return form.concern_data(form.cleaned_data)


class AgendaItemEditView(ConcernSearchMixin, ObjectEditView):
    model = AgendaItem
    form_class = forms.AgendaItemForm
    create_service = staticmethod(services.agenda_item_create)
    update_service = staticmethod(services.agenda_item_update)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.POST.get("_concerns_search"):
            obj = self.target()
            response = self.concern_search(obj, self.render_form)
            assert response is not None
            return response
        return super().post(request, *args, **kwargs)


@login_required
def concern_options(request: HttpRequest) -> HttpResponse:
    """The picker's choices for a search (htmx): <option>s of the rows the user sees."""
    from django.utils.html import format_html, format_html_join

    from forvalta.governance import concerns

    query = request.GET.get("concerns_search", "")[: concerns.MAX_QUERY]
    current = request.GET.get("concerns", "")
    parts = [format_html('<option value="">{}</option>', _("– nothing chosen –"))]
    if current == forms.KEEP:
        parts.append(
            format_html(
                '<option value="{}" selected>{}</option>',
                forms.KEEP,
                _("unchanged: an item you cannot see"),
            )
        )
    elif current:
        found = concerns.resolve(request.user, current)
        if found is not None:
            parts.append(format_html('<option value="{}" selected>{}</option>', current, found))
    for group, rows in concerns.search(request.user, query):
        options = format_html_join(
            "", '<option value="{}">{}</option>', ((k, label) for k, label in rows if k != current)
        )
        parts.append(format_html('<optgroup label="{}">{}</optgroup>', group, options))
    return HttpResponse("".join(parts))


class DocumentAddView(ObjectEditView):
    model = MeetingDocument
    form_class = forms.DocumentForm
    create_service = staticmethod(services.document_create)


class _MeetingChildView(ObjectEditView):
    """A form about one meeting (attendance, a paragraph)."""

    model = Meeting
    child_form: Any = None
    heading: Any = ""

    def meeting(self) -> Meeting:
        meeting = self.get_object()
        if not self.request.user.has_perm("governance.change_meeting", meeting):
            from forvalta.core.generic_views import deny

            deny(self.request, Meeting, "change", meeting)
        return meeting

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> Any:
        return self.child_form(data, user=self.request.user, **self.form_kwargs(obj))

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {}

    def render_form(
        self, form: Any, obj: Any, status: int = 200, version: Any = None, formsets: Any = None
    ) -> Any:
        context = {
            **self.model_context(),
            "form": form,
            "object": obj,
            "title": f"{self.heading} – {obj}",
            "cancel_url": obj.get_absolute_url(),
        }
        return render(self.request, "core/object_edit.html", context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        meeting = self.meeting()
        return self.render_form(self.get_form(meeting), meeting)

    def save(self, meeting: Meeting, form: Any) -> Any:
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        meeting = self.meeting()
        form = self.get_form(meeting, request.POST)
        if not form.is_valid():
            return self.render_form(form, meeting, status=400)
        try:
            self.save(meeting, form)
        except ValidationError as exc:
            add_validation_error(form, exc)
            return self.render_form(form, meeting, status=400)
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(meeting.get_absolute_url())


class AttendanceAddView(_MeetingChildView):
    child_form = forms.AttendanceForm
    heading = gettext_lazy("Attendance")

    def save(self, meeting: Meeting, form: Any) -> Any:
        return services.attendance_set(
            actor=self.request.user, meeting=meeting, data=form.cleaned_data
        )


class ParagraphAddView(ConcernSearchMixin, _MeetingChildView):
    child_form = forms.ParagraphForm
    form_class = forms.ParagraphForm
    heading = gettext_lazy("New paragraph")

    def save(self, meeting: Meeting, form: Any) -> Any:
        return services.paragraph_create(
            actor=self.request.user,
            data={**form.concern_data(form.cleaned_data), "meeting": meeting},
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.POST.get("_concerns_search"):
            meeting = self.meeting()
            response = self.concern_search(
                meeting, lambda form, obj, version=None: self.render_form(form, obj)
            )
            assert response is not None
            return response
        return super().post(request, *args, **kwargs)


class ParagraphEditView(ConcernSearchMixin, ObjectEditView):
    model = Paragraph
    form_class = forms.ParagraphForm
    update_service = staticmethod(services.paragraph_update)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.POST.get("_concerns_search"):
            obj = self.target()
            response = self.concern_search(obj, self.render_form)
            assert response is not None
            return response
        return super().post(request, *args, **kwargs)

    def target(self) -> Any:
        obj = self.get_object()
        if not self.request.user.has_perm("governance.change_meeting", obj.meeting):
            from forvalta.core.generic_views import deny

            deny(self.request, Paragraph, "change", obj)
        return obj


def _attach_concerns(user: Any, rows: list[Any]) -> None:
    """Give each agenda item or paragraph `.concern`: None when it links to nothing, else
    a link the reader may follow or the neutral text (`concerns.shown_to`)."""
    from forvalta.governance import concerns

    shown = concerns.shown_to(user, rows)
    for row in rows:
        row.concern = shown.get(row.pk)


def minutes_context(meeting: Meeting, *, user: Any, include_confidential: bool) -> dict[str, Any]:
    """What the minutes show: to a reader through their scope (confidential paragraphs
    only to participants), to outside recipients without confidential paragraphs."""
    if user is not None:
        paragraphs = Paragraph.objects.visible_to(user).filter(meeting=meeting)
        attendance = Attendance.objects.visible_to(user).filter(meeting=meeting)
        approvals = MinutesApproval.objects.visible_to(user).filter(
            meeting=meeting, version=meeting.minutes_version
        )
        label = _label(user)
    else:
        # scoping: allowed the body's own recipients, confidential paragraphs left out
        paragraphs = Paragraph.objects.filter(meeting=meeting, confidential=False)
        # scoping: allowed the attendance and approvals of the minutes being sent
        attendance = Attendance.objects.filter(meeting=meeting)
        # scoping: allowed as above
        approvals = MinutesApproval.objects.filter(meeting=meeting, version=meeting.minutes_version)

        def label(person: Any) -> Any:
            return person

    if not include_confidential:
        paragraphs = paragraphs.filter(confidential=False)
    day = timezone.localtime(meeting.starts_at)
    name = _("Minutes %(body)s %(date)s") % {
        "body": meeting.body.name,
        "date": day.date().isoformat(),
    }
    paragraph_rows = list(paragraphs.order_by("number"))
    _attach_concerns(user, paragraph_rows)
    return {
        "meeting": meeting,
        "document_name": name,
        "paragraphs": paragraph_rows,
        "attendance": [
            (row, label(row.person), label(row.substitute_for))
            for row in attendance.select_related("person", "organisation", "substitute_for")
        ],
        "approvals": [(a, label(a.person)) for a in approvals.select_related("person")],
    }


class MinutesView(ObjectEditView):
    """The minutes as HTML (?format=pdf: the tagged PDF)."""

    model = Meeting

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        meeting = self.get_object()
        self.require("view", meeting)
        if meeting.status in (MeetingStatus.PLANNED, MeetingStatus.NOTICE_SENT):
            return HttpResponse(status=404)
        context = minutes_context(meeting, user=request.user, include_confidential=True)
        title = str(context["document_name"])
        if kwargs.get("fmt") == "pdf":
            return pdf_response(
                request,
                "governance/minutes_pdf.html",
                context,
                title=title,
                filename=f"protokoll-{meeting.pk}-v{meeting.minutes_version}.pdf",
            )
        html = render_html("governance/minutes_pdf.html", context, title=title, request=request)
        return HttpResponse(html)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponse(status=405)


# --- decisions ------------------------------------------------------------------------------
class DecisionListView(ObjectListView):
    model = Decision
    table_class = tables.DecisionTable
    filterset_class = filters.DecisionFilterSet
    title = gettext_lazy("Decision register")
    add_label = gettext_lazy("Record a decision by delegation")
    empty_text = gettext_lazy("No decisions.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("body")


class DecisionDetailView(ObjectDetailView):
    model = Decision
    template_name = "governance/decision_detail.html"
    fields = (
        "number",
        "decided_on",
        "body",
        "kind",
        "title",
        "text",
        "basis",
        "basis_link",
        "made_by",
        "confidential",
    )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        paragraph = (
            Paragraph.objects.visible_to(user).filter(pk=obj.paragraph_id).first()
            if obj.paragraph_id
            else None
        )
        circulation = (
            Circulation.objects.visible_to(user).filter(pk=obj.circulation_id).first()
            if obj.circulation_id
            else None
        )
        return {"paragraph": paragraph, "circulation": circulation, "delete_url": None}


class DecisionAddView(ObjectEditView):
    model = Decision
    form_class = forms.DecisionForm
    create_service = staticmethod(services.decision_create)

    def initial(self) -> dict[str, Any]:
        from forvalta.core.models import today

        return {**super().initial(), "decided_on": today()}


# --- circulations ---------------------------------------------------------------------------
class CirculationListView(ObjectListView):
    model = Circulation
    table_class = tables.CirculationTable
    filterset_class = filters.CirculationFilterSet
    add_label = gettext_lazy("New decision by circulation")
    empty_text = gettext_lazy("No decisions by circulation.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("body")


class CirculationAddView(ObjectEditView):
    model = Circulation
    form_class = forms.CirculationForm
    create_service = staticmethod(services.circulation_create)


class CirculationDetailView(ObjectDetailView):
    model = Circulation
    template_name = "governance/circulation_detail.html"
    fields = (
        "body",
        "title",
        "kind",
        "proposal",
        "basis",
        "basis_link",
        "deadline",
        "status",
        "result",
        "closed_at",
        "objection_reason",
    )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        from forvalta.governance.selectors import counted_votes

        user = self.request.user
        member, role = voting_seat(obj, user)
        counted = counted_votes(obj)
        members = BodyMember.objects.visible_to(user).current().filter(body=obj.body_id)
        votes = list(
            Vote.objects.visible_to(user)
            .filter(circulation=obj)
            .select_related("organisation", "member")
        )
        rows = []
        counted_ids = {v.pk for v in counted.values()}
        for m in members.select_related("organisation"):
            own = [v for v in votes if v.member_id == m.pk]
            rows.append((m, own, counted.get(m.pk)))
        own_vote = None
        if member is not None:
            own_vote = next(
                (v for v in votes if v.member_id == member.pk and v.voter_role == role), None
            )
        open_ = obj.is_open and obj.deadline > timezone.now()
        return {
            "seat": member,
            "seat_role": role,
            "own_vote": own_vote,
            "vote_form": forms.VoteForm(
                initial={"choice": own_vote.choice, "reason": own_vote.reason} if own_vote else None
            ),
            "can_vote": member is not None and open_,
            "rows": rows,
            "counted_ids": counted_ids,
            "can_withdraw": obj.is_open and user.has_perm("governance.change_circulation", obj),
            "reason_form": forms.ReasonForm(),
            "delete_url": None,
        }


class CirculationActionView(ObjectEditView):
    """POST: vote, object to the procedure, withdraw."""

    model = Circulation

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponseRedirect(self.get_object().get_absolute_url())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        circulation = self.get_object()
        action = kwargs["action"]
        try:
            if action == "vote":
                form = forms.VoteForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(
                        [str(e) for errors in form.errors.values() for e in errors]
                    )
                services.vote_cast(
                    actor=request.user,
                    circulation=circulation,
                    choice=form.cleaned_data["choice"],
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("Your vote was recorded."))
            elif action == "object":
                services.circulation_object(
                    actor=request.user,
                    circulation=circulation,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("Your objection was recorded."))
            elif action == "withdraw":
                services.circulation_withdraw(
                    actor=request.user,
                    circulation=circulation,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("The circulation was withdrawn."))
            else:
                return HttpResponse(status=404)
        except PermissionDenied:
            raise
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            detail = CirculationDetailView()
            detail.setup(request, pk=circulation.pk)
            response = detail.get(request, pk=circulation.pk)
            response.status_code = 400
            return response
        return HttpResponseRedirect(circulation.get_absolute_url())


class VoteListView(ObjectListView):
    model = Vote
    table_class = tables.VoteTable
    filterset_class = filters.VoteFilterSet
    empty_text = gettext_lazy("No votes.")

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("circulation", "organisation")

    def add_url(self) -> str | None:
        return None


@login_required
def meeting_document(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A meeting's uploaded document, served only to those who see the meeting (as the
    register serves an agreement's document); each read is recorded."""
    from django.http import FileResponse, Http404

    from forvalta.audit.services import record
    from forvalta.governance.models import MeetingDocument

    document = MeetingDocument.objects.visible_to(request.user).filter(pk=pk).first()
    if document is None or not document.file:
        raise Http404
    record(actor=request.user, action="governance.meetingdocument.document_read", obj=document)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.file.name.rsplit("/", 1)[-1],
    )
