"""A governance world on top of the register's tenancy world
(forvalta/register/tests/world.py): the association's shared service SVC_A has a
förvaltningsråd whose members are Kommun Ett (representative owner1, substitute
colleague1) and Kommun Två (representative staff2), with the supplier adjoined."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from forvalta.governance.models import Body, BodyAdjoined, BodyMember, Meeting
from forvalta.register.tests.world import World, build_world, marker


def governance_world(world: World | None = None) -> tuple[World, Body]:
    world = world or build_world()
    o, u, i = world.orgs, world.users, world.items
    body = Body.objects.create(
        organisation=o["assoc"],
        name=f"Förvaltningsråd {marker('BODY')}",
        kind="council",
        service=i["SVC_A"],
        secretary=u["lead"],
    )
    BodyMember.objects.create(
        body=body,
        organisation=o["muni1"],
        representative=u["owner1"],
        substitute=u["colleague1"],
    )
    BodyMember.objects.create(body=body, organisation=o["muni2"], representative=u["staff2"])
    BodyAdjoined.objects.create(body=body, organisation=o["sup"], person=u["sup"])
    return world, body


def meeting_in(body: Body, days: float, **kwargs: Any) -> Meeting:
    return Meeting.objects.create(
        body=body, starts_at=timezone.now() + dt.timedelta(days=days), **kwargs
    )
