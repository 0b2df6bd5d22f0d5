"""The campaign's protocol (seed 004 5.5: what was checked, when, by whom): the lists,
the verdicts to remove or change, the requests and whether the next snapshot confirmed
them, the deviations and the signature; as a tagged PDF and as Excel."""

from __future__ import annotations

import io
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from forvalta.access.models import (
    AccessRequest,
    Campaign,
    Deviation,
    ListKind,
    RequestStatus,
    ReviewItem,
    ReviewList,
    Verdict,
)
from forvalta.core.exports import XLSX_CONTENT_TYPE, _xlsx_value, export_filename
from forvalta.core.pdf import pdf_response


def _when(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value)
        return formats.date_format(value, "SHORT_DATETIME_FORMAT")
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _person(value: Any) -> str:
    return str(value) if value is not None else ""


def protocol_data(campaign: Campaign, user: Any) -> dict[str, Any]:
    lists = list(
        ReviewList.objects.visible_to(user)
        .filter(campaign=campaign)
        .select_related("reviewer", "submitted_by")
        .annotate(
            removal_count=Count(
                "items", filter=Q(items__verdict__in=(Verdict.REMOVE, Verdict.CHANGE))
            )
        )
        .order_by("unit_name", "kind", "pk")
    )
    decisions = list(
        ReviewItem.objects.visible_to(user)
        .filter(review_list__campaign=campaign, verdict__in=(Verdict.REMOVE, Verdict.CHANGE))
        .select_related("account", "review_list", "decided_by")
        .order_by("review_list__unit_name", "account__name", "pk")
    )
    requests = {
        r.review_item_id: r
        for r in AccessRequest.objects.visible_to(user)
        .filter(review_item__review_list__campaign=campaign)
        .select_related("confirmed_by_snapshot", "decided_by")
    }
    removals = []
    for item in decisions:
        request = requests.get(item.pk)
        if request is None:
            state = _("No request made")
        elif request.confirmed_by_snapshot_id:
            state = _("Done, confirmed by the snapshot of %(date)s") % {
                "date": _when(request.confirmed_by_snapshot.taken_on)  # type: ignore[union-attr]  # set
            }
        elif request.status == RequestStatus.DONE:
            state = _("Done, not yet confirmed by a snapshot")
        elif request.status == RequestStatus.REQUESTED:
            state = _("Waiting for the owner's decision")
        elif request.status == RequestStatus.REJECTED:
            state = _("Rejected by %(name)s: the access stays") % {
                "name": _person(request.decided_by)
            }
        else:
            state = _("Not done")
        removals.append(
            {
                "unit": item.review_list.unit_name,
                "account": item.account.account_id,
                "name": item.account.name,
                "verdict": item.get_verdict_display(),
                "roles": item.new_roles,
                "comment": item.comment,
                "decided_by": _person(item.decided_by),
                "state": state,
            }
        )
    deviations = list(
        Deviation.objects.visible_to(user).filter(campaign=campaign).order_by("raised_at", "pk")
    )
    return {
        "campaign": campaign,
        "lists": [
            {
                "unit": rl.unit_name,
                "kind": rl.get_kind_display(),
                "reviewer": _person(rl.reviewer),
                "accounts": rl.account_count,
                "status": rl.get_status_display(),
                "outcome": _("Without remark")
                if rl.without_remark
                else _("%(count)d to remove or change") % {"count": rl.removal_count},
                "reported_by": _person(rl.submitted_by),
                "reported_at": _when(rl.submitted_at),
            }
            for rl in lists
        ],
        "unit_count": len({rl.unit_name for rl in lists if rl.kind == ListKind.UNIT}),
        "account_count": campaign.snapshot.account_count,
        "removals": removals,
        "deviations": [
            {
                "description": d.description,
                "incident": _("Yes") if d.is_personal_data_incident else _("No"),
                "assessment": d.assessment,
                "reference": d.incident_reference,
                "raised_at": _when(d.raised_at),
            }
            for d in deviations
        ],
        "facts": [
            (_("System"), campaign.system.name),
            (_("Organisation"), campaign.organisation.name),
            (_("Account list of"), _when(campaign.snapshot.taken_on)),
            (_("Review started"), _when(campaign.created_at)),
            (_("Due"), _when(campaign.due_on)),
            (_("Controller"), _person(campaign.controller)),
            (_("Status"), campaign.get_status_display()),
            (_("Signed by"), _person(campaign.signed_by)),
            (_("Signed"), _when(campaign.signed_at)),
        ],
    }


def title_of(campaign: Campaign) -> str:
    return _("Access review protocol: %(name)s") % {"name": campaign.name}


def pdf(request: HttpRequest, campaign: Campaign, data: dict[str, Any]) -> HttpResponse:
    return pdf_response(
        request,
        "access/protocol_pdf.html",
        data,
        title=title_of(campaign),
        filename=f"{export_filename('behorighetskontroll')}.pdf",
    )


def xlsx(campaign: Campaign, data: dict[str, Any]) -> HttpResponse:
    wb = Workbook()
    sheet = wb.active
    sheet.title = _("Protocol")[:31]
    sheet.append([title_of(campaign)])
    sheet["A1"].font = Font(bold=True)
    for label, value in data["facts"]:
        sheet.append([str(label), _xlsx_value(value)])
    sheet.append([str(_("Units")), data["unit_count"]])
    sheet.append([str(_("Accounts")), data["account_count"]])
    sections = [
        (
            _("Lists"),
            [
                _("Unit"),
                _("Kind"),
                _("Reviewer"),
                _("Accounts"),
                _("Status"),
                _("Outcome"),
                _("Reported by"),
                _("Reported"),
            ],
            [
                [
                    r["unit"],
                    r["kind"],
                    r["reviewer"],
                    r["accounts"],
                    r["status"],
                    r["outcome"],
                    r["reported_by"],
                    r["reported_at"],
                ]
                for r in data["lists"]
            ],
        ),
        (
            _("Removals and changes"),
            [
                _("Unit"),
                _("Account id"),
                _("Name"),
                _("Verdict"),
                _("Roles instead"),
                _("Comment"),
                _("Decided by"),
                _("Done"),
            ],
            [
                [
                    r["unit"],
                    r["account"],
                    r["name"],
                    r["verdict"],
                    r["roles"],
                    r["comment"],
                    r["decided_by"],
                    r["state"],
                ]
                for r in data["removals"]
            ],
        ),
        (
            _("Deviations"),
            [
                _("Description"),
                _("Personal-data incident"),
                _("Assessment"),
                _("Incident"),
                _("Raised"),
            ],
            [
                [r["description"], r["incident"], r["assessment"], r["reference"], r["raised_at"]]
                for r in data["deviations"]
            ],
        ),
    ]
    for title, header, rows in sections:
        sheet = wb.create_sheet(str(title)[:31])
        sheet.append([str(h) for h in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_xlsx_value(v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="{export_filename("behorighetskontroll")}.xlsx"'
    )
    return response
