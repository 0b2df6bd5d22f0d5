"""Reading an extract file by a source's column mapping and storing it all or nothing.

The whole file is parsed first; any bad row refuses the file (the message names the
rows) and nothing is stored. The rows are then written in one transaction: on
PostgreSQL with psycopg 3 `cursor.copy()` (COPY ... FROM STDIN), elsewhere with
`bulk_create` in batches. Never one query per row.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import operator
import re
import time
from collections.abc import Sequence
from typing import IO, Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forvalta.logreview import identity
from forvalta.logreview.identity import (
    InvalidIdentity,
    client_hash,
    hash_and_mask,
    masked,
    surname_hash,
)
from forvalta.logreview.models import (
    MAPPED_FIELDS,
    REFERENCE_FIELD_NAMES,
    REFERENCE_FIELDS,
    REFERENCE_REQUIRED,
    REQUIRED_FIELDS,
    LoadKind,
    LogEntry,
    LogLoad,
    ReferenceRow,
)
from forvalta.logreview.store import PgWriter, Progress, SqliteWriter

BATCH = 5000
MAX_MESSAGES = 20
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")
LIMITS = {
    "account": 100,
    "employee_name": 200,
    "employee_unit": 200,
    "client_unit": 200,
    "action": 200,
    "record_part": 200,
    "client_name": 200,
}
COLUMNS = (
    "organisation_id",
    "source_id",
    "load_id",
    "time",
    "account",
    "employee_name",
    "unit",
    "client_hash",
    "client_masked",
    "client_unit",
    "action",
    "record_part",
    "client_surname",
)


class FileRefused(Exception):
    """The file cannot be loaded; `messages` say why (in Swedish to the user)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused([_("The file is not text (UTF-8 or Windows-1252).")])


def read_rows(data: bytes) -> tuple[list[str], list[list[str]]]:
    text = decode(data)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    if "\x00" in text:
        raise FileRefused([_("The file holds a NUL character: it is not a text export.")])
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        # A quote never closed (the rest of the file as one cell), a bare carriage return.
        raise FileRefused([_("The file could not be read as CSV.")]) from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise FileRefused([_("The file is empty.")])
    return [h.strip() for h in rows[0]], rows[1:]


def parse_time(value: str) -> dt.datetime:
    text = value.strip()
    for fmt in TIME_FORMATS:
        try:
            naive = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        if not 1900 <= naive.year <= 2100:
            break
        return timezone.make_aware(naive)
    raise ValueError(text)


def parse(
    organisation_id: int, source_id: int, load_id: int, mapping: dict[str, str], data: bytes
) -> list[tuple[Any, ...]]:
    """The file's rows as tuples in `COLUMNS` order; raises `FileRefused`."""
    header, rows = read_rows(data)
    index: dict[str, int] = {}
    missing = []
    for name in MAPPED_FIELDS:
        heading = str(mapping.get(name) or "").strip()
        if not heading:
            continue
        if heading not in header:
            if name in REQUIRED_FIELDS:
                missing.append(heading)
            continue
        index[name] = header.index(heading)
    if missing:
        raise FileRefused(
            [
                _("The file lacks the column(s) %(columns)s named by the log source's mapping.")
                % {"columns": ", ".join(_("“%(column)s”") % {"column": m} for m in missing)}
            ]
        )
    errors: list[str] = []
    result: list[tuple[Any, ...]] = []
    for number, row in enumerate(rows, start=2):

        def cell(name: str, row: list[str] = row) -> str:
            i = index.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        problems = []
        try:
            time = parse_time(cell("time"))
        except ValueError:
            # The cell is not repeated: with shifted columns it may be a personal
            # identity number, and the message is kept with the load.
            problems.append(
                _("the column “%(column)s” holds no time (YYYY-MM-DD HH:MM)")
                % {"column": mapping.get("time", "time")}
            )
        account = cell("account")
        if not account:
            problems.append(_("the account is missing"))
        try:
            digest, mask = hash_and_mask(organisation_id, cell("client_id"))
        except InvalidIdentity:
            problems.append(_("the client's personal identity number is not valid"))
        for name, limit in LIMITS.items():
            if len(cell(name)) > limit:
                problems.append(
                    _("the column “%(column)s” is longer than %(limit)s characters")
                    % {"column": mapping.get(name, name), "limit": limit}
                )
        if problems:
            if len(errors) < MAX_MESSAGES:
                errors.append(
                    _("Row %(row)s: %(problems)s.")
                    % {"row": number, "problems": "; ".join(problems)}
                )
            else:
                errors[-1] = _("… and more rows with errors.")
            continue
        result.append(
            (
                organisation_id,
                source_id,
                load_id,
                time,
                account,
                cell("employee_name"),
                cell("employee_unit"),
                digest,
                mask,
                cell("client_unit"),
                cell("action"),
                cell("record_part"),
                surname_hash(organisation_id, cell("client_name")),
            )
        )
    if errors:
        raise FileRefused([_("The file was not loaded; nothing of it is stored."), *errors])
    if not result:
        raise FileRefused([_("The file holds no log rows.")])
    return result


def store(
    rows: Sequence[tuple[Any, ...]], model: Any = LogEntry, columns: Sequence[str] = COLUMNS
) -> None:
    """Write the rows inside the caller's transaction: COPY on PostgreSQL, else
    `bulk_create` in batches."""
    assert transaction.get_connection().in_atomic_block
    if connection.vendor == "postgresql":
        names = ", ".join(f'"{c}"' for c in columns)
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3
            with raw.copy(  # type: ignore[attr-defined]  # psycopg 3 cursor
                f"COPY {model._meta.db_table} ({names}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
        return
    attnames = {f.column: f.attname for f in model._meta.concrete_fields}
    fields = [attnames[c] for c in columns]
    for start in range(0, len(rows), BATCH):
        model.objects.bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in rows[start : start + BATCH]],
            batch_size=BATCH,
        )


# --- reference files -------------------------------------------------------------------
REFERENCE_COLUMNS = (
    "organisation_id",
    "source_id",
    "load_id",
    "kind",
    "client_hash",
    "account",
    "unit",
    "valid_from",
    "valid_to",
)


def parse_date(value: str) -> dt.date | None:
    text = value.strip()
    if not text:
        return None
    day = dt.datetime.strptime(text, "%Y-%m-%d").date()
    if not 1900 <= day.year <= 2100:
        raise ValueError(text)
    return day


def parse_reference(
    organisation_id: int,
    source_id: int,
    load_id: int,
    kind: str,
    mapping: dict[str, str],
    data: bytes,
) -> list[tuple[Any, ...]]:
    """A reference file's rows as tuples in `REFERENCE_COLUMNS` order (client ids hashed
    with the organisation's key like the log's); raises `FileRefused`."""
    header, rows = read_rows(data)
    required = REFERENCE_REQUIRED[LoadKind(kind)]
    index: dict[str, int] = {}
    missing: list[str] = []
    unnamed: list[str] = []
    for name in REFERENCE_FIELDS:
        heading = str(mapping.get(name) or "").strip()
        if heading and heading in header:
            index[name] = header.index(heading)
        elif name in required:
            (missing if heading else unnamed).append(heading or str(REFERENCE_FIELD_NAMES[name]))
    if unnamed:
        raise FileRefused(
            [
                _(
                    "The log source names no column for %(fields)s, which this kind of file "
                    "needs: name it on the source's form."
                )
                % {"fields": ", ".join(unnamed)}
            ]
        )
    if missing:
        raise FileRefused(
            [
                _("The file lacks the column(s) %(columns)s named by the log source's mapping.")
                % {"columns": ", ".join(_("“%(column)s”") % {"column": m} for m in missing)}
            ]
        )
    errors: list[str] = []
    result: list[tuple[Any, ...]] = []
    for number, row in enumerate(rows, start=2):

        def cell(name: str, row: list[str] = row) -> str:
            i = index.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        problems = []
        digest = ""
        try:
            digest, _mask = hash_and_mask(organisation_id, cell("client_id"))
        except InvalidIdentity:
            problems.append(_("the personal identity number is not valid"))
        dates: dict[str, dt.date | None] = {}
        for name in ("valid_from", "valid_to"):
            try:
                dates[name] = parse_date(cell(name))
            except ValueError:
                # The cell is not repeated (it may be a personal identity number).
                problems.append(
                    _("the column “%(column)s” holds no date (YYYY-MM-DD)")
                    % {"column": mapping.get(name, name)}
                )
        for name in required:
            if name in ("account", "unit", "valid_from") and not cell(name):
                problems.append(
                    _("the column “%(column)s” is empty") % {"column": mapping.get(name, name)}
                )
        for name, limit in (("account", 100), ("unit", 200)):
            if len(cell(name)) > limit:
                problems.append(
                    _("the column “%(column)s” is longer than %(limit)s characters")
                    % {"column": mapping.get(name, name), "limit": limit}
                )
        if problems:
            if len(errors) < MAX_MESSAGES:
                errors.append(
                    _("Row %(row)s: %(problems)s.")
                    % {"row": number, "problems": "; ".join(problems)}
                )
            else:
                errors[-1] = _("… and more rows with errors.")
            continue
        result.append(
            (
                organisation_id,
                source_id,
                load_id,
                kind,
                digest,
                cell("account") if "account" in required else "",
                cell("unit") if "unit" in required else "",
                dates.get("valid_from"),
                dates.get("valid_to"),
            )
        )
    if errors:
        raise FileRefused([_("The file was not loaded; nothing of it is stored."), *errors])
    if not result:
        raise FileRefused([_("The file holds no rows.")])
    return result


# --- the log, streaming (issue 14 build 2) ----------------------------------------------
TIME_RE = re.compile(r"(\d{4}-\d\d-\d\d)[ T]([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?")
PROGRESS_EVERY = 100_000
CHUNK = 1 << 20
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def open_file(load: LogLoad) -> IO[bytes]:
    """The load's file: stored file, else the earlier in-row bytes."""
    if load.file:
        load.file.open("rb")
        return load.file.file  # type: ignore[no-any-return]
    return io.BytesIO(bytes(load.data))


_LONG_NUMBER = re.compile(r"(\d{8})-?((?!000)\d{3})(\d)")


def client_of(organisation_id: int, raw: str) -> tuple[str, str, str] | None:
    """(hash, mask, normalised number) of a client's number, None when invalid. The common long form
    (YYYYMMDD-NNNC or YYYYMMDDNNNC) is checked here (Luhn, the date, a coordination
    number's day + 60); anything else, or anything this check refuses, is left to
    `identity.normalise`, so the result is `identity.hash_and_mask`'s."""
    match = _LONG_NUMBER.fullmatch(raw)
    if match:
        date, serial, check = match.groups()
        total = 0
        for k, ch in enumerate(date[2:] + serial):
            product = int(ch) * (2 - k % 2)
            total += product - 9 if product > 9 else product
        day = int(date[6:])
        try:
            dt.date(int(date[:4]), int(date[4:6]), day - 60 if day > 60 else day)
            valid = (10 - total % 10) % 10 == int(check)
        except ValueError:
            valid = False
        if valid:
            number = f"{date}-{serial}{check}"
            return client_hash(organisation_id, number), masked(number), number
    try:
        number = identity.normalise(raw)
    except InvalidIdentity:
        return None
    return client_hash(organisation_id, number), masked(number), number


def remember_clients(load: LogLoad, clients: dict[str, tuple[str, str, str] | None]) -> None:
    """The one place where a file's distinct client ids are known (raw cell -> (hash,
    mask, number), None when invalid), inside the load's transaction, once the rows are
    stored (never while the COPY is open: the connection takes no other query then):
    each distinct client's full number is kept encrypted (`identity.remember_hashed`;
    the parse's hashes, not computed again)."""
    identity.remember_hashed(
        load.organisation_id, {known[0]: known[2] for known in clients.values() if known}
    )


def _local_hour(key: str) -> tuple[str, str] | None:
    """`YYYY-MM-DD HH` -> (UTC offset "+01:00", month "YYYY-MM"), None if no such date."""
    try:
        naive = dt.datetime(int(key[:4]), int(key[5:7]), int(key[8:10]), int(key[11:13]))
    except ValueError:
        return None
    if not 1900 <= naive.year <= 2100:
        return None
    offset = timezone.make_aware(naive).utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}", key[:7]


def stream_log(load: LogLoad, writer: Any, progress: Any = None) -> tuple[int, dict[str, Any]]:
    """Read the load's log file row by row and hand each valid row to `writer` (COPY
    text lines to `PgWriter.write`, tuples to `SqliteWriter.add`); refuses the whole
    file (`FileRefused`) on any bad row, with the same messages as `parse`. Returns the
    row count and facts: the months, the first and last time, the distinct clients."""
    encoding = sniff(load)
    with open_file(load) as handle:
        return _stream(load, writer, progress, handle, encoding)


def sniff(load: LogLoad) -> str:
    """The file's encoding (UTF-8, else Windows-1252), read once in chunks; refuses a
    file with a NUL byte."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    with open_file(load) as handle:
        while chunk := handle.read(CHUNK):
            if b"\x00" in chunk:
                raise FileRefused([_("The file holds a NUL character: it is not a text export.")])
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return "utf-8-sig" if utf8 else "cp1252"


def _problems(mapping: dict[str, str], cells: dict[str, str], local: Any, client: Any) -> list[str]:
    """Why a row is refused (the slow path, only for a row the fast checks stop)."""
    problems = []
    if local is None:
        # The cell is not repeated: with shifted columns it may be a personal identity
        # number, and the message is kept with the load.
        problems.append(
            _("the column “%(column)s” holds no time (YYYY-MM-DD HH:MM)")
            % {"column": mapping.get("time", "time")}
        )
    if not cells["account"]:
        problems.append(_("the account is missing"))
    if client is None:
        problems.append(_("the client's personal identity number is not valid"))
    for name, limit in LIMITS.items():
        if len(cells[name]) > limit:
            problems.append(
                _("the column “%(column)s” is longer than %(limit)s characters")
                % {"column": mapping.get(name, name), "limit": limit}
            )
    return problems


def _stream(
    load: LogLoad, writer: Any, progress: Any, handle: IO[bytes], encoding: str
) -> tuple[int, dict[str, Any]]:
    organisation_id, mapping = load.organisation_id, load.source.mapping
    text = io.TextIOWrapper(handle, encoding=encoding, newline="")
    try:
        first = text.readline()
    except UnicodeDecodeError:
        raise FileRefused([_("The file is not text (UTF-8 or Windows-1252).")]) from None
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(itertools.chain([first], text), delimiter=delimiter)
    copy_text = isinstance(writer, PgWriter)
    prefix = f"{organisation_id}\t{load.source_id}\t{load.pk}\t"
    clients: dict[str, tuple[str, str, str] | None] = {}
    surnames: dict[str, str] = {"": ""}
    hours: dict[str, tuple[str, str] | None] = {}
    months: set[str] = set()
    errors: list[str] = []
    buffer: list[str] = []
    size = 0
    count = 0
    number = 1
    first_time = last_time = ""
    strip = str.strip
    fullmatch = TIME_RE.fullmatch
    local: Any
    client: Any
    match: Any
    missing = object()
    try:
        header: list[str] | None = None
        for row in reader:
            if not "".join(row).strip():
                continue
            header = [h.strip() for h in row]
            break
        if header is None:
            raise FileRefused([_("The file is empty.")])
        index = _log_index(header, mapping)
        # Every mapped field by position; an unmapped one reads the "" appended to each row.
        width = max(index.values()) + 1
        getter = operator.itemgetter(*(index.get(n, -1) for n in MAPPED_FIELDS))
        for row in reader:
            joined = "".join(row)
            if not joined.strip():
                continue
            number += 1
            if len(row) < width:
                row.extend([""] * (width - len(row)))
            row.append("")
            values = tuple(map(strip, getter(row)))
            (
                raw_time,
                account,
                employee_name,
                employee_unit,
                raw_client,
                client_unit,
                action,
                record_part,
                client_name,
            ) = values
            local = hours.get(raw_time[:13], missing)
            match = fullmatch(raw_time)
            if match is None:
                local = None
            elif local is missing:
                local = hours[raw_time[:13]] = _local_hour(raw_time[:13])
            client = clients.get(raw_client, missing)
            if client is missing:
                client = clients[raw_client] = client_of(organisation_id, raw_client)
            if (
                local is None
                or client is None
                or not account
                or (len(joined) > 100 and max(map(len, values)) > 100)
            ):
                problems = _problems(
                    mapping, dict(zip(MAPPED_FIELDS, values, strict=True)), local, client
                )
                if problems:
                    if len(errors) < MAX_MESSAGES:
                        errors.append(
                            _("Row %(row)s: %(problems)s.")
                            % {"row": number, "problems": "; ".join(problems)}
                        )
                    else:
                        errors[-1] = _("… and more rows with errors.")
                    continue
            if errors:
                continue  # the file is refused: nothing more is written
            offset, month = local
            months.add(month)
            stamp = f"{match[1]} {match[2]}:{match[3]}:{match[4] or '00'}{offset}"
            if stamp > last_time:
                last_time = stamp
            if not first_time or stamp < first_time:
                first_time = stamp
            surname = surnames.get(client_name)
            if surname is None:
                surname = surnames[client_name] = surname_hash(organisation_id, client_name)
            count += 1
            if copy_text:
                fields = (
                    account,
                    employee_name,
                    employee_unit,
                    client[0],
                    client[1],
                    client_unit,
                    action,
                    record_part,
                    surname,
                )
                if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
                    line = "\t".join(f.translate(_COPY_ESCAPES) for f in fields)
                else:
                    line = "\t".join(fields)
                line = f"{prefix}{stamp}\t{line}\n"
                buffer.append(line)
                size += len(line)
                if size >= CHUNK:
                    writer.write("".join(buffer))
                    buffer, size = [], 0
            else:
                writer.add(
                    (
                        organisation_id,
                        load.source_id,
                        load.pk,
                        dt.datetime.fromisoformat(stamp),
                        account,
                        employee_name,
                        employee_unit,
                        client[0],
                        client[1],
                        client_unit,
                        action,
                        record_part,
                        surname,
                    )
                )
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress.update(count)
    except UnicodeDecodeError:
        raise FileRefused([_("The file is not text (UTF-8 or Windows-1252).")]) from None
    except csv.Error:
        raise FileRefused([_("The file could not be read as CSV.")]) from None
    if errors:
        raise FileRefused([_("The file was not loaded; nothing of it is stored."), *errors])
    if not count:
        raise FileRefused([_("The file holds no log rows.")])
    if buffer:
        writer.write("".join(buffer))
    return count, {
        "months": months,
        "first_time": dt.datetime.fromisoformat(first_time),
        "last_time": dt.datetime.fromisoformat(last_time),
        "clients": clients,
    }


def _log_index(header: list[str], mapping: dict[str, str]) -> dict[str, int]:
    index: dict[str, int] = {}
    missing = []
    for name in MAPPED_FIELDS:
        heading = str(mapping.get(name) or "").strip()
        if not heading:
            continue
        if heading not in header:
            if name in REQUIRED_FIELDS:
                missing.append(heading)
            continue
        index[name] = header.index(heading)
    if missing:
        raise FileRefused(
            [
                _("The file lacks the column(s) %(columns)s named by the log source's mapping.")
                % {"columns": ", ".join(_("“%(column)s”") % {"column": m} for m in missing)}
            ]
        )
    return index


# The last load's phases in seconds (read: parse + COPY; store: indexes, attach, ANALYZE;
# clients: keeping the new clients' numbers), for the benchmark
# (bench/logreview_load_bench.py).
TIMINGS: dict[str, float] = {}


def load_log_rows(load: LogLoad) -> int:
    """Stream the load's log file into the store inside the caller's transaction (all or
    nothing); sets the load's row count, progress and first/last time (not saved)."""
    # First, before any table lock of the writer: the identity disposal takes this lock
    # (exclusively) before it reads the log, so the two never wait for each other.
    identity.hold_identities(load.organisation_id)
    writer: PgWriter | SqliteWriter = (
        PgWriter(load.pk) if connection.vendor == "postgresql" else SqliteWriter(load.pk)
    )
    progress = Progress(load.pk)
    started = time.perf_counter()
    try:
        count, facts = stream_log(load, writer, progress)
        streamed = time.perf_counter()
        writer.finish(facts["months"])  # ends the COPY: the connection takes queries again
        stored = time.perf_counter()
        remember_clients(load, facts["clients"])
        TIMINGS.update(
            read=streamed - started,
            store=stored - streamed,
            clients=time.perf_counter() - stored,
        )
    except BaseException:
        writer.abort()
        raise
    finally:
        progress.close()
    load.progress = count
    load.first_time = facts["first_time"]
    load.last_time = facts["last_time"]
    return count


def load_file(load: LogLoad) -> int:
    """Parse and store one load's file (raises `FileRefused`); the number of rows. A
    reference file replaces the source's earlier rows of its kind."""
    if load.kind != LoadKind.LOG:
        with open_file(load) as handle:
            data = handle.read()
        refs = parse_reference(
            load.organisation_id,
            load.source_id,
            load.pk,
            load.kind,
            load.source.reference_mapping,
            data,
        )
        ReferenceRow.objects.filter(source_id=load.source_id, kind=load.kind).delete()
        store(refs, ReferenceRow, REFERENCE_COLUMNS)
        if connection.vendor == "postgresql":
            # The file may replace most of the table: plan the reviews' reads on fresh
            # statistics, not on what autovacuum last saw.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {ReferenceRow._meta.db_table}")
        return len(refs)
    return load_log_rows(load)
