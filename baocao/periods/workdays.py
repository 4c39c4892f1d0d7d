"""Working-day arithmetic on the holiday calendar kept as data (``Holiday`` rows, loaded from
``fixtures/holidays.json`` by ``baocao load_regimes``).

A day is a working day when it is Monday–Friday and not a ``holiday``/``day_off`` row, or when it
is a ``working_day`` row (a Saturday worked in exchange for a swapped day off).

Every function takes an optional ``calendar`` (a mapping date → kind, e.g. from
:func:`load_calendar`) so that callers in loops, and tests, can avoid the database; without it the
needed years are read from the ``Holiday`` table on each call (no process-wide cache, so edits in the
admin count at once).

Conventions:

- ``add_working_days(day, n)``: the ``n``-th working day after ``day`` (``day`` itself not counted);
  ``n == 0`` gives ``day`` when it is a working day, else the next working day; ``n < 0`` counts back.
  A recommendation received on Friday 02/02/2024 with 10 working days is due on
  ``add_working_days(date(2024, 2, 2), 10)``.
- ``working_days_between(a, b)``: the number of working days ``d`` with ``a < d <= b``
  (negative when ``b < a``), so ``add_working_days(a, working_days_between(a, b)) == b`` for a
  working day ``b``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

HOLIDAY = "holiday"
DAY_OFF = "day_off"
WORKING_DAY = "working_day"

Calendar = Mapping[date, str]


def load_calendar(years: Iterable[int] | None = None) -> dict[date, str]:
    """The ``Holiday`` rows (all, or of ``years``) as a mapping date → kind."""
    from baocao.periods.models import Holiday

    qs = Holiday.objects.all()
    if years is not None:
        ys = sorted(set(years))
        qs = qs.filter(date__year__in=ys)
    return dict(qs.values_list("date", "kind"))


class _Lazy:
    """Reads the database calendar year by year, as the walk needs it."""

    def __init__(self, calendar: Calendar | None) -> None:
        self.fixed = calendar
        self.loaded: dict[date, str] = {}
        self.years: set[int] = set()

    def kind(self, day: date) -> str | None:
        if self.fixed is not None:
            return self.fixed.get(day)
        if day.year not in self.years:
            wanted = {day.year - 1, day.year, day.year + 1} - self.years
            self.loaded.update(load_calendar(wanted))
            self.years |= wanted
        return self.loaded.get(day)

    def working(self, day: date) -> bool:
        kind = self.kind(day)
        if kind == WORKING_DAY:
            return True
        if kind in (HOLIDAY, DAY_OFF):
            return False
        return day.weekday() < 5


def is_working_day(day: date, calendar: Calendar | None = None) -> bool:
    """Monday–Friday and not a holiday or day off, or a compensatory working Saturday."""
    return _Lazy(calendar).working(day)


def add_working_days(day: date, n: int, calendar: Calendar | None = None) -> date:
    """The ``n``-th working day after ``day`` (before it when ``n < 0``); see the module doc."""
    cal = _Lazy(calendar)
    step = timedelta(days=1 if n >= 0 else -1)
    current = day
    if n == 0:
        while not cal.working(current):
            current += step
        return current
    remaining = abs(n)
    while remaining:
        current += step
        if cal.working(current):
            remaining -= 1
    return current


def working_days_between(a: date, b: date, calendar: Calendar | None = None) -> int:
    """Working days ``d`` with ``a < d <= b``; negative (``b < d <= a``) when ``b < a``."""
    if b < a:
        return -working_days_between(b, a, calendar)
    cal = _Lazy(calendar)
    count = 0
    current = a + timedelta(days=1)
    while current <= b:
        if cal.working(current):
            count += 1
        current += timedelta(days=1)
    return count
