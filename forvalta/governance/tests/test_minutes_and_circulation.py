"""The tagged minutes PDF, and a circulation that closes at its deadline through the
scheduled task and lands in the next meeting's minutes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from forvalta.background import scheduler
from forvalta.background.models import ScheduledJob
from forvalta.core.controls import control_fulfilled
from forvalta.core.tests.pdf import assert_tagged_pdf, pdf_text
from forvalta.governance import services
from forvalta.governance.models import (
    BodyMember,
    Circulation,
    Decision,
    Meeting,
    MeetingStatus,
    Paragraph,
)
from forvalta.governance.tests.helpers import governance_world, meeting_in
from forvalta.notifications.models import Notification
from forvalta.register.tests.factories import ParticipationFactory

pytestmark = pytest.mark.django_db


def _published(world, body, recipients=""):
    lead = world.users["lead"]
    body.minutes_recipients = recipients
    body.save()
    meeting = meeting_in(body, -1, place="Sambruks kansli")
    meeting.adjusters.set([world.users["owner1"]])
    services.meeting_hold(actor=lead, meeting=meeting)
    services.paragraph_create(
        actor=lead,
        data={
            "meeting": meeting,
            "title": "Prioritering",
            "discussion": "Rådet gick igenom behoven.",
            "decision_text": "Behov 12 prioriteras.",
            "decision_kind": "prioritisation",
        },
    )
    services.paragraph_create(
        actor=lead,
        data={
            "meeting": meeting,
            "title": "Upphandling",
            "discussion": "Anbud från leverantörer ZZSECRETZZ.",
            "confidential": True,
        },
    )
    services.minutes_submit(actor=lead, meeting=meeting)
    services.minutes_approve(actor=world.users["owner1"], meeting=meeting)
    return services.minutes_publish(actor=lead, meeting=meeting)


def test_the_published_minutes_are_a_tagged_pdf_and_confidential_paragraphs_stay_inside(
    client, django_capture_on_commit_callbacks
):
    world, body = governance_world()
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _published(world, body, recipients="kansli@example.org\nregistrator@example.org")
    assert meeting.status == MeetingStatus.PUBLISHED
    day = timezone.localtime(meeting.starts_at).date().isoformat()
    title = f"Protokoll {body.name} {day}"
    url = reverse("governance:minutes_pdf", args=[meeting.pk, "pdf"])

    client.force_login(world.users["owner1"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert_tagged_pdf(response.content, title=title)
    text = pdf_text(response.content)
    assert "§ 1 Prioritering" in text
    assert "Behov 12 prioriteras." in text
    assert "ZZSECRETZZ" in text
    assert "Justerat av" in text

    # The adjoined supplier reads the minutes without the confidential paragraph.
    client.force_login(world.users["sup"])
    text = pdf_text(client.get(url).content)
    assert "§ 1 Prioritering" in text
    assert "ZZSECRETZZ" not in text
    html = client.get(reverse("governance:minutes", args=[meeting.pk])).content.decode()
    assert "Prioritering" in html and "ZZSECRETZZ" not in html

    # Someone outside the service does not find them.
    client.force_login(world.users["staff3"])
    assert client.get(url).status_code == 404

    # The body's named recipients got the PDF, without the confidential paragraph.
    sent = [m for m in mail.outbox if "kansli@example.org" in m.to]
    assert len(sent) == 1
    assert sent[0].to == ["kansli@example.org", "registrator@example.org"]
    filename, data, mimetype = sent[0].attachments[0]
    assert filename == f"protokoll-{meeting.pk}-v1.pdf"
    assert mimetype == "application/pdf"
    assert_tagged_pdf(data, title=title)
    assert "ZZSECRETZZ" not in pdf_text(data)
    # The decision of § 1 is in the register, numbered per body and year.
    decision = Decision.objects.get(body=body)
    year = timezone.localtime(meeting.starts_at).year
    assert (decision.number, decision.made_by, decision.paragraph.number) == (
        f"{year}:1",
        "meeting",
        1,
    )


def test_holding_a_meeting_fulfils_the_council_meeting_control():
    world, body = governance_world()
    meeting = meeting_in(body, -1)
    received = []

    def listener(sender, **kwargs):
        received.append((sender, kwargs))

    control_fulfilled.connect(listener)
    try:
        services.meeting_hold(actor=world.users["lead"], meeting=meeting)
    finally:
        control_fulfilled.disconnect(listener)
    assert len(received) == 1
    sender, kwargs = received[0]
    assert sender is Meeting
    assert kwargs["kind"] == "council_meeting"
    assert kwargs["organisation"] == world.orgs["assoc"]
    assert kwargs["target"] == world.items["SVC_A"]
    assert kwargs["evidence"].pk == meeting.pk
    assert kwargs["on"] == timezone.localtime(meeting.starts_at).date()


def _run_job(capture, name, now):
    """Tick the scheduler with only this job due; the task runs after the commit."""
    scheduler.sync_jobs(now=now)
    ScheduledJob.objects.exclude(name=name).update(next_run_at=now + dt.timedelta(days=365))
    ScheduledJob.objects.filter(name=name).update(next_run_at=now)
    with capture(execute=True):
        return scheduler.tick(now=now)


def test_a_circulation_closes_at_its_deadline_by_the_scheduled_task_into_the_next_minutes(
    client, django_capture_on_commit_callbacks
):
    world, body = governance_world()
    o, u = world.orgs, world.users
    ParticipationFactory(service=world.items["SVC_A"], organisation=o["muni3"])
    BodyMember.objects.create(body=body, organisation=o["muni3"], representative=u["staff3"])
    BodyMember.objects.create(body=body, organisation=o["assoc"], representative=u["assoc_admin"])
    next_meeting = meeting_in(body, 20)
    circulation = services.circulation_create(
        actor=u["lead"],
        data={
            "body": body,
            "title": "Ny release i juni",
            "kind": "change",
            "proposal": "Release 5.2 införs i juni.",
            "deadline": timezone.now() + dt.timedelta(days=5),
        },
    )
    for persona, choice in (("owner1", "yes"), ("staff2", "yes"), ("staff3", "no")):
        client.force_login(u[persona])
        response = client.post(
            reverse("governance:circulation_action", args=[circulation.pk, "vote"]),
            {"choice": choice},
        )
        assert response.status_code == 302

    # A day before the deadline the one member that has not voted is reminded (once).
    Circulation.objects.filter(pk=circulation.pk).update(
        deadline=timezone.now() + dt.timedelta(hours=10)
    )
    assert _run_job(
        django_capture_on_commit_callbacks, "governance.remind_non_voters", timezone.now()
    ) == ["governance.remind_non_voters"]
    reminded = Notification.objects.filter(kind="vote_reminder")
    assert sorted(reminded.values_list("recipient__username", flat=True)) == ["assoc_admin"]
    _run_job(
        django_capture_on_commit_callbacks,
        "governance.remind_non_voters",
        timezone.now() + dt.timedelta(minutes=20),
    )
    assert reminded.count() == 1

    # The deadline passes: the scheduled task closes it; 2 yes, 1 no: adopted.
    Circulation.objects.filter(pk=circulation.pk).update(
        deadline=timezone.now() - dt.timedelta(minutes=1)
    )
    assert _run_job(
        django_capture_on_commit_callbacks, "governance.close_due_circulations", timezone.now()
    ) == ["governance.close_due_circulations"]
    closed = Circulation.objects.get(pk=circulation.pk)
    assert (closed.status, closed.result) == ("closed", "adopted")
    decision = Decision.objects.get(circulation=closed)
    assert (decision.made_by, decision.kind, decision.text) == (
        "circulation",
        "change",
        "Release 5.2 införs i juni.",
    )
    # Voting is over.
    client.force_login(u["assoc_admin"])
    late = client.post(
        reverse("governance:circulation_action", args=[circulation.pk, "vote"]),
        {"choice": "no"},
    )
    assert late.status_code == 400
    assert Circulation.objects.get(pk=circulation.pk).result == "adopted"

    # The next meeting's minutes carry it as a paragraph of their own.
    services.meeting_hold(actor=u["lead"], meeting=next_meeting)
    paragraph = Paragraph.objects.get(meeting=next_meeting)
    assert paragraph.number == 1
    assert paragraph.title == (
        "Beslut fattat per capsulam sedan föregående möte: Ny release i juni"
    )
    assert paragraph.decision_text == "Release 5.2 införs i juni."
    assert "2 ja, 1 nej, 0 avstod. Resultat: bifallen." in paragraph.discussion
    decision.refresh_from_db()
    assert decision.paragraph == paragraph
    client.force_login(u["owner1"])
    page = client.get(next_meeting.get_absolute_url()).content.decode()
    assert "§ 1 Beslut fattat per capsulam sedan föregående möte: Ny release i juni" in page
