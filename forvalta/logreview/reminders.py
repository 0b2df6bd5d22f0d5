"""Deadlines of log review for the daily reminders (forvalta.notifications).

Each extract order waits on one person or role at a time (seed 004 6.3-6.5): the
attestation (a provider unit's manager, or for an authority order the organisation's
controllers of the system), then the extract (the log administrators: the system's
administrators), then the review and its documentation (the recipient). Each step is due
a number of days after the one before it (settings `LOGREVIEW_ATTEST_DAYS`,
`LOGREVIEW_FULFIL_DAYS` and `LOGREVIEW_REVIEW_DAYS`; 7, 7 and 30 by default), so the
quarter's review is not left waiting unnoticed. Whoever it waits on is reminded before
the due day (as many days ahead as they chose) and once it has passed, through their own
scope: `notify` tells nobody who does not see the order.

A review on suspicion (seed 004 section 7) waits in turn on the reviewed person's
manager's manager to enter whom and when (due as an attestation), the attestant, the
case's log administrator (or, where none is named, the system's log administrators;
due as an extract) and the recipient (due as a review). Only those named on the case
see it, so only they are told; the notification's title is the neutral "a deadline".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.utils import timezone

from forvalta.logreview.models import (
    ExtractOrder,
    OperationKind,
    OrderStatus,
    SuspicionCase,
    SuspicionStatus,
)
from forvalta.notifications.registry import Deadline, deadline_source

# Settings: days from the order to its attestation, from the attestation to the
# extract, from the extract to the documented review.
DAYS = {
    OrderStatus.REQUESTED: ("LOGREVIEW_ATTEST_DAYS", 7),
    OrderStatus.ATTESTED: ("LOGREVIEW_FULFIL_DAYS", 7),
    OrderStatus.FULFILLED: ("LOGREVIEW_REVIEW_DAYS", 30),
}


def days_for(status: str) -> int:
    name, default = DAYS[OrderStatus(status)]
    return max(1, int(getattr(settings, name, default) or default))


def due_on(order: ExtractOrder) -> dt.date | None:
    """The day the order's current step is due (None once its review is documented)."""
    since = {
        OrderStatus.REQUESTED: order.requested_at,
        OrderStatus.ATTESTED: order.attested_at,
        OrderStatus.FULFILLED: order.fulfilled_at,
    }.get(OrderStatus(order.status))
    if since is None or _documented(order):
        return None
    return timezone.localdate(since) + dt.timedelta(days=days_for(order.status))


def _documented(order: ExtractOrder) -> bool:
    try:
        return order.outcome is not None
    except ExtractOrder.outcome.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return False


def waiting_on(order: ExtractOrder) -> list[Any]:
    """Who the order's current step waits on (see the module's docstring)."""
    from forvalta.logreview.notices import _holders

    if order.status == OrderStatus.REQUESTED:
        if order.round.schedule.kind == OperationKind.AUTHORITY:
            return _holders(order, ("access_controller",))
        return [order.attestant]
    if order.status == OrderStatus.ATTESTED:
        return _holders(order, ("system_administrator",))
    return [order.recipient]


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@deadline_source
def extract_orders(on: dt.date, horizon: dt.date) -> Iterator[Deadline]:
    """The orders whose current step is due by `horizon` and not done."""
    waiting: list[ExtractOrder] = []
    for status in (OrderStatus.REQUESTED, OrderStatus.ATTESTED, OrderStatus.FULFILLED):
        # Due by the horizon: started before the day after (horizon - days).
        before = _start_of(horizon - dt.timedelta(days=days_for(status) - 1))
        field = {
            OrderStatus.REQUESTED: "requested_at",
            OrderStatus.ATTESTED: "attested_at",
            OrderStatus.FULFILLED: "fulfilled_at",
        }[status]
        orders = ExtractOrder.objects.filter(status=status, **{f"{field}__lt": before})
        if status == OrderStatus.FULFILLED:
            orders = orders.filter(outcome__isnull=True)
        waiting += orders.select_related(
            "organisation", "attestant", "recipient", "round__schedule__source__system"
        ).order_by("pk")
    for order in waiting:
        due = due_on(order)
        if due is None or due > horizon:
            continue
        told: set[int] = set()
        for person in waiting_on(order):
            if person is None or not person.is_active or person.pk in told:
                continue
            told.add(person.pk)
            if ExtractOrder.objects.visible_to(person).filter(pk=order.pk).exists():
                yield Deadline(person=person, obj=order, due_on=due)


# A case's steps: (the time the step began, the setting its days come from).
CASE_STEPS = {
    SuspicionStatus.REQUESTED: ("requested_at", OrderStatus.REQUESTED),
    SuspicionStatus.SUBJECT_ENTERED: ("entered_at", OrderStatus.REQUESTED),
    SuspicionStatus.ATTESTED: ("attested_at", OrderStatus.ATTESTED),
    SuspicionStatus.FULFILLED: ("fulfilled_at", OrderStatus.FULFILLED),
}


def case_due_on(case: SuspicionCase) -> dt.date | None:
    """The day the case's current step is due (None once documented)."""
    step = CASE_STEPS.get(SuspicionStatus(case.status))
    if step is None:
        return None
    since = getattr(case, step[0])
    if since is None:
        return None
    return timezone.localdate(since) + dt.timedelta(days=days_for(step[1]))


def case_waiting_on(case: SuspicionCase) -> list[Any]:
    """Who the case's current step waits on (see the module's docstring)."""
    if case.status == SuspicionStatus.REQUESTED:
        return [case.senior_manager]
    if case.status == SuspicionStatus.SUBJECT_ENTERED:
        return [case.attestant]
    if case.status == SuspicionStatus.ATTESTED:
        from forvalta.logreview.suspicion import log_administrators

        return [case.administrator] if case.administrator_id else log_administrators(case)
    if case.status == SuspicionStatus.FULFILLED:
        return [case.recipient]
    return []


@deadline_source
def suspicion_cases(on: dt.date, horizon: dt.date) -> Iterator[Deadline]:
    """The reviews on suspicion whose current step is due by `horizon` and not done."""
    waiting: list[SuspicionCase] = []
    for status, (field, setting) in CASE_STEPS.items():
        before = _start_of(horizon - dt.timedelta(days=days_for(setting) - 1))
        waiting += (
            SuspicionCase.objects.filter(status=status, **{f"{field}__lt": before})
            .select_related(
                "organisation",
                "source",
                "senior_manager",
                "attestant",
                "administrator",
                "recipient",
            )
            .order_by("pk")
        )
    for case in waiting:
        due = case_due_on(case)
        if due is None or due > horizon:
            continue
        told: set[int] = set()
        for person in case_waiting_on(case):
            if person is None or not person.is_active or person.pk in told:
                continue
            told.add(person.pk)
            if SuspicionCase.objects.visible_to(person).filter(pk=case.pk).exists():
                yield Deadline(person=person, obj=case, due_on=due)
