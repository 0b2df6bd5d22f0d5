"""The audit trail: an append-only, hash-chained table of events, and what anchors it.

Rows are written only through `forvalta.audit.services.record`, which assigns each
event its chain position (`seq`) and hash under a lock. The database refuses UPDATE
and DELETE of events (triggers, migration 0002); disposal of old periods goes through
one dedicated function (`services.dispose`). Checkpoints (the head of the chain, daily)
and disposals live in their own tables, so cutting the tail off the chain is detected.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from forvalta.audit.fields import CanonicalJSONField

MIN_RETENTION_YEARS = 10


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Audit records are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit records are append-only.")


class AuditEventQuerySet(AppendOnlyQuerySet):
    def visible_to(self, user: Any) -> AuditEventQuerySet:
        """Events the user may read: the organisations they are audit reader of, and the
        platform's own events (no organisation) for a platform auditor
        (forvalta/audit/scoping.py)."""
        from forvalta.core.scoping import scope_queryset

        return scope_queryset(self, user)


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("Audit records are append-only.")


class AuditEvent(AppendOnlyModel):
    # Chain position: 1, 2, 3 … in the order events were appended, without gaps.
    seq = models.BigIntegerField(_("position"), unique=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_name = models.CharField(_("actor"), max_length=300, blank=True)
    organisation_id = models.BigIntegerField(_("organisation id"), null=True, blank=True)
    organisation_name = models.CharField(_("organisation"), max_length=300, blank=True)
    # Text in one spelling (chain.canonical_address), so the hash never depends on how a
    # database prints an address.
    client_address = models.CharField(_("client address"), max_length=45, null=True, blank=True)
    user_agent = models.CharField(_("client"), max_length=500, blank=True)
    api_token_id = models.CharField(_("API token"), max_length=64, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    action = models.CharField(_("activity"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    changes = CanonicalJSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["organisation_id", "occurred_at"], name="audit_org_time_idx"),
            models.Index(fields=["organisation_id", "seq"], name="audit_org_seq_idx"),
            models.Index(fields=["actor_id", "occurred_at"], name="audit_actor_time_idx"),
            models.Index(fields=["client_address", "occurred_at"], name="audit_client_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_repr}"


class AuditCheckpoint(AppendOnlyModel):
    """The head of the chain on a day: kept outside the chain, and exported, so that a
    chain cut short (or rewritten) no longer matches it."""

    day = models.DateField(_("day"), unique=True)
    seq = models.BigIntegerField(_("position"))
    hash = models.CharField(_("hash"), max_length=64)
    count = models.BigIntegerField(_("events in the trail"))
    created_at = models.DateTimeField(_("created"))

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-day"]
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")

    def __str__(self) -> str:
        return f"{self.day}: {self.seq} {self.hash[:12]}"


class AuditDisposal(AppendOnlyModel):
    """A disposal of the oldest whole periods: the chain now starts after `up_to_seq`,
    whose hash (`anchor_hash`) the first remaining event links to."""

    disposed_at = models.DateTimeField(_("disposed"))
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_name = models.CharField(_("actor"), max_length=300, blank=True)
    before = models.DateTimeField(_("events before"))
    from_seq = models.BigIntegerField(_("from position"))
    up_to_seq = models.BigIntegerField(_("up to position"), unique=True)
    anchor_hash = models.CharField(_("hash at the last disposed position"), max_length=64)
    removed = models.BigIntegerField(_("events removed"))
    per_organisation = models.JSONField(_("events removed per organisation"), default=dict)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-up_to_seq"]
        verbose_name = _("audit disposal")
        verbose_name_plural = _("audit disposals")

    def __str__(self) -> str:
        return f"{self.disposed_at:%Y-%m-%d}: 1–{self.up_to_seq}"


class AuditDisposalFlag(models.Model):
    """A control row the disposal function writes inside its transaction; the SQLite
    trigger allows DELETE of events only while it exists. (PostgreSQL uses a
    transaction-local setting instead.)"""

    id = models.SmallIntegerField(primary_key=True, default=1)

    class Meta:
        verbose_name = _("audit disposal flag")

    def __str__(self) -> str:
        return "disposal in progress"


class AuditRetention(models.Model):
    """How long an organisation's events are kept. The law (and seed 000, 4.6.5) says at
    least ten years; without a row an organisation gets ten."""

    organisation = models.OneToOneField(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="audit_retention",
        verbose_name=_("organisation"),
    )
    years = models.PositiveSmallIntegerField(
        _("years kept"),
        default=MIN_RETENTION_YEARS,
        validators=[
            MinValueValidator(
                MIN_RETENTION_YEARS, message=_("The audit trail must be kept at least ten years.")
            ),
            MaxValueValidator(200),
        ],
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("audit retention")
        verbose_name_plural = _("audit retentions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(years__gte=MIN_RETENTION_YEARS),
                name="audit_retention_at_least_ten_years",
                violation_error_message=_("The audit trail must be kept at least ten years."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.years}"
