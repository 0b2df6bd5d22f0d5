"""Who sees what: the user's scope, and the rules for core's own models.

Every page, export, API endpoint and form choice list reads through
`Model.objects.visible_to(user)`. Each scoped model declares how it is reached in its
app's `scoping.py` (see `forvalta.core.scoping`), and the declaration becomes one SQL
statement with subqueries. The rules (DESIGN.md "Tenancy"):

- Members see their own organisation's data.
- A shared object or service is seen by the users of its owner and of the
  organisations that take part in it (active Participation); the systems of a
  service are seen with it.
- A role assignment opens its target (and the object a service or system sits in).
- Supplier staff see only what an active agreement of their organisation covers,
  and no other supplier's agreements.
- A platform administrator manages organisations and sees no tenant data.

The register's rules live in `forvalta/register/scoping.py`; this module knows no app's
models. A `Scope` holds what is cheap and small about one user (their organisations and
administrator rights: one query); facts about the user's own roles, which write rules
ask, are contributed by apps (`scope_fact`) and computed on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from forvalta.core.models import (
    ListPreference,
    Membership,
    MembershipInvitation,
    Organisation,
    SavedFilter,
    Unit,
    User,
)
from forvalta.core.scoping import (
    NOTHING,
    Custom,
    NeedToKnow,
    OrganisationPrivate,
    declare,
    rule_for,
)

_CACHE_ATTR = "_forvalta_scope"

# Matches every row (an empty Q() would vanish when ORed with another condition).
EVERYTHING = Q(pk__isnull=False)

_FACTS: dict[str, tuple[Callable[[Scope], Any], Any]] = {}


def scope_fact(name: str) -> Callable[[Callable[[Scope], Any]], Callable[[Scope], Any]]:
    """Contribute a per-user fact to every Scope (`scope.<name>`), computed once per
    scope on first use. Apps use it for facts about the user's own roles, which write
    rules ask (e.g. `managed_object_ids`); they must stay small (a user's own roles),
    never the rows the user sees."""

    def register(function: Callable[[Scope], Any]) -> Callable[[Scope], Any]:
        _FACTS[name] = (function, None)
        return function

    return register


@dataclass
class Scope:
    user: Any
    org_ids: frozenset[int] = field(default_factory=frozenset)
    admin_org_ids: frozenset[int] = field(default_factory=frozenset)
    is_platform_admin: bool = False
    # Every active membership as (organisation id, organisation name), oldest first, the
    # organisation active or not: the audit trail's actor organisation reads it
    # (`forvalta.audit.services.actor_organisation_of`) instead of a query of its own.
    membership_organisations: tuple[tuple[int, str], ...] | None = None
    # One of the user's active organisations requires a second factor at login.
    requires_mfa: bool = False

    def __getattr__(self, name: str) -> Any:
        # Called only for names not found normally: the facts contributed by apps.
        if name.startswith("_") or name not in _FACTS:
            raise AttributeError(name)
        function, _ = _FACTS[name]
        value = function(self)
        self.__dict__[name] = value
        return value

    def _fact(self, name: str, default: Any = frozenset()) -> Any:
        return getattr(self, name) if name in _FACTS else default

    # --- reading: the declared rules, applied with this scope --------------------------
    def filter_queryset(self, qs: QuerySet) -> QuerySet:
        """Scope a queryset by its model's declared rule."""
        condition = rule_for(qs.model).condition(qs.model, self.user, self)
        if condition == NOTHING:
            return qs.none()
        return qs.filter(condition)

    def organisations(self, qs: QuerySet) -> QuerySet:
        """The organisation directory: names and numbers of public bodies and suppliers.

        An organisation's name and organisation number are public facts every member
        needs (to onboard a municipality, to pick a supplier). What is an
        organisation's own (units, people, systems) is scoped separately.
        """
        return self.filter_queryset(qs)

    def users(self, qs: QuerySet) -> QuerySet:
        """Colleagues, and the people holding roles on what the user sees.

        The platform administrator sees organisation administrators (whom they appoint).
        """
        return self.filter_queryset(qs)

    def memberships(self, qs: QuerySet) -> QuerySet:
        """Memberships of one's own organisations; the platform administrator sees the
        organisation administrators' memberships (which they appoint) and no others."""
        return self.filter_queryset(qs)

    def colleagues(self, qs: QuerySet) -> QuerySet:
        """People with a membership in one of the user's own organisations."""
        if not self.org_ids:
            return qs.none()
        return qs.filter(
            pk__in=Membership.objects.filter(organisation_id__in=sorted(self.org_ids)).values(
                "user_id"
            )
        )

    def visible_among(self, model: Any, rows: list[Any]) -> set[Any]:
        """Which of these few rows the user sees: the same answer as
        `model.objects.visible_to(user).filter(pk__in=...)`. Rows of one's own
        organisation are answered at once; the rest in one query."""
        ids = {r.pk for r in rows}
        if not ids:
            return set()
        if model is User:
            own = {self.user.pk} & ids
        else:
            own = {r.pk for r in rows if getattr(r, "owner_organisation_id", None) in self.org_ids}
        rest = ids - own
        if rest:
            own |= set(
                self.filter_queryset(model._base_manager.filter(pk__in=sorted(rest))).values_list(
                    "pk", flat=True
                )
            )
        return own

    # --- write rights -----------------------------------------------------------------
    def is_org_admin(self, organisation_id: int | None) -> bool:
        return organisation_id is not None and organisation_id in self.admin_org_ids

    def manages_object(self, obj: Any) -> bool:
        if obj is None:
            return False
        return self.is_org_admin(obj.owner_organisation_id) or obj.pk in self._fact(
            "managed_object_ids"
        )

    def manages_service(self, service: Any) -> bool:
        return (
            self.is_org_admin(service.owner_organisation_id)
            or service.pk in self._fact("managed_service_ids")
            or (
                service.management_object_id is not None
                and service.management_object_id in self._fact("managed_object_ids")
            )
        )

    def manages_system(self, system: Any) -> bool:
        return (
            self.is_org_admin(system.owner_organisation_id)
            or system.pk in self._fact("managed_system_ids")
            or (
                system.management_object_id is not None
                and system.management_object_id in self._fact("managed_object_ids")
            )
        )

    def nominates(self, assignment: Any) -> bool:
        """An organisation's administrator may give its own staff non-managing roles on
        the shared services the organisation takes part in."""
        return (
            assignment.service_id is not None
            and assignment.service_id in self._fact("nominating_service_ids")
            and assignment.organisation_id in self.admin_org_ids
            and assignment.role_type_id is not None
            and not assignment.role_type.manages
        )


def scope_for(user: Any) -> Scope:
    """The user's scope, computed once per user object (one request): one query."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if user is None or not user.is_authenticated or not user.is_active:
        scope = Scope(user=user)
    else:
        rows = list(
            Membership.objects.active()
            .filter(user_id=user.pk)
            .order_by("pk")
            .values_list(
                "organisation_id",
                "is_org_admin",
                "organisation__is_active",
                "organisation__name",
                "organisation__require_mfa",
            )
        )
        scope = Scope(
            user=user,
            org_ids=frozenset(org for org, _, active, _, _ in rows if active),
            admin_org_ids=frozenset(org for org, admin, active, _, _ in rows if admin and active),
            is_platform_admin=bool(getattr(user, "is_platform_admin", False)),
            membership_organisations=tuple((org, name) for org, _, _, name, _ in rows),
            requires_mfa=any(active and mfa for _, _, active, _, mfa in rows),
        )
    if user is not None:
        setattr(user, _CACHE_ATTR, scope)
    return scope


def cached_scope(user: Any) -> Scope | None:
    """The scope this user object already computed (`scope_for`), or None: no query."""
    return getattr(user, _CACHE_ATTR, None)


def forget_scope(user: Any) -> None:
    """Drop a cached scope after the user's memberships or roles changed."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
    if user is not None and hasattr(user, "_forvalta_audit_orgs"):
        delattr(user, "_forvalta_audit_orgs")  # derived from the memberships too


# --- core's own models ------------------------------------------------------------------
def organisation_condition(user: Any, scope: Scope) -> Q:
    """Active organisations (a public directory) and one's own; everything for the
    platform administrator, who creates and closes them."""
    if scope.is_platform_admin:
        return EVERYTHING
    if not scope.org_ids:
        return NOTHING
    return Q(is_active=True) | Q(id__in=sorted(scope.org_ids))


def user_condition(user: Any, scope: Scope) -> Q:
    """Oneself and one's colleagues; the platform administrator also sees organisation
    administrators. Apps widen it (the register: people holding roles on what the user
    sees)."""
    if user is None or not user.is_authenticated:
        return NOTHING
    condition = Q(pk=user.pk)
    if scope.is_platform_admin:
        condition |= Q(pk__in=Membership.objects.filter(is_org_admin=True).values("user_id"))
    if scope.org_ids:
        condition |= Q(
            pk__in=Membership.objects.filter(organisation_id__in=sorted(scope.org_ids)).values(
                "user_id"
            )
        )
    return condition


def membership_condition(user: Any, scope: Scope) -> Q:
    condition = NOTHING
    if scope.org_ids:
        condition = Q(organisation_id__in=sorted(scope.org_ids))
    if scope.is_platform_admin:
        condition = (
            Q(is_org_admin=True) if condition == NOTHING else condition | Q(is_org_admin=True)
        )
    return condition


def invitation_condition(user: Any, scope: Scope) -> Q:
    """The person invited, the inviting organisation's administrators, and the
    administrators of the person's current organisations."""
    if user is None or not user.is_authenticated:
        return NOTHING
    admin_orgs = sorted(scope.admin_org_ids)
    condition = Q(person_id=user.pk)
    if admin_orgs:
        answers_for = Membership.objects.active().filter(
            user_id=OuterRef("person_id"), organisation_id__in=admin_orgs
        )
        condition = condition | Q(organisation_id__in=admin_orgs) | Q(Exists(answers_for))
    return condition


def declare_core_models() -> None:
    declare(Organisation, Custom(organisation_condition))
    declare(Unit, OrganisationPrivate("organisation"))
    declare(User, Custom(user_condition))
    declare(Membership, Custom(membership_condition))
    declare(MembershipInvitation, Custom(invitation_condition))
    # A person's own list columns and saved filters: theirs alone.
    declare(ListPreference, NeedToKnow("user"))
    declare(SavedFilter, NeedToKnow("user"))


__all__ = ["EVERYTHING", "Scope", "forget_scope", "scope_fact", "scope_for"]
