"""Who may read and write an organisation's business calendar.

Members of the organisation read its service hours and exceptions; its organisation
administrators add, change and delete them. No one else sees them (they are declared
organisation-private in scoping.py).
"""

from __future__ import annotations

import rules

from forvalta.core.rules import administers_owning_organisation, belongs_to_own_organisation

for _model in ("servicehours", "calendarexception"):
    rules.add_perm(f"businesscalendar.view_{_model}", belongs_to_own_organisation)
    rules.add_perm(f"businesscalendar.add_{_model}", administers_owning_organisation)
    rules.add_perm(f"businesscalendar.change_{_model}", administers_owning_organisation)
    rules.add_perm(f"businesscalendar.delete_{_model}", administers_owning_organisation)
