"""Setting up a body and its members through the pages, with the rules on who may."""

from __future__ import annotations

import pytest
from django.urls import reverse

from forvalta.audit.models import AuditEvent
from forvalta.core.models import Membership
from forvalta.core.tests.factories import MembershipFactory, UserFactory
from forvalta.governance.models import Body, BodyMember, Meeting
from forvalta.governance.tests.helpers import governance_world

pytestmark = pytest.mark.django_db


def test_the_management_lead_sets_up_a_council_and_plans_the_year(client):
    world, _body = governance_world()
    client.force_login(world.users["lead"])
    response = client.post(
        reverse("governance:body_add"),
        {
            "name": "Styrgrupp",
            "kind": "steering_group",
            "service": world.items["SVC_A"].pk,
            "notice_days": 5,
            "circulation_rule": "majority_members",
            "circulation_kinds": ["prioritisation", "change"],
            "circulation_min_days": 4,
            "reminder_hours": 24,
        },
    )
    assert response.status_code == 302
    body = Body.objects.get(name="Styrgrupp")
    assert body.organisation == world.orgs["assoc"]  # the service's owner
    assert body.circulation_kinds == ["prioritisation", "change"]
    assert AuditEvent.objects.filter(action="governance.body.created").count() == 1

    response = client.post(
        reverse("governance:meeting_plan"),
        {
            "body": body.pk,
            "starts": "2027-02-10 13:00\n2027-05-12 13:00\n2027-09-15 13:00\n2027-11-17 13:00",
            "duration": 120,
            "place": "Kansliet",
        },
    )
    assert response.status_code == 302
    assert list(
        Meeting.objects.filter(body=body).values_list("starts_at__month", "status", "place")
    ) == [
        (2, "planned", "Kansliet"),
        (5, "planned", "Kansliet"),
        (9, "planned", "Kansliet"),
        (11, "planned", "Kansliet"),
    ]
    bad = client.post(reverse("governance:meeting_plan"), {"body": body.pk, "starts": "i vår"})
    assert bad.status_code == 400
    assert "Inte ett datum och en tid: i vår." in bad.content.decode()
    assert Meeting.objects.filter(body=body).count() == 4


@pytest.mark.parametrize("persona", ["owner1", "staff2", "sup"])
def test_others_cannot_set_up_a_body_and_nothing_changes(client, persona):
    world, body = governance_world()
    client.force_login(world.users[persona])
    response = client.post(
        reverse("governance:body_add"),
        {
            "name": "Eget råd",
            "kind": "council",
            "service": world.items["SVC_A"].pk,
            "notice_days": 5,
            "circulation_rule": "majority_cast",
            "circulation_min_days": 4,
            "reminder_hours": 24,
        },
    )
    assert response.status_code in {400, 403}
    assert list(Body.objects.values_list("pk", flat=True)) == [body.pk]
    plan = client.post(
        reverse("governance:meeting_plan"), {"body": body.pk, "starts": "2027-02-10 13:00"}
    )
    assert plan.status_code in {400, 403}
    assert Meeting.objects.count() == 0


def test_a_member_must_take_part_in_the_service(client):
    world, body = governance_world()
    client.force_login(world.users["lead"])
    response = client.post(
        reverse("governance:bodymember_add"),
        {"body": body.pk, "organisation": world.orgs["muni3"].pk},
    )
    assert response.status_code == 400
    assert (
        "En medlemsorganisation måste vara ansluten till organets tjänst eller objekt."
        in response.content.decode()
    )
    assert body.members.count() == 2


def test_a_member_organisations_administrator_nominates_its_own(client):
    world, body = governance_world()
    admin = UserFactory(username="admin2")
    MembershipFactory(user=admin, organisation=world.orgs["muni2"], is_org_admin=True)
    deputy = UserFactory(username="deputy2", first_name="Dana", last_name="Ersättare")
    MembershipFactory(user=deputy, organisation=world.orgs["muni2"])
    member = body.members.get(organisation=world.orgs["muni2"])
    other = body.members.get(organisation=world.orgs["muni1"])
    client.force_login(admin)
    url = reverse("governance:bodymember_edit", args=[member.pk])
    response = client.post(
        url, {"representative": world.users["staff2"].pk, "substitute": deputy.pk}
    )
    assert response.status_code == 302
    assert BodyMember.objects.get(pk=member.pk).substitute == deputy
    # Someone of another organisation is not offered.
    response = client.post(url, {"representative": world.users["owner1"].pk})
    assert response.status_code == 400
    assert BodyMember.objects.get(pk=member.pk).representative == world.users["staff2"]
    # Nor may they nominate for Kommun Ett.
    response = client.post(
        reverse("governance:bodymember_edit", args=[other.pk]),
        {"representative": deputy.pk},
    )
    assert response.status_code == 403
    assert BodyMember.objects.get(pk=other.pk).representative == world.users["owner1"]
    assert Membership.objects.filter(user=deputy).count() == 1
