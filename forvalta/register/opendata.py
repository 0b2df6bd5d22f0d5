"""Open data: an organisation's public register of systems, as CSV and JSON.

Public and without login (principle 4.4 of "Principer för digital samverkan i
Stockholms län": make information available as open data, with regard to secrecy
and privacy). Only systems the owner organisation has marked public
(`System.is_public`, not archived) are published, and of them only the columns in `FIELDS`; the
schema is described, with its version, in docs/opendata.md. Left out on purpose:
criticality, protected identities and product/version (they point an attacker at the
weakest or most valuable target), environments, integrations, roles and agreements.

    /open/<organisation number or id>/systems.json
    /open/<organisation number or id>/systems.csv
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_safe

from forvalta.core.exports import safe_cell
from forvalta.core.models import Organisation
from forvalta.core.validators import normalise_org_number
from forvalta.register.imports.values import labels_of, sort_key
from forvalta.register.models import Lifecycle, System

SCHEMA = "forvalta-opendata-systems"
SCHEMA_VERSION = 1
FIELDS = (
    "id",
    "name",
    "description",
    "management_object",
    "lifecycle",
    "lifecycle_label",
    "vendor",
    "vendor_organisation_number",
    "processes_personal_data",
)
CSV_FIELDS = ("organisation_number", "organisation", *FIELDS)
CACHE_SECONDS = 300
CSV_CONTENT_TYPE = "text/csv; charset=utf-8; header=present"


def organisation_for(key: str) -> Organisation:
    """An active organisation by organisation number (with or without hyphen) or id."""
    key = key.strip()
    # scoping: allowed the public directory of active organisations, for open data
    organisations = Organisation.objects.filter(is_active=True)
    if re.fullmatch(r"\d{6}-?\d{4}", key):
        try:
            number = normalise_org_number(key)
        except ValidationError as exc:
            raise Http404 from exc
        found = organisations.filter(org_number=number).first()
    elif re.fullmatch(r"[1-9]\d{0,8}", key):
        found = organisations.filter(pk=int(key)).first()
    else:
        found = None
    if found is None:
        raise Http404
    return found


def public_systems(organisation: Organisation) -> list[dict[str, Any]]:
    """The organisation's systems marked public, as schema rows, sorted by name.

    The one read of register data without a user: "marked public by its owner" is the
    whole rule, so it does not go through `visible_to`.
    """
    labels = labels_of(Lifecycle, "sv")
    # scoping: allowed open data: systems their owner marked public, read without a user
    systems = System.objects.filter(
        owner_organisation=organisation, is_public=True, archived_at__isnull=True
    ).select_related("management_object", "vendor")
    rows = []
    for s in systems:
        vendor, management_object = s.vendor, s.management_object
        rows.append(
            {
                "id": s.pk,
                "name": s.name,
                "description": s.description,
                "management_object": management_object.name if management_object else None,
                "lifecycle": s.lifecycle,
                "lifecycle_label": labels.get(s.lifecycle, s.lifecycle),
                "vendor": vendor.name if vendor else None,
                "vendor_organisation_number": vendor.org_number if vendor else None,
                "processes_personal_data": s.processes_personal_data,
            }
        )
    return sorted(rows, key=lambda r: (*sort_key(r["name"]), r["id"]))


def _public(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response["X-Schema-Version"] = str(SCHEMA_VERSION)
    return response


@require_safe
def systems_json(request: HttpRequest, organisation: str) -> HttpResponse:
    org = organisation_for(organisation)
    body = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "organisation": {"name": org.name, "organisation_number": org.org_number},
        "systems": public_systems(org),
    }
    return _public(
        HttpResponse(
            json.dumps(body, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
    )


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return safe_cell(value)


@require_safe
def systems_csv(request: HttpRequest, organisation: str) -> HttpResponse:
    """RFC 4180: comma, UTF-8 without BOM, CRLF. Text that a spreadsheet would run as a
    formula (= + - @ first) is prefixed with an apostrophe."""
    org = organisation_for(organisation)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for row in public_systems(org):
        writer.writerow(
            [_csv_value(v) for v in (org.org_number, org.name, *(row[f] for f in FIELDS))]
        )
    response = HttpResponse(buffer.getvalue(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="system-{org.org_number}.csv"'
    return _public(response)


app_name = "opendata"
urlpatterns = [
    path("<str:organisation>/systems.json", systems_json, name="systems_json"),
    path("<str:organisation>/systems.csv", systems_csv, name="systems_csv"),
]
