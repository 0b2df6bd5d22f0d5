"""Reads for the anonymous ways into a login through an organisation's IdP.

These run before anyone is logged in, so they cannot read through a user's scope; they
return only an enabled IdP, found by a verified domain or by its organisation (the
organisation directory is public), and the caller shows nothing of it but its name.
"""

from __future__ import annotations

from forvalta.accounts.models import IdentityProvider, normalise_domain


def identity_provider_for_address(text: str) -> IdentityProvider | None:
    """The enabled IdP of the organisation owning the address's (verified) domain."""
    domain = normalise_domain(text)
    if not domain:
        return None
    return (
        IdentityProvider.objects.enabled()  # scoping: allowed anonymous login routing
        .filter(
            organisation__email_domains__domain=domain,
            organisation__email_domains__verified_at__isnull=False,
        )
        .first()
    )


def identity_provider_of_organisation(organisation_id: int) -> IdentityProvider | None:
    return (
        IdentityProvider.objects.enabled()  # scoping: allowed the public login link
        .filter(organisation_id=organisation_id)
        .first()
    )
