"""Account snapshots: reading an export, matching, the difference to the previous
snapshot and the bulk write.

The file is read by the register's import reader (`forvalta/register/imports/reading.py`:
CSV or Excel, its limits and messages) with columns named by the system's saved column
mapping; a large file is stored (`imports/storage.py`) and imported by a background task
whose progress is an `ImportJob` (`imports/jobs.py`: `ProgressWriter`, `progress_of`).
The rows themselves are not the register's (they are not validated through a form per
row): they are parsed here in one pass, matched to the organisation's people and units
from two queries, compared with the previous snapshot from one query, and written in
bulk (COPY on PostgreSQL, `bulk_create` in batches elsewhere).

A snapshot lands all or nothing: any row with an error refuses the file and names the
rows.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.utils.translation import gettext as _
from personnummer import personnummer

from forvalta.access.models import (
    ACCOUNT_FIELDS,
    Account,
    AccountChange,
    Snapshot,
    SnapshotStatus,
)
from forvalta.core.bulk import gc_paused
from forvalta.core.models import Membership, Unit
from forvalta.register.imports import values as parse
from forvalta.register.imports.base import Column

BATCH = 5000
# Fields compared with the previous snapshot (what a reviewer cares about).
COMPARED = ("name", "unit_name", "roles", "protected_access", "valid_until", "personal_number")

FIELD_LABELS = {
    "account_id": _("account id"),
}


class SnapshotRejected(Exception):
    """The rows cannot be imported; `messages` say which and why."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass
class MappingKind:
    """The column mapping as the register reader's idea of a kind: one column per
    mapped heading, keyed by the account field."""

    mapping: dict[str, str]
    sheet_title: str = ""
    key: str = "access_snapshot"
    columns: list[Column] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.columns = [
            Column(key=name, heading=str(self.mapping[name]).strip(), required=name == "account_id")
            for name in ACCOUNT_FIELDS
            if str(self.mapping.get(name) or "").strip()
        ]


@gc_paused()
def read_file(mapping: dict[str, str], filename: str, data: bytes) -> Any:
    """The file's rows as a register `Table` (raises `FileRejected` with a message)."""
    from forvalta.register.imports.reading import read_table

    return read_table(MappingKind(mapping), filename, data)  # type: ignore[arg-type]  # duck-typed kind


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _text(value: Any, limit: int) -> str:
    """A cell as one line of text (control characters become spaces)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return parse.text(value)[:limit] if not parse.is_blank(value) else ""
    text = value.strip()
    if text and _CONTROL.search(text):
        text = " ".join(_CONTROL.sub(" ", text).split())
    return text[:limit]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _personal_number(value: Any) -> str:
    if _blank(value):
        return ""
    raw = str(value).strip()
    try:
        return str(personnummer.Personnummer(raw).format(True))
    except Exception as exc:  # the library raises its own exception kinds
        raise ValueError(
            _("“%(value)s” is not a valid personal identity number.") % {"value": raw[:8] + "…"}
        ) from exc


def _boolean(value: Any) -> bool:
    if _blank(value):
        return False
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in {"1", "x", "j", "ja", "yes", "y", "true", "sant"}:
        return True
    if text in {"0", "n", "nej", "no", "false", "falskt", "-"}:
        return False
    raise ValueError(_("“%(value)s” is not yes or no.") % {"value": str(value)[:40]})


def _date(value: Any) -> dt.date | None:
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()[:10]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": text}) from None


def _roles(value: Any, sep: str) -> str:
    if _blank(value):
        return ""
    roles = [r.strip() for r in str(value).replace("|", sep).split(sep)]
    return "|".join(sorted({r for r in roles if r}))[:500]


_MISSING = object()


@gc_paused()
def parse_rows(
    rows: Iterable[tuple[int, dict[str, Any]]], separator: str = ","
) -> list[dict[str, Any]]:
    """Rows of raw cells to account values; refuses the lot on any bad row."""
    parsed: list[dict[str, Any]] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    sep = separator or ","
    # The columns with few distinct values (tens of thousands of accounts share a few
    # hundred units, role sets and dates) are parsed once per value. A value that is
    # refused raises before it is remembered.
    memo: dict[str, dict[Any, Any]] = {
        "unit": {},
        "roles": {},
        "protected_access": {},
        "last_login": {},
        "valid_until": {},
    }
    parsers: dict[str, Callable[[Any], Any]] = {
        "unit": lambda v: _text(v, 200),
        "roles": lambda v: _roles(v, sep),
        "protected_access": _boolean,
        "last_login": _date,
        "valid_until": _date,
    }

    def once(raw: dict[str, Any], name: str) -> Any:
        value = raw.get(name)
        known = memo[name]
        key = (value.__class__, value)  # 1, 1.0 and True are equal keys, not equal cells
        result = known.get(key, _MISSING)
        if result is _MISSING:
            result = known[key] = parsers[name](value)
        return result

    for number, raw in rows:
        try:
            account_id = _text(raw.get("account_id"), 100)
            if not account_id:
                raise ValueError(_("The account id is missing."))
            if account_id in seen:
                raise ValueError(
                    _("The account id “%(id)s” is also on row %(row)d.")
                    % {"id": account_id, "row": seen[account_id]}
                )
            seen[account_id] = number
            parsed.append(
                {
                    "account_id": account_id,
                    "name": _text(raw.get("name"), 200),
                    "email": _text(raw.get("email"), 254).lower(),
                    "employee_id": _text(raw.get("employee_id"), 50),
                    "personal_number": _personal_number(raw.get("personal_number")),
                    "unit_name": once(raw, "unit"),
                    "roles": once(raw, "roles"),
                    "protected_access": once(raw, "protected_access"),
                    "last_login": once(raw, "last_login"),
                    "valid_until": once(raw, "valid_until"),
                }
            )
        except ValueError as exc:
            errors.append(_("Row %(row)d: %(error)s") % {"row": number, "error": exc})
            if len(errors) >= 50:
                break
    if errors:
        raise SnapshotRejected(errors)
    return parsed


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass
class Matcher:
    """The organisation's units (by name or code) and people (by e-mail, user name as
    employee id, or a unique full name), read once."""

    units: dict[str, int]
    by_email: dict[str, int]
    by_username: dict[str, int]
    by_name: dict[str, int | None]

    @classmethod
    def for_organisation(cls, organisation_id: int) -> Matcher:
        units: dict[str, int] = {}
        for pk, name, code in Unit.objects.filter(organisation_id=organisation_id).values_list(
            "pk", "name", "code"
        ):
            units.setdefault(_key(name), pk)
            if code:
                units.setdefault(_key(code), pk)
        by_email: dict[str, int] = {}
        by_username: dict[str, int] = {}
        by_name: dict[str, int | None] = {}
        people = Membership.objects.filter(organisation_id=organisation_id).values_list(
            "user_id", "user__email", "user__username", "user__first_name", "user__last_name"
        )
        for pk, email, username, first, last in people:
            if email:
                by_email.setdefault(email.casefold(), pk)
            by_username.setdefault(_key(username), pk)
            full = _key(f"{first} {last}")
            if full:
                by_name[full] = None if full in by_name and by_name[full] != pk else pk
        return cls(units, by_email, by_username, by_name)

    def unit(self, name: str) -> int | None:
        return self.units.get(_key(name)) if name else None

    def person(self, row: dict[str, Any]) -> int | None:
        if row["email"] and row["email"] in self.by_email:
            return self.by_email[row["email"]]
        if row["employee_id"] and _key(row["employee_id"]) in self.by_username:
            return self.by_username[_key(row["employee_id"])]
        if row["name"]:
            return self.by_name.get(_key(row["name"]))
        return None


def previous_snapshot(snapshot: Snapshot) -> Snapshot | None:
    return (
        Snapshot.objects.filter(
            organisation_id=snapshot.organisation_id,
            system_id=snapshot.system_id,
            status=SnapshotStatus.DONE,
        )
        .exclude(pk=snapshot.pk)
        .order_by("-taken_on", "-pk")
        .first()
    )


INSERT_COLUMNS = (
    "snapshot_id",
    "account_id",
    "name",
    "email",
    "employee_id",
    "personal_number",
    "unit_name",
    "unit_id",
    "roles",
    "protected_access",
    "last_login",
    "valid_until",
    "person_id",
    "change",
    "changed_fields",
)


def bulk_insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    progress: Callable[[int], None] | None = None,
) -> None:
    """Insert rows (tuples in `columns` order, column names as in the table): COPY on
    PostgreSQL, `bulk_create` in batches elsewhere. Never one query per row."""
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        names = ", ".join(f'"{c}"' for c in columns)
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # type: ignore[attr-defined]  # psycopg
                for i, row in enumerate(rows, 1):
                    copy.write_row(row)
                    if progress is not None and i % BATCH == 0:
                        progress(i)
        if progress is not None:
            progress(len(rows))
        return
    attnames = {f.column: f.attname for f in model._meta.concrete_fields}
    fields = [attnames[c] for c in columns]
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        model._default_manager.bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in chunk], batch_size=BATCH
        )
        if progress is not None:
            progress(start + len(chunk))


@gc_paused()
def store_accounts(
    snapshot: Snapshot,
    parsed: list[dict[str, Any]],
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Match, compare with the previous snapshot and write the accounts in bulk; sets
    the snapshot's counts (the caller saves it)."""
    matcher = Matcher.for_organisation(snapshot.organisation_id)
    previous = previous_snapshot(snapshot)
    before: dict[str, tuple[Any, ...]] = {}
    if previous is not None:
        before = {
            row[0]: row[1:]
            for row in Account.objects.filter(snapshot=previous).values_list(
                "account_id", *COMPARED
            )
        }
    counts = {"added": 0, "changed": 0, "same": 0, "unmatched": 0}
    rows: list[tuple[Any, ...]] = []
    compared = operator.itemgetter(*COMPARED)
    # A few hundred unit names for tens of thousands of accounts: each matched once.
    unit_of: dict[str, int | None] = {}
    for row in parsed:
        unit_name = row["unit_name"]
        if unit_name in unit_of:
            unit_id = unit_of[unit_name]
        else:
            unit_id = unit_of[unit_name] = matcher.unit(unit_name)
        person_id = matcher.person(row)
        if person_id is None:
            counts["unmatched"] += 1
        old = before.get(row["account_id"])
        changed = ""
        if old is None:
            change = AccountChange.ADDED
        else:
            now = compared(row)
            if now == old:
                change = AccountChange.SAME
            else:
                change = AccountChange.CHANGED
                changed = ",".join(
                    name for name, a, b in zip(COMPARED, now, old, strict=True) if a != b
                )
        counts[change] += 1
        rows.append(
            (
                snapshot.pk,
                row["account_id"],
                row["name"],
                row["email"],
                row["employee_id"],
                row["personal_number"],
                unit_name,
                unit_id,
                row["roles"],
                row["protected_access"],
                row["last_login"],
                row["valid_until"],
                person_id,
                change,
                changed,
            )
        )
    bulk_insert(Account, INSERT_COLUMNS, rows, progress)
    current = {row["account_id"] for row in parsed}
    snapshot.previous = previous
    snapshot.account_count = len(rows)
    snapshot.added_count = counts["added"]
    snapshot.changed_count = counts["changed"]
    snapshot.removed_count = sum(1 for key in before if key not in current)
    snapshot.unmatched_count = counts["unmatched"]
    return counts


def removed_accounts(snapshot: Snapshot) -> Any:
    """Accounts of the previous snapshot that this one no longer lists."""
    if snapshot.previous_id is None:
        return Account.objects.none()
    return Account.objects.filter(snapshot_id=snapshot.previous_id).exclude(
        account_id__in=Account.objects.filter(snapshot=snapshot).values("account_id")
    )
