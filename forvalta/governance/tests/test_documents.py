"""A meeting's uploaded document is served through the meeting's scope, never by its
media address; each read is recorded."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from forvalta.audit.models import AuditEvent
from forvalta.governance.models import MeetingDocument
from forvalta.governance.tests.helpers import governance_world, meeting_in

pytestmark = pytest.mark.django_db


def test_a_meeting_document_reaches_only_those_who_see_the_meeting(
    client, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    world, body = governance_world()
    meeting = meeting_in(body, 10)
    document = MeetingDocument(meeting=meeting, title="Underlag budget")
    document.file.save("underlag.pdf", ContentFile(b"%PDF-1.4 underlag"), save=True)
    url = reverse("governance:meetingdocument_file", args=[document.pk])

    client.force_login(world.users["lead"])
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert f'<a href="{url}" hx-boost="false">Underlag budget</a>' in page
    assert document.file.url not in page
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 underlag"
    [event] = AuditEvent.objects.filter(id__gt=last)
    assert event.action == "governance.meetingdocument.document_read"

    # Someone outside the body: not found, and no read recorded.
    client.force_login(world.users["staff3"])
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(
        id__gt=last, action="governance.meetingdocument.document_read"
    ).exists()
