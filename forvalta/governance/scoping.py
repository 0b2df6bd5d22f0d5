"""Who sees the governance rows.

- A body (and its meetings, members, circulations, votes and decisions) is seen by the
  participants of its service or object: the owner organisation, the organisations
  taking part in the service (for an object's body: in one of the object's services),
  and those holding a non-supplier role on the service or object; and by the
  organisations adjoined to the body (suppliers, without vote).
- A supplier contracted for the service but not adjoined to the body does not see it.
- Confidential paragraphs, the decisions made in them, and kept versions of minutes
  are not seen by the adjoined organisations: only by the participants.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from forvalta.core.models import User
from forvalta.core.scoping import NOTHING, Custom, ThroughParent, declare, widen
from forvalta.core.tenancy import Scope
from forvalta.governance.models import (
    AgendaItem,
    Attendance,
    Body,
    BodyAdjoined,
    BodyMember,
    Circulation,
    Decision,
    Meeting,
    MeetingDocument,
    MinutesApproval,
    MinutesVersion,
    Paragraph,
    Vote,
)
from forvalta.register.models import Participation, RoleAssignment, Service
from forvalta.register.scoping import NOT_TAKING_PART


def _orgs(scope: Scope) -> list[int]:
    return sorted(scope.org_ids)


def _taking_part(orgs: list[int]) -> QuerySet:
    return (
        Participation.objects.active()
        .filter(organisation_id__in=orgs)
        .exclude(status__in=NOT_TAKING_PART)
        .values("service_id")
    )


def _member_roles(scope: Scope, field: str) -> QuerySet:
    return (
        RoleAssignment.objects.active()
        .filter(
            person_id=scope.user.pk,
            organisation_id__in=_orgs(scope),
            role_type__is_supplier_role=False,
        )
        .filter(**{f"{field}__isnull": False})
        .values(field)
    )


def participant_bodies(scope: Scope) -> QuerySet:
    """Bodies the user sees as a participant (not merely adjoined)."""
    orgs = _orgs(scope)
    services = _taking_part(orgs)
    role_objects = _member_roles(scope, "management_object_id")
    return Body._base_manager.filter(
        Q(organisation_id__in=orgs)
        | Q(service_id__in=services)
        | Q(
            management_object_id__in=Service._base_manager.filter(id__in=services).values(
                "management_object_id"
            )
        )
        | Q(service_id__in=_member_roles(scope, "service_id"))
        | Q(management_object_id__in=role_objects)
        | Q(service__management_object_id__in=role_objects)
    ).values("pk")


def adjoined_bodies(scope: Scope) -> QuerySet:
    return BodyAdjoined._base_manager.filter(organisation_id__in=_orgs(scope)).values("body_id")


def body_condition(user: Any, scope: Scope) -> Q:
    if not scope.org_ids:
        return NOTHING
    return Q(pk__in=participant_bodies(scope)) | Q(pk__in=adjoined_bodies(scope))


def _not_confidential(path: str) -> Any:
    def condition(user: Any, scope: Scope) -> Q:
        if not scope.org_ids:
            return NOTHING
        return Q(**{f"{path}__in": participant_bodies(scope)}) | (
            Q(**{f"{path}__in": adjoined_bodies(scope)}) & Q(confidential=False)
        )

    return condition


def _participants_only(path: str) -> Any:
    def condition(user: Any, scope: Scope) -> Q:
        if not scope.org_ids:
            return NOTHING
        return Q(**{f"{path}__in": participant_bodies(scope)})

    return condition


def declare_governance_models() -> None:
    declare(Body, Custom(body_condition))
    declare(BodyMember, ThroughParent("body"))
    declare(BodyAdjoined, ThroughParent("body"))
    declare(Meeting, ThroughParent("body"))
    declare(AgendaItem, ThroughParent("meeting"))
    declare(MeetingDocument, ThroughParent("meeting"))
    declare(Attendance, ThroughParent("meeting"))
    declare(MinutesApproval, ThroughParent("meeting"))
    declare(MinutesVersion, Custom(_participants_only("meeting__body_id")))
    declare(Paragraph, Custom(_not_confidential("body_id")))
    declare(Decision, Custom(_not_confidential("body_id")))
    declare(Circulation, ThroughParent("body"))
    declare(Vote, ThroughParent("circulation"))
    declare_people()


def named_people_condition(user: Any, scope: Scope) -> Q:
    """People named on the bodies one sees: representatives and substitutes of the
    members, chair, convener, secretary and adjoined persons."""
    if not scope.org_ids:
        return NOTHING
    bodies = Body._base_manager.filter(body_condition(user, scope)).values("pk")
    members = BodyMember._base_manager.filter(body_id__in=bodies)
    return (
        Q(pk__in=members.filter(representative__isnull=False).values("representative_id"))
        | Q(pk__in=members.filter(substitute__isnull=False).values("substitute_id"))
        | Q(pk__in=Body._base_manager.filter(pk__in=bodies, chair__isnull=False).values("chair_id"))
        | Q(
            pk__in=Body._base_manager.filter(pk__in=bodies, convener__isnull=False).values(
                "convener_id"
            )
        )
        | Q(
            pk__in=Body._base_manager.filter(pk__in=bodies, secretary__isnull=False).values(
                "secretary_id"
            )
        )
        | Q(
            pk__in=BodyAdjoined._base_manager.filter(
                body_id__in=bodies, person__isnull=False
            ).values("person_id")
        )
    )


def declare_people() -> None:
    widen(User, Custom(named_people_condition))
