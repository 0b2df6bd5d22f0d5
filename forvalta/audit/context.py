"""Request context for audit events (client address, agent, API token, request id).

Commands and background work have no request: their events carry the program
(``system: manage.py audit_dispose``) as the client instead, so nothing is
silently skipped. A task runner can name itself with `activate(for_process(...))`.
"""

from __future__ import annotations

import contextvars
import os
import sys
import uuid
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class AuditContext:
    client_address: str | None = None
    user_agent: str = ""
    request_id: str = ""
    api_token_id: int | None = None


_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "forvalta_audit_context", default=None
)
_process: AuditContext | None = None


def for_process(name: str = "") -> AuditContext:
    """The context of a command or worker: the program as the client, one id per run."""
    if not name:
        program = os.path.basename(sys.argv[0]) if sys.argv else "python"
        name = " ".join([program, *sys.argv[1:2]])
    return AuditContext(user_agent=f"system: {name}"[:500], request_id=uuid.uuid4().hex)


def current() -> AuditContext:
    global _process
    ctx = _current.get()
    if ctx is not None:
        return ctx
    if _process is None:
        _process = for_process()
    return _process


def activate(ctx: AuditContext) -> contextvars.Token:
    return _current.set(ctx)


def deactivate(token: contextvars.Token) -> None:
    _current.reset(token)


def attach_api_token(token_id: int) -> None:
    """Mark the rest of this request's events as made through an API token."""
    _current.set(replace(current(), api_token_id=token_id))
