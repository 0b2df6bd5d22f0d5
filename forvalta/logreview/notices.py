"""Who log review tells (forvalta.notifications), called by its services inside the
transaction of the change:

- drawn: each order's attestant (a provider unit's manager), or for an authority order
  the organisation's controllers of the system; never the one who drew;
- attested: the organisation's log administrators (system administrators) of the system;
- fulfilled: the order's recipient, who reviews it.

Each person is told once per order and step (the notification key). `notify` checks
that the person sees the order, so another organisation's people are never told.
"""

from __future__ import annotations

from typing import Any

from forvalta.logreview.models import ExtractOrder, OperationKind, SamplingRound
from forvalta.notifications.services import notify


def _tell(people: list[Any], actor: Any, kind: str, order: ExtractOrder, step: str) -> None:
    told: set[int] = set()
    for person in people:
        if person is None or person.pk in told or (actor is not None and person.pk == actor.pk):
            continue
        told.add(person.pk)
        notify(
            person,
            kind,
            organisation=order.organisation,
            link=order.get_absolute_url(),
            obj=order,
            key=f"logreview-{step}-{order.pk}",
        )


def _holders(order: ExtractOrder, codes: tuple[str, ...]) -> list[Any]:
    from forvalta.access.services import role_holders

    return role_holders(order.organisation, order.round.schedule.source.system, codes)


def orders_drawn(round_: SamplingRound, actor: Any) -> None:
    """The attestants of the round's orders are told an order waits for them (`actor`
    None: a scheduled draw, the controller it was drawn in the name of is told too)."""
    orders = list(
        ExtractOrder.objects.filter(round=round_)
        .select_related("organisation", "attestant", "round__schedule__source__system")
        .order_by("pk")
    )
    controllers: list[Any] | None = None
    for order in orders:
        if round_.schedule.kind == OperationKind.AUTHORITY:
            if controllers is None:
                controllers = _holders(order, ("access_controller",))
            people = controllers
        else:
            people = [order.attestant]
        _tell(people, actor, "log_extract_to_attest", order, "attest")


def order_attested(order: ExtractOrder, actor: Any) -> None:
    _tell(
        _holders(order, ("system_administrator",)), actor, "log_extract_attested", order, "fulfil"
    )


def order_fulfilled(order: ExtractOrder, actor: Any) -> None:
    _tell([order.recipient], actor, "log_extract_fulfilled", order, "review")
