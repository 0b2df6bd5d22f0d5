from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from forvalta.core.scoping import ScopedQuerySet


class FeedTokenQuerySet(ScopedQuerySet):
    def usable(self) -> FeedTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class FeedToken(models.Model):
    """A person's secret calendar feed address. Only a hash of the secret is stored;
    the address is shown once. A person has at most one usable token."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="feed_tokens",
        verbose_name=_("person"),
    )
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = FeedTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("calendar feed address")
        verbose_name_plural = _("calendar feed addresses")

    def __str__(self) -> str:
        return f"{self.prefix}…"


class FeedItemState(models.Model):
    """The last published content of a feed entry and its SEQUENCE: the counter goes up
    by one each time the entry's content (fingerprint) changes, never on a re-fetch."""

    uid = models.CharField(max_length=255, unique=True)
    fingerprint = models.CharField(max_length=64)
    sequence = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.uid} #{self.sequence}"
