"""The quarterly rounds (seed 004 6.2: "Systematisk loggranskning genomförs en gång per
kvartal"; 6.3: "Månad väljs som föregående månad").

A daily job (`logreview.quarterly_rounds`) draws, from the draw day of a quarter's first
month on (setting `LOGREVIEW_DRAW_DAY`, default 1; later days of that month catch up a
missed run), one round per sampling schedule over the previous calendar month, the last
month of the quarter that ended. It goes through `services.round_draw` with the
organisation's controller of the system as the one who draws (the first who may still
draw, `controller_of`), so the draw, the orders and the attestants' notifications are
exactly those of a draw by hand, and records `logreview.samplinground.scheduled`.

Idempotent: the schedule is locked while it is checked, and a schedule that already has
a round of that quarter (drawn by hand or by an earlier run) gets no other. A schedule
created after the quarter ended asks no round of it (as the year sign-off counts it,
`reports.required_quarters`). A schedule whose stored log has no activity in the month
yet, or with no controller who may draw, is left for a later day; one schedule that
fails does not stop the others.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django_tasks import task

from forvalta.audit.services import record
from forvalta.background.scheduler import schedule as declare_job
from forvalta.core.models import today
from forvalta.logreview.models import LogEntry, SamplingRound, SamplingSchedule
from forvalta.logreview.reports import required_quarters

logger = logging.getLogger(__name__)

QUARTER_STARTS = (1, 4, 7, 10)


def draw_day() -> int:
    """The day of a quarter's first month the rounds are drawn (1-28)."""
    day = int(getattr(settings, "LOGREVIEW_DRAW_DAY", 1) or 1)
    return min(max(day, 1), 28)


def controller_of(schedule: SamplingSchedule) -> Any:
    """The first of the organisation's controllers of the source's system who may still
    draw a round of the schedule (active, a member, the role in force)."""
    from forvalta.access.services import role_holders

    probe = SamplingRound(organisation_id=schedule.organisation_id, schedule=schedule)
    for person in role_holders(
        schedule.organisation, schedule.source.system, ("access_controller",)
    ):
        if person.has_perm("logreview.add_samplinground", probe):
            return person
    return None


def sampled_month(on: dt.date) -> dt.date | None:
    """The month a run on `on` draws (the first day of the previous month), or None when
    `on` is not in a quarter's first month on or after the draw day."""
    if on.month not in QUARTER_STARTS or on.day < draw_day():
        return None
    return (on.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def quarterly_rounds(on: dt.date | None = None) -> int:
    """Draw the rounds due on `on` (today); returns how many were drawn."""
    day = on or today()
    month = sampled_month(day)
    if month is None:
        return 0
    year, quarter = month.year, (month.month - 1) // 3 + 1
    made = 0
    for schedule in SamplingSchedule.objects.select_related(
        "organisation", "source", "source__system"
    ).order_by("pk"):
        if quarter not in required_quarters(schedule.created_at, year):
            continue
        try:
            if _draw(schedule, month, year, quarter):
                made += 1
        except Exception:
            logger.exception("the quarterly round of schedule %s failed", schedule.pk)
    return made


def _month_has_log(schedule: SamplingSchedule, month: dt.date) -> bool:
    from django.utils import timezone

    start = timezone.make_aware(dt.datetime.combine(month, dt.time.min))
    following = (month + dt.timedelta(days=32)).replace(day=1)
    end = timezone.make_aware(dt.datetime.combine(following, dt.time.min))
    return LogEntry.objects.filter(
        source_id=schedule.source_id, time__gte=start, time__lt=end
    ).exists()


def _draw(schedule: SamplingSchedule, month: dt.date, year: int, quarter: int) -> bool:
    from forvalta.logreview.services import round_draw

    with transaction.atomic():
        SamplingSchedule.objects.select_for_update().filter(pk=schedule.pk).exists()
        if SamplingRound.objects.filter(schedule=schedule, year=year, quarter=quarter).exists():
            return False
        if not _month_has_log(schedule, month):
            return False
        controller = controller_of(schedule)
        if controller is None:
            return False
        round_ = round_draw(actor=controller, schedule=schedule, month=month)
        from forvalta.logreview import notices

        notices.orders_drawn(round_, None)  # an authority order's controller too
        record(
            actor=None,
            action="logreview.samplinground.scheduled",
            obj=round_,
            organisation=schedule.organisation,
            changes={
                "month": [None, month.isoformat()],
                "drawn_by": [None, controller.pk],
            },
        )
    return True


@task()
def draw_quarterly_rounds() -> int:
    """Draw the quarter's rounds of every sampling schedule (idempotent)."""
    return quarterly_rounds()


declare_job("logreview.quarterly_rounds", draw_quarterly_rounds, cron="20 5 * * *")
