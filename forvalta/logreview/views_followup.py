"""Pages of the unauthorised access follow-up (seed 004 sections 8-9). Every read goes
through `visible_to`; every write through `forvalta.logreview.followup` (which checks
the permission and records the audit event)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from forvalta.access.models import AccessRequest
from forvalta.audit.reading import records_view
from forvalta.compliance.models import PersonalDataIncident
from forvalta.compliance.services import incident_contacts
from forvalta.core.api_base import MAX_ID
from forvalta.logreview import followup as services
from forvalta.logreview.models import (
    DecisionKind,
    ExtractOrder,
    FollowUpDecision,
    Judgment,
    SuspicionCase,
    SuspicionJudgment,
    UnauthorisedAccess,
    Verdict,
)
from forvalta.logreview.services import deny

YES_NO = [("1", gettext_lazy("Yes")), ("0", gettext_lazy("No"))]


class OpenForm(forms.Form):
    aware_at = forms.DateTimeField(
        label=gettext_lazy("Became aware"),
        help_text=gettext_lazy(
            "When the organisation became aware of the access (Swedish time). The "
            "personal-data incident's 72-hour deadline runs from it."
        ),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(choices=DecisionKind.choices, widget=forms.HiddenInput)
    answer = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=YES_NO,
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"), widget=forms.Textarea(attrs={"rows": 2})
    )


def _order(request: HttpRequest, pk: int) -> ExtractOrder:
    return get_object_or_404(
        ExtractOrder.objects.visible_to(request.user).select_related(
            "drawn_unit", "round__schedule__source__system"
        ),
        pk=pk,
    )


def _followup(request: HttpRequest, pk: int) -> UnauthorisedAccess:
    return get_object_or_404(
        UnauthorisedAccess.objects.visible_to(request.user).select_related(
            "order__drawn_unit",
            "case",
            "system",
            "incident",
            "removal_request",
            "opened_by",
            "closed_by",
        ),
        pk=pk,
    )


def _open_page(
    request: HttpRequest,
    *,
    judgment: Judgment | SuspicionJudgment,
    judgments: Any,
    system: Any,
    review_url: str,
    review_name: str,
    opener: Callable[..., UnauthorisedAccess],
) -> HttpResponse:
    """The form opening a follow-up (either origin): its awareness time, then the
    service (`opener`), which checks the permission again and records the event."""
    form = OpenForm(
        request.POST or None,
        initial={"aware_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            followup = opener(
                actor=request.user, judgment=judgment, aware_at=form.cleaned_data["aware_at"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The follow-up was opened and a personal-data incident was reported."),
            )
            if followup.incident is not None and not incident_contacts(followup.incident):
                # Section 9: always to the data protection contact. None can be told here.
                messages.warning(
                    request,
                    _(
                        "No data protection contact of the organisation could be told of "
                        "the incident (there is none, or it is the person reviewed): report "
                        "it to the data protection officer another way."
                    ),
                )
            return redirect(followup)
    return render(
        request,
        "logreview/followup_open.html",
        {
            "judgment": judgment,
            "judgments": judgments,
            "system": system,
            "review_url": review_url,
            "review_name": review_name,
            "form": form,
        },
    )


def _open(
    request: HttpRequest,
    origin: ExtractOrder | SuspicionCase,
    judgment_model: type[Judgment] | type[SuspicionJudgment],
    entry: int,
    **page: Any,
) -> HttpResponse:
    """Open the follow-up of a needs-follow-up judgment's account in `origin` (an order
    or a review on suspicion, already read through `visible_to`), or go to the one open.
    A judgment the user does not see (an explained access, one outside the review) is
    refused and recorded; so is one the user may not open it from."""
    field = "order" if isinstance(origin, ExtractOrder) else "case"
    judgment = (
        judgment_model.objects.visible_to(request.user)
        .filter(**{field: origin, "entry_id": entry})
        .select_related("entry", field)
        .first()
        if entry <= MAX_ID
        else None
    )
    if judgment is None:
        deny(request.user, origin, "open follow-up")
        raise PermissionDenied  # pragma: no cover (deny raises)
    account = judgment.entry.account
    existing = (
        UnauthorisedAccess.objects.visible_to(request.user)
        .filter(**{field: origin, "account": account})
        .first()
    )
    if existing is not None:
        return redirect(existing)
    if not request.user.has_perm("logreview.open_unauthorisedaccess", judgment):
        deny(request.user, origin, "open follow-up")
    judgments = (
        judgment_model.objects.visible_to(request.user)
        .filter(**{field: origin, "verdict": Verdict.FOLLOW_UP, "entry__account": account})
        .select_related("entry")
        .order_by("entry__time", "pk")
    )
    return _open_page(request, judgment=judgment, judgments=judgments, **page)


@login_required
def followup_open(request: HttpRequest, pk: int, entry: int) -> HttpResponse:
    """Open the follow-up of a needs-follow-up judgment's account (or go to the one open)."""
    order = _order(request, pk)
    return _open(
        request,
        order,
        Judgment,
        entry,
        system=order.round.schedule.source.system,
        review_url=reverse("logreview:review", args=[order.pk]),
        review_name=f"{order.drawn_unit.unit_name} {order.month:%Y-%m}",
        opener=services.open_followup,
    )


@login_required
def case_followup_open(request: HttpRequest, pk: int, entry: int) -> HttpResponse:
    """Open the follow-up of a review on suspicion's needs-follow-up judgment (or go to
    the one open). Someone not named on the case gets 404 (`visible_to`); someone named
    who may not open it is refused and recorded."""
    case = get_object_or_404(
        SuspicionCase.objects.visible_to(request.user).select_related("source__system"),
        pk=pk,
    )
    return _open(
        request,
        case,
        SuspicionJudgment,
        entry,
        system=case.source.system,
        review_url=reverse("logreview:suspicion_review", args=[case.pk]),
        review_name=str(case),
        opener=services.open_case_followup,
    )


# The follow-up list shows the newest first, this many a page.
FOLLOWUPS_PER_PAGE = 50


@login_required
def followup_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(
        UnauthorisedAccess.objects.visible_to(request.user)
        .select_related("order__drawn_unit", "case", "system", "incident")
        .order_by("-opened_at", "-pk"),
        FOLLOWUPS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    followups = list(page.object_list)
    # A review on suspicion is named only to those who see the case (not, say, to the
    # process owner it was escalated to).
    seen = set(
        SuspicionCase.objects.visible_to(request.user)
        .filter(pk__in=sorted({f.case_id for f in followups if f.case_id}))
        .values_list("pk", flat=True)
    )
    for followup in followups:
        followup.seen_case = followup.case if followup.case_id in seen else None
    return render(request, "logreview/followup_list.html", {"followups": followups, "page": page})


def _seen(model: Any, user: Any, obj: Any) -> Any:
    """`obj` when the user sees it through `visible_to`, else None."""
    if obj is None or not model.objects.visible_to(user).filter(pk=obj.pk).exists():
        return None
    return obj


def _detail(
    request: HttpRequest, followup: UnauthorisedAccess, form: DecisionForm | None = None
) -> HttpResponse:
    user = request.user
    documented = {
        d.kind: d
        for d in FollowUpDecision.objects.visible_to(user)
        .filter(followup=followup)
        .select_related("decided_by")
    }
    may_decide = user.has_perm("logreview.decide_unauthorisedaccess", followup)
    rows = [
        {
            "kind": value,
            "label": label,
            "decision": documented.get(value),
            "form": form
            if form is not None and form.data.get("kind") == value
            else DecisionForm(
                initial={
                    "kind": value,
                    "answer": ("1" if documented[value].answer else "0")
                    if value in documented
                    else None,
                    "comment": documented[value].comment if value in documented else "",
                },
                auto_id=f"{value}-%s",
            )
            if may_decide
            else None,
        }
        for value, label in DecisionKind.choices
    ]
    judged: Any = SuspicionJudgment if followup.case_id is not None else Judgment
    judgments = (
        judged.objects.visible_to(user)
        .filter(followups=followup)
        .select_related("entry", "judged_by")
        # A disposed access keeps its time on the judgment.
        .order_by(Coalesce("entry__time", "access_time"), "pk")
    )
    return render(
        request,
        "logreview/followup_detail.html",
        {
            "followup": followup,
            "rows": rows,
            "judgments": judgments,
            "may_decide": may_decide,
            "may_close": user.has_perm("logreview.close_unauthorisedaccess", followup),
            "missing": services.missing_decisions(followup),
            "escalated_to": list(followup.escalated_to.order_by("pk")),
            # The related rows' names only to those who see them (DESIGN: tenancy).
            "incident": _seen(PersonalDataIncident, user, followup.incident),
            "removal_request": _seen(AccessRequest, user, followup.removal_request),
            "case": _seen(SuspicionCase, user, followup.case),
        },
    )


@login_required
@records_view("logreview.followup.viewed", object_type="logreview.unauthorisedaccess")
def followup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _followup(request, pk))


@login_required
@require_POST
def followup_decide(request: HttpRequest, pk: int) -> HttpResponse:
    followup = _followup(request, pk)
    if not request.user.has_perm("logreview.decide_unauthorisedaccess", followup):
        deny(request.user, followup, "decide")
    kind = request.POST.get("kind", "")
    form = DecisionForm(request.POST, auto_id=f"{kind if kind in DecisionKind.values else 'x'}-%s")
    if form.is_valid():
        try:
            services.decide(actor=request.user, followup=followup, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The decision was documented."))
            return redirect(followup)
    return _detail(request, followup, form)


@login_required
@require_POST
def followup_close(request: HttpRequest, pk: int) -> HttpResponse:
    followup = _followup(request, pk)
    if not request.user.has_perm("logreview.close_unauthorisedaccess", followup):
        deny(request.user, followup, "close")
    try:
        services.close(actor=request.user, followup=followup)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The follow-up was closed."))
    return redirect(followup)
