"""The split server-side scan (PostgreSQL, large trails) finds the same first break.

The ranges are scanned on other connections, so the events must be committed: these
tests run outside a test transaction and put the guards back afterwards.
"""

from __future__ import annotations

import pytest
from django.db import connection

from forvalta.audit import db, verify
from forvalta.audit.services import record
from forvalta.audit.verify import verify_trail

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the split scan is PostgreSQL's"),
]


@pytest.fixture
def split_scan(monkeypatch):
    monkeypatch.setattr(verify, "PARALLEL_SCAN_FROM", 2)
    monkeypatch.setattr(verify, "verify_workers", lambda: 4)


def make(n: int) -> None:
    for i in range(n):
        record(actor=None, action="test.event", object_repr=f"e{i}", changes={"i": [None, i]})


def tamper(statement: str) -> None:
    db.remove_guards(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        db.install_guards(connection)


def test_split_scan_reports_intact_with_the_count(split_scan, monkeypatch):
    make(13)
    ranges = []
    scan = verify._scan_range_in_thread

    def counting(lower, lower_hash, upper, using):
        ranges.append((lower, upper))
        return scan(lower, lower_hash, upper, using)

    monkeypatch.setattr(verify, "_scan_range_in_thread", counting)
    result = verify_trail()
    assert result.intact
    assert result.count == 13
    assert sorted(ranges) == [(0, 3), (3, 6), (6, 9), (9, 13)]


@pytest.mark.parametrize("seq", [2, 4, 7, 11, 13])
def test_split_scan_finds_an_edit_in_any_range(split_scan, seq):
    make(13)
    tamper(f"UPDATE audit_auditevent SET object_repr = 'x' WHERE seq = {seq}")  # noqa: S608
    result = verify_trail()
    assert not result.intact
    assert (result.broken.seq, result.broken.code) == (seq, "hash")
    assert result.count == seq - 1


@pytest.mark.parametrize("seq", [3, 4, 6, 7, 10])
def test_split_scan_finds_a_deleted_event_even_on_a_range_edge(split_scan, seq):
    make(13)
    tamper(f"DELETE FROM audit_auditevent WHERE seq = {seq}")  # noqa: S608
    result = verify_trail()
    assert (result.broken.seq, result.broken.code) == (seq, "gap")
