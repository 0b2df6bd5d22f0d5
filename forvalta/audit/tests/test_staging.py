"""Staged appends: record() stages inside the caller's transaction, the sequencer chains.

The crash, tampering and guard tests run on SQLite and PostgreSQL. The timing tests
(a long import must not hold up an audited write or a login) need PostgreSQL: SQLite
has one writer at a time, so there a long transaction blocks every write by design.
"""

from __future__ import annotations

import io
import threading
import time
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from forvalta.audit import db
from forvalta.audit.models import AuditEvent, AuditPending
from forvalta.audit.services import chain_pending, event_fields, record, stage
from forvalta.audit.verify import verify_trail
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory

PASSWORD = "a-long-test-password-123"


def stage_events(n: int, prefix: str = "staged") -> list[AuditPending]:
    """Stage events and commit them, as a process would that died before chaining."""
    with transaction.atomic():
        return [
            stage(
                event_fields(actor=None, action="test.staged", object_repr=f"{prefix} {i}"),
                occurred_at=timezone.now(),
            )
            for i in range(n)
        ]


def sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


# --- both databases -------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_crash_between_staging_and_chaining_leaves_rows_staged_and_the_next_run_chains_them(
    settings: Any,
) -> None:
    record(actor=None, action="test.before")
    stage_events(3)
    assert AuditPending.objects.count() == 3
    result = verify_trail()
    assert result.intact
    assert (result.count, result.staged) == (1, 3)
    assert str(result) == "intact: 1 events (3 staged, not yet chained)"

    settings.FORVALTA_AUDIT_STAGING_BOUND_SECONDS = 0
    late = verify_trail()
    assert not late.intact
    assert late.broken is not None
    assert (late.broken.seq, late.broken.code) == (2, "staged")
    assert "has waited longer than 0 s to be chained" in late.broken.detail
    first = AuditPending.objects.order_by("id").first()
    assert first is not None
    assert f"staged event {first.pk} (test.staged" in late.broken.detail

    out = io.StringIO()
    call_command("audit_chain", stdout=out)
    assert out.getvalue().strip() == "chained 3 staged events"
    assert not AuditPending.objects.exists()
    reprs = list(AuditEvent.objects.order_by("seq").values_list("seq", "object_repr"))
    assert reprs == [(1, ""), (2, "staged 0"), (3, "staged 1"), (4, "staged 2")]
    result = verify_trail()
    assert result.intact, result
    assert (result.count, result.staged) == (4, 0)


@pytest.mark.django_db
def test_a_staged_row_changed_before_chaining_is_named_and_never_chained() -> None:
    rows = stage_events(3)
    db.remove_guards(connection)  # as a database owner would (rolled back with the test)
    sql("UPDATE audit_auditpending SET object_repr = 'forged' WHERE id = %s", [rows[1].pk])
    db.install_guards(connection)
    result = verify_trail()
    assert not result.intact
    assert result.broken is not None
    assert result.broken.code == "staged"
    assert f"staged event {rows[1].pk} (test.staged) was changed" in result.broken.detail
    assert chain_pending() == 2
    assert list(AuditPending.objects.values_list("pk", flat=True)) == [rows[1].pk]
    assert list(AuditEvent.objects.order_by("seq").values_list("object_repr", flat=True)) == [
        "staged 0",
        "staged 2",
    ]
    still = verify_trail()
    assert still.broken is not None and still.broken.code == "staged"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_auditpending SET action = 'x'", "DELETE FROM audit_auditpending"],
)
def test_the_database_refuses_to_change_or_drop_an_unchained_staged_event(statement: str) -> None:
    stage_events(2)
    with pytest.raises(DatabaseError), transaction.atomic():
        sql(statement)
    assert AuditPending.objects.count() == 2
    assert sorted(AuditPending.objects.values_list("object_repr", flat=True)) == [
        "staged 0",
        "staged 1",
    ]


TRICKY = [
    {
        "actor_organisation": None,
        "object_repr": 'Tab\there "citat" \\ \x01 \x7f å 😀',
        "changes": {},
    },
    {
        "actor_organisation": None,
        "object_repr": "line\nbreak",
        "changes": {"ä": ["x", None], "b": {"z": 1, "ö": [True, 2**60]}, "😀": "x"},
    },
]


@pytest.mark.django_db
def test_the_sequencer_chains_exactly_what_the_python_reference_hashes() -> None:
    """On PostgreSQL the sequencer hashes the server's rendering of each staged row: the
    hashes must be those the Python reference computes from the stored fields."""
    org = OrganisationFactory(name='Kommun "Ö" \\')
    with transaction.atomic():
        for i, tricky in enumerate(TRICKY):
            fields = event_fields(
                actor=None,
                action="test.tricky",
                organisation=org if i else None,
                object_repr=tricky["object_repr"],
                changes=tricky["changes"],
                actor_organisation=org if i else None,
                reason="skäl\u2028" if i else "",
            )
            fields["client_address"] = "192.0.2.1" if i else None
            stage(fields, occurred_at=timezone.now())
    assert chain_pending() == 2
    assert not AuditPending.objects.exists()
    reference = verify_trail(reference=True)
    assert reference.intact, reference
    assert reference.count == 2
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.object_repr for e in events] == [t["object_repr"] for t in TRICKY]
    assert events[1].changes["b"] == {"z": 1, "ö": [True, str(2**60)]}
    assert events[1].actor_organisation_id == org.pk
    assert events[0].actor_organisation_id is None and events[0].client_address is None


@pytest.mark.django_db
def test_a_staged_row_the_server_cannot_render_is_left_staged_and_the_others_chained() -> None:
    rows = stage_events(3)
    db.remove_guards(connection)  # as a database owner would (rolled back with the test)
    sql("UPDATE audit_auditpending SET changes = '{not json' WHERE id = %s", [rows[1].pk])
    db.install_guards(connection)
    assert chain_pending() == 2
    assert list(AuditPending.objects.values_list("pk", flat=True)) == [rows[1].pk]
    assert list(AuditEvent.objects.order_by("seq").values_list("object_repr", flat=True)) == [
        "staged 0",
        "staged 2",
    ]
    result = verify_trail(reference=True)
    assert result.broken is not None and result.broken.code == "staged"
    assert f"staged event {rows[1].pk} (test.staged) was changed" in result.broken.detail


# --- PostgreSQL: the append never waits for a long transaction ----------------------------
def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: a long transaction blocks every write")


def _system_form(system: Any, user: Any) -> dict[str, Any]:
    from forvalta.register.forms import SystemForm

    form = SystemForm(instance=system, user=user)
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif value is None:
            data[name] = ""
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    return data


@pytest.mark.django_db(transaction=True)
def test_an_audited_write_and_a_login_finish_within_a_second_during_a_long_import(
    settings: Any,
) -> None:
    _needs_postgresql()
    # What is timed is waiting for the trail, not the password hash's deliberate cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from forvalta.register.tests.factories import SystemFactory

    org = OrganisationFactory(name="Importkommun")
    admin = UserFactory(username="importadmin")
    admin.set_password(PASSWORD)
    admin.save()
    MembershipFactory(user=admin, organisation=org, is_org_admin=True)
    system = SystemFactory(owner_organisation=org, management_object__owner_organisation=org)
    data = _system_form(system, admin)
    # Warm up (first request in a process: templates, URL resolver), outside the timing.
    warm = Client()
    assert (
        warm.post(reverse("login"), {"username": "importadmin", "password": PASSWORD}).status_code
        == 302
    )
    assert warm.get(reverse("register:system_edit", args=[system.pk])).status_code == 200
    started = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def long_import() -> None:
        try:
            with transaction.atomic():
                for i in range(20):
                    record(actor=None, action="test.import_row", object_repr=f"row {i}")
                started.set()
                time.sleep(3)  # the import goes on, its events recorded, uncommitted
                release.wait(10)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            started.set()
        finally:
            connections.close_all()

    importer = threading.Thread(target=long_import)
    importer.start()
    assert started.wait(10)
    try:
        client = Client()
        t0 = time.perf_counter()
        response = client.post(reverse("login"), {"username": "importadmin", "password": PASSWORD})
        login_seconds = time.perf_counter() - t0
        assert response.status_code == 302
        t0 = time.perf_counter()
        response = client.post(
            reverse("register:system_edit", args=[system.pk]),
            {**data, "description": "Ändrad under importen"},
        )
        edit_seconds = time.perf_counter() - t0
        assert response.status_code == 302, response.content[:500]
        # Both are chained already, ahead of the import's uncommitted events.
        chained = set(AuditEvent.objects.values_list("action", flat=True))
        assert {"auth.login", "register.system.updated"} <= chained
        assert not AuditEvent.objects.filter(action="test.import_row").exists()
    finally:
        release.set()
        importer.join()
    assert errors == []
    assert login_seconds < 1.0, login_seconds
    assert edit_seconds < 1.0, edit_seconds
    chain_pending()
    assert AuditEvent.objects.filter(action="test.import_row").count() == 20
    assert not AuditPending.objects.exists()
    result = verify_trail()
    assert result.intact, result
    system.refresh_from_db()
    assert system.description == "Ändrad under importen"


@pytest.mark.django_db(transaction=True)
def test_a_committed_event_is_chained_right_after_the_commit() -> None:
    _needs_postgresql()
    with transaction.atomic():
        event = record(actor=None, action="test.committed", object_repr="x")
        assert event.seq is None  # staged, not chained inside the caller's transaction
        assert AuditPending.objects.count() == 1
        assert not AuditEvent.objects.exists()
    stored = AuditEvent.objects.get()
    assert (stored.seq, stored.object_repr, stored.occurred_at) == (1, "x", event.occurred_at)
    assert not AuditPending.objects.exists()
    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor=None, action="test.rolled_back")
        raise RuntimeError
    assert not AuditPending.objects.exists()
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_search_never_takes_the_chain_lock_and_is_chained_with_the_next_batch() -> None:
    _needs_postgresql()
    org = OrganisationFactory(name="Sökkommun")
    admin = UserFactory(username="searcher")
    MembershipFactory(user=admin, organisation=org, is_org_admin=True)
    record(actor=None, action="test.event", organisation=org, object_repr="ZZSEENZZ")
    client = Client()
    client.force_login(admin)
    chain_pending()
    held = threading.Event()
    done = threading.Event()

    def hold_the_chain_lock() -> None:
        try:
            with transaction.atomic():
                db.lock_chain(connection)
                held.set()
                done.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_chain_lock)
    holder.start()
    assert held.wait(10)
    try:
        t0 = time.perf_counter()
        response = client.get("/audit/")
        seconds = time.perf_counter() - t0
        assert response.status_code == 200
        assert "ZZSEENZZ" in response.content.decode()
        assert list(AuditPending.objects.values_list("action", flat=True)) == ["audit.searched"]
    finally:
        done.set()
        holder.join()
    assert seconds < 1.0, seconds
    assert not AuditEvent.objects.filter(action="audit.searched").exists()
    assert chain_pending() == 1
    searched = AuditEvent.objects.get(action="audit.searched")
    assert (searched.actor_id, searched.organisation_id) == (admin.pk, org.pk)
    assert verify_trail().intact


@pytest.mark.django_db(transaction=True)
def test_staging_looks_up_the_actors_organisation_in_its_insert_and_the_chain_verifies(
    django_assert_num_queries: Any,
) -> None:
    """One statement stages the event with the actor's organisation (their membership in
    the event's organisation, else their oldest) and the content hash the server computed,
    which the Python reference agrees with, before and after chaining."""
    _needs_postgresql()
    first = OrganisationFactory(name='Första "kommun" \\ å')
    second = OrganisationFactory(name="Andra kommunen")
    other = OrganisationFactory(name="Ingen medlem här")
    user = UserFactory()
    MembershipFactory(user=user, organisation=first)
    MembershipFactory(user=user, organisation=second)
    events = []
    for org in (second, other, None):
        with transaction.atomic():
            with django_assert_num_queries(1):
                events.append(
                    record(
                        actor=user,
                        action="test.actor_org",
                        organisation=org,
                        object_repr=f"för {org}",
                        changes={"ä": ["x", "y"]},
                    )
                )
            user.__dict__.pop("_forvalta_audit_orgs", None)
            staged = verify_trail(reference=True)
            assert staged.intact, staged
    expected = [(second.pk, second.name), (first.pk, first.name), (first.pk, first.name)]
    assert [(e.actor_organisation_id, e.actor_organisation_name) for e in events] == expected
    chain_pending(wait=True)
    stored = list(
        AuditEvent.objects.order_by("seq").values_list(
            "actor_organisation_id", "actor_organisation_name"
        )
    )
    assert stored == expected
    result = verify_trail(reference=True)
    assert result.intact, result
    assert (result.count, result.staged) == (3, 0)
