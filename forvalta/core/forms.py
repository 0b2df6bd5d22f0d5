"""Form bases: every choice list comes from the user's scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from forvalta.core.models import Membership, Organisation, OrganisationKind, Unit, User
from forvalta.core.tenancy import scope_for


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


class ScopedModelForm(forms.ModelForm):
    """A ModelForm whose foreign-key and many-to-many choices are limited to what the user sees.

    Subclasses narrow further in `limit_choices()`; a posted id outside the list is
    refused by the field itself ("Select a valid choice"), so a hostile id never
    reaches a service.
    """

    # Choice fields are re-pointed at scoped querysets; typed loosely for that reason.
    fields: dict[str, Any]  # type: ignore[assignment]  # narrowed per form at run time

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            qs = getattr(field, "queryset", None)
            if qs is not None and hasattr(qs, "visible_to"):
                field.queryset = qs.visible_to(user)
            if isinstance(field.widget, forms.DateInput):
                field.widget = DateInput()
        self.limit_choices()
        for name, field in self.fields.items():
            if field.help_text:
                # The hint paragraph in core/partials/form_fields.html has this id.
                field.widget.attrs.setdefault("aria-describedby", f"id_{name}_hint")
        self._hidden_current: dict[str, list[Any]] = {}
        if self.instance.pk:
            self._keep_current_choices()

    def _keep_current_choices(self) -> None:
        """On edit, the current value stays choosable if the user can see it.

        Narrowed lists (e.g. "objects you manage") must not make an unchanged form
        invalid; current related rows the user cannot see are kept as they are,
        without being shown.
        """
        for name, field in self.fields.items():
            qs = getattr(field, "queryset", None)
            if qs is None or name not in self.initial:
                continue
            current = self.initial[name]
            values = current if isinstance(current, list | tuple) else [current]
            ids = [getattr(v, "pk", v) for v in values if v not in (None, "")]
            if not ids:
                continue
            model = qs.model
            # scoping: allowed current values the user cannot see are kept, never shown
            manager = model._default_manager
            seen = (
                manager.visible_to(self.user) if hasattr(manager, "visible_to") else manager.all()
            )
            visible = set(seen.filter(pk__in=ids).values_list("pk", flat=True))
            field.queryset = manager.filter(Q(pk__in=qs.values("pk")) | Q(pk__in=visible))
            hidden = [i for i in ids if i not in visible]
            if hidden and isinstance(field, forms.ModelMultipleChoiceField):
                self._hidden_current[name] = list(manager.filter(pk__in=hidden))

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, hidden in self._hidden_current.items():
            if name in cleaned and cleaned[name] is not None:
                cleaned[name] = list(cleaned[name]) + hidden
        return cleaned

    @property
    def scope(self) -> Any:
        return scope_for(self.user)

    def limit_choices(self) -> None:
        """Narrow choice lists further (e.g. to organisations the user administers)."""


def administered_organisations(user: Any) -> Any:
    return Organisation.objects.visible_to(user).filter(id__in=scope_for(user).admin_org_ids)


class OrganisationForm(ScopedModelForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "short_name",
            "kind",
            "org_number",
            "description",
            "email",
            "website",
            "is_active",
        ]

    def limit_choices(self) -> None:
        if not self.scope.is_platform_admin:
            # Organisation administrators may register suppliers, nothing else.
            if self.instance.pk is None:
                self.fields["kind"].choices = [
                    (OrganisationKind.SUPPLIER.value, OrganisationKind.SUPPLIER.label)
                ]
            else:
                self.fields["kind"].disabled = True
                self.fields["is_active"].disabled = True

    def clean_org_number(self) -> str:
        from forvalta.core.validators import normalise_org_number

        return normalise_org_number(self.cleaned_data["org_number"])


class UnitForm(ScopedModelForm):
    class Meta:
        model = Unit
        fields = ["organisation", "parent", "name", "code", "is_active"]

    def limit_choices(self) -> None:
        self.fields["organisation"].queryset = administered_organisations(self.user)
        self.fields["parent"].queryset = (
            Unit.objects.visible_to(self.user)
            .filter(organisation_id__in=self.scope.admin_org_ids)
            .select_related("organisation")
        )
        if self.instance.pk:
            self.fields["organisation"].disabled = True


class MembershipForm(ScopedModelForm):
    class Meta:
        model = Membership
        fields = [
            "user",
            "organisation",
            "unit",
            "manager",
            "title",
            "is_org_admin",
            "valid_from",
            "valid_to",
        ]

    def limit_choices(self) -> None:
        scope = self.scope
        if scope.is_platform_admin and not scope.admin_org_ids:
            # The platform administrator appoints organisation administrators and sees no
            # other staff: people with no organisation yet, or already administrators.
            self.fields["organisation"].queryset = Organisation.objects.visible_to(self.user)
            # scoping: allowed the platform administrator appoints among people with no organisation
            self.fields["user"].queryset = User.objects.filter(
                Q(memberships__isnull=True) | Q(memberships__is_org_admin=True)
            ).distinct()
            self.fields["is_org_admin"].initial = True
            self.fields["is_org_admin"].disabled = True
        else:
            self.fields["organisation"].queryset = administered_organisations(self.user)
            # An administrator places people they already see (new people are created
            # on the "new person" page together with their first membership).
            self.fields["user"].queryset = User.objects.visible_to(self.user)
        admin_orgs = scope.admin_org_ids
        self.fields["unit"].queryset = Unit.objects.visible_to(self.user).filter(
            organisation_id__in=admin_orgs
        )
        self.fields["manager"].queryset = (
            User.objects.visible_to(self.user)
            .filter(memberships__organisation_id__in=admin_orgs)
            .distinct()
        )
        if self.instance.pk:
            self.fields["user"].disabled = True
            self.fields["organisation"].disabled = True


class UserForm(ScopedModelForm):
    """A person, created by an organisation administrator together with a first membership."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("organisation")
    )
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("unit"), required=False)
    password = forms.CharField(
        label=_("initial password"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("Leave empty to let the person set a password through “forgot password”."),
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "phone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("organisation", "unit", "password"):
                del self.fields[name]
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        self.fields["email"].required = True

    def limit_choices(self) -> None:
        if "organisation" in self.fields:
            self.fields["organisation"].queryset = (
                Organisation.objects.visible_to(self.user)
                if self.scope.is_platform_admin
                else administered_organisations(self.user)
            )
            self.fields["unit"].queryset = Unit.objects.visible_to(self.user).filter(
                organisation_id__in=self.scope.admin_org_ids
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        unit, org = cleaned.get("unit"), cleaned.get("organisation")
        if unit is not None and org is not None and unit.organisation_id != org.pk:
            self.add_error("unit", _("The unit must belong to the chosen organisation."))
        password = cleaned.get("password")
        if password:
            from django.contrib.auth.password_validation import validate_password

            try:
                validate_password(password)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return cleaned

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        # scoping: allowed uniqueness across the platform, answered yes or no
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another person already has this e-mail address."))
        return email
