"""The invitation e-mail of a new person, sent by the task queue (see docs/tasks.md).

The task gets only the person's id: the link (with its token) is made when the e-mail
is sent and is stored nowhere."""

from __future__ import annotations

from django_tasks import task


@task()
def send_invitation_email(person_id: int) -> str:
    from forvalta.core.invitations import deliver_invitation

    return deliver_invitation(person_id)
