"""Money and person-days as the plan shows them: 825 840 kr, 1 234,50 kr, 12,5."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()

NBSP = "\u00a0"


def money_text(value: Any) -> str:
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    text = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return text.replace(",", NBSP).replace(".", ",") + f"{NBSP}kr"


def number_text(value: Any, places: int = 1) -> str:
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    if amount == amount.to_integral_value():
        return f"{amount:,.0f}".replace(",", NBSP)
    return f"{amount:,.{places}f}".replace(",", NBSP).replace(".", ",")


@register.filter
def money(value: Any) -> str:
    return money_text(value)


@register.filter
def days(value: Any) -> str:
    return number_text(value)


@register.filter
def fte(value: Any) -> str:
    if value is None:
        return ""
    return f"{Decimal(value):.2f}".replace(".", ",")


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None
