"""Who may do what in log review (seed 004 section 6).

- The controller (access_controller) of the organisation for the source's system
  creates and edits log sources and schedules, draws rounds and so orders extracts,
  and attests the orders of authority units.
- The system administrator (the log administrator) edits log sources, uploads logs and
  fulfils attested orders.
- An order of a provider unit is attested by the attestant named on it: the unit's
  manager when the round was drawn.
- Members of the organisation see sources, rounds and orders; the stored log only the
  access staff (scoping.py).
"""

from __future__ import annotations

from typing import Any

import rules

from forvalta.access.rules import ADMINISTRATOR, CONTROLLER, holds, holds_any
from forvalta.core.tenancy import scope_for
from forvalta.logreview.models import OperationKind, OrderStatus


def _org_system(obj: Any) -> tuple[int, Any]:
    """The organisation and system of a source, schedule, round, order or load."""
    name = type(obj).__name__
    if name == "LogSource":
        return obj.organisation_id, obj.system_id
    if name == "SamplingSchedule" or name == "LogLoad":
        return obj.organisation_id, obj.source.system_id
    if name == "SamplingRound":
        return obj.organisation_id, obj.schedule.source.system_id
    if name == "ExtractOrder":
        return obj.organisation_id, obj.round.schedule.source.system_id
    raise TypeError(name)


def _visible(user: Any, obj: Any) -> bool:
    return type(obj).objects.visible_to(user).filter(pk=obj.pk).exists()


@rules.predicate
def member(user: Any, obj: Any) -> bool:
    if obj is None:
        return bool(user.is_authenticated and scope_for(user).org_ids)
    return _visible(user, obj)


def _role(codes: tuple[str, ...]) -> Any:
    @rules.predicate
    def predicate(user: Any, obj: Any) -> bool:
        if obj is None:
            return holds_any(user, codes)
        organisation_id, system_id = _org_system(obj)
        return holds(user, organisation_id, system_id, codes)

    return predicate


is_controller = _role(CONTROLLER)
is_log_administrator = _role(ADMINISTRATOR)
manages_source = _role(CONTROLLER + ADMINISTRATOR)


@rules.predicate
def attests(user: Any, order: Any) -> bool:
    """The attestant named on a requested order; for an authority unit the controller."""
    if order is None or not user.is_authenticated or order.status != OrderStatus.REQUESTED:
        return False
    if order.organisation_id not in scope_for(user).org_ids:
        return False
    if order.round.schedule.kind == OperationKind.AUTHORITY:
        return bool(is_controller(user, order))
    return order.attestant_id is not None and order.attestant_id == user.pk


@rules.predicate
def fulfils(user: Any, order: Any) -> bool:
    return (
        order is not None
        and order.status == OrderStatus.ATTESTED
        and bool(is_log_administrator(user, order))
    )


def _documented(order: Any) -> bool:
    from forvalta.logreview.models import ReviewOutcome

    return ReviewOutcome.objects.filter(order_id=order.pk).exists()


@rules.predicate
def reviews(user: Any, order: Any) -> bool:
    """The order's recipient, on a fulfilled order not yet documented."""
    return bool(
        order is not None
        and user.is_authenticated
        and order.status == OrderStatus.FULFILLED
        and order.recipient_id is not None
        and order.recipient_id == user.pk
        and order.organisation_id in scope_for(user).org_ids
        and not _documented(order)
    )


@rules.predicate
def sees_review(user: Any, order: Any) -> bool:
    """The recipient and the controller see the review of a fulfilled order."""
    if order is None or not user.is_authenticated or order.status != OrderStatus.FULFILLED:
        return False
    if order.organisation_id not in scope_for(user).org_ids:
        return False
    return order.recipient_id == user.pk or bool(is_controller(user, order))


@rules.predicate
def changes_recipient(user: Any, order: Any) -> bool:
    """The controller, or the attestant of a requested order, until the review is
    documented."""
    if order is None or not user.is_authenticated:
        return False
    if order.organisation_id not in scope_for(user).org_ids or _documented(order):
        return False
    return bool(is_controller(user, order)) or bool(attests(user, order))


@rules.predicate
def names_attestant(user: Any, order: Any) -> bool:
    """The controller, on a requested provider order."""
    return bool(
        order is not None
        and user.is_authenticated
        and order.status == OrderStatus.REQUESTED
        and order.round.schedule.kind == OperationKind.PROVIDER
        and order.organisation_id in scope_for(user).org_ids
        and is_controller(user, order)
    )


@rules.predicate
def reveals(user: Any, order: Any) -> bool:
    """Only the recipient of a fulfilled order reveals a client's full number."""
    return bool(
        order is not None
        and user.is_authenticated
        and order.status == OrderStatus.FULFILLED
        and order.recipient_id is not None
        and order.recipient_id == user.pk
        and order.organisation_id in scope_for(user).org_ids
    )


@rules.predicate
def uses_menu(user: Any) -> bool:
    """The controller and the log administrator; an attestant with an order waiting."""
    if holds_any(user, CONTROLLER + ADMINISTRATOR):
        return True
    # From the access part's one query of the user's roles (`waiting_attestations`).
    return bool(
        user.is_authenticated and any(r[3] == ATTESTANT for r in scope_for(user).access_roles)
    )


ATTESTANT = "log_attestant"


def waiting_attestations(scope: Any) -> Any:
    """(organisation, None, None, ATTESTANT) for each extract order waiting for the
    user's attestation: a part of the access roles' UNION (access.rules.ROLE_FACT_PARTS)."""
    from django.db.models import CharField, IntegerField, Value

    from forvalta.logreview.models import ExtractOrder

    return (
        ExtractOrder.objects.filter(
            attestant_id=scope.user.pk,
            status=OrderStatus.REQUESTED,
            organisation_id__in=sorted(scope.org_ids),
        )
        .annotate(
            no_system=Value(None, output_field=IntegerField()),
            no_service=Value(None, output_field=IntegerField()),
            code=Value(ATTESTANT, output_field=CharField()),
        )
        .values_list("organisation_id", "no_system", "no_service", "code")
        .order_by()
    )


rules.add_perm("logreview.use_menu", uses_menu)
rules.add_perm("logreview.view_logsource", member)
rules.add_perm("logreview.add_logsource", manages_source)
rules.add_perm("logreview.change_logsource", manages_source)
rules.add_perm("logreview.view_samplinground", member)
rules.add_perm("logreview.add_samplingschedule", is_controller)
rules.add_perm("logreview.add_samplinground", is_controller)
rules.add_perm("logreview.view_extractorder", member)
rules.add_perm("logreview.attest_extractorder", attests)
rules.add_perm("logreview.fulfil_extractorder", fulfils)
rules.add_perm("logreview.add_logload", is_log_administrator)
rules.add_perm("logreview.view_review", sees_review)
rules.add_perm("logreview.review_extractorder", reviews)
rules.add_perm("logreview.change_recipient_extractorder", changes_recipient)
rules.add_perm("logreview.name_attestant_extractorder", names_attestant)
rules.add_perm("logreview.reveal_client", reveals)


# --- unauthorised access follow-up (seed 004 sections 8-9) ---------------------------------
def _controls_followup_system(user: Any, organisation_id: int, system_id: int) -> bool:
    return holds(user, organisation_id, system_id, CONTROLLER)


@rules.predicate
def opens_followup(user: Any, judgment: Any) -> bool:
    """From a needs-follow-up judgment of a fulfilled order: its recipient or the
    controller of the organisation on the source's system."""
    from forvalta.logreview.models import Verdict

    if judgment is None or not user.is_authenticated or judgment.verdict != Verdict.FOLLOW_UP:
        return False
    order = judgment.order
    if (
        order.status != OrderStatus.FULFILLED
        or order.organisation_id not in scope_for(user).org_ids
    ):
        return False
    if order.recipient_id is not None and order.recipient_id == user.pk:
        return True
    return _controls_followup_system(
        user, order.organisation_id, order.round.schedule.source.system_id
    )


@rules.predicate
def decides_followup(user: Any, followup: Any) -> bool:
    """An open follow-up: the one who opened it, the order's recipient, the controller."""
    from forvalta.logreview.models import FollowUpStatus

    if followup is None or not user.is_authenticated or followup.status != FollowUpStatus.OPEN:
        return False
    if followup.organisation_id not in scope_for(user).org_ids:
        return False
    if user.pk in (followup.opened_by_id, followup.order.recipient_id):
        return True
    return _controls_followup_system(user, followup.organisation_id, followup.system_id)


@rules.predicate
def closes_followup(user: Any, followup: Any) -> bool:
    """An open follow-up is closed by the controller."""
    from forvalta.logreview.models import FollowUpStatus

    return bool(
        followup is not None
        and user.is_authenticated
        and followup.status == FollowUpStatus.OPEN
        and followup.organisation_id in scope_for(user).org_ids
        and _controls_followup_system(user, followup.organisation_id, followup.system_id)
    )


rules.add_perm("logreview.view_unauthorisedaccess", member)
rules.add_perm("logreview.open_unauthorisedaccess", opens_followup)
rules.add_perm("logreview.decide_unauthorisedaccess", decides_followup)
rules.add_perm("logreview.close_unauthorisedaccess", closes_followup)

# The process owner is told of an escalation (a neutral title: never who or which).
from django.utils.translation import gettext_lazy as _  # noqa: E402

from forvalta.notifications.registry import Channel, Kind, declare_kind  # noqa: E402

FOLLOWUP_ESCALATED = declare_kind(
    Kind(
        "unauthorised_access_escalated",
        _("An unauthorised access is escalated to you"),
        title=_("An unauthorised access has been escalated to you"),
        subject=_("Forvalta: an unauthorised access has been escalated to you"),
        default_channel=Channel.EMAIL,
    )
)


# Reports (build 8): the organisation's access staff of a system (controller, system
# administrator, object and system owner, process owner) read the year's figures of
# that system's log sources (reports.reported_schedules); anyone else is refused.
@rules.predicate
def reads_reports(user: Any) -> bool:
    from forvalta.access.rules import STAFF

    return holds_any(user, STAFF)


rules.add_perm("logreview.view_report", reads_reports)
