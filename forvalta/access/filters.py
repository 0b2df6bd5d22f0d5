from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from forvalta.access.models import (
    AccessRequest,
    AccessRole,
    Account,
    AccountChange,
    Campaign,
    CampaignStatus,
    Deviation,
    RequestKind,
    RequestStatus,
    Snapshot,
)
from forvalta.core.filters import SearchFilterSet, yes_no_filter


class AccessRoleFilterSet(SearchFilterSet):
    search_fields = ("name", "description", "gives_access_to")

    class Meta:
        model = AccessRole
        fields = ["q"]


class SnapshotFilterSet(SearchFilterSet):
    search_fields = ("system__name", "filename")

    class Meta:
        model = Snapshot
        fields = ["q"]


class AccountFilterSet(SearchFilterSet):
    search_fields = ("account_id", "name", "unit_name", "roles")
    change = django_filters.ChoiceFilter(choices=AccountChange.choices, label=_("change"))
    protected_access = yes_no_filter(_("access to protected identities"))
    unmatched = django_filters.BooleanFilter(
        field_name="person", lookup_expr="isnull", label=_("without a matched person")
    )

    class Meta:
        model = Account
        fields = ["q", "change", "protected_access", "unmatched"]


class CampaignFilterSet(SearchFilterSet):
    status = django_filters.ChoiceFilter(choices=CampaignStatus.choices, label=_("status"))

    class Meta:
        model = Campaign
        fields = ["q", "status", "year"]


class AccessRequestFilterSet(SearchFilterSet):
    search_fields = ("person_name", "account_id", "roles")
    kind = django_filters.ChoiceFilter(choices=RequestKind.choices, label=_("kind"))
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices, label=_("status"))

    class Meta:
        model = AccessRequest
        fields = ["q", "kind", "status"]


class DeviationFilterSet(SearchFilterSet):
    search_fields = ("description", "assessment")
    is_personal_data_incident = yes_no_filter(_("personal-data incident"))

    class Meta:
        model = Deviation
        fields = ["q", "is_personal_data_incident"]
