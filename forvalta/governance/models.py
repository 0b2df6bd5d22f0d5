"""Governance: bodies (councils and groups) of a management object or a service, their
meetings with notice, agenda and minutes by paragraph, decisions, and decisions by
circulation (per capsulam) with one vote per member organisation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from forvalta.businesscalendar.models import Weekday
from forvalta.core.models import HttpsURLField, Organisation, TimeStampedModel
from forvalta.core.scoping import ScopedQuerySet
from forvalta.register.models import ManagementObject, RoleType, Service

DOCUMENT_EXTENSIONS = ["pdf", "docx", "odt", "doc", "xlsx", "ods", "pptx", "odp", "txt"]

# Exactly one of management_object and service.
ONE_OF_OBJECT_OR_SERVICE = Q(management_object__isnull=False, service__isnull=True) | Q(
    management_object__isnull=True, service__isnull=False
)


class BodyKind(models.TextChoices):
    COUNCIL = "council", _("management council (förvaltningsråd)")
    STEERING_GROUP = "steering_group", _("steering group")
    USER_GROUP = "user_group", _("management group / user group")
    OWNER_COUNCIL = "owner_council", _("owner council (objektägarråd)")
    MANAGEMENT_TEAM = "management_team", _("management team (förvaltningsledning)")
    USER_COUNCIL = "user_council", _("user council")
    SUPPLIER_MEETING = "supplier_meeting", _("supplier meeting")
    OTHER = "other", _("other")


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("weekly")
    MONTHLY = "monthly", _("monthly")
    QUARTERLY = "quarterly", _("quarterly")
    FOUR_TO_SIX = "four_to_six", _("4–6 times a year")
    TWICE_A_YEAR = "twice_a_year", _("twice a year")
    YEARLY = "yearly", _("yearly")
    AS_NEEDED = "as_needed", _("as needed")


class Rhythm(models.TextChoices):
    WEEKS = "weeks", _("every N weeks")
    MONTHLY = "monthly", _("monthly")
    QUARTERLY = "quarterly", _("quarterly")


class WeekOfMonth(models.IntegerChoices):
    FIRST = 1, _("first week")
    SECOND = 2, _("second week")
    THIRD = 3, _("third week")
    FOURTH = 4, _("fourth week")
    LAST = -1, _("last week")


class DecisionKind(models.TextChoices):
    PRIORITISATION = "prioritisation", _("prioritisation")
    BUDGET = "budget", _("budget")
    INVESTMENT = "investment", _("investment")
    MANAGEMENT_PLAN = "management_plan", _("management plan")
    AGREEMENT = "agreement", _("agreement")
    CHANGE = "change", _("change")
    OTHER = "other", _("other")


# "Större beslut tas enbart på förvaltningsråd" (seed 003, 7): budget and investment
# decisions do not go by circulation unless the body says otherwise.
DEFAULT_CIRCULATION_KINDS = [
    DecisionKind.PRIORITISATION.value,
    DecisionKind.MANAGEMENT_PLAN.value,
    DecisionKind.AGREEMENT.value,
    DecisionKind.CHANGE.value,
    DecisionKind.OTHER.value,
]


def default_circulation_kinds() -> list[str]:
    return list(DEFAULT_CIRCULATION_KINDS)


class CirculationRule(models.TextChoices):
    MAJORITY_CAST = "majority_cast", _("majority of votes cast")
    MAJORITY_MEMBERS = "majority_members", _("majority of members")
    UNANIMITY = "unanimity", _("unanimity")
    QUORUM = "quorum", _("majority of votes cast, with a quorum of members voting")


class Body(TimeStampedModel):
    """A council or group of a management object or a shared service."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="governance_bodies",
        verbose_name=_("organisation"),
        help_text=_("The owner of the object or service; set from it."),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=BodyKind.choices)
    management_object = models.ForeignKey(
        ManagementObject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="governance_bodies",
        verbose_name=_("management object"),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="governance_bodies",
        verbose_name=_("service"),
    )
    description = models.TextField(_("mandate"), blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chair"),
    )
    convener = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("convener"),
    )
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("secretary"),
    )
    responsible_role = models.ForeignKey(
        RoleType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible role"),
        help_text=_("For a recurring meeting forum: the role that runs it."),
    )
    frequency = models.CharField(
        _("meeting frequency"), max_length=20, choices=Frequency.choices, blank=True
    )
    notice_days = models.PositiveSmallIntegerField(
        _("notice period (days)"), default=5, validators=[MinValueValidator(0)]
    )
    circulation_rule = models.CharField(
        _("rule for decisions by circulation"),
        max_length=20,
        choices=CirculationRule.choices,
        default=CirculationRule.MAJORITY_CAST,
    )
    circulation_quorum = models.PositiveSmallIntegerField(
        _("quorum (members voting)"), null=True, blank=True
    )
    circulation_kinds = models.JSONField(
        _("decision kinds that may go by circulation"),
        default=default_circulation_kinds,
        blank=True,
    )
    circulation_min_days = models.PositiveSmallIntegerField(
        _("minimum days for a circulation"), default=4
    )
    reminder_hours = models.PositiveSmallIntegerField(
        _("remind non-voters (hours before the deadline)"), default=24
    )
    minutes_recipients = models.TextField(
        _("minutes also sent to"),
        blank=True,
        help_text=_("E-mail addresses, one a line (e.g. the secretariats of other bodies)."),
    )
    # The meeting rhythm: meetings are created ahead by the task
    # governance.plan_recurring_meetings (services.plan_recurring).
    rhythm = models.CharField(
        _("meeting rhythm"), max_length=20, choices=Rhythm.choices, blank=True
    )
    rhythm_interval = models.PositiveSmallIntegerField(
        _("every how many weeks"), default=1, validators=[MinValueValidator(1)]
    )
    rhythm_weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=Weekday.choices, null=True, blank=True
    )
    rhythm_week_of_month = models.SmallIntegerField(
        _("week of the month"), choices=WeekOfMonth.choices, null=True, blank=True
    )
    rhythm_time = models.TimeField(_("time of day"), null=True, blank=True)
    rhythm_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=60)
    rhythm_from = models.DateField(_("first date"), null=True, blank=True)
    rhythm_until = models.DateField(_("last date"), null=True, blank=True)
    rhythm_place = models.CharField(_("place"), max_length=200, blank=True)
    rhythm_video_link = HttpsURLField(_("video link"), blank=True)
    rhythm_days_ahead = models.PositiveSmallIntegerField(
        _("create meetings how many days ahead"), default=90
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        constraints = [
            models.CheckConstraint(
                condition=ONE_OF_OBJECT_OR_SERVICE,
                name="governance_body_one_target",
                violation_error_message=_("Choose exactly one management object or service."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("governance:body_detail", args=[self.pk])

    @property
    def target(self) -> ManagementObject | Service | None:
        return self.service or self.management_object

    @property
    def audit_organisation(self) -> Any:
        return self.organisation

    def clean(self) -> None:
        super().clean()
        if self.circulation_rule == CirculationRule.QUORUM and not self.circulation_quorum:
            raise ValidationError(
                {"circulation_quorum": _("Give the number of members that must vote.")}
            )
        kinds = self.circulation_kinds or []
        if not isinstance(kinds, list) or any(k not in DecisionKind.values for k in kinds):
            raise ValidationError({"circulation_kinds": _("Unknown decision kind.")})
        self.clean_rhythm()

    def clean_rhythm(self) -> None:
        errors: dict[str, Any] = {}
        if self.rhythm:
            if self.rhythm_weekday is None:
                errors["rhythm_weekday"] = _("Choose the weekday of the meetings.")
            if self.rhythm_time is None:
                errors["rhythm_time"] = _("Give the time of day of the meetings.")
            if self.rhythm_from is None:
                errors["rhythm_from"] = _("Give the date the rhythm starts.")
            if self.rhythm != Rhythm.WEEKS and self.rhythm_week_of_month is None:
                errors["rhythm_week_of_month"] = _("Choose which week of the month.")
            if self.rhythm == Rhythm.WEEKS and not 1 <= self.rhythm_interval <= 52:
                errors["rhythm_interval"] = _("Meet every 1 to 52 weeks.")
        for name in ("rhythm_from", "rhythm_until"):
            day = getattr(self, name)
            if day is not None and not 2000 <= day.year <= 2100:
                errors[name] = _("Give a date in the years 2000 to 2100.")
        if self.rhythm_from and self.rhythm_until and self.rhythm_until < self.rhythm_from:
            errors["rhythm_until"] = _("The rhythm cannot end before it starts.")
        if not 7 <= self.rhythm_days_ahead <= 400:
            errors["rhythm_days_ahead"] = _("Create meetings between 7 and 400 days ahead.")
        if not 1 <= self.rhythm_minutes <= 24 * 60:
            errors["rhythm_minutes"] = _("A meeting lasts between 1 and 1440 minutes.")
        if errors:
            raise ValidationError(errors)

    @property
    def rhythm_summary(self) -> str:
        """The rhythm in words ("every 2 weeks on Tuesday 09:00 from 2027-01-05")."""
        if not self.rhythm or self.rhythm_weekday is None or self.rhythm_time is None:
            return ""
        weekday = Weekday(self.rhythm_weekday).label
        if self.rhythm == Rhythm.WEEKS:
            text = _("every %(n)s weeks on %(weekday)s") % {
                "n": self.rhythm_interval,
                "weekday": weekday,
            }
        else:
            week = WeekOfMonth(self.rhythm_week_of_month or 1).label
            text = _("%(rhythm)s, %(weekday)s of the %(week)s of the month") % {
                "rhythm": self.get_rhythm_display(),
                "week": week,
                "weekday": weekday,
            }
        text = f"{text} {self.rhythm_time:%H:%M}"
        if self.rhythm_from:
            text += " " + _("from %(date)s") % {"date": self.rhythm_from.isoformat()}
        if self.rhythm_until:
            text += " " + _("until %(date)s") % {"date": self.rhythm_until.isoformat()}
        return text


class MemberQuerySet(ScopedQuerySet):
    def current(self) -> MemberQuerySet:
        """Members today: not ended, and their organisation still takes part in the
        body's service (or, for an object's body, in one of the object's services, or
        owns the object). Ending a Participation ends the membership."""
        from forvalta.core.models import today
        from forvalta.register.models import Participation, ParticipationStatus

        taking_part = (
            Participation.objects.active()
            .exclude(status__in=[ParticipationStatus.APPLIED, ParticipationStatus.ENDED])
            .filter(organisation_id=models.OuterRef("organisation_id"))
        )
        day = today()
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day)).filter(
            Q(organisation_id=models.F("body__organisation_id"))
            | Q(models.Exists(taking_part.filter(service_id=models.OuterRef("body__service_id"))))
            | Q(
                models.Exists(
                    taking_part.filter(
                        service__management_object_id=models.OuterRef("body__management_object_id")
                    )
                )
            )
        )


class BodyMember(TimeStampedModel):
    """A member organisation of a body, with its representative and substitute."""

    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, related_name="members", verbose_name=_("body")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="governance_memberships",
        verbose_name=_("member organisation"),
    )
    representative = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("representative"),
    )
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("substitute"),
    )
    objects_to_circulation = models.BooleanField(
        _("objects to decisions by circulation"),
        default=False,
        help_text=_("While a member objects, the body decides only at meetings."),
    )
    ended_on = models.DateField(_("membership ended"), null=True, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["body", "organisation__name", "id"]
        verbose_name = _("member organisation")
        verbose_name_plural = _("member organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["body", "organisation"],
                name="governance_member_unique",
                violation_error_message=_("The organisation is already a member of this body."),
            )
        ]

    def __str__(self) -> str:
        return str(self.organisation)

    @property
    def audit_organisation(self) -> Any:
        return self.body.organisation

    def get_absolute_url(self) -> str:
        return self.body.get_absolute_url()


class BodyAdjoined(TimeStampedModel):
    """An adjoined member without vote (a supplier), or one adjoined person."""

    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, related_name="adjoined", verbose_name=_("body")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="governance_adjoined",
        verbose_name=_("organisation"),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["body", "organisation__name", "id"]
        verbose_name = _("adjoined member")
        verbose_name_plural = _("adjoined members")

    def __str__(self) -> str:
        return str(self.person or self.organisation)

    @property
    def audit_organisation(self) -> Any:
        return self.body.organisation

    def get_absolute_url(self) -> str:
        return self.body.get_absolute_url()


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    NOTICE_SENT = "notice_sent", _("notice sent")
    HELD = "held", _("held")
    MINUTES_DRAFTED = "minutes_drafted", _("minutes drafted")
    MINUTES_APPROVED = "minutes_approved", _("minutes approved")
    PUBLISHED = "published", _("published")
    CANCELLED = "cancelled", _("cancelled")


# Once approved, the minutes change only through a new version.
LOCKED_MINUTES = (MeetingStatus.MINUTES_APPROVED, MeetingStatus.PUBLISHED)


class Meeting(TimeStampedModel):
    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("body")
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = HttpsURLField(_("video link"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    notice_sent_at = models.DateTimeField(_("notice sent"), null=True, blank=True)
    notice_sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("notice sent by"),
    )
    late_notice_reason = models.TextField(_("reason for late notice"), blank=True)
    held_on = models.DateField(_("held"), null=True, blank=True)
    adjusters = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("adjusters")
    )
    minutes_version = models.PositiveIntegerField(_("minutes version"), default=1)
    minutes_approved_at = models.DateTimeField(_("minutes approved"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    occurrence_on = models.DateField(
        _("recurring meeting of"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The date of the body's meeting rhythm this meeting was created for."),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            # One meeting per date of the rhythm: creating them twice adds nothing.
            models.UniqueConstraint(
                fields=["body", "occurrence_on"],
                condition=Q(occurrence_on__isnull=False),
                name="governance_meeting_occurrence_once",
            )
        ]

    def __str__(self) -> str:
        from django.utils import timezone

        day = timezone.localtime(self.starts_at).date().isoformat()
        return f"{self.title or self.body.name} {day}"

    def get_absolute_url(self) -> str:
        return reverse("governance:meeting_detail", args=[self.pk])

    @property
    def audit_organisation(self) -> Any:
        return self.body.organisation

    @property
    def notice_was_late(self) -> bool:
        return bool(self.late_notice_reason)

    @property
    def minutes_locked(self) -> bool:
        return self.status in LOCKED_MINUTES

    def clean(self) -> None:
        super().clean()
        if self.ends_at and self.starts_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": _("The meeting cannot end before it starts.")})


class AgendaItem(TimeStampedModel):
    """An item of a meeting's agenda; it may link to what it concerns (a need, a change
    request, the management plan, an agreement ...) generically (`concerns.py`)."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="agenda_items", verbose_name=_("meeting")
    )
    order = models.PositiveIntegerField(_("order"), default=1)
    title = models.CharField(_("item"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    for_decision = models.BooleanField(_("for decision"), default=False)
    concerns_type = models.ForeignKey(
        ContentType,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("concerns (kind)"),
    )
    concerns_id = models.PositiveBigIntegerField(_("concerns (id)"), null=True, blank=True)
    link = HttpsURLField(_("link"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "order", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"

    @property
    def audit_organisation(self) -> Any:
        return self.meeting.audit_organisation

    def get_absolute_url(self) -> str:
        return self.meeting.get_absolute_url()


def meeting_document_path(instance: MeetingDocument, filename: str) -> str:
    return f"governance/{instance.meeting_id}/{filename}"


class MeetingDocument(TimeStampedModel):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="documents", verbose_name=_("meeting")
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(
        _("file"),
        upload_to=meeting_document_path,
        blank=True,
        max_length=300,
        validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS)],
    )
    link = HttpsURLField(_("link"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "title", "id"]
        verbose_name = _("meeting document")
        verbose_name_plural = _("meeting documents")

    def __str__(self) -> str:
        return self.title

    @property
    def audit_organisation(self) -> Any:
        return self.meeting.audit_organisation

    def get_absolute_url(self) -> str:
        return self.meeting.get_absolute_url()


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("present")
    ABSENT = "absent", _("absent")
    SUBSTITUTE = "substitute", _("substitute")
    ADJOINED = "adjoined", _("adjoined")


class Attendance(TimeStampedModel):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("meeting")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for organisation"),
    )
    status = models.CharField(
        _("attendance"),
        max_length=20,
        choices=AttendanceStatus.choices,
        default=AttendanceStatus.PRESENT,
    )
    substitute_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("substitute for"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "id"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person"],
                name="governance_attendance_unique",
                violation_error_message=_("The person is already on the attendance list."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_status_display()})"

    @property
    def audit_organisation(self) -> Any:
        return self.meeting.audit_organisation

    def get_absolute_url(self) -> str:
        return self.meeting.get_absolute_url()

    def clean(self) -> None:
        super().clean()
        if self.status == AttendanceStatus.SUBSTITUTE and not self.substitute_for_id:
            raise ValidationError({"substitute_for": _("Say whom the substitute stands in for.")})


class Paragraph(TimeStampedModel):
    """A paragraph of the minutes (§ N), numbered per body and year."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="paragraphs", verbose_name=_("meeting")
    )
    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, related_name="paragraphs", verbose_name=_("body")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("heading"), max_length=300)
    discussion = models.TextField(_("discussion"), blank=True)
    decision_text = models.TextField(_("decision"), blank=True)
    decision_kind = models.CharField(
        _("decision kind"), max_length=30, choices=DecisionKind.choices, blank=True
    )
    confidential = models.BooleanField(
        _("confidential"), default=False, help_text=_("Not shown to adjoined suppliers.")
    )
    concerns_type = models.ForeignKey(
        ContentType,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("concerns (kind)"),
    )
    concerns_id = models.PositiveBigIntegerField(_("concerns (id)"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["body", "year", "number"]
        verbose_name = _("paragraph")
        verbose_name_plural = _("paragraphs")
        constraints = [
            models.UniqueConstraint(
                fields=["body", "year", "number"], name="governance_paragraph_number"
            )
        ]

    def __str__(self) -> str:
        return f"§ {self.number} {self.title}"

    @property
    def audit_organisation(self) -> Any:
        return self.body.organisation

    def get_absolute_url(self) -> str:
        return self.meeting.get_absolute_url() + f"#p{self.pk}"


class MinutesApproval(models.Model):
    """An adjuster's approval (justering) of one version of a meeting's minutes."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="approvals", verbose_name=_("meeting")
    )
    version = models.PositiveIntegerField(_("version"))
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("adjuster"),
    )
    approved_at = models.DateTimeField(_("approved"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "version", "approved_at"]
        verbose_name = _("approval of minutes")
        verbose_name_plural = _("approvals of minutes")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "version", "person"], name="governance_approval_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting} v{self.version}: {self.person}"

    @property
    def audit_organisation(self) -> Any:
        return self.meeting.audit_organisation


class MinutesVersion(models.Model):
    """An earlier approved version of the minutes, kept as it was when a new version
    was opened."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="versions", verbose_name=_("meeting")
    )
    version = models.PositiveIntegerField(_("version"))
    content = models.JSONField(_("content"), default=dict)
    reason = models.TextField(_("reason for a new version"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "version"]
        verbose_name = _("minutes version")
        verbose_name_plural = _("minutes versions")

    def __str__(self) -> str:
        return f"{self.meeting} v{self.version}"

    @property
    def audit_organisation(self) -> Any:
        return self.meeting.audit_organisation


class CirculationStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")
    WITHDRAWN = "withdrawn", _("withdrawn")


class CirculationResult(models.TextChoices):
    ADOPTED = "adopted", _("adopted")
    REJECTED = "rejected", _("rejected")
    NO_QUORUM = "no_quorum", _("not decided: too few votes")
    OBJECTED = "objected", _("not decided: a member objected to the procedure")


class Circulation(TimeStampedModel):
    """A proposal decided by circulation (per capsulam) between meetings."""

    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, related_name="circulations", verbose_name=_("body")
    )
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("decision kind"), max_length=30, choices=DecisionKind.choices)
    proposal = models.TextField(_("proposal"))
    basis = models.TextField(_("basis"), blank=True)
    basis_link = HttpsURLField(_("basis (link)"), blank=True)
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CirculationStatus.choices,
        default=CirculationStatus.OPEN,
    )
    result = models.CharField(
        _("result"), max_length=20, choices=CirculationResult.choices, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("put by"),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    objected_by = models.ForeignKey(
        BodyMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("objected to the procedure"),
    )
    objection_reason = models.TextField(_("reason for the objection"), blank=True)
    paragraph = models.OneToOneField(
        Paragraph,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="circulation",
        verbose_name=_("paragraph in minutes"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-deadline", "-id"]
        verbose_name = _("decision by circulation")
        verbose_name_plural = _("decisions by circulation")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("governance:circulation_detail", args=[self.pk])

    @property
    def audit_organisation(self) -> Any:
        return self.body.organisation

    @property
    def is_open(self) -> bool:
        return self.status == CirculationStatus.OPEN


class VoteChoice(models.TextChoices):
    YES = "yes", _("yes")
    NO = "no", _("no")
    ABSTAIN = "abstain", _("abstain")


class VoterRole(models.TextChoices):
    REPRESENTATIVE = "representative", _("representative")
    SUBSTITUTE = "substitute", _("substitute")


class Vote(TimeStampedModel):
    """A member organisation's vote, cast by its representative or its substitute. Only
    one counts per member: the representative's, or the substitute's when the
    representative has not voted."""

    circulation = models.ForeignKey(
        Circulation, on_delete=models.CASCADE, related_name="votes", verbose_name=_("circulation")
    )
    member = models.ForeignKey(
        BodyMember, on_delete=models.PROTECT, related_name="votes", verbose_name=_("member")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    voter_role = models.CharField(_("cast as"), max_length=20, choices=VoterRole.choices)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cast by"),
    )
    choice = models.CharField(_("vote"), max_length=10, choices=VoteChoice.choices)
    reason = models.TextField(_("reason"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["circulation", "organisation__name", "voter_role"]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(
                fields=["circulation", "member", "voter_role"], name="governance_vote_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.get_choice_display()}"

    @property
    def audit_organisation(self) -> Any:
        return self.circulation.body.organisation

    def get_absolute_url(self) -> str:
        return self.circulation.get_absolute_url()


class DecisionMadeBy(models.TextChoices):
    MEETING = "meeting", _("at a meeting")
    CIRCULATION = "circulation", _("by circulation")
    DELEGATION = "delegation", _("by delegation to the management lead")


class Decision(TimeStampedModel):
    """A decision of a body, numbered per body and year (e.g. 2026:3)."""

    body = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("body")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=30)
    decided_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=30, choices=DecisionKind.choices)
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("decision"))
    basis = models.TextField(_("basis"), blank=True)
    basis_link = HttpsURLField(_("basis (link)"), blank=True)
    made_by = models.CharField(_("how made"), max_length=20, choices=DecisionMadeBy.choices)
    paragraph = models.OneToOneField(
        Paragraph,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decision",
        verbose_name=_("paragraph"),
    )
    circulation = models.OneToOneField(
        Circulation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decision",
        verbose_name=_("circulation"),
    )
    confidential = models.BooleanField(
        _("confidential"), default=False, help_text=_("Not shown to adjoined suppliers.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_on", "-year", "-sequence"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.UniqueConstraint(
                fields=["body", "year", "sequence"], name="governance_decision_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("governance:decision_detail", args=[self.pk])

    @property
    def audit_organisation(self) -> Any:
        return self.body.organisation
