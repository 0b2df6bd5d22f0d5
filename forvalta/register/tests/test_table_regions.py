"""Lists that fit the page and scroll by keyboard where they must (issue 9, point 1 in
part): headers wrap, and every table sits in a labelled region that takes the focus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from forvalta.audit.services import record
from forvalta.register.tests import test_register_views as register_views

pytestmark = pytest.mark.django_db

reg = register_views.reg
org_admin_client = register_views.org_admin_client

CSS = Path(__file__).resolve().parents[2] / "core" / "static" / "forvalta" / "forvalta.css"


def regions(html: str) -> list[str]:
    return re.findall(r'<div class="table-wrap"[^>]*>', html)


@pytest.mark.parametrize(
    ("url_name", "label"),
    [
        ("register:system_list", "System"),
        ("register:service_list", "Tjänster"),
        ("register:agreement_list", "Avtal"),
        ("register:roleassignment_list", "Rolltilldelningar"),
    ],
)
def test_list_tables_are_labelled_focusable_regions(org_admin_client, reg, url_name, label):
    html = org_admin_client.get(reverse(url_name)).content.decode()
    assert regions(html) == [
        f'<div class="table-wrap" role="region" aria-label="{label}" tabindex="0">'
    ]


def test_related_tables_are_named_by_their_sections(org_admin_client, reg):
    html = org_admin_client.get(reg.service.get_absolute_url()).content.decode()
    labels = [re.search(r'aria-label="([^"]*)"', r).group(1) for r in regions(html)]  # type: ignore[union-attr]
    headings = re.findall(r'<h2 id="related-\d+">([^<]*)</h2>', html)
    assert labels
    assert set(labels) <= set(headings)
    assert all('tabindex="0"' in r and 'role="region"' in r for r in regions(html))


def test_audit_and_home_tables_are_labelled_regions(org_admin_client, reg):
    record(actor=reg.admin, action="core.unit.created", organisation=reg.kommun)
    audit = org_admin_client.get("/audit/").content.decode()
    assert regions(audit) == [
        '<div class="table-wrap" role="region" tabindex="0" '
        'aria-label="Händelser i händelseloggen">'
    ]
    home = org_admin_client.get("/").content.decode()
    for region in regions(home):
        assert 'role="region" tabindex="0" aria-labelledby="' in region
        labelled_by = re.search(r'aria-labelledby="([^"]+)"', region).group(1)  # type: ignore[union-attr]
        assert f'id="{labelled_by}"' in home


def test_table_headers_wrap():
    css = CSS.read_text(encoding="utf-8")
    [rule] = re.findall(r"\.table thead th \{[^}]*\}", css)
    assert "white-space: normal" in rule
    assert "nowrap" not in rule
