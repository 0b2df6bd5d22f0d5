"""The audit search: one FilterSet for the page and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from forvalta.audit.chain import canonical_address
from forvalta.audit.models import AuditEvent
from forvalta.audit.rules import readable_scope
from forvalta.core.filters import fast_form
from forvalta.core.models import Organisation

PLATFORM = "platform"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class AuditEventFilterSet(django_filters.FilterSet):
    occurred_from = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="gte", label=_("from"), widget=DateTimeInput()
    )
    occurred_to = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="lt", label=_("to"), widget=DateTimeInput()
    )
    organisation = django_filters.ChoiceFilter(
        method="filter_organisation", label=_("organisation"), choices=()
    )
    user = django_filters.CharFilter(
        method="filter_user", label=_("user"), help_text=_("User id or part of the name.")
    )
    client = django_filters.CharFilter(
        method="filter_client",
        label=_("client"),
        help_text=_("IP address, part of the user agent, or API token id."),
    )
    action = django_filters.CharFilter(
        method="filter_action",
        label=_("activity"),
        help_text=_("An action code, or its start (register.system.)."),
    )
    object_type = django_filters.CharFilter(field_name="object_type", label=_("object type"))
    object_id = django_filters.CharFilter(field_name="object_id", label=_("object id"))
    object = django_filters.CharFilter(
        field_name="object_repr", lookup_expr="icontains", label=_("object")
    )

    class Meta:
        model = AuditEvent
        fields = [
            "occurred_from",
            "occurred_to",
            "organisation",
            "user",
            "client",
            "action",
            "object_type",
            "object_id",
            "object",
        ]

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        org_ids, platform = readable_scope(getattr(request, "user", None))
        choices: list[tuple[str, Any]] = [
            (str(pk), name)
            # scoping: allowed names of the organisations whose trail the user reads
            for pk, name in Organisation.objects.filter(pk__in=org_ids)
            .order_by("name")
            .values_list("pk", "name")
        ]
        if platform:
            choices.append((PLATFORM, _("The platform (no organisation)")))
        self.filters["organisation"].extra["choices"] = choices
        self.form.fields["organisation"].choices = [("", "---------"), *choices]

    @property
    def form(self) -> Any:
        return fast_form(super().form)

    def filter_organisation(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == PLATFORM:
            return queryset.filter(organisation_id__isnull=True)
        # Filed under it as the organisation acted on or as the actor's organisation.
        return queryset.filter(Q(organisation_id=int(value)) | Q(actor_organisation_id=int(value)))

    def filter_user(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        if value.isdigit():
            return queryset.filter(actor_id=int(value))
        return queryset.filter(actor_name__icontains=value)

    def filter_client(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        address = canonical_address(value)
        if address is None:
            condition = Q(user_agent__icontains=value)
            if value.isdigit():
                condition |= Q(api_token_id=value)
            return queryset.filter(condition)
        return queryset.filter(client_address=address)

    def filter_action(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        if value.endswith("."):
            return queryset.filter(action__startswith=value)
        return queryset.filter(action=value)
