"""Who reads, extracts and verifies the audit trail.

Rights follow memberships, not hand-kept lists: an organisation's administrators are
its audit readers, and the platform administrator is the platform auditor for the
events that belong to no organisation (failed logins, the platform's own work).

Extracting (CSV and Excel) is a separate permission, `audit.extract_auditevent`.
Today it is given to the same people as reading; it is its own name so that it can be
re-pointed (to a controller role, say) without touching a view.
"""

from __future__ import annotations

from typing import Any

import rules

from forvalta.core.tenancy import scope_for


def readable_scope(user: Any) -> tuple[frozenset[int], bool]:
    """(organisation ids whose events the user may read, whether platform events too)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset(), False
    scope = scope_for(user)
    return frozenset(scope.admin_org_ids), bool(scope.is_platform_admin)


def _reads(user: Any, event: Any) -> bool:
    org_ids, platform = readable_scope(user)
    if event is None:
        return bool(org_ids) or platform
    if getattr(event, "actor_organisation_id", None) in org_ids:
        return True  # filed under the actor's organisation too
    if event.organisation_id is None:
        return platform
    return event.organisation_id in org_ids


@rules.predicate
def is_audit_reader(user: Any, event: Any = None) -> bool:
    return _reads(user, event)


@rules.predicate
def is_audit_extractor(user: Any, event: Any = None) -> bool:
    return _reads(user, event)


@rules.predicate
def is_audit_verifier(user: Any) -> bool:
    org_ids, platform = readable_scope(user)
    return bool(org_ids) or platform


@rules.predicate
def sets_retention(user: Any, organisation: Any = None) -> bool:
    org_ids, platform = readable_scope(user)
    if organisation is None:
        return bool(org_ids) or platform
    return organisation.pk in org_ids or platform


rules.add_perm("audit.view_auditevent", is_audit_reader)
rules.add_perm("audit.extract_auditevent", is_audit_extractor)
rules.add_perm("audit.verify_auditevent", is_audit_verifier)
rules.add_perm("audit.change_auditretention", sets_retention)
