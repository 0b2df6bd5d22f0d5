"""The rules of the issue's "Done when", through HTTP, with nothing changed on a refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from forvalta.audit.models import AuditEvent
from forvalta.governance import services
from forvalta.governance.models import (
    Circulation,
    CirculationResult,
    Decision,
    Meeting,
    MeetingStatus,
    MinutesVersion,
    Paragraph,
    Vote,
)
from forvalta.governance.selectors import counted_votes
from forvalta.governance.tests.helpers import governance_world, meeting_in
from forvalta.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _circulation(world, body, **kwargs):
    data = {
        "body": body,
        "title": "Prioritering av utvecklingsbehov",
        "kind": "prioritisation",
        "proposal": "Förvaltningsrådet prioriterar behov 12 före behov 7.",
        "deadline": timezone.now() + dt.timedelta(days=5),
        **kwargs,
    }
    return services.circulation_create(actor=world.users["lead"], data=data)


def _vote(client, user, circulation, choice, reason=""):
    client.force_login(user)
    return client.post(
        reverse("governance:circulation_action", args=[circulation.pk, "vote"]),
        {"choice": choice, "reason": reason},
    )


@pytest.mark.parametrize("persona", ["lead", "sup", "assoc_admin"])
def test_a_vote_by_a_non_representative_is_refused_and_changes_nothing(client, persona):
    world, body = governance_world()
    circulation = _circulation(world, body)
    _vote(client, world.users["owner1"], circulation, "yes")
    before = list(Vote.objects.values_list("pk", "choice", "cast_by_id", "updated_at"))
    denied = AuditEvent.objects.filter(action="access.denied").count()

    response = _vote(client, world.users[persona], circulation, "no")

    assert response.status_code == 403
    assert list(Vote.objects.values_list("pk", "choice", "cast_by_id", "updated_at")) == before
    fresh = Circulation.objects.get(pk=circulation.pk)
    assert (fresh.status, fresh.result, fresh.closed_at) == ("open", "", None)
    assert AuditEvent.objects.filter(action="access.denied").count() == denied + 1


def test_a_person_outside_the_body_gets_not_found_and_nothing_changes(client):
    world, body = governance_world()
    circulation = _circulation(world, body)
    response = _vote(client, world.users["staff3"], circulation, "yes")
    assert response.status_code == 404
    assert Vote.objects.count() == 0


def test_a_budget_decision_cannot_go_by_circulation(client):
    world, body = governance_world()
    client.force_login(world.users["lead"])
    deadline = (timezone.localtime() + dt.timedelta(days=6)).strftime("%Y-%m-%dT%H:%M")
    post = {
        "body": body.pk,
        "title": "Budget 2027",
        "kind": "budget",
        "proposal": "Budgeten fastställs till 1,2 mnkr.",
        "deadline": deadline,
    }
    response = client.post(reverse("governance:circulation_add"), post)
    assert response.status_code == 400
    assert response.context["form"].errors["kind"] == [
        "Ett beslut av slaget ”budget” kan inte fattas per capsulam i det här organet: "
        "det fattas på ett möte."
    ]
    assert Circulation.objects.count() == 0
    assert Notification.objects.count() == 0
    # Investment, too (the default); a prioritisation may.
    post["kind"] = "investment"
    assert client.post(reverse("governance:circulation_add"), post).status_code == 400
    post["kind"] = "prioritisation"
    response = client.post(reverse("governance:circulation_add"), post)
    assert response.status_code == 302
    assert Circulation.objects.get().kind == "prioritisation"


def test_a_substitutes_vote_counts_only_when_the_representative_has_not_voted(client):
    world, body = governance_world()
    circulation = _circulation(world, body)
    member = body.members.get(organisation=world.orgs["muni1"])

    assert _vote(client, world.users["colleague1"], circulation, "yes").status_code == 302
    counted = counted_votes(circulation)
    assert (counted[member.pk].voter_role, counted[member.pk].choice) == ("substitute", "yes")

    assert _vote(client, world.users["owner1"], circulation, "no").status_code == 302
    counted = counted_votes(circulation)
    assert (counted[member.pk].voter_role, counted[member.pk].choice) == ("representative", "no")

    # The substitute changing their vote does not override the representative's.
    assert _vote(client, world.users["colleague1"], circulation, "yes").status_code == 302
    assert counted_votes(circulation)[member.pk].choice == "no"
    assert Vote.objects.filter(circulation=circulation).count() == 2
    assert Circulation.objects.get(pk=circulation.pk).status == "open"

    # Kommun Två votes yes: every member has voted, so it closes: 1 yes, 1 no.
    assert _vote(client, world.users["staff2"], circulation, "yes").status_code == 302
    closed = Circulation.objects.get(pk=circulation.pk)
    assert (closed.status, closed.result) == ("closed", CirculationResult.REJECTED)
    assert not Decision.objects.filter(circulation=closed).exists()


def test_a_late_notice_needs_a_reason(client):
    world, body = governance_world()
    meeting = meeting_in(body, 2)  # the notice period is 5 days
    client.force_login(world.users["lead"])
    url = reverse("governance:meeting_action", args=[meeting.pk, "send_notice"])

    response = client.post(url, {"reason": "  "})
    assert response.status_code == 400
    assert (
        "Kallelsen skickas senare än organets kallelsetid på 5 dagar: ange skälet."
        in response.content.decode()
    )
    fresh = Meeting.objects.get(pk=meeting.pk)
    assert (fresh.status, fresh.notice_sent_at, fresh.late_notice_reason) == ("planned", None, "")
    assert Notification.objects.count() == 0

    response = client.post(url, {"reason": "Extra möte om avtalsförlängning"})
    assert response.status_code == 302
    fresh = Meeting.objects.get(pk=meeting.pk)
    assert fresh.status == MeetingStatus.NOTICE_SENT
    assert fresh.late_notice_reason == "Extra möte om avtalsförlängning"
    assert fresh.notice_sent_by == world.users["lead"]
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Extra möte om avtalsförlängning" in page
    # The members' representatives and substitutes and the adjoined person are called.
    called = set(
        Notification.objects.filter(kind="meeting_notice").values_list(
            "recipient__username", flat=True
        )
    )
    assert called == {"owner1", "colleague1", "staff2", "sup"}


def test_a_notice_in_time_needs_no_reason(client):
    world, body = governance_world()
    meeting = meeting_in(body, 10)
    client.force_login(world.users["lead"])
    response = client.post(reverse("governance:meeting_action", args=[meeting.pk, "send_notice"]))
    assert response.status_code == 302
    fresh = Meeting.objects.get(pk=meeting.pk)
    assert (fresh.status, fresh.late_notice_reason) == ("notice_sent", "")


def _approved_meeting(world, body):
    lead = world.users["lead"]
    meeting = meeting_in(body, -1)
    meeting.adjusters.set([world.users["owner1"], world.users["staff2"]])
    services.meeting_hold(actor=lead, meeting=meeting)
    paragraph = services.paragraph_create(
        actor=lead,
        data={
            "meeting": meeting,
            "title": "Mötets öppnande",
            "discussion": "Ordföranden öppnade mötet.",
        },
    )
    services.minutes_submit(actor=lead, meeting=meeting)
    services.minutes_approve(actor=world.users["owner1"], meeting=meeting)
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.MINUTES_DRAFTED
    services.minutes_approve(actor=world.users["staff2"], meeting=meeting)
    return Meeting.objects.get(pk=meeting.pk), paragraph


def test_approved_minutes_are_immutable(client):
    world, body = governance_world()
    meeting, paragraph = _approved_meeting(world, body)
    assert meeting.status == MeetingStatus.MINUTES_APPROVED
    assert meeting.approvals.filter(version=1).count() == 2
    client.force_login(world.users["lead"])

    edit = client.post(
        reverse("governance:paragraph_edit", args=[paragraph.pk]),
        {"title": "Ändrad rubrik", "discussion": "Ändrad"},
    )
    assert edit.status_code == 400
    assert (
        "Justerat protokoll kan inte ändras; öppna en ny version av protokollet."
        in edit.content.decode()
    )
    added = client.post(
        reverse("governance:paragraph_add", args=[meeting.pk]), {"title": "Tillägg"}
    )
    assert added.status_code == 400
    attendance = client.post(
        reverse("governance:attendance_add", args=[meeting.pk]),
        {"person": world.users["owner1"].pk, "status": "absent"},
    )
    assert attendance.status_code == 400
    fresh = Paragraph.objects.get(pk=paragraph.pk)
    assert (fresh.title, fresh.discussion) == ("Mötets öppnande", "Ordföranden öppnade mötet.")
    assert Paragraph.objects.count() == 1
    assert meeting.attendance.count() == 0

    # A new version (with a reason) keeps the approved one and must be approved again.
    response = client.post(
        reverse("governance:meeting_action", args=[meeting.pk, "new_version"]),
        {"reason": "Felstavat namn i § 1"},
    )
    assert response.status_code == 302
    fresh_meeting = Meeting.objects.get(pk=meeting.pk)
    assert (fresh_meeting.status, fresh_meeting.minutes_version) == ("minutes_drafted", 2)
    kept = MinutesVersion.objects.get(meeting=meeting)
    assert kept.version == 1
    assert kept.reason == "Felstavat namn i § 1"
    assert kept.content["paragraphs"][0]["title"] == "Mötets öppnande"
    assert len(kept.content["approvals"]) == 2
    edit = client.post(
        reverse("governance:paragraph_edit", args=[paragraph.pk]),
        {"title": "Mötets öppnande", "discussion": "Ordföranden Anna öppnade mötet."},
    )
    assert edit.status_code == 302
    services.minutes_approve(actor=world.users["owner1"], meeting=fresh_meeting)
    services.minutes_approve(actor=world.users["staff2"], meeting=fresh_meeting)
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.MINUTES_APPROVED


def test_only_adjusters_approve(client):
    world, body = governance_world()
    lead = world.users["lead"]
    meeting = meeting_in(body, -1)
    meeting.adjusters.set([world.users["owner1"]])
    services.meeting_hold(actor=lead, meeting=meeting)
    services.paragraph_create(actor=lead, data={"meeting": meeting, "title": "Öppnande"})
    services.minutes_submit(actor=lead, meeting=meeting)
    client.force_login(world.users["staff2"])
    response = client.post(reverse("governance:meeting_action", args=[meeting.pk, "approve"]))
    assert response.status_code == 403
    assert meeting.approvals.count() == 0
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.MINUTES_DRAFTED


def test_a_vote_through_the_api_follows_the_same_rule():
    from rest_framework.test import APIClient

    world, body = governance_world()
    circulation = _circulation(world, body)
    api = APIClient()
    url = f"/api/governance-circulations/{circulation.pk}/vote/"
    api.force_authenticate(world.users["staff2"])
    response = api.post(url, {"choice": "yes", "reason": "Bra förslag"}, format="json")
    assert response.status_code == 200
    assert (response.json()["choice"], response.json()["voter_role"]) == ("yes", "representative")
    api.force_authenticate(world.users["lead"])
    assert api.post(url, {"choice": "no"}, format="json").status_code == 403
    api.force_authenticate(world.users["staff3"])
    assert api.post(url, {"choice": "no"}, format="json").status_code == 404
    assert list(Vote.objects.values_list("cast_by__username", "choice")) == [("staff2", "yes")]
