"""Checklist processes: templates of steps with a responsible role, and runs of them on a
management object, service or system (or a service and a joining organisation)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from forvalta.core.models import HttpsURLField, Organisation
from forvalta.core.scoping import ScopedQuerySet
from forvalta.register.models import ONE_TARGET, ManagementObject, RoleType, Service, System

EVIDENCE_EXTENSIONS = ["pdf", "docx", "odt", "doc", "xlsx", "ods", "png", "jpg", "txt"]


class TargetKind(models.TextChoices):
    OBJECT = "object", _("management object")
    SERVICE = "service", _("service")
    SYSTEM = "system", _("system")
    MEMBER = "member", _("service and joining organisation")


class ProcessTemplate(models.Model):
    """A checklist. Without an organisation it is global (seeded, read-only); with one
    it is that organisation's own copy, possibly for one service."""

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=60, blank=True)
    description = models.TextField(_("description"), blank=True)
    origin = models.CharField(_("source"), max_length=200, blank=True)
    target_kind = models.CharField(
        _("runs on"), max_length=20, choices=TargetKind.choices, default=TargetKind.SYSTEM
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="process_templates",
        verbose_name=_("organisation"),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="process_templates",
        verbose_name=_("for service"),
    )
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("copied from"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("process template")
        verbose_name_plural = _("process templates")
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(organisation__isnull=True) & ~Q(code=""),
                name="process_template_global_code",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("processes:processtemplate_detail", args=[self.pk])

    @property
    def is_global(self) -> bool:
        return self.organisation_id is None


class TemplateStep(models.Model):
    template = models.ForeignKey(
        ProcessTemplate, on_delete=models.CASCADE, related_name="steps", verbose_name=_("template")
    )
    order = models.PositiveIntegerField(_("order"), default=1)
    name = models.CharField(_("step"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    role_type = models.ForeignKey(
        RoleType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible role"),
    )
    responsible_label = models.CharField(_("responsible (as written)"), max_length=200, blank=True)
    waits_for_previous = models.BooleanField(
        _("waits for the previous steps"),
        default=True,
        help_text=_("Otherwise the step runs in parallel with the others."),
    )
    due_offset_days = models.PositiveIntegerField(_("due after (days)"), default=14)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["template", "order", "id"]
        verbose_name = _("template step")
        verbose_name_plural = _("template steps")

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    @property
    def audit_organisation(self) -> Any:
        """Filed with the template's organisation (none for a global template)."""
        return self.template.organisation

    def get_absolute_url(self) -> str:
        return self.template.get_absolute_url()


class RunStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")


class ProcessRun(models.Model):
    template = models.ForeignKey(
        ProcessTemplate, on_delete=models.PROTECT, related_name="runs", verbose_name=_("template")
    )
    name = models.CharField(_("name"), max_length=200)
    management_object = models.ForeignKey(
        ManagementObject,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="process_runs",
        verbose_name=_("management object"),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="process_runs",
        verbose_name=_("service"),
    )
    system = models.ForeignKey(
        System,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="process_runs",
        verbose_name=_("system"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="process_runs",
        verbose_name=_("joining organisation"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.PLANNED
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="managed_process_runs",
        verbose_name=_("run manager"),
    )
    start_on = models.DateField(_("start date"))
    started_on = models.DateField(_("started"), null=True, blank=True)
    completed_on = models.DateField(_("completed"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-start_on", "-id"]
        verbose_name = _("process run")
        verbose_name_plural = _("process runs")
        constraints = [
            models.CheckConstraint(
                condition=ONE_TARGET,
                name="process_run_one_target",
                violation_error_message=_(
                    "Choose exactly one management object, service or system."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("processes:processrun_detail", args=[self.pk])

    @property
    def target(self) -> ManagementObject | Service | System | None:
        return self.management_object or self.service or self.system

    @property
    def audit_organisation(self) -> Any:
        """Events about the run are filed under its target's owner (not the joining
        organisation of an onboarding run)."""
        target = self.target
        return target.owner_organisation if target is not None else None

    def clean(self) -> None:
        super().clean()
        if self.organisation_id and not self.service_id:
            raise ValidationError(
                {"organisation": _("A joining organisation goes with a service.")}
            )


class StepStatus(models.TextChoices):
    TODO = "todo", _("to do")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    NOT_APPLICABLE = "not_applicable", _("not applicable")


FINISHED = (StepStatus.DONE, StepStatus.NOT_APPLICABLE)


def evidence_path(instance: ProcessStep, filename: str) -> str:
    return f"processes/{instance.run_id}/{instance.pk}/{filename}"


class ProcessStep(models.Model):
    run = models.ForeignKey(
        ProcessRun, on_delete=models.CASCADE, related_name="steps", verbose_name=_("run")
    )
    order = models.PositiveIntegerField(_("order"))
    name = models.CharField(_("step"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    role_type = models.ForeignKey(
        RoleType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible role"),
    )
    responsible_label = models.CharField(_("responsible (as written)"), max_length=200, blank=True)
    waits_for_previous = models.BooleanField(_("waits for the previous steps"), default=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="process_steps",
        verbose_name=_("assignee"),
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=StepStatus.choices, default=StepStatus.TODO
    )
    comment = models.TextField(_("comment"), blank=True)
    evidence_file = models.FileField(
        _("evidence (file)"),
        upload_to=evidence_path,
        blank=True,
        max_length=300,
        validators=[FileExtensionValidator(EVIDENCE_EXTENSIONS)],
    )
    evidence_link = HttpsURLField(_("evidence (link)"), blank=True)
    completed_on = models.DateField(_("completed"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["run", "order", "id"]
        verbose_name = _("process step")
        verbose_name_plural = _("process steps")

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    @property
    def audit_organisation(self) -> Any:
        return self.run.audit_organisation

    def get_absolute_url(self) -> str:
        return reverse("processes:processstep_detail", args=[self.pk])

    def blocking_steps(self) -> models.QuerySet:
        """Earlier steps not yet finished, when this step waits for them."""
        if not self.waits_for_previous:
            return ProcessStep.objects.none()
        return ProcessStep.objects.filter(run_id=self.run_id, order__lt=self.order).exclude(
            status__in=FINISHED
        )
