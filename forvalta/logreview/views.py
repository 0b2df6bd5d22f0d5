"""Pages of log review. Every read goes through `visible_to`; every write through a
service (which checks the permission and records the audit event)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from forvalta.audit.reading import records_view
from forvalta.core.generic_views import deny
from forvalta.core.models import today
from forvalta.logreview import reminders, services
from forvalta.logreview.followup import outcome_initial
from forvalta.logreview.forms import (
    FIELD_LABELS,
    REFERENCE_LABELS,
    DrawForm,
    JudgmentForm,
    MappingFields,
    OutcomeForm,
    PersonForm,
    ReferenceUploadForm,
    ScheduleForm,
    SourceForm,
    UploadForm,
    previous_month,
)
from forvalta.logreview.hours import SourceHours, hours_version
from forvalta.logreview.models import (
    DrawnDay,
    DrawnEmployee,
    ExtractOrder,
    LogLoad,
    LogSource,
    SamplingRound,
    SamplingSchedule,
    Verdict,
)
from forvalta.logreview.review import build as build_review


def _source(request: HttpRequest, pk: int) -> LogSource:
    return get_object_or_404(
        LogSource.objects.visible_to(request.user).select_related("system", "organisation"), pk=pk
    )


def _initial_mapping(source: LogSource) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "name": source.name,
        "hours_from": source.hours_from,
        "hours_to": source.hours_to,
        "extract_retention_days": source.extract_retention_days,
        "log_retention_days": source.log_retention_days,
    }
    initial.update({f"map_{k}": v for k, v in (source.mapping or {}).items()})
    initial.update({f"ref_{k}": v for k, v in (source.reference_mapping or {}).items()})
    return initial


@login_required
def source_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("logreview.view_logsource"):
        deny(request, LogSource, "view")
    sources = LogSource.objects.visible_to(request.user).select_related("system", "organisation")
    orders = (
        ExtractOrder.objects.visible_to(request.user)
        .filter(attestant_id=request.user.pk, status="requested")
        .select_related("drawn_unit", "round")
    )
    return render(
        request,
        "logreview/source_list.html",
        {
            "sources": sources,
            "my_orders": orders,
            "may_add": request.user.has_perm("logreview.add_logsource"),
        },
    )


@login_required
def source_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("logreview.add_logsource"):
        deny(request, LogSource, "add")
    from forvalta.logreview.models import default_mapping, default_reference_mapping

    initial = {f"map_{k}": v for k, v in default_mapping().items()}
    initial.update({f"ref_{k}": v for k, v in default_reference_mapping().items()})
    form = SourceForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            source = services.source_create(
                actor=request.user,
                organisation=form.cleaned_data["organisation"],
                system=form.cleaned_data["system"],
                name=form.cleaned_data["name"],
                mapping=form.mapping(),
                reference_mapping=form.reference_mapping(),
                **form.hours(),
                **form.retention(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The log source was saved."))
            return redirect(source)
    return render(request, "logreview/form.html", {"form": form, "title": _("New log source")})


@login_required
def source_edit(request: HttpRequest, pk: int) -> HttpResponse:
    source = _source(request, pk)
    if not request.user.has_perm("logreview.change_logsource", source):
        deny(request, LogSource, "change", source)
    form = MappingFields(request.POST or None, initial=_initial_mapping(source))
    if request.method == "POST" and form.is_valid():
        try:
            services.source_update(
                actor=request.user,
                source=source,
                name=form.cleaned_data["name"],
                mapping=form.mapping(),
                reference_mapping=form.reference_mapping(),
                **form.hours(),
                **form.retention(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The log source was saved."))
            return redirect(source)
    return render(
        request,
        "logreview/form.html",
        {"form": form, "title": _("Edit log source"), "cancel_url": source.get_absolute_url()},
    )


@login_required
def source_hours(request: HttpRequest, pk: int) -> HttpResponse:
    """The units whose hours differ from the source's default (flags in the review)."""
    from forvalta.logreview.forms import UnitHoursFormSet, unit_hours_initial

    source = _source(request, pk)
    if not request.user.has_perm("logreview.change_logsource", source):
        deny(request, LogSource, "change", source)
    formset: Any = UnitHoursFormSet(
        request.POST if request.method == "POST" else None,
        initial=unit_hours_initial(source),
        prefix="hours",
    )
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        try:
            services.source_set_unit_hours(
                actor=request.user,
                source=source,
                rows=formset.rows(),
                opened=str(request.POST.get("version", "")),
            )
        except ValidationError as exc:
            errors = list(exc.messages)
            if exc.error_list[0].code == "stale":  # show the rows as they are saved now
                source.refresh_from_db()
                formset = UnitHoursFormSet(initial=unit_hours_initial(source), prefix="hours")
        else:
            messages.success(request, _("The units' hours were saved."))
            return redirect(source)
    return render(
        request,
        "logreview/unit_hours.html",
        {
            "source": source,
            "formset": formset,
            "errors": errors,
            "version": hours_version(source.unit_hours),
            "title": _("The units' hours"),
            "cancel_url": source.get_absolute_url(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = _source(request, pk)
    user = request.user
    schedules = SamplingSchedule.objects.visible_to(user).filter(source=source)
    rounds = (
        SamplingRound.objects.visible_to(user)
        .filter(schedule__source=source)
        .select_related("schedule")
    )
    loads = LogLoad.objects.visible_to(user).filter(source=source).defer("data")
    return render(
        request,
        "logreview/source_detail.html",
        {
            "source": source,
            "hours": SourceHours(source),
            "mapping": [
                (label, source.mapping.get(name, "")) for name, label in FIELD_LABELS.items()
            ]
            + [
                (label, (source.reference_mapping or {}).get(name, ""))
                for name, label in REFERENCE_LABELS.items()
            ],
            "schedules": schedules,
            "rounds": rounds,
            "loads": loads,
            "may_change": user.has_perm("logreview.change_logsource", source),
            "may_schedule": user.has_perm(
                "logreview.add_samplingschedule",
                SamplingSchedule(organisation_id=source.organisation_id, source=source),
            ),
            "may_upload": user.has_perm(
                "logreview.add_logload",
                LogLoad(organisation_id=source.organisation_id, source=source),
            ),
            "schedule_form": ScheduleForm(),
            "draw_form": DrawForm(initial={"month": previous_month(today())}),
            "upload_form": UploadForm(),
            "reference_form": ReferenceUploadForm(),
        },
    )


@login_required
def schedule_create(request: HttpRequest, pk: int) -> HttpResponse:
    source = _source(request, pk)
    probe = SamplingSchedule(organisation_id=source.organisation_id, source=source)
    if not request.user.has_perm("logreview.add_samplingschedule", probe):
        deny(request, SamplingSchedule, "add", source)
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.schedule_create(actor=request.user, source=source, **form.cleaned_data)
        messages.success(request, _("The sampling schedule was saved."))
        return redirect(source)
    return render(
        request,
        "logreview/form.html",
        {
            "form": form,
            "title": _("New sampling schedule"),
            "cancel_url": source.get_absolute_url(),
        },
    )


@login_required
def round_draw(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = get_object_or_404(
        SamplingSchedule.objects.visible_to(request.user).select_related("source"), pk=pk
    )
    probe = SamplingRound(organisation_id=schedule.organisation_id, schedule=schedule)
    if not request.user.has_perm("logreview.add_samplinground", probe):
        deny(request, SamplingRound, "draw sampling round", schedule)
    form = DrawForm(request.POST or None, initial={"month": previous_month(today())})
    if request.method == "POST" and form.is_valid():
        round_ = services.round_draw(
            actor=request.user, schedule=schedule, month=form.cleaned_data["month"]
        )
        messages.success(request, _("The sample was drawn and the extracts ordered."))
        return redirect(round_)
    return render(
        request,
        "logreview/form.html",
        {
            "form": form,
            "title": _("Draw sample"),
            "submit": _("Draw sample"),
            "cancel_url": schedule.source.get_absolute_url(),
        },
    )


@login_required
@records_view("logreview.samplinground.viewed", object_type="logreview.samplinground")
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(
        SamplingRound.objects.visible_to(request.user).select_related(
            "schedule__source", "drawn_by"
        ),
        pk=pk,
    )
    employees = (
        DrawnEmployee.objects.visible_to(request.user)
        .filter(drawn_unit__round=round_)
        .select_related("drawn_unit__manager")
    )
    days: dict[int, list[Any]] = {}
    for day in DrawnDay.objects.visible_to(request.user).filter(employee__drawn_unit__round=round_):
        days.setdefault(day.employee_id, []).append(day.day)
    orders = {
        o.drawn_unit_id: o
        for o in ExtractOrder.objects.visible_to(request.user)
        .filter(round=round_)
        .select_related("attestant")
    }
    units: dict[int, dict[str, Any]] = {}
    for employee in employees:
        order = orders.get(employee.drawn_unit_id)
        unit = units.setdefault(
            employee.drawn_unit_id,
            {
                "unit": employee.drawn_unit,
                "order": order,
                "may_see_review": order is not None
                and request.user.has_perm("logreview.view_review", order),
                "rows": [],
            },
        )
        unit["rows"].append((employee, days.get(employee.pk, [])))
    return render(
        request, "logreview/round_detail.html", {"round": round_, "units": list(units.values())}
    )


def _order(request: HttpRequest, pk: int) -> ExtractOrder:
    return get_object_or_404(
        ExtractOrder.objects.visible_to(request.user).select_related(
            "drawn_unit__manager",
            "round__schedule__source",
            "attestant",
            "recipient",
            "attested_by",
        ),
        pk=pk,
    )


def _person_form(request: HttpRequest, order: ExtractOrder, label: Any = None) -> PersonForm:
    return PersonForm(
        request.POST or None,
        user=request.user,
        organisation_id=order.organisation_id,
        label=label,
        initial={"person": order.recipient_id},
    )


@login_required
@records_view("logreview.extractorder.viewed", object_type="logreview.extractorder")
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    user = request.user
    loads = LogLoad.objects.visible_to(user).filter(order=order).defer("data")
    employees = list(
        DrawnEmployee.objects.visible_to(user)
        .filter(drawn_unit=order.drawn_unit)
        .select_related("person")
    )
    days: dict[int, list[Any]] = {}
    for day in DrawnDay.objects.visible_to(user).filter(employee__drawn_unit=order.drawn_unit):
        days.setdefault(day.employee_id, []).append(day.day)
    may_attest = user.has_perm("logreview.attest_extractorder", order)
    may_change_recipient = user.has_perm("logreview.change_recipient_extractorder", order)
    may_name_attestant = user.has_perm("logreview.name_attestant_extractorder", order)
    may_fulfil = user.has_perm("logreview.fulfil_extractorder", order)
    recipient_form = None
    if may_change_recipient or may_attest:
        recipient_form = PersonForm(
            user=user,
            organisation_id=order.organisation_id,
            initial={"person": order.recipient_id},
            auto_id="recipient_%s",
        )
        # Attesting without choosing keeps the recipient (an authority order's: the
        # attesting controller).
        recipient_form.fields["person"].required = not may_attest
    return render(
        request,
        "logreview/order_detail.html",
        {
            "order": order,
            **reminders.due_context(reminders.due_on(order)),
            "loads": loads,
            "rows": [(e, days.get(e.pk, [])) for e in employees],
            "days_drawn": bool(days),
            "may_attest": may_attest,
            "may_fulfil": may_fulfil,
            "may_see_review": user.has_perm("logreview.view_review", order),
            "may_change_recipient": may_change_recipient,
            "may_name_attestant": may_name_attestant,
            "recipient_form": recipient_form,
            "attestant_form": PersonForm(
                user=user,
                organisation_id=order.organisation_id,
                label=_("Attestant"),
                initial={"person": order.attestant_id},
                auto_id="attestant_%s",
            )
            if may_name_attestant
            else None,
            "upload_form": UploadForm(),
        },
    )


@login_required
@require_POST
def order_attest(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    recipient = None
    if request.POST.get("person"):
        if not request.user.has_perm("logreview.attest_extractorder", order):
            services.deny(request.user, order, "attest extract order")
        form = _person_form(request, order)
        if not form.is_valid():
            messages.error(request, _("Choose a member of the order's organisation."))
            return redirect(order)
        recipient = form.cleaned_data["person"]
    services.order_attest(actor=request.user, order=order, recipient=recipient)
    messages.success(request, _("The extract order was attested."))
    return redirect(order)


@login_required
@require_POST
def order_recipient(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    if not request.user.has_perm("logreview.change_recipient_extractorder", order):
        services.deny(request.user, order, "change recipient")
    form = _person_form(request, order)
    if not form.is_valid():
        messages.error(request, _("Choose a member of the order's organisation."))
        return redirect(order)
    try:
        services.order_set_recipient(
            actor=request.user, order=order, recipient=form.cleaned_data["person"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The recipient was saved."))
    return redirect(order)


@login_required
@require_POST
def order_attestant(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    if not request.user.has_perm("logreview.name_attestant_extractorder", order):
        services.deny(request.user, order, "name attestant")
    form = _person_form(request, order)
    if not form.is_valid():
        messages.error(request, _("Choose a member of the order's organisation."))
        return redirect(order)
    try:
        services.order_set_attestant(
            actor=request.user, order=order, attestant=form.cleaned_data["person"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The attestant was saved."))
    return redirect(order)


@login_required
@require_POST
def order_draw_days(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    services.order_draw_days(actor=request.user, order=order)
    messages.success(request, _("The days were drawn."))
    return redirect(order)


@login_required
@require_POST
def order_fulfil(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        if not request.user.has_perm("logreview.fulfil_extractorder", order):
            deny(request, ExtractOrder, "fulfil", order)
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(order)
    upload = form.cleaned_data["file"]
    load = services.order_fulfil(
        actor=request.user,
        order=order,
        filename=upload.name,
        data=upload,
        language=get_language() or "",
    )
    messages.success(request, _("The extract was uploaded and is being loaded."))
    return redirect(load)


@login_required
@require_POST
def source_upload(request: HttpRequest, pk: int) -> HttpResponse:
    source = _source(request, pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(source)
    upload = form.cleaned_data["file"]
    load = services.log_upload(
        actor=request.user,
        source=source,
        filename=upload.name,
        data=upload,
        language=get_language() or "",
    )
    messages.success(request, _("The log file was uploaded and is being loaded."))
    return redirect(load)


@login_required
@require_POST
def reference_upload(request: HttpRequest, pk: int) -> HttpResponse:
    source = _source(request, pk)
    form = ReferenceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        probe = LogLoad(organisation_id=source.organisation_id, source=source)
        if not request.user.has_perm("logreview.add_logload", probe):
            deny(request, LogLoad, "upload reference file", source)
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(source)
    upload = form.cleaned_data["file"]
    load = services.reference_upload(
        actor=request.user,
        source=source,
        kind=form.cleaned_data["kind"],
        filename=upload.name,
        data=upload,
        language=get_language() or "",
    )
    messages.success(request, _("The reference file was uploaded and is being loaded."))
    return redirect(load)


@login_required
@records_view("logreview.logload.viewed", object_type="logreview.logload")
def load_detail(request: HttpRequest, pk: int) -> HttpResponse:
    load = (
        LogLoad.objects.visible_to(request.user)
        .select_related("source", "order", "uploaded_by")
        .defer("data")
        .filter(pk=pk)
        .first()
    )
    if load is None:
        raise Http404
    return render(request, "logreview/load_detail.html", {"load": load})


def _review_order(request: HttpRequest, pk: int) -> ExtractOrder:
    order = _order(request, pk)
    if not request.user.has_perm("logreview.view_review", order):
        deny(request, ExtractOrder, "view review", order)
    return order


def _review_page(
    request: HttpRequest,
    order: ExtractOrder,
    outcome_form: OutcomeForm | None = None,
    revealed: dict[int, str] | None = None,
) -> HttpResponse:
    data = build_review(order, request.user)
    for access in data.accesses:
        access.revealed = (revealed or {}).get(access.entry.pk, "")
    may_review = request.user.has_perm("logreview.review_extractorder", order)
    if outcome_form is None:
        outcome_form = OutcomeForm(
            initial={
                "completed_on": today(),
                "persons_reviewed": data.persons,
                "logs_reviewed": data.total,
                **outcome_initial(order, request.user),
            }
        )
    return render(
        request,
        "logreview/review.html",
        {
            "order": order,
            "review": data,
            "may_review": may_review,
            "may_reveal": request.user.has_perm("logreview.reveal_client", order),
            "verdicts": Verdict.choices,
            "outcome_form": outcome_form,
        },
    )


@login_required
@records_view("logreview.review.viewed", object_type="logreview.extractorder")
def review(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_page(request, _review_order(request, pk))


@login_required
@require_POST
def review_judge(request: HttpRequest, pk: int) -> HttpResponse:
    order = _review_order(request, pk)
    form = JudgmentForm(request.POST)
    if not request.user.has_perm("logreview.review_extractorder", order):
        services.deny(request.user, order, "judge access")
    if not form.is_valid():
        messages.error(request, _("Choose a judgment and write a comment."))
        return redirect("logreview:review", pk=order.pk)
    try:
        services.judge(
            actor=request.user,
            order=order,
            entry_id=form.cleaned_data["entry"],
            verdict=form.cleaned_data["verdict"],
            comment=form.cleaned_data["comment"],
        )
        messages.success(request, _("The judgment was saved."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("logreview:review", pk=order.pk)


@login_required
@require_POST
def review_document(request: HttpRequest, pk: int) -> HttpResponse:
    order = _review_order(request, pk)
    if not request.user.has_perm("logreview.review_extractorder", order):
        services.deny(request.user, order, "document review")
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.document(actor=request.user, order=order, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The review's outcome was documented."))
            return redirect("logreview:review", pk=order.pk)
    return _review_page(request, order, form)


@login_required
@require_POST
@never_cache
def review_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The recipient reveals one access's full personal identity number: shown in this
    response only (never stored in the page's later views), recorded as an audit event."""
    order = _order(request, pk)
    if not request.user.has_perm("logreview.reveal_client", order):
        services.deny(request.user, order, "reveal client")
    try:
        entry_id = int(request.POST.get("entry", ""))
    except ValueError:
        entry_id = 0
    try:
        number = services.reveal_client(actor=request.user, order=order, entry_id=entry_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("logreview:review", pk=order.pk)
    return _review_page(request, order, revealed={entry_id: number})
