"""Form bases: every choice list comes from the user's scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Q, UniqueConstraint
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from forvalta.core.models import Membership, Organisation, OrganisationKind, Unit, User
from forvalta.core.tenancy import scope_for
from forvalta.core.validators import (
    validate_no_control_characters,
    validate_no_control_characters_multiline,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


def refuse_control_characters(field: forms.Field) -> None:
    """Give a text field the control-character validator (tab and line breaks only in
    multi-line fields); passwords are left alone."""
    if not isinstance(field, forms.CharField) or isinstance(field.widget, forms.PasswordInput):
        return
    multiline = isinstance(field.widget, forms.Textarea)
    validator = (
        validate_no_control_characters_multiline if multiline else validate_no_control_characters
    )
    if validator not in field.validators:
        field.validators = [*field.validators, validator]


def _in_sentence(label: Any) -> str:
    """A field's label inside a sentence: "Ägarorganisation" -> "ägarorganisation"
    (an abbreviation such as "URL" is left as it is)."""
    text = str(label or "")
    if len(text) > 1 and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def clear_messages(field: forms.Field) -> None:
    """Give a field messages that name it and say what to do, instead of Django's
    generic ones ("This field is required.", "Select a valid choice ...")."""
    name = {"field": _in_sentence(field.label)}
    messages: dict[str, str] = {}
    if isinstance(field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
        messages["required"] = gettext("Choose at least one: %(field)s.") % name
        chosen = gettext(
            "Something chosen under %(field)s cannot be used here. Choose from the list."
        )
        messages["invalid_choice"] = chosen % name
        messages["invalid_pk_value"] = chosen % name
        messages["invalid_list"] = chosen % name
    elif getattr(field, "is_lookup", False):  # forvalta.core.filters.LookupField
        messages["required"] = gettext("Choose %(field)s.") % name
        messages["invalid_choice"] = (
            gettext(
                "What you chose for %(field)s cannot be used here. Search by name and choose "
                "among the suggestions."
            )
            % name
        )
    elif isinstance(field, forms.ModelChoiceField | forms.ChoiceField):
        messages["required"] = gettext("Choose %(field)s.") % name
        messages["invalid_choice"] = (
            gettext("The chosen %(field)s cannot be used here. Choose one from the list.") % name
        )
    elif isinstance(field, forms.DateField):
        messages["required"] = gettext("Enter %(field)s.") % name
        messages["invalid"] = gettext("Enter %(field)s as a date, for example 2027-01-16.") % name
    elif isinstance(field, forms.DateTimeField):
        messages["required"] = gettext("Enter %(field)s.") % name
        messages["invalid"] = (
            gettext("Enter %(field)s as a date and time, for example 2027-01-16 14:30.") % name
        )
    elif isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        messages["required"] = gettext("Enter %(field)s.") % name
        messages["invalid"] = gettext("Enter %(field)s as a number.") % name
    elif isinstance(field, forms.URLField):
        messages["required"] = gettext("Enter %(field)s.") % name
        messages["invalid"] = (
            gettext("Enter %(field)s as a web address, for example https://example.se.") % name
        )
    elif isinstance(field, forms.EmailField):
        messages["required"] = gettext("Enter %(field)s.") % name
        messages["invalid"] = (
            gettext("Enter %(field)s as an e-mail address, for example namn@example.se.") % name
        )
    elif isinstance(field, forms.FileField):
        messages["required"] = gettext("Choose a file for %(field)s.") % name
    else:
        messages["required"] = gettext("Enter %(field)s.") % name
    field.error_messages = {**field.error_messages, **messages}


def _archivable(model: Any) -> bool:
    """Rows that can be archived (register items: `archived_at`)."""
    return any(f.name == "archived_at" for f in model._meta.concrete_fields)


class ScopedModelForm(forms.ModelForm):
    """A ModelForm whose foreign-key and many-to-many choices are limited to what the user sees.

    Subclasses narrow further in `limit_choices()`; a posted id outside the list is
    refused by the field itself ("Select a valid choice"), so a hostile id never
    reaches a service. Every text field refuses control characters (the API validates
    through the same forms).
    """

    # Choice fields are re-pointed at scoped querysets; typed loosely for that reason.
    fields: dict[str, Any]  # type: ignore[assignment]  # narrowed per form at run time
    # Field messages that name the field (`clear_messages`), and a broken unique
    # constraint shown at its last field rather than above the form.
    clear_field_messages = False

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            refuse_control_characters(field)
            qs = getattr(field, "queryset", None)
            if qs is not None and hasattr(qs, "visible_to"):
                field.queryset = qs.visible_to(user)
            if isinstance(field.widget, forms.DateInput):
                field.widget = DateInput()
            if self.clear_field_messages:
                clear_messages(field)
        self.limit_choices()
        for field in self.fields.values():
            qs = getattr(field, "queryset", None)
            if qs is not None and _archivable(qs.model):
                # Archived register items are not offered (an edit keeps its current one).
                field.queryset = qs.filter(archived_at__isnull=True)
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

    def validate_unique(self) -> None:
        super().validate_unique()
        if self.clear_field_messages:
            self._unique_errors_at_fields()

    def _unique_errors_at_fields(self) -> None:
        """A unique constraint's message (e.g. "The organisation already has a system with
        this name.") goes to the last of its fields that the user can change."""
        errors: dict[str, Any] = self._errors  # type: ignore[attr-defined]  # set by full_clean
        general = errors.get(NON_FIELD_ERRORS) if errors else None
        if not general:
            return
        for constraint in self._meta.model._meta.constraints:
            if not isinstance(constraint, UniqueConstraint) or not constraint.fields:
                continue
            message = str(constraint.get_violation_error_message())
            fields = [
                f for f in constraint.fields if f in self.fields and not self.fields[f].disabled
            ]
            if not fields or message not in general:
                continue
            kept = [e for e in general.as_data() if message not in e.messages]
            general.clear()
            general.extend(kept)
            errors.setdefault(fields[-1], self.error_class(renderer=self.renderer))
            errors[fields[-1]].append(message)
            self.cleaned_data.pop(fields[-1], None)
        if not general:
            del errors[NON_FIELD_ERRORS]

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
            "require_mfa",
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
            if not self.instance.pk:
                self.fields["user"].help_text = _(
                    "A person who also belongs to an organisation you do not administer is "
                    "invited: the membership is created when they or their organisation "
                    "accept."
                )
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

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "phone", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("organisation", "unit"):
                del self.fields[name]
            # Deactivating a person ends their login everywhere: their home
            # organisation's administrators decide it (`core.rules.administers_person`).
            self.fields["is_active"].help_text = _(
                "A deactivated person can no longer log in. Their memberships and roles stay "
                "on record."
            )
        else:
            del self.fields["is_active"]
            self.fields["email"].help_text = _(
                "The person is sent an invitation to this address with a link to choose "
                "their password."
            )
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
        return cleaned

    # Neither a user name nor an e-mail address may tell whether someone of another
    # organisation has it. E-mail addresses are checked among one's own colleagues
    # only: a person outside gets a separate account (the same answer as for a free
    # address, and nothing links the two). User names are global, so a taken one is
    # refused with the same neutral message whoever holds it.

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        # scoping: allowed user names are unique on the platform; the answer is neutral
        if User.objects.filter(username__iexact=username).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("This user name cannot be used. Choose another one."), code="unavailable"
            )
        return username

    def clean_is_active(self) -> bool:
        active = bool(self.cleaned_data.get("is_active"))
        if not active and self.instance.pk == getattr(self.user, "pk", None):
            raise forms.ValidationError(_("You cannot deactivate yourself."))
        return active

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        colleagues = self.scope.colleagues(User.objects.visible_to(self.user))
        if colleagues.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("Someone in your organisation already has this e-mail address.")
            )
        return email

    def validate_unique(self) -> None:
        # The user name's uniqueness is checked (neutrally) in clean_username.
        exclude = self._get_validation_exclusions()  # type: ignore[attr-defined]  # ModelForm
        exclude.add("username")
        try:
            self.instance.validate_unique(exclude=exclude)
        except forms.ValidationError as exc:
            self._update_errors(exc)  # type: ignore[attr-defined]  # ModelForm
