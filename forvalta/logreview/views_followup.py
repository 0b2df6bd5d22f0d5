"""Pages of the unauthorised access follow-up (seed 004 sections 8-9). Every read goes
through `visible_to`; every write through `forvalta.logreview.followup` (which checks
the permission and records the audit event)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from forvalta.audit.reading import records_view
from forvalta.logreview import followup as services
from forvalta.logreview.models import (
    DecisionKind,
    ExtractOrder,
    FollowUpDecision,
    Judgment,
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
            "system",
            "incident",
            "removal_request",
            "opened_by",
            "closed_by",
        ),
        pk=pk,
    )


@login_required
def followup_open(request: HttpRequest, pk: int, entry: int) -> HttpResponse:
    """Open the follow-up of a needs-follow-up judgment's account (or go to the one open)."""
    order = _order(request, pk)
    judgment = (
        Judgment.objects.visible_to(request.user)
        .filter(order=order, entry_id=entry)
        .select_related("entry", "order")
        .first()
    )
    if judgment is None:  # an explained access, or one outside the review
        deny(request.user, order, "open follow-up")
        raise PermissionDenied  # pragma: no cover (deny raises)
    existing = (
        UnauthorisedAccess.objects.visible_to(request.user)
        .filter(order=order, account=judgment.entry.account)
        .first()
    )
    if existing is not None:
        return redirect(existing)
    if not request.user.has_perm("logreview.open_unauthorisedaccess", judgment):
        deny(request.user, order, "open follow-up")
    form = OpenForm(
        request.POST or None,
        initial={"aware_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            followup = services.open_followup(
                actor=request.user, judgment=judgment, aware_at=form.cleaned_data["aware_at"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The follow-up was opened and a personal-data incident was reported."),
            )
            return redirect(followup)
    judgments = (
        Judgment.objects.visible_to(request.user)
        .filter(order=order, verdict=Verdict.FOLLOW_UP, entry__account=judgment.entry.account)
        .select_related("entry")
        .order_by("entry__time", "pk")
    )
    return render(
        request,
        "logreview/followup_open.html",
        {"order": order, "judgment": judgment, "judgments": judgments, "form": form},
    )


@login_required
def followup_list(request: HttpRequest) -> HttpResponse:
    followups = (
        UnauthorisedAccess.objects.visible_to(request.user)
        .select_related("order__drawn_unit", "system", "incident")
        .order_by("-opened_at", "-pk")
    )
    return render(request, "logreview/followup_list.html", {"followups": followups})


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
    judgments = (
        Judgment.objects.visible_to(user)
        .filter(followups=followup)
        .select_related("entry", "judged_by")
        .order_by("entry__time", "pk")
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
