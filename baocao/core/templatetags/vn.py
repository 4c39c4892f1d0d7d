"""Template filters that show numbers and dates the Vietnamese way.

``{% load vn %}{{ value|vn_number }}`` → 516.033; ``{{ share|vn_number:1 }}`` → 16,2;
``{{ share|vn_percent }}`` → 16,2%; ``{{ day|vn_date }}`` → 05/02/2025.
"""

from __future__ import annotations

import datetime as dt

from django import template

from baocao.core.numbers import format_number, format_percent

register = template.Library()


@register.filter
def vn_number(value, decimals=None):
    if value in (None, ""):
        return ""
    return format_number(value, None if decimals in (None, "") else int(decimals))


@register.filter
def vn_percent(value, decimals=1):
    if value in (None, ""):
        return ""
    return format_percent(value, int(decimals))


@register.filter
def vn_date(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    return value or ""
