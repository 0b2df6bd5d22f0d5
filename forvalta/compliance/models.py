"""Compliance: personal-data incidents (GDPR 33-34) and the annual cycle of controls
(årshjul) with its signed traffic-light report."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from forvalta.core.controls import KINDS
from forvalta.core.models import HttpsURLField, Organisation, TimeStampedModel
from forvalta.core.scoping import ScopedQuerySet
from forvalta.register.models import ManagementObject, RoleType, Service, System

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# GDPR article 33.1: "without undue delay and, where feasible, not later than 72 hours
# after having become aware of it". Hours that pass, not hours on the wall clock: across
# the October change the deadline is one wall-clock hour earlier than the awareness time.
IMY_DEADLINE = dt.timedelta(hours=72)


def imy_deadline(aware_at: dt.datetime) -> dt.datetime:
    """The latest time to notify IMY, in Europe/Stockholm (72 elapsed hours after the
    controller became aware, computed in UTC so a change of clock is counted right)."""
    if aware_at.tzinfo is None:
        raise ValueError("The awareness time must be aware of its time zone.")
    return (aware_at.astimezone(dt.UTC) + IMY_DEADLINE).astimezone(STOCKHOLM)


# --- personal-data incidents ----------------------------------------------------------------
class IncidentStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


class NotifyDecision(models.TextChoices):
    UNDECIDED = "undecided", _("not yet decided")
    NOTIFY = "notify", _("notify IMY")
    NOT_NOTIFY = "not_notify", _("do not notify IMY")


class SubjectsInformed(models.TextChoices):
    UNDECIDED = "undecided", _("not yet decided")
    YES = "yes", _("yes")
    PLANNED = "planned", _("planned")
    NO = "no", _("no")


class PersonalDataIncident(TimeStampedModel):
    """A personal-data incident of one organisation (the controller), shaped like IMY's
    form. Every incident is documented (GDPR 33.5), whether IMY is notified or not."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="personal_data_incidents",
        verbose_name=_("organisation"),
    )
    title = models.CharField(_("title"), max_length=200)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reported_incidents",
        verbose_name=_("reported by"),
    )
    reported_at = models.DateTimeField(_("reported"), auto_now_add=True)
    aware_at = models.DateTimeField(
        _("became aware"),
        help_text=_("When the organisation became aware of the incident (Swedish time)."),
    )
    system = models.ForeignKey(
        System,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="personal_data_incidents",
        verbose_name=_("system"),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="personal_data_incidents",
        verbose_name=_("service"),
    )
    # IMY's form
    what_happened = models.TextField(_("what happened"))
    started_at = models.DateTimeField(_("incident started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("incident ended"), null=True, blank=True)
    ongoing = models.BooleanField(_("still ongoing"), default=False)
    subject_categories = models.TextField(_("categories of data subjects"), blank=True)
    subjects_count = models.PositiveIntegerField(
        _("approximate number of data subjects"), null=True, blank=True
    )
    data_categories = models.TextField(_("categories of personal data"), blank=True)
    records_count = models.PositiveIntegerField(
        _("approximate number of records"), null=True, blank=True
    )
    sensitive_data = models.BooleanField(
        _("sensitive or protected personal data"),
        default=False,
        help_text=_("Special categories, offences, identity numbers or protected identities."),
    )
    likely_consequences = models.TextField(_("likely consequences"), blank=True)
    measures_taken = models.TextField(_("measures taken"), blank=True)
    measures_planned = models.TextField(_("measures planned"), blank=True)
    subjects_informed = models.CharField(
        _("data subjects informed"),
        max_length=20,
        choices=SubjectsInformed.choices,
        default=SubjectsInformed.UNDECIDED,
    )
    subjects_informed_on = models.DateField(_("data subjects informed on"), null=True, blank=True)
    subjects_not_informed_reason = models.TextField(
        _("why the data subjects are not informed"), blank=True
    )
    # A processor (the shared service) tells the controller (GDPR 33.2).
    as_processor = models.BooleanField(
        _("we are the processor"),
        default=False,
        help_text=_("The organisation handles the data for another controller."),
    )
    controller = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="processor_incident_notices",
        verbose_name=pgettext_lazy("gdpr", "controller"),
    )
    controller_notified_at = models.DateTimeField(_("controller notified"), null=True, blank=True)
    # Decision whether to notify IMY
    decision = models.CharField(
        _("decision on notifying IMY"),
        max_length=20,
        choices=NotifyDecision.choices,
        default=NotifyDecision.UNDECIDED,
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    imy_reference = models.CharField(_("IMY's case number"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    readers: models.ManyToManyField = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="readable_incidents",
        verbose_name=_("also handled by"),
        help_text=_(
            "People who need to know, besides the reporter and the data protection contacts."
        ),
    )
    # Set by the part that opens the incident, never by a form: the person an incident
    # is about who must not read it in any role (the person reviewed on suspicion, even
    # as a data protection contact); they are not told of it either.
    withheld_from: models.ManyToManyField = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("withheld from"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-aware_at", "-id"]
        verbose_name = _("personal-data incident")
        verbose_name_plural = _("personal-data incidents")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("compliance:incident_detail", args=[self.pk])

    @property
    def imy_deadline(self) -> dt.datetime:
        return imy_deadline(self.aware_at)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.started_at and self.ended_at and self.ended_at < self.started_at:
            errors["ended_at"] = _("The incident cannot end before it started.")
        if self.ongoing and self.ended_at:
            errors["ended_at"] = _("An ongoing incident has no end time.")
        if self.subjects_informed == SubjectsInformed.YES and not self.subjects_informed_on:
            errors["subjects_informed_on"] = _("Give the date the data subjects were informed.")
        if (
            self.subjects_informed == SubjectsInformed.NO
            and not self.subjects_not_informed_reason.strip()
        ):
            errors["subjects_not_informed_reason"] = _(
                "Give the reason why the data subjects are not informed (GDPR 34.3)."
            )
        if self.controller_id and not self.as_processor:
            errors["controller"] = _("A controller is named only when we are the processor.")
        if self.controller_id and self.controller_id == self.organisation_id:
            errors["controller"] = _("The controller is another organisation.")
        if errors:
            raise ValidationError(errors)


class ReportKind(models.TextChoices):
    FIRST = "first", _("first report")
    SUPPLEMENT = "supplement", _("supplement")


class IncidentReport(models.Model):
    """One report to IMY: the first one, then supplements (GDPR 33.4, reporting in phases)."""

    incident = models.ForeignKey(
        PersonalDataIncident,
        on_delete=models.CASCADE,
        related_name="reports",
        verbose_name=_("incident"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices)
    submitted_at = models.DateTimeField(_("submitted to IMY"))
    content = models.TextField(_("what was reported"))
    delay_reason = models.TextField(
        _("reason for the delay"),
        blank=True,
        help_text=_("Required when the first report is made more than 72 hours after awareness."),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["incident", "submitted_at", "id"]
        verbose_name = _("report to IMY")
        verbose_name_plural = _("reports to IMY")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.submitted_at:%Y-%m-%d}"

    @property
    def audit_organisation(self) -> Any:
        return self.incident.organisation

    def get_absolute_url(self) -> str:
        return self.incident.get_absolute_url()

    @property
    def is_late(self) -> bool:
        return self.kind == ReportKind.FIRST and self.submitted_at > self.incident.imy_deadline


# --- the annual cycle of controls -------------------------------------------------------------
CONTROL_KINDS = [(key, label) for key, label in KINDS.items()] + [("other", _("Other control"))]

due_dates_validator = RegexValidator(
    r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(,\s*(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))*$",
    _("Write the due dates as month-day, separated by commas, e.g. 04-30, 10-31."),
)


class ControlDefinition(TimeStampedModel):
    """A recurring control of an organisation, optionally about one object, service or
    system: due on given days of the year, every year or every N years."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="control_definitions",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=40, choices=CONTROL_KINDS)
    management_object = models.ForeignKey(
        ManagementObject,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="control_definitions",
        verbose_name=_("management object"),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="control_definitions",
        verbose_name=_("service"),
    )
    system = models.ForeignKey(
        System,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="control_definitions",
        verbose_name=_("system"),
    )
    due_dates = models.CharField(
        _("due dates (month-day)"),
        max_length=200,
        validators=[due_dates_validator],
        help_text=_("E.g. 04-30, 10-31 for twice a year; 03-31, 06-30, 09-30, 12-31 quarterly."),
    )
    every_years = models.PositiveSmallIntegerField(
        _("every N years"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    first_year = models.PositiveSmallIntegerField(
        _("first year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    responsible_role = models.ForeignKey(
        RoleType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible role"),
    )
    evidence_kind = models.CharField(_("evidence"), max_length=200, blank=True)
    warn_days = models.PositiveSmallIntegerField(
        _("yellow within (days)"),
        default=30,
        help_text=_("An open control due within this many days is shown yellow."),
    )
    escalate_days = models.PositiveSmallIntegerField(
        _("escalate after (days overdue)"),
        default=14,
        help_text=_("The process owners are told when a control is this many days overdue."),
    )
    active = models.BooleanField(_("active"), default=True)
    # A control made from an agreement's "renewal to be decided by" date: due once, on
    # `due_once` (services.agreement_controls_sync keeps it in step with the agreement).
    agreement = models.ForeignKey(
        "register.Agreement",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
        related_name="renewal_controls",
        verbose_name=_("agreement"),
    )
    due_once = models.DateField(_("due once on"), null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "name", "id"]
        verbose_name = _("control")
        verbose_name_plural = _("controls")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement"],
                condition=models.Q(agreement__isnull=False),
                name="control_definition_one_per_agreement",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("compliance:controldefinition_detail", args=[self.pk])

    @property
    def target(self) -> ManagementObject | Service | System | None:
        return self.management_object or self.service or self.system

    def month_days(self) -> list[tuple[int, int]]:
        result = []
        for part in self.due_dates.split(","):
            month, day = part.strip().split("-")
            result.append((int(month), int(day)))
        return sorted(set(result))

    def due_dates_in(self, year: int) -> list[dt.date]:
        """The due dates of the year (none in a year the control skips); the 31st of a
        shorter month is its last day."""
        if self.due_once is not None:
            return [self.due_once] if self.due_once.year == year else []
        if year < self.first_year or (year - self.first_year) % self.every_years:
            return []
        dates = []
        for month, day in self.month_days():
            last = calendar.monthrange(year, month)[1]
            dates.append(dt.date(year, month, min(day, last)))
        return dates

    def clean(self) -> None:
        super().clean()
        targets = [t for t in (self.management_object_id, self.service_id, self.system_id) if t]
        if len(targets) > 1:
            raise ValidationError(_("Choose at most one management object, service or system."))
        if self.due_dates:
            try:
                for month, day in self.month_days():
                    dt.date(2024, month, min(day, 29 if month == 2 else day))
            except ValueError:
                raise ValidationError(
                    {"due_dates": _("One of the due dates is not a day of the year.")}
                ) from None


class OccurrenceStatus(models.TextChoices):
    OPEN = "open", _("open")
    DONE = "done", _("done")
    DONE_WITH_REMARK = "remark", _("done with remark")


class Light(models.TextChoices):
    GREEN = "green", _("Green: done in time")
    YELLOW = "yellow", _("Yellow: due soon")
    RED = "red", _("Red: overdue or remark")
    PLANNED = "planned", _("Planned")


def evidence_path(instance: ControlOccurrence, filename: str) -> str:
    return f"compliance/controls/{instance.definition_id}/{instance.pk}/{filename}"


class ControlOccurrence(models.Model):
    """One due date of a control: done by the part that fulfils it (signal) or by hand."""

    definition = models.ForeignKey(
        ControlDefinition,
        on_delete=models.CASCADE,
        related_name="occurrences",
        verbose_name=_("control"),
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=20, choices=OccurrenceStatus.choices, default=OccurrenceStatus.OPEN
    )
    completed_on = models.DateField(_("done on"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    automatic = models.BooleanField(_("fulfilled automatically"), default=False)
    evidence_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    evidence_id = models.CharField(max_length=40, blank=True)
    evidence_label = models.CharField(_("evidence"), max_length=300, blank=True)
    evidence_url = models.CharField(_("evidence (page)"), max_length=300, blank=True)
    evidence_file = models.FileField(
        _("evidence (file)"), upload_to=evidence_path, blank=True, max_length=300
    )
    evidence_link = HttpsURLField(_("evidence (link)"), blank=True)
    remark = models.TextField(_("remark"), blank=True)
    escalated_on = models.DateField(_("escalated"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "definition__name", "id"]
        verbose_name = _("control occurrence")
        verbose_name_plural = _("control occurrences")
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "due_on"], name="control_occurrence_unique_due"
            )
        ]

    def __str__(self) -> str:
        return f"{self.definition.name} {self.due_on:%Y-%m-%d}"

    @property
    def audit_organisation(self) -> Any:
        return self.definition.organisation

    def get_absolute_url(self) -> str:
        return reverse("compliance:controloccurrence_detail", args=[self.pk])

    @property
    def is_done(self) -> bool:
        return self.status != OccurrenceStatus.OPEN

    def light(self, on: dt.date) -> str:
        """Green: done in time; red: overdue, done late or done with a remark; yellow:
        open and due within the control's warning days; otherwise planned."""
        if self.is_done:
            late = self.completed_on is not None and self.completed_on > self.due_on
            if self.status == OccurrenceStatus.DONE_WITH_REMARK or late:
                return Light.RED
            return Light.GREEN
        if self.due_on < on:
            return Light.RED
        if (self.due_on - on).days <= self.definition.warn_days:
            return Light.YELLOW
        return Light.PLANNED


class AnnualReport(models.Model):
    """The year's traffic-light report of an organisation (optionally of one management
    object), signed by a process owner; its rows are frozen when signed."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="annual_control_reports",
        verbose_name=_("organisation"),
    )
    management_object = models.ForeignKey(
        ManagementObject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="annual_control_reports",
        verbose_name=_("management object"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed"))
    statement = models.TextField(_("statement"), blank=True)
    rows = models.JSONField(_("rows"), default=list, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "organisation", "id"]
        verbose_name = _("signed annual report")
        verbose_name_plural = _("signed annual reports")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"],
                condition=models.Q(management_object__isnull=True),
                name="annual_report_one_per_org_year",
            ),
            models.UniqueConstraint(
                fields=["organisation", "management_object", "year"],
                name="annual_report_one_per_object_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("compliance:annualreport_detail", args=[self.pk])


# --- information classification (KLASSA) -------------------------------------------------------
LEVELS = [(1, "1"), (2, "2"), (3, "3"), (4, "4")]
ASPECTS = ("confidentiality", "integrity", "availability", "traceability")
DEFAULT_LEVEL_NAMES = {
    1: _("Low"),
    2: _("Moderate"),
    3: _("High"),
    4: _("Very high"),
}


def level_field(label: Any) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, choices=LEVELS, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )


class ClassificationLevelName(models.Model):
    """An organisation's own name for a level (KLASSA's 1-4 may be called otherwise)."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="classification_level_names",
        verbose_name=_("organisation"),
    )
    level = models.PositiveSmallIntegerField(
        _("level"), choices=LEVELS, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    name = models.CharField(_("name"), max_length=60)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "level"]
        verbose_name = _("classification level name")
        verbose_name_plural = _("classification level names")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "level"],
                name="classification_level_name_unique",
                violation_error_message=_("The organisation has already named this level."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.level} – {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("compliance:classificationlevelname_list")


class Classification(TimeStampedModel):
    """One organisation's classification of its own information in a system (or of an
    information set): confidentiality, integrity, availability and traceability on
    levels 1-4, with the reasoning per aspect."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="classifications",
        verbose_name=_("organisation"),
    )
    system = models.ForeignKey(
        System,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="classifications",
        verbose_name=_("system"),
    )
    information_set = models.CharField(_("information set"), max_length=200, blank=True)
    confidentiality = level_field(_("confidentiality"))
    confidentiality_reason = models.TextField(_("reasoning on confidentiality"))
    integrity = level_field(_("integrity"))
    integrity_reason = models.TextField(_("reasoning on integrity"))
    availability = level_field(_("availability"))
    availability_reason = models.TextField(_("reasoning on availability"))
    traceability = level_field(_("traceability"))
    traceability_reason = models.TextField(_("reasoning on traceability"))
    classified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("classified by"),
    )
    classified_on = models.DateField(_("classified on"))
    review_on = models.DateField(_("review by"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-classified_on", "-id"]
        verbose_name = _("classification")
        verbose_name_plural = _("classifications")

    def __str__(self) -> str:
        subject = self.system.name if self.system is not None else self.information_set
        return f"{subject} ({self.classified_on:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("compliance:classification_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if not self.system_id and not self.information_set.strip():
            raise ValidationError(
                {"information_set": _("Choose a system or name the information set.")}
            )
        if self.classified_on and self.review_on and self.review_on <= self.classified_on:
            raise ValidationError({"review_on": _("The review comes after the classification.")})


class ClassificationAction(models.Model):
    """A protection need that follows from a classification, as an action item."""

    classification = models.ForeignKey(
        Classification,
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=_("classification"),
    )
    description = models.CharField(_("protection need"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["classification", "due_on", "id"]
        verbose_name = _("protection action")
        verbose_name_plural = _("protection actions")

    def __str__(self) -> str:
        return self.description

    @property
    def audit_organisation(self) -> Any:
        return self.classification.organisation

    def get_absolute_url(self) -> str:
        return self.classification.get_absolute_url()


# --- risk and vulnerability analyses ------------------------------------------------------------
SCALE = [(1, "1"), (2, "2"), (3, "3"), (4, "4")]


class AnalysisStatus(models.TextChoices):
    DRAFT = "draft", _("in progress")
    FINISHED = "finished", _("finished")


class RiskAnalysis(TimeStampedModel):
    """A risk and vulnerability analysis (RSA) of an object, service or system, at least
    yearly; the owner of a shared service or system may share it with the participants."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="risk_analyses",
        verbose_name=_("organisation"),
    )
    title = models.CharField(_("title"), max_length=200)
    management_object = models.ForeignKey(
        ManagementObject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risk_analyses",
        verbose_name=_("management object"),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risk_analyses",
        verbose_name=_("service"),
    )
    system = models.ForeignKey(
        System,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risk_analyses",
        verbose_name=_("system"),
    )
    performed_on = models.DateField(_("performed on"))
    method = models.CharField(_("method"), max_length=200, blank=True)
    participants = models.TextField(_("participants"))
    summary = models.TextField(_("summary"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=AnalysisStatus.choices, default=AnalysisStatus.DRAFT
    )
    finished_on = models.DateField(_("finished on"), null=True, blank=True)
    shared_with_participants = models.BooleanField(
        _("shared with the participants"),
        default=False,
        help_text=_("The participating organisations of the shared service or system see it."),
    )
    forwarded_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("forwarded to (crisis coordinator)"),
    )
    forwarded_on = models.DateField(_("forwarded on"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-performed_on", "-id"]
        verbose_name = _("risk and vulnerability analysis")
        verbose_name_plural = _("risk and vulnerability analyses")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("compliance:riskanalysis_detail", args=[self.pk])

    @property
    def target(self) -> ManagementObject | Service | System | None:
        return self.management_object or self.service or self.system

    def clean(self) -> None:
        super().clean()
        targets = [t for t in (self.management_object_id, self.service_id, self.system_id) if t]
        if len(targets) != 1:
            raise ValidationError(_("Choose exactly one management object, service or system."))
        target = self.target
        if (
            self.shared_with_participants
            and target is not None
            and target.owner_organisation_id != self.organisation_id
        ):
            raise ValidationError(
                {
                    "shared_with_participants": _(
                        "Only the owner's analysis of a shared service or system is shared."
                    )
                }
            )


def risk_level(likelihood: int, consequence: int) -> str:
    score = likelihood * consequence
    if score >= 9:
        return "high"
    if score >= 4:
        return "medium"
    return "low"


class Risk(models.Model):
    analysis = models.ForeignKey(
        RiskAnalysis, on_delete=models.CASCADE, related_name="risks", verbose_name=_("analysis")
    )
    description = models.CharField(_("risk"), max_length=300)
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood"), choices=SCALE, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    consequence = models.PositiveSmallIntegerField(
        _("consequence"), choices=SCALE, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    existing_measures = models.TextField(_("existing measures"), blank=True)
    planned_measures = models.TextField(_("planned measures"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["analysis", "id"]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")

    def __str__(self) -> str:
        return self.description

    @property
    def audit_organisation(self) -> Any:
        return self.analysis.organisation

    @property
    def level(self) -> str:
        return risk_level(self.likelihood, self.consequence)

    def get_absolute_url(self) -> str:
        return self.analysis.get_absolute_url()


class RiskAction(models.Model):
    """An item of the analysis's action plan; it can be carried into the management plan
    as one of its activities (`plan_activity`), or referred to by text and link."""

    analysis = models.ForeignKey(
        RiskAnalysis,
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=_("analysis"),
    )
    description = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    plan_reference = models.CharField(
        _("in the management plan as"),
        max_length=200,
        blank=True,
        help_text=_("The goal or activity of the management plan that carries the action."),
    )
    plan_url = HttpsURLField(_("link to the management plan"), blank=True)
    # The management plan's activity made from this action (services.riskaction_to_plan).
    plan_activity = models.ForeignKey(
        "plans.PlanActivity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("management activity"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["analysis", "due_on", "id"]
        verbose_name = _("action plan item")
        verbose_name_plural = _("action plan items")

    def __str__(self) -> str:
        return self.description

    @property
    def audit_organisation(self) -> Any:
        return self.analysis.organisation

    def get_absolute_url(self) -> str:
        return self.analysis.get_absolute_url()


# --- legal framework --------------------------------------------------------------------
class LegalAct(models.Model):
    """A law or regulation. Seeded ones (no organisation) are shared by all; an
    organisation may add its own."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="legal_acts",
        verbose_name=_("organisation"),
    )
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    url = HttpsURLField(_("link"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("law or regulation")
        verbose_name_plural = _("laws and regulations")

    def __str__(self) -> str:
        return f"{self.name} ({self.reference})" if self.reference else self.name

    def get_absolute_url(self) -> str:
        return reverse("compliance:legalact_detail", args=[self.pk])


class LegalRequirement(TimeStampedModel):
    """A law that applies to an organisation's object or system, with the role that
    answers for it (seed 000 4.6.2)."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="legal_requirements",
        verbose_name=_("organisation"),
    )
    act = models.ForeignKey(
        LegalAct, on_delete=models.PROTECT, related_name="requirements", verbose_name=_("law")
    )
    management_object = models.ForeignKey(
        ManagementObject,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="legal_requirements",
        verbose_name=_("management object"),
    )
    system = models.ForeignKey(
        System,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="legal_requirements",
        verbose_name=_("system"),
    )
    responsible_role = models.ForeignKey(
        RoleType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible role"),
    )
    comment = models.TextField(_("comment"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["act__name", "id"]
        verbose_name = _("applicable law")
        verbose_name_plural = _("applicable laws")

    def __str__(self) -> str:
        return f"{self.act} – {self.management_object or self.system}"

    def get_absolute_url(self) -> str:
        return reverse("compliance:legalrequirement_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if bool(self.management_object_id) == bool(self.system_id):
            raise ValidationError(_("Choose a management object or a system."))


# --- confidentiality undertakings ---------------------------------------------------------
class ConfidentialityUndertaking(TimeStampedModel):
    """A person's signed confidentiality undertaking towards an organisation (association
    and supplier staff handling its personal data)."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="confidentiality_undertakings",
        verbose_name=_("given to"),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="confidentiality_undertakings",
        verbose_name=_("person"),
    )
    signed_on = models.DateField(_("signed on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    scope = models.TextField(_("scope"), blank=True)
    document = models.FileField(
        _("document"), upload_to="compliance/undertakings/", blank=True, max_length=300
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("confidentiality undertaking")
        verbose_name_plural = _("confidentiality undertakings")

    def __str__(self) -> str:
        return f"{self.person} ({self.signed_on:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("compliance:confidentialityundertaking_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.valid_until and self.signed_on and self.valid_until < self.signed_on:
            raise ValidationError({"valid_until": _("The undertaking ends before it is signed.")})


# --- archiving --------------------------------------------------------------------------------
class ArchiveStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    DECIDED = "decided", _("decided")
    FILED = "filed", _("filed")


class ArchiveDocumentation(TimeStampedModel):
    """The system documentation for archiving of one system (seed 000 4.6.6): what the
    system holds, how its information is kept or disposed of, decided by the council
    and filed with the object."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="archive_documentations",
        verbose_name=_("organisation"),
    )
    system = models.ForeignKey(
        System,
        on_delete=models.PROTECT,
        related_name="archive_documentations",
        verbose_name=_("system"),
    )
    purpose = models.TextField(_("purpose and business process"))
    information_types = models.TextField(_("information types and records"))
    formats = models.TextField(_("file formats and exports"), blank=True)
    relations = models.TextField(_("relations to other systems and archives"), blank=True)
    preservation = models.TextField(_("preservation and disposal"))
    e_archive = models.TextField(_("delivery to the e-archive"), blank=True)
    archivist = models.CharField(_("responsible archivist"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ArchiveStatus.choices, default=ArchiveStatus.DRAFT
    )
    decision = models.ForeignKey(
        "governance.Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decision"),
    )
    decision_reference = models.CharField(
        _("decision (reference)"),
        max_length=200,
        blank=True,
        help_text=_("A decision outside Forvalta, e.g. the council's minutes paragraph."),
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    filed_at = models.CharField(
        _("filed in"), max_length=200, blank=True, help_text=_("Where it is filed, e.g. dnr.")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["system__name", "-id"]
        verbose_name = _("archiving documentation")
        verbose_name_plural = _("archiving documentations")

    def __str__(self) -> str:
        return f"{self.system} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("compliance:archivedocumentation_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        decided = self.decision_id or self.decision_reference.strip()
        if self.status in (ArchiveStatus.DECIDED, ArchiveStatus.FILED):
            if not decided:
                errors["decision_reference"] = _("A decided documentation names its decision.")
            if not self.decided_on:
                errors["decided_on"] = _("Give the date of the decision.")
        if self.status == ArchiveStatus.FILED and not self.filed_on:
            errors["filed_on"] = _("Give the date it was filed.")
        if (
            self.system_id
            and self.organisation_id
            and (self.system.owner_organisation_id != self.organisation_id)
        ):
            errors["system"] = _("The system's owner documents it for archiving.")
        if errors:
            raise ValidationError(errors)


class DisposalAction(models.TextChoices):
    PRESERVE = "preserve", _("preserve")
    DISPOSE = "dispose", _("dispose of")


class RetentionRule(TimeStampedModel):
    """A rule for keeping or disposing of one type of information (gallringsregel)."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="retention_rules",
        verbose_name=_("organisation"),
    )
    system = models.ForeignKey(
        System,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="retention_rules",
        verbose_name=_("system"),
    )
    information_type = models.CharField(_("information type"), max_length=200)
    action = models.CharField(_("action"), max_length=20, choices=DisposalAction.choices)
    period = models.CharField(
        _("when"), max_length=200, blank=True, help_text=_("E.g. 2 years after the case closed.")
    )
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    act = models.ForeignKey(
        LegalAct,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("law"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["information_type", "id"]
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")

    def __str__(self) -> str:
        return self.information_type

    def get_absolute_url(self) -> str:
        return reverse("compliance:retentionrule_detail", args=[self.pk])


# --- decommissioning --------------------------------------------------------------------------
class DecommissioningStatus(models.TextChoices):
    OPEN = "open", _("in progress")
    COMPLETED = "completed", _("completed")


# The checklist of a decommissioning (seed 001, "Avveckling"): the system owner decides;
# the archivist and operations decide together how the information is handled, and that
# decision is documented; integrations are handled and their evaluation documented; the
# system owner makes sure the system is security-classified. (code, label, needs evidence)
DECOMMISSIONING_ITEMS: list[tuple[str, Any, bool]] = [
    ("decision", _("The system owner's decision to decommission"), True),
    (
        "information_handling",
        _("The archivist's and operations' decision on how the information is handled"),
        True,
    ),
    ("information_archived", _("Information archived or disposed of as decided"), False),
    ("integrations", _("Integrations handled, with their evaluation documented"), True),
    ("accesses_removed", _("Accesses and accounts removed"), False),
    ("agreements_terminated", _("Agreements terminated or changed"), False),
    ("classification", _("The system's information is security-classified"), False),
]
ITEM_LABELS = {code: label for code, label, _needs in DECOMMISSIONING_ITEMS}
ITEMS_NEEDING_EVIDENCE = {code for code, _label, needs in DECOMMISSIONING_ITEMS if needs}


class Decommissioning(TimeStampedModel):
    """The decommissioning of one system as a checklist; completing it moves the
    system to retired in the register."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="decommissionings",
        verbose_name=_("organisation"),
    )
    system = models.ForeignKey(
        System,
        on_delete=models.PROTECT,
        related_name="decommissionings",
        verbose_name=_("system"),
    )
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DecommissioningStatus.choices,
        default=DecommissioningStatus.OPEN,
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("started by"),
    )
    started_on = models.DateField(_("started on"))
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("completed by"),
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("decommissioning")
        verbose_name_plural = _("decommissionings")
        constraints = [
            models.UniqueConstraint(
                fields=["system"],
                condition=models.Q(status="open"),
                name="decommissioning_one_open_per_system",
                violation_error_message=_("The system's decommissioning is already under way."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.system} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("compliance:decommissioning_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if (
            self.system_id
            and self.organisation_id
            and self.system.owner_organisation_id != self.organisation_id
        ):
            raise ValidationError({"system": _("The system's owner decommissions it.")})


def decommissioning_evidence_path(instance: DecommissioningItem, filename: str) -> str:
    return f"compliance/decommissioning/{instance.decommissioning_id}/{filename}"


class DecommissioningItem(models.Model):
    decommissioning = models.ForeignKey(
        Decommissioning,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("decommissioning"),
    )
    order = models.PositiveSmallIntegerField(_("order"))
    code = models.CharField(
        _("item"), max_length=40, choices=[(c, label) for c, label, _n in DECOMMISSIONING_ITEMS]
    )
    done = models.BooleanField(_("done"), default=False)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    comment = models.TextField(_("comment"), blank=True)
    evidence_file = models.FileField(
        _("evidence (file)"), upload_to=decommissioning_evidence_path, blank=True, max_length=300
    )
    evidence_link = HttpsURLField(_("evidence (link)"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["decommissioning", "order", "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            models.UniqueConstraint(
                fields=["decommissioning", "code"], name="decommissioning_item_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.get_code_display())

    @property
    def audit_organisation(self) -> Any:
        return self.decommissioning.organisation

    @property
    def needs_evidence(self) -> bool:
        return self.code in ITEMS_NEEDING_EVIDENCE

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_file) or bool(self.evidence_link)

    def get_absolute_url(self) -> str:
        return self.decommissioning.get_absolute_url()
