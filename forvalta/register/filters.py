"""Register filters: one FilterSet per model, for the HTML list and the API alike."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from forvalta.core.filters import (
    LookupChoiceFilter,
    SearchFilterSet,
    multiple_choice_filter,
    yes_no_filter,
)
from forvalta.core.models import Organisation
from forvalta.register.models import (
    Agreement,
    AgreementKind,
    Criticality,
    Environment,
    EnvironmentKind,
    Integration,
    IntegrationMethod,
    Lifecycle,
    ManagementObject,
    Participation,
    ParticipationStatus,
    Requirement,
    RoleAssignment,
    RoleLevel,
    RoleType,
    Service,
    System,
)


def _org_filter(label: Any = "") -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        # scoping: allowed a field declaration; SearchFilterSet scopes it per request
        queryset=Organisation.objects.all(),
        label=label or _("organisation"),
    )


ARCHIVED_CHOICES = [
    ("", _("No")),
    ("include", _("Yes, with the others")),
    ("only", _("Only archived")),
]


class ArchivedFilterMixin(SearchFilterSet):
    """Archived items are hidden unless "show archived" asks for them (page and API)."""

    archived = django_filters.ChoiceFilter(
        choices=ARCHIVED_CHOICES[1:],
        empty_label=ARCHIVED_CHOICES[0][1],
        method="keep",
        label=_("show archived"),
    )

    def keep(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset  # applied in `qs`, also when no filter is given

    @property
    def qs(self) -> QuerySet:
        if not hasattr(self, "_qs"):
            qs = super().qs
            value = ""
            if self.is_bound and self.form.is_valid():
                value = self.form.cleaned_data.get("archived") or ""
            if value == "only":
                qs = qs.filter(archived_at__isnull=False)
            elif value != "include":
                qs = qs.filter(archived_at__isnull=True)
            self._qs = qs
        return self._qs


class ManagementObjectFilterSet(ArchivedFilterMixin):
    search_fields = ("name", "identifier", "description", "business_area")
    owner_organisation = _org_filter(_("owner organisation"))

    class Meta:
        model = ManagementObject
        fields = ["q", "owner_organisation", "archived"]


class ServiceFilterSet(ArchivedFilterMixin):
    search_fields = ("name", "description")
    owner_organisation = _org_filter(_("owner organisation"))
    management_object = django_filters.ModelChoiceFilter(
        queryset=ManagementObject.objects.all(), label=_("management object")
    )
    participant = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.all(),
        field_name="participations__organisation",
        label=_("participating organisation"),
        distinct=True,
    )

    class Meta:
        model = Service
        fields = ["q", "owner_organisation", "management_object", "participant", "archived"]


class SystemFilterSet(ArchivedFilterMixin):
    search_fields = ("name", "description", "product")
    owner_organisation = _org_filter(_("owner organisation"))
    management_object = django_filters.ModelChoiceFilter(
        queryset=ManagementObject.objects.all(), label=_("management object")
    )
    lifecycle = multiple_choice_filter(Lifecycle.choices, _("lifecycle stage"))
    criticality = multiple_choice_filter(Criticality.choices, _("criticality"))
    processes_personal_data = yes_no_filter(_("processes personal data"))
    holds_protected_identities = yes_no_filter(_("holds protected identities"))
    lacks = django_filters.MultipleChoiceFilter(
        choices=Requirement.choices,
        method="filter_lacks",
        label=_("lacks"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = System
        fields = [
            "q",
            "owner_organisation",
            "management_object",
            "lifecycle",
            "criticality",
            "processes_personal_data",
            "holds_protected_identities",
            "lacks",
            "archived",
        ]

    def filter_lacks(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        from forvalta.register.selectors import lacking

        return lacking(queryset, value)


class EnvironmentFilterSet(SearchFilterSet):
    search_fields = ("name", "system__name", "description")
    kind = django_filters.ChoiceFilter(choices=EnvironmentKind.choices, label=_("kind"))
    system = LookupChoiceFilter(queryset=System.objects.all(), label=_("system"))

    class Meta:
        model = Environment
        fields = ["q", "kind", "system"]


class IntegrationFilterSet(SearchFilterSet):
    search_fields = ("source__name", "external_system", "description")
    method = django_filters.ChoiceFilter(choices=IntegrationMethod.choices, label=_("method"))
    source = LookupChoiceFilter(queryset=System.objects.all(), label=_("system"))
    responsible_organisation = _org_filter(_("responsible party"))

    class Meta:
        model = Integration
        fields = ["q", "method", "source", "responsible_organisation"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The target's name matches only where the user sees the target."""
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        if "target_visible" in queryset.query.annotations:
            condition |= Q(target__name__icontains=value, target_visible=True)
        return queryset.filter(condition)


class ParticipationFilterSet(SearchFilterSet):
    search_fields = ("organisation__name", "service__name", "note")
    service = LookupChoiceFilter(queryset=Service.objects.all(), label=_("service"))
    organisation = _org_filter()
    status = django_filters.ChoiceFilter(choices=ParticipationStatus.choices, label=_("status"))

    class Meta:
        model = Participation
        fields = ["q", "service", "organisation", "status"]


class RoleTypeFilterSet(SearchFilterSet):
    search_fields = ("name_sv", "name_en", "duties_sv", "duties_en")
    level = django_filters.ChoiceFilter(choices=RoleLevel.choices, label=_("level"))
    is_supplier_role = yes_no_filter(_("supplier role"))

    class Meta:
        model = RoleType
        fields = ["q", "level", "is_supplier_role"]


class RoleAssignmentFilterSet(SearchFilterSet):
    search_fields = (
        "person__first_name",
        "person__last_name",
        "role_type__name_sv",
        "management_object__name",
        "service__name",
        "system__name",
    )
    role_type = django_filters.ModelChoiceFilter(queryset=RoleType.objects.all(), label=_("role"))
    organisation = _org_filter(_("acting for"))
    management_object = django_filters.ModelChoiceFilter(
        queryset=ManagementObject.objects.all(), label=_("management object")
    )
    service = LookupChoiceFilter(queryset=Service.objects.all(), label=_("service"))
    system = LookupChoiceFilter(queryset=System.objects.all(), label=_("system"))

    class Meta:
        model = RoleAssignment
        fields = ["q", "role_type", "organisation", "management_object", "service", "system"]


class AgreementFilterSet(SearchFilterSet):
    search_fields = ("title", "reference", "description", "supplier__name")
    kind = multiple_choice_filter(AgreementKind.choices, _("kind"))
    supplier = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.suppliers(), label=_("supplier")
    )
    owner_organisation = _org_filter(_("customer"))
    renewal_before = django_filters.DateFilter(
        field_name="renewal_decision_by",
        lookup_expr="lte",
        label=_("renewal decided by, at latest"),
    )

    class Meta:
        model = Agreement
        fields = ["q", "kind", "supplier", "owner_organisation", "renewal_before"]
