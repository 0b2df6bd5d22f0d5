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


# A follow-up opened from a review on suspicion stays within the case's need to know:
# opened by the case's recipient once the extract is there (fulfilled or documented),
# decided by that recipient or the reviewed person's manager's manager, closed by the
# manager's manager; never by the person reviewed, nor by an organisation administrator
# or a controller who is not named on the case.
CASE_REVIEWED = ("fulfilled", "documented")


def _case_followup_person(user: Any, case: Any, *fields: str) -> bool:
    return bool(
        case.organisation_id in scope_for(user).org_ids
        and user.is_active
        and case.subject_user_id != user.pk
        and any(getattr(case, f"{name}_id") == user.pk for name in fields)
    )


@rules.predicate
def opens_followup(user: Any, judgment: Any) -> bool:
    """From a needs-follow-up judgment of a fulfilled order: its recipient or the
    controller of the organisation on the source's system. From a needs-follow-up
    judgment of a review on suspicion: the case's recipient, once it is fulfilled."""
    from forvalta.logreview.models import SuspicionJudgment, Verdict

    if judgment is None or not user.is_authenticated or judgment.verdict != Verdict.FOLLOW_UP:
        return False
    if isinstance(judgment, SuspicionJudgment):
        case = judgment.case
        return case.status in CASE_REVIEWED and _case_followup_person(user, case, "recipient")
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
    """An open follow-up: the one who opened it, the order's recipient, the controller;
    opened from a review on suspicion, the case's recipient or manager's manager."""
    from forvalta.logreview.models import FollowUpStatus

    if followup is None or not user.is_authenticated or followup.status != FollowUpStatus.OPEN:
        return False
    if followup.organisation_id not in scope_for(user).org_ids:
        return False
    if followup.case_id is not None:
        return _case_followup_person(user, followup.case, "recipient", "senior_manager")
    if user.pk in (followup.opened_by_id, followup.order.recipient_id):
        return True
    return _controls_followup_system(user, followup.organisation_id, followup.system_id)


@rules.predicate
def closes_followup(user: Any, followup: Any) -> bool:
    """An open follow-up is closed by the controller; opened from a review on suspicion,
    by the case's manager's manager."""
    from forvalta.logreview.models import FollowUpStatus

    if (
        followup is None
        or not user.is_authenticated
        or followup.status != FollowUpStatus.OPEN
        or followup.organisation_id not in scope_for(user).org_ids
    ):
        return False
    if followup.case_id is not None:
        return _case_followup_person(user, followup.case, "senior_manager")
    return _controls_followup_system(user, followup.organisation_id, followup.system_id)


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


# --- review on suspicion (seed 004 section 7) ----------------------------------------------
# Requested by the controller of the source's system or by a manager (anyone who manages
# a member of the organisation: "verksamheten"), naming the attestant, the recipient and
# the reviewed person's manager's manager. Only that manager's manager enters who is
# reviewed (the service checks the memberships' managers); the attestant attests; a log
# administrator of the system fulfils; the recipient reviews and documents.
SUSPICION_NAMED = "log_suspicion"  # pseudo role: named on a review on suspicion
MANAGER = "log_manager"  # pseudo role: manages a member of the organisation


def suspicion_facts(scope: Any) -> Any:
    """(organisation, None, None, SUSPICION_NAMED) for each case the user is named on: a
    part of the access roles' one UNION (access.rules.ROLE_FACT_PARTS)."""
    from django.db.models import CharField, IntegerField, Q, Value

    from forvalta.logreview.models import SuspicionCase

    orgs = sorted(scope.org_ids)
    pk = scope.user.pk
    return (
        SuspicionCase.objects.filter(
            Q(requested_by_id=pk)
            | Q(attestant_id=pk)
            | Q(recipient_id=pk)
            | Q(senior_manager_id=pk),
            organisation_id__in=orgs,
        )
        .annotate(
            no_system=Value(None, output_field=IntegerField()),
            no_service=Value(None, output_field=IntegerField()),
            code=Value(SUSPICION_NAMED, output_field=CharField()),
        )
        .values_list("organisation_id", "no_system", "no_service", "code")
        .order_by()
    )


def manager_facts(scope: Any) -> Any:
    """(organisation, None, None, MANAGER) where the user manages a member (one row per
    organisation): a part of the access roles' one UNION."""
    from django.db.models import CharField, IntegerField, Value
    from django.db.models.functions import Cast

    from forvalta.core.models import Membership

    return (
        Membership.objects.active()
        .filter(manager_id=scope.user.pk, organisation_id__in=sorted(scope.org_ids))
        .annotate(
            # Typed: PostgreSQL reads an untyped NULL under DISTINCT as text.
            no_system=Cast(Value(None), output_field=IntegerField()),
            no_service=Cast(Value(None), output_field=IntegerField()),
            code=Value(MANAGER, output_field=CharField()),
        )
        .values_list("organisation_id", "no_system", "no_service", "code")
        .order_by()
        .distinct()
    )


def _facts(user: Any, code: str, organisation_id: int | None = None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return any(
        r[3] == code and (organisation_id is None or r[0] == organisation_id)
        for r in scope_for(user).access_roles
    )


@rules.predicate
def requests_suspicion(user: Any, case: Any = None) -> bool:
    """The controller of the source's system, or a manager of the organisation."""
    if case is None:
        return holds_any(user, CONTROLLER) or _facts(user, MANAGER)
    if not user.is_authenticated or case.organisation_id not in scope_for(user).org_ids:
        return False
    return _facts(user, MANAGER, case.organisation_id) or holds(
        user, case.organisation_id, case.source.system_id, CONTROLLER
    )


def _sees_case(user: Any, case: Any) -> bool:
    from forvalta.logreview.models import SuspicionCase

    return SuspicionCase.objects.visible_to(user).filter(pk=case.pk).exists()


@rules.predicate
def enters_suspicion_subject(user: Any, case: Any) -> bool:
    """The manager's manager named on a requested case (the service checks that they
    manage the manager of the person they enter)."""
    return bool(
        case is not None
        and user.is_authenticated
        and case.status == "requested"
        and case.senior_manager_id == user.pk
        and case.organisation_id in scope_for(user).org_ids
    )


# Who may be renamed on a case, by its status: before the person reviewed is entered,
# by the one who requested it; afterwards only by the manager's manager who entered them
# (anyone else would learn who is reviewed from being refused that person).
RENAMEABLE = {
    "requested": ("attestant", "recipient", "senior_manager"),
    "subject_entered": ("attestant", "recipient", "administrator"),
    "attested": ("recipient", "administrator"),
}


@rules.predicate
def renames_suspicion(user: Any, case: Any) -> bool:
    """Change the people named on a case before they have acted (see RENAMEABLE)."""
    if case is None or not user.is_authenticated or case.status not in RENAMEABLE:
        return False
    if case.organisation_id not in scope_for(user).org_ids:
        return False
    if case.status == "requested":
        return bool(case.requested_by_id == user.pk and requests_suspicion(user, case))
    return bool(case.senior_manager_id == user.pk)


@rules.predicate
def attests_suspicion(user: Any, case: Any) -> bool:
    return bool(
        case is not None
        and user.is_authenticated
        and case.status == "subject_entered"
        and case.attestant_id == user.pk
        and case.organisation_id in scope_for(user).org_ids
    )


@rules.predicate
def administers_suspicion(user: Any, case: Any) -> bool:
    """A log administrator of the source's system, on a case attested or later, never
    the person reviewed."""
    return bool(
        case is not None
        and user.is_authenticated
        and case.status in ("attested", "fulfilled", "documented")
        and case.subject_user_id != user.pk
        and (case.administrator_id is None or case.administrator_id == user.pk)
        and holds(user, case.organisation_id, case.source.system_id, ADMINISTRATOR)
    )


@rules.predicate
def fulfils_suspicion(user: Any, case: Any) -> bool:
    return bool(
        case is not None and case.status == "attested" and administers_suspicion(user, case)
    )


@rules.predicate
def sees_suspicion_review(user: Any, case: Any) -> bool:
    """The recipient, once the extract is there."""
    return bool(
        case is not None
        and user.is_authenticated
        and case.status in ("fulfilled", "documented")
        and case.recipient_id == user.pk
        and case.organisation_id in scope_for(user).org_ids
    )


@rules.predicate
def reviews_suspicion(user: Any, case: Any) -> bool:
    return bool(sees_suspicion_review(user, case) and case.status == "fulfilled")


@rules.predicate
def uses_suspicion_menu(user: Any) -> bool:
    """Who may request one, and whoever is named on one."""
    return bool(
        holds_any(user, CONTROLLER + ADMINISTRATOR)
        or _facts(user, MANAGER)
        or _facts(user, SUSPICION_NAMED)
    )


rules.add_perm("logreview.use_suspicion_menu", uses_suspicion_menu)
rules.add_perm("logreview.add_suspicioncase", requests_suspicion)
rules.add_perm("logreview.enter_suspicion_subject", enters_suspicion_subject)
rules.add_perm("logreview.attest_suspicioncase", attests_suspicion)
rules.add_perm("logreview.rename_suspicioncase", renames_suspicion)
rules.add_perm("logreview.administer_suspicioncase", administers_suspicion)
rules.add_perm("logreview.fulfil_suspicioncase", fulfils_suspicion)
rules.add_perm("logreview.view_suspicion_review", sees_suspicion_review)
rules.add_perm("logreview.review_suspicioncase", reviews_suspicion)
# The API's list and detail of cases (forvalta/logreview/api.py): a member asks; which
# cases, and what of each, is decided by the scope (named on the case) and the page's
# rules (suspicion.what_user_sees).
rules.add_perm("logreview.view_suspicioncase", member)
# The API list of review outcomes (forvalta/logreview/api.py): scoped as the orders.
rules.add_perm("logreview.view_reviewoutcome", member)
