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
# The API list of review outcomes (forvalta/logreview/api.py): scoped as the orders.
rules.add_perm("logreview.view_reviewoutcome", member)
