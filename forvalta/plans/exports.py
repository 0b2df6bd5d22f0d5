"""Excel documents of plans: the invoice basis (one sheet per member and a summary) and
the follow-up report; and the import of monthly outcomes from Excel."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from forvalta.core.exports import XLSX_CONTENT_TYPE, _xlsx_value, export_filename
from forvalta.plans import services
from forvalta.plans.models import CostShare, CostSplit, Goal, ManagementPlan, ResourceGroup

MONEY_FORMAT = "#,##0.00"


def _sheet_title(text: str, used: set[str]) -> str:
    base = "".join(c for c in text if c not in "[]:*?/\\")[:31] or "-"
    title, n = base, 2
    while title in used:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title)
    return title


def _bold(ws: Any, row: int = 1) -> None:
    for cell in ws[row]:
        cell.font = Font(bold=True)


def _response(wb: Workbook, stem: str) -> HttpResponse:
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(stem)}.xlsx"'
    return response


def invoice_basis_xlsx(
    split: CostSplit, lines: list[CostShare], totals: dict[str, Any]
) -> HttpResponse:
    wb = Workbook()
    summary = wb.active
    used: set[str] = set()
    summary.title = _sheet_title(_("Summary"), used)
    period = f"{split.period_start:%Y-%m-%d} – {split.period_end:%Y-%m-%d}"
    summary.append([_xlsx_value(str(split))])
    summary.append([_("Service"), _xlsx_value(str(split.service))])
    summary.append([_("Period"), period])
    summary.append([_("Key"), split.get_key_display()])
    summary.append([_("Decision reference"), _xlsx_value(split.decision_reference)])
    summary.append([])
    header = [_("Organisation"), _("Days of participation"), _("Key value"), _("Share (SEK)")]
    summary.append(header)
    _bold(summary, summary.max_row)
    for line in lines:
        summary.append(
            [
                _xlsx_value(line.organisation.name),
                line.days,
                line.key_value if line.key_value is not None else "",
                line.amount,
            ]
        )
        summary.cell(summary.max_row, 4).number_format = MONEY_FORMAT
    summary.append([_("Budget"), "", "", split.budget])
    summary.cell(summary.max_row, 4).number_format = MONEY_FORMAT
    summary.append([_("Total of all members' shares"), "", "", totals["amount"]])
    summary.cell(summary.max_row, 4).number_format = MONEY_FORMAT
    summary.column_dimensions["A"].width = 40
    summary.column_dimensions["D"].width = 18
    for line in lines:
        ws = wb.create_sheet(_sheet_title(line.organisation.name, used))
        ws.append([_("Invoice basis")])
        ws.append([_("Organisation"), _xlsx_value(line.organisation.name)])
        ws.append([_("Service"), _xlsx_value(str(split.service))])
        ws.append([_("Period"), period])
        ws.append([_("Days of participation"), line.days])
        ws.append([_("Key"), split.get_key_display()])
        ws.append([_("Key value"), line.key_value if line.key_value is not None else ""])
        ws.append([_("Amount to invoice (SEK)"), line.amount])
        ws.cell(ws.max_row, 2).number_format = MONEY_FORMAT
        ws.append([_("Decision reference"), _xlsx_value(split.decision_reference)])
        ws.column_dimensions["A"].width = 30
        ws.column_dimensions["B"].width = 40
    return _response(wb, f"fakturaunderlag-{split.pk}")


def follow_up_xlsx(plan: ManagementPlan, context: dict[str, Any]) -> HttpResponse:
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(_("Goals"), set())
    ws.append(
        [
            _("Goal id"),
            _("Activity"),
            _("Goal"),
            _("Maintain or develop"),
            _("Status"),
            _("Planned person-days"),
            _("Actual person-days"),
            _("Planned (SEK)"),
            _("Actual (SEK)"),
            _("Difference (SEK)"),
        ]
    )
    _bold(ws)
    for row in context["rows"]:
        goal = row["goal"]
        ws.append(
            [
                goal.pk,
                _xlsx_value(row["activity"]),
                _xlsx_value(goal.text),
                row["kind"],
                goal.get_status_display(),
                row["planned_days"],
                row["actual_days"],
                row["planned"],
                row["actual"],
                row["difference"],
            ]
        )
    for key, title in (("by_activity", _("By activity")), ("by_kind", _("By VM/VU"))):
        sheet = wb.create_sheet(_sheet_title(title, {ws.title}))
        sheet.append(
            [
                title,
                _("Planned person-days"),
                _("Actual person-days"),
                _("Planned (SEK)"),
                _("Actual (SEK)"),
                _("Difference (SEK)"),
            ]
        )
        _bold(sheet)
        for t in context[key]:
            sheet.append(
                [
                    _xlsx_value(t["name"]),
                    t["planned_days"],
                    t["actual_days"],
                    t["planned"],
                    t["actual"],
                    t["difference"],
                ]
            )
    return _response(wb, f"uppfoljning-{plan.pk}")


def _decimal(value: Any, row: int) -> Decimal:
    try:
        result = Decimal(str(value if value not in (None, "") else 0).replace(",", "."))
    except InvalidOperation:
        raise ValidationError(
            _("Row %(row)s: %(value)s is not a number.") % {"row": row, "value": value}
        ) from None
    if result < 0:
        raise ValidationError(_("Row %(row)s: a number cannot be negative.") % {"row": row})
    return result


def _month(value: Any, row: int) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date().replace(day=1)
    if isinstance(value, dt.date):
        return value.replace(day=1)
    try:
        return dt.datetime.strptime(str(value).strip()[:7], "%Y-%m").date()
    except ValueError:
        raise ValidationError(_("Row %(row)s: give the month as YYYY-MM.") % {"row": row}) from None


def import_follow_up(*, actor: Any, plan: ManagementPlan, file: Any) -> int:
    """All rows or none: goal id, month, resource group (name), person-days, costs."""
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises several kinds for a file that is not a workbook
        raise ValidationError(_("The file is not an Excel workbook (.xlsx).")) from None
    ws = wb.active
    goals = {g.pk: g for g in Goal.objects.visible_to(actor).filter(plan=plan)}
    groups = {
        g.name.casefold(): g for g in ResourceGroup.objects.visible_to(actor).filter(plan=plan)
    }
    rows = []
    for number, values in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if not values or all(v in (None, "") for v in values):
            continue
        values = (*values, None, None, None, None, None)
        try:
            goal = goals[int(values[0])]
        except (KeyError, TypeError, ValueError):
            raise ValidationError(
                _("Row %(row)s: no goal of this plan has that id.") % {"row": number}
            ) from None
        group = groups.get(str(values[2] or "").strip().casefold())
        if group is None:
            raise ValidationError(
                _("Row %(row)s: the plan has no such resource group.") % {"row": number}
            )
        rows.append(
            {
                "goal": goal,
                "month": _month(values[1], number),
                "resource_group": group,
                "actual_days": _decimal(values[3], number),
                "actual_cost": _decimal(values[4], number),
                "note": _("Imported from Excel"),
            }
        )
    if not rows:
        raise ValidationError(_("The file has no rows."))
    with transaction.atomic():
        for data in rows:
            services.follow_up_record(actor=actor, data=data)
    return len(rows)
