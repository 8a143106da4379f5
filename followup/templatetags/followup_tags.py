"""Formatting of follow-up figures the Swedish way (1 287; 89,2 %; 4,6)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import template

from followup.charts import format_number, format_percent

register = template.Library()


@register.filter
def figure(value: object, kind: str = "int") -> str:
    """A table cell or key figure: ``kind`` is the column's kind (see series.Column)."""
    if value is None or value == "":
        return "–"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    if kind == "share":
        return format_percent(float(value))
    if kind == "days":
        return format_number(float(value), 1)
    if kind == "money":
        return format_number(float(value), 2)
    return format_number(float(value), 0)


@register.filter
def cell(row: dict[str, object], key: str) -> object:
    return row.get(key)
