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
    assert "—" in [str(c) for row in fast for c in row]


def test_unpaginated_table_has_no_fast_rows() -> None:
    SystemFactory()
    table = SystemTable(System.objects.all())
    assert table.fast_rows() is None
