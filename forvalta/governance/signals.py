"""Ending a Participation ends the organisation's memberships of the service's bodies.

The register ends a participation by its status (ended) or its end date; members are
also read through `BodyMember.objects.current()`, which checks the participation in the
query, so a participation that runs out by date needs no signal.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from forvalta.core.models import today
from forvalta.register.models import Participation, ParticipationStatus


@receiver(post_save, sender=Participation, dispatch_uid="governance_participation_ended")
def end_memberships(sender: Any, instance: Participation, **kwargs: Any) -> None:
    from forvalta.governance.models import BodyMember

    ended_on = None
    if instance.status == ParticipationStatus.ENDED:
        ended_on = instance.valid_to or today()
    elif instance.valid_to is not None and instance.valid_to < today():
        ended_on = instance.valid_to
    if ended_on is None:
        return
    still_taking_part = (
        Participation.objects.active()
        .filter(service_id=instance.service_id, organisation_id=instance.organisation_id)
        .exclude(status__in=[ParticipationStatus.APPLIED, ParticipationStatus.ENDED])
        .exclude(pk=instance.pk)
        .exists()
    )
    if still_taking_part:
        return
    BodyMember.objects.filter(  # scoping: allowed a register signal, no user
        body__service_id=instance.service_id,
        organisation_id=instance.organisation_id,
        ended_on__isnull=True,
    ).exclude(body__organisation_id=instance.organisation_id).update(ended_on=ended_on)
