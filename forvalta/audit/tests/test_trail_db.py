"""The trail in the database: guards, verification of real tampering, checkpoints,
retention and disposal, and the management commands. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import zoneinfo
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from forvalta.audit import chain, db
from forvalta.audit.models import AuditCheckpoint, AuditDisposal, AuditEvent, AuditRetention
from forvalta.audit.services import (
    append_many,
    checkpoint_create,
    disposal_plan,
    dispose,
    record,
    retention_set,
)
from forvalta.audit.verify import verify_trail
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")


def make_events(n: int, **extra: Any) -> list[AuditEvent]:
    return [
        record(
            actor=None,
            action="test.event",
            object_repr=f"event {i}",
            changes={"i": [None, i]},
            **extra,
        )
        for i in range(n)
    ]


def sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def without_guards() -> None:
    """Tamper as a database owner would: drop the triggers (rolled back with the test)."""
    db.remove_guards(connection)


# --- recording ------------------------------------------------------------------------------
def test_events_are_chained_in_order_and_verify_intact() -> None:
    events = make_events(5)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == chain.GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    result = verify_trail()
    assert result.intact
    assert str(result) == "intact: 5 events"


def test_record_keeps_every_field_and_masks_sensitive_values() -> None:
    org = OrganisationFactory(name="Kungälvs kommun")
    user = UserFactory(first_name="Anna", last_name="Berg")
    from forvalta.audit import context

    token = context.activate(
        context.AuditContext(
            client_address="::ffff:192.0.2.7",
            user_agent="Firefox",
            request_id="req-1",
            api_token_id=42,
        )
    )
    try:
        event = record(
            actor=user,
            action="core.organisation.updated",
            obj=org,
            changes={"name": ["A", "B"], "password": ["old", "new"], "cost": [1.25, None]},
            reason="Rättelse",
        )
    finally:
        context.deactivate(token)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_id, stored.actor_name) == (user.pk, "Anna Berg")
    assert (stored.organisation_id, stored.organisation_name) == (org.pk, "Kungälvs kommun")
    assert stored.client_address == "192.0.2.7"
    assert (stored.user_agent, stored.request_id, stored.api_token_id) == ("Firefox", "req-1", "42")
    assert (stored.object_type, stored.object_id) == ("core.organisation", str(org.pk))
    assert stored.changes == {
        "name": ["A", "B"],
        "password": ["••••", "••••"],
        "cost": ["1.25", None],
    }
    assert stored.reason == "Rättelse"
    assert verify_trail().intact


def test_events_of_commands_carry_the_program_as_client() -> None:
    event = record(actor=None, action="test.event")
    assert event.user_agent.startswith("system: ")
    assert event.request_id


def test_a_rolled_back_event_leaves_no_gap() -> None:
    make_events(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor=None, action="test.rolled_back")
        raise RuntimeError
    event = record(actor=None, action="test.after")
    assert event.seq == 3
    assert verify_trail().intact


# --- guards ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET action = 'x' WHERE seq = 1",
        "DELETE FROM audit_auditevent WHERE seq = 1",
        "UPDATE audit_auditcheckpoint SET hash = 'x'",
        "DELETE FROM audit_auditcheckpoint",
    ],
)
def test_raw_sql_cannot_change_or_delete_audit_rows(statement: str) -> None:
    make_events(2)
    checkpoint_create()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql(statement)
    assert AuditEvent.objects.count() == 3
    assert AuditCheckpoint.objects.count() == 1
    assert verify_trail().intact


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_auditdisposal SET removed = 0", "DELETE FROM audit_auditdisposal"],
)
def test_raw_sql_cannot_change_or_delete_disposal_records(statement: str) -> None:
    AuditDisposal.objects.bulk_create(
        [
            AuditDisposal(
                disposed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                before=dt.datetime(2012, 1, 1, tzinfo=dt.UTC),
                from_seq=1,
                up_to_seq=2,
                anchor_hash="0" * 64,
                removed=2,
            )
        ]
    )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql(statement)
    assert AuditDisposal.objects.get().removed == 2


def test_truncate_is_refused_on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    make_events(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.count() == 1


def test_the_orm_refuses_updates_and_deletes() -> None:
    (event,) = make_events(1)
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


# --- tampering in the database -----------------------------------------------------------------
def test_an_edited_field_is_found_at_its_event() -> None:
    make_events(6)
    without_guards()
    sql("UPDATE audit_auditevent SET actor_name = 'Mallory' WHERE seq = 4")
    result = verify_trail()
    assert not result.intact
    assert str(result).startswith("broken at seq 4: the content does not match")


def test_edited_changes_are_found() -> None:
    make_events(3)
    without_guards()
    sql("UPDATE audit_auditevent SET changes = %s WHERE seq = 2", ['{"i": [null, 99]}'])
    assert verify_trail().broken.seq == 2  # type: ignore[union-attr]


def test_a_deleted_event_is_found_where_it_was() -> None:
    make_events(6)
    without_guards()
    sql("DELETE FROM audit_auditevent WHERE seq = 3")
    result = verify_trail()
    assert str(result) == "broken at seq 3: event 3 is missing (the next event found is seq 4)"


def test_an_inserted_event_is_found() -> None:
    """A forger makes room after seq 2, inserts a well-linked event and shifts the rest."""
    events = make_events(5)
    without_guards()
    sql("UPDATE audit_auditevent SET seq = seq + 100 WHERE seq > 2")
    sql("UPDATE audit_auditevent SET seq = seq - 99 WHERE seq > 100")
    forged = {name: getattr(events[2], name) for name in chain.HASHED_FIELDS}
    forged["action"] = "test.forged"
    fields = {**forged, "occurred_at": chain.timestamp(events[2].occurred_at)}
    digest = chain.event_hash(3, events[1].hash, fields)
    AuditEvent.objects.bulk_create(
        [AuditEvent(seq=3, prev_hash=events[1].hash, hash=digest, **forged)]
    )
    result = verify_trail()
    assert not result.intact
    assert result.broken is not None
    assert result.broken.seq == 4  # the original third event no longer fits
    assert result.broken.code == "link"


def test_two_swapped_events_are_found_at_the_first() -> None:
    make_events(5)
    without_guards()
    sql("UPDATE audit_auditevent SET seq = -1 WHERE seq = 2")
    sql("UPDATE audit_auditevent SET seq = 2 WHERE seq = 4")
    sql("UPDATE audit_auditevent SET seq = 4 WHERE seq = -1")
    result = verify_trail()
    assert result.broken is not None
    assert result.broken.seq == 2


def test_a_cut_tail_is_found_through_the_checkpoint() -> None:
    make_events(5)
    checkpoint, created = checkpoint_create()
    assert created
    assert checkpoint.seq == 6  # the checkpoint's own event is included
    assert checkpoint_create() == (checkpoint, False)  # idempotent per day
    without_guards()
    sql("DELETE FROM audit_auditevent WHERE seq >= 5")
    result = verify_trail()
    assert not result.intact
    assert result.broken is not None
    assert (result.broken.seq, result.broken.code) == (5, "tail")
    assert "checkpoint" in str(result)


def test_a_cut_tail_is_found_against_an_exported_checkpoint_file(tmp_path: Any) -> None:
    """The owner deletes the tail and the checkpoint rows: the export still tells."""
    make_events(4)
    checkpoint_create()
    out = io.StringIO()
    call_command("audit_checkpoint", "--no-create", "--export", "json", stdout=out)
    exported = tmp_path / "checkpoints.json"
    exported.write_text(out.getvalue(), encoding="utf-8")
    without_guards()
    sql("DELETE FROM audit_auditevent WHERE seq >= 3")
    sql("DELETE FROM audit_auditcheckpoint")
    db.install_guards(connection)
    assert verify_trail().intact  # the database alone cannot tell …
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit_verify", "--checkpoints", str(exported), stdout=out)
    assert exit_info.value.code == 1
    assert out.getvalue().startswith("broken at seq 3:")  # … the export can


def test_a_rewritten_chain_is_found_through_the_checkpoint() -> None:
    events = make_events(4)
    checkpoint_create()
    without_guards()
    rows = list(AuditEvent.objects.order_by("seq"))
    builder = chain.ChainBuilder()
    for event in rows:
        if event.seq == 2:
            event.reason = "rewritten"
        fields = {name: getattr(event, name) for name in chain.HASHED_FIELDS}
        fields["occurred_at"] = chain.timestamp(event.occurred_at)
        _, prev, digest = builder.append(fields)
        sql(
            "UPDATE audit_auditevent SET reason = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [event.reason, prev, digest, event.seq],
        )
    result = verify_trail()
    assert result.broken is not None
    assert (result.broken.seq, result.broken.code) == (5, "checkpoint")
    assert events


# --- commands ----------------------------------------------------------------------------------
def test_verify_command_prints_intact_and_records_the_verification() -> None:
    make_events(3)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().strip() == "intact: 3 events"
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None
    assert last.action == "audit.verified"
    assert last.changes["result"] == [None, "intact"]


def test_verify_command_exits_1_when_broken() -> None:
    make_events(3)
    without_guards()
    sql("UPDATE audit_auditevent SET action = 'x' WHERE seq = 2")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit_verify", "--no-record", stdout=out)
    assert exit_info.value.code == 1
    assert out.getvalue().startswith("broken at seq 2:")


def test_checkpoint_command_exports_csv() -> None:
    make_events(1)
    out = io.StringIO()
    call_command("audit_checkpoint", "--export", "csv", stdout=out, stderr=io.StringIO())
    lines = out.getvalue().strip().splitlines()
    assert lines[0] == "day,seq,hash,count,created_at"
    checkpoint = AuditCheckpoint.objects.get()
    assert lines[1].startswith(f"{checkpoint.day},{checkpoint.seq},{checkpoint.hash},")


# --- retention and disposal ----------------------------------------------------------------------
def test_retention_under_ten_years_is_refused() -> None:
    org = OrganisationFactory()
    admin = UserFactory()
    MembershipFactory(user=admin, organisation=org, is_org_admin=True)
    with pytest.raises(ValidationError) as info:
        retention_set(actor=admin, organisation=org, years=9)
    assert "ten years" in str(info.value) or "tio år" in str(info.value)
    assert not AuditRetention.objects.exists()
    retention = retention_set(actor=admin, organisation=org, years=12)
    assert retention.years == 12
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    assert (event.action, event.changes) == ("audit.retention_changed", {"years": [10, 12]})


def test_retention_is_set_only_by_the_organisations_administrators() -> None:
    org = OrganisationFactory()
    member = UserFactory()
    MembershipFactory(user=member, organisation=org)
    with pytest.raises(PermissionDenied):
        retention_set(actor=member, organisation=org, years=15)
    assert not AuditRetention.objects.exists()
    assert AuditEvent.objects.get().action == "access.denied"


def test_the_database_refuses_retention_under_ten_years() -> None:
    org = OrganisationFactory()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRetention.objects.create(organisation=org, years=5)


def _old_events(years: list[int], organisation: Any = None) -> None:
    rows = []
    for year in years:
        rows.append(
            {
                "occurred_at": dt.datetime(year, 6, 1, 12, tzinfo=STOCKHOLM),
                "action": "test.old",
                "organisation_id": organisation.pk if organisation else None,
                "organisation_name": str(organisation) if organisation else "",
                "object_repr": str(year),
            }
        )
    append_many(rows)


def test_disposal_removes_whole_old_years_and_verify_still_passes() -> None:
    org = OrganisationFactory()
    _old_events([2010, 2011, 2011, 2014, 2016], org)
    make_events(2)
    today = dt.date(2026, 3, 1)  # ten years back: everything before 2016-01-01
    plan = disposal_plan(today=today)
    assert plan is not None
    assert (plan.from_seq, plan.up_to_seq, plan.removed) == (1, 4, 4)
    assert plan.before == dt.datetime(2016, 1, 1, tzinfo=STOCKHOLM)
    assert plan.per_organisation == {str(org.pk): 4}
    disposal = dispose(today=today)
    assert disposal is not None
    assert AuditEvent.objects.order_by("seq").first().seq == 5  # type: ignore[union-attr]
    assert disposal.anchor_hash == plan.anchor_hash
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None
    assert last.action == "audit.disposed"
    assert last.changes["up_to_seq"] == [None, 4]
    result = verify_trail()
    assert result.intact, result
    assert result.count == 4  # 2016 and two new events and the disposal event
    assert disposal_plan(today=today) is None
    # New events chain on, and verification still starts from the anchor.
    make_events(1)
    assert verify_trail().intact


def test_a_longer_retention_holds_back_disposal_of_the_years_it_has_events_in() -> None:
    keeper = OrganisationFactory()
    other = OrganisationFactory()
    AuditRetention.objects.create(organisation=keeper, years=14)
    _old_events([2010], other)
    _old_events([2012], keeper)
    _old_events([2013], other)
    plan = disposal_plan(today=dt.date(2026, 3, 1))
    # keeper's cutoff is 2012-01-01: only 2010 (other) can go.
    assert plan is not None
    assert (plan.up_to_seq, plan.per_organisation) == (1, {str(other.pk): 1})


def test_nothing_younger_than_ten_years_is_disposed() -> None:
    _old_events([2017, 2020])
    assert disposal_plan(today=dt.date(2026, 12, 31)) is None


def test_disposal_refuses_a_broken_chain() -> None:
    _old_events([2010, 2011, 2020])
    without_guards()
    sql("UPDATE audit_auditevent SET action = 'x' WHERE seq = 1")
    db.install_guards(connection)
    with pytest.raises(ValidationError):
        dispose(today=dt.date(2026, 1, 1))
    assert AuditEvent.objects.count() == 3


def test_a_faked_disposal_record_is_found() -> None:
    """Deleting the start of the chain and inserting a disposal row to cover it."""
    _old_events([2010, 2011, 2020, 2021])
    without_guards()
    second = AuditEvent.objects.get(seq=2)
    sql("DELETE FROM audit_auditevent WHERE seq <= 2")
    AuditDisposal.objects.bulk_create(
        [
            AuditDisposal(
                disposed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                before=dt.datetime(2012, 1, 1, tzinfo=dt.UTC),
                from_seq=1,
                up_to_seq=2,
                anchor_hash=second.hash,
                removed=2,
            )
        ]
    )
    result = verify_trail()
    assert result.broken is not None
    assert (result.broken.seq, result.broken.code) == (3, "anchor")


def test_dispose_command_is_a_dry_run_by_default() -> None:
    _old_events([2010, 2020])
    out = io.StringIO()
    call_command("audit_dispose", "--today", "2026-02-01", stdout=out)
    assert "dry run" in out.getvalue()
    assert AuditEvent.objects.count() == 2
    out = io.StringIO()
    call_command("audit_dispose", "--today", "2026-02-01", "--commit", stdout=out)
    assert "removed 1 events" in out.getvalue()
    assert AuditEvent.objects.filter(action="test.old").count() == 1
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().startswith("intact:")


def test_append_many_chains_batches() -> None:
    make_events(1)
    n = append_many(
        (
            {
                "occurred_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                "action": "bulk",
                "changes": {"n": i},
            }
            for i in range(25)
        ),
        batch_size=10,
    )
    assert n == 25
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, 27)
    )
    assert verify_trail(chunk_size=7).intact


def test_export_is_json() -> None:
    make_events(1)
    checkpoint_create()
    out = io.StringIO()
    call_command("audit_checkpoint", "--no-create", "--export", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["checkpoints"][0]["seq"] == 2


def test_postgresql_renders_the_same_canonical_text_as_python() -> None:
    """The fast path (the server writes the canonical JSON) agrees with the reference."""
    if connection.vendor != "postgresql":
        pytest.skip("the server-side rendering is PostgreSQL's")
    from forvalta.audit import context

    awkward = 'quote " backslash \\ tab \t nl \n ctl \x01 del \x7f é € 😀 דּ </script>'
    token = context.activate(
        context.AuditContext(client_address="2001:db8::7", user_agent=awkward, request_id="r")
    )
    try:
        record(
            actor=None,
            action="test.awkward",
            object_repr=awkward,
            reason=awkward,
            changes={awkward: [awkward, {"😀": 1, "דּ": [None, True, 2**40]}], "n": [1.5, None]},
        )
    finally:
        context.deactivate(token)
    make_events(2)
    fast = verify_trail()
    reference = verify_trail(reference=True)
    assert fast.intact and reference.intact
    assert fast.count == reference.count == 3


def test_damaged_changes_text_is_reported_not_crashed() -> None:
    make_events(3)
    without_guards()
    sql("UPDATE audit_auditevent SET changes = %s WHERE seq = 2", ['{"i": [null, 1]}, "x": 1'])
    for reference in (False, True):
        result = verify_trail(reference=reference)
        assert result.broken is not None
        assert (result.broken.seq, result.broken.code) == (2, "hash")
