"""The annual cycle's deadlines for the daily reminders: each open occurrence for the
holders of its control's responsible role acting for the organisation, and the IMY
deadline of each open, undecided or unreported incident for its data protection
contacts; read through each person's own scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

from forvalta.compliance.models import (
    IMY_DEADLINE,
    ControlOccurrence,
    IncidentStatus,
    NotifyDecision,
    OccurrenceStatus,
    PersonalDataIncident,
)
from forvalta.compliance.roles import DATA_PROTECTION_CONTACT
from forvalta.core.models import User
from forvalta.notifications.registry import Deadline, deadline_source
from forvalta.register.models import RoleAssignment


@deadline_source
def control_occurrences(on: dt.date, horizon: dt.date) -> Iterator[Deadline]:
    open_ones = ControlOccurrence.objects.filter(
        status=OccurrenceStatus.OPEN,
        due_on__lte=horizon,
        definition__active=True,
        definition__responsible_role__isnull=False,
    )
    holders = RoleAssignment.objects.active(on).filter(
        role_type_id__in=open_ones.values("definition__responsible_role_id"),
        organisation_id__in=open_ones.values("definition__organisation_id"),
    )
    people = User.objects.filter(is_active=True, pk__in=holders.values("person_id")).order_by("pk")
    for person in people:
        mine = holders.filter(person=person)
        occurrences = (
            ControlOccurrence.objects.visible_to(person)
            .filter(pk__in=open_ones.values("pk"))
            .filter(
                definition__responsible_role_id__in=mine.values("role_type_id"),
                definition__organisation_id__in=mine.values("organisation_id"),
            )
            .order_by("due_on", "pk")
        )
        for occurrence in occurrences:
            yield Deadline(person=person, obj=occurrence, due_on=occurrence.due_on)


@deadline_source
def incident_deadlines(on: dt.date, horizon: dt.date) -> Iterator[Deadline]:
    since = timezone.now() - IMY_DEADLINE - dt.timedelta(days=7)
    open_ones = PersonalDataIncident.objects.filter(
        status=IncidentStatus.OPEN,
        decision__in=[NotifyDecision.UNDECIDED, NotifyDecision.NOTIFY],
        aware_at__gte=since,
    )
    holders = RoleAssignment.objects.active(on).filter(
        role_type__code=DATA_PROTECTION_CONTACT,
        organisation_id__in=open_ones.values("organisation_id"),
    )
    people = User.objects.filter(is_active=True, pk__in=holders.values("person_id")).order_by("pk")
    for person in people:
        for incident in (
            PersonalDataIncident.objects.visible_to(person)
            .filter(pk__in=open_ones.values("pk"))
            .exclude(reports__kind="first")
            .order_by("aware_at", "pk")
        ):
            yield Deadline(person=person, obj=incident, due_on=incident.imy_deadline.date())
