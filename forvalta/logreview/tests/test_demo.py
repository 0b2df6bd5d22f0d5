"""The log review demo (forvalta/logreview/demo.py) through `load_demo_data`: Kungälv's
Treserva log of the previous month, its reference data, a finished provider round and an
open authority round, all through the services (audited); reproducible and synthetic."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import Client

from forvalta.audit.models import AuditEvent
from forvalta.core.models import User, today
from forvalta.logreview import demo
from forvalta.logreview.identity import normalise
from forvalta.logreview.models import (
    ExtractOrder,
    Judgment,
    LoadKind,
    LoadStatus,
    LogEntry,
    LogLoad,
    LogSource,
    OrderStatus,
    ReferenceRow,
    ReviewOutcome,
    RoundStatus,
    SamplingRound,
    SuspicionCase,
    SuspicionStatus,
)
from forvalta.logreview.review import build

pytestmark = pytest.mark.django_db


def _month() -> dt.date:
    return (today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@pytest.fixture
def loaded() -> LogSource:
    call_command("load_demo_data", stdout=io.StringIO())
    return LogSource.objects.get(name=demo.SOURCE_NAME)


def test_the_month_of_log_and_its_reference_data(loaded):
    source = loaded
    assert source.organisation.name == "Kungälvs kommun"
    assert source.system.name == "Treserva"
    full = LogLoad.objects.get(source=source, kind=LoadKind.LOG, order__isnull=True)
    assert full.status == LoadStatus.LOADED
    assert bytes(full.data) == b""
    entries = LogEntry.objects.filter(load=full)
    assert entries.count() == full.row_count
    assert 7_000 <= full.row_count <= 10_000  # the test size (8,000 asked)
    month = _month()
    assert {e.time.astimezone().date().replace(day=1) for e in entries.only("time")[:500]} == {
        month
    }
    units = set(entries.values_list("unit", flat=True).distinct())
    assert units == set(demo.UNITS)
    assert "kv0017" not in set(entries.values_list("account", flat=True).distinct())
    assert all(m.endswith("-****") for m in entries.values_list("client_masked", flat=True)[:50])
    kinds = dict(
        ReferenceRow.objects.filter(source=source)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    world = demo.build_world(month, demo.target_rows())
    assert kinds == {
        LoadKind.PLACEMENTS: sum(len(v) for u, v in world.placed.items() if u != demo.BISTAND),
        LoadKind.ASSIGNMENTS: sum(len(v) for v in world.caseload.values()),
        LoadKind.PROTECTED: len(world.protected),
        LoadKind.EMPLOYEES: len(world.people),
    }
    assert LogLoad.objects.filter(source=source, status=LoadStatus.LOADED).count() == 4 + 1 + 4


def test_a_finished_provider_round_every_review_documented(loaded):
    finished = SamplingRound.objects.get(schedule__source=loaded, status=RoundStatus.DONE)
    assert finished.schedule.kind == "provider"
    orders = list(ExtractOrder.objects.filter(round=finished).select_related("drawn_unit"))
    assert len(orders) == 3
    assert {o.drawn_unit.unit_name for o in orders} <= set(demo.PROVIDER)
    flags: set[str] = set()
    for order in orders:
        assert order.status == OrderStatus.FULFILLED
        assert order.attestant is not None and order.attested_by_id == order.attestant_id
        assert order.recipient_id == order.attestant_id  # the unit's manager
        review = build(order, order.recipient)
        outcome = ReviewOutcome.objects.get(order=order)
        assert review.waiting == 0
        unexplained = [a for a in review.accesses if not a.explained]
        assert 1 <= len(unexplained) <= demo.MAX_TO_JUDGE
        assert Judgment.objects.filter(order=order).count() == len(unexplained)
        assert review.explained_count > 0.9 * review.total  # most accesses are explained
        assert outcome.persons_reviewed == 4
        assert outcome.logs_reviewed == review.total
        assert (
            outcome.with_remark
            == Judgment.objects.filter(order=order, verdict="follow_up").exists()
        )
        for access in unexplained:
            flags |= set(access.flags) or {"unexplained"}
    assert "unexplained" in flags  # a client of another unit: nothing explains it
    assert "Utanför enhetens öppettider" in flags
    assert flags & {"Skyddad identitet", "Klienten är en medarbetare"}
    events = set(
        AuditEvent.objects.filter(action__startswith="logreview.").values_list("action", flat=True)
    )
    assert {
        "logreview.logsource.created",
        "logreview.samplingschedule.created",
        "logreview.samplinground.drawn",
        "logreview.extractorder.attested",
        "logreview.extractorder.fulfilled",
        "logreview.logload.queued",
        "logreview.logload.loaded",
        "logreview.judgment.made",
        "logreview.review.documented",
        "logreview.samplinground.done",
    } <= events


def test_an_open_authority_round_with_a_review_in_progress(loaded):
    open_round = SamplingRound.objects.get(schedule__source=loaded, status=RoundStatus.DRAWN)
    assert open_round.schedule.kind == "authority"
    orders = list(ExtractOrder.objects.filter(round=open_round).order_by("drawn_unit__position"))
    assert [o.drawn_unit.unit_name for o in orders] == [demo.BISTAND, demo.PSYKIATRI]
    first, second = orders
    assert first.status == OrderStatus.FULFILLED
    assert first.recipient.username == "kristoffer.lindgren"
    assert not ReviewOutcome.objects.filter(order=first).exists()
    assert Judgment.objects.filter(order=first).count() == 2
    review = build(first, first.recipient)
    assert review.waiting > 0
    outliers = [a for a in review.accesses if any("kollegerna" in f for f in a.flags)]
    assert outliers  # one officer's day with far more clients than the peers
    assert second.status == OrderStatus.REQUESTED
    assert second.attestant is None
    client = Client()
    client.force_login(first.recipient)
    response = client.get(f"/logreview/orders/{first.pk}/review/")
    assert response.status_code == 200
    share = (
        f"{review.explained_count} av {review.total} åtkomster förklarades automatiskt "
        f"({review.explained_percent} %)."
    )
    assert share in response.content.decode()


def test_an_open_suspicion_case_seen_only_by_those_named(loaded):
    case = SuspicionCase.objects.get(source=loaded)
    assert case.status == SuspicionStatus.SUBJECT_ENTERED
    assert (case.requested_by.username, case.attestant.username) == (
        "kristoffer.lindgren",
        "systemagare",
    )
    assert (case.recipient.username, case.senior_manager.username) == (
        "emelie.carlsson",
        "malin.grahn",
    )
    assert case.subject_account == "kv0001"
    assert case.subject_user.username == "demo.kv0001"
    url = f"/logreview/suspicion/{case.pk}/"
    for username in ("kristoffer.lindgren", "systemagare", "emelie.carlsson", "malin.grahn"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        assert client.get(url).status_code == 200, username
    # The organisation's administrator, the log administrator before the attestation,
    # another unit's manager and the person reviewed see nothing of it.
    for username in ("kungalvadmin", "jenny.olofsson", "robert.hakansson", "demo.kv0001"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        assert client.get(url).status_code == 404, username


def test_the_demo_is_reproducible_and_its_numbers_synthetic():
    month = dt.date(2026, 11, 1)
    one, two = demo.build_world(month, 5_000), demo.build_world(month, 5_000)
    assert one.rows == two.rows
    assert one.clients == two.clients
    assert len(set(one.clients)) == len(one.clients)
    for number in one.clients + [p.number for p in one.people.values()]:
        assert normalise(number) == number  # valid, with its check digit
        assert 61 <= int(number[6:8]) <= 88  # samordningsnummer form: day + 60


def test_loading_again_changes_nothing(loaded):
    before = LogEntry.objects.count(), SamplingRound.objects.count(), AuditEvent.objects.count()
    call_command("load_demo_data", stdout=io.StringIO())
    assert (
        LogEntry.objects.count(),
        SamplingRound.objects.count(),
        AuditEvent.objects.count(),
    ) == before
