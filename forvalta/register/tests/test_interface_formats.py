"""One way to show things across the interface (issue 9, point 11).

One date format ("16 jan. 2027"; ISO in exports), one empty mark ("–"), one word for
export ("Exportera"), filter choices scoped like form choices, and a copy button for a
new API token that is a plain selectable field without JavaScript.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from forvalta.audit.services import record
from forvalta.core.models import ApiToken
from forvalta.register.tests import test_register_views as register_views
from forvalta.register.tests.factories import AgreementFactory, SystemFactory

pytestmark = pytest.mark.django_db

reg = register_views.reg
org_admin_client = register_views.org_admin_client


@pytest.fixture
def agreement(reg: Any) -> Any:
    return AgreementFactory(
        owner_organisation=reg.kommun,
        supplier=reg.supplier,
        title="Drift och förvaltning",
        valid_from=dt.date(2024, 5, 1),
        valid_to=None,
        renewal_decision_by=dt.date(2027, 1, 16),
    )


def cells(html: str, text: str) -> list[str]:
    """The cells of the table row that holds `text`."""
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        if text in row:
            return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row)]
    raise AssertionError(f"no row with {text}")


def test_dates_in_lists_and_details_read_16_jan_2027(org_admin_client, reg, agreement):
    html = org_admin_client.get(reverse("register:agreement_list")).content.decode()
    row = cells(html, "Drift och förvaltning")
    # The default columns: title, kind, customer, supplier, valid to, decide renewal by.
    assert row[4:] == ["–", "16 jan. 2027"]
    detail = org_admin_client.get(agreement.get_absolute_url()).content.decode()
    assert "<dd>16 jan. 2027</dd>" in detail
    assert "<dd>1 maj 2024</dd>" in detail
    assert "2027-01-16" not in detail


def test_dates_in_english_read_16_jan_2027(org_admin_client, reg, agreement):
    org_admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = org_admin_client.get(reverse("register:agreement_list")).content.decode()
    assert cells(html, "Drift och förvaltning")[5] == "16 Jan. 2027"


def test_exports_write_iso_dates_and_empty_cells(org_admin_client, reg, agreement):
    response = org_admin_client.get(reverse("register:agreement_list"), {"export": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    [row] = [r for r in rows if r[0] == "Drift och förvaltning"]
    assert row[4] == "2024-05-01"
    assert row[5] == ""  # no end date: an empty cell, not a mark
    assert row[7] == "2027-01-16"


def test_one_empty_mark_in_lists_and_details(org_admin_client, reg):
    system = SystemFactory(management_object=reg.obj, name="Utan leverantör", vendor=None)
    html = org_admin_client.get(reverse("register:system_list")).content.decode()
    assert cells(html, "Utan leverantör")[3] == "–"
    assert "—" not in html
    detail = org_admin_client.get(system.get_absolute_url()).content.decode()
    assert '<span class="muted">–</span>' in detail
    assert "—" not in detail


def test_one_word_for_export(org_admin_client, reg):
    record(actor=reg.admin, action="core.unit.created", organisation=reg.kommun)
    for url in (reverse("register:system_list"), "/audit/"):
        html = org_admin_client.get(url).content.decode()
        assert '<p class="export-links">Exportera:' in html, url
        assert "Ta ut" not in html


def option_labels(html: str, name: str) -> list[str]:
    [select] = re.findall(rf'<select name="{name}".*?</select>', html, re.S)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_filter_choices_are_scoped_like_form_choices(client, reg):
    """A supplier's consultant sees the municipality whose systems they work on, not
    every organisation on the platform (organisations are a public directory)."""
    client.force_login(reg.supplier_person)
    html = client.get(reverse("register:system_list")).content.decode()
    assert reg.system.name in html
    assert option_labels(html, "owner_organisation") == ["---------", "Kommun A"]
    services = client.get(reverse("register:service_list")).content.decode()
    assert option_labels(services, "owner_organisation") == ["---------", "Kommun A"]
    assert "Kommun B" not in html + services
    # The administrator sees only their own organisation's too.
    admin = Client()
    admin.force_login(reg.admin)
    html = admin.get(reverse("register:system_list")).content.decode()
    assert option_labels(html, "owner_organisation") == ["---------", "Kommun A"]


def test_new_token_has_a_copy_button_and_stays_a_selectable_field(org_admin_client, reg):
    response = org_admin_client.post(
        reverse("core:token_add"), {"name": "CMDB-synk", "expires": "90"}
    )
    assert response.status_code == 201
    html = response.content.decode()
    token = ApiToken.objects.get(user=reg.admin)
    [field] = re.findall(r'<input type="text" id="new-token"[^>]*>', html)
    assert 'readonly aria-describedby="new-token-hint"' in field
    assert "data-select-on-focus" in field
    assert f'value="fv_{token.prefix}_' in field
    # The button appears with forvalta.js (no inline script: the CSP forbids it).
    assert (
        '<button type="button" class="button button-secondary" data-copy="new-token" '
        'data-copied="API-nyckeln har kopierats." hidden>Kopiera</button>'
    ) in html
    assert '<p class="hint" id="new-token-copied" role="status"></p>' in html
    assert "onfocus" not in html and "onclick" not in html
    with translation.override("sv"):
        expires = formats.date_format(timezone.localdate(token.expires_at))
    assert re.fullmatch(r"\d{1,2} \w+\.? \d{4}", expires)
    assert f"API-nyckeln slutar gälla {expires}." in html
