"""Governance's background work: circulations close at their deadline, members who
have not voted are reminded, published minutes go to the body's named recipients."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django_tasks import task

from forvalta.background.scheduler import schedule


@task()
def close_due_circulations() -> int:
    """Close the circulations whose deadline has passed (idempotent)."""
    from forvalta.governance.services import close_due_circulations as close

    return close()


@task()
def remind_non_voters() -> int:
    """Remind members who have not voted, the body's hours before the deadline (once)."""
    from forvalta.governance.services import remind_non_voters as remind

    return remind()


@task()
def send_minutes(meeting_id: int, version: int) -> int:
    """E-mail the published minutes (the PDF, without confidential paragraphs) to the
    addresses the body names. Idempotent per version: a newer version is sent by its
    own task."""
    from forvalta.core.pdf import render_pdf
    from forvalta.governance.models import Meeting, MeetingStatus

    # scoping: allowed a task re-reads its row; the recipients are the body's own list
    meeting = Meeting.objects.select_related("body").filter(pk=meeting_id).first()
    if (
        meeting is None
        or meeting.status != MeetingStatus.PUBLISHED
        or meeting.minutes_version != version
    ):
        return 0
    recipients = [r.strip() for r in meeting.body.minutes_recipients.splitlines() if r.strip()]
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        from forvalta.governance.views import minutes_context

        context = minutes_context(meeting, user=None, include_confidential=False)
        title = str(context["document_name"])
        pdf = render_pdf("governance/minutes_pdf.html", context, title=title)
        message = EmailMessage(
            subject=translation.gettext("Forvalta: minutes published"),
            body=translation.gettext("The minutes are attached."),
            to=recipients,
        )
        message.attach(f"protokoll-{meeting.pk}-v{version}.pdf", pdf, "application/pdf")
        message.send()
    return len(recipients)


@task()
def plan_recurring_meetings() -> int:
    """Create the meetings of the bodies with a meeting rhythm, their days ahead
    (idempotent: a date that has its meeting gets no other)."""
    from forvalta.governance.services import plan_recurring

    return len(plan_recurring())


schedule("governance.close_due_circulations", close_due_circulations, every=300)
schedule("governance.plan_recurring_meetings", plan_recurring_meetings, cron="30 2 * * *")
schedule("governance.remind_non_voters", remind_non_voters, every=900)
