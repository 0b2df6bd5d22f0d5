"""Who sees what: the one place that turns memberships and role assignments into scopes.

Every page, export, API endpoint and form choice list reads through
`Model.objects.visible_to(user)`, which lands here. Nothing else filters by
organisation by hand. The rules (DESIGN.md "Tenancy"):

- Members see their own organisation's data.
- A shared object or service is seen by the users of its owner and of the
  organisations that take part in it (active Participation); the systems of a
  service are seen with it.
- A role assignment opens its target (and the object a service or system sits in).
- Supplier staff see only what an active agreement of their organisation covers,
  and no other supplier's agreements.
- A platform administrator manages organisations and sees no tenant data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Q, QuerySet

from forvalta.core.models import Membership

_CACHE_ATTR = "_forvalta_scope"


@dataclass
class Scope:
    user: Any
    org_ids: frozenset[int] = field(default_factory=frozenset)
    admin_org_ids: frozenset[int] = field(default_factory=frozenset)
    is_platform_admin: bool = False

    # --- role assignments held by the user today -------------------------------------
    @cached_property
    def _roles(self) -> list[tuple[int | None, int | None, int | None, bool, bool]]:
        if not self.org_ids:
            return []
        from forvalta.register.models import RoleAssignment

        return list(
            RoleAssignment.objects.active()
            .filter(person_id=self.user.pk, organisation_id__in=self.org_ids)
            .values_list(
                "management_object_id",
                "service_id",
                "system_id",
                "role_type__manages",
                "role_type__is_supplier_role",
            )
        )

    def _role_ids(
        self, index: int, managing: bool = False, member_roles: bool = False
    ) -> frozenset[int]:
        ids = (
            r[index] for r in self._roles if (r[3] or not managing) and not (member_roles and r[4])
        )
        return frozenset(i for i in ids if i is not None)

    @cached_property
    def role_object_ids(self) -> frozenset[int]:
        return self._role_ids(0)

    @cached_property
    def role_service_ids(self) -> frozenset[int]:
        return self._role_ids(1)

    @cached_property
    def role_system_ids(self) -> frozenset[int]:
        return self._role_ids(2)

    @cached_property
    def managed_object_ids(self) -> frozenset[int]:
        return self._role_ids(0, managing=True)

    @cached_property
    def managed_service_ids(self) -> frozenset[int]:
        return self._role_ids(1, managing=True)

    @cached_property
    def managed_system_ids(self) -> frozenset[int]:
        return self._role_ids(2, managing=True)

    # --- participation and supplier contracts ---------------------------------------
    @cached_property
    def participating_service_ids(self) -> frozenset[int]:
        if not self.org_ids:
            return frozenset()
        from forvalta.register.models import Participation

        return frozenset(
            Participation.objects.active()
            .filter(organisation_id__in=self.org_ids)
            .exclude(status__in=["applied", "ended"])
            .values_list("service_id", flat=True)
        )

    @cached_property
    def _contracts(self) -> QuerySet:
        from forvalta.register.models import Agreement

        return Agreement.objects.active().filter(supplier_id__in=self.org_ids)

    @cached_property
    def contracted_object_ids(self) -> frozenset[int]:
        if not self.org_ids:
            return frozenset()
        return frozenset(
            self._contracts.filter(management_objects__isnull=False).values_list(
                "management_objects", flat=True
            )
        )

    @cached_property
    def contracted_service_ids(self) -> frozenset[int]:
        if not self.org_ids:
            return frozenset()
        return frozenset(
            self._contracts.filter(services__isnull=False).values_list("services", flat=True)
        )

    @cached_property
    def contracted_system_ids(self) -> frozenset[int]:
        if not self.org_ids:
            return frozenset()
        return frozenset(
            self._contracts.filter(systems__isnull=False).values_list("systems", flat=True)
        )

    # --- the visibility conditions, as Q objects --------------------------------------
    def _object_q(self, prefix: str = "") -> Q:
        """Objects seen by owning, holding a role, taking part or being contracted."""
        p = prefix
        return (
            Q(**{f"{p}owner_organisation_id__in": self.org_ids})
            | Q(**{f"{p}id__in": self.role_object_ids | self.contracted_object_ids})
            | Q(
                **{
                    f"{p}services__id__in": self.participating_service_ids
                    | self.role_service_ids
                    | self.contracted_service_ids
                }
            )
            | Q(**{f"{p}systems__id__in": self.role_system_ids | self.contracted_system_ids})
        )

    def _wide_object_ids(self) -> frozenset[int]:
        """Objects whose every service and system the user sees (own, role or contract)."""
        from forvalta.register.models import ManagementObject

        return frozenset(
            ManagementObject.objects.filter(
                Q(owner_organisation_id__in=self.org_ids)
                | Q(id__in=self.role_object_ids | self.contracted_object_ids)
            ).values_list("id", flat=True)
        )

    @cached_property
    def object_ids(self) -> frozenset[int]:
        if not self.org_ids:
            return frozenset()
        from forvalta.register.models import ManagementObject

        return frozenset(
            ManagementObject.objects.filter(self._object_q()).values_list("id", flat=True)
        )

    @cached_property
    def service_ids(self) -> frozenset[int]:
        if not self.org_ids:
            return frozenset()
        from forvalta.register.models import Service

        return frozenset(
            Service.objects.filter(
                Q(owner_organisation_id__in=self.org_ids)
                | Q(
                    id__in=self.participating_service_ids
                    | self.role_service_ids
                    | self.contracted_service_ids
                )
                | Q(management_object_id__in=self._wide_object_ids())
            ).values_list("id", flat=True)
        )

    @cached_property
    def system_ids(self) -> frozenset[int]:
        if not self.org_ids:
            return frozenset()
        from forvalta.register.models import System

        return frozenset(
            System.objects.filter(
                Q(owner_organisation_id__in=self.org_ids)
                | Q(id__in=self.role_system_ids | self.contracted_system_ids)
                | Q(management_object_id__in=self._wide_object_ids())
                | Q(
                    services__id__in=self.participating_service_ids
                    | self.role_service_ids
                    | self.contracted_service_ids
                )
            ).values_list("id", flat=True)
        )

    @cached_property
    def member_view_service_ids(self) -> frozenset[int]:
        """Services seen other than as a supplier (contract or supplier role): their
        agreements with every supplier are open to the user."""
        if not self.org_ids:
            return frozenset()
        from forvalta.register.models import Service

        return frozenset(
            Service.objects.filter(
                Q(owner_organisation_id__in=self.org_ids)
                | Q(id__in=self.participating_service_ids | self._role_ids(1, member_roles=True))
            ).values_list("id", flat=True)
        )

    # --- querysets --------------------------------------------------------------------
    def organisations(self, qs: QuerySet) -> QuerySet:
        """The organisation directory: names and numbers of public bodies and suppliers.

        An organisation's name and organisation number are public facts every member
        needs (to onboard a municipality, to pick a supplier). What is an
        organisation's own (units, people, systems) is scoped separately.
        """
        if self.is_platform_admin:
            return qs
        if not self.org_ids:
            return qs.none()
        return qs.filter(Q(is_active=True) | Q(id__in=self.org_ids))

    def users(self, qs: QuerySet) -> QuerySet:
        """Colleagues, and the people holding roles on what the user sees.

        The platform administrator sees organisation administrators (whom they appoint).
        """
        if not self.user.is_authenticated:
            return qs.none()
        if self.is_platform_admin:
            admins = Q(memberships__is_org_admin=True)
            if not self.org_ids:
                return qs.filter(Q(pk=self.user.pk) | admins).distinct()
        if not self.org_ids:
            return qs.filter(pk=self.user.pk)
        from forvalta.register.models import RoleAssignment

        role_holders = RoleAssignment.objects.filter(self.role_assignment_q()).values("person_id")
        condition = (
            Q(pk=self.user.pk)
            | Q(memberships__organisation_id__in=self.org_ids)
            | Q(pk__in=role_holders)
        )
        if self.is_platform_admin:
            condition |= Q(memberships__is_org_admin=True)
        return qs.filter(condition).distinct()

    @cached_property
    def nominating_service_ids(self) -> frozenset[int]:
        """Services for which an administrator of a taking-part organisation nominates its
        own representatives ("varje användande kommun hanterar behörighet själv")."""
        if not self.admin_org_ids:
            return frozenset()
        from forvalta.register.models import Participation

        return frozenset(
            Participation.objects.active()
            .filter(organisation_id__in=self.admin_org_ids)
            .exclude(status__in=["applied", "ended"])
            .values_list("service_id", flat=True)
        )

    def nominates(self, assignment: Any) -> bool:
        """An organisation's administrator may give its own staff non-managing roles on
        the shared services the organisation takes part in."""
        return (
            assignment.service_id is not None
            and assignment.service_id in self.nominating_service_ids
            and assignment.organisation_id in self.admin_org_ids
            and assignment.role_type_id is not None
            and not assignment.role_type.manages
        )

    @cached_property
    def partner_org_ids(self) -> frozenset[int]:
        """Organisations taking part in, or contracted for, what the user manages."""
        from forvalta.register.models import Agreement, Participation, Service

        managed_services = Service.objects.filter(
            Q(owner_organisation_id__in=self.admin_org_ids)
            | Q(id__in=self.managed_service_ids)
            | Q(management_object_id__in=self.managed_object_ids)
        ).values("id")
        participants = Participation.objects.active().filter(service_id__in=managed_services)
        suppliers = Agreement.objects.active().filter(
            Q(owner_organisation_id__in=self.admin_org_ids)
            | Q(services__id__in=managed_services)
            | Q(management_objects__id__in=self.managed_object_ids)
            | Q(systems__id__in=self.managed_system_ids)
        )
        return frozenset(participants.values_list("organisation_id", flat=True)) | frozenset(
            suppliers.values_list("supplier_id", flat=True)
        )

    def memberships(self, qs: QuerySet) -> QuerySet:
        """Memberships of one's own organisations; the platform administrator sees the
        organisation administrators' memberships (which they appoint) and no others."""
        condition = Q(organisation_id__in=self.org_ids)
        if self.is_platform_admin:
            condition |= Q(is_org_admin=True)
        return qs.filter(condition)

    def colleagues(self, qs: QuerySet) -> QuerySet:
        """People with a membership in one of the user's own organisations."""
        return qs.filter(memberships__organisation_id__in=self.org_ids).distinct()

    def visible_among(self, model: Any, rows: list[Any]) -> set[Any]:
        """Which of these few rows the user sees: the same answer as
        `model.objects.visible_to(user).filter(pk__in=...)`, but without rebuilding the
        scope's id sets (imports ask this after every write). Rows of one's own
        organisation are answered at once; everything else is asked of the scope."""
        from forvalta.core.models import Membership, User

        ids = {r.pk for r in rows}
        if not ids:
            return set()
        if model is User:
            own = set(
                Membership.objects.filter(
                    user_id__in=ids, organisation_id__in=self.org_ids
                ).values_list("user_id", flat=True)
            ) | ({self.user.pk} & ids)
        else:
            own = {r.pk for r in rows if getattr(r, "owner_organisation_id", None) in self.org_ids}
        rest = ids - own
        if rest:
            manager: Any = model._default_manager
            own |= set(
                manager.visible_to(self.user).filter(pk__in=rest).values_list("pk", flat=True)
            )
        return own

    def role_assignment_q(self) -> Q:
        return (
            Q(management_object_id__in=self.object_ids)
            | Q(service_id__in=self.service_ids)
            | Q(system_id__in=self.system_ids)
        )

    def agreement_q(self) -> Q:
        from forvalta.register.models import Agreement

        covered = Agreement.objects.filter(
            Q(services__id__in=self.member_view_service_ids)
            | Q(management_objects__id__in=self._role_ids(0, member_roles=True))
            | Q(systems__id__in=self._role_ids(2, member_roles=True))
        ).values("id")
        return (
            Q(owner_organisation_id__in=self.org_ids)
            | Q(supplier_id__in=self.org_ids)
            | Q(id__in=covered)
        )

    def filter_queryset(self, qs: QuerySet) -> QuerySet:
        """Scope a register queryset; dispatches on the model."""
        model = qs.model
        name = model._meta.model_name
        if not self.org_ids:
            return qs.none()
        if name == "managementobject":
            return qs.filter(id__in=self.object_ids)
        if name == "service":
            return qs.filter(id__in=self.service_ids)
        if name == "system":
            return qs.filter(id__in=self.system_ids)
        if name == "environment":
            return qs.filter(system_id__in=self.system_ids)
        if name == "integration":
            return qs.filter(source_id__in=self.system_ids)
        if name == "participation":
            return qs.filter(service_id__in=self.service_ids)
        if name == "roleassignment":
            return qs.filter(self.role_assignment_q())
        if name == "agreement":
            return qs.filter(self.agreement_q())
        raise TypeError(f"No tenancy scope is defined for {model.__name__}")

    # --- write rights -----------------------------------------------------------------
    def is_org_admin(self, organisation_id: int | None) -> bool:
        return organisation_id is not None and organisation_id in self.admin_org_ids

    def manages_object(self, obj: Any) -> bool:
        if obj is None:
            return False
        return self.is_org_admin(obj.owner_organisation_id) or obj.pk in self.managed_object_ids

    def manages_service(self, service: Any) -> bool:
        return (
            self.is_org_admin(service.owner_organisation_id)
            or service.pk in self.managed_service_ids
            or (
                service.management_object_id is not None
                and service.management_object_id in self.managed_object_ids
            )
        )

    def manages_system(self, system: Any) -> bool:
        return (
            self.is_org_admin(system.owner_organisation_id)
            or system.pk in self.managed_system_ids
            or (
                system.management_object_id is not None
                and system.management_object_id in self.managed_object_ids
            )
        )


def scope_for(user: Any) -> Scope:
    """The user's scope, computed once per user object (one request)."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if user is None or not user.is_authenticated or not user.is_active:
        scope = Scope(user=user)
    else:
        rows = list(
            Membership.objects.active()
            .filter(user_id=user.pk, organisation__is_active=True)
            .values_list("organisation_id", "is_org_admin")
        )
        scope = Scope(
            user=user,
            org_ids=frozenset(org for org, _ in rows),
            admin_org_ids=frozenset(org for org, admin in rows if admin),
            is_platform_admin=bool(getattr(user, "is_platform_admin", False)),
        )
    if user is not None:
        setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user: Any) -> None:
    """Drop a cached scope after the user's memberships or roles changed."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


__all__ = ["Scope", "forget_scope", "scope_for"]
