"""Sending e-mails, the daily digest and the daily deadline reminders (see docs/tasks.md)."""

from __future__ import annotations

from django_tasks import task

from forvalta.background.scheduler import schedule


@task()
def send_email(delivery_id: int) -> str:
    from forvalta.notifications.services import deliver

    return deliver(delivery_id)


@task()
def send_daily_digests() -> int:
    from forvalta.notifications.services import gather_digests

    return gather_digests()


@task()
def send_deadline_reminders() -> int:
    from forvalta.notifications.services import remind_deadlines

    return remind_deadlines()


@task()
def requeue_stalled_emails() -> int:
    from forvalta.notifications.services import requeue_stalled

    return requeue_stalled()


@task()
def prune_notifications() -> list[int]:
    from forvalta.notifications.services import prune

    return list(prune())


# Reminders first, so that the digest an hour later carries the day's reminders.
schedule("notifications.deadline_reminders", send_deadline_reminders, cron="0 6 * * *")
schedule("notifications.daily_digest", send_daily_digests, cron="0 7 * * *")
schedule("notifications.requeue_stalled_emails", requeue_stalled_emails, every=600)
schedule("notifications.prune", prune_notifications, cron="30 3 * * *")
