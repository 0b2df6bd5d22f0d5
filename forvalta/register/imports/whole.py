"""The whole register in one workbook: one sheet per kind, loaded in the order of `KINDS`.

Each sheet is read as the file of its kind would be (`reading.read_table`: the same
headings, limits and cell rules), and run through the same engine, sheet after sheet,
in one transaction: a later sheet finds what an earlier one creates (systems their
management objects), and nothing stays written unless every row of every sheet is
right. The preview runs the same way and rolls everything back at the end, so that a
sheet's rows are checked against what the earlier sheets would create; it writes
nothing that stays (and sends nothing: invitations go out only after a commit).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from forvalta.audit.services import record
from forvalta.core.tenancy import forget_scope
from forvalta.register.imports.base import Kind
from forvalta.register.imports.engine import ImportReport, _organisation_of, run_import
from forvalta.register.imports.kinds import KINDS
from forvalta.register.imports.reading import (
    MAX_UNPACKED_BYTES,
    XLSX_MAGIC,
    FileRejected,
    Table,
    _count_shared_strings,
    max_bytes,
    max_rows,
    read_table,
    too_many_rows,
)

WHOLE = "register"
WHOLE_TITLE = "Hela registret"


def whole_kinds(user: Any) -> list[Kind]:
    """The kinds of the user's whole-register workbook: those they may see and import."""
    return [k for k in KINDS.values() if user.has_perm(k.view_perm) and user.has_perm(k.perm)]


@dataclass
class Sheets:
    """A workbook's sheets as parsed tables, by kind, in the order they are loaded."""

    filename: str
    sheets: list[tuple[str, Table]] = field(default_factory=list)

    @property
    def rows(self) -> list[Any]:
        return [row for _key, table in self.sheets for row in table.rows]

    def to_json(self) -> str:
        return json.dumps(
            {
                "filename": self.filename,
                "sheets": [[key, json.loads(table.to_json())] for key, table in self.sheets],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Sheets:
        data = json.loads(text)
        return cls(
            filename=str(data["filename"]),
            sheets=[
                (str(key), Table.from_json(json.dumps(table))) for key, table in data["sheets"]
            ],
        )


def _sheet_titles(data: bytes) -> list[str]:
    from openpyxl import load_workbook

    not_a_workbook = _("The file could not be read as an Excel workbook (.xlsx).")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > 10000 or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                raise FileRejected(_("The workbook is too large to import."))
            if "xl/workbook.xml" not in {m.filename for m in members}:
                raise FileRejected(not_a_workbook)
            # openpyxl reads the shared strings whole even to list the sheets: the same
            # bound as for one kind's file (reading._xlsx_records), before it does.
            for member in members:
                if member.filename.lower().endswith("sharedstrings.xml"):
                    _count_shared_strings(archive, member)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except FileRejected:
        raise
    except Exception as exc:  # openpyxl raises many kinds of errors on broken files
        raise FileRejected(not_a_workbook) from exc
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def read_workbook(user: Any, filename: str, data: bytes) -> Sheets:
    """The sheets of a whole-register workbook, each read as its kind's file. A sheet
    whose title is not a kind the user may import, or whose headings are not its kind's,
    refuses the whole workbook; an empty sheet is left out."""
    if len(data) > max_bytes():
        raise FileRejected(
            _("The file is too large: at most %(mb)s MB can be imported at a time.")
            % {"mb": f"{max_bytes() / (1024 * 1024):g}"}
        )
    if not data.startswith(XLSX_MAGIC) or not filename.lower().endswith((".xlsx", ".xlsm")):
        raise FileRejected(
            _(
                "The whole register is imported from an Excel workbook (.xlsx) with one "
                "sheet per kind. Import a CSV file kind by kind."
            )
        )
    kinds = whole_kinds(user)
    by_title = {k.sheet_title.casefold(): k for k in kinds}
    titles = _sheet_titles(data)
    found: dict[str, str] = {}
    for title in titles:
        kind = by_title.get(title.casefold())
        if kind is None:
            raise FileRejected(
                _(
                    "The sheet “%(sheet)s” is not one of the register's kinds that you may "
                    "import. Name the sheets as in the export: %(titles)s."
                )
                % {"sheet": title, "titles": ", ".join(f"“{k.sheet_title}”" for k in kinds)}
            )
        found[kind.key] = title
    sheets = Sheets(filename=filename)
    total = 0
    empty = _("The file is empty.")
    for kind in kinds:  # in the order a register is loaded, whatever the workbook's order
        if kind.key not in found:
            continue
        try:
            table = read_table(kind, filename, data)
        except FileRejected as exc:
            if exc.message == empty:
                continue
            raise FileRejected(
                _("Sheet “%(sheet)s”: %(message)s")
                % {"sheet": found[kind.key], "message": exc.message}
            ) from exc
        total += len(table.rows)
        if total > max_rows():
            raise too_many_rows()
        sheets.sheets.append((kind.key, table))
    if not sheets.sheets:
        raise FileRejected(_("The file is empty."))
    return sheets


class _DryRun(Exception):
    pass


@dataclass
class WholeReport:
    filename: str
    sheets: list[tuple[Kind, ImportReport]] = field(default_factory=list)
    committed: bool = False

    @property
    def has_errors(self) -> bool:
        return any(r.has_errors for _k, r in self.sheets)

    @property
    def has_changes(self) -> bool:
        return any(r.has_changes for _k, r in self.sheets)

    @property
    def counts(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for _kind, report in self.sheets:
            for key, count in report.counts.items():
                total[key] = total.get(key, 0) + count
        return total

    def summary(self) -> dict[str, Any]:
        return {
            "kind": WHOLE,
            "file": self.filename,
            **self.counts,
            "sheets": {k.key: r.summary() for k, r in self.sheets},
        }


def run_whole(*, actor: Any, sheets: Sheets, commit: bool) -> WholeReport:
    """Preview (commit=False) or import a whole-register workbook: every sheet through
    `run_import`, in order, in one transaction that is kept only when this is a commit
    and no row of any sheet has an error."""
    report = WholeReport(filename=sheets.filename)
    try:
        with transaction.atomic():
            for key, table in sheets.sheets:
                kind = KINDS[key]
                sheet = run_import(actor=actor, kind=kind, table=table, commit=True)
                report.sheets.append((kind, sheet))
            if not commit or report.has_errors or not report.has_changes:
                raise _DryRun
            report.committed = True
    except _DryRun:
        report.committed = False
    finally:
        forget_scope(actor)
    if not report.committed:
        for _kind, sheet in report.sheets:
            sheet.committed = False
    if not commit or report.has_errors:
        # The sheets' own events went with the rolled-back transaction: one event says
        # what was checked.
        record(
            actor=actor,
            action="register.import.previewed" if not commit else "register.import.rejected",
            object_type="register.import",
            object_repr=f"{WHOLE}: {sheets.filename}"[:300],
            organisation=_organisation_of(actor),
            changes={k: [None, v] for k, v in report.summary().items()},
        )
    return report
