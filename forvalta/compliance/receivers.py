"""The annual cycle listens to the parts that fulfil its controls (forvalta.core.controls)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from forvalta.core.controls import control_fulfilled


@receiver(control_fulfilled, dispatch_uid="compliance.fulfil_control")
def fulfil_control(sender: Any, **kwargs: Any) -> None:
    from forvalta.compliance.services import fulfil

    fulfil(
        kind=kwargs.get("kind", ""),
        organisation=kwargs.get("organisation"),
        target=kwargs.get("target"),
        on=kwargs.get("on"),
        evidence=kwargs.get("evidence"),
    )
