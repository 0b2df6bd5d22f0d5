"""Register forms. Choice lists come from the user's scope and are narrowed to what they manage."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from forvalta.core.forms import ScopedModelForm
from forvalta.core.models import Membership, Organisation, OrganisationKind, User
from forvalta.core.widgets import FastSelect
from forvalta.register.models import (
    Agreement,
    Criticality,
    Environment,
    Integration,
    Lifecycle,
    ManagementObject,
    Participation,
    RoleAssignment,
    RoleLevel,
    RoleType,
    Service,
    System,
)
from forvalta.register.rules import APPOINTMENT_FIELDS, acts_for_organisation, supplier_contracts


class RegisterForm(ScopedModelForm):
    """A register form: each field's messages name the field and say what to do."""

    clear_field_messages = True


def _managed_objects(form: ScopedModelForm) -> Any:
    s = form.scope
    return (
        ManagementObject.objects.visible_to(form.user)
        .filter(Q(owner_organisation_id__in=s.admin_org_ids) | Q(id__in=s.managed_object_ids))
        .select_related("owner_organisation")
    )


def _managed_services(form: ScopedModelForm) -> Any:
    s = form.scope
    return Service.objects.visible_to(form.user).filter(
        Q(owner_organisation_id__in=s.admin_org_ids)
        | Q(id__in=s.managed_service_ids)
        | Q(management_object_id__in=s.managed_object_ids)
    )


def _managed_systems(form: ScopedModelForm) -> Any:
    s = form.scope
    return System.objects.visible_to(form.user).filter(
        Q(owner_organisation_id__in=s.admin_org_ids)
        | Q(id__in=s.managed_system_ids)
        | Q(management_object_id__in=s.managed_object_ids)
    )


def _owner_choices(form: ScopedModelForm) -> Any:
    """Organisations the user may register things for: administered, or owning a managed
    object; never a supplier (suppliers deliver systems, members own them)."""
    s = form.scope
    return (
        Organisation.objects.visible_to(form.user)
        .filter(
            Q(id__in=s.admin_org_ids)
            | Q(management_objects__id__in=s.managed_object_ids)
            | Q(id=getattr(form.instance, "owner_organisation_id", None))
        )
        .exclude(
            Q(kind=OrganisationKind.SUPPLIER)
            & ~Q(id=getattr(form.instance, "owner_organisation_id", None))
        )
        .distinct()
    )


def _default_owner(form: ScopedModelForm) -> None:
    """A new item's owner starts as the user's own organisation: the only choice, or else
    the organisation of the user's first membership among the choices."""
    if form.instance.pk or form.is_bound or form.initial.get("owner_organisation"):
        return
    choices = list(form.fields["owner_organisation"].queryset.values_list("pk", flat=True)[:2])
    if len(choices) < 2:
        if choices:
            form.initial["owner_organisation"] = choices[0]
        return
    home = (
        Membership.objects.visible_to(form.user)
        .active()
        .filter(
            user_id=form.user.pk,
            organisation_id__in=form.fields["owner_organisation"].queryset.values("pk"),
        )
        .order_by("valid_from", "pk")
        .values_list("organisation_id", flat=True)
        .first()
    )
    if home is not None:
        form.initial["owner_organisation"] = home


class ManagementObjectForm(RegisterForm):
    class Meta:
        model = ManagementObject
        fields = ["owner_organisation", "name", "identifier", "business_area", "description"]

    def limit_choices(self) -> None:
        self.fields["owner_organisation"].queryset = (
            Organisation.objects.visible_to(self.user)
            .filter(
                Q(id__in=self.scope.admin_org_ids)
                | Q(id=getattr(self.instance, "owner_organisation_id", None))
            )
            .exclude(
                Q(kind=OrganisationKind.SUPPLIER)
                & ~Q(id=getattr(self.instance, "owner_organisation_id", None))
            )
        )
        _default_owner(self)
        if self.instance.pk:
            self.fields["owner_organisation"].disabled = True


class ServiceForm(RegisterForm):
    class Meta:
        model = Service
        fields = ["owner_organisation", "management_object", "name", "description", "systems"]
        widgets = {"systems": forms.CheckboxSelectMultiple}

    def limit_choices(self) -> None:
        self.fields["owner_organisation"].queryset = _owner_choices(self)
        _default_owner(self)
        self.fields["management_object"].queryset = _managed_objects(self)
        self.fields["systems"].queryset = System.objects.visible_to(self.user).filter(
            owner_organisation_id__in=_owner_choices(self).values("id")
        )
        if self.instance.pk:
            self.fields["owner_organisation"].disabled = True


class SystemForm(RegisterForm):
    class Meta:
        model = System
        fields = [
            "owner_organisation",
            "management_object",
            "name",
            "description",
            "vendor",
            "product",
            "lifecycle",
            "criticality",
            "processes_personal_data",
            "holds_protected_identities",
            "is_public",
        ]

    def limit_choices(self) -> None:
        self.fields["owner_organisation"].queryset = _owner_choices(self)
        _default_owner(self)
        self.fields["management_object"].queryset = _managed_objects(self)
        self.fields["vendor"].queryset = Organisation.objects.visible_to(self.user).filter(
            kind=OrganisationKind.SUPPLIER
        )
        if self.instance.pk:
            self.fields["owner_organisation"].disabled = True


class EnvironmentForm(RegisterForm):
    class Meta:
        model = Environment
        fields = ["system", "kind", "name", "url", "operated_by", "service_hours", "description"]

    def limit_choices(self) -> None:
        self.fields["system"].queryset = _managed_systems(self)
        self.fields["operated_by"].queryset = Organisation.objects.visible_to(self.user)
        if self.instance.pk:
            self.fields["system"].disabled = True


class EnvironmentRowForm(RegisterForm):
    """One environment entered with a new system (the system is the one being saved)."""

    inline_row = True

    class Meta:
        model = Environment
        fields = ["kind", "name", "url", "operated_by"]

    def limit_choices(self) -> None:
        self.fields["operated_by"].queryset = Organisation.objects.visible_to(self.user)


class EnvironmentRowsBase(forms.BaseFormSet):
    title = _("Environments")
    row_label = _("Environment")
    hint = _(
        "Fill in the environments the system runs in (production, test ...). Rows left "
        "empty are skipped; more can be added later from the system's page."
    )


EnvironmentRows = forms.formset_factory(
    EnvironmentRowForm, formset=EnvironmentRowsBase, extra=3, max_num=10, validate_max=True
)


class IntegrationForm(RegisterForm):
    class Meta:
        model = Integration
        fields = [
            "source",
            "target",
            "external_system",
            "method",
            "description",
            "responsible_organisation",
            "responsible_person",
        ]

    def limit_choices(self) -> None:
        self.fields["source"].queryset = _managed_systems(self)
        self.fields["target"].queryset = System.objects.visible_to(self.user)
        self.fields["responsible_organisation"].queryset = Organisation.objects.visible_to(
            self.user
        )
        self.fields["responsible_person"].queryset = User.objects.visible_to(self.user)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        person, org = cleaned.get("responsible_person"), cleaned.get("responsible_organisation")
        if (
            person is not None
            and org is not None
            and not person.memberships.filter(organisation=org).exists()
        ):
            self.add_error(
                "responsible_person",
                _("The responsible person must belong to the responsible organisation."),
            )
        return cleaned


class ParticipationForm(RegisterForm):
    class Meta:
        model = Participation
        fields = [
            "service",
            "organisation",
            "status",
            "valid_from",
            "valid_to",
            "cost_share",
            "note",
        ]

    def limit_choices(self) -> None:
        self.fields["service"].queryset = _managed_services(self)
        self.fields["organisation"].queryset = Organisation.objects.visible_to(self.user).exclude(
            kind=OrganisationKind.SUPPLIER
        )
        if self.instance.pk:
            self.fields["service"].disabled = True
            self.fields["organisation"].disabled = True


# The role levels of the governance model (seed 003, 3.2: budget, decision, operative).
LEVEL_GROUPS = {
    RoleLevel.STRATEGIC: _("Budget level"),
    RoleLevel.TACTICAL: _("Decision level"),
    RoleLevel.OPERATIVE: _("Operative level"),
}
TARGET_FIELDS = ("management_object", "service", "system")
PERSON_ELSEWHERE = _(
    "Only people of your own organisation can be appointed here. Another organisation "
    "appoints its own people."
)


class RoleTypeIterator(forms.models.ModelChoiceIterator):
    """Role types in one option group per level, in the catalogue's order."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list[Any]] = {}
        for role in self.queryset:
            groups.setdefault(role.level, []).append(self.choice(role))
        for level, label in LEVEL_GROUPS.items():
            if level in groups:
                yield (label, groups[level])


class RoleTypeSelect(FastSelect):
    """The role select, followed by each role's duties grouped by level (a disclosure
    the keyboard reaches right after the select)."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> Any:
        from django.utils.html import format_html, format_html_join

        select = super().render(name, value, attrs, renderer)
        field = getattr(self, "field", None)
        if field is None:
            return select
        groups: dict[str, list[RoleType]] = {}
        for role in field.queryset:
            groups.setdefault(role.level, []).append(role)
        body = format_html_join(
            "",
            "<h3>{}</h3><dl>{}</dl>",
            (
                (
                    LEVEL_GROUPS[level],
                    format_html_join(
                        "",
                        "<dt>{}</dt><dd>{}</dd>",
                        ((r.name, r.duties or "–") for r in groups[level]),
                    ),
                )
                for level in LEVEL_GROUPS
                if level in groups
            ),
        )
        return format_html(
            '{}<details class="role-duties"><summary>{}</summary>{}</details>',
            select,
            _("What each role is responsible for"),
            body,
        )


class RoleTypeField(forms.ModelChoiceField):
    iterator = RoleTypeIterator

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["widget"] = RoleTypeSelect
        super().__init__(*args, **kwargs)
        self.widget.field = self  # type: ignore[attr-defined]


class PersonSelect(FastSelect):
    """Each option names the person's organisations; ``data-organisation`` carries the
    one they can be appointed for, which forvalta.js copies to "acting for"."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        memberships = getattr(getattr(value, "instance", None), "appointable", [])
        if len(memberships) == 1:
            option["attrs"]["data-organisation"] = memberships[0].organisation_id
        return option


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        memberships = getattr(obj, "appointable", [])
        names = [m.organisation.short_name or m.organisation.name for m in memberships]
        return f"{obj} ({', '.join(names)})" if names else str(obj)


class RoleAssignmentForm(RegisterForm):
    role_type = RoleTypeField(queryset=RoleType.objects.all(), label=_("role"))
    person = PersonField(queryset=User.objects.all(), label=_("person"), widget=PersonSelect)

    class Meta:
        model = RoleAssignment
        fields = [
            "role_type",
            "person",
            "organisation",
            "management_object",
            "service",
            "system",
            "valid_from",
            "valid_to",
            "note",
        ]
        help_texts = {
            "organisation": _(
                "Filled in from the person's organisation when they belong to one you may "
                "appoint for."
            ),
        }

    def limit_choices(self) -> None:
        # A supplier's administrator nominates its staff on what its agreements cover.
        contracts = supplier_contracts(self.user)
        self.fields["management_object"].queryset = ManagementObject.objects.visible_to(
            self.user
        ).filter(
            Q(pk__in=_managed_objects(self).values("pk"))
            | Q(pk__in=contracts.values("management_objects"))
        )
        self.fields["service"].queryset = Service.objects.visible_to(self.user).filter(
            Q(pk__in=_managed_services(self).values("pk"))
            | Q(pk__in=self.scope.nominating_service_ids)
            | Q(pk__in=contracts.values("services"))
        )
        self.fields["system"].queryset = System.objects.visible_to(self.user).filter(
            Q(pk__in=_managed_systems(self).values("pk")) | Q(pk__in=contracts.values("systems"))
        )
        # One acts for one's own organisation: another organisation appoints its own
        # people (`acts_for_organisation`), so only members of the user's organisations
        # are offered, each with the organisations they can act for. On edit the current
        # value stays choosable.
        org_ids = sorted(self.scope.org_ids)
        appointable = (
            Membership.objects.visible_to(self.user).active().filter(organisation_id__in=org_ids)
        )
        self.fields["person"].queryset = (
            User.objects.visible_to(self.user)
            .filter(pk__in=appointable.values("user_id"))
            .prefetch_related(
                models.Prefetch(
                    "memberships",
                    queryset=appointable.select_related("organisation").order_by(
                        "organisation__name"
                    ),
                    to_attr="appointable",
                )
            )
            .order_by("last_name", "first_name")
        )
        self.fields["person"].widget.attrs.update(
            {
                "data-fills": "organisation",
                "data-searchable": "",
                "data-search-label": _("Search for a person by name or organisation"),
            }
        )
        self.fields["person"].error_messages["invalid_choice"] = PERSON_ELSEWHERE
        organisation = self.fields["organisation"]
        organisation.required = False
        organisation.queryset = Organisation.objects.visible_to(self.user).filter(id__in=org_ids)
        organisation.error_messages["invalid_choice"] = _(
            "You can appoint people to act only for your own organisation. Another "
            "organisation appoints its own people."
        )
        self.fields["role_type"].queryset = RoleType.objects.all()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        chosen = [name for name in TARGET_FIELDS if cleaned.get(name) is not None]
        if len(chosen) != 1 and not any(name in self.errors for name in TARGET_FIELDS):
            message = _("Choose exactly one management object, service or system.")
            for name in chosen or TARGET_FIELDS[:1]:
                self.add_error(name, message)
        person = cleaned.get("person")
        if person is not None and cleaned.get("organisation") is None:
            self._fill_acting_for(person, cleaned)
        if self.instance.pk and not set(self.changed_data) & set(APPOINTMENT_FIELDS):
            return cleaned  # dates and note only: the target's managers may end a role
        if cleaned.get("organisation") is None:
            return cleaned
        probe = RoleAssignment(
            **{
                name: cleaned.get(name)
                for name in APPOINTMENT_FIELDS
                if name != "person" and cleaned.get(name) is not None
            }
        )
        if not acts_for_organisation(self.user, probe):
            self.add_error("organisation", acting_for_refusal(probe.organisation))
        return cleaned

    def _fill_acting_for(self, person: Any, cleaned: dict[str, Any]) -> None:
        """ "Acting for" left empty: the person's organisation among those the user may
        appoint for, when there is exactly one; otherwise the field says what to do."""
        organisations = list(
            self.fields["organisation"].queryset.filter(
                pk__in=Membership.objects.visible_to(self.user)
                .active()
                .filter(user_id=person.pk)
                .values("organisation_id")
            )
        )
        if len(organisations) == 1:
            cleaned["organisation"] = organisations[0]
            self.instance.organisation = organisations[0]
        elif organisations:
            self.add_error(
                "organisation",
                _("%(person)s belongs to several of your organisations: choose which one.")
                % {"person": person},
            )
        else:
            self.add_error("organisation", _("Choose the organisation the person acts for."))


def acting_for_refusal(organisation: Any) -> str:
    return _(
        "Only the administrators of %(organisation)s, or those who manage this object, "
        "service or system for it, may appoint people acting for it."
    ) % {"organisation": organisation}


class AgreementForm(RegisterForm):
    class Meta:
        model = Agreement
        fields = [
            "kind",
            "title",
            "reference",
            "owner_organisation",
            "supplier",
            "management_objects",
            "services",
            "systems",
            "valid_from",
            "valid_to",
            "notice_period_months",
            "renewal_decision_by",
            "document",
            "description",
        ]
        widgets = {
            "management_objects": forms.CheckboxSelectMultiple,
            "services": forms.CheckboxSelectMultiple,
            "systems": forms.CheckboxSelectMultiple,
        }

    def limit_choices(self) -> None:
        owners = (
            Organisation.objects.visible_to(self.user)
            .filter(
                Q(id__in=self.scope.admin_org_ids)
                | Q(id=getattr(self.instance, "owner_organisation_id", None))
                | Q(management_objects__id__in=self.scope.managed_object_ids)
            )
            .distinct()
        )
        self.fields["owner_organisation"].queryset = owners
        self.fields["supplier"].queryset = Organisation.objects.visible_to(self.user).filter(
            kind=OrganisationKind.SUPPLIER
        )
        self.fields["management_objects"].queryset = _managed_objects(self)
        self.fields["services"].queryset = _managed_services(self)
        self.fields["systems"].queryset = _managed_systems(self)
        if self.instance.pk:
            self.fields["owner_organisation"].disabled = True

    def clean_document(self) -> Any:
        document = self.cleaned_data.get("document")
        if document and getattr(document, "size", 0) > settings.FORVALTA_MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(
                _("The file is too large (at most %(mb)d MB).")
                % {"mb": settings.FORVALTA_MAX_DOCUMENT_BYTES // (1024 * 1024)}
            )
        return document

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        owner = cleaned.get("owner_organisation")
        if owner is not None:
            for name in ("management_objects", "services", "systems"):
                foreign = [
                    o for o in cleaned.get(name) or [] if o.owner_organisation_id != owner.pk
                ]
                if foreign:
                    self.add_error(
                        name, _("Only what the customer organisation owns can be covered.")
                    )
        return cleaned


class BulkAction(models.TextChoices):
    LIFECYCLE = "lifecycle", _("Change lifecycle phase")
    CRITICALITY = "criticality", _("Change criticality")
    OWNER = "owner_organisation", _("Change owner organisation")
    ARCHIVE = "archive", _("Archive")


BULK_MAX = 500


class SystemBulkForm(forms.Form):
    """A change for the systems chosen in the list; each row goes through its service."""

    pk = forms.ModelMultipleChoiceField(
        queryset=System.objects.none(),
        error_messages={
            "required": _("Choose at least one system in the list."),
            "invalid_choice": _("One of the chosen systems cannot be changed here."),
            "invalid_pk_value": _("One of the chosen systems cannot be changed here."),
        },
    )
    action = forms.ChoiceField(
        label=_("Change"),
        choices=[("", "---------"), *BulkAction.choices],
        error_messages={"required": _("Choose what to change.")},
    )
    lifecycle = forms.ChoiceField(
        label=_("New lifecycle phase"),
        choices=[("", "---------"), *Lifecycle.choices],
        required=False,
    )
    criticality = forms.ChoiceField(
        label=_("New criticality"),
        choices=[("", "---------"), *Criticality.choices],
        required=False,
    )
    owner_organisation = forms.ModelChoiceField(
        label=_("New owner organisation"), queryset=Organisation.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from forvalta.core.tenancy import scope_for

        self.user = user
        pk_field: Any = self.fields["pk"]
        pk_field.queryset = System.objects.visible_to(user).filter(archived_at__isnull=True)
        owner_field: Any = self.fields["owner_organisation"]
        owner_field.queryset = (
            Organisation.objects.visible_to(user)
            .filter(id__in=sorted(scope_for(user).admin_org_ids))
            .exclude(kind=OrganisationKind.SUPPLIER)
        )

    def clean_pk(self) -> Any:
        chosen = self.cleaned_data["pk"]
        if len(chosen) > BULK_MAX:
            raise forms.ValidationError(
                _("Choose at most %(n)s systems at a time.") % {"n": BULK_MAX}
            )
        return chosen

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action = cleaned.get("action")
        if action and action != BulkAction.ARCHIVE and not cleaned.get(action):
            self.add_error(action, _("Choose the new value."))
        return cleaned

    def change(self) -> dict[str, Any]:
        """The fields to set on each row ({} to archive)."""
        action = self.cleaned_data["action"]
        return {} if action == BulkAction.ARCHIVE else {action: self.cleaned_data[action]}
