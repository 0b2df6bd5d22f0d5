"""Reading an uploaded file into rows: Excel (.xlsx) or CSV, within fixed limits.

CSV: UTF-8 with or without BOM (UTF-16 with BOM too, as Excel's "Unicode text"), else
Windows-1252; the delimiter (semicolon, comma or tab) is the one that makes the most
known column headings. Excel: the sheet named like the kind (e.g. "System"), else the
first sheet; formulas count by the value Excel last computed.

Anything else is refused with a message that says what to do instead.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext as _

from forvalta.register.imports.values import is_blank

if TYPE_CHECKING:
    from forvalta.register.imports.base import Column, Kind

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 60
# An .xlsx file is a zip archive; refuse archives that unpack to something huge.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# Stop reading a sheet after this many empty rows in a row (formatting down to row 1 048 576).
MAX_EMPTY_RUN = 1000

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and other old Office files
DELIMITERS = (";", ",", "\t")


def max_bytes() -> int:
    return int(getattr(settings, "FORVALTA_IMPORT_MAX_BYTES", MAX_BYTES))


def max_rows() -> int:
    return int(getattr(settings, "FORVALTA_IMPORT_MAX_ROWS", MAX_ROWS))


class FileRejected(Exception):
    """The file as a whole cannot be imported; nothing is read from it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    filename: str
    file_format: str
    headings: list[str] = field(default_factory=list)
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    present: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""


def normalise_heading(value: Any) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\ufeff", "").replace("\u00a0", " ")
    text = re.sub(r"\s+", " ", text).strip().rstrip("*").strip()
    return text.casefold()


def read_table(kind: Kind, filename: str, data: bytes) -> Table:
    """Rows of the file as {column key: cell value}, numbered as the spreadsheet shows them."""
    if len(data) > max_bytes():
        raise FileRejected(
            _("The file is too large: at most %(mb)s MB can be imported at a time.")
            % {"mb": _megabytes(max_bytes())}
        )
    if not data.strip():
        raise FileRejected(_("The file is empty."))
    name = filename.lower()
    if data.startswith(OLE_MAGIC) or name.endswith(".xls"):
        raise FileRejected(
            _("Old Excel files (.xls) cannot be read. Save the file as .xlsx or CSV and try again.")
        )
    if data.startswith(XLSX_MAGIC):
        if not name.endswith((".xlsx", ".xlsm")):
            raise FileRejected(_("Only Excel files (.xlsx) and CSV files can be imported."))
        table = Table(filename=filename, file_format="xlsx")
        records = _xlsx_records(kind, data)
    elif name.endswith((".csv", ".txt")):
        table = Table(filename=filename, file_format="csv")
        text, table.encoding = _decode(data)
        table.delimiter = _sniff_delimiter(kind, text)
        records = _csv_records(text, table.delimiter)
    else:
        raise FileRejected(_("Only Excel files (.xlsx) and CSV files can be imported."))
    _fill(kind, table, records)
    return table


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g}"


# --- CSV ----------------------------------------------------------------------------------
def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise FileRejected(_("The file says it is UTF-8 but is not.")) from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise FileRejected(_("The file says it is UTF-16 but is not.")) from exc
    if b"\x00" in data:
        raise FileRejected(_("The file is not a text file. Save it as CSV (UTF-8) or .xlsx."))
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as exc:
        raise FileRejected(
            _("The characters in the file could not be read. Save it as CSV UTF-8 and try again.")
        ) from exc


def _sniff_delimiter(kind: Kind, text: str) -> str:
    """The delimiter that splits the heading row into the most known headings."""
    first = text.lstrip("\r\n").split("\n", 1)[0]
    known = {normalise_heading(h) for c in kind.columns for h in c.all_headings}
    best, best_score = ";", (-1, -1)
    for delimiter in DELIMITERS:
        cells = next(csv.reader([first], delimiter=delimiter), [])
        score = (sum(1 for c in cells if normalise_heading(c) in known), len(cells))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_records(text: str, delimiter: str) -> Iterator[tuple[int, Sequence[Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise FileRejected(
            _("The CSV file could not be read (%(error)s).") % {"error": str(exc)}
        ) from exc


# --- Excel --------------------------------------------------------------------------------
def _xlsx_records(kind: Kind, data: bytes) -> Iterator[tuple[int, Sequence[Any]]]:
    from openpyxl import load_workbook

    not_a_workbook = _("The file could not be read as an Excel workbook (.xlsx).")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > 10000 or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                raise FileRejected(_("The workbook is too large to import."))
            if "xl/workbook.xml" not in {m.filename for m in members}:
                raise FileRejected(not_a_workbook)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except FileRejected:
        raise
    except Exception as exc:  # openpyxl raises many kinds of errors on broken files
        raise FileRejected(not_a_workbook) from exc
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise FileRejected(not_a_workbook)
        wanted = kind.sheet_title.casefold()
        sheet = next((s for s in sheets if s.title.casefold() == wanted), sheets[0])
        empty_run = 0
        for number, values in enumerate(
            sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1
        ):
            if all(is_blank(v) for v in values):
                empty_run += 1
                if empty_run >= MAX_EMPTY_RUN:
                    break
                continue
            empty_run = 0
            yield number, values
    except FileRejected:
        raise
    except Exception as exc:
        raise FileRejected(not_a_workbook) from exc
    finally:
        workbook.close()


# --- headings and rows --------------------------------------------------------------------
def _fill(kind: Kind, table: Table, records: Iterator[tuple[int, Sequence[Any]]]) -> None:
    by_heading: dict[str, Column] = {}
    for column in kind.columns:
        for heading in column.all_headings:
            by_heading[normalise_heading(heading)] = column
    index: dict[int, Column] = {}
    limit = max_rows()
    count = 0
    header_seen = False
    for number, values in records:
        cells = list(values)[:MAX_COLUMNS]
        if not header_seen:
            if all(is_blank(v) for v in cells):
                continue
            header_seen = True
            table.headings = ["" if v is None else str(v).strip() for v in cells]
            index = _map_headings(kind, table, by_heading)
            continue
        if all(is_blank(v) for v in cells):
            continue
        count += 1
        if count > limit:
            raise FileRejected(
                _("The file has more than %(max)d rows. Split it into smaller files.")
                % {"max": limit}
            )
        row = {column.key: cells[i] if i < len(cells) else None for i, column in index.items()}
        table.rows.append((number, row))
    if not header_seen:
        raise FileRejected(_("The file is empty."))


def _map_headings(kind: Kind, table: Table, by_heading: dict[str, Column]) -> dict[int, Column]:
    index: dict[int, Column] = {}
    unknown: list[str] = []
    for i, heading in enumerate(table.headings):
        key = normalise_heading(heading)
        if not key:
            continue
        column = by_heading.get(key)
        if column is None:
            unknown.append(heading)
            continue
        if column.key in table.present:
            raise FileRejected(
                _("The column “%(heading)s” appears more than once.") % {"heading": heading}
            )
        table.present.add(column.key)
        index[i] = column
    missing = [c.heading for c in kind.columns if c.required and c.key not in table.present]
    if missing:
        raise FileRejected(
            _(
                "Columns are missing: %(columns)s. The first row must hold the column "
                "headings of the template."
            )
            % {"columns": ", ".join(f"“{m}”" for m in missing)}
        )
    if unknown:
        table.warnings.append(
            _("These columns are not known and were left out: %(columns)s.")
            % {"columns": ", ".join(f"“{u}”" for u in unknown)}
        )
    return index
