"""Log review (issue 14, seed 004 sections 6-9): the foundation.

- `LogSource`: a system's event-log export for one organisation, with its column mapping.
- `SamplingSchedule`: the routine's parameters per organisation and system (provider:
  3 unit managers' operations x 4 employees; authority: 2 units x 4 employees; 3 days).
- `SamplingRound`: one quarter's draw over the sampled month, with its recorded seed;
  `DrawnUnit` (a drawn unit manager's operation or unit), `DrawnEmployee`, `DrawnDay`
  are what it drew.
- `ExtractOrder`: one per drawn operation (unit): requested -> attested -> fulfilled.
- `LogLoad`: one uploaded extract file, loaded all or nothing by a background task.
- `LogEntry`: the stored log rows. A client's personal identity number is not stored on
  them: only a keyed hash per organisation (`forvalta.logreview.identity`) and a masked
  form; the full number is kept once per client, encrypted (`ClientIdentity`).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from forvalta.core.scoping import ScopedQuerySet

# The fields of a log row a source's mapping names a column for (in this order).
MAPPED_FIELDS = (
    "time",
    "account",
    "employee_name",
    "employee_unit",
    "client_id",
    "client_unit",
    "action",
    "record_part",
    "client_name",
)
REQUIRED_FIELDS = ("time", "account", "client_id")


def default_mapping() -> dict[str, str]:
    return {
        "time": "Tidpunkt",
        "account": "Användar-id",
        "employee_name": "Namn",
        "employee_unit": "Enhet",
        "client_id": "Personnummer",
        "client_unit": "Klientens enhet",
        "action": "Händelse",
        "record_part": "Journaldel",
        "client_name": "",
    }


# The columns of a reference file (placements, case assignments, protected
# identities, employees' own numbers) and the default headings.
REFERENCE_FIELDS = ("client_id", "account", "unit", "valid_from", "valid_to")
# What each of them holds, as a message names a column the source's form leaves unnamed.
REFERENCE_FIELD_NAMES = {
    "client_id": _("the client's personal identity number"),
    "account": _("the employee's account"),
    "unit": _("the unit"),
    "valid_from": _("from (date)"),
    "valid_to": _("to (date)"),
}


def default_reference_mapping() -> dict[str, str]:
    return {
        "client_id": "Personnummer",
        "account": "Användar-id",
        "unit": "Enhet",
        "valid_from": "Från",
        "valid_to": "Till",
    }


class LogSource(models.Model):
    """Where a system's log comes from for one organisation, and how its export reads."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, verbose_name=_("organisation")
    )
    system = models.ForeignKey(
        "register.System", on_delete=models.PROTECT, verbose_name=_("system")
    )
    name = models.CharField(_("name"), max_length=200)
    mapping = models.JSONField(_("column mapping"), default=default_mapping)
    reference_mapping = models.JSONField(
        _("column mapping of reference files"), default=default_reference_mapping
    )
    hours_from = models.PositiveSmallIntegerField(_("unit's hours from (hour)"), default=7)
    hours_to = models.PositiveSmallIntegerField(_("unit's hours to (hour)"), default=18)
    # Units whose hours differ from the default above (forvalta.logreview.hours): a list
    # of {"unit", "days" (0 = Monday), "from", "to" (hours, 24 = midnight), "holidays"
    # (open on public holidays)}, unit names as the log and the drawn units name them.
    unit_hours = models.JSONField(_("the units' own hours"), default=list, blank=True)
    # Retention of the raw log rows (forvalta.logreview.store.dispose_expired, daily):
    # an extract's rows this many days after its review is documented; the rows of a
    # full export (a load without an order) this many days after their time, per the
    # organisation's retention decision. The review outcomes and judgments are kept.
    extract_retention_days = models.PositiveIntegerField(
        _("days an extract is kept after its review"), default=90
    )
    log_retention_days = models.PositiveIntegerField(_("days the full log is kept"), default=730)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("log source")
        verbose_name_plural = _("log sources")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "system", "name"], name="logreview_source_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("logreview:source_detail", args=[self.pk])


class OperationKind(models.TextChoices):
    PROVIDER = "provider", _("Provider (unit managers' operations)")
    AUTHORITY = "authority", _("Authority (units)")


class DayMode(models.TextChoices):
    ACTIVE = "active", _("Among the employee's days with activity")
    ANY = "any", _("Any day of the month")


class SamplingSchedule(models.Model):
    """The routine's parameters for one log source (organisation and system)."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, verbose_name=_("organisation")
    )
    source = models.ForeignKey(
        LogSource, on_delete=models.PROTECT, related_name="schedules", verbose_name=_("log source")
    )
    kind = models.CharField(_("kind of operation"), max_length=10, choices=OperationKind.choices)
    unit_count = models.PositiveSmallIntegerField(_("units drawn"), default=3)
    employees_per_unit = models.PositiveSmallIntegerField(_("employees per unit"), default=4)
    day_count = models.PositiveSmallIntegerField(_("days per employee"), default=3)
    day_mode = models.CharField(
        _("days drawn"), max_length=10, choices=DayMode.choices, default=DayMode.ACTIVE
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("sampling schedule")
        verbose_name_plural = _("sampling schedules")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.source} ({self.get_kind_display()})"

    def get_absolute_url(self) -> str:
        return reverse("logreview:source_detail", args=[self.source_id])


class RoundStatus(models.TextChoices):
    DRAWN = "drawn", _("Drawn")
    DONE = "done", _("Done")


class SamplingRound(models.Model):
    """One quarter's draw over the previous calendar month, reproducible from `seed`."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, verbose_name=_("organisation")
    )
    schedule = models.ForeignKey(
        SamplingSchedule,
        on_delete=models.PROTECT,
        related_name="rounds",
        verbose_name=_("schedule"),
    )
    year = models.PositiveIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    month = models.DateField(_("month sampled"))  # the first day of the month
    seed = models.BigIntegerField(_("seed"))
    status = models.CharField(
        _("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.DRAWN
    )
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("drawn by"),
    )
    drawn_at = models.DateTimeField(_("drawn"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("sampling round")
        verbose_name_plural = _("sampling rounds")
        ordering = ["-year", "-quarter", "-pk"]

    def __str__(self) -> str:
        return f"{self.year} Q{self.quarter} {self.schedule.source}"

    def get_absolute_url(self) -> str:
        return reverse("logreview:round_detail", args=[self.pk])


class DrawnUnit(models.Model):
    """What one order covers. A provider schedule draws unit managers' operations: every
    logged unit whose matched core unit the `manager` manages (`unit_names`, sorted;
    `unit_name` their names joined, `unit` the matched unit when there is one). A logged
    unit without a matched unit or without a manager, and every unit of an authority
    schedule, is an operation of its own (`manager` empty)."""

    round = models.ForeignKey(
        SamplingRound, on_delete=models.CASCADE, related_name="units", verbose_name=_("round")
    )
    position = models.PositiveSmallIntegerField(_("order"))
    unit_name = models.CharField(_("unit (as logged)"), max_length=200)
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("unit")
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit manager"),
    )
    unit_names = models.JSONField(_("units of the operation (as logged)"), default=list, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["round", "position"]

    def __str__(self) -> str:
        return self.unit_name

    @property
    def names(self) -> list[str]:
        """The logged unit names of the operation (a unit drawn before operations: its own)."""
        return list(self.unit_names) or [self.unit_name]


class DrawnEmployee(models.Model):
    drawn_unit = models.ForeignKey(
        DrawnUnit, on_delete=models.CASCADE, related_name="employees", verbose_name=_("unit")
    )
    position = models.PositiveSmallIntegerField(_("order"))
    account = models.CharField(_("account"), max_length=100)
    employee_name = models.CharField(_("name"), max_length=200, blank=True)
    # The logged unit the account was drawn under (its most logged unit in the month).
    unit_name = models.CharField(_("unit (as logged)"), max_length=200, blank=True)
    # The person of the account in the latest imported account list of the system
    # (`forvalta.access` Snapshot/Account), when matched there.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["drawn_unit", "position"]

    def __str__(self) -> str:
        return self.employee_name or self.account


class DrawnDay(models.Model):
    employee = models.ForeignKey(
        DrawnEmployee, on_delete=models.CASCADE, related_name="days", verbose_name=_("employee")
    )
    day = models.DateField(_("day"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["employee", "day"]

    def __str__(self) -> str:
        return str(self.day)


class OrderStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ATTESTED = "attested", _("Attested")
    FULFILLED = "fulfilled", _("Fulfilled")


class ExtractOrder(models.Model):
    """The order of one drawn unit's log extract: attested by the unit manager
    (provider) or the controller (authority), fulfilled by the log administrator."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, verbose_name=_("organisation")
    )
    round = models.ForeignKey(
        SamplingRound, on_delete=models.CASCADE, related_name="orders", verbose_name=_("round")
    )
    drawn_unit = models.OneToOneField(
        DrawnUnit, on_delete=models.CASCADE, related_name="order", verbose_name=_("unit")
    )
    month = models.DateField(_("month"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    attestant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("attestant"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("attested by"),
    )
    attested_at = models.DateTimeField(_("attested"), null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fulfilled by"),
    )
    fulfilled_at = models.DateTimeField(_("fulfilled"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("extract order")
        verbose_name_plural = _("extract orders")
        ordering = ["round", "drawn_unit__position"]

    def __str__(self) -> str:
        return f"{self.drawn_unit} {self.month:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("logreview:order_detail", args=[self.pk])


class LoadStorage(FileSystemStorage):
    """Private file storage of uploaded log files (never served): `LOGREVIEW_FILE_ROOT`,
    by default `<MEDIA_ROOT>/../logreview-files`, i.e. beside the media, not in it.
    Read from the settings each time (tests change MEDIA_ROOT)."""

    @property  # type: ignore[override]
    def base_location(self) -> str:
        root = getattr(settings, "LOGREVIEW_FILE_ROOT", None) or (
            Path(settings.MEDIA_ROOT).parent / "logreview-files"
        )
        return str(root)

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)


_load_storage = LoadStorage()


def load_storage() -> LoadStorage:
    return _load_storage


def load_path(instance: Any, filename: str) -> str:
    return f"{instance.organisation_id}/{uuid.uuid4().hex}.csv"


class LoadStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    LOADED = "loaded", _("Loaded")
    FAILED = "failed", _("Failed")


class LoadKind(models.TextChoices):
    LOG = "log", _("Log")
    PLACEMENTS = "placements", _("Clients' placements")
    ASSIGNMENTS = "assignments", _("Case assignments")
    PROTECTED = "protected", _("Protected identities")
    EMPLOYEES = "employees", _("Employees' identity numbers")


# The reference columns each kind of reference file requires.
REFERENCE_REQUIRED = {
    LoadKind.PLACEMENTS: ("client_id", "unit", "valid_from"),
    LoadKind.ASSIGNMENTS: ("client_id", "account", "valid_from"),
    LoadKind.PROTECTED: ("client_id",),
    LoadKind.EMPLOYEES: ("client_id", "account"),
}


class LogLoad(models.Model):
    """One uploaded extract file, loaded all or nothing by the task `load_log`."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, verbose_name=_("organisation")
    )
    source = models.ForeignKey(
        LogSource, on_delete=models.PROTECT, related_name="loads", verbose_name=_("log source")
    )
    order = models.ForeignKey(
        ExtractOrder,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="loads",
        verbose_name=_("extract order"),
    )
    # The extract of a review on suspicion (`SuspicionCase`): seen only by the log
    # administrators, never listed to the other access staff (scoping.py).
    case = models.ForeignKey(
        "SuspicionCase",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="loads",
        verbose_name=_("review on suspicion"),
    )
    kind = models.CharField(
        _("kind of file"), max_length=12, choices=LoadKind.choices, default=LoadKind.LOG
    )
    filename = models.CharField(_("file"), max_length=200)
    # The uploaded file is kept in private file storage (`file`, see `load_storage`)
    # until it is read, then deleted: it holds full personal identity numbers. `data`
    # is the earlier in-row form, still read when `file` is empty.
    data = models.BinaryField(_("file content"), editable=False, default=b"")
    file = models.FileField(
        _("stored file"),
        storage=load_storage,
        upload_to=load_path,
        max_length=300,
        blank=True,
        editable=False,
    )
    # Rows read so far while loading (written from a separate connection).
    progress = models.PositiveBigIntegerField(_("rows read"), default=0)
    first_time = models.DateTimeField(_("first access"), null=True, blank=True)
    last_time = models.DateTimeField(_("last access"), null=True, blank=True)
    disposed_at = models.DateTimeField(_("log rows disposed"), null=True, blank=True)
    disposed_rows = models.PositiveBigIntegerField(_("rows disposed"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=LoadStatus.choices, default=LoadStatus.QUEUED
    )
    error = models.TextField(_("reason"), blank=True)
    language = models.CharField(_("language"), max_length=10, default="sv")
    row_count = models.PositiveBigIntegerField(_("rows"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("log load")
        verbose_name_plural = _("log loads")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        return reverse("logreview:load_detail", args=[self.pk])


class LogEntry(models.Model):
    """One stored access of the log. `client_hash` is the keyed hash of the client's
    personal identity number (per organisation), `client_masked` its display form."""

    id = models.BigAutoField(primary_key=True)
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
        verbose_name=_("organisation"),
    )
    source = models.ForeignKey(
        LogSource,
        on_delete=models.PROTECT,
        related_name="entries",
        db_constraint=False,
        db_index=False,
        verbose_name=_("log source"),
    )
    load = models.ForeignKey(
        LogLoad,
        on_delete=models.CASCADE,
        related_name="entries",
        db_constraint=False,
        db_index=False,
        verbose_name=_("log load"),
    )
    time = models.DateTimeField(_("time"))
    account = models.CharField(_("account"), max_length=100)
    employee_name = models.CharField(_("name"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=200, blank=True)
    client_hash = models.CharField(_("client (hash)"), max_length=64)
    client_masked = models.CharField(_("client"), max_length=20)
    client_unit = models.CharField(_("client's unit"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=200, blank=True)
    record_part = models.CharField(_("record part"), max_length=200, blank=True)
    # The keyed hash of the client's surname when the log names the client (to flag a
    # shared surname); the name itself is never stored.
    client_surname = models.CharField(_("client's surname (hash)"), max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")
        ordering = ["time", "pk"]
        # The indexes (and on PostgreSQL the monthly range partitions, the primary key
        # (id, time)) are made by SQL in migration 0009 and `forvalta.logreview.store`:
        # a covering B-tree on (account, time) including the load, client, unit and
        # action; one on (client_hash, time); one on (load_id, time); BRIN on time (PG).
        # Foreign keys are not constraints in the database (a partitioned table; rows
        # come by COPY).

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.account} {self.client_masked}"

    def as_row(self) -> dict[str, Any]:
        return {"time": self.time, "account": self.account, "client": self.client_masked}


class ReferenceRow(models.Model):
    """One row of a source's reference data, by `kind`: a client's placement in a unit
    (client, unit, from, to), a case assignment (client, account, from, to), a protected
    identity (client), an employee's own identity number (account, client_hash = the
    hash of the employee's number). A new file of a kind replaces the earlier rows."""

    id = models.BigAutoField(primary_key=True)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, verbose_name=_("organisation")
    )
    source = models.ForeignKey(
        LogSource, on_delete=models.PROTECT, related_name="references", verbose_name=_("log source")
    )
    load = models.ForeignKey(
        LogLoad, on_delete=models.CASCADE, related_name="references", verbose_name=_("log load")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=LoadKind.choices)
    client_hash = models.CharField(_("client (hash)"), max_length=64)
    account = models.CharField(_("account"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=200, blank=True)
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_to = models.DateField(_("to"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reference row")
        verbose_name_plural = _("reference rows")
        ordering = ["pk"]
        indexes = [
            # A review reads every reference row of its accesses' clients, whatever kind.
            models.Index(fields=["source", "client_hash"], name="logreview_reference_client"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.account or self.unit}"


class Verdict(models.TextChoices):
    REASONABLE = "reasonable", _("Reasonable")
    FOLLOW_UP = "follow_up", _("Needs follow-up")


class Judgment(models.Model):
    """The reviewer's judgment of one access not explained automatically."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, verbose_name=_("organisation")
    )
    order = models.ForeignKey(
        ExtractOrder, on_delete=models.CASCADE, related_name="judgments", verbose_name=_("order")
    )
    # The judged access. Its raw row is disposed of after the retention time (store.
    # dispose_expired): the link is then cleared and the access's essential fields are
    # kept on the judgment (`access_*`, copied at disposal).
    entry = models.ForeignKey(
        LogEntry,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
        verbose_name=_("access"),
    )
    access_time = models.DateTimeField(_("time of the access"), null=True, blank=True)
    access_account = models.CharField(_("account"), max_length=100, blank=True)
    access_client = models.CharField(_("client"), max_length=20, blank=True)
    access_action = models.CharField(_("action"), max_length=200, blank=True)
    verdict = models.CharField(_("judgment"), max_length=12, choices=Verdict.choices)
    comment = models.TextField(_("comment"))
    judged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("judged by"),
    )
    judged_at = models.DateTimeField(_("judged"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("judgment")
        verbose_name_plural = _("judgments")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "entry"], name="logreview_judgment_unique")
        ]

    def __str__(self) -> str:
        return self.get_verdict_display()


class ReviewOutcome(models.Model):
    """The documentation of a review (seed 004 section 6.5); immutable once made."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, verbose_name=_("organisation")
    )
    order = models.OneToOneField(
        ExtractOrder, on_delete=models.PROTECT, related_name="outcome", verbose_name=_("order")
    )
    completed_on = models.DateField(_("date the review was completed"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    persons_reviewed = models.PositiveIntegerField(_("persons reviewed"))
    logs_reviewed = models.PositiveIntegerField(_("logs reviewed"))
    with_remark = models.BooleanField(_("with remark"))
    incident_reported = models.BooleanField(_("personal-data incident reported"))
    incident_persons = models.PositiveIntegerField(
        _("persons in the reported incident"), null=True, blank=True
    )
    documented_at = models.DateTimeField(_("documented"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("review outcome")
        verbose_name_plural = _("review outcomes")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.order} {self.completed_on}"


class ClientIdentity(models.Model):
    """A client's full personal identity number, encrypted with the organisation's key
    (`identity.encrypt_number`), one row per organisation and client hash: stored once
    per distinct client when a log file loads, read only to reveal it to an order's
    recipient (`services.reveal_client`, itself an audit event)."""

    id = models.BigAutoField(primary_key=True)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, verbose_name=_("organisation")
    )
    client_hash = models.CharField(_("client (hash)"), max_length=64)
    number = models.TextField(_("personal identity number (encrypted)"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("client identity")
        verbose_name_plural = _("client identities")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "client_hash"], name="logreview_identity_unique"
            )
        ]

    def __str__(self) -> str:
        return self.client_hash[:12]


# --- unauthorised access follow-up (seed 004 sections 8-9) ---------------------------------
class FollowUpStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("follow-up", "Open")
    CLOSED = "closed", _("Closed")


class DecisionKind(models.TextChoices):
    """The decisions section 8 asks the unit manager to take and document."""

    REMOVE_ACCESS = "remove_access", _("Remove the employee's access at once")
    TRAINING = "training", _("Training or other measures to prevent it")
    RULES_KNOWN = "rules_known", _("Checked that the employees know the rules")
    INTENTIONAL = "intentional", _("The access was intentional")
    ESCALATION = "escalation", _("Contact the process owner")
    LABOUR_LAW = "labour_law", _("Labour-law measures")
    POLICE_REPORT = "police_report", _("Police report")


class UnauthorisedAccess(models.Model):
    """The follow-up of an employee's access without an acceptable explanation (seed 004
    section 8), opened from the needs-follow-up judgments of one account: of a quarterly
    review (`order`, `judgments`) or of a review on suspicion (`case`,
    `suspicion_judgments`), exactly one of the two. It always reports a personal-data
    incident (section 9) whose 72-hour deadline runs from `aware_at`. Immutable once
    closed."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, verbose_name=_("organisation")
    )
    order = models.ForeignKey(
        ExtractOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followups",
        verbose_name=_("order"),
    )
    case = models.ForeignKey(
        "SuspicionCase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followups",
        verbose_name=_("review on suspicion"),
    )
    system = models.ForeignKey(
        "register.System", on_delete=models.PROTECT, related_name="+", verbose_name=_("system")
    )
    account = models.CharField(_("account"), max_length=100)
    employee_name = models.CharField(_("name"), max_length=200, blank=True)
    judgments: models.ManyToManyField = models.ManyToManyField(
        Judgment, related_name="followups", verbose_name=_("judgments")
    )
    suspicion_judgments: models.ManyToManyField = models.ManyToManyField(
        "SuspicionJudgment",
        blank=True,
        related_name="followups",
        verbose_name=_("judgments of the review on suspicion"),
    )
    aware_at = models.DateTimeField(_("became aware"))
    incident = models.OneToOneField(
        "compliance.PersonalDataIncident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="unauthorised_access",
        verbose_name=_("personal-data incident"),
    )
    removal_request = models.ForeignKey(
        "access.AccessRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("removal request"),
    )
    escalated_to: models.ManyToManyField = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("escalated to")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("unauthorised access follow-up")
        verbose_name_plural = _("unauthorised access follow-ups")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "account"], name="logreview_followup_unique_account"
            ),
            models.UniqueConstraint(
                fields=["case", "account"], name="logreview_followup_unique_case_account"
            ),
            # Opened from a quarterly review or from a review on suspicion, never both.
            models.CheckConstraint(
                condition=Q(order__isnull=False, case__isnull=True)
                | Q(order__isnull=True, case__isnull=False),
                name="logreview_followup_one_origin",
            ),
        ]

    def __str__(self) -> str:
        # Never the account: the audit trail names its events' objects by this text.
        return str(_("Unauthorised access follow-up #%(pk)s") % {"pk": self.pk})

    def get_absolute_url(self) -> str:
        return reverse("logreview:followup_detail", args=[self.pk])


class FollowUpDecision(models.Model):
    """One documented decision of a follow-up: yes or no, why, who and when."""

    followup = models.ForeignKey(
        UnauthorisedAccess,
        on_delete=models.CASCADE,
        related_name="decisions",
        verbose_name=_("follow-up"),
    )
    kind = models.CharField(_("decision"), max_length=20, choices=DecisionKind.choices)
    answer = models.BooleanField(_("answer"))
    comment = models.TextField(_("comment"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up decision")
        verbose_name_plural = _("follow-up decisions")
        ordering = ["followup", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["followup", "kind"], name="logreview_decision_unique")
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


# --- review on suspicion (seed 004 section 7) ----------------------------------------------
class SuspicionStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    SUBJECT_ENTERED = "subject_entered", _("Subject entered")
    ATTESTED = "attested", _("Attested")
    FULFILLED = "fulfilled", _("Fulfilled")
    DOCUMENTED = "documented", _("Documented")


class SuspicionCase(models.Model):
    """A log review on suspicion of misuse of access (seed 004 section 7).

    Requested naming only the attestant, the recipient of the log and the reviewed
    person's manager's manager (`senior_manager`), never who is reviewed. Only that
    manager's manager (checked against the memberships' managers) enters the person,
    their account as logged and the period. Visible only to the people named on it and,
    once attested, to the log administrators of the source's system (need to know:
    scoping.py); never to the organisation's administrators or an unnamed controller.
    """

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, verbose_name=_("organisation")
    )
    source = models.ForeignKey(
        LogSource, on_delete=models.PROTECT, related_name="+", verbose_name=_("log source")
    )
    reason = models.TextField(_("reason (kept general)"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SuspicionStatus.choices,
        default=SuspicionStatus.REQUESTED,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    attestant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("attestant"),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recipient"),
    )
    senior_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("the reviewed person's manager's manager"),
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person reviewed"),
    )
    subject_account = models.CharField(_("account (as logged)"), max_length=100, blank=True)
    # Seed 004 section 7.3: the log team names the administrator of the case, to whom the
    # manager's manager sends who and when; only that administrator takes out the log.
    # Empty on a case entered before it was asked for: any log administrator of the system.
    administrator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("the case's log administrator"),
    )
    period_from = models.DateField(_("period from"), null=True, blank=True)
    period_to = models.DateField(_("period to"), null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered"), null=True, blank=True)
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("attested by"),
    )
    attested_at = models.DateTimeField(_("attested"), null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fulfilled by"),
    )
    fulfilled_at = models.DateTimeField(_("fulfilled"), null=True, blank=True)
    # Fulfilled from the log already stored (the source's full-log loads) rather than
    # by an uploaded extract.
    from_store = models.BooleanField(_("taken from the stored log"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("review on suspicion")
        verbose_name_plural = _("reviews on suspicion")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        # Never the person reviewed: the string reaches the audit trail.
        return f"{_('Review on suspicion')} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("logreview:suspicion_detail", args=[self.pk])

    def named_ids(self) -> set[int]:
        return {
            self.requested_by_id,
            self.attestant_id,
            self.recipient_id,
            self.senior_manager_id,
        } - {None}


class SuspicionJudgment(models.Model):
    """The recipient's judgment of one access of a review on suspicion."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, verbose_name=_("organisation")
    )
    case = models.ForeignKey(
        SuspicionCase,
        on_delete=models.CASCADE,
        related_name="judgments",
        verbose_name=_("review on suspicion"),
    )
    # Not a database constraint: the log is a partitioned table on PostgreSQL (store.py).
    # As for a quarterly judgment, the raw row is disposed of after its retention time:
    # the link is then cleared and the access's essential fields are kept (`access_*`).
    entry = models.ForeignKey(
        LogEntry,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        verbose_name=_("access"),
    )
    access_time = models.DateTimeField(_("time of the access"), null=True, blank=True)
    access_account = models.CharField(_("account"), max_length=100, blank=True)
    access_client = models.CharField(_("client"), max_length=20, blank=True)
    access_action = models.CharField(_("action"), max_length=200, blank=True)
    verdict = models.CharField(_("judgment"), max_length=12, choices=Verdict.choices)
    comment = models.TextField(_("comment"))
    judged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("judged by"),
    )
    judged_at = models.DateTimeField(_("judged"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("judgment")
        verbose_name_plural = _("judgments")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "entry"], name="logreview_suspicionjudgment_unique"
            )
        ]

    def __str__(self) -> str:
        return self.get_verdict_display()


class SuspicionOutcome(models.Model):
    """The documentation of a review on suspicion (seed 004 section 7.5, as 6.5);
    immutable once made."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, verbose_name=_("organisation")
    )
    case = models.OneToOneField(
        SuspicionCase,
        on_delete=models.PROTECT,
        related_name="outcome",
        verbose_name=_("review on suspicion"),
    )
    completed_on = models.DateField(_("date the review was completed"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    persons_reviewed = models.PositiveIntegerField(_("persons reviewed"))
    logs_reviewed = models.PositiveIntegerField(_("logs reviewed"))
    with_remark = models.BooleanField(_("with remark"))
    incident_reported = models.BooleanField(_("personal-data incident reported"))
    incident_persons = models.PositiveIntegerField(
        _("persons in the reported incident"), null=True, blank=True
    )
    documented_at = models.DateTimeField(_("documented"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("outcome of a review on suspicion")
        verbose_name_plural = _("outcomes of reviews on suspicion")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.case} {self.completed_on}"
