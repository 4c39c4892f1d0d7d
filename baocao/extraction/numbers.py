"""Numbers as Vietnamese reports write them.

- digits: ``516.033`` (dot groups thousands), ``16,2`` (comma is the decimal mark), ``03`` (leading
  zero is style) — through :func:`baocao.core.numbers.parse_number`;
- multipliers after a number: ``1,2 triệu``, ``3 tỷ``, ``2 tỷ 500 triệu``, ``91 nghìn``;
- amounts in words: ``Ba mươi triệu năm trăm ngàn đồng`` → 30 500 000;
- ``gấp đôi`` / ``gấp ba`` / ``gấp rưỡi`` → 2 / 3 / 1.5 (unit "lần");
- qualifiers before a number: trên/hơn/gần/tối thiểu → ``at_least``, khoảng/ước đạt/xấp xỉ → ``approx``.
"""

from __future__ import annotations

import re
from decimal import Decimal

from baocao.core.numbers import NumberFormatError, parse_number

from .textutil import fold_same_length

MULTIPLIERS: dict[str, int] = {"nghin": 1000, "ngan": 1000, "trieu": 10**6, "ty": 10**9, "ti": 10**9}

# Folded number words. "năm" (five) folds to "nam"; "tư" to "tu"; "lăm"/"nhăm" to "lam"/"nham".
_DIGIT_WORDS: dict[str, int] = {
    "khong": 0,
    "mot": 1,
    "mott": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "tu": 4,
    "nam": 5,
    "lam": 5,
    "nham": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
}
_ALL_NUMBER_WORDS = set(_DIGIT_WORDS) | set(MULTIPLIERS) | {"muoi", "tram", "linh", "le", "ruoi", "mot"}
_STRONG_WORDS = {"muoi", "tram", "nghin", "ngan", "trieu", "ty", "ti"}


def parse_digits(token: str) -> Decimal | None:
    """``"516.033"`` → 516033, ``"16,2"`` → 16.2, ``"03"`` → 3; ``None`` when not Vietnamese notation."""
    if token.isdigit():
        return Decimal(token)
    try:
        return parse_number(token)
    except NumberFormatError:
        return None


def words_to_number(words: str) -> Decimal | None:
    """An amount written in words: ``"Ba mươi triệu năm trăm ngàn"`` → 30500000.

    Returns ``None`` unless the words form a number with at least one of mươi/mười/trăm/nghìn/ngàn/
    triệu/tỷ (a lone "một" or "năm" is not read as a number: "một số", "năm 2019").
    """
    tokens = fold_same_length(words).replace(",", " ").split()
    if not tokens or not any(t in _STRONG_WORDS or t == "muoi" for t in tokens):
        return None
    parts: list[Decimal] = []
    cur = Decimal(0)
    last_digit: int | None = None
    last_mult = 0
    for t in tokens:
        if t in _DIGIT_WORDS and t != "mott":
            d = _DIGIT_WORDS[t]
            cur += d
            last_digit = d
        elif t == "muoi":
            # "mười" (ten) and "mươi" (tens) fold alike; "ba mươi" multiplies, a bare "mười" adds ten.
            if last_digit is not None and cur % 10 == last_digit:
                cur += last_digit * 9
            else:
                cur += 10
            last_digit = None
        elif t == "tram":
            cur = (cur - (last_digit or 0)) + (last_digit if last_digit is not None else 1) * 100
            last_digit = None
        elif t in ("linh", "le"):
            last_digit = None
        elif t in MULTIPLIERS:
            m = MULTIPLIERS[t]
            small = sum((p for p in parts if p < m), Decimal(0)) + cur
            parts = [p for p in parts if p >= m]
            parts.append((small or 1) * m)
            cur = Decimal(0)
            last_digit = None
            last_mult = m
        elif t == "ruoi" and last_mult:
            parts.append(Decimal(last_mult) / 2)
        else:
            return None
    total = sum(parts, Decimal(0)) + cur
    return total if total > 0 else None


# The first word must be a digit word, "mười" or "trăm" ("tư", "lăm", "linh", "lẻ" only continue a
# number: "đầu tư hai trăm" must not read as 4 + 200).
_WORD_NUMBER = re.compile(
    r"(?<![^\W\d_])((?:khong|mot|hai|ba|bon|nam|sau|bay|tam|chin|muoi|tram)\s+"
    r"(?:(?:khong|mot|hai|ba|bon|tu|nam|lam|nham|sau|bay|tam|chin|muoi|tram|linh|le|"
    r"nghin|ngan|trieu|ty|ti|ruoi)(?:\s+|$|(?=[^\w])))+)"
)


def find_word_numbers(folded: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, Decimal]]:
    """``(start, end, value)`` of amounts written in words inside ``folded[start:end]``."""
    end = len(folded) if end is None else end
    out = []
    for m in _WORD_NUMBER.finditer(folded, start, end):
        s, e = m.start(1), m.end(1)
        while e > s and folded[e - 1].isspace():
            e -= 1
        value = words_to_number(folded[s:e])
        if value is not None:
            out.append((s, e, value))
    return out


MULTIPLE_WORDS: dict[str, Decimal] = {
    "doi": Decimal(2),
    "ruoi": Decimal("1.5"),
    "ba": Decimal(3),
    "bon": Decimal(4),
    "nam": Decimal(5),
    "muoi": Decimal(10),
}

_QUAL_WORD = re.compile(r"(?<![^\W\d_])(tren|hon|gan|toi thieu|it nhat|ngot|uoc dat|uoc tinh|uoc|khoang|xap xi|chung)\s*$")


def qualifier_before(folded_before: str) -> str:
    """Qualifier from the words right before a number (folded): ``"... ước đạt "`` → ``"approx"``.

    trên / hơn / gần / tối thiểu / ít nhất → ``at_least`` (the brief reads "gần" as at least too);
    khoảng / ước đạt / ước tính / xấp xỉ → ``approx``; anything else → ``exact``.
    """
    tail = folded_before[-24:]
    m = _QUAL_WORD.search(tail)
    if not m:
        return "exact"
    word = m.group(1)
    if word in ("tren", "hon", "gan", "toi thieu", "it nhat", "ngot"):
        # "ước đạt khoảng" and "khoảng gần" stay approximate.
        return "at_least"
    return "approx"


def to_json_number(value: Decimal) -> int | float:
    """Decimal → int when integral, else float (JSON has no decimals)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)
