"""Who sees identity providers and e-mail domains: the organisation's administrators;
the platform administrator sees the domains (to verify them) and no IdP settings."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from forvalta.core.scoping import NOTHING, Custom, declare


def administered(user: Any, scope: Any) -> Q:
    if not scope.admin_org_ids:
        return NOTHING
    return Q(organisation_id__in=sorted(scope.admin_org_ids))


def domains(user: Any, scope: Any) -> Q:
    if scope.is_platform_admin:
        return Q(pk__isnull=False)
    return administered(user, scope)


def nobody(user: Any, scope: Any) -> Q:
    return NOTHING


def declare_accounts_models() -> None:
    from forvalta.accounts.models import (
        EmailDomain,
        IdentityProvider,
        PersonalNumber,
        SamlAssertionUse,
    )

    declare(IdentityProvider, Custom(administered))
    declare(EmailDomain, Custom(domains))
    # A personal identity number (masked): its own organisation's administrators only.
    declare(PersonalNumber, Custom(administered))
    # Used SAML assertion ids (the replay store): read by the login alone, by nobody.
    declare(SamlAssertionUse, Custom(nobody))
