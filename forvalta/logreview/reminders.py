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

from forvalta.core.models import today
from forvalta.logreview.models import (
    ExtractOrder,
    OperationKind,
    OrderStatus,
    SuspicionCase,
    SuspicionStatus,
)
from forvalta.notifications.registry import Deadline, deadline_source

# Django settings: days from the order to its attestation, from the attestation to the
# extract, from the extract to the documented review.
DAYS = {
    OrderStatus.REQUESTED: ("LOGREVIEW_ATTEST_DAYS", 7),
    OrderStatus.ATTESTED: ("LOGREVIEW_FULFIL_DAYS", 7),
    OrderStatus.FULFILLED: ("LOGREVIEW_REVIEW_DAYS", 30),
}
# When each step of an order began.
SINCE = {
    OrderStatus.REQUESTED: "requested_at",
    OrderStatus.ATTESTED: "attested_at",
    OrderStatus.FULFILLED: "fulfilled_at",
}
CONTROLLERS = ("access_controller",)
LOG_ADMINISTRATORS = ("system_administrator",)


def days_for(status: str) -> int:
    name, default = DAYS[OrderStatus(status)]
    value = getattr(settings, name, default)
    return max(1, int(default if value is None else value))


def due_context(day: dt.date | None) -> dict[str, Any]:
    """The page's "next step due" line (`logreview/partials/due.html`)."""
    return {"due_on": day, "overdue": day is not None and day < today()}


def _due(since: dt.datetime | None, status: str) -> dt.date | None:
    if since is None:
        return None
    return timezone.localdate(since) + dt.timedelta(days=days_for(status))


def due_on(order: ExtractOrder) -> dt.date | None:
    """The day the order's current step is due (None once its review is documented)."""
    field = SINCE.get(OrderStatus(order.status))
    if field is None or (order.status == OrderStatus.FULFILLED and _documented(order)):
        return None
    return _due(getattr(order, field), order.status)


def _documented(order: ExtractOrder) -> bool:
    try:
        return order.outcome is not None
    except ExtractOrder.outcome.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return False


class _People:
    """Role holders per (organisation, system, roles) and one User object per person
    for the whole run, so each person's scope is read once (`scope_for` keeps it on the
    object), however many orders wait on them."""

    def __init__(self) -> None:
        self.holders: dict[tuple[int, int, tuple[str, ...]], list[Any]] = {}
        self.people: dict[int, Any] = {}

    def one(self, person: Any) -> Any:
        return self.people.setdefault(person.pk, person)

    def holding(self, order: ExtractOrder, codes: tuple[str, ...]) -> list[Any]:
        from forvalta.access.services import role_holders

        system = order.round.schedule.source.system
        key = (order.organisation_id, system.pk, codes)
        if key not in self.holders:
            self.holders[key] = [
                self.one(p) for p in role_holders(order.organisation, system, codes)
            ]
        return self.holders[key]


def waiting_on(order: ExtractOrder, people: _People) -> list[Any]:
    """Who the order's current step waits on (see the module's docstring), active."""
    if order.status == OrderStatus.REQUESTED:
        if order.round.schedule.kind == OperationKind.AUTHORITY:
            named = people.holding(order, CONTROLLERS)
        else:
            named = [order.attestant]
    elif order.status == OrderStatus.ATTESTED:
        named = people.holding(order, LOG_ADMINISTRATORS)
    else:
        named = [order.recipient]
    return [people.one(p) for p in named if p is not None and p.is_active]


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@deadline_source
def extract_orders(on: dt.date, horizon: dt.date) -> Iterator[Deadline]:
    """The orders whose current step is due by `horizon` and not done, for whoever it
    waits on and sees the order. Where that is nobody (a provider unit without a manager
    to attest, an attestant or recipient who left or is inactive, no log administrator),
    the organisation's controllers of the system are reminded instead: they name the
    attestant and the recipient and order the extract. One visibility query per person."""
    people = _People()
    due: list[tuple[ExtractOrder, dt.date, list[Any]]] = []
    for status, field in SINCE.items():
        # Due by the horizon: the step began before the day after (horizon - days).
        before = _start_of(horizon - dt.timedelta(days=days_for(status) - 1))
        orders = ExtractOrder.objects.filter(status=status, **{f"{field}__lt": before})
        if status == OrderStatus.FULFILLED:
            orders = orders.filter(outcome__isnull=True)
        for order in orders.select_related(
            "organisation", "attestant", "recipient", "round__schedule__source__system"
        ).order_by("pk"):
            day = _due(getattr(order, field), status)
            if day is not None and day <= horizon:
                due.append((order, day, waiting_on(order, people)))
    wanted: dict[int, set[int]] = {}
    for order, _day, named in due:
        for person in named:
            wanted.setdefault(person.pk, set()).add(order.pk)
    seen = {
        pk: set(
            ExtractOrder.objects.visible_to(people.people[pk])
            .filter(pk__in=sorted(ids))
            .values_list("pk", flat=True)
        )
        for pk, ids in wanted.items()
    }
    for order, day, named in due:
        told = [p for p in named if order.pk in seen[p.pk]]
        for person in told or people.holding(order, CONTROLLERS):
            yield Deadline(person=person, obj=order, due_on=day)


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
    return None if step is None else _due(getattr(case, step[0]), step[1])


def case_waiting_on(case: SuspicionCase) -> list[Any]:
    """Who the case's current step waits on (see the module's docstring): only people
    named on the case, who alone see it."""
    named: list[Any]
    if case.status == SuspicionStatus.REQUESTED:
        named = [case.senior_manager]
    elif case.status == SuspicionStatus.SUBJECT_ENTERED:
        named = [case.attestant]
    elif case.status == SuspicionStatus.ATTESTED:
        from forvalta.logreview.suspicion import log_administrators

        named = [case.administrator] if case.administrator_id else log_administrators(case)
    elif case.status == SuspicionStatus.FULFILLED:
        named = [case.recipient]
    else:
        named = []
    return [p for p in named if p is not None and p.is_active]


@deadline_source
def suspicion_cases(on: dt.date, horizon: dt.date) -> Iterator[Deadline]:
    """The reviews on suspicion whose current step is due by `horizon` and not done.
    (`notify` tells only those who see the case: never the person reviewed.)"""
    people = _People()
    for status, (field, setting) in CASE_STEPS.items():
        before = _start_of(horizon - dt.timedelta(days=days_for(setting) - 1))
        cases = (
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
        for case in cases:
            due = _due(getattr(case, field), setting)
            if due is None or due > horizon:
                continue
            told: set[int] = set()
            for person in case_waiting_on(case):
                if person.pk not in told:
                    told.add(person.pk)
                    yield Deadline(person=people.one(person), obj=case, due_on=due)
