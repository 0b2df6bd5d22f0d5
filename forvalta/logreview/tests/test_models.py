"""Storage of identities and who sees what (organisation-private; the log only to the
access staff)."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from django.conf import settings

from forvalta.logreview import identity
from forvalta.logreview.models import LogEntry, LogLoad, LogSource
from forvalta.logreview.tests.helpers import build_access_world, make_source

pytestmark = pytest.mark.django_db


def test_client_hash_is_hmac_keyed_per_organisation() -> None:
    key = hmac.new(
        settings.SECRET_KEY.encode(), b"forvalta.logreview.client:7", hashlib.sha256
    ).digest()
    expected = hmac.new(key, b"19121212-1212", hashlib.sha256).hexdigest()
    assert identity.hash_and_mask(7, "191212121212") == (expected, "19121212-****")
    assert identity.hash_and_mask(7, "121212+1212")[0] == expected  # over 100 years
    assert identity.hash_and_mask(8, "19121212-1212")[0] != expected
    with pytest.raises(identity.InvalidIdentity):
        identity.hash_and_mask(7, "19121212-1213")


def test_sources_are_organisation_private_and_log_only_for_staff() -> None:
    aw = build_access_world()
    source = make_source(aw)
    load = LogLoad.objects.create(
        organisation=aw.org,
        source=source,
        filename="x.csv",
        data=b"",
        uploaded_by=aw.people["sysadmin"],
    )
    digest, mask = identity.hash_and_mask(aw.org.pk, "19121212-1212")
    import datetime as dt

    from django.utils import timezone

    LogEntry.objects.create(
        organisation=aw.org,
        source=source,
        load=load,
        time=timezone.make_aware(dt.datetime(2026, 11, 3, 9, 0)),
        account="u-anna",
        client_hash=digest,
        client_masked=mask,
    )
    p = aw.people
    assert list(LogSource.objects.visible_to(p["anna"])) == [source]
    assert list(LogSource.objects.visible_to(p["other_controller"])) == []
    assert LogEntry.objects.visible_to(p["controller"]).count() == 1
    assert LogEntry.objects.visible_to(p["sysadmin"]).count() == 1
    assert LogEntry.objects.visible_to(p["anna"]).count() == 0
    assert LogEntry.objects.visible_to(p["mgr_north"]).count() == 0
    assert LogEntry.objects.visible_to(p["other_controller"]).count() == 0
    assert LogLoad.objects.visible_to(p["other_controller"]).count() == 0
