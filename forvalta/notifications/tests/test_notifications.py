"""Notifications through HTTP, end to end: a started run puts the step in the assignee's
inbox (with the count in the header) and sends one neutral e-mail through the task
queue; a failing mail server is retried, then shown to the administrators of the
recipient's organisation only; the daily digest; the deadline reminders (once);
the preferences; nobody reaches another person's notifications.

Every e-mail sent here is scanned for the tenancy markers (conftest.py)."""

from __future__ import annotations

import datetime as dt
import smtplib
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from forvalta.audit.models import AuditEvent
from forvalta.core.models import today
from forvalta.core.tests.factories import MembershipFactory, UserFactory
from forvalta.notifications.models import (
    EmailDelivery,
    Notification,
    NotificationPreference,
)
from forvalta.notifications.services import notify
from forvalta.notifications.tasks import send_daily_digests, send_deadline_reminders
from forvalta.notifications.tests.conftest import run_due_tasks, time_passes
from forvalta.processes.models import ProcessRun, ProcessStep, ProcessTemplate
from forvalta.register.tests.factories import role_type
from forvalta.register.tests.world import World, build_world, marker

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_tasks")]

BASE = "https://forvalta.example.se"
FOOTER = f"Du kan välja vilka notiser du får per e-post: {BASE}/notifications/preferences/\n"


@pytest.fixture(autouse=True)
def _base_url(settings: Any) -> None:
    settings.FORVALTA_BASE_URL = BASE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def world() -> World:
    world = build_world()
    template = ProcessTemplate.objects.create(
        name=f"Egen lista {marker('TPL_N')}",
        organisation=world.orgs["assoc"],
        target_kind="service",
    )
    template.steps.create(
        order=1,
        name=f"Granska {marker('STEP_N')}",
        description=f"Hemligt {marker('STEP_N')}",
        role_type=role_type("management_lead"),
        due_offset_days=14,
    )
    world.items["TPL_N"] = template
    return world


def transition_url(obj: Any, name: str) -> str:
    return reverse("workflow:transition", args=[obj._meta.label_lower, obj.pk, name])


def start_run(client: Any, world: World) -> ProcessRun:
    """The association's administrator starts a one-step run on the shared service; the
    step's role (management lead on the object) is held by `lead`."""
    client.force_login(world.users["assoc_admin"])
    response = client.post(
        reverse("processes:processrun_add"),
        {
            "template": world.items["TPL_N"].pk,
            "service": world.items["SVC_A"].pk,
            "name": f"Körning {marker('RUN_N')}",
            "start_on": today().isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    run = ProcessRun.objects.get(name__contains="RUN_N")
    assert Notification.objects.count() == 0  # a planned run gives nothing yet
    response = client.post(transition_url(run, "start"), {})
    assert response.status_code == 302
    client.logout()
    return run


def badge(response: Any) -> str | None:
    text = response.content.decode()
    start = text.find('id="inbox-unread">')
    if start < 0:
        return None
    return text[start + len('id="inbox-unread">') :].split("<", 1)[0]


def test_a_started_run_reaches_the_assignee_in_the_inbox_and_by_one_neutral_email(
    client: Any, world: World
) -> None:
    lead = world.users["lead"]
    run = start_run(client, world)
    step = ProcessStep.objects.get(run=run)
    assert step.assignee == lead

    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind, notification.channel) == (
        lead,
        "step_assigned",
        "email",
    )
    assert notification.title == "Du har fått ett steg eller en uppgift"
    assert notification.link == step.get_absolute_url()
    # Filed under the association, of which the lead is a member.
    assert notification.organisation == world.orgs["assoc"]
    delivery = EmailDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.to_address) == ("queued", 0, lead.email)
    assert mail.outbox == []  # queued, not sent in the request

    # The header shows the count on every page; the inbox lists the item.
    client.force_login(lead)
    assert badge(client.get(reverse("core:home"))) == "1"
    inbox = client.get(reverse("notifications:inbox"))
    assert inbox.status_code == 200
    assert badge(inbox) == "1"
    open_url = reverse("notifications:open", args=[notification.pk])
    # Named in the inbox (read through the reader's scope), never in the e-mail.
    title = f"Du har fått ett steg eller en uppgift: 1. Granska {marker('STEP_N')}"
    assert f'<strong><a href="{open_url}">{title}</a></strong>' in inbox.content.decode()

    # The worker sends exactly one e-mail: neutral subject, a link, nothing else.
    assert run_due_tasks() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Forvalta: du har en ny uppgift"
    assert message.to == [lead.email]
    assert message.body == (
        "Du har fått ett steg eller en uppgift.\n\n"
        f"Öppna den i Forvalta: {BASE}/notifications/{notification.pk}/\n\n" + FOOTER
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert run_due_tasks() == 0
    assert len(mail.outbox) == 1

    # Another person cannot open (and so mark) it.
    client.force_login(world.users["owner1"])
    assert client.get(open_url).status_code == 404
    assert badge(client.get(reverse("notifications:inbox"))) is None
    notification.refresh_from_db()
    assert notification.read_at is None

    # Following it marks it read and leads to the step.
    client.force_login(lead)
    response = client.get(open_url)
    assert response.status_code == 302
    assert response["Location"] == step.get_absolute_url()
    notification.refresh_from_db()
    assert notification.read_at is not None
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert badge(page) is None


def test_reassigning_a_step_of_a_running_process_notifies_the_new_assignee(
    client: Any, world: World
) -> None:
    run = start_run(client, world)
    step = ProcessStep.objects.get(run=run)
    sup = world.users["sup"]
    client.force_login(world.users["assoc_admin"])
    response = client.post(
        reverse("processes:processstep_edit", args=[step.pk]),
        {"assignee": sup.pk, "comment": "", "evidence_link": ""},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    given = Notification.objects.filter(recipient=sup)
    assert list(given.values_list("kind", "link")) == [("step_assigned", step.get_absolute_url())]
    # Reassigning to oneself notifies no one.
    client.post(
        reverse("processes:processstep_edit", args=[step.pk]),
        {"assignee": world.users["assoc_admin"].pk, "comment": "", "evidence_link": ""},
    )
    assert Notification.objects.filter(recipient=world.users["assoc_admin"]).count() == 0
    assert run_due_tasks() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.users["lead"].email, sup.email])


def failing_smtp(monkeypatch: Any) -> list[int]:
    calls: list[int] = []

    def send_messages(self: Any, messages: Any) -> int:
        calls.append(len(messages))
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", send_messages
    )
    return calls


def test_a_failing_mail_server_is_retried_then_shown_to_the_recipients_administrator_only(
    client: Any, world: World, monkeypatch: Any
) -> None:
    calls = failing_smtp(monkeypatch)
    start_run(client, world)
    delivery = EmailDelivery.objects.get()

    before = timezone.now()
    assert run_due_tasks() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert delivery.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert delivery.next_attempt_at is not None
    assert dt.timedelta(seconds=59) < delivery.next_attempt_at - before < dt.timedelta(minutes=2)
    assert run_due_tasks() == 0  # the retry waits for its backoff
    waits = []
    for attempt in (2, 3, 4):
        assert time_passes() == 1
        assert run_due_tasks() == 1
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        if delivery.next_attempt_at:
            waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
    assert waits == [dt.timedelta(minutes=5), dt.timedelta(minutes=30)]
    assert (delivery.status, delivery.next_attempt_at) == ("failed", None)
    assert time_passes() == 0
    assert calls == [1, 1, 1, 1]
    assert mail.outbox == []

    failed_url = reverse("notifications:failed")
    retry_url = reverse("notifications:retry", args=[delivery.pk])
    # The recipient's organisation's administrator sees it.
    client.force_login(world.users["assoc_admin"])
    page = client.get(failed_url).content.decode()
    assert world.users["lead"].email in page
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in page
    assert "Ett steg eller en uppgift ges till dig" in page
    assert retry_url in page

    # Another organisation's administrator sees nothing and cannot retry it.
    other_admin = UserFactory(username="admin1")
    MembershipFactory(user=other_admin, organisation=world.orgs["muni1"], is_org_admin=True)
    client.force_login(other_admin)
    page = client.get(failed_url)
    assert page.status_code == 200
    assert world.users["lead"].email not in page.content.decode()
    assert "Inga e-postmeddelanden har misslyckats." in page.content.decode()
    assert client.post(retry_url).status_code == 404
    # A colleague who is not an administrator: no page, no retry.
    client.force_login(world.users["lead"])
    assert client.get(failed_url).status_code == 403
    assert client.post(retry_url).status_code == 404
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 4)
    assert not AuditEvent.objects.filter(action="notifications.emaildelivery.retried").exists()

    # The administrator sends it again once the server is back.
    monkeypatch.undo()
    client.force_login(world.users["assoc_admin"])
    response = client.post(retry_url)
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("queued", 0)
    event = AuditEvent.objects.get(action="notifications.emaildelivery.retried")
    assert event.actor_id == world.users["assoc_admin"].pk
    assert event.changes == {"status": ["failed", "queued"], "attempts": [4, 0]}
    assert run_due_tasks() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert [m.subject for m in mail.outbox] == ["Forvalta: du har en ny uppgift"]
    assert "Inga e-postmeddelanden har misslyckats." in client.get(failed_url).content.decode()
    # A sent e-mail is not sent again.
    assert client.post(retry_url).status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def a_running_step(world: World, assignee: Any, due_in: int, key: str) -> ProcessStep:
    run = ProcessRun.objects.create(
        template=world.items["TPL_N"],
        name=f"Körning {marker(key)}",
        manager=world.users["assoc_admin"],
        start_on=today(),
        status="in_progress",
        service=world.items["SVC_A"],
    )
    return ProcessStep.objects.create(
        run=run,
        order=1,
        name=f"Steg {marker(key)}",
        assignee=assignee,
        due_on=today() + dt.timedelta(days=due_in),
    )


def test_deadline_reminders_come_once_per_step_and_kind_and_only_for_visible_steps(
    client: Any, world: World
) -> None:
    lead = world.users["lead"]
    soon = a_running_step(world, lead, 2, "SOON")
    late = a_running_step(world, lead, -1, "LATE")
    a_running_step(world, lead, 10, "LATER")  # beyond the 3 days ahead
    done = a_running_step(world, lead, 1, "DONE")
    done.status = "done"
    done.save()
    # Kommun Tre's staff does not see the shared service: never reminded of it.
    unseen = a_running_step(world, world.users["staff3"], 1, "UNSEEN")

    send_deadline_reminders.enqueue()
    assert run_due_tasks() == 2  # the reminders, then the e-mail of the passed deadline
    rows = set(Notification.objects.values_list("recipient__username", "kind", "link", "channel"))
    assert rows == {
        ("lead", "deadline_approaching", soon.get_absolute_url(), "digest"),
        ("lead", "deadline_passed", late.get_absolute_url(), "email"),
    }
    assert not Notification.objects.filter(link=unseen.get_absolute_url()).exists()
    assert [m.subject for m in mail.outbox] == ["Forvalta: en tidsfrist har passerat"]

    # The next day's run (and a second worker's) adds nothing for the same deadlines.
    send_deadline_reminders.enqueue()
    send_deadline_reminders.enqueue()
    assert run_due_tasks() == 2
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 1

    client.force_login(lead)
    inbox = client.get(reverse("notifications:inbox")).content.decode()
    assert "En tidsfrist närmar sig" in inbox
    assert "En tidsfrist har passerat" in inbox
    assert badge(client.get(reverse("notifications:inbox"))) == "2"
    # Mark all read (POST only).
    assert client.get(reverse("notifications:read_all")).status_code == 405
    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 302
    assert Notification.objects.filter(read_at__isnull=True).count() == 0
    assert badge(client.get(reverse("notifications:inbox"))) is None


def test_days_ahead_is_each_persons_own(client: Any, world: World) -> None:
    lead = world.users["lead"]
    a_running_step(world, lead, 2, "TWO")
    tomorrow = a_running_step(world, lead, 1, "ONE")
    client.force_login(lead)
    response = client.post(reverse("notifications:preferences"), preferences_data(days_ahead="1"))
    assert response.status_code == 302
    send_deadline_reminders.enqueue()
    run_due_tasks()
    assert list(Notification.objects.values_list("kind", "link")) == [
        ("deadline_approaching", tomorrow.get_absolute_url())
    ]


def preferences_data(**overrides: str) -> dict[str, str]:
    data = {
        "kind_step_assigned": "email",
        "kind_deadline_approaching": "digest",
        "kind_deadline_passed": "email",
        "kind_decision_waiting": "email",
        "kind_review_waiting": "email",
        "days_ahead": "3",
    }
    # Kinds declared by other parts (governance ...) keep their default channel.
    from forvalta.notifications.registry import kinds

    for declared in kinds():
        data.setdefault(f"kind_{declared.name}", str(declared.default_channel))
    data.update(overrides)
    return data


def test_the_daily_digest_gathers_a_persons_notifications_into_one_email(
    client: Any, world: World
) -> None:
    lead = world.users["lead"]
    client.force_login(lead)
    response = client.post(
        reverse("notifications:preferences"), preferences_data(kind_step_assigned="digest")
    )
    assert response.status_code == 302
    start_run(client, world)
    step = ProcessStep.objects.get()
    notify(lead, "step_assigned", organisation=world.orgs["assoc"], link=step.get_absolute_url())
    owner = world.users["owner1"]
    notify(owner, "deadline_approaching", link="/processes/", organisation=None)
    assert EmailDelivery.objects.count() == 0
    assert run_due_tasks() == 0

    send_daily_digests.enqueue()
    assert run_due_tasks() == 3  # the digest job, then one e-mail per person
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {lead.email, owner.email}
    message = by_address[lead.email]
    assert message.subject == "Forvalta: din dagliga sammanfattning"
    assert message.body == (
        "Du har nya notiser i Forvalta:\n\n"
        "- Du har fått ett steg eller en uppgift: 2\n\n"
        f"Öppna din inkorg: {BASE}/notifications/\n\n" + FOOTER
    )
    assert by_address[owner.email].body.splitlines()[2] == "- En tidsfrist närmar sig: 1"
    deliveries = EmailDelivery.objects.order_by("pk")
    assert [(d.is_digest, d.status, d.notifications.count()) for d in deliveries] == [
        (True, "sent", 2),
        (True, "sent", 1),
    ]
    # Nothing new: the next digest sends nothing.
    send_daily_digests.enqueue()
    assert run_due_tasks() == 1
    assert len(mail.outbox) == 2


def test_preferences_are_validated_in_swedish_and_changes_are_audited(
    client: Any, world: World
) -> None:
    lead = world.users["lead"]
    client.force_login(lead)
    page = client.get(reverse("notifications:preferences"))
    assert page.status_code == 200
    text = page.content.decode()
    # The defaults: e-mail at once, the approaching deadlines in the daily digest.
    assert 'value="digest" id="id_kind_deadline_approaching_2" required checked>' in text
    assert 'value="email" id="id_kind_step_assigned_1" required checked>' in text
    assert 'name="days_ahead" value="3"' in text

    response = client.post(
        reverse("notifications:preferences"),
        preferences_data(kind_step_assigned="fax", days_ahead="0", kind_review_waiting=""),
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Välj ett giltigt alternativ. fax finns inte bland tillgängliga alternativ." in text
    assert "Ange ett antal dagar från 1 till 30." in text
    assert "En granskning väntar på dig: Det här fältet är obligatoriskt." in text
    assert NotificationPreference.objects.count() == 0
    assert not AuditEvent.objects.filter(action="notifications.preferences.changed").exists()
    response = client.post(reverse("notifications:preferences"), preferences_data(days_ahead="31"))
    assert response.status_code == 400
    assert "Ange ett antal dagar från 1 till 30." in response.content.decode()

    response = client.post(
        reverse("notifications:preferences"),
        preferences_data(kind_step_assigned="inbox", days_ahead="5"),
    )
    assert response.status_code == 302
    shared = ["step_assigned", "deadline_approaching", "deadline_passed"]
    shared += ["decision_waiting", "review_waiting"]  # (the parts' own kinds aside)
    assert dict(
        NotificationPreference.objects.filter(user=lead, kind__in=shared).values_list(
            "kind", "channel"
        )
    ) == {
        "step_assigned": "inbox",
        "deadline_approaching": "digest",
        "deadline_passed": "email",
        "decision_waiting": "email",
        "review_waiting": "email",
    }
    event = AuditEvent.objects.get(action="notifications.preferences.changed")
    assert event.actor_id == lead.pk
    assert event.changes == {"step_assigned": ["email", "inbox"], "days_ahead": [3, 5]}
    # With "inbox only", starting a run sends no e-mail.
    start_run(client, world)
    assert Notification.objects.get().channel == "inbox"
    assert EmailDelivery.objects.count() == 0
    assert run_due_tasks() == 0
    assert mail.outbox == []


def test_nobody_reaches_another_persons_notifications(client: Any, world: World) -> None:
    lead, owner = world.users["lead"], world.users["owner1"]
    mine = notify(lead, "decision_waiting", link="/processes/", organisation=None)
    assert mine is not None
    client.force_login(owner)
    assert client.get(reverse("notifications:open", args=[mine.pk])).status_code == 404
    assert client.get(reverse("notifications:open", args=[mine.pk + 1000])).status_code == 404
    assert client.post(reverse("notifications:read_all")).status_code == 302
    inbox = client.get(reverse("notifications:inbox"))
    assert "Du har inga notiser." in inbox.content.decode()
    mine.refresh_from_db()
    assert mine.read_at is None
    # Anonymous: to the login page.
    client.logout()
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_key_notifies_once_and_a_link_stays_inside_forvalta(world: World) -> None:
    lead = world.users["lead"]
    assert notify(lead, "review_waiting", link="/x/", key="k1") is not None
    assert notify(lead, "review_waiting", link="/x/", key="k1") is None
    assert Notification.objects.count() == 1
    with pytest.raises(ValueError, match="inside Forvalta"):
        notify(lead, "review_waiting", link="https://example.org/")
    with pytest.raises(ValueError, match="inside Forvalta"):
        notify(lead, "review_waiting", link="//example.org/")
    with pytest.raises(ValueError, match="Unknown notification kind"):
        notify(lead, "no_such_kind", link="/x/")
    # An object the person does not see: nothing is stored.
    step = a_running_step(world, None, 1, "HIDDEN")
    assert notify(world.users["staff3"], "step_assigned", link="/x/", obj=step) is None
    assert Notification.objects.count() == 1


def test_an_inactive_person_gets_no_email_and_the_administrator_sees_why(
    client: Any, world: World
) -> None:
    lead = world.users["lead"]
    notification = notify(lead, "decision_waiting", link="/processes/", organisation=None)
    assert notification is not None and notification.organisation == world.orgs["assoc"]
    lead.is_active = False
    lead.save()
    assert run_due_tasks() == 1
    delivery = EmailDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        "failed",
        1,
        "The person's account is inactive.",
    )
    assert mail.outbox == []
    assert notify(lead, "decision_waiting", link="/processes/") is None


def test_emails_whose_task_was_lost_are_queued_again_with_a_queue_outside_the_database(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from django.test import override_settings

    from forvalta.notifications.services import STALLED_AFTER, requeue_stalled

    lead = world.users["lead"]
    notify(lead, "review_waiting", link="/processes/")
    delivery = EmailDelivery.objects.get()
    assert requeue_stalled() == 0  # the database queue loses nothing: its task is there
    immediate = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=immediate):
        assert requeue_stalled() == 0  # not overdue yet
        later = timezone.now() + STALLED_AFTER + dt.timedelta(minutes=1)
        with django_capture_on_commit_callbacks(execute=True):
            assert requeue_stalled(now=later) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert [m.subject for m in mail.outbox] == ["Forvalta: en granskning väntar på dig"]


def test_the_jobs_are_scheduled_in_stockholm_time() -> None:
    from forvalta.background.models import ScheduledJob

    jobs = ScheduledJob.objects.filter(name__startswith="notifications.").order_by("name")
    assert list(jobs.values_list("name", "task_path", "cron", "interval_seconds")) == [
        (
            "notifications.daily_digest",
            "forvalta.notifications.tasks.send_daily_digests",
            "0 7 * * *",
            None,
        ),
        (
            "notifications.deadline_reminders",
            "forvalta.notifications.tasks.send_deadline_reminders",
            "0 6 * * *",
            None,
        ),
        (
            "notifications.prune",
            "forvalta.notifications.tasks.prune_notifications",
            "30 3 * * *",
            None,
        ),
        (
            "notifications.requeue_stalled_emails",
            "forvalta.notifications.tasks.requeue_stalled_emails",
            "",
            600,
        ),
    ]


def test_starting_a_run_does_not_notify_the_person_who_starts_it(client: Any, world: World) -> None:
    from forvalta.register.models import RoleAssignment

    # The association's administrator holds the step's role instead of the lead.
    RoleAssignment.objects.filter(person=world.users["lead"]).update(
        person=world.users["assoc_admin"]
    )
    run = start_run(client, world)
    assert ProcessStep.objects.get(run=run).assignee == world.users["assoc_admin"]
    assert Notification.objects.count() == 0
    assert run_due_tasks() == 0


def test_old_read_notifications_and_sent_emails_are_pruned(world: World) -> None:
    from forvalta.notifications.services import prune

    lead = world.users["lead"]
    old_read = notify(lead, "review_waiting", link="/a/", key="old-read")
    old_unread = notify(lead, "review_waiting", link="/b/")
    recent = notify(lead, "review_waiting", link="/c/")
    assert old_read and old_unread and recent
    run_due_tasks()
    assert EmailDelivery.objects.filter(status="sent").count() == 3
    long_ago = timezone.now() - dt.timedelta(days=400)
    Notification.objects.filter(pk__in=[old_read.pk, old_unread.pk]).update(created_at=long_ago)
    EmailDelivery.objects.filter(notifications__in=[old_read, old_unread]).update(
        created_at=long_ago
    )
    Notification.objects.filter(pk__in=[old_read.pk, recent.pk]).update(read_at=timezone.now())
    assert prune() == (1, 1)
    assert set(Notification.objects.values_list("link", flat=True)) == {"/b/", "/c/"}
    assert EmailDelivery.objects.count() == 2
    assert prune() == (0, 0)


def test_a_transition_that_waits_for_a_decision_reaches_the_decider(
    client: Any, world: World, monkeypatch: Any
) -> None:
    """A part's workflow names who must decide once a transition is taken (`Waiting`):
    they get "a decision is waiting for you" in the inbox and by e-mail; the person who
    took the transition does not."""
    from forvalta.workflow import engine

    admin, lead = world.users["assoc_admin"], world.users["lead"]
    run = start_run(client, world)
    Notification.objects.all().delete()
    EmailDelivery.objects.all().delete()
    run_due_tasks()
    mail.outbox.clear()

    def deciders(obj: ProcessRun) -> list[engine.Waiting]:
        return [
            engine.Waiting(lead, "decision_waiting", obj),
            engine.Waiting(admin, "decision_waiting", obj),
        ]

    workflow = engine.Workflow(
        ProcessRun,
        field="status",
        transitions=[
            engine.Transition(
                "submit",
                "Lämna för beslut",
                source=("in_progress",),
                target="planned",
                permission="processes.change_processrun",
                waiting=deciders,
            )
        ],
    )
    monkeypatch.setitem(engine._REGISTRY, ProcessRun, workflow)
    run.refresh_from_db()
    assert run.status == "in_progress"
    client.force_login(admin)
    response = client.post(transition_url(run, "submit"), {"comment": "Klar"})
    assert response.status_code == 302
    [notification] = Notification.objects.all()
    assert (notification.recipient, notification.kind, notification.title) == (
        lead,
        "decision_waiting",
        "Ett beslut väntar på dig",
    )
    assert notification.link == run.get_absolute_url()
    assert run_due_tasks() == 1
    [message] = mail.outbox
    assert (message.subject, message.to) == ("Forvalta: ett beslut väntar på dig", [lead.email])
    assert message.body == (
        "Ett beslut väntar på dig.\n\n"
        f"Öppna den i Forvalta: {BASE}/notifications/{notification.pk}/\n\n" + FOOTER
    )
    client.force_login(lead)
    assert badge(client.get(reverse("core:home"))) == "1"
