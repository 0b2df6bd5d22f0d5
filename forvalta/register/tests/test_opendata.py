"""Open data: the public register of an organisation's systems, without login."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from forvalta.core.models import OrganisationKind
from forvalta.core.tests.factories import OrganisationFactory
from forvalta.register.imports.values import labels_of
from forvalta.register.models import Lifecycle
from forvalta.register.opendata import CSV_FIELDS, FIELDS
from forvalta.register.tests.factories import ManagementObjectFactory, SystemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def register():
    kommun = OrganisationFactory(name="Örnsköldsviks kommun")
    cgi = OrganisationFactory(name="CGI Sverige AB", kind=OrganisationKind.SUPPLIER)
    vard = ManagementObjectFactory(owner_organisation=kommun, name="Vård och omsorg")
    lifecare = SystemFactory(
        management_object=vard,
        name="Lifecare",
        description="Dokumentation i äldreomsorgen, med ”citat”; och semikolon",
        vendor=cgi,
        product="Lifecare 7.4 ZZVERSIONZZ",
        lifecycle=Lifecycle.OPERATION,
        criticality="critical",
        processes_personal_data=True,
        holds_protected_identities=True,
        is_public=True,
    )
    formula = SystemFactory(
        owner_organisation=kommun,
        management_object=None,
        name='=HYPERLINK("http://evil.example")',
        description="+46 660 880 00",
        is_public=True,
    )
    SystemFactory(management_object=vard, name="Skyddat ZZSECRETZZ", is_public=False)
    # Archived: no longer in the register's lists, nor in the open register (issue 9).
    SystemFactory(
        management_object=vard,
        name="Arkiverat ZZARCHIVEDZZ",
        is_public=True,
        archived_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    other = OrganisationFactory(name="Umeå kommun")
    SystemFactory(
        management_object__owner_organisation=other, name="Annan ZZOTHERZZ", is_public=True
    )
    return {"kommun": kommun, "cgi": cgi, "lifecare": lifecare, "formula": formula}


def expected_systems(r):
    drift = labels_of(Lifecycle, "sv")["operation"]
    behov = labels_of(Lifecycle, "sv")["need"]
    return [
        {
            "id": r["formula"].pk,
            "name": '=HYPERLINK("http://evil.example")',
            "description": "+46 660 880 00",
            "management_object": None,
            "lifecycle": "need",
            "lifecycle_label": behov,
            "vendor": None,
            "vendor_organisation_number": None,
            "processes_personal_data": False,
        },
        {
            "id": r["lifecare"].pk,
            "name": "Lifecare",
            "description": "Dokumentation i äldreomsorgen, med ”citat”; och semikolon",
            "management_object": "Vård och omsorg",
            "lifecycle": "operation",
            "lifecycle_label": drift,
            "vendor": "CGI Sverige AB",
            "vendor_organisation_number": r["cgi"].org_number,
            "processes_personal_data": True,
        },
    ]


def test_json_needs_no_login_and_has_the_exact_schema(register):
    kommun = register["kommun"]
    response = Client().get(f"/open/{kommun.org_number}/systems.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert json.loads(response.content) == {
        "schema": "forvalta-opendata-systems",
        "schema_version": 1,
        "organisation": {"name": "Örnsköldsviks kommun", "organisation_number": kommun.org_number},
        "systems": expected_systems(register),
    }
    assert list(json.loads(response.content)["systems"][0]) == list(FIELDS)


def test_csv_has_the_exact_columns_and_escapes_formulas(register):
    kommun = register["kommun"]
    response = Client().get(f"/open/{kommun.org_number}/systems.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8; header=present"
    body = response.content
    assert not body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8").split("\r\n")
    assert lines[0] == ",".join(CSV_FIELDS)
    assert lines[0] == (
        "organisation_number,organisation,id,name,description,management_object,lifecycle,"
        "lifecycle_label,vendor,vendor_organisation_number,processes_personal_data"
    )
    rows = expected_systems(register)
    org = f"{kommun.org_number},Örnsköldsviks kommun"
    assert lines[1] == (
        f'{org},{rows[0]["id"]},"\'=HYPERLINK(""http://evil.example"")",\'+46 660 880 00,,'
        f"need,{rows[0]['lifecycle_label']},,,false"
    )
    assert lines[2] == (
        f'{org},{rows[1]["id"]},Lifecare,"Dokumentation i äldreomsorgen, med ”citat”; och '
        f'semikolon",Vård och omsorg,operation,{rows[1]["lifecycle_label"]},CGI Sverige AB,'
        f"{register['cgi'].org_number},true"
    )
    assert lines[3:] == [""]


def test_only_what_the_organisation_marked_public(register):
    client = Client()
    for suffix in ("json", "csv"):
        text = client.get(f"/open/{register['kommun'].org_number}/systems.{suffix}").content
        for secret in (
            "ZZSECRETZZ",
            "ZZOTHERZZ",
            "ZZARCHIVEDZZ",
            "ZZVERSIONZZ",
            "critical",
            "protected",
        ):
            assert secret.encode() not in text, (suffix, secret)


def test_the_organisation_by_number_with_or_without_hyphen_or_by_id(register):
    kommun = register["kommun"]
    client = Client()
    for key in (kommun.org_number, kommun.org_number.replace("-", ""), str(kommun.pk)):
        response = client.get(f"/open/{key}/systems.json")
        assert response.status_code == 200, key
        assert json.loads(response.content)["organisation"]["name"] == kommun.name


def test_unknown_or_inactive_organisations_are_not_found(register):
    client = Client()
    inactive = OrganisationFactory(name="Nedlagd kommun", is_active=False)
    SystemFactory(management_object__owner_organisation=inactive, is_public=True)
    for key in ("556000-0000", "5560000000", "999999999", "0", "sundsvall", inactive.org_number):
        for suffix in ("json", "csv"):
            assert client.get(f"/open/{key}/systems.{suffix}").status_code == 404, key


def test_an_organisation_with_nothing_public_publishes_an_empty_register(register):
    empty = OrganisationFactory(name="Tom kommun")
    client = Client()
    body = json.loads(client.get(f"/open/{empty.org_number}/systems.json").content)
    assert body["systems"] == []
    csv_body = client.get(f"/open/{empty.org_number}/systems.csv").content.decode()
    assert csv_body == ",".join(CSV_FIELDS) + "\r\n"


def test_read_only(register):
    response = Client().post(f"/open/{register['kommun'].org_number}/systems.json")
    assert response.status_code == 405
