"""Background work of the audit trail."""

from __future__ import annotations

from django_tasks import task

from forvalta.audit.services import chain_pending
from forvalta.background.scheduler import schedule


@task()
def chain_staged_audit_events() -> int:
    """Chain the audit events left staged (a process that died before its sequencer ran).

    The periodic safety net beside the sequencer that requests start after commit; the
    same work as `manage.py audit_chain`. Returns how many events it chained.
    """
    return chain_pending()


schedule("audit.chain_staged_events", chain_staged_audit_events, every=60)
