"""Template filters of the dashboards."""

from __future__ import annotations

from django import template

from baocao.periods.services import PeriodError, parse_any

register = template.Library()


@register.filter
def period_label(code: str) -> str:
    """``2024Q4`` → ``Quý IV/2024`` (the code itself when it is not a period code)."""
    try:
        return parse_any(code).label_vi
    except (PeriodError, TypeError, ValueError):
        return code


@register.filter
def in_set(value: object, items: set | None) -> bool:
    """``{{ code|in_set:codes }}``: is the value one of the items?"""
    return bool(items) and value in items
