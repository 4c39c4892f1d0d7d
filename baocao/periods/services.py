"""Reporting periods and regimes.

The first half of this module is pure (no database, usable before Django is set up): the
:class:`Period` value, its codes and Vietnamese/English labels, parsing and period arithmetic.

The second half reads the regime tables (``Regime``/``RegimeRule`` in ``models.py``) and answers,
for a period, the data cut-off window, the deadline, the lock date, whether a submission was early,
on time or late, and the deadline state on a given day. Deadlines are data: change a rule row (admin
or ``fixtures/regimes.json`` + ``baocao load_regimes``), never this code.

Codes (DHIS2-compatible where DHIS2 has one):

===============  ==========  =========================================
type             code        label_vi
===============  ==========  =========================================
``month``        ``202005``  Tháng 5/2020
``quarter``      ``2020Q3``  Quý III/2020
``half_year``    ``2020S1``  6 tháng đầu năm 2020 (S2: 6 tháng cuối năm)
``nine_months``  ``2021N9``  9 tháng năm 2021 (no DHIS2 equivalent)
``year``         ``2019``    Năm 2019
===============  ==========  =========================================
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import total_ordering
from typing import TYPE_CHECKING, Any, Literal

from baocao.core.text import fold

if TYPE_CHECKING:  # pragma: no cover
    from baocao.periods.models import Regime, RegimeRule

MIN_YEAR = 1990
MAX_YEAR = 2100

MONTH = "month"
QUARTER = "quarter"
HALF_YEAR = "half_year"
NINE_MONTHS = "nine_months"
YEAR = "year"

#: Period types from the finest to the coarsest.
PERIOD_TYPES: tuple[str, ...] = (MONTH, QUARTER, HALF_YEAR, NINE_MONTHS, YEAR)

# (number of periods per year, months per period) — nine_months is one period per year of 9 months.
_SHAPE: dict[str, tuple[int, int]] = {
    MONTH: (12, 1),
    QUARTER: (4, 3),
    HALF_YEAR: (2, 6),
    NINE_MONTHS: (1, 9),
    YEAR: (1, 12),
}

_TYPE_VI = {MONTH: "tháng", QUARTER: "quý", HALF_YEAR: "6 tháng", NINE_MONTHS: "9 tháng", YEAR: "năm"}
_ROMAN = ("I", "II", "III", "IV")
_ROMAN_VALUES = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

Timeliness = Literal["early", "on_time", "late"]
DeadlineState = Literal["open", "due_soon", "late", "locked"]


class PeriodError(ValueError):
    """A period code, label or value that does not name a real reporting period."""


def _check_type(period_type: str) -> str:
    value = str(period_type)
    if value not in _SHAPE:
        raise PeriodError(
            f"Loại kỳ báo cáo không hợp lệ: «{period_type}» (chỉ nhận: {', '.join(PERIOD_TYPES)})"
        )
    return value


def _check_year(year: int, source: object) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(
            f"Kỳ báo cáo không hợp lệ: «{source}»: năm {year} nằm ngoài khoảng {MIN_YEAR}–{MAX_YEAR}"
        )


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _shift_month(year: int, month: int, offset: int) -> tuple[int, int]:
    n = year * 12 + (month - 1) + offset
    return n // 12, n % 12 + 1


def _day_in_month(year: int, month: int, day: int) -> date:
    """``day`` of the month; 0 (or a day past the month's end) means the month's last day."""
    last = _last_day(year, month)
    return date(year, month, last if day <= 0 or day > last else day)


@total_ordering
@dataclass(frozen=True)
class Period:
    """One reporting period: ``Period("quarter", 2020, 3)`` is Quý III/2020 (code ``2020Q3``)."""

    type: str
    year: int
    index: int = 1

    def __post_init__(self) -> None:
        ptype = _check_type(self.type)
        object.__setattr__(self, "type", ptype)  # PeriodType members become plain strings
        if not isinstance(self.year, int) or not isinstance(self.index, int):
            raise PeriodError(
                f"Kỳ báo cáo không hợp lệ: năm và số thứ tự phải là số nguyên ({self.year!r}, {self.index!r})"
            )
        _check_year(self.year, f"{ptype} {self.year}")
        count = _SHAPE[ptype][0]
        if not 1 <= self.index <= count:
            raise PeriodError(
                f"Kỳ báo cáo không hợp lệ: {_TYPE_VI[ptype]} số {self.index} năm {self.year} "
                f"(số thứ tự phải từ 1 đến {count})"
            )

    # --- construction -------------------------------------------------------------------------

    @classmethod
    def containing(cls, period_type: str, day: date) -> Period:
        """The period of ``period_type`` whose calendar dates contain ``day``.

        For ``nine_months`` a day in October–December has no containing period: PeriodError.
        """
        ptype = _check_type(period_type)
        months = _SHAPE[ptype][1]
        if ptype == NINE_MONTHS and day.month > 9:
            raise PeriodError(f"Ngày {day:%d/%m/%Y} không thuộc kỳ 9 tháng nào (kỳ 9 tháng là 01/01–30/09)")
        return cls(ptype, day.year, (day.month - 1) // months + 1)

    @classmethod
    def parse(cls, text: str) -> Period:
        """A code (``2020Q3``) or a Vietnamese label (``Quý III/2020``); see :func:`parse_any`."""
        return parse_any(text)

    # --- calendar -----------------------------------------------------------------------------

    @property
    def first_month(self) -> int:
        return (self.index - 1) * _SHAPE[self.type][1] + 1

    @property
    def last_month(self) -> int:
        return self.first_month + _SHAPE[self.type][1] - 1

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.last_month, _last_day(self.year, self.last_month))

    @property
    def months(self) -> list[Period]:
        return [Period(MONTH, self.year, m) for m in range(self.first_month, self.last_month + 1)]

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    # --- codes and labels ---------------------------------------------------------------------

    @property
    def code(self) -> str:
        if self.type == MONTH:
            return f"{self.year}{self.index:02d}"
        if self.type == QUARTER:
            return f"{self.year}Q{self.index}"
        if self.type == HALF_YEAR:
            return f"{self.year}S{self.index}"
        if self.type == NINE_MONTHS:
            return f"{self.year}N9"
        return f"{self.year}"

    @property
    def label_vi(self) -> str:
        if self.type == MONTH:
            return f"Tháng {self.index}/{self.year}"
        if self.type == QUARTER:
            return f"Quý {_ROMAN[self.index - 1]}/{self.year}"
        if self.type == HALF_YEAR:
            return f"6 tháng {'đầu' if self.index == 1 else 'cuối'} năm {self.year}"
        if self.type == NINE_MONTHS:
            return f"9 tháng năm {self.year}"
        return f"Năm {self.year}"

    @property
    def label_en(self) -> str:
        if self.type == MONTH:
            return f"{_MONTHS_EN[self.index - 1]} {self.year}"
        if self.type == QUARTER:
            return f"Q{self.index} {self.year}"
        if self.type == HALF_YEAR:
            return f"{'First' if self.index == 1 else 'Second'} half of {self.year}"
        if self.type == NINE_MONTHS:
            return f"First nine months of {self.year}"
        return f"Year {self.year}"

    def __str__(self) -> str:
        return self.code

    # --- arithmetic ---------------------------------------------------------------------------

    def shift(self, n: int) -> Period:
        """The period ``n`` steps later (earlier when negative) of the same type."""
        count = _SHAPE[self.type][0]
        k = self.year * count + (self.index - 1) + n
        return Period(self.type, k // count, k % count + 1)

    def next(self) -> Period:
        return self.shift(1)

    def previous(self) -> Period:
        return self.shift(-1)

    def same_period_last_year(self) -> Period:
        return Period(self.type, self.year - 1, self.index)

    def sort_key(self) -> tuple[date, date, int]:
        return (self.start, self.end, PERIOD_TYPES.index(self.type))

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self.sort_key() < other.sort_key()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "type": self.type,
            "year": self.year,
            "index": self.index,
            "label_vi": self.label_vi,
            "label_en": self.label_en,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


# --- parsing ----------------------------------------------------------------------------------

_CODE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(\d{4})"), YEAR),
    (re.compile(r"(\d{4})-?(\d{2})"), MONTH),
    (re.compile(r"(\d{4})-?Q(\d{1,2})"), QUARTER),
    (re.compile(r"(\d{4})-?[SH](\d{1,2})"), HALF_YEAR),
    (re.compile(r"(\d{4})-?N(\d{1,2})"), NINE_MONTHS),
)


def parse_period(code: str) -> Period:
    """Parse a period code: ``2020``, ``202005``/``2020-05``, ``2020Q3``/``2020-Q3``,
    ``2020S1``/``2020H1``/``2020-H1``, ``2021N9``. Raises :class:`PeriodError`."""
    if not isinstance(code, str):
        raise PeriodError(f"Mã kỳ báo cáo phải là chuỗi ký tự, nhận được {code!r}")
    text = re.sub(r"\s+", "", code).upper()
    for pattern, ptype in _CODE_PATTERNS:
        m = pattern.fullmatch(text)
        if not m:
            continue
        year = int(m.group(1))
        _check_year(year, code)
        if ptype == YEAR:
            return Period(YEAR, year, 1)
        number = int(m.group(2))
        if ptype == NINE_MONTHS:
            if number != 9:
                raise PeriodError(f"Mã kỳ báo cáo không hợp lệ: «{code}» (kỳ 9 tháng có mã dạng 2021N9)")
            return Period(NINE_MONTHS, year, 1)
        count = _SHAPE[ptype][0]
        if not 1 <= number <= count:
            raise PeriodError(
                f"Mã kỳ báo cáo không hợp lệ: «{code}»: {_TYPE_VI[ptype]} phải từ 1 đến {count}, không phải {number}"
            )
        return Period(ptype, year, number)
    raise PeriodError(
        f"Mã kỳ báo cáo không hợp lệ: «{code}» (dạng đúng: 202005, 2020Q3, 2020S1, 2021N9, 2020)"
    )


_NUM = r"(\d{1,2}|[ivx]+)"
_YEAR_SEP = r"\s*(?:/|-|\s)\s*(?:nam\s+)?"
_LABEL_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"thang\s+(\d{{1,2}}){_YEAR_SEP}(\d{{4}})"), MONTH),
    (re.compile(rf"quy\s+{_NUM}{_YEAR_SEP}(\d{{4}})"), QUARTER),
    (re.compile(r"(?:6|06|sau)\s+thang\s+(dau|cuoi)\s+nam\s+(\d{4})"), HALF_YEAR),
    (re.compile(r"(?:6|06|sau)\s+thang\s+(?:nam\s+)?(\d{4})"), HALF_YEAR),
    (re.compile(r"(?:9|09|chin)\s+thang\s+(?:dau\s+)?(?:nam\s+)?(\d{4})"), NINE_MONTHS),
    (re.compile(r"(?:ca\s+)?nam\s+(\d{4})"), YEAR),
)


def _number(token: str, source: str) -> int:
    if token.isdigit():
        return int(token)
    if token in _ROMAN_VALUES:
        return _ROMAN_VALUES[token]
    raise PeriodError(f"Kỳ báo cáo không hợp lệ: «{source}»: không đọc được số «{token}»")


def parse_label(text: str) -> Period:
    """Parse a Vietnamese period label, with or without diacritics.

    Accepts "Quý III/2020", "quý 3 năm 2020", "6 tháng đầu năm 2019", "6 tháng cuối năm 2019",
    "6 tháng năm 2019" (= first half, as reports use it), "9 tháng (đầu) năm 2021", "Năm 2019",
    "tháng 5/2020", "Tháng 05 năm 2020". Raises :class:`PeriodError`.
    """
    if not isinstance(text, str):
        raise PeriodError(f"Nhãn kỳ báo cáo phải là chuỗi ký tự, nhận được {text!r}")
    folded = fold(text).strip(" .,:;")
    for pattern, ptype in _LABEL_PATTERNS:
        m = pattern.fullmatch(folded)
        if not m:
            continue
        groups = m.groups()
        year = int(groups[-1])
        _check_year(year, text)
        if ptype in (MONTH, QUARTER):
            number = _number(groups[0], text)
            count = _SHAPE[ptype][0]
            if not 1 <= number <= count:
                raise PeriodError(
                    f"Kỳ báo cáo không hợp lệ: «{text}»: {_TYPE_VI[ptype]} phải từ 1 đến {count}, không phải {groups[0].upper()}"
                )
            return Period(ptype, year, number)
        if ptype == HALF_YEAR:
            index = 2 if len(groups) == 2 and groups[0] == "cuoi" else 1
            return Period(HALF_YEAR, year, index)
        return Period(ptype, year, 1)
    raise PeriodError(
        f"Không đọc được kỳ báo cáo «{text}» (ví dụ đúng: Tháng 5/2020, Quý III/2020, "
        "6 tháng đầu năm 2020, 9 tháng năm 2021, Năm 2019)"
    )


def parse_any(text: str) -> Period:
    """A period code (``2020Q3``) or a Vietnamese label (``Quý III/2020``)."""
    try:
        return parse_period(text)
    except PeriodError as code_error:
        if (
            isinstance(text, str)
            and re.fullmatch(r"\s*\d{4}.*", text)
            and not re.search(r"[^\W\d_]{2,}", text)
        ):
            raise code_error
        return parse_label(text)


def period_for_date(period_type: str, day: date) -> Period:
    """The period of ``period_type`` (calendar dates) that contains ``day``."""
    return Period.containing(period_type, day)


def _as_range(start: date | Period, end: date | Period) -> tuple[date, date]:
    a = start.start if isinstance(start, Period) else start
    b = end.end if isinstance(end, Period) else end
    return a, b


def periods_between(period_type: str, start: date | Period, end: date | Period) -> list[Period]:
    """Every period of ``period_type`` whose calendar dates overlap ``start`` … ``end`` (inclusive),
    in order. ``start``/``end`` may be dates or periods (a period counts from its start / to its end)."""
    ptype = _check_type(period_type)
    a, b = _as_range(start, end)
    if b < a:
        raise PeriodError(f"Khoảng thời gian không hợp lệ: {a:%d/%m/%Y} sau {b:%d/%m/%Y}")
    result: list[Period] = []
    if ptype == NINE_MONTHS:
        for year in range(a.year, b.year + 1):
            p = Period(NINE_MONTHS, year, 1)
            if p.start <= b and p.end >= a:
                result.append(p)
        return result
    p = Period.containing(ptype, a)
    while True:
        result.append(p)
        if p.end >= b:
            return result
        p = p.next()


def sub_periods(period: Period, period_type: str) -> list[Period]:
    """The periods of ``period_type`` that lie wholly inside ``period`` (the quarters of a half-year,
    the months of a quarter, the quarters of nine months …). PeriodError when none fits."""
    ptype = _check_type(period_type)
    inside = [
        p
        for p in periods_between(ptype, period.start, period.end)
        if period.start <= p.start and p.end <= period.end
    ]
    if not inside:
        raise PeriodError(f"Kỳ {_TYPE_VI[ptype]} không nằm trong {period.label_vi}")
    return inside


# --- regimes ----------------------------------------------------------------------------------


class RegimeError(LookupError):
    """An unknown regime or a regime with no rule for a period type."""


@dataclass(frozen=True)
class RuleSpec:
    """The numbers of a rule row, for computing without the database (a ``RegimeRule`` works too)."""

    window_start_month_offset: int = 0
    window_start_day: int = 1
    window_end_month_offset: int = 0
    window_end_day: int = 0
    deadline_month_offset: int = 0
    deadline_day: int = 15
    lock_after_days: int = 30
    due_soon_days: int = 7


def rule_window(period: Period, rule: Any) -> tuple[date, date]:
    """Data window of ``period`` under ``rule`` (offsets from the period's first/last month)."""
    y, m = _shift_month(period.year, period.first_month, rule.window_start_month_offset)
    start = _day_in_month(y, m, rule.window_start_day)
    y, m = _shift_month(period.year, period.last_month, rule.window_end_month_offset)
    end = _day_in_month(y, m, rule.window_end_day)
    return start, end


def rule_deadline(period: Period, rule: Any) -> date:
    y, m = _shift_month(period.year, period.last_month, rule.deadline_month_offset)
    return _day_in_month(y, m, rule.deadline_day)


def get_regime(code: str | None = None) -> Regime:
    """The regime with ``code``, or the default regime when ``code`` is None.

    Raises :class:`RegimeError` with a Vietnamese message when it does not exist.
    """
    from baocao.periods.models import Regime

    if code is None:
        regime = Regime.objects.filter(is_default=True).order_by("code").first()
        if regime is None:
            raise RegimeError("Chưa có chế độ báo cáo mặc định (chạy: baocao load_regimes)")
        return regime
    try:
        return Regime.objects.get(code=code)
    except Regime.DoesNotExist:
        known = ", ".join(Regime.objects.order_by("code").values_list("code", flat=True)) or "chưa có"
        raise RegimeError(f"Không có chế độ báo cáo mã «{code}» (đang có: {known})") from None


def _resolve(regime: Regime | str | None) -> Regime:
    if regime is None or isinstance(regime, str):
        return get_regime(regime)
    return regime


def get_rule(period: Period, regime: Regime | str | None = None) -> RegimeRule:
    """The rule of ``regime`` for ``period.type``.

    The rules of a ``Regime`` instance are read once and kept on that instance (pass the same
    instance in loops; a fresh ``get_regime()`` call always reads the current rows, so edits in the
    admin take effect immediately — no process-wide cache).
    """
    reg = _resolve(regime)
    rules: dict[str, RegimeRule] | None = getattr(reg, "_rules_by_type", None)
    if rules is None:
        rules = {r.period_type: r for r in reg.rules.all()}
        reg._rules_by_type = rules  # type: ignore[attr-defined]
    try:
        return rules[period.type]
    except KeyError:
        raise RegimeError(
            f"Chế độ báo cáo «{reg.code}» không quy định kỳ {_TYPE_VI[period.type]} ({period.label_vi})"
        ) from None


def window(period: Period, regime: Regime | str | None = None) -> tuple[date, date]:
    """The data cut-off window (first day, last day, inclusive) of ``period`` under ``regime``."""
    return rule_window(period, get_rule(period, regime))


def deadline(period: Period, regime: Regime | str | None = None) -> date:
    """The last day on which the report for ``period`` is on time."""
    return rule_deadline(period, get_rule(period, regime))


def lock_date(period: Period, regime: Regime | str | None = None) -> date:
    """The first day on which the period's data are locked (deadline + ``lock_after_days``)."""
    rule = get_rule(period, regime)
    return rule_deadline(period, rule) + timedelta(days=rule.lock_after_days)


def timeliness(period: Period, submitted_on: date, regime: Regime | str | None = None) -> Timeliness:
    """``"late"`` after the deadline; ``"early"`` on or before the last day of the data window when
    the window closes before the deadline (the data could not be complete yet); ``"on_time"``
    otherwise. Under Circular 02/2023 the quarter, half-year and year reports are due before their
    windows close, so a report sent on or before those deadlines is ``"on_time"``."""
    rule = get_rule(period, regime)
    due = rule_deadline(period, rule)
    _, window_end = rule_window(period, rule)
    if submitted_on > due:
        return "late"
    if window_end < due and submitted_on <= window_end:
        return "early"
    return "on_time"


def deadline_state(period: Period, today: date, regime: Regime | str | None = None) -> DeadlineState:
    """Computed state on ``today``: ``locked`` from the lock date, ``late`` after the deadline,
    ``due_soon`` within ``due_soon_days`` before it (deadline day included), ``open`` otherwise."""
    rule = get_rule(period, regime)
    due = rule_deadline(period, rule)
    if today >= due + timedelta(days=rule.lock_after_days):
        return "locked"
    if today > due:
        return "late"
    if (due - today).days <= rule.due_soon_days:
        return "due_soon"
    return "open"


def describe(period: Period, regime: Regime | str | None = None) -> dict[str, Any]:
    """Everything ``baocao period`` prints: the period, its window, deadline and lock date."""
    reg = _resolve(regime)
    rule = get_rule(period, reg)
    start, end = rule_window(period, rule)
    due = rule_deadline(period, rule)
    return {
        "code": period.code,
        "type": period.type,
        "label_vi": period.label_vi,
        "label_en": period.label_en,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "deadline": due.isoformat(),
        "lock_date": (due + timedelta(days=rule.lock_after_days)).isoformat(),
        "regime": reg.code,
    }
