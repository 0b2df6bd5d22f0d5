from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from forvalta.core.filters import SearchFilterSet
from forvalta.processes.models import (
    ProcessRun,
    ProcessStep,
    ProcessTemplate,
    RunStatus,
    StepStatus,
    TargetKind,
)


class TemplateFilterSet(SearchFilterSet):
    search_fields = ("name", "description", "origin")
    target_kind = django_filters.ChoiceFilter(choices=TargetKind.choices, label=_("runs on"))

    class Meta:
        model = ProcessTemplate
        fields = ["q", "target_kind"]


class RunFilterSet(SearchFilterSet):
    # Not the template's name: another organisation's copy is not named to the reader.
    search_fields = ("name",)
    status = django_filters.ChoiceFilter(choices=RunStatus.choices, label=_("status"))

    class Meta:
        model = ProcessRun
        fields = ["q", "status"]


class StepFilterSet(SearchFilterSet):
    search_fields = ("name", "description", "run__name")
    status = django_filters.ChoiceFilter(choices=StepStatus.choices, label=_("status"))

    class Meta:
        model = ProcessStep
        fields = ["q", "status"]
