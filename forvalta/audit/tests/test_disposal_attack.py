"""A disposal cannot hide a deletion.

The attack (issue 7): an application role deletes the 50 oldest events, all of the same
day, inserts a disposal row dated 2000-01-01 and records an `audit.disposed` event for
it. Here it is done with raw SQL as a privileged role (the triggers dropped); verify
must name it, from the stored checkpoints alone and with the exported ones.
On PostgreSQL the application's role cannot call the disposal function at all.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from forvalta.audit import db
from forvalta.audit.models import AuditDisposal, AuditEvent
from forvalta.audit.services import (
    checkpoint_create,
    checkpoints_as_rows,
    disposal_changes,
    record,
)
from forvalta.audit.verify import load_checkpoints, verify_trail

UTC = dt.UTC


def _trail() -> list[Any]:
    """70 events today, with the day's checkpoint at seq 31; returns the exported
    checkpoints (what the auditor keeps outside the database)."""
    for i in range(30):
        record(actor=None, action="test.event", object_repr=f"before {i}")
    checkpoint_create()
    for i in range(40):
        record(actor=None, action="test.event", object_repr=f"after {i}")
    return load_checkpoints(checkpoints_as_rows(), source="export.json")


def _attack(
    *,
    disposed_at: dt.datetime,
    first: dt.datetime | None,
    last: dt.datetime | None,
    record_event: bool = True,
    event_changes: dict[str, Any] | None = None,
) -> None:
    db.remove_guards(connection)  # a privileged role (rolled back with the test)
    anchor = AuditEvent.objects.get(seq=50)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq <= 50")
    disposal = AuditDisposal(
        disposed_at=disposed_at,
        before=dt.datetime(disposed_at.year - 10, 1, 1, tzinfo=UTC),
        from_seq=1,
        up_to_seq=50,
        anchor_hash=anchor.hash,
        removed=50,
        first_occurred_at=first,
        last_occurred_at=last,
        per_organisation={"platform": 50},
    )
    disposal.save(force_insert=True)
    db.install_guards(connection)
    if record_event:
        record(
            actor=None,
            action="audit.disposed",
            object_type="audit.auditdisposal",
            object_id=str(disposal.pk),
            object_repr="1–50",
            changes=event_changes if event_changes is not None else disposal_changes(disposal),
        )


def _assert_named(exported: list[Any], expected: str) -> None:
    assert AuditEvent.objects.order_by("seq").first().seq == 51  # type: ignore[union-attr]
    for extra in ([], exported):
        result = verify_trail(extra_checkpoints=extra)
        assert not result.intact, result
        assert result.broken is not None
        assert (result.broken.seq, result.broken.code) == (51, "anchor")
        assert expected in result.broken.detail, result.broken.detail
        reference = verify_trail(extra_checkpoints=extra, reference=True)
        assert reference.broken == result.broken


@pytest.mark.django_db
def test_the_issues_attack_a_disposal_dated_2000_is_named() -> None:
    exported = _trail()
    _attack(disposed_at=dt.datetime(2000, 1, 1, tzinfo=UTC), first=None, last=None)
    _assert_named(exported, "the disposal does not record the dates of the events it removed")


@pytest.mark.django_db
def test_a_disposal_dated_2000_with_dates_claimed_for_its_events_is_named() -> None:
    exported = _trail()
    _attack(
        disposed_at=dt.datetime(2000, 1, 1, tzinfo=UTC),
        first=dt.datetime(1989, 1, 1, tzinfo=UTC),
        last=dt.datetime(1989, 12, 31, tzinfo=UTC),
    )
    _assert_named(exported, "the disposal record is dated 2000-01-01, but it was recorded")


@pytest.mark.django_db
def test_a_disposal_of_todays_events_is_named_by_their_own_dates() -> None:
    exported = _trail()
    events = AuditEvent.objects.filter(seq__lte=50)
    first = events.order_by("seq").first().occurred_at  # type: ignore[union-attr]
    last = events.order_by("-seq").first().occurred_at  # type: ignore[union-attr]
    _attack(disposed_at=timezone.now(), first=first, last=last)
    _assert_named(exported, "younger than the retention when it was disposed of")


@pytest.mark.django_db
def test_a_disposal_that_lies_about_its_events_dates_is_named_by_the_checkpoint() -> None:
    exported = _trail()
    _attack(
        disposed_at=timezone.now(),
        first=dt.datetime(1989, 1, 1, tzinfo=UTC),
        last=dt.datetime(1989, 12, 31, tzinfo=UTC),
    )
    _assert_named(exported, "lies within the disposed events (seq 31)")


@pytest.mark.django_db
def test_a_disposal_whose_chained_event_differs_or_is_missing_is_named() -> None:
    exported = _trail()
    _attack(
        disposed_at=timezone.now(),
        first=dt.datetime(1989, 1, 1, tzinfo=UTC),
        last=dt.datetime(1989, 12, 31, tzinfo=UTC),
        event_changes={"up_to_seq": [None, 50]},
    )
    _assert_named(exported, "the disposal record differs from the disposal event in the chain")


@pytest.mark.django_db
def test_a_disposal_not_recorded_in_the_chain_is_named() -> None:
    exported = _trail()
    _attack(disposed_at=timezone.now(), first=None, last=None, record_event=False)
    _assert_named(exported, "the disposal the chain starts from is not recorded in the chain")


# --- PostgreSQL: only the disposer role may call the disposal function --------------------
@pytest.mark.django_db(transaction=True)
def test_the_application_role_cannot_call_the_disposal_function() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("database roles and function privileges are PostgreSQL's")
    import psycopg

    record(actor=None, action="test.event")
    settings = connection.settings_dict
    app_role = f"forvalta_test_app_{os.getpid()}"
    disposer = f"forvalta_test_disposer_{os.getpid()}"
    params = {
        "host": settings["HOST"] or "127.0.0.1",
        "port": settings["PORT"] or 5432,
        "dbname": settings["NAME"],
    }
    with psycopg.connect(**params, user=settings["USER"], autocommit=True) as admin:
        for role in (app_role, disposer):
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')
            admin.execute(f'CREATE ROLE "{role}" LOGIN')
            admin.execute(f'GRANT SELECT, INSERT ON audit_auditevent TO "{role}"')
        admin.execute(f'GRANT {db.DISPOSER_ROLE} TO "{disposer}"')
        try:
            with psycopg.connect(**params, user=app_role) as app:
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    app.execute("SELECT forvalta_audit_dispose(1)")
                app.rollback()
                # Nor can it delete events itself, setting the disposal flag by hand.
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    app.execute("SELECT set_config('forvalta.audit_disposal', 'on', true)")
                    app.execute("DELETE FROM audit_auditevent WHERE seq <= 1")
            with psycopg.connect(**params, user=disposer) as role:
                removed = role.execute("SELECT forvalta_audit_dispose(0)").fetchone()
                assert removed == (0,)
        finally:
            for role in (app_role, disposer):
                admin.execute(f'REVOKE ALL ON audit_auditevent FROM "{role}"')
                admin.execute(f'DROP ROLE IF EXISTS "{role}"')
    assert AuditEvent.objects.count() == 1
    assert verify_trail().intact
