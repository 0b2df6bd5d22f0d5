"""Who sees a body and its decisions (the scoping declarations)."""

from __future__ import annotations

import datetime as dt

import pytest

from forvalta.governance.models import Body, BodyAdjoined, BodyMember, Decision
from forvalta.register.tests.world import build_world

pytestmark = pytest.mark.django_db


def _body(world):
    body = Body.objects.create(
        organisation=world.orgs["assoc"],
        name="Förvaltningsråd",
        kind="council",
        service=world.items["SVC_A"],
    )
    BodyMember.objects.create(body=body, organisation=world.orgs["muni1"])
    BodyMember.objects.create(body=body, organisation=world.orgs["muni2"])
    BodyAdjoined.objects.create(body=body, organisation=world.orgs["sup"])
    return body


def _decision(body, user, sequence, confidential=False):
    return Decision.objects.create(
        body=body,
        year=2026,
        sequence=sequence,
        number=f"2026:{sequence}",
        decided_on=dt.date(2026, 3, 1),
        kind="other",
        title="Beslut",
        text="Text",
        made_by="meeting",
        confidential=confidential,
        recorded_by=user,
    )


def test_body_and_decisions_seen_by_participants_and_adjoined_suppliers():
    world = build_world()
    body = _body(world)
    open_decision = _decision(body, world.users["lead"], 1)
    secret = _decision(body, world.users["lead"], 2, confidential=True)
    seen = {
        persona
        for persona in world.users
        if Body.objects.visible_to(world.users[persona]).filter(pk=body.pk).exists()
    }
    assert seen == {"assoc_admin", "lead", "owner1", "colleague1", "staff2", "sup"}
    decisions = {
        persona: set(Decision.objects.visible_to(world.users[persona]).values_list("pk", flat=True))
        for persona in world.users
    }
    assert decisions["sup"] == {open_decision.pk}
    assert decisions["owner1"] == {open_decision.pk, secret.pk}
    assert decisions["sup2"] == set()
    assert decisions["staff3"] == set()
    assert decisions["platform"] == set()


def test_ending_a_participation_ends_the_membership():
    world = build_world()
    body = _body(world)
    assert set(
        BodyMember.objects.current().filter(body=body).values_list("organisation__name", flat=True)
    ) == {"Kommun Ett", "Kommun Två"}
    participation = world.items["PART_M2"]
    participation.status = "ended"
    participation.valid_to = dt.date.today() - dt.timedelta(days=1)
    participation.save()
    member = BodyMember.objects.get(body=body, organisation=world.orgs["muni2"])
    assert member.ended_on == participation.valid_to
    assert set(
        BodyMember.objects.current().filter(body=body).values_list("organisation__name", flat=True)
    ) == {"Kommun Ett"}
