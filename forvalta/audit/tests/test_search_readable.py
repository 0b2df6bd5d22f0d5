"""The audit search as a reader sees it (issue 9, point 10): Swedish event names, objects
linked where the reader sees them (and never named otherwise), a short client
description and compact rows. Extracts keep the raw codes and the whole user agent."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.utils import translation

from forvalta.audit import codes
from forvalta.audit.clients import describe_client
from forvalta.audit.context import AuditContext, activate, deactivate
from forvalta.audit.services import record
from forvalta.audit.tables import EXPORT_FIELDS
from forvalta.register.tests import test_register_views as register_views

pytestmark = pytest.mark.django_db

reg = register_views.reg
org_admin_client = register_views.org_admin_client

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
EDGE_WINDOWS = CHROME_MAC.replace("Macintosh; Intel Mac OS X 10_15_7", "Windows NT 10.0") + (
    " Edg/131.0.0.0"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"


@pytest.mark.parametrize(
    ("agent", "swedish"),
    [
        (FIREFOX_WINDOWS, "Firefox på Windows"),
        (CHROME_MAC, "Chrome på macOS"),
        (EDGE_WINDOWS, "Edge på Windows"),
        (SAFARI_IPHONE, "Safari på iOS"),
        (FIREFOX_ANDROID, "Firefox på Android"),
        ("curl/8.5.0", "curl"),
        ("python-requests/2.32.3", "python-requests"),
        ("system: manage.py audit_dispose", "system"),
        ("Mozilla/5.0 (X11; Linux x86_64)", "En webbläsare på Linux"),
        ("", ""),
    ],
)
def test_client_is_described_briefly(agent, swedish):
    with translation.override("sv"):
        assert describe_client(agent) == swedish


def test_event_names_in_swedish():
    with translation.override("sv"):
        assert codes.event_name("register.system.updated") == "System ändrades"
        assert codes.event_name("register.service.created") == "Tjänst skapades"
        assert codes.event_name("register.agreement.deleted") == "Avtal togs bort"
        assert codes.event_name("register.system.viewed") == "System visades"
        assert codes.event_name("register.system.exported") == "System exporterades"
        assert codes.event_name("auth.login_failed") == str(codes.FIXED["auth.login_failed"])
        assert codes.event_name("register.import.committed") == "Import sparades"
        # An unknown code (an old event's) is shown as it was written.
        assert codes.event_name("gammal.kod") == "gammal.kod"
    # Every code the activity filter offers has a name of its own.
    with translation.override("sv"):
        unnamed = [c for c in codes.action_codes() if codes.event_name(c) == c]
    assert unnamed == []


def rows_of(html: str) -> list[list[str]]:
    [table] = re.findall(r'<table class="table table-audit">.*?</table>', html, re.S)
    body = table.split("<tbody>")[1]
    return [
        re.findall(r"<td>(.*?)</td>", row, re.S)
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def events_page(client: Any, **query: str) -> list[list[str]]:
    response = client.get("/audit/", query)
    assert response.status_code == 200
    return rows_of(response.content.decode())


def with_client(agent: str, **kwargs: Any) -> None:
    token = activate(AuditContext(client_address="198.51.100.7", user_agent=agent))
    try:
        record(**kwargs)
    finally:
        deactivate(token)


def test_rows_name_the_event_link_the_object_and_describe_the_client(org_admin_client, reg):
    with_client(
        FIREFOX_WINDOWS,
        actor=reg.admin,
        action="register.system.updated",
        obj=reg.system,
        organisation=reg.kommun,
        changes={"name": ["Procapita gammal", "Procapita"]},
    )
    [row] = events_page(org_admin_client, action="register.system.updated")
    time, user, organisation, activity, obj, client, changes, reason, position = row
    assert user == f"{reg.admin.get_full_name()} <span class='muted'>({reg.admin.pk})</span>"
    assert position.isdigit()
    assert re.fullmatch(r"\d{1,2} \w+\.? \d{4} \d\d:\d\d:\d\d", time)
    assert organisation == "Kommun A"
    assert activity == "System ändrades"
    assert obj == (
        f'<a href="/register/systems/{reg.system.pk}/">Procapita</a> '
        "<span class='muted'>System</span>"
    )
    assert client == "Firefox på Windows<br>198.51.100.7"
    assert changes == "name: Procapita gammal → Procapita"
    assert reason == "–"


def test_another_organisations_object_is_never_named(org_admin_client, reg):
    """Filed under the reader's organisation as the actor's, but done to another
    organisation's system: the reader reads the event, not the system's name (nor a
    link to it)."""
    with_client(
        CHROME_MAC,
        actor=reg.admin,
        action="register.system.viewed",
        obj=reg.other_system,
        organisation=reg.other,
    )
    response = org_admin_client.get("/audit/", {"action": "register.system.viewed"})
    html = response.content.decode()
    [row] = rows_of(html)
    assert row[3] == "System visades"
    assert row[4] == "<span class='muted'>System (visas inte)</span>"
    assert reg.other_system.name not in html
    assert f"/register/systems/{reg.other_system.pk}/" not in html


def test_a_deleted_object_of_ones_own_is_named_without_a_link(org_admin_client, reg):
    record(
        actor=reg.admin,
        action="register.system.deleted",
        organisation=reg.kommun,
        object_type="register.system",
        object_id="987654",
        object_repr="Gamla ekonomisystemet",
    )
    [row] = events_page(org_admin_client, action="register.system.deleted")
    assert row[3] == "System togs bort"
    assert row[4] == "Gamla ekonomisystemet <span class='muted'>System</span>"


def test_long_changes_fold_to_keep_rows_compact(org_admin_client, reg):
    changes = {f"fält{i}": ["gammalt värde", "nytt värde"] for i in range(8)}
    record(
        actor=reg.admin,
        action="register.system.updated",
        obj=reg.system,
        organisation=reg.kommun,
        changes=changes,
    )
    [row] = events_page(org_admin_client, action="register.system.updated")
    assert row[6].startswith("<details><summary>fält0: gammalt värde → nytt värde; fält1")
    assert row[6].endswith("fält7: gammalt värde → nytt värde</details>")


def test_extracts_keep_codes_and_the_whole_user_agent(org_admin_client, reg):
    with_client(
        FIREFOX_WINDOWS,
        actor=reg.admin,
        action="register.system.updated",
        obj=reg.system,
        organisation=reg.kommun,
    )
    response = org_admin_client.get(
        "/audit/", {"action": "register.system.updated", "export": "csv"}
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    [row] = rows[1:]
    event = dict(zip(EXPORT_FIELDS, row, strict=True))
    assert event["action"] == "register.system.updated"
    assert event["user_agent"] == FIREFOX_WINDOWS


def test_objects_of_several_kinds_on_one_page_are_linked(org_admin_client, reg):
    for obj in (reg.system, reg.service, reg.obj):
        record(
            actor=reg.admin,
            action=f"register.{obj._meta.model_name}.updated",
            obj=obj,
            organisation=reg.kommun,
        )
    record(actor=reg.admin, action="register.service.viewed", obj=reg.other_service)
    rows = events_page(org_admin_client, action="register.")
    objects = [row[4] for row in rows if "muted" in row[4]]
    assert objects == [
        "<span class='muted'>Tjänst (visas inte)</span>",
        f'<a href="/register/objects/{reg.obj.pk}/">Vård och omsorg</a> '
        "<span class='muted'>Förvaltningsobjekt</span>",
        f'<a href="/register/services/{reg.service.pk}/">Hemtjänst</a> '
        "<span class='muted'>Tjänst</span>",
        f'<a href="/register/systems/{reg.system.pk}/">Procapita</a> '
        "<span class='muted'>System</span>",
    ]
