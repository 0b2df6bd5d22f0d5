"""The workflow hook: a transition that names who must act now (`Transition.waiting`)
notifies them (forvalta.workflow.engine.transition_waiting)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from forvalta.audit.services import organisation_of
from forvalta.notifications.services import notify
from forvalta.workflow.engine import Waiting, transition_waiting


@receiver(transition_waiting, dispatch_uid="notifications.transition_waiting")
def notify_waiting(sender: Any, actor: Any, waiting: list[Waiting], **kwargs: Any) -> None:
    for entry in waiting:
        if entry.person is None or (actor is not None and entry.person.pk == actor.pk):
            continue  # no one to tell, or the person who just acted
        notify(
            entry.person,
            entry.kind,
            organisation=organisation_of(entry.obj),
            link=entry.obj.get_absolute_url(),
            obj=entry.obj,
        )
