"""The systems list renders its rows with per-column functions (`SystemTable.fast_cells`)
instead of django-tables2's per-cell machinery: every cell must be exactly what
django-tables2 renders, for empty values, links, choices and yes/no alike."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.utils.html import conditional_escape

from forvalta.core.tests.factories import OrganisationFactory
from forvalta.register.models import Criticality, Lifecycle, System
from forvalta.register.tables import SystemTable
from forvalta.register.tests.factories import ManagementObjectFactory, SystemFactory

pytestmark = pytest.mark.django_db


def _both(queryset, query: str = ""):
    import django_tables2 as tables

    table = SystemTable(queryset, request=RequestFactory().get(f"/register/systems/{query}"))
    tables.RequestConfig(table.request, paginate={"per_page": 25}).configure(table)
    fast = table.fast_rows()
    # What the template prints for a django-tables2 cell: `{{ cell }}`, escaped.
    slow = [
        [str(conditional_escape(cell)) for _column, cell in row.items()]
        for row in table.paginated_rows
    ]
    return fast, slow


def test_fast_rows_equal_django_tables2_cells() -> None:
    supplier = OrganisationFactory(name="Leverantör <AB> & Co", kind="supplier")
    mo = ManagementObjectFactory(name='Objekt "ett" <b>')
    SystemFactory(
        management_object=mo,
        name="Ärende <script>",
        vendor=supplier,
        lifecycle=Lifecycle.OPERATION,
        criticality=Criticality.HIGH,
        processes_personal_data=True,
        holds_protected_identities=False,
    )
    SystemFactory(
        management_object=mo,
        name="Utan leverantör",
        vendor=None,
        lifecycle=Lifecycle.RETIRED,
        processes_personal_data=False,
        holds_protected_identities=True,
    )
    qs = System.objects.select_related("owner_organisation", "management_object", "vendor")
    for query in ("", "?sort=-name", "?sort=vendor"):
        fast, slow = _both(qs, query)
        assert fast is not None
        assert len(fast) == 2
        assert [[str(c) for c in row] for row in fast] == slow
    fast, _slow = _both(qs)
    assert "&lt;script&gt;" in fast[0][0] or "&lt;script&gt;" in fast[1][0]
    assert "–" in [str(c) for row in fast for c in row]  # the one empty mark


def test_unpaginated_table_has_no_fast_rows() -> None:
    SystemFactory()
    table = SystemTable(System.objects.all())
    assert table.fast_rows() is None


def test_window_count_paginator_counts_in_the_page_query(client) -> None:
    """The systems list's count comes with its rows (`COUNT(*) OVER ()`): page 2 of 30
    systems shows 5 rows and 30 items; past the end shows the last page; a search
    (DISTINCT) is counted the ordinary way, and correctly."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from forvalta.core.tests.factories import MembershipFactory, UserFactory

    mo = ManagementObjectFactory()
    for i in range(30):
        SystemFactory(management_object=mo, name=f"Räkna {i:02d}")
    user = UserFactory()
    MembershipFactory(user=user, organisation=mo.owner_organisation, is_org_admin=True)
    client.force_login(user)
    for query, first, shown in (
        ("?page=2", "Räkna 25", 5),
        ("?page=9", "Räkna 25", 5),
        ("?page=1&sort=-name", "Räkna 29", 25),
        ("?q=R%C3%A4kna&page=2", "Räkna 25", 5),
    ):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/register/systems/{query}")
        assert response.status_code == 200
        html = response.content.decode()
        assert "30 poster" in html, query
        assert html.count("<tr>") - 1 == shown, query
        assert first in html, query
        # The list's own counts (the header's unread notifications are counted apart).
        counts = [
            q["sql"]
            for q in ctx.captured_queries
            if "COUNT(*)" in q["sql"] and "notifications_notification" not in q["sql"]
        ]
        if query.startswith("?page=2") or query.startswith("?page=1"):
            assert len(counts) == 1, query
            assert "COUNT(*) OVER ()" in counts[0], query


def test_api_pages_count_in_the_page_query(client) -> None:
    """The API's pages carry their count in the page query too; past the end is a 404."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from forvalta.core.tests.factories import MembershipFactory, UserFactory

    mo = ManagementObjectFactory()
    for i in range(30):
        SystemFactory(management_object=mo, name=f"Räkna {i:02d}")
    user = UserFactory()
    MembershipFactory(user=user, organisation=mo.owner_organisation, is_org_admin=True)
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/systems/?page=3&page_size=12")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 30
    assert [s["name"] for s in body["results"]] == [f"Räkna {i:02d}" for i in range(24, 30)]
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(*)" in q["sql"]]
    assert len(counts) == 1
    assert "COUNT(*) OVER ()" in counts[0]
    assert client.get("/api/systems/?page=4&page_size=12").status_code == 404
