"""Background work of log review: loading an uploaded log file (all or nothing)."""

from __future__ import annotations

from django_tasks import task


@task()
def load_log(load_id: int) -> str:
    """Load a queued log file (idempotent: a load already loaded or failed is left)."""
    from forvalta.logreview.services import run_load

    return run_load(load_id)


# The quarterly rounds, drawn daily from the quarter's draw day (scheduling.py declares
# the job `logreview.quarterly_rounds`).
from forvalta.logreview.scheduling import draw_quarterly_rounds  # noqa: E402,F401
