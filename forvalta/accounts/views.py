"""Login administration pages, and the ways into a login through an organisation's
identity provider."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forvalta.accounts.forms import (
    EmailDomainForm,
    IdentityProviderForm,
    SamlIdentityProviderForm,
    SsoStartForm,
)
from forvalta.accounts.models import EmailDomain, IdentityProvider
from forvalta.accounts.selectors import (
    identity_provider_for_address,
    identity_provider_of_organisation,
)
from forvalta.accounts.services import (
    email_domain_add,
    email_domain_delete,
    email_domain_verify,
    end_user_sessions,
    identity_provider_save,
    saml_identity_provider_save,
)
from forvalta.core.models import Organisation, User
from forvalta.core.tenancy import scope_for


@login_required
@require_POST
def end_sessions(request: HttpRequest, pk: Any) -> HttpResponse:
    person = get_object_or_404(User.objects.visible_to(request.user), pk=pk)
    end_user_sessions(actor=request.user, person=person)
    messages.success(
        request,
        _("%(person)s is logged out everywhere at their next request.") % {"person": person},
    )
    return HttpResponseRedirect(person.get_absolute_url())


# --- login through an organisation's identity provider --------------------------------------


def _next_url(request: HttpRequest) -> str | None:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def _provider(request: HttpRequest, idp: IdentityProvider) -> Any:
    return get_social_adapter(request).get_provider(request, idp.provider_id)


def _login_url(request: HttpRequest, idp: IdentityProvider) -> str:
    """The page that starts a login through the IdP (SAML 2.0 or OpenID Connect)."""
    if idp.is_saml:
        return reverse("saml_login", args=[idp.organisation_id])
    return str(_provider(request, idp).get_login_url(request))


@require_POST
@login_not_required
def sso_start(request: HttpRequest) -> HttpResponse:
    """The login page's address-or-domain field: to the login through the IdP of the
    organisation that owns the (verified) domain. Only the domain is read, never whether
    such a person exists; an unknown, unverified or disabled domain reads the same (a
    redirect back to the login page)."""
    form = SsoStartForm(request.POST)
    idp = identity_provider_for_address(form.data.get("sso", ""))
    next_url = _next_url(request)
    if idp is None:
        messages.info(
            request,
            _(
                "There is no login through an organisation for that address. "
                "Log in with your user name and password."
            ),
        )
        login_url = reverse("login")
        if next_url:
            login_url += "?" + urlencode({"next": next_url})
        return HttpResponseRedirect(login_url)
    # To the page with the button that starts the login: sent from there, the form may
    # lead to the IdP (its CSP form-action names it; this page's names only Forvalta).
    url = _login_url(request, idp)
    if next_url:
        url += "?" + urlencode({"next": next_url})
    return HttpResponseRedirect(url)


@login_not_required
def sso_org_login(request: HttpRequest, pk: int) -> HttpResponse:
    """An organisation's login link: the page that starts a login through its IdP."""
    idp = identity_provider_of_organisation(pk)
    if idp is None:
        raise Http404
    url = _login_url(request, idp)
    next_url = _next_url(request)
    if next_url:
        url += "?" + urlencode({"next": next_url})
    return HttpResponseRedirect(url)


def _administered(request: HttpRequest) -> list[Organisation]:
    scope = scope_for(request.user)
    return list(
        Organisation.objects.visible_to(request.user).filter(pk__in=sorted(scope.admin_org_ids))
    )


@login_required
def sso_settings(request: HttpRequest) -> HttpResponse:
    """An organisation administrator's page: the organisation's IdP and e-mail domains."""
    user = request.user
    organisations = _administered(request)
    if not organisations:
        raise PermissionDenied(_("You do not have permission to do this."))
    chosen = request.POST.get("organisation") or request.GET.get("organisation")
    organisation = next((o for o in organisations if str(o.pk) == chosen), organisations[0])
    idp = IdentityProvider.objects.visible_to(user).filter(organisation=organisation).first()
    action = request.POST.get("action") if request.method == "POST" else None
    oidc = idp if idp is not None and not idp.is_saml else None
    saml = idp if idp is not None and idp.is_saml else None
    idp_form = IdentityProviderForm(request.POST if action == "idp" else None, instance=oidc)
    saml_form = SamlIdentityProviderForm(
        request.POST if action == "saml" else None,
        request.FILES if action == "saml" else None,
        instance=saml,
    )
    domain_form = EmailDomainForm(request.POST if action == "domain" else None)
    back = f"{reverse('accounts:sso_settings')}?organisation={organisation.pk}"
    if action == "saml" and saml_form.is_valid():
        try:
            saml_identity_provider_save(
                actor=user, organisation=organisation, data=saml_form.cleaned_data, instance=saml
            )
        except ValidationError as exc:
            _add_errors(saml_form, exc)
        else:
            messages.success(request, _("The identity provider was saved."))
            return HttpResponseRedirect(back)
    if action == "idp" and idp_form.is_valid():
        try:
            identity_provider_save(
                actor=user, organisation=organisation, data=idp_form.cleaned_data, instance=oidc
            )
        except ValidationError as exc:
            _add_errors(idp_form, exc)
        else:
            messages.success(request, _("The identity provider was saved."))
            return HttpResponseRedirect(back)
    if action == "domain" and domain_form.is_valid():
        try:
            email_domain_add(
                actor=user, organisation=organisation, domain=domain_form.cleaned_data["domain"]
            )
        except ValidationError as exc:
            _add_errors(domain_form, exc)
        else:
            messages.success(
                request,
                _("The domain was added. It counts once the platform administrator verifies it."),
            )
            return HttpResponseRedirect(back)
    context = {
        "title": _("Login through your organisation"),
        "organisation": organisation,
        "organisations": organisations,
        "idp": idp,
        "idp_form": idp_form,
        "saml_form": saml_form,
        "oidc": oidc,
        "saml": saml,
        "sp_metadata_url": _absolute(reverse("saml_metadata", args=[organisation.pk])),
        "sp_acs_url": _absolute(reverse("saml_acs", args=[organisation.pk])),
        "domain_form": domain_form,
        "domains": EmailDomain.objects.visible_to(user).filter(organisation=organisation),
        "login_link": request.build_absolute_uri(reverse("sso_org_login", args=[organisation.pk])),
        "redirect_uri": request.build_absolute_uri(
            reverse("openid_connect_callback", kwargs={"provider_id": oidc.provider_id})
        )
        if oidc
        else "",
    }
    return render(request, "accounts/sso_settings.html", context)


def _absolute(path: str) -> str:
    """An address as the SAML IdP must know it (FORVALTA_BASE_URL, as in the metadata)."""
    return settings.FORVALTA_BASE_URL.rstrip("/") + path


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@require_POST
def email_domain_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(EmailDomain.objects.visible_to(request.user), pk=pk)
    email_domain_delete(actor=request.user, instance=row)
    messages.success(request, _("The domain %(domain)s was removed.") % {"domain": row.domain})
    return HttpResponseRedirect(
        f"{reverse('accounts:sso_settings')}?organisation={row.organisation_id}"
    )


@login_required
def email_domain_list(request: HttpRequest) -> HttpResponse:
    """The platform administrator's list of e-mail domains, to verify."""
    if not request.user.has_perm("accounts.verify_emaildomain"):
        raise PermissionDenied(_("You do not have permission to do this."))
    rows = (
        EmailDomain.objects.visible_to(request.user)
        .select_related("organisation", "verified_by")
        .order_by(F("verified_at").asc(nulls_first=True), "domain")
    )
    return render(
        request,
        "accounts/email_domain_list.html",
        {"title": _("E-mail domains for login"), "domains": rows},
    )


@login_required
@require_POST
def email_domain_verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(EmailDomain.objects.visible_to(request.user), pk=pk)
    email_domain_verify(actor=request.user, instance=row)
    messages.success(request, _("The domain %(domain)s is verified.") % {"domain": row.domain})
    return HttpResponseRedirect(reverse("accounts:email_domain_list"))
