from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogReviewConfig(AppConfig):
    name = "forvalta.logreview"
    label = "logreview"
    verbose_name = _("Log review")

    def ready(self) -> None:
        from forvalta.logreview import rules
        from forvalta.logreview.scoping import declare_logreview_models

        declare_logreview_models()
        from forvalta.access.rules import ROLE_FACT_PARTS

        # The menu's "an order waits for your attestation" in the access roles' one query.
        if rules.waiting_attestations not in ROLE_FACT_PARTS:
            ROLE_FACT_PARTS.append(rules.waiting_attestations)
        # Reports (build 8): the notification kinds; the year's rounds in the access
        # part's year sign-off and in the annual report of the internal control.
        from forvalta.access.services import YEAR_STATUS_PARTS
        from forvalta.core.controls import REPORT_ROW_PARTS
        from forvalta.logreview import kinds, reminders, reports  # noqa: F401

        if reports.year_status_part not in YEAR_STATUS_PARTS:
            YEAR_STATUS_PARTS.append(reports.year_status_part)
        if reports.annual_report_rows not in REPORT_ROW_PARTS:
            REPORT_ROW_PARTS.append(reports.annual_report_rows)
        # A personal-data incident opened by a follow-up links back to it.
        from forvalta.compliance.selectors import INCIDENT_ORIGIN_PARTS

        if followup_origins not in INCIDENT_ORIGIN_PARTS:
            INCIDENT_ORIGIN_PARTS.append(followup_origins)
        # Its later edits keep the texts naming the person out of the trail in clear.
        from forvalta.compliance.services import register_change_sealer
        from forvalta.logreview.followup import seal_incident_changes

        register_change_sealer(seal_incident_changes)
        # The review on suspicion's menu facts (named on a case, manages someone).
        for part in (rules.suspicion_facts, rules.manager_facts):
            if part not in ROLE_FACT_PARTS:
                ROLE_FACT_PARTS.append(part)


def followup_origins(incident: Any, user: Any) -> list[tuple[str, str]]:
    """The unauthorised-access follow-up that opened the incident, if the user sees it."""
    from forvalta.logreview.models import UnauthorisedAccess

    return [
        (str(f), f.get_absolute_url())
        for f in UnauthorisedAccess.objects.visible_to(user).filter(incident_id=incident.pk)
    ]
