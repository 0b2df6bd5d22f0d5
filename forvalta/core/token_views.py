"""Personal API tokens: the user lists, creates and revokes their own.

A token is shown in full once, in the response to its creation (never stored, never
put in the session or a redirect); afterwards only its prefix is shown. Tokens are
the user's own: another person's token is a 404, as anything one may not see.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from forvalta.core.api_auth import api_token_create, api_token_revoke
from forvalta.core.models import ApiToken, User

EXPIRY_CHOICES = [
    ("30", gettext_lazy("30 days")),
    ("90", gettext_lazy("90 days")),
    ("365", gettext_lazy("One year")),
    ("never", gettext_lazy("No expiry date")),
]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is used for, e.g. “Integration with the CMDB”."),
    )
    expires = forms.ChoiceField(
        label=gettext_lazy("Valid for"), choices=EXPIRY_CHOICES, initial="90"
    )

    def expires_at(self) -> dt.datetime | None:
        value = self.cleaned_data["expires"]
        if value == "never":
            return None
        return timezone.now() + dt.timedelta(days=int(value))


def _me(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the views require login
    return request.user


def _own_token(request: HttpRequest, pk: int) -> ApiToken:
    # A token's scope is its owner: nobody else may see or revoke it.
    token = ApiToken.objects.filter(pk=pk, user=_me(request)).first()
    if token is None:
        raise Http404
    return token


def _list_page(request: HttpRequest, form: ApiTokenForm, status: int = 200) -> HttpResponse:
    tokens = ApiToken.objects.filter(user=_me(request)).order_by("-created_at", "-pk")
    context = {
        "title": _("API tokens"),
        "tokens": tokens,
        "form": form,
        "now": timezone.now(),
        "docs_url": reverse("api:docs"),
        "api_url": reverse("api:api-root"),
    }
    return render(request, "core/token_list.html", context, status=status)


@login_required
@never_cache
def token_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, ApiTokenForm())


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def token_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseRedirect(reverse("core:token_list"))
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    token, key = api_token_create(
        actor=request.user, name=form.cleaned_data["name"], expires_at=form.expires_at()
    )
    context = {
        "title": _("Your new API token"),
        "token": token,
        "key": key,
        "api_url": request.build_absolute_uri(reverse("api:system-list")),
    }
    # The key is in this response only; it must not be cached anywhere.
    return render(request, "core/token_created.html", context, status=201)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = _own_token(request, pk)
    if request.method == "POST":
        api_token_revoke(actor=request.user, token=token)
        messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
        return HttpResponseRedirect(reverse("core:token_list"))
    return render(
        request,
        "core/token_revoke.html",
        {"title": _("Revoke the token “%(name)s”?") % {"name": token.name}, "token": token},
    )
