"""Request context for audit events (client address, agent, request id).

Commands and background work have no request: their events carry the
command name as the client instead, so nothing is silently skipped.
"""

from __future__ import annotations

import contextvars
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


def current() -> AuditContext:
    return _current.get() or AuditContext(user_agent="system")


def activate(ctx: AuditContext) -> contextvars.Token:
    return _current.set(ctx)


def deactivate(token: contextvars.Token) -> None:
    _current.reset(token)


def attach_api_token(token_id: int) -> None:
    """Mark the rest of this request's events as made through an API token."""
    _current.set(replace(current(), api_token_id=token_id))
