"""Reading an uploaded file into rows: Excel (.xlsx) or CSV, within fixed limits.

CSV: UTF-8 with or without BOM (UTF-16 with BOM too, as Excel's "Unicode text"), else
Windows-1252; the delimiter (semicolon, comma or tab) is the one that makes the most
known column headings. Excel: the sheet named like the kind (e.g. "System"), else the
first sheet; formulas count by the value Excel last computed, and a formula without one
is an error on its row (`values.FormulaWithoutValue`), never an empty cell.

Both are read as a stream, cell by cell, within limits (settings
`FORVALTA_IMPORT_MAX_COLUMNS`, `FORVALTA_IMPORT_MAX_CELLS`, `FORVALTA_IMPORT_MAX_ROWS`):
the first cell past a limit stops the reading and refuses the file, so a sheet that
declares or spreads a row over millions of cells costs no more than the limit. The
sheet's declared dimension is never used to size anything.

A file is read once, at upload; the parsed rows are kept as JSON (`Table.to_json`)
for the preview and the commit.

Anything else is refused with a message that says what to do instead.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext as _

from forvalta.register.imports.values import FormulaWithoutValue, is_blank

if TYPE_CHECKING:
    from forvalta.register.imports.base import Column, Kind

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 60
# Cells a sheet may list (empty formatted cells too) or a CSV file may hold.
MAX_CELLS = 600_000
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


def max_columns() -> int:
    return int(getattr(settings, "FORVALTA_IMPORT_MAX_COLUMNS", MAX_COLUMNS))


def max_cells() -> int:
    return int(getattr(settings, "FORVALTA_IMPORT_MAX_CELLS", MAX_CELLS))


def too_many_columns(row: int) -> FileRejected:
    return FileRejected(
        _(
            "Row %(row)d has values in more than %(max)d columns. Remove what lies to the "
            "right of the table and try again."
        )
        % {"row": row, "max": max_columns()}
    )


def too_many_cells() -> FileRejected:
    return FileRejected(
        _(
            "The file holds more than %(max)d cells. Remove empty formatted cells or split "
            "the file into smaller files."
        )
        % {"max": max_cells()}
    )


def too_many_rows() -> FileRejected:
    return FileRejected(
        _("The file has more than %(max)d rows. Split it into smaller files.") % {"max": max_rows()}
    )


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

    def to_json(self) -> str:
        return json.dumps(
            {
                "filename": self.filename,
                "file_format": self.file_format,
                "headings": self.headings,
                "rows": [[n, {k: _dump(v) for k, v in row.items()}] for n, row in self.rows],
                "present": sorted(self.present),
                "warnings": [str(w) for w in self.warnings],
                "encoding": self.encoding,
                "delimiter": self.delimiter,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Table:
        data = json.loads(text)
        return cls(
            filename=str(data["filename"]),
            file_format=str(data["file_format"]),
            headings=list(data["headings"]),
            rows=[(int(n), {k: _load(v) for k, v in row.items()}) for n, row in data["rows"]],
            present=set(data["present"]),
            warnings=list(data["warnings"]),
            encoding=str(data["encoding"]),
            delimiter=str(data["delimiter"]),
        )


_TYPES: dict[str, Any] = {
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
    "formula": FormulaWithoutValue,
}


def _dump(value: Any) -> Any:
    """A cell as JSON: text, numbers, booleans and None as they are, the rest tagged."""
    if isinstance(value, FormulaWithoutValue):
        return {"formula": value.formula}
    for name, type_ in (("datetime", dt.datetime), ("date", dt.date), ("time", dt.time)):
        if isinstance(value, type_):
            return {name: value.isoformat()}
    if isinstance(value, dt.timedelta):
        return str(value)
    return value


def _load(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((name, text),) = value.items()
        return _TYPES[name](text)
    return value


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
    """Records of the CSV text, line by line. A line with far more delimiters than the
    column limit allows is refused before the csv module splits it into fields."""
    guard = max_columns() * 10 + 100

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            if line.count(delimiter) > guard:
                raise too_many_columns(number + 1)
            yield line

    number = 0
    reader = csv.reader(lines(), delimiter=delimiter, strict=False)
    try:
        for number, record in enumerate(reader, start=1):
            yield number, record
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
            for member in members:
                if member.filename.lower().endswith("sharedstrings.xml"):
                    _count_shared_strings(archive, member)
        # Read-only: the workbook's parts are opened lazily and sheets are streamed.
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
        yield from _sheet_rows(workbook, sheet)
    except FileRejected:
        raise
    except Exception as exc:
        raise FileRejected(not_a_workbook) from exc
    finally:
        workbook.close()


def _count_shared_strings(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """openpyxl reads the whole table of shared strings into memory: count its entries
    first, streaming, and refuse a table of more strings than the file may have cells."""
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    entry, limit, count = f"{{{SHEET_MAIN_NS}}}si", max_cells(), 0
    root: Any = None
    with archive.open(member) as source:
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                if root is None:
                    root = element
                continue
            if element.tag == entry:
                count += 1
                if count > limit:
                    raise too_many_cells()
                if root is not None and element in root:
                    root.remove(element)


def _sheet_rows(workbook: Any, sheet: Any) -> Iterator[tuple[int, list[Any]]]:
    """The sheet's rows as (number, values), streamed cell by cell from its XML.

    Each cell is converted by openpyxl's own cell reader (shared strings, numbers, dates,
    booleans, the value last computed for a formula) and dropped at once; a row is only
    as wide as its last cell with a value, and the limits are checked at every cell."""
    from openpyxl.worksheet._reader import CELL_TAG, FORMULA_TAG, ROW_TAG, WorkSheetParser
    from openpyxl.xml.functions import iterparse

    columns_limit, cells_limit = max_columns(), max_cells()
    cells = 0
    empty_run = 0
    last_row = 0
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        row_element: Any = None
        values: dict[int, Any] = {}
        for event, element in iterparse(source, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == ROW_TAG:
                    row_element = element
                    number = element.get("r")
                    parser.row_counter = int(float(number)) if number else parser.row_counter + 1
                    parser.col_counter = 0
                    values = {}
                continue
            if tag == CELL_TAG:
                cells += 1
                if cells > cells_limit:
                    raise too_many_cells()
                cell = parser.parse_cell(element)
                value = cell["value"]
                if value is None and element.find(FORMULA_TAG) is not None:
                    value = FormulaWithoutValue(element.findtext(FORMULA_TAG) or "")
                if value is not None:
                    if cell["column"] > columns_limit:
                        raise too_many_columns(parser.row_counter)
                    values[cell["column"]] = value
                if row_element is not None:
                    row_element.remove(element)
                else:
                    element.clear()
            elif tag == ROW_TAG:
                number = parser.row_counter
                gap = number - last_row - 1
                last_row = number
                element.clear()
                row_element = None
                if not values or all(is_blank(v) for v in values.values()):
                    empty_run += 1 + max(gap, 0)
                else:
                    empty_run = max(gap, 0)
                if empty_run >= MAX_EMPTY_RUN:
                    # Formatting down to row 1 048 576: the table has ended.
                    break
                if values:
                    yield number, [values.get(i) for i in range(1, max(values) + 1)]
            elif tag.endswith("}sheetData"):
                break


# --- headings and rows --------------------------------------------------------------------
def _fill(kind: Kind, table: Table, records: Iterator[tuple[int, Sequence[Any]]]) -> None:
    by_heading: dict[str, Column] = {}
    for column in kind.columns:
        for heading in column.all_headings:
            by_heading[normalise_heading(heading)] = column
    index: dict[int, Column] = {}
    keys: list[tuple[int, str]] = []
    width = 0
    limit, columns_limit, cells_limit = max_rows(), max_columns(), max_cells()
    count = 0
    cell_count = 0
    header_seen = False
    for number, values in records:
        cells = list(values)
        while cells and is_blank(cells[-1]):
            cells.pop()
        if len(cells) > columns_limit:
            raise too_many_columns(number)
        cell_count += len(cells)
        if cell_count > cells_limit:
            raise too_many_cells()
        if not header_seen:
            if all(is_blank(v) for v in cells):
                continue
            header_seen = True
            table.headings = ["" if v is None else str(v).strip() for v in cells]
            index = _map_headings(kind, table, by_heading)
            keys = [(i, column.key) for i, column in index.items()]
            width = max(index, default=-1) + 1
            continue
        # The first cell decides for almost every row; the rest only when it is blank.
        if is_blank(cells[0] if cells else None) and all(is_blank(v) for v in cells):
            continue
        count += 1
        if count > limit:
            raise too_many_rows()
        if len(cells) >= width:
            row = {key: cells[i] for i, key in keys}
        else:
            row = {key: cells[i] if i < len(cells) else None for i, key in keys}
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
