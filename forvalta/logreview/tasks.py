"""Background work of log review: loading an uploaded log file (all or nothing), resuming
loads whose run was killed, and the daily disposal of raw log rows past retention."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from forvalta.background.scheduler import schedule

# A queued load older than this with no run holding its lock is started again.
RESUME_AFTER = dt.timedelta(minutes=10)


@task()
def load_log(load_id: int) -> str:
    """Load a queued log file (idempotent: a load already loaded or failed is left)."""
    from forvalta.logreview.services import run_load

    return run_load(load_id)


@task()
def resume_loads() -> int:
    """Start again every queued load whose run died (a killed worker leaves nothing of
    the file in the log, and the file in storage): the loads enqueued."""
    from forvalta.logreview.services import stalled_loads

    ids = stalled_loads(RESUME_AFTER)
    for load_id in ids:
        load_log.enqueue(load_id)
    return len(ids)


@task()
def dispose_log_rows() -> dict[str, int]:
    """Dispose of raw log rows past their source's retention (outcomes are kept), and of
    stored upload files no load refers to."""
    from forvalta.logreview.store import dispose_expired, prune_orphan_files, split_default

    split_default()
    result = dispose_expired()
    result["orphan_files"] = prune_orphan_files()
    return result


schedule("logreview.resume_loads", resume_loads, every=600)
schedule("logreview.dispose_log_rows", dispose_log_rows, cron="15 3 * * *")


# The quarterly rounds, drawn daily from the quarter's draw day (scheduling.py declares
# the job `logreview.quarterly_rounds`).
from forvalta.logreview.scheduling import draw_quarterly_rounds  # noqa: E402,F401
