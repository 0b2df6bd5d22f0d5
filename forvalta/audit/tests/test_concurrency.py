"""Concurrent appends keep one unbroken chain (PostgreSQL: threads, one connection each).

SQLite serialises writers with its database lock (BEGIN IMMEDIATE); the in-memory test
database is shared between threads through a shared cache whose table locks do not
wait, so the threaded test runs on PostgreSQL only.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, connections, transaction

from forvalta.audit.models import AuditEvent, AuditPending
from forvalta.audit.services import record, stop_sequencers
from forvalta.audit.verify import verify_trail

THREADS = 8
EACH = 40


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_form_one_chain() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("threads with their own connections need PostgreSQL")
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                record(actor=None, action="test.concurrent", object_repr=f"{n}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, THREADS * EACH + 1))
    # Each writer's events stay in the order it recorded them, each chained once, and
    # nothing is left staged.
    reprs = list(AuditEvent.objects.order_by("seq").values_list("object_repr", flat=True))
    for n in range(THREADS):
        mine = [int(r.split("-")[1]) for r in reprs if r.split("-")[0] == str(n)]
        assert mine == list(range(EACH))
    assert not AuditPending.objects.exists()
    result = verify_trail()
    assert result.intact, result
    assert result.count == THREADS * EACH


@pytest.mark.django_db(transaction=True)
def test_sequential_appends_from_separate_transactions() -> None:
    """Every backend: events written in separate committed transactions chain on."""
    for i in range(20):
        record(actor=None, action="test.sequential", object_repr=str(i))
    assert verify_trail().count == 20


@pytest.mark.django_db(transaction=True)
def test_the_background_sequencer_chains_concurrent_commits_in_order(settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("threads with their own connections need PostgreSQL")
    settings.FORVALTA_AUDIT_CHAIN_IN_BACKGROUND = True
    writers, each = 4, 30
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(each):
                with transaction.atomic():
                    record(actor=None, action="test.background", object_repr=f"{n}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    try:
        threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # Nobody calls the sequencer here: the commits woke the background thread.
        deadline = time.monotonic() + 20
        while AuditPending.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop_sequencers()
    assert errors == []
    assert not AuditPending.objects.exists()
    reprs = list(AuditEvent.objects.order_by("seq").values_list("object_repr", flat=True))
    assert len(reprs) == writers * each
    for n in range(writers):
        mine = [int(r.split("-")[1]) for r in reprs if r.split("-")[0] == str(n)]
        assert mine == list(range(each))
    result = verify_trail()
    assert result.intact, result
    assert result.count == writers * each
