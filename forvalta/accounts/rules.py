"""Who may configure login through an organisation's identity provider."""

from typing import Any

import rules

from forvalta.core.rules import administers_organisation, is_platform_admin
from forvalta.core.tenancy import scope_for


@rules.predicate
def administers_domain_organisation(user: Any, domain: Any) -> bool:
    return domain is not None and scope_for(user).is_org_admin(domain.organisation_id)


# The organisation's administrators configure its IdP and name its domains ...
rules.add_perm("accounts.change_identityprovider", administers_organisation)
rules.add_perm("accounts.add_emaildomain", administers_organisation)
rules.add_perm("accounts.delete_emaildomain", administers_domain_organisation)
# ... and the platform administrator confirms that a domain is the organisation's.
rules.add_perm("accounts.verify_emaildomain", is_platform_admin)
