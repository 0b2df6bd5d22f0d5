"""Completed work that fulfils a recurring control of the annual cycle (årshjul).

A part sends ``control_fulfilled`` from its service, inside the transaction that
completes the work (a signed access review campaign, a documented log-review round, a
finished risk analysis, a decided management plan, a held council meeting ...). The
compliance part listens and marks the matching occurrence done, linking the evidence;
a part never imports the compliance part, and works without it.

    control_fulfilled.send(
        sender=Campaign,            # the evidence's model class
        kind="access_review",       # one of KINDS
        organisation=campaign.organisation,  # whose control it is
        target=campaign.system,     # the object, service or system, or None
        on=signed_on,               # the date the work was done
        evidence=campaign,          # the model instance that proves it
    )
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

control_fulfilled = Signal()

KINDS = {
    "access_review": _("Access review"),
    "log_review": _("Log review"),
    "risk_analysis": _("Risk and vulnerability analysis"),
    "classification_review": _("Information classification"),
    "plan_decision": _("Management plan decided"),
    "council_meeting": _("Council meeting held"),
    "agreement_renewal": _("Agreement renewal"),
    "processing_agreement_review": _("Data processing agreement review"),
    "restore_test": _("Restore test"),
}


# Parts that add facts to the annual report of the internal control (the compliance
# part's traffic-light report): each a function (organisation, year, management_object,
# on) returning rows as dicts of the report row's fields (control, kind, target, due_on,
# status, completed_on, light, light_label, evidence, remark, url). The compliance part
# reads them; a part registers its function here (in its AppConfig.ready) and never
# imports the compliance part.
REPORT_ROW_PARTS: list[Callable[..., list[dict[str, Any]]]] = []
