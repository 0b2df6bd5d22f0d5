"""Writes of the business calendar: each checks the rule, saves and records the audit
event in one transaction (through the core model services)."""

from __future__ import annotations

from typing import Any

from forvalta.businesscalendar.models import CalendarException, ServiceHours
from forvalta.core.services import model_create, model_delete, model_update


def service_hours_create(*, actor: Any, data: dict[str, Any]) -> ServiceHours:
    return model_create(actor=actor, model=ServiceHours, data=data)


def service_hours_update(*, actor: Any, instance: ServiceHours, data: dict[str, Any]) -> Any:
    return model_update(actor=actor, instance=instance, data=data)


def service_hours_delete(*, actor: Any, instance: ServiceHours) -> None:
    model_delete(actor=actor, instance=instance)


def exception_create(*, actor: Any, data: dict[str, Any]) -> CalendarException:
    return model_create(actor=actor, model=CalendarException, data=data)


def exception_update(*, actor: Any, instance: CalendarException, data: dict[str, Any]) -> Any:
    return model_update(actor=actor, instance=instance, data=data)


def exception_delete(*, actor: Any, instance: CalendarException) -> None:
    model_delete(actor=actor, instance=instance)
