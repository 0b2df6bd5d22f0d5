"""Access management and access reviews (behörighetskontroll), seed 004 section 5 and
seed 000 4.5.1-4.5.3.

- `AccessRole`: the access roles of a system or service, decided by the body the seed
  names (a decision reference).
- `AccessSettings`: one organisation's settings for one system: the column mapping of
  the system's account export, the review due dates, the "no login" threshold.
- `Snapshot` and `Account`: the system's own user accounts of one organisation, as
  imported (or pushed) at one moment; each snapshot is compared with the previous one.
  Kept general: the log-review part reads the same accounts (employees and units).
- `Campaign`, `ReviewList`, `ReviewItem`: a review of one snapshot, one list per unit to
  its manager and separate lists of access to protected identities; a verdict per account.
- `AccessRequest`: grant or removal of an access role, decided by the object owner,
  executed by the system administrator (or confirmed by the next snapshot).
- `Deviation`: a secrecy shortcoming found, with the personal-data incident assessment.
- `YearSignOff`: the process owner's signature of the year's internal control.

Everything is one organisation's own (forvalta/access/scoping.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from forvalta.core.models import HttpsURLField, Organisation, TimeStampedModel, Unit
from forvalta.core.scoping import ScopedQuerySet
from forvalta.register.models import Service, System

# The account export's fields, in the order of the column mapping.
ACCOUNT_FIELDS = (
    "account_id",
    "name",
    "email",
    "employee_id",
    "personal_number",
    "unit",
    "roles",
    "protected_access",
    "last_login",
    "valid_until",
)


def default_mapping() -> dict[str, str]:
    """The headings of a typical export (Treserva's user list, in Swedish)."""
    return {
        "account_id": "Användar-id",
        "name": "Namn",
        "email": "E-post",
        "employee_id": "Anställningsnummer",
        "personal_number": "Personnummer",
        "unit": "Enhet",
        "roles": "Roller",
        "protected_access": "Skyddade personuppgifter",
        "last_login": "Senaste inloggning",
        "valid_until": "Giltig till",
    }


class AccessRole(TimeStampedModel):
    """A behörighetsroll of a system or a service: defined by the steering group or the
    management council (seed 000 4.5.1)."""

    system = models.ForeignKey(
        System,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_roles",
        verbose_name=_("system"),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_roles",
        verbose_name=_("service"),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    gives_access_to = models.TextField(_("gives access to"), blank=True)
    protected_identities = models.BooleanField(
        _("access to protected identities"),
        default=False,
        help_text=_("Holders see persons with protected personal data or local protection."),
    )
    decision = models.ForeignKey(
        "governance.Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decision of the body"),
        help_text=_("The steering group's or council's decision, when it is in Forvalta."),
    )
    decision_reference = models.CharField(
        _("decision"),
        max_length=300,
        blank=True,
        help_text=_("The steering group's or council's decision that defines the role."),
    )
    decision_url = HttpsURLField(_("link to the decision"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("access role")
        verbose_name_plural = _("access roles")
        constraints = [
            models.CheckConstraint(
                condition=Q(system__isnull=False, service__isnull=True)
                | Q(system__isnull=True, service__isnull=False),
                name="access_role_one_target",
                violation_error_message=_("Choose a system or a service."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("access:accessrole_detail", args=[self.pk])

    @property
    def audit_organisation(self) -> Any:
        target = self.system or self.service
        return target.owner_organisation if target is not None else None


class AccessSettings(TimeStampedModel):
    """One organisation's access review settings for one system."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    system = models.ForeignKey(
        System, on_delete=models.CASCADE, related_name="+", verbose_name=_("system")
    )
    mapping = models.JSONField(_("column mapping"), default=default_mapping)
    role_separator = models.CharField(_("role separator"), max_length=3, default=",")
    inactive_days = models.PositiveIntegerField(
        _("no login for (days)"),
        default=90,
        help_text=_("An account without a login for this many days is pointed out."),
    )
    spring_due = models.CharField(_("spring review due (MM-DD)"), max_length=5, default="04-30")
    autumn_due = models.CharField(_("autumn review due (MM-DD)"), max_length=5, default="10-31")
    lead_days = models.PositiveIntegerField(_("campaign starts (days before due)"), default=30)
    scheduled = models.BooleanField(
        _("create campaigns on schedule"),
        default=False,
        help_text=_("A campaign is created from the latest snapshot before each due date."),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["system__name", "pk"]
        verbose_name = _("access review settings")
        verbose_name_plural = _("access review settings")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "system"],
                name="access_settings_one_per_system",
                violation_error_message=_("This system already has settings here."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.system} – {self.organisation}"

    def get_absolute_url(self) -> str:
        return reverse("access:accesssettings_edit", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        for name in ("spring_due", "autumn_due"):
            try:
                month_day(getattr(self, name), 2026)
            except ValueError:
                errors[name] = _("Write the date as month-day, for example 04-30.")
        mapping = self.mapping if isinstance(self.mapping, dict) else {}
        if not str(mapping.get("account_id") or "").strip():
            errors["mapping"] = _("The column of the account id is required.")
        if errors:
            raise ValidationError(errors)

    def due_on(self, season: str, year: int) -> dt.date:
        return month_day(self.spring_due if season == Season.SPRING else self.autumn_due, year)


def month_day(text: str, year: int) -> dt.date:
    month, day = (int(part) for part in str(text).split("-"))
    return dt.date(year, month, day)


class SnapshotStatus(models.TextChoices):
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class SnapshotSource(models.TextChoices):
    FILE = "file", _("File")
    API = "api", _("API")


class Snapshot(models.Model):
    """The system's accounts of one organisation at one moment."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    system = models.ForeignKey(
        System, on_delete=models.PROTECT, related_name="+", verbose_name=_("system")
    )
    taken_on = models.DateField(_("date of the list"))
    source = models.CharField(
        _("source"), max_length=10, choices=SnapshotSource.choices, default=SnapshotSource.FILE
    )
    filename = models.CharField(_("file"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SnapshotStatus.choices,
        default=SnapshotStatus.IMPORTING,
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("imported by"),
    )
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("previous snapshot"),
    )
    job = models.ForeignKey(
        "register.ImportJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("import"),
    )
    account_count = models.PositiveIntegerField(_("accounts"), default=0)
    added_count = models.PositiveIntegerField(_("added"), default=0)
    removed_count = models.PositiveIntegerField(_("removed"), default=0)
    changed_count = models.PositiveIntegerField(_("changed"), default=0)
    unmatched_count = models.PositiveIntegerField(_("without a matched person"), default=0)
    error = models.TextField(_("reason"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-taken_on", "-pk"]
        verbose_name = _("account snapshot")
        verbose_name_plural = _("account snapshots")

    def __str__(self) -> str:
        return f"{self.system} {self.taken_on}"

    def get_absolute_url(self) -> str:
        return reverse("access:snapshot_detail", args=[self.pk])


class AccountChange(models.TextChoices):
    SAME = "same", _("Unchanged")
    ADDED = "added", _("Added")
    CHANGED = "changed", _("Changed")


class Account(models.Model):
    """One user account of the system (not a Forvalta user), as one snapshot lists it.

    `unit` and `person` are the matches to Forvalta's units and people, when found;
    `unit_name` keeps what the export said. The personal identity number is optional
    and shown masked."""

    snapshot = models.ForeignKey(
        Snapshot, on_delete=models.CASCADE, related_name="accounts", verbose_name=_("snapshot")
    )
    account_id = models.CharField(_("account id"), max_length=100)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    employee_id = models.CharField(_("employee id"), max_length=50, blank=True)
    personal_number = models.CharField(_("personal identity number"), max_length=13, blank=True)
    unit_name = models.CharField(_("unit (as exported)"), max_length=200, blank=True)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    roles = models.CharField(_("roles"), max_length=500, blank=True)
    protected_access = models.BooleanField(_("access to protected identities"), default=False)
    last_login = models.DateField(_("last login"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    change = models.CharField(
        _("change since the previous snapshot"),
        max_length=10,
        choices=AccountChange.choices,
        default=AccountChange.ADDED,
    )
    changed_fields = models.CharField(_("what changed"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["unit_name", "name", "account_id"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        indexes = [models.Index(fields=["snapshot", "account_id"], name="access_account_snap_id")]

    def __str__(self) -> str:
        return f"{self.name or self.account_id} ({self.account_id})"

    def get_absolute_url(self) -> str:
        return reverse("access:account_detail", args=[self.pk])

    @property
    def audit_organisation(self) -> Any:
        return self.snapshot.organisation

    @property
    def role_list(self) -> list[str]:
        return [r for r in self.roles.split("|") if r]

    @property
    def masked_personal_number(self) -> str:
        return mask_personal_number(self.personal_number)


def mask_personal_number(value: str) -> str:
    """YYYYMMDD-XXXX: the birth date stays, the last four digits do not."""
    if not value:
        return ""
    return f"{value[:8]}-XXXX" if len(value) >= 8 else "XXXX"


class Season(models.TextChoices):
    SPRING = "spring", _("Spring")
    AUTUMN = "autumn", _("Autumn")
    OTHER = "other", _("Other")


class CampaignStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    SIGNED = "signed", _("Signed")


class Campaign(models.Model):
    """A review of one snapshot: the controller's campaign."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    system = models.ForeignKey(
        System, on_delete=models.PROTECT, related_name="+", verbose_name=_("system")
    )
    snapshot = models.ForeignKey(
        Snapshot, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("snapshot")
    )
    name = models.CharField(_("name"), max_length=200)
    season = models.CharField(_("season"), max_length=10, choices=Season.choices)
    year = models.PositiveIntegerField(_("year"))
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    controller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("controller"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-due_on", "-pk"]
        verbose_name = _("access review")
        verbose_name_plural = _("access reviews")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("access:campaign_detail", args=[self.pk])

    @property
    def is_signed(self) -> bool:
        return self.status == CampaignStatus.SIGNED


class ListKind(models.TextChoices):
    UNIT = "unit", _("Unit list")
    PROTECTED = "protected", _("Access to protected identities")


class ListStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    SENT = "sent", _("Sent to the reviewer")
    SUBMITTED = "submitted", _("Reported back")


class ReviewList(models.Model):
    """One unit's list (or the unit's list of access to protected identities) for its
    manager to review."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="lists", verbose_name=_("review")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ListKind.choices)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    unit_name = models.CharField(_("unit (as exported)"), max_length=200, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_review_lists",
        verbose_name=_("reviewer"),
    )
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("escalated to"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ListStatus.choices, default=ListStatus.DRAFT
    )
    account_count = models.PositiveIntegerField(_("accounts"), default=0)
    without_remark = models.BooleanField(_("without remark"), default=False)
    comment = models.TextField(_("comment"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("access", "reported by"),
    )
    submitted_at = models.DateTimeField(pgettext_lazy("access", "reported"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "kind", "unit_name", "pk"]
        verbose_name = _("review list")
        verbose_name_plural = _("review lists")

    def __str__(self) -> str:
        if self.kind == ListKind.PROTECTED:
            return f"{self.unit_name} – {ListKind.PROTECTED.label}"
        return self.unit_name or str(_("No unit"))

    def get_absolute_url(self) -> str:
        return reverse("access:reviewlist_detail", args=[self.pk])

    @property
    def audit_organisation(self) -> Any:
        return self.campaign.organisation


class Verdict(models.TextChoices):
    KEEP = "keep", _("Keep")
    REMOVE = "remove", _("Remove")
    CHANGE = "change", _("Change")


# Hints shown with an account on a review list.
HINTS = {
    "no_login": _("No login in a long time"),
    "left": _("Has left the organisation"),
    "moved": _("Works in another unit"),
    "protected": _("Access to protected identities"),
    "unusual_roles": _("More roles than the unit's usual"),
    "unmatched": _("No matched person"),
    "duplicate": _("Several accounts for one person"),
}


class ReviewItem(models.Model):
    """One account on a review list, with its hints and the reviewer's verdict.

    Items are written only by the split (`services.split`), tens of thousands at a time,
    in the transaction that creates their lists from the accounts it has just read; lists
    and accounts are evidence and never deleted (the ORM still cascades from a list and
    protects an account). The database does not check the two references row by row: at
    commit that check locked every account and list row once per item, a sixth of an
    import and split (bench/access_snapshot_bench.py)."""

    review_list = models.ForeignKey(
        ReviewList,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("list"),
        db_constraint=False,
    )
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="review_items",
        verbose_name=_("account"),
        db_constraint=False,
    )
    hints = models.CharField(_("hints"), max_length=200, blank=True)
    unusual_roles = models.CharField(_("unusual roles"), max_length=300, blank=True)
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices, blank=True)
    new_roles = models.CharField(_("roles instead"), max_length=300, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["review_list", "pk"]
        verbose_name = _("reviewed account")
        verbose_name_plural = _("reviewed accounts")

    def __str__(self) -> str:
        return str(self.account)

    def get_absolute_url(self) -> str:
        return self.review_list.get_absolute_url()

    @property
    def audit_organisation(self) -> Any:
        return self.review_list.campaign.organisation

    @property
    def hint_codes(self) -> list[str]:
        return [h for h in self.hints.split(",") if h]

    @property
    def hint_labels(self) -> list[str]:
        return [str(HINTS[h]) for h in self.hint_codes if h in HINTS]


class RequestKind(models.TextChoices):
    GRANT = "grant", _("Grant or change access")
    REMOVE = "remove", _("Remove access")


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DONE = "done", _("Done")


class AccessRequest(models.Model):
    """A request to grant, change or remove a person's access to a system (seed 000
    4.5.2-4.5.3): decided by the object owner, executed by the system administrator."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    system = models.ForeignKey(
        System, on_delete=models.PROTECT, related_name="+", verbose_name=_("system")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    person_name = models.CharField(_("name"), max_length=200, blank=True)
    access_role = models.ForeignKey(
        AccessRole,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("access role"),
    )
    roles = models.CharField(_("roles"), max_length=300, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # A removal after unauthorised access found in the log review (seed 004 section 8):
    # the request is named by its number only ("Begäran om borttag nr N"), so the audit
    # trail and the notifications never tie the person to the follow-up that asked for it.
    named_by_number = models.BooleanField(_("named by its number only"), default=False)
    review_item = models.ForeignKey(
        ReviewItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("from the review"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RequestStatus.choices,
        default=RequestStatus.REQUESTED,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("executed by"),
    )
    done_at = models.DateTimeField(_("executed"), null=True, blank=True)
    confirmed_by_snapshot = models.ForeignKey(
        Snapshot,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by the snapshot"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")

    def __str__(self) -> str:
        if self.named_by_number and self.pk:
            return str(_("Removal request #%(pk)s") % {"pk": self.pk})
        who = self.person_name or (str(self.person) if self.person_id else self.account_id)
        return f"{self.get_kind_display()}: {who}"

    def get_absolute_url(self) -> str:
        return reverse("access:accessrequest_detail", args=[self.pk])


class Deviation(models.Model):
    """A secrecy shortcoming found in a review (avvikelse), with the assessment of
    whether it is a personal-data incident. The incident itself is the compliance
    part's; `incident_reference` links it when it exists."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    system = models.ForeignKey(
        System, on_delete=models.PROTECT, related_name="+", verbose_name=_("system")
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deviations",
        verbose_name=_("review"),
    )
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    description = models.TextField(_("description"))
    is_personal_data_incident = models.BooleanField(
        _("personal-data incident"),
        help_text=_("The assessment: is this a personal-data incident to report?"),
    )
    assessment = models.TextField(_("assessment"), blank=True)
    incident_reference = models.CharField(_("incident"), max_length=200, blank=True)
    incident_url = models.CharField(_("link to the incident"), max_length=500, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("raised by"),
    )
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("deviation")
        verbose_name_plural = _("deviations")

    def __str__(self) -> str:
        return self.description[:80]

    def get_absolute_url(self) -> str:
        return reverse("access:deviation_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.is_personal_data_incident and not self.assessment.strip():
            errors["assessment"] = _(
                "Say why it is a personal-data incident: the assessment is part of the record."
            )
        url = self.incident_url
        if url and not (
            url.startswith("https://") or (url.startswith("/") and not url.startswith("//"))
        ):
            errors["incident_url"] = _(
                "Give the link as a web address beginning with https:// or as an address "
                "in Forvalta beginning with /."
            )
        if errors:
            raise ValidationError(errors)


class YearSignOff(models.Model):
    """The process owner's signature that the year's access controls are done."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    system = models.ForeignKey(
        System, on_delete=models.PROTECT, related_name="+", verbose_name=_("system")
    )
    year = models.PositiveIntegerField(_("year"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-pk"]
        verbose_name = _("year sign-off")
        verbose_name_plural = _("year sign-offs")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "system", "year"],
                name="access_year_signed_once",
                violation_error_message=_("The year is already signed."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.system} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("access:yearsignoff_list")
