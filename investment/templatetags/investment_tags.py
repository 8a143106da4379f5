"""Money as Swedish finance offices write it: 34 157 170,00 (non-breaking spaces)."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def sek(value: object) -> str:
    """An amount with two decimals, a decimal comma and spaces between thousands."""
    if value is None or value == "":
        return ""
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    text = f"{amount:,.2f}"  # 34,157,170.00
    return text.replace(",", "\u00a0").replace(".", ",").replace("-", "\u2212")


@register.filter
def thousands(value: object) -> str:
    """A whole number with spaces between thousands: 1 744 859."""
    if value is None or value == "":
        return ""
    return f"{int(str(value)):,}".replace(",", "\u00a0")
