"""Pages of the review on suspicion (seed 004 section 7). Every read goes through
`SuspicionCase.objects.visible_to` (need to know: someone not named gets 404); every
write through `forvalta.logreview.suspicion` (permission, audit, refusal recorded)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forvalta.audit.reading import records_view
from forvalta.core.generic_views import deny
from forvalta.core.models import today
from forvalta.core.tenancy import scope_for
from forvalta.logreview import followup, reminders, suspicion
from forvalta.logreview.forms import JudgmentForm, OutcomeForm, UploadForm
from forvalta.logreview.models import (
    LogLoad,
    SuspicionCase,
    UnauthorisedAccess,
    Verdict,
)
from forvalta.logreview.suspicion_forms import CaseRequestForm, RenameForm, SubjectForm


def _member(request: HttpRequest) -> None:
    if not scope_for(request.user).org_ids:
        raise PermissionDenied


def _case(request: HttpRequest, pk: int) -> SuspicionCase:
    # Need to know: someone not named on the case gets a plain 404 through `visible_to`,
    # never `deny` (a 403 and an `access.denied` event would tell that the case exists).
    # Only those who may see the case are refused with the project's `deny` (403).
    return get_object_or_404(
        SuspicionCase.objects.visible_to(request.user).select_related(
            "source__system",
            "organisation",
            "requested_by",
            "attestant",
            "recipient",
            "senior_manager",
            "subject_user",
            "entered_by",
            "attested_by",
            "fulfilled_by",
        ),
        pk=pk,
    )


# The case list shows the newest first, this many a page.
CASES_PER_PAGE = 50


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    _member(request)
    cases = (
        SuspicionCase.objects.visible_to(request.user)
        .select_related("source")
        .order_by("-requested_at", "-pk")
    )
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "logreview/suspicion_list.html",
        {
            "cases": page.object_list,
            "page": page,
            "may_request": request.user.has_perm("logreview.add_suspicioncase"),
        },
    )


@login_required
def case_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("logreview.add_suspicioncase"):
        deny(request, SuspicionCase, "request review on suspicion")
    form = CaseRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            case = suspicion.case_request(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The review on suspicion was requested."))
            return redirect(case)
    return render(
        request,
        "logreview/form.html",
        {
            "form": form,
            "title": _("Request a review on suspicion"),
            "submit": _("Request"),
            "cancel_url": reverse("logreview:suspicion_list"),
        },
    )


@login_required
@records_view("logreview.suspicioncase.viewed", object_type="logreview.suspicioncase")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    user = request.user
    sees = suspicion.what_user_sees(user, case)
    # The case's extract files: the log administrators' (scoping.load_condition).
    loads = LogLoad.objects.visible_to(user).filter(case=case).defer("data")
    return render(
        request,
        "logreview/suspicion_detail.html",
        {
            "case": case,
            **reminders.due_context(reminders.case_due_on(case)),
            "sees": sees,
            "loads": loads,
            "may_enter": user.has_perm("logreview.enter_suspicion_subject", case),
            "may_attest": user.has_perm("logreview.attest_suspicioncase", case),
            "may_fulfil": user.has_perm("logreview.fulfil_suspicioncase", case),
            "may_see_review": user.has_perm("logreview.view_suspicion_review", case),
            "may_rename": user.has_perm("logreview.rename_suspicioncase", case),
            # Its unauthorised-access follow-ups, to those who see them.
            "followups": UnauthorisedAccess.objects.visible_to(user)
            .filter(case=case)
            .order_by("opened_at", "pk"),
            "upload_form": UploadForm(),
        },
    )


@login_required
def case_subject(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    if not request.user.has_perm("logreview.enter_suspicion_subject", case):
        deny(request, SuspicionCase, "enter subject of review", case)
    form = SubjectForm(
        request.POST or None,
        user=request.user,
        organisation_id=case.organisation_id,
        administrators=suspicion.log_administrators(case),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            suspicion.subject_enter(
                actor=request.user,
                case=case,
                subject=data["subject"],
                account=data["account"],
                period_from=data["period_from"],
                period_to=data["period_to"],
                administrator=data["administrator"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The person and the period were entered."))
            return redirect(case)
    return render(
        request,
        "logreview/form.html",
        {
            "form": form,
            "title": _("Whom the review concerns"),
            "cancel_url": case.get_absolute_url(),
        },
    )


@login_required
def case_names(request: HttpRequest, pk: int) -> HttpResponse:
    """Change who is named on the case before they act."""
    case = _case(request, pk)
    if not request.user.has_perm("logreview.rename_suspicioncase", case):
        deny(request, SuspicionCase, "rename people on review", case)
    form = RenameForm(request.POST or None, user=request.user, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            suspicion.case_rename(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The people named on the case were saved."))
            return redirect(case)
    return render(
        request,
        "logreview/form.html",
        {
            "form": form,
            "title": _("Change the people named"),
            "cancel_url": case.get_absolute_url(),
        },
    )


@login_required
@require_POST
def case_attest(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    suspicion.case_attest(actor=request.user, case=case)
    messages.success(request, _("The review on suspicion was attested."))
    return redirect(case)


@login_required
@require_POST
def case_fulfil(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        if not request.user.has_perm("logreview.fulfil_suspicioncase", case):
            deny(request, SuspicionCase, "fulfil review on suspicion", case)
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(case)
    upload = form.cleaned_data["file"]
    load = suspicion.case_fulfil(
        actor=request.user,
        case=case,
        filename=upload.name,
        data=upload.read(),
        language=get_language() or "",
    )
    messages.success(request, _("The extract was uploaded and is being loaded."))
    return redirect(load)


@login_required
@require_POST
def case_from_store(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    suspicion.case_from_store(actor=request.user, case=case)
    messages.success(request, _("The extract was taken from the stored log."))
    return redirect(case)


def _review_case(request: HttpRequest, pk: int) -> SuspicionCase:
    case = _case(request, pk)
    if not request.user.has_perm("logreview.view_suspicion_review", case):
        deny(request, SuspicionCase, "view review on suspicion", case)
    return case


def _review_page(
    request: HttpRequest, case: SuspicionCase, outcome_form: OutcomeForm | None = None
) -> HttpResponse:
    data = suspicion.build(case)
    if outcome_form is None:
        outcome_form = OutcomeForm(
            initial={
                "completed_on": today(),
                "persons_reviewed": 1,
                "logs_reviewed": data.total,
                # "Incident reported" as the case's follow-ups reported it.
                **followup.case_outcome_initial(case, request.user),
            }
        )
    # Paged in memory: `build` reads every access in a fixed number of queries (the
    # period is at most `MAX_PERIOD_DAYS`), and the counts and the completion consider
    # every access, not only the page's.
    page = Paginator(data.accesses, suspicion.REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "logreview/suspicion_review.html",
        {
            "case": case,
            "review": data,
            "page": page,
            "page_days": suspicion.page_days(data, list(page.object_list)),
            "may_review": request.user.has_perm("logreview.review_suspicioncase", case),
            # "Open a follow-up" by a needs-follow-up judgment: the recipient, who alone
            # sees this page (the service checks each judgment again).
            "may_open_followup": case.recipient_id == request.user.pk,
            "verdicts": Verdict.choices,
            "outcome_form": outcome_form,
        },
    )


@login_required
@records_view("logreview.suspicionreview.viewed", object_type="logreview.suspicioncase")
def case_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_page(request, _review_case(request, pk))


@login_required
@require_POST
def case_judge(request: HttpRequest, pk: int) -> HttpResponse:
    case = _review_case(request, pk)
    if not request.user.has_perm("logreview.review_suspicioncase", case):
        deny(request, SuspicionCase, "judge access", case)
    form = JudgmentForm(request.POST)
    # Back to the page the judgment was posted from (the page's number only, checked).
    number = request.POST.get("page", "")
    back = reverse("logreview:suspicion_review", args=[case.pk])
    if number.isascii() and number.isdigit() and len(number) <= 6 and int(number) > 1:
        back += f"?page={int(number)}"
    if not form.is_valid():
        messages.error(request, _("Choose a judgment and write a comment."))
        return redirect(back)
    try:
        suspicion.judge(
            actor=request.user,
            case=case,
            entry_id=form.cleaned_data["entry"],
            verdict=form.cleaned_data["verdict"],
            comment=form.cleaned_data["comment"],
        )
        messages.success(request, _("The judgment was saved."))
        back += f"#access-{form.cleaned_data['entry']}"
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(back)


@login_required
@require_POST
def case_document(request: HttpRequest, pk: int) -> HttpResponse:
    case = _review_case(request, pk)
    if not request.user.has_perm("logreview.review_suspicioncase", case):
        deny(request, SuspicionCase, "document review on suspicion", case)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            suspicion.document(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The review's outcome was documented."))
            return redirect("logreview:suspicion_review", pk=case.pk)
    return _review_page(request, case, form)
