"""The history of every workflow transition, for any model (a generic relation)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from forvalta.core.scoping import ScopedQuerySet


def transition_attachment_path(instance: TransitionRecord, filename: str) -> str:
    return f"workflow/{instance.content_type_id}/{instance.object_id}/{filename}"


class TransitionRecord(models.Model):
    """One transition taken: who, when, from which state to which, and why."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField(db_index=True)
    target = GenericForeignKey("content_type", "object_id")
    transition = models.CharField(_("transition"), max_length=60)
    from_state = models.CharField(_("from"), max_length=40)
    to_state = models.CharField(_("to"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)
    decision_reference = models.CharField(_("decision reference"), max_length=200, blank=True)
    attachment = models.FileField(
        _("attachment"), upload_to=transition_attachment_path, blank=True, max_length=300
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"
