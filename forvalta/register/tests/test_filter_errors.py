"""A filter value that cannot be used is shown beside its field (issue 9, point 8).

The list does not answer "0 items" as if nothing matched: it says the filter could not be
applied, links to the field, marks the field invalid and described by its error, and
extracts nothing. Checked for every list with a date filter (agreements, the audit
search) and for a bad choice on the systems list.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from forvalta.audit.models import AuditEvent
from forvalta.audit.services import record
from forvalta.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from forvalta.register.tests import test_register_views as register_views
from forvalta.register.tests.factories import AgreementFactory

pytestmark = pytest.mark.django_db

reg = register_views.reg
org_admin_client = register_views.org_admin_client


def sv(msgid: str, **params: Any) -> str:
    with translation.override("sv"):
        text = gettext(msgid)
    assert text != msgid, msgid
    return text % params if params else text


def zero_items() -> str:
    with translation.override("sv"):
        return ngettext("%(counter)s item", "%(counter)s items", 0) % {"counter": 0}


def error_box(field: str, message: str, oob: bool = False) -> str:
    swap = ' hx-swap-oob="true"' if oob else ""
    return (
        f'<div class="field-errors" id="id_{field}_error" data-field="id_{field}"{swap}>'
        f'<p class="field-error"><span class="visually-hidden">Fel:</span> {message}</p></div>'
    )


def input_tag(html: str, name: str) -> str:
    [tag] = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html)
    return tag


def assert_filter_refused(html: str, field: str, label: str, message: str) -> None:
    # Beside the field, and the field points at it.
    assert error_box(field, message) in html
    tag = input_tag(html, field)
    assert 'aria-invalid="true"' in tag
    assert f'aria-describedby="id_{field}_error"' in tag or (
        f'aria-describedby="id_{field}_helptext id_{field}_error"' in tag
    )
    # In place of the results: what is wrong, linked to the field; no "0 items".
    assert sv("The filter could not be applied. Correct it to see the list.") in html
    assert f'<li><a href="#id_{field}">{label}: {message}</a></li>' in html
    assert zero_items() not in html
    assert sv("Nothing matches the filter.") not in html
    assert "<table" not in html


# --- agreements: "renewal decided by, at latest" ----------------------------------------------
def agreements(reg: Any) -> None:
    AgreementFactory(
        owner_organisation=reg.kommun,
        supplier=reg.supplier,
        title="Förnyas snart",
        valid_from=dt.date(2024, 1, 1),
        renewal_decision_by=dt.date(2027, 1, 16),
    )


RENEWAL_LABEL = "Beslut om förnyelse, senast"


def renewal_message() -> str:
    return sv(
        "Enter %(field)s as a date, for example 2027-01-16.",
        field=sv("renewal decided by, at latest"),
    )


def test_bad_date_in_agreement_filter_is_shown_beside_it(org_admin_client, reg):
    agreements(reg)
    assert sv("renewal decided by, at latest").capitalize() == RENEWAL_LABEL
    response = org_admin_client.get(
        reverse("register:agreement_list"), {"renewal_before": "16/1 2027"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert_filter_refused(html, "renewal_before", RENEWAL_LABEL, renewal_message())
    assert "Förnyas snart" not in html
    # The date filter is a date field.
    assert 'type="date"' in input_tag(html, "renewal_before")


def test_a_good_date_filters_as_before(org_admin_client, reg):
    agreements(reg)
    url = reverse("register:agreement_list")
    hit = org_admin_client.get(url, {"renewal_before": "2027-01-16"})
    assert hit.status_code == 200
    assert "Förnyas snart" in hit.content.decode()
    assert 'id="id_renewal_before_error" data-field="id_renewal_before"></div>' in (
        hit.content.decode()
    )
    miss = org_admin_client.get(url, {"renewal_before": "2027-01-15"})
    assert miss.status_code == 200
    assert "Förnyas snart" not in miss.content.decode()
    assert sv("Nothing matches the filter.") in miss.content.decode()


def test_htmx_answer_puts_the_error_beside_the_filter_out_of_band(org_admin_client, reg):
    agreements(reg)
    response = org_admin_client.get(
        reverse("register:agreement_list"),
        {"renewal_before": "i morgon"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" not in html
    assert error_box("renewal_before", renewal_message(), oob=True) in html
    # Every other filter field's (empty) error box is replaced too, clearing old errors.
    assert (
        '<div class="field-errors" id="id_q_error" data-field="id_q" hx-swap-oob="true"></div>'
        in html
    )
    assert zero_items() not in html


def test_no_export_of_a_filter_that_cannot_be_applied(org_admin_client, reg):
    agreements(reg)
    before = AuditEvent.objects.count()
    response = org_admin_client.get(
        reverse("register:agreement_list"), {"renewal_before": "2027-13-01", "export": "csv"}
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    assert not AuditEvent.objects.filter(pk__gt=before, action__endswith=".exported").exists()


def test_bad_choice_on_the_systems_list_is_shown_beside_it(org_admin_client, reg):
    response = org_admin_client.get(
        reverse("register:system_list"), {"owner_organisation": "999999"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    label = sv("owner organisation")
    message = sv("The chosen %(field)s cannot be used here. Choose one from the list.", field=label)
    assert error_box("owner_organisation", message) in html
    [select] = re.findall(r'<select name="owner_organisation"[^>]*>', html)
    assert 'aria-invalid="true"' in select
    assert 'aria-describedby="id_owner_organisation_error"' in select
    assert zero_items() not in html
    assert reg.system.name not in html


# --- the audit search: "from" and "to" ------------------------------------------------------
def test_bad_date_in_audit_search_is_shown_beside_it():
    org = OrganisationFactory(name="Alingsås kommun")
    admin = UserFactory(username="admin_a")
    MembershipFactory(user=admin, organisation=org, is_org_admin=True)
    record(actor=admin, action="core.unit.created", organisation=org, object_repr="ZZA1ZZ")
    client = Client()
    client.force_login(admin)
    before = AuditEvent.objects.filter(action="audit.extracted").count()
    response = client.get("/audit/", {"occurred_from": "igår"})
    assert response.status_code == 400
    html = response.content.decode()
    label = sv("from")
    message = sv(
        "Enter %(field)s as a date and time, for example 2027-01-16 14:30.", field=label.lower()
    )
    assert_filter_refused(html, "occurred_from", label.capitalize(), message)
    assert "ZZA1ZZ" not in html
    with translation.override("sv"):
        none_found = ngettext("%(counter)s event", "%(counter)s events", 0) % {"counter": 0}
    assert none_found not in html
    # Nor is anything extracted.
    extract = client.get("/audit/", {"occurred_from": "igår", "export": "csv"})
    assert extract.status_code == 400
    assert "Content-Disposition" not in extract
    assert AuditEvent.objects.filter(action="audit.extracted").count() == before


def test_htmx_answer_to_a_good_filter_empties_the_errors_beside_it(org_admin_client, reg):
    agreements(reg)
    response = org_admin_client.get(
        reverse("register:agreement_list"),
        {"renewal_before": "2027-01-16"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Förnyas snart" in html
    assert (
        '<div class="field-errors" id="id_renewal_before_error" '
        'data-field="id_renewal_before" hx-swap-oob="true"></div>'
    ) in html
