"""Who sees log review: organisation-private.

- Log sources, schedules, rounds, what a round drew and extract orders are seen by the
  members of the organisation (what was drawn names employees' accounts, never clients).
- Stored log rows and uploaded extract files hold clients' data (a masked number and a
  keyed hash): only the organisation's access staff of the source's system (controller,
  system administrator, object and system owner, process owner: `forvalta/access/scoping.py`)
  see them. The reviewers' own view of their extract is the next session's work
  (docs/logreview.md).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from forvalta.access.scoping import staff_exists
from forvalta.core.scoping import NOTHING, Custom, OrganisationPrivate, ThroughParent, declare
from forvalta.logreview.models import (
    DrawnDay,
    DrawnEmployee,
    DrawnUnit,
    ExtractOrder,
    LogEntry,
    LogLoad,
    LogSource,
    SamplingRound,
    SamplingSchedule,
)


def staff_condition(user: Any, scope: Any) -> Q:
    if not scope.org_ids or user is None or not user.is_authenticated:
        return NOTHING
    return Q(organisation_id__in=sorted(scope.org_ids)) & staff_exists(
        user, "organisation_id", "source__system_id"
    )


def declare_logreview_models() -> None:
    declare(LogSource, OrganisationPrivate("organisation"))
    declare(SamplingSchedule, OrganisationPrivate("organisation"))
    declare(SamplingRound, OrganisationPrivate("organisation"))
    declare(DrawnUnit, ThroughParent("round"))
    declare(DrawnEmployee, ThroughParent("drawn_unit"))
    declare(DrawnDay, ThroughParent("employee"))
    declare(ExtractOrder, OrganisationPrivate("organisation"))
    declare(LogLoad, Custom(staff_condition))
    declare(LogEntry, Custom(staff_condition))


__all__ = ["declare_logreview_models"]
