"""Organisations, units, users and memberships: the tenancy model."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forvalta.core.scoping import ScopedQuerySet
from forvalta.core.validators import normalise_org_number, validate_org_number


class HttpsURLField(models.URLField):
    """A URL field whose form assumes https:// when the scheme is left out."""

    def formfield(self, **kwargs: Any) -> Any:
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)


def today() -> dt.date:
    """Today's date in Europe/Stockholm."""
    return timezone.localdate()


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class ValidityQuerySet(models.QuerySet):
    def active(self, on: dt.date | None = None) -> ValidityQuerySet:
        """Rows whose validity period covers the given day (default: today)."""
        day = on or today()
        return self.filter(Q(valid_from__lte=day) | Q(valid_from__isnull=True)).filter(
            Q(valid_to__gte=day) | Q(valid_to__isnull=True)
        )


class ValidityPeriodModel(models.Model):
    """A row that holds from one date to another (both inclusive; no end = until further notice)."""

    valid_from = models.DateField(_("valid from"), default=today)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError(
                {"valid_to": _("The end date cannot be earlier than the start date.")}
            )

    def is_active(self, on: dt.date | None = None) -> bool:
        day = on or today()
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or self.valid_to >= day
        )


class OrganisationKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipality")
    REGION = "region", _("Region")
    ASSOCIATION = "association", _("Association")
    SUPPLIER = "supplier", _("Supplier")
    OTHER = "other", _("Other")


class OrganisationQuerySet(ScopedQuerySet):
    def suppliers(self) -> OrganisationQuerySet:
        return self.filter(kind=OrganisationKind.SUPPLIER)


class Organisation(TimeStampedModel):
    """A tenant: a municipality, region, association, supplier or other body."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    org_number = models.CharField(
        _("organisation number"),
        max_length=11,
        unique=True,
        validators=[validate_org_number],
        help_text=_("Swedish organisation number, NNNNNN-NNNN."),
    )
    description = models.TextField(_("description"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = HttpsURLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    require_mfa = models.BooleanField(
        _("require two-factor login"),
        default=False,
        help_text=_(
            "Members who log in with a password must also use a second factor "
            "(an authenticator app or a security key)."
        ),
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.org_number:
            try:
                self.org_number = normalise_org_number(self.org_number)
            except ValidationError as exc:
                raise ValidationError({"org_number": exc.messages}) from exc

    def get_absolute_url(self) -> str:
        return reverse("core:organisation_detail", args=[self.pk])

    @property
    def is_supplier(self) -> bool:
        return self.kind == OrganisationKind.SUPPLIER


class UnitQuerySet(ScopedQuerySet):
    pass


class Unit(TimeStampedModel):
    """A förvaltning, avdelning or enhet inside one organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="units", verbose_name=_("organisation")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "parent", "name"],
                name="unit_unique_name_per_parent",
                violation_error_message=_("A unit with this name already exists here."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:unit_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.parent_id is None:
            return
        parent = self.parent
        if (
            self.organisation_id
            and parent is not None
            and parent.organisation_id != self.organisation_id
        ):
            raise ValidationError(
                {"parent": _("The parent unit must belong to the same organisation.")}
            )
        node: Unit | None = self.parent
        seen: set[int] = set()
        while node is not None:
            if self.pk and node.pk == self.pk:
                raise ValidationError({"parent": _("A unit cannot be placed under itself.")})
            if node.pk in seen:
                break
            seen.add(node.pk)
            node = node.parent

    @property
    def path(self) -> str:
        names: list[str] = []
        node: Unit | None = self
        while node is not None and len(names) < 20:
            names.append(node.name)
            node = node.parent
        return " / ".join(reversed(names))


class UserQuerySet(ScopedQuerySet):
    pass


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]  # dynamic base
    use_in_migrations = True


class User(AbstractUser):
    """A person. Rights come from memberships and role assignments, not from flags.

    The one flag is `is_platform_admin`: the person who installs and configures
    Forvalta, creates organisations and their first administrators, and sees no
    tenant data by default.
    """

    is_platform_admin = models.BooleanField(
        _("platform administrator"),
        default=False,
        help_text=_("Creates organisations and their administrators; sees no tenant data."),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # Sessions that logged in before this moment end at their next request: an
    # administrator's "end sessions" (forvalta.accounts.middleware).
    sessions_valid_after = models.DateTimeField(
        _("sessions valid after"), null=True, blank=True, editable=False
    )

    objects = UserManager()  # type: ignore[misc]  # django-stubs types this as a ClassVar

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_absolute_url(self) -> str:
        return reverse("core:user_detail", args=[self.pk])


class MembershipQuerySet(ValidityQuerySet, ScopedQuerySet):  # type: ignore[misc,override]  # both bases are QuerySets
    pass


class Membership(ValidityPeriodModel, TimeStampedModel):
    """A person working in (or for) an organisation, placed in a unit, with a manager."""

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("person")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("unit"),
    )
    manager = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_memberships",
        verbose_name=_("manager"),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    is_org_admin = models.BooleanField(
        _("organisation administrator"),
        default=False,
        help_text=_("Manages the organisation's units, people and register."),
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "user__last_name", "user__first_name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="membership_unique_user_organisation",
                violation_error_message=_("This person is already a member of the organisation."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation}"

    def get_absolute_url(self) -> str:
        return reverse("core:membership_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if (
            self.unit is not None
            and self.organisation_id
            and self.unit.organisation_id != self.organisation_id
        ):
            raise ValidationError({"unit": _("The unit must belong to the same organisation.")})
        if self.manager_id and self.user_id and self.manager_id == self.user_id:
            raise ValidationError({"manager": _("A person cannot be their own manager.")})
        if (
            self.manager_id
            and self.organisation_id
            and not Membership.objects.filter(
                user_id=self.manager_id, organisation_id=self.organisation_id
            ).exists()
        ):
            raise ValidationError(
                {"manager": _("The manager must be a member of the same organisation.")}
            )


class ApiTokenQuerySet(models.QuerySet):
    def usable(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A personal API token. Only a hash of the secret is stored; the token is shown once.

    The token acts as its user, under the same rules as the web interface; each use is
    attributable in the audit trail through the token's id.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("person")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is used for."))
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )


class ListPreference(models.Model):
    """The columns a person chose for one list (``list_key``: "register.system")."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="list_preferences", verbose_name=_("person")
    )
    list_key = models.CharField(_("list"), max_length=100)
    columns = models.JSONField(_("columns"), default=list)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("list preference")
        verbose_name_plural = _("list preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "list_key"], name="list_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.list_key}"


class SavedFilter(models.Model):
    """A person's named filter of one list: the list's query string, kept as it was."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="saved_filters", verbose_name=_("person")
    )
    list_key = models.CharField(_("list"), max_length=100)
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filter"), max_length=2000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "list_key", "name"],
                name="saved_filter_unique_name",
                violation_error_message=_("You already have a saved filter with this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name


INVITATION_DAYS = 30  # how long an invitation stays open


def invitation_expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=INVITATION_DAYS)


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class MembershipInvitationQuerySet(ScopedQuerySet):
    """Seen by the inviting organisation's administrators, the person invited, and the
    administrators of the person's current organisations, who answer for them
    (`invitation_condition` in core/tenancy.py)."""

    def open(self) -> MembershipInvitationQuerySet:
        """Pending and not yet expired."""
        return self.filter(status=InvitationStatus.PENDING, expires_at__gt=timezone.now())


class MembershipInvitation(models.Model):
    """An organisation's invitation to a person who already belongs to another organisation.

    An administrator manages the memberships of their own organisation; a person who
    belongs to another organisation joins only with consent: they, or an administrator
    of one of their current organisations, accept (which creates the membership) or
    decline. The inviting organisation's administrators may withdraw it while it is open.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="membership_invitations",
        verbose_name=_("organisation"),
    )
    person = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="membership_invitations",
        verbose_name=_("person"),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    is_org_admin = models.BooleanField(_("organisation administrator"), default=False)
    invited_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), default=invitation_expiry)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=InvitationStatus.choices,
        default=InvitationStatus.PENDING,
    )
    answered_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    objects = MembershipInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("membership invitation")
        verbose_name_plural = _("membership invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "person"],
                condition=Q(status="pending"),
                name="membership_invitation_one_pending",
                violation_error_message=_("This person already has an open invitation here."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.organisation}"

    def get_absolute_url(self) -> str:
        return reverse("core:invitation_list")

    @property
    def is_open(self) -> bool:
        return self.status == InvitationStatus.PENDING and self.expires_at > timezone.now()

    def clean(self) -> None:
        super().clean()
        if (
            self.unit is not None
            and self.organisation_id
            and self.unit.organisation_id != self.organisation_id
        ):
            raise ValidationError({"unit": _("The unit must belong to the same organisation.")})
