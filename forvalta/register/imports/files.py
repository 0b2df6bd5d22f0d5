"""Templates and "export for import" files in the import's own column layout.

Every text cell goes through `safe_cell`, so a value starting with = + - @ opens in a
spreadsheet as text, not as a formula; the importer removes exactly that apostrophe
again (`values.unescape`), so an export imports back to the same values.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from forvalta.core.exports import XLSX_CONTENT_TYPE, csv_response, export_filename, safe_cell
from forvalta.register.imports.base import Column, Kind
from forvalta.register.imports.values import (
    boolean,
    date,
    integer,
    labels_of,
    name_list,
    normalise_newlines,
    without_controls,
)


def _cell(value: Any) -> Any:
    cleaned = safe_cell(value)
    if isinstance(cleaned, str):
        return ILLEGAL_CHARACTERS_RE.sub("", normalise_newlines(cleaned))
    return cleaned


def _canonical(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Line breaks as \n everywhere, so that what went through Excel (whose XML turns
    \r\n into \n) exports the same as what did not."""
    return [[normalise_newlines(v) if isinstance(v, str) else v for v in row] for row in rows]


def allowed_values(column: Column) -> str:
    choices = getattr(column.parse, "choices", None)
    if choices is not None:
        return ", ".join(labels_of(choices, "sv").values())
    if column.parse is boolean:
        return "Ja, Nej"
    if column.parse is date:
        return _("YYYY-MM-DD")
    if column.parse is integer:
        return _("A whole number")
    if column.parse is name_list:
        return _("Names separated by semicolons")
    return ""


def workbook(kind: Kind, rows: Sequence[Sequence[Any]]) -> bytes:
    """The kind's sheet (headings, then rows) and a sheet of instructions."""
    wb = Workbook()
    _fill_sheet(wb.active, kind, rows)
    _guide(wb, kind)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def register_workbook(sheets: Sequence[tuple[Kind, Sequence[Sequence[Any]]]]) -> bytes:
    """The whole register: one sheet per kind, in the order it is loaded (`KINDS`), and
    no other sheet (the import refuses a sheet it does not know)."""
    wb = Workbook()
    wb.remove(wb.active)
    for kind, rows in sheets:
        _fill_sheet(wb.create_sheet(), kind, _importable(kind, rows))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _fill_sheet(sheet: Any, kind: Kind, rows: Sequence[Sequence[Any]]) -> None:
    sheet.title = kind.sheet_title[:31]
    sheet.append([c.heading for c in kind.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(kind.columns, start=1):
        values = [column.heading, *(str(r[index - 1]) for r in rows[:200])]
        width = max(len(line) for v in values for line in (v.splitlines() or [""]))
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(
            max(width + 2, 12), 60
        )


def _guide(wb: Workbook, kind: Kind) -> None:
    guide = wb.create_sheet(_("Instructions")[:31])
    guide.append([_("Column"), _("Required"), _("Description"), _("Allowed values")])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column in kind.columns:
        guide.append(
            [
                _cell(column.heading),
                _("Yes") if column.required else _("No"),
                _cell(str(column.help)),
                _cell(allowed_values(column)),
            ]
        )
    guide.append([])
    for line in instructions():
        guide.append([_cell(line)])
    for letter, width in zip("ABCD", (34, 12, 70, 50), strict=True):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def instructions() -> list[str]:
    return [
        _("The first row holds the column headings; each further row is one item."),
        _("A row that matches an item in the register updates it; any other row creates one."),
        _("A column left out of the file keeps what the register holds."),
        _("An empty cell clears the value, except in Yes/No and choice columns."),
        _("Nothing is imported until every row is correct."),
    ]


def xlsx_file_response(stem: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    return response


def template_response(kind: Kind, fmt: str) -> HttpResponse:
    stem = f"forvalta-mall-{kind.key}"
    if fmt == "csv":
        return csv_response(stem, [c.heading for c in kind.columns], [])
    return xlsx_file_response(stem, workbook(kind, []))


def _importable(kind: Kind, rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Text as the import takes it: no control characters (tabs and line breaks only in
    multi-line columns). A name stored with them is found again by the import without
    them (`values.loose`), so the export imports back to the same rows."""
    multiline = [kind.is_multiline(c) for c in kind.columns]
    return [
        [
            without_controls(v, multiline[i]) if isinstance(v, str) and i < len(multiline) else v
            for i, v in enumerate(row)
        ]
        for row in rows
    ]


def export_response(kind: Kind, fmt: str, rows: Sequence[Sequence[Any]]) -> HttpResponse:
    rows = _importable(kind, rows)
    stem = export_filename(f"forvalta-{kind.key}")
    if fmt == "csv":
        return csv_response(stem, [c.heading for c in kind.columns], _canonical(rows))
    return xlsx_file_response(stem, workbook(kind, rows))
