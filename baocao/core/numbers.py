"""Numbers the Vietnamese way, in one place for templates, forms, Excel and extraction.

``format_number(516033)`` → ``"516.033"``; ``format_number(16.2, 1)`` → ``"16,2"``;
``parse_number("516.033")`` → ``Decimal("516033")``; ``parse_number("16,2")`` → ``Decimal("16.2")``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_VN_NUMBER = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")


class NumberFormatError(ValueError):
    """A string that is not a number written the Vietnamese way."""


def parse_number(text: str) -> Decimal:
    """Parse a number written the Vietnamese way (dot groups thousands, comma is the decimal mark).

    A plain "1.5" is ambiguous; it is accepted only as a thousands group when followed by exactly
    three digits ("1.500" = 1500), otherwise rejected with a clear message.
    """
    s = str(text).strip().replace("\u00a0", "").replace(" ", "")
    if s.endswith("%"):
        s = s[:-1]
    if not s:
        raise NumberFormatError("Giá trị trống")
    if not _VN_NUMBER.match(s):
        raise NumberFormatError(
            f"“{text}” không phải là số viết theo kiểu Việt Nam (ví dụ 516.033 hoặc 16,2)"
        )
    s = s.replace(".", "").replace(",", ".")
    try:
        return Decimal(s)
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise NumberFormatError(f"“{text}” không phải là số") from exc


def format_number(value: Decimal | float | int | None, decimals: int | None = None) -> str:
    """Format a number the Vietnamese way: ``516.033``, ``16,2``.

    ``decimals=None`` keeps the significant decimals of the value (trailing zeros dropped).
    """
    if value is None:
        return ""
    d = Decimal(str(value))
    if decimals is not None:
        d = d.quantize(Decimal(1).scaleb(-decimals))
        text = f"{d:,.{decimals}f}"
    else:
        text = f"{d.normalize():,f}" if d != d.to_integral() else f"{d.to_integral():,f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


def format_percent(value: Decimal | float | int | None, decimals: int = 1) -> str:
    """``16.2`` → ``"16,2%"``."""
    if value is None:
        return ""
    return f"{format_number(value, decimals)}%"
