"""Choosing a list's columns and saving its filter (issue 9: lists), per person."""

from __future__ import annotations

import re
from typing import Any

import pytest

from forvalta.audit.models import AuditEvent
from forvalta.core.models import ListPreference, SavedFilter
from forvalta.core.tests.factories import MembershipFactory, UserFactory
from forvalta.register.tests.test_register_views import Reg, last_event_id

pytestmark = pytest.mark.django_db
LIST = "/register/systems/"
KEY = "register.systemlistview"


def headers(html: str) -> list[str]:
    head = re.search(r"<thead>.*?</thead>", html, re.S).group(0)
    return [
        re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)
    ]


def test_a_person_chooses_the_columns_of_a_list(
    org_admin_client: Any, reg: Reg, client: Any
) -> None:
    page = org_admin_client.get(LIST).content.decode()
    assert headers(page) == [
        "Välj",  # the rows' checkboxes for bulk changes, not a choosable column
        # The defaults: what fits at 1280 px (the browser test of the key columns).
        "Namn",
        "Systemägare",
        "Systemförvaltare",
        "Livscykelfas",
        "Kritikalitet",
        "Behandlar personuppgifter",
    ]
    assert f'action="/lists/{KEY}/columns/"' in page
    assert (
        '<input type="checkbox" name="columns" value="name" id="col-name" checked disabled>' in page
    )
    assert '<input type="checkbox" name="columns" value="vendor" id="col-vendor">' in page

    events = last_event_id()
    response = org_admin_client.post(
        f"/lists/{KEY}/columns/",
        {"columns": ["name", "lifecycle", "system_owner_name"], "next": LIST + "?q=P"},
    )
    assert response.status_code == 302 and response["Location"] == LIST + "?q=P"
    page = org_admin_client.get(LIST).content.decode()
    assert headers(page) == ["Välj", "Namn", "Systemägare", "Livscykelfas"]
    assert '<input type="checkbox" name="columns" value="vendor" id="col-vendor">' in page
    [event] = AuditEvent.objects.filter(id__gt=events)
    assert event.action == "core.listpreference.changed"
    assert event.changes == {"columns": [[], ["name", "lifecycle", "system_owner_name"]]}

    # An export still holds every column.
    export = org_admin_client.get(LIST + "?export=csv").content.decode("utf-8-sig")
    header = export.splitlines()[0]
    assert "Systemleverantör" in header and "Innehåller skyddade personuppgifter" in header

    # Another person's list is as it was.
    other = UserFactory(username="other")
    MembershipFactory(user=other, organisation=reg.kommun)
    client.force_login(other)
    assert len(headers(client.get(LIST).content.decode())) == 6  # no checkboxes: no changes

    # Back to the defaults.
    client.force_login(reg.admin)  # the same test client as org_admin_client
    org_admin_client.post(f"/lists/{KEY}/columns/", {"reset": "1", "next": LIST})
    assert len(headers(org_admin_client.get(LIST).content.decode())) == 7


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"columns": ["name", "secret_field"]}, 400),
        ({}, 400),
        ({"columns": ["name"], "next": "https://elsewhere.example/"}, 302),
    ],
    ids=["unknown-column", "none", "foreign-next"],
)
def test_bad_column_choices_change_nothing(
    org_admin_client: Any, reg: Reg, data: dict[str, Any], status: int
) -> None:
    before = list(ListPreference.objects.values())
    events = last_event_id()
    response = org_admin_client.post(f"/lists/{KEY}/columns/", data)
    assert response.status_code == status
    if status == 400:
        assert list(ListPreference.objects.values()) == before
        assert not AuditEvent.objects.filter(id__gt=events).exists()
        assert "Inget ändrades." in response.content.decode()
    else:  # saved, but never sent off the site
        assert response["Location"] == LIST
    assert (
        org_admin_client.post("/lists/no.such.list/columns/", {"columns": ["x"]}).status_code == 404
    )


def test_a_saved_filter_is_the_persons_own(org_admin_client: Any, reg: Reg, client: Any) -> None:
    page = org_admin_client.get(LIST + "?lifecycle=operation").content.decode()
    assert f'action="/lists/{KEY}/filters/"' in page
    assert '<input type="hidden" name="query" value="lifecycle=operation">' in page
    events = last_event_id()
    response = org_admin_client.post(
        f"/lists/{KEY}/filters/",
        {"name": "  I drift ", "query": "lifecycle=operation&page=3&sort=name&q=", "next": LIST},
    )
    assert response.status_code == 302
    assert response["Location"] == LIST + "?lifecycle=operation"
    saved = SavedFilter.objects.get()
    assert (saved.user_id, saved.list_key, saved.name, saved.query) == (
        reg.admin.pk,
        KEY,
        "I drift",
        "lifecycle=operation",
    )
    assert [e.action for e in AuditEvent.objects.filter(id__gt=events)] == [
        "core.savedfilter.created"
    ]
    page = org_admin_client.get(LIST).content.decode()
    assert f'<a href="{LIST}?lifecycle=operation">I drift</a>' in page

    # The same name again, or nothing to save: refused, nothing changed.
    for data in (
        {"name": "I drift", "query": "criticality=high"},
        {"name": "Tomt", "query": "page=2"},
    ):
        response = org_admin_client.post(f"/lists/{KEY}/filters/", {**data, "next": LIST})
        assert response.status_code == 400
        assert SavedFilter.objects.count() == 1

    # Another person neither sees nor removes it.
    other = UserFactory(username="other")
    MembershipFactory(user=other, organisation=reg.kommun)
    client.force_login(other)
    assert "I drift" not in client.get(LIST).content.decode()
    before = last_event_id()
    assert client.post(f"/lists/filters/{saved.pk}/delete/").status_code == 404
    assert SavedFilter.objects.count() == 1
    assert last_event_id() == before

    client.force_login(reg.admin)  # the same test client as org_admin_client
    response = org_admin_client.post(f"/lists/filters/{saved.pk}/delete/", {"next": LIST})
    assert response.status_code == 302 and response["Location"] == LIST
    assert SavedFilter.objects.count() == 0
    assert AuditEvent.objects.latest("id").action == "core.savedfilter.deleted"


def test_list_queries_do_not_grow_with_saved_filters(
    org_admin_client: Any, reg: Reg, django_assert_max_num_queries: Any
) -> None:
    org_admin_client.get(LIST)  # warm the session and caches
    with django_assert_max_num_queries(40) as first:
        org_admin_client.get(LIST)
    for i in range(20):
        SavedFilter.objects.create(user=reg.admin, list_key=KEY, name=f"F{i}", query=f"q={i}")
    ListPreference.objects.create(user=reg.admin, list_key=KEY, columns=["name", "vendor"])
    with django_assert_max_num_queries(len(first.captured_queries)):
        org_admin_client.get(LIST)
