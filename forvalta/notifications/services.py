"""Every write of notifications: notify, read, preferences, e-mail deliveries, digests and
deadline reminders.

Other parts call `notify(person, kind, organisation=..., link=..., obj=...)`. It stores
the inbox item and, when the person chose e-mail for that kind, queues one e-mail
(sent by the task `tasks.send_email`, retried with backoff). Nothing here copies the
content of the object a notification points at: a title is the kind's neutral title.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from forvalta.audit.services import organisation_of, record
from forvalta.core.models import Membership, today
from forvalta.core.rules import home_organisation_id
from forvalta.core.tenancy import forget_scope
from forvalta.notifications.models import (
    DEFAULT_DAYS_AHEAD,
    MAX_DAYS_AHEAD,
    DeliveryStatus,
    EmailDelivery,
    Notification,
    NotificationPreference,
)
from forvalta.notifications.registry import Channel, deadline_sources, kind, kinds

logger = logging.getLogger("forvalta.notifications")

# Attempts per e-mail, and the wait after each failed one (the last has none: failed).
MAX_ATTEMPTS = 4
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30))
# A queued e-mail whose next attempt is this much overdue lost its task (requeue_stalled).
STALLED_AFTER = dt.timedelta(minutes=15)

DEADLINE_APPROACHING = "deadline_approaching"
DEADLINE_PASSED = "deadline_passed"


# --- preferences -----------------------------------------------------------------------------
def preferences_for(user: Any) -> dict[str, str]:
    """kind -> channel for every declared kind (the kind's default where none is chosen)."""
    chosen = dict(
        NotificationPreference.objects.filter(user_id=user.pk).values_list("kind", "channel")
    )
    return {k.name: chosen.get(k.name, k.default_channel) for k in kinds()}


def days_ahead_for(user: Any) -> int:
    days = (
        NotificationPreference.objects.filter(user_id=user.pk, kind=DEADLINE_APPROACHING)
        .values_list("days_ahead", flat=True)
        .first()
    )
    return days or DEFAULT_DAYS_AHEAD


def preferences_update(*, actor: Any, channels: dict[str, str], days_ahead: int) -> dict:
    """Store the actor's own choices; returns the changes (also the audit event's)."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("You do not have permission to do this."))
    errors: dict[str, str] = {}
    for name, channel in channels.items():
        kind(name)
        if channel not in Channel.values:
            errors[name] = _("Choose inbox only, e-mail or daily digest.")
    if not 1 <= days_ahead <= MAX_DAYS_AHEAD:
        errors["days_ahead"] = _("Give a number of days from 1 to 30.")
    if errors:
        raise ValidationError(errors)
    before_channels = preferences_for(actor)
    before_days = days_ahead_for(actor)
    changes: dict[str, list[Any]] = {}
    with transaction.atomic():
        for name, channel in channels.items():
            values: dict[str, Any] = {"channel": channel}
            if name == DEADLINE_APPROACHING:
                values["days_ahead"] = days_ahead
            NotificationPreference.objects.update_or_create(user=actor, kind=name, defaults=values)
            if before_channels.get(name) != channel:
                changes[name] = [before_channels.get(name), channel]
        if DEADLINE_APPROACHING not in channels:
            NotificationPreference.objects.update_or_create(
                user=actor,
                kind=DEADLINE_APPROACHING,
                defaults={"days_ahead": days_ahead},
                create_defaults={
                    "days_ahead": days_ahead,
                    "channel": kind(DEADLINE_APPROACHING).default_channel,
                },
            )
        if before_days != days_ahead:
            changes["days_ahead"] = [before_days, days_ahead]
        if changes:
            record(
                actor=actor,
                action="notifications.preferences.changed",
                object_type="notifications.notificationpreference",
                object_id=str(actor.pk),
                object_repr=str(actor)[:300],
                changes=changes,
            )
    return changes


# --- notify ----------------------------------------------------------------------------------
def recipient_organisation(person: Any, organisation: Any) -> Any:
    """The organisation a notification is filed under: the one given when the person is
    a member of it, otherwise the person's home organisation (whose administrators see
    the person's failed e-mails)."""
    from forvalta.core.models import Organisation

    own = set(
        Membership.objects.filter(user_id=person.pk)
        .active()
        .values_list("organisation_id", flat=True)
    )
    if organisation is not None and organisation.pk in own:
        return organisation
    home = home_organisation_id(person)
    return Organisation.objects.filter(pk=home).first() if home else None


def _sees(person: Any, obj: Any) -> bool:
    manager = type(obj)._default_manager
    if not hasattr(manager, "visible_to"):
        return True
    return bool(manager.visible_to(person).filter(pk=obj.pk).exists())


def notify(
    recipient: Any,
    kind_name: str,
    *,
    organisation: Any = None,
    link: str,
    title: str = "",
    key: str = "",
    obj: Any = None,
) -> Notification | None:
    """Notify one person; returns the notification, or None when nothing was stored:
    the person is inactive, does not see `obj` (when given), or was already notified
    under `key` (a scheduled reminder runs once per key and person).

    `link` is a path inside Forvalta (the item's page, which checks the scope again).
    `title` defaults to the kind's neutral title; never put an object's name in it.
    """
    spec = kind(kind_name)
    if recipient is None or not recipient.is_active:
        return None
    if not link.startswith("/") or not url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        raise ValueError("A notification links to a path inside Forvalta")
    if key and Notification.objects.filter(recipient_id=recipient.pk, key=key).exists():
        return None
    if obj is not None and not _sees(recipient, obj):
        return None
    channel = preferences_for(recipient)[spec.name]
    org = recipient_organisation(recipient, organisation)
    if not title:
        with translation.override(settings.LANGUAGE_CODE):
            title = str(spec.title)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                organisation=org,
                kind=spec.name,
                title=title[:200],
                link=link[:500],
                channel=channel,
                key=key[:200],
                content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
                object_id=obj.pk if obj is not None else None,
            )
            if channel == Channel.EMAIL:
                delivery = EmailDelivery.objects.create(
                    recipient=recipient,
                    organisation=org,
                    to_address=recipient.email or "",
                    kind=spec.name,
                )
                notification.delivery = delivery
                notification.save(update_fields=["delivery"])
                enqueue_delivery(delivery.pk)
    except IntegrityError:
        if key:  # notified under the same key by a concurrent run
            return None
        raise
    return notification


# --- the inbox -------------------------------------------------------------------------------
def mark_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark the actor's own notification read (a no-op when it already is)."""
    if notification.recipient_id != actor.pk:
        forget_scope(actor)
        raise PermissionDenied(_("You do not have permission to do this."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def mark_all_read(*, actor: Any) -> int:
    return Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def unread_count(user: Any) -> int:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


# --- e-mail ----------------------------------------------------------------------------------
def enqueue_delivery(delivery_id: int, run_after: dt.datetime | None = None) -> None:
    """Queue the sending task. The database backend writes the task in the current
    transaction (it commits or rolls back with the delivery); other backends are
    given it after the commit. A backend that cannot defer runs a retry at once."""
    from django_tasks_db import DatabaseBackend

    from forvalta.notifications.tasks import send_email

    task = send_email
    if run_after is not None and task.get_backend().supports_defer:
        task = task.using(run_after=run_after)
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(delivery_id)
    else:
        transaction.on_commit(lambda: task.enqueue(delivery_id))


def deliver(delivery_id: int) -> str:
    """Send one queued e-mail. A failure is counted and retried after a wait, and after
    the last attempt the delivery is failed (and listed for the organisation's
    administrators). Safe to run twice: only a queued delivery is sent. (A worker lost
    between the SMTP answer and the commit sends it again on the retry: at least once.)"""
    from forvalta.notifications.emails import build_message

    now = timezone.now()
    with transaction.atomic():
        delivery = (
            EmailDelivery.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != DeliveryStatus.QUEUED:
            return "skipped"
        delivery.attempts += 1
        delivery.last_attempt_at = now
        if not delivery.recipient.is_active:
            # A closed account gets no more e-mail (its administrators see why).
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = "The person's account is inactive."
            delivery.next_attempt_at = None
            delivery.save()
            return "failed"
        try:
            if not delivery.to_address:
                raise ValueError("The recipient has no e-mail address.")
            build_message(delivery).send(fail_silently=False)
        except Exception as exc:
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = None
                logger.warning("E-mail %s failed after %s attempts", delivery.pk, delivery.attempts)
            else:
                wait = BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1]
                delivery.next_attempt_at = now + wait
                enqueue_delivery(delivery.pk, run_after=delivery.next_attempt_at)
            delivery.save()
            return "failed" if delivery.status == DeliveryStatus.FAILED else "retrying"
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = now
        delivery.next_attempt_at = None
        delivery.last_error = ""
        delivery.save()
    return "sent"


def requeue_stalled(now: dt.datetime | None = None) -> int:
    """Queue again the e-mails whose task was lost: with a backend other than the
    database (Redis), the task is given to the queue after the commit, and a queue that
    was unreachable then loses it. With the database backend the task commits with the
    delivery and nothing is lost. Returns the number queued again."""
    from django_tasks_db import DatabaseBackend

    from forvalta.notifications.tasks import send_email

    if isinstance(send_email.get_backend(), DatabaseBackend):
        return 0
    now = now or timezone.now()
    cutoff = now - STALLED_AFTER
    stalled = EmailDelivery.objects.filter(status=DeliveryStatus.QUEUED).filter(
        Q(next_attempt_at__lt=cutoff) | Q(next_attempt_at__isnull=True, created_at__lt=cutoff)
    )
    count = 0
    for delivery_id in list(stalled.values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            # Not again for another STALLED_AFTER, however long the queue stays away.
            moved = EmailDelivery.objects.filter(
                pk=delivery_id, status=DeliveryStatus.QUEUED
            ).update(next_attempt_at=now)
            if moved:
                enqueue_delivery(delivery_id)
                count += 1
    return count


def delivery_retry(*, actor: Any, delivery: EmailDelivery) -> EmailDelivery:
    """An organisation administrator sends a failed e-mail again (with fresh attempts,
    to the person's current address)."""
    with transaction.atomic():
        fresh = (
            EmailDelivery.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=delivery.pk)
            .first()
        )
        allowed = fresh is not None and actor.has_perm("notifications.retry_emaildelivery", fresh)
        if allowed and fresh is not None:
            if fresh.status != DeliveryStatus.FAILED:
                raise ValidationError(_("Only a failed e-mail can be sent again."))
            before = fresh.attempts
            fresh.status = DeliveryStatus.QUEUED
            fresh.attempts = 0
            fresh.next_attempt_at = None
            fresh.to_address = fresh.recipient.email or ""
            fresh.save()
            enqueue_delivery(fresh.pk)
            record(
                actor=actor,
                action="notifications.emaildelivery.retried",
                obj=fresh,
                changes={
                    "status": [DeliveryStatus.FAILED, DeliveryStatus.QUEUED],
                    "attempts": [before, 0],
                },
            )
    if not allowed or fresh is None:
        forget_scope(actor)
        record(
            actor=actor,
            action="access.denied",
            object_type="notifications.emaildelivery",
            object_id=str(delivery.pk),
            changes={"attempted": [None, "retry"]},
        )
        raise PermissionDenied(_("You do not have permission to do this."))
    return fresh


def gather_digests(now: dt.datetime | None = None) -> int:
    """One digest e-mail per person for their digest notifications not yet e-mailed;
    returns the number of e-mails queued. Running it twice queues nothing new."""
    now = now or timezone.now()
    waiting = Notification.objects.filter(
        channel=Channel.DIGEST, delivery__isnull=True, created_at__lte=now
    )
    queued = 0
    for recipient_id in sorted(set(waiting.values_list("recipient_id", flat=True))):
        with transaction.atomic():
            rows = list(
                waiting.filter(recipient_id=recipient_id)
                .select_for_update(of=("self",))
                .select_related("recipient", "organisation")
                .order_by("created_at", "pk")
            )
            rows = [n for n in rows if n.delivery_id is None]
            if not rows:
                continue
            recipient = rows[0].recipient
            if not recipient.is_active:
                Notification.objects.filter(pk__in=[n.pk for n in rows]).update(
                    channel=Channel.INBOX
                )
                continue
            delivery = EmailDelivery.objects.create(
                recipient=recipient,
                organisation=rows[-1].organisation,
                to_address=recipient.email or "",
                kind="digest",
                is_digest=True,
            )
            Notification.objects.filter(pk__in=[n.pk for n in rows]).update(delivery=delivery)
            enqueue_delivery(delivery.pk)
            queued += 1
    return queued


def digest_counts(delivery: EmailDelivery) -> list[tuple[str, int]]:
    counts = Counter(delivery.notifications.values_list("kind", flat=True))  # type: ignore[attr-defined]  # reverse relation
    return sorted(counts.items())


# --- deadline reminders ----------------------------------------------------------------------
def remind_deadlines(on: dt.date | None = None) -> int:
    """Notify each person of their deadlines within their chosen days ahead
    (`deadline_approaching`) and of those passed (`deadline_passed`), once per item,
    due date and kind. Returns the number of notifications made."""
    on = on or today()
    horizon = on + dt.timedelta(days=MAX_DAYS_AHEAD)
    made = 0
    days: dict[int, int] = {}
    for source in deadline_sources():
        for deadline in source(on, horizon):
            person = deadline.person
            if deadline.due_on < on:
                kind_name = DEADLINE_PASSED
            else:
                if person.pk not in days:
                    days[person.pk] = days_ahead_for(person)
                if (deadline.due_on - on).days > days[person.pk]:
                    continue
                kind_name = DEADLINE_APPROACHING
            obj = deadline.obj
            key = f"{kind_name}:{obj._meta.label_lower}:{obj.pk}:{deadline.due_on.isoformat()}"
            if notify(
                person,
                kind_name,
                organisation=organisation_of(obj),
                link=obj.get_absolute_url(),
                key=key,
                obj=obj,
            ):
                made += 1
    return made


def prune(now: dt.datetime | None = None) -> tuple[int, int]:
    """Remove read notifications and sent e-mails older than
    FORVALTA_NOTIFICATIONS_KEEP_DAYS (default 365); unread ones and failed e-mails stay.
    Returns (notifications, e-mails) removed. (A reminder's key goes with its
    notification: a deadline still open a year after its reminder is reminded again.)"""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.FORVALTA_NOTIFICATIONS_KEEP_DAYS)
    notifications, _detail = Notification.objects.filter(
        read_at__isnull=False, created_at__lt=cutoff
    ).delete()
    deliveries, _detail = (
        EmailDelivery.objects.filter(status=DeliveryStatus.SENT, created_at__lt=cutoff)
        .exclude(notifications__isnull=False)
        .delete()
    )
    return notifications, deliveries
