"""The legal calendar: counting deadlines on the official holiday calendar. Pure logic, no database.

Rules (the day of the event never counts; counting starts the next day, 民法典 第二百零一条):

* "二日、三日、五日、七日" in the 行政处罚法 are working days, 法定节假日 excluded
  (行政处罚法 第八十五条); 调休 make-up workdays (e.g. Saturday 2026-10-10) count.
* Other periods are calendar days. Month periods end on the same day of the later month, or on
  that month's last day (民法典 第二百零二条). Under the general rule for periods (民法典
  第二百零三条; the 民事诉讼法 counts periods the same way), a period whose last day is a rest
  day or holiday ends on the next working day.
* Official data comes from the ``chinese-calendar`` package (2004–2026) or from years entered by
  an administrator (entered data overrides the package). A year without data falls back to
  weekends only, and every result that consulted such a year is marked ``provisional``.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from types import MappingProxyType
from typing import Generic, TypeVar

import chinese_calendar

T = TypeVar("T")
MIN_DATE = date(2004, 1, 1)
MAX_DATE = date(2100, 12, 31)
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Result(Generic[T]):
    """A computed value, and whether it rests on a year without official holiday data."""

    value: T
    provisional: bool
    years_without_data: tuple[int, ...] = ()  # the years that made it provisional


@dataclass(frozen=True)
class YearCalendar:
    """One year's official calendar: holidays (rest days, weekends inside a holiday included)
    and make-up workdays (weekend days that are working days, 调休上班)."""

    year: int
    holidays: Mapping[date, str] = field(default_factory=dict)
    makeup_workdays: Mapping[date, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_year(self.year)
        for attr in ("holidays", "makeup_workdays"):
            frozen = MappingProxyType(dict(getattr(self, attr)))
            object.__setattr__(self, attr, frozen)
            if bad := [d for d in frozen if _check_date(d, attr).year != self.year]:
                raise ValueError(f"{attr} of year {self.year} contains other years' dates: {bad}")
        if bad := sorted(d for d in self.makeup_workdays if d.weekday() < 5):
            raise ValueError(f"make-up workdays must be Saturdays or Sundays: {bad}")
        if bad := sorted(set(self.holidays) & set(self.makeup_workdays)):
            raise ValueError(f"dates both holiday and make-up workday: {bad}")


@dataclass(frozen=True)
class _YearTable:
    cum: tuple[int, ...]  # cum[i]: working days among the year's days 0..i (day 0 = 1 January)

    @property
    def total(self) -> int:
        return self.cum[-1]


class LegalCalendar:
    """The package's official years plus administrator-entered ``{year: YearCalendar}``."""

    def __init__(self, entered: Mapping[int, YearCalendar] | None = None) -> None:
        entered = dict(entered or {})
        if bad := [y for y, yc in entered.items() if yc.year != y]:
            raise ValueError(f"entered calendars filed under the wrong year: {bad}")
        self._years: dict[int, YearCalendar] = {**_package_years(), **entered}
        self._tables: dict[int, _YearTable] = {}

    def official_years(self) -> tuple[int, ...]:
        """Years with official data (package or entered), ascending."""
        return tuple(sorted(self._years))

    def is_official(self, year: int) -> bool:
        return year in self._years

    def year_calendar(self, year: int) -> YearCalendar | None:
        """The official data in use for ``year`` (entered or package), or None."""
        return self._years.get(year)

    def holiday_name(self, d: date) -> str | None:
        yc = self._years.get(_check_date(d).year)
        return yc.holidays.get(d) if yc else None

    def _table(self, year: int) -> _YearTable:
        if year not in self._tables:
            yc = self._years.get(year, YearCalendar(year))
            day, running, cum = date(year, 1, 1), 0, []
            while day.year == year:
                mon_fri = day.weekday() < 5
                running += day in yc.makeup_workdays or (mon_fri and day not in yc.holidays)
                cum.append(running)
                day += _ONE_DAY
            self._tables[year] = _YearTable(tuple(cum))
        return self._tables[year]

    def _cum(self, d: date) -> int:
        return self._table(d.year).cum[d.timetuple().tm_yday - 1]

    def _is_workday(self, d: date) -> bool:
        i = d.timetuple().tm_yday - 1
        cum = self._table(d.year).cum
        return cum[i] > (cum[i - 1] if i else 0)


@cache
def _package_years() -> dict[int, YearCalendar]:
    """The package's data with Chinese names (春节, 国庆节, …)."""
    names = {h.value: h.chinese for h in chinese_calendar.Holiday}
    years = {d.year for d in chinese_calendar.holidays}
    return {
        y: YearCalendar(
            y,
            {d: names.get(n, n) for d, n in chinese_calendar.holidays.items() if d.year == y},
            {d: names.get(n, n) for d, n in chinese_calendar.workdays.items() if d.year == y},
        )
        for y in range(min(years), max(years) + 1)
    }


@cache
def _package_calendar() -> LegalCalendar:
    return LegalCalendar()


Provider = Callable[[], LegalCalendar]
_provider: Provider = _package_calendar


def set_calendar_provider(provider: Provider | None) -> Provider:
    """Register where the default calendar comes from (the app reads entered years from its
    database); ``None`` restores the built-in provider (package data only). It is called on
    every computation without an explicit calendar, so it should return a cached instance.
    Returns the previous provider (so tests can restore it)."""
    global _provider
    previous, _provider = _provider, provider or _package_calendar
    return previous


def get_calendar() -> LegalCalendar:
    return _provider()


def _cal(calendar: LegalCalendar | None) -> LegalCalendar:
    return calendar if calendar is not None else _provider()


# --- validation -----------------------------------------------------------------------------


def _check_date(d: object, name: str = "date") -> date:
    if not isinstance(d, date) or isinstance(d, datetime):
        raise ValueError(f"{name} must be a datetime.date, not {type(d).__name__}: {d!r}")
    if not MIN_DATE <= d <= MAX_DATE:
        raise ValueError(f"{name} {d} is outside the supported range {MIN_DATE}..{MAX_DATE}")
    return d


def _check_int(value: object, name: str, low: int, high: int | None = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be an int, not {type(value).__name__}: {value!r}")
    if value < low or (high is not None and value > high):
        bound = f">= {low}" + (f" and <= {high}" if high is not None else "")
        raise ValueError(f"{name} must be {bound}, got {value}")
    return value


def _check_count(n: object) -> int:
    return _check_int(n, "n", 0)


def _check_year(year: object) -> int:
    return _check_int(year, "year", MIN_DATE.year, MAX_DATE.year)


def _after_max() -> ValueError:
    return ValueError(f"the result falls after {MAX_DATE}, outside the supported range")


def _result(value: T, cal: LegalCalendar, years: Iterable[int]) -> Result[T]:
    """Wrap ``value``; ``years`` are the years whose days were consulted to compute it."""
    missing = tuple(sorted({y for y in years if not cal.is_official(y)}))
    return Result(value, bool(missing), missing)


# --- public functions -----------------------------------------------------------------------


def is_workday(d: date, calendar: LegalCalendar | None = None) -> Result[bool]:
    cal = _cal(calendar)
    return _result(cal._is_workday(_check_date(d)), cal, [d.year])


def add_workdays(start: date, n: int, calendar: LegalCalendar | None = None) -> Result[date]:
    """The n-th working day after ``start`` (start never counts; n=0 gives start). Used for the
    "二日、三日、五日、七日" of the 行政处罚法, which are working days (第八十五条)."""
    _check_date(start, "start")
    if _check_count(n) == 0:
        return Result(start, False)
    cal = _cal(calendar)
    year, target = start.year, cal._cum(start) + n
    table = cal._table(year)
    while target > table.total:
        target -= table.total
        year += 1
        if year > MAX_DATE.year:
            raise _after_max()
        table = cal._table(year)
    end = date(year, 1, 1) + timedelta(days=bisect_left(table.cum, target))
    return _result(end, cal, range((start + _ONE_DAY).year, year + 1))


def next_workday(d: date, calendar: LegalCalendar | None = None) -> Result[date]:
    """``d`` itself if it is a working day, else the next working day."""
    cal = _cal(calendar)
    if cal._is_workday(_check_date(d)):
        return _result(d, cal, [d.year])
    later = add_workdays(d, 1, cal)
    return _result(later.value, cal, range(d.year, later.value.year + 1))


def add_days(start: date, n: int, calendar: LegalCalendar | None = None) -> Result[date]:
    """``start`` + n calendar days, rolled forward to the next working day if that is a rest day
    (the general rule for periods, 民法典 第二百零三条)."""
    if _check_count(n) > (MAX_DATE - _check_date(start, "start")).days:
        raise _after_max()
    return next_workday(start + timedelta(days=n), calendar)


def add_months(start: date, n: int, calendar: LegalCalendar | None = None) -> Result[date]:
    """The same day n months later, or that month's last day (民法典 第二百零二条), rolled
    forward to the next working day (第二百零三条)."""
    _check_date(start, "start")
    carry, month0 = divmod(start.month - 1 + _check_count(n), 12)
    year = start.year + carry
    if year > MAX_DATE.year:
        raise _after_max()
    day = min(start.day, _stdlib_calendar.monthrange(year, month0 + 1)[1])
    return next_workday(date(year, month0 + 1, day), calendar)


def workdays_between(a: date, b: date, calendar: LegalCalendar | None = None) -> Result[int]:
    """The number of working days d with a < d <= b (0 if b <= a)."""
    _check_date(a, "a")
    _check_date(b, "b")
    cal = _cal(calendar)
    if b <= a:
        return Result(0, False)
    full_years = sum(cal._table(y).total for y in range(a.year, b.year))
    count = full_years + cal._cum(b) - cal._cum(a)
    return _result(count, cal, range((a + _ONE_DAY).year, b.year + 1))


def legal_workdays(year: int, calendar: LegalCalendar | None = None) -> Result[int]:
    """The number of working days in calendar year ``year`` (an annual plan's capacity)."""
    cal = _cal(calendar)
    return _result(cal._table(_check_year(year)).total, cal, [year])


def holiday_name(d: date, calendar: LegalCalendar | None = None) -> str | None:
    """The official holiday's Chinese name (e.g. "春节") for display, or None."""
    return _cal(calendar).holiday_name(d)
