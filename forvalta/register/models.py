"""The system register: management objects, services, systems and who answers for them."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import BooleanField, Case, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from forvalta.core.models import (
    HttpsURLField,
    Organisation,
    TimeStampedModel,
    ValidityPeriodModel,
    ValidityQuerySet,
)
from forvalta.core.scoping import ScopedQuerySet


class ScopedValidityQuerySet(ValidityQuerySet, ScopedQuerySet):  # type: ignore[misc,override]  # both bases are QuerySets
    """Rows with a validity period, scoped by the model's declaration
    (forvalta/register/scoping.py)."""


class ArchivableModel(models.Model):
    """A register item that is archived rather than deleted: hidden from lists by
    default, kept with its history, and restorable (`register/services.py`)."""

    archived_at = models.DateTimeField(_("archived"), null=True, blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("archived by"),
    )

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class ManagementObject(ArchivableModel, TimeStampedModel):
    """A förvaltningsobjekt: the unit of governance that owns services and systems."""

    owner_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="management_objects",
        verbose_name=_("owner organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    identifier = models.CharField(_("identifier"), max_length=50, blank=True)
    description = models.TextField(_("description"), blank=True)
    business_area = models.CharField(_("business area"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("management object")
        verbose_name_plural = _("management objects")
        constraints = [
            models.UniqueConstraint(
                fields=["owner_organisation", "name"],
                name="object_unique_name_per_owner",
                violation_error_message=_("The organisation already has an object with this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("register:managementobject_detail", args=[self.pk])


class Service(ArchivableModel, TimeStampedModel):
    """A shared service offered to member organisations, which take part through Participation."""

    owner_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="services",
        verbose_name=_("owner organisation"),
    )
    management_object = models.ForeignKey(
        ManagementObject,
        on_delete=models.PROTECT,
        related_name="services",
        verbose_name=_("management object"),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    systems: models.ManyToManyField = models.ManyToManyField(
        "System", blank=True, related_name="services", verbose_name=_("systems")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.UniqueConstraint(
                fields=["owner_organisation", "name"],
                name="service_unique_name_per_owner",
                violation_error_message=_("The organisation already has a service with this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("register:service_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if (
            self.management_object_id
            and self.owner_organisation_id
            and self.management_object.owner_organisation_id != self.owner_organisation_id
        ):
            raise ValidationError(
                {
                    "management_object": _(
                        "The management object must belong to the service's owner organisation."
                    )
                }
            )


class ParticipationStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ACTIVE = "active", _("Connected")
    NOTICE_GIVEN = "notice_given", _("Notice given")
    ENDED = "ended", _("Ended")


class Participation(ValidityPeriodModel, TimeStampedModel):
    """An organisation taking part in a shared service (anslutning), from one date to another."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="participations", verbose_name=_("service")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="participations",
        verbose_name=_("organisation"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ParticipationStatus.choices,
        default=ParticipationStatus.ACTIVE,
    )
    cost_share = models.DecimalField(
        _("cost share (%)"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("The organisation's share of the service's cost, in percent."),
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedValidityQuerySet.as_manager()

    class Meta:
        ordering = ["service__name", "organisation__name"]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "organisation", "valid_from"],
                name="participation_unique_start",
                violation_error_message=_(
                    "The organisation already has a participation in this service from that date."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.service}"

    def get_absolute_url(self) -> str:
        return reverse("register:participation_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.cost_share is not None and not (0 <= self.cost_share <= 100):
            raise ValidationError({"cost_share": _("The cost share must be between 0 and 100.")})
        if self.service_id and self.organisation_id:
            overlapping = Participation.objects.filter(
                service_id=self.service_id, organisation_id=self.organisation_id
            ).exclude(pk=self.pk)
            if self.valid_to:
                overlapping = overlapping.filter(valid_from__lte=self.valid_to)
            overlapping = overlapping.filter(
                Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from)
            )
            if overlapping.exists():
                raise ValidationError(
                    _("The organisation already takes part in this service during that period.")
                )


class Lifecycle(models.TextChoices):
    NEED = "need", _("Need")
    PROCUREMENT = "procurement", _("Procurement")
    INTRODUCTION = "introduction", _("Introduction")
    OPERATION = "operation", _("Operation")
    DECOMMISSIONING = "decommissioning", _("Decommissioning")
    RETIRED = "retired", _("Retired")


class Criticality(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class System(ArchivableModel, TimeStampedModel):
    """A system or IT component, placed in a management object."""

    owner_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="systems",
        verbose_name=_("owner organisation"),
    )
    management_object = models.ForeignKey(
        ManagementObject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="systems",
        verbose_name=_("management object"),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    vendor = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vendor_systems",
        limit_choices_to={"kind": "supplier"},
        verbose_name=_("system vendor"),
    )
    product = models.CharField(_("product and version"), max_length=200, blank=True)
    lifecycle = models.CharField(
        _("lifecycle stage"), max_length=20, choices=Lifecycle.choices, default=Lifecycle.NEED
    )
    criticality = models.CharField(
        _("criticality"), max_length=20, choices=Criticality.choices, default=Criticality.MEDIUM
    )
    processes_personal_data = models.BooleanField(_("processes personal data"), default=False)
    holds_protected_identities = models.BooleanField(
        _("holds protected identities"),
        default=False,
        help_text=_("Holds persons with protected personal data (skyddade personuppgifter)."),
    )
    is_public = models.BooleanField(
        _("public in open data"),
        default=False,
        help_text=_("Published in the organisation's open register."),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("system")
        verbose_name_plural = _("systems")
        constraints = [
            models.UniqueConstraint(
                fields=["owner_organisation", "name"],
                name="system_unique_name_per_owner",
                violation_error_message=_("The organisation already has a system with this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("register:system_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if (
            self.management_object is not None
            and self.owner_organisation_id
            and self.management_object.owner_organisation_id != self.owner_organisation_id
        ):
            errors["management_object"] = _(
                "The management object must belong to the system's owner organisation."
            )
        if self.vendor is not None and self.vendor.kind != "supplier":
            errors["vendor"] = _("The system vendor must be an organisation of the kind supplier.")
        if self.holds_protected_identities and not self.processes_personal_data:
            errors["processes_personal_data"] = _(
                "A system that holds protected identities processes personal data."
            )
        if errors:
            raise ValidationError(errors)


class EnvironmentKind(models.TextChoices):
    PRODUCTION = "production", _("Production")
    TEST = "test", _("Test")
    TRAINING = "training", _("Training")
    DEVELOPMENT = "development", _("Development")
    OTHER = "other", _("Other")


class Environment(TimeStampedModel):
    """One installation of a system: production, test, training …"""

    system = models.ForeignKey(
        System, on_delete=models.CASCADE, related_name="environments", verbose_name=_("system")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EnvironmentKind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    url = HttpsURLField(_("address"), blank=True)
    operated_by = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="operated_environments",
        verbose_name=_("operated by"),
    )
    service_hours = models.CharField(_("service hours"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["system__name", "kind", "name"]
        verbose_name = _("environment")
        verbose_name_plural = _("environments")
        constraints = [
            models.UniqueConstraint(
                fields=["system", "kind", "name"],
                name="environment_unique_per_system",
                violation_error_message=_("The system already has this environment."),
            )
        ]

    def __str__(self) -> str:
        label = self.get_kind_display()
        return f"{self.system} – {self.name or label}"

    def get_absolute_url(self) -> str:
        return reverse("register:environment_detail", args=[self.pk])


def system_of(organisation: Any) -> str:
    """A system named no further than its owner (organisation names are public)."""
    return _("system at %(organisation)s") % {"organisation": organisation}


def _seen(condition: Q) -> Case:
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


class IntegrationQuerySet(ScopedQuerySet):
    """Integrations are seen with their source system; the counterpart and the
    responsible person are named only to those who see them (`target_visible`,
    `responsible_person_visible`, computed in the same query)."""

    def visible_to(self, user: Any) -> Any:
        from forvalta.core.models import User
        from forvalta.core.scoping import visible_ids

        return (
            super()
            .visible_to(user)
            .annotate(
                target_visible=_seen(Q(target_id__in=visible_ids(System, user))),
                responsible_person_visible=_seen(
                    Q(responsible_person_id__in=visible_ids(User, user))
                ),
            )
        )


class IntegrationMethod(models.TextChoices):
    API = "api", _("API / web service")
    FILE = "file", _("File transfer")
    DATABASE = "database", _("Database")
    MESSAGE = "message", _("Message queue")
    SSO = "sso", _("Login / identity")
    OTHER = "other", _("Other")


class Integration(TimeStampedModel):
    """A flow between a system and another system or an external related system."""

    source = models.ForeignKey(
        System, on_delete=models.CASCADE, related_name="integrations_out", verbose_name=_("system")
    )
    target = models.ForeignKey(
        System,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="integrations_in",
        verbose_name=_("target system"),
    )
    external_system = models.CharField(
        _("external related system"),
        max_length=200,
        blank=True,
        help_text=_("A related system outside the register, when there is no target system."),
    )
    method = models.CharField(
        _("method"), max_length=20, choices=IntegrationMethod.choices, default=IntegrationMethod.API
    )
    description = models.TextField(_("description"), blank=True)
    responsible_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="responsible_integrations",
        verbose_name=_("responsible party"),
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsible_integrations",
        verbose_name=_("responsible person"),
    )

    objects = IntegrationQuerySet.as_manager()

    class Meta:
        ordering = ["source__name", "target__name", "external_system"]
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")
        constraints = [
            models.CheckConstraint(
                condition=(Q(target__isnull=False) & Q(external_system=""))
                | (Q(target__isnull=True) & ~Q(external_system="")),
                name="integration_has_one_counterpart",
                violation_error_message=_(
                    "Give either a target system or an external related system, not both."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.counterpart_name}"

    @property
    def shows_target(self) -> bool:
        """Whether the target system may be named here.

        Read through `visible_to(user)`, the row knows whether the user sees the target.
        Elsewhere (the audit trail, filed under the source's owner) the target is named
        only when the source's owner owns it too.
        """
        if self.target_id is None:
            return False
        visible = getattr(self, "target_visible", None)
        if visible is None:
            return bool(
                self.target is not None
                and self.target.owner_organisation_id == self.source.owner_organisation_id
            )
        return bool(visible)

    @property
    def counterpart_name(self) -> str:
        if self.target_id is None or self.target is None:
            return self.external_system
        if self.shows_target:
            return self.target.name
        return system_of(self.target.owner_organisation)

    @property
    def shows_responsible_person(self) -> bool:
        visible = getattr(self, "responsible_person_visible", None)
        return self.responsible_person_id is not None and visible is not False

    @property
    def responsible_person_name(self) -> str:
        if self.responsible_person_id is None:
            return ""
        if self.shows_responsible_person:
            return str(self.responsible_person)
        return str(_("(not visible to you)"))

    def get_absolute_url(self) -> str:
        return reverse("register:integration_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.target_id and self.source_id and self.target_id == self.source_id:
            raise ValidationError({"target": _("A system cannot integrate with itself.")})
        # "Target or external system" is the integration_has_one_counterpart constraint,
        # checked by full_clean() only when neither field already has an error.


class RoleLevel(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    TACTICAL = "tactical", _("Tactical")
    OPERATIVE = "operative", _("Operative")


class RoleType(models.Model):
    """A role from the governance model (objektägare, systemförvaltare …) and its duties."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_sv = models.CharField(_("name (Swedish)"), max_length=100, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    level = models.CharField(_("level"), max_length=20, choices=RoleLevel.choices)
    applies_to_object = models.BooleanField(_("for management objects"), default=True)
    applies_to_service = models.BooleanField(_("for services"), default=True)
    applies_to_system = models.BooleanField(_("for systems"), default=True)
    is_supplier_role = models.BooleanField(_("supplier role"), default=False)
    manages = models.BooleanField(
        _("manages the register"),
        default=False,
        help_text=_("Holders may edit the register data of what the role is assigned to."),
    )
    mandatory_for_system_in_operation = models.BooleanField(
        _("mandatory for a system in operation"), default=False
    )
    duties_sv = models.TextField(_("duties (Swedish)"), blank=True)
    duties_en = models.TextField(_("duties (English)"), blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "name_sv"]
        verbose_name = _("role type")
        verbose_name_plural = _("role types")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "sv").startswith("en") else self.name_sv

    @property
    def duties(self) -> str:
        from django.utils.translation import get_language

        return self.duties_en if (get_language() or "sv").startswith("en") else self.duties_sv

    def get_absolute_url(self) -> str:
        return reverse("register:roletype_detail", args=[self.pk])


# Exactly one of management_object, service and system is set (role assignments, process
# runs: anything that is about one item of the register).
ONE_TARGET = (
    Q(management_object__isnull=False, service__isnull=True, system__isnull=True)
    | Q(management_object__isnull=True, service__isnull=False, system__isnull=True)
    | Q(management_object__isnull=True, service__isnull=True, system__isnull=False)
)


class RoleAssignment(ValidityPeriodModel, TimeStampedModel):
    """A person holding a role for one object, service or system, acting for an organisation."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="role_assignments",
        verbose_name=_("person"),
    )
    role_type = models.ForeignKey(
        RoleType, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("role")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="role_assignments",
        verbose_name=_("acting for"),
    )
    management_object = models.ForeignKey(
        ManagementObject,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("management object"),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("service"),
    )
    system = models.ForeignKey(
        System,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("system"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedValidityQuerySet.as_manager()

    class Meta:
        ordering = ["role_type__sort_order", "person__last_name"]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                condition=ONE_TARGET,
                name="role_assignment_one_target",
                violation_error_message=_(
                    "Choose exactly one management object, service or system."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.role_type} – {self.target}"

    def get_absolute_url(self) -> str:
        return reverse("register:roleassignment_detail", args=[self.pk])

    @property
    def target(self) -> ManagementObject | Service | System | None:
        return self.management_object or self.service or self.system

    def clean(self) -> None:
        super().clean()
        # "Exactly one target" is the role_assignment_one_target constraint, which
        # full_clean() checks only when no target field already has an error; the
        # role's kind of target is judged only once there is exactly one.
        one_target = (
            sum(bool(t) for t in (self.management_object_id, self.service_id, self.system_id)) == 1
        )
        if self.role_type_id:
            rt = self.role_type
            if one_target and (
                (self.management_object_id and not rt.applies_to_object)
                or (self.service_id and not rt.applies_to_service)
                or (self.system_id and not rt.applies_to_system)
            ):
                raise ValidationError(
                    {"role_type": _("This role cannot be assigned to that kind of target.")}
                )
            if self.organisation_id and rt.is_supplier_role != (
                self.organisation.kind == "supplier"
            ):
                raise ValidationError(
                    {
                        "organisation": _(
                            "Supplier roles are held for a supplier, and other roles for a "
                            "non-supplier organisation."
                        )
                    }
                )
        if self.person_id and self.organisation_id:
            from forvalta.core.models import Membership

            if not Membership.objects.filter(
                user_id=self.person_id, organisation_id=self.organisation_id
            ).exists():
                raise ValidationError(
                    {"person": _("The person must be a member of the organisation they act for.")}
                )


class AgreementKind(models.TextChoices):
    FRAMEWORK = "framework", _("Framework / management agreement")
    DPA = "dpa", _("Data processing agreement (PUB)")
    SLA = "sla", _("Service level agreement (SLA)")
    LICENCE = "licence", _("Licence")
    SUPPORT = "support", _("Support agreement")


def agreement_document_path(instance: Agreement, filename: str) -> str:
    return f"agreements/{instance.owner_organisation_id}/{filename}"


class Agreement(ValidityPeriodModel, TimeStampedModel):
    """An agreement with a supplier, covering objects, services and systems."""

    kind = models.CharField(_("kind"), max_length=20, choices=AgreementKind.choices)
    title = models.CharField(_("title"), max_length=200)
    reference = models.CharField(_("reference number"), max_length=100, blank=True)
    owner_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="agreements",
        verbose_name=_("customer"),
    )
    supplier = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="supplier_agreements",
        limit_choices_to={"kind": "supplier"},
        verbose_name=_("supplier"),
    )
    management_objects = models.ManyToManyField(
        ManagementObject,
        blank=True,
        related_name="agreements",
        verbose_name=_("management objects"),
    )
    services = models.ManyToManyField(
        Service, blank=True, related_name="agreements", verbose_name=_("services")
    )
    systems = models.ManyToManyField(
        System, blank=True, related_name="agreements", verbose_name=_("systems")
    )
    notice_period_months = models.PositiveSmallIntegerField(
        _("notice period (months)"), null=True, blank=True
    )
    renewal_decision_by = models.DateField(
        _("renewal to be decided by"),
        null=True,
        blank=True,
        help_text=_("The date by which extension or new procurement must be decided."),
    )
    document = models.FileField(
        _("signed document"),
        upload_to=agreement_document_path,
        blank=True,
        validators=[FileExtensionValidator(["pdf", "docx", "odt", "doc"])],
    )
    description = models.TextField(_("scope"), blank=True)

    objects = ScopedValidityQuerySet.as_manager()

    class Meta:
        ordering = ["renewal_decision_by", "title"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("register:agreement_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.supplier_id and self.supplier.kind != "supplier":
            raise ValidationError(
                {"supplier": _("The supplier must be an organisation of the kind supplier.")}
            )
        if self.renewal_decision_by and self.valid_to and self.renewal_decision_by > self.valid_to:
            raise ValidationError(
                {"renewal_decision_by": _("Renewal must be decided before the agreement ends.")}
            )


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    PREVIEWING = "previewing", _("Checking the rows")
    READY = "ready", _("Ready for confirmation")
    APPLYING = "applying", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class ImportJob(TimeStampedModel):
    """One run of a large import (`register/imports/jobs.py`): its file is checked by one
    background task and, once its uploader confirms the preview, imported by another.

    Private to the uploader (the preview and its errors name what the uploader sees). The
    parsed rows and the preview's report stay in the upload's storage (`upload_token`);
    the row holds the state, the progress and the outcome.
    """

    RUNNING = (ImportJobStatus.QUEUED, ImportJobStatus.PREVIEWING, ImportJobStatus.APPLYING)

    key = models.UUIDField(_("key"), default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="import_jobs",
        verbose_name=_("uploaded by"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(_("what the file holds"), max_length=40)
    filename = models.CharField(_("file"), max_length=200)
    upload_token = models.CharField(max_length=64, editable=False)
    language = models.CharField(max_length=10, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    # Progress of the running step: "checking" (validating rows) or "writing".
    phase = models.CharField(max_length=20, blank=True, editable=False)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("reason"), blank=True)
    error_rows = models.JSONField(default=list, blank=True, editable=False)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.kind}: {self.filename}"

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    def get_absolute_url(self) -> str:
        return reverse("register:import_job", args=[self.key])


class Requirement(models.TextChoices):
    """What a system may be required to have in a lifecycle phase (documentation gaps)."""

    SYSTEM_OWNER = "system_owner", _("System owner")
    SYSTEM_MANAGER = "system_manager", _("System manager")
    SUPPLIER_AGREEMENT = "supplier_agreement", _("Agreement with the supplier")
    DPA = "dpa", _("Data processing agreement (PUB), where personal data is processed")
    SLA = "sla", _("SLA")


# Seed 001 and seed 000 4.1.2: an owner and a manager from introduction on; agreements,
# a PUB where personal data is processed, and an SLA in operation. An organisation that
# has not said otherwise (no LifecycleRequirement row for the phase and requirement)
# requires these.
DEFAULT_REQUIREMENTS: dict[str, tuple[str, ...]] = {
    Requirement.SYSTEM_OWNER: (Lifecycle.INTRODUCTION, Lifecycle.OPERATION),
    Requirement.SYSTEM_MANAGER: (Lifecycle.INTRODUCTION, Lifecycle.OPERATION),
    Requirement.SUPPLIER_AGREEMENT: (Lifecycle.OPERATION,),
    Requirement.DPA: (Lifecycle.OPERATION,),
    Requirement.SLA: (Lifecycle.OPERATION,),
}


class LifecycleRequirement(TimeStampedModel):
    """An organisation's choice whether its systems in a lifecycle phase must have
    something (a role or an agreement); without a row the default applies."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="lifecycle_requirements",
        verbose_name=_("organisation"),
    )
    lifecycle = models.CharField(_("lifecycle stage"), max_length=20, choices=Lifecycle.choices)
    requirement = models.CharField(_("requirement"), max_length=30, choices=Requirement.choices)
    required = models.BooleanField(_("required"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "lifecycle", "requirement"]
        verbose_name = _("documentation requirement")
        verbose_name_plural = _("documentation requirements")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "lifecycle", "requirement"],
                name="lifecycle_requirement_unique",
            )
        ]

    def __str__(self) -> str:
        phase, requirement = self.get_lifecycle_display(), self.get_requirement_display()
        return f"{self.organisation} – {phase} – {requirement}"
