"""Reads with rules: current members, who votes for a member, the votes that count."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from forvalta.governance.models import (
    Body,
    BodyAdjoined,
    BodyMember,
    Circulation,
    Vote,
    VoterRole,
)


def current_members(body: Body) -> QuerySet:
    """The body's members today (ended memberships and organisations no longer taking
    part in the service are left out). For services and tasks, which have no reader."""
    # scoping: allowed the members of a body the caller already reached through visible_to
    return (
        BodyMember.objects.current()
        .filter(body_id=body.pk)
        .select_related("organisation", "representative", "substitute")
    )


def voting_seat(circulation: Circulation, user: Any) -> tuple[BodyMember | None, str]:
    """The member the user votes for in this circulation and as what (representative
    first), or (None, "") when the user is neither representative nor substitute."""
    if user is None or not user.is_authenticated:
        return None, ""
    members = current_members(circulation.body).filter(
        Q(representative_id=user.pk) | Q(substitute_id=user.pk)
    )
    for member in members:
        if member.representative_id == user.pk:
            return member, VoterRole.REPRESENTATIVE
    for member in members:
        return member, VoterRole.SUBSTITUTE
    return None, ""


def counted_votes(circulation: Circulation) -> dict[int, Vote]:
    """member id -> the vote that counts: the representative's, or the substitute's when
    the representative has not voted. Only current members count."""
    members = set(current_members(circulation.body).values_list("pk", flat=True))
    counted: dict[int, Vote] = {}
    # scoping: allowed the votes of a circulation the caller already reached
    for vote in Vote.objects.filter(circulation_id=circulation.pk).order_by("pk"):
        if vote.member_id not in members:
            continue
        existing = counted.get(vote.member_id)
        if existing is None or (
            existing.voter_role == VoterRole.SUBSTITUTE
            and vote.voter_role == VoterRole.REPRESENTATIVE
        ):
            counted[vote.member_id] = vote
    return counted


def people_of(body: Body, *, members: bool = True, officers: bool = True) -> list[Any]:
    """Who is called to the body's meetings: the current members' representatives and
    substitutes, the chair, convener and secretary, and adjoined persons."""
    people: dict[int, Any] = {}
    if members:
        for member in current_members(body):
            for person in (member.representative, member.substitute):
                if person is not None:
                    people[person.pk] = person
    if officers:
        for person in (body.chair, body.convener, body.secretary):
            if person is not None:
                people[person.pk] = person
        # scoping: allowed the adjoined persons of a body the caller already reached
        for row in BodyAdjoined.objects.filter(
            body_id=body.pk, person__isnull=False
        ).select_related("person"):
            people[row.person.pk] = row.person  # type: ignore[union-attr]  # filtered above
    return list(people.values())
