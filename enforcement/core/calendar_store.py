"""Holiday years entered by an administrator, for years the calendar package does not know yet.

The State Council announces each year's holidays in the late autumn before; until the package
ships them, an administrator enters them here (page or ``flask calendar import``). A year entered
here replaces the package's data for that year.
"""

from __future__ import annotations

import csv
import io
import re
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column

from enforcement.core import audit, clock, workdays
from enforcement.core.audit import Audited
from enforcement.core.errors import ValidationFailed
from enforcement.core.models import UTCDateTime
from enforcement.extensions import db

KINDS = ("holiday", "workday")
_KIND_WORDS = {"holiday": "holiday", "休": "holiday", "假": "holiday", "节假日": "holiday",
               "workday": "workday", "班": "workday", "上班": "workday", "调休上班": "workday"}


class CalendarYear(Audited, db.Model):
    """A year whose official holidays were entered by hand."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    entered_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class CalendarDay(Audited, db.Model):
    """One official holiday, or one make-up working day (调休上班), of an entered year."""

    __tablename__ = "calendar_days"
    __table_args__ = (sa.CheckConstraint(sa.column("kind").in_(KINDS), name="kind_known"),)

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    year: Mapped[int] = mapped_column(sa.ForeignKey("calendar_years.year", ondelete="CASCADE"),
                                      nullable=False, index=True)
    kind: Mapped[str] = mapped_column(sa.String(8), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(40), nullable=False)


@dataclass(frozen=True)
class DayEntry:
    day: date
    kind: str
    name: str


_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:[~～至到]|--)\s*(\d{4}-\d{2}-\d{2})$")


def parse_entries(text: str) -> tuple[list[DayEntry], list[str]]:
    """Lines ``日期或日期范围,类别,名称`` — e.g. ``2027-02-06~2027-02-12,休,春节`` or
    ``2027-02-14,班,春节调休``. Returns the entries and the errors (line by line, in Chinese)."""
    entries: list[DayEntry] = []
    errors: list[str] = []
    reader = csv.reader(io.StringIO(text.replace("，", ",")))
    for lineno, row in enumerate(reader, start=1):
        cells = [c.strip() for c in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if lineno == 1 and cells[0] in ("date", "日期"):
            continue  # header
        if len(cells) < 3:
            errors.append(_("第 %(n)s 行：应为“日期,类别,名称”三列。", n=lineno))
            continue
        kind = _KIND_WORDS.get(cells[1])
        if kind is None:
            errors.append(_("第 %(n)s 行：类别“%(k)s”无效，应为 休 或 班。", n=lineno, k=cells[1]))
            continue
        try:
            first, last = _parse_range(cells[0])
        except ValueError:
            errors.append(_("第 %(n)s 行：日期“%(d)s”无效，"
                            "应为 YYYY-MM-DD 或 YYYY-MM-DD~YYYY-MM-DD。", n=lineno, d=cells[0]))
            continue
        name = cells[2][:40] or _("节假日")
        day = first
        while day <= last:
            entries.append(DayEntry(day, kind, name))
            day = date.fromordinal(day.toordinal() + 1)
    return entries, errors


def _parse_range(text: str) -> tuple[date, date]:
    match = _RANGE.match(text)
    if match:
        first, last = date.fromisoformat(match[1]), date.fromisoformat(match[2])
    else:
        first = last = date.fromisoformat(text)
    if last < first or (last - first).days > 31:
        raise ValueError("bad range")
    return first, last


def save_year(year: int, entries: list[DayEntry], source: str, entered_by: int | None) -> None:
    """Replace the entered data of ``year`` (validated: every day in that year, no day twice,
    holidays not already rest days? allowed; make-up days must be weekend days)."""
    errors = _check_year(year, entries)
    if errors:
        raise ValidationFailed(_("节假日数据有误"), errors={"entries": errors})
    existing = db.session.get(CalendarYear, year)
    if existing is None:
        existing = CalendarYear(year=year, source=source, entered_by=entered_by,
                                entered_at=clock.now())
        db.session.add(existing)
    else:
        existing.source, existing.entered_by, existing.entered_at = source, entered_by, clock.now()
        for old in db.session.scalars(sa.select(CalendarDay).where(CalendarDay.year == year)):
            db.session.delete(old)
    db.session.flush()
    for entry in entries:
        db.session.add(CalendarDay(day=entry.day, year=year, kind=entry.kind, name=entry.name))
    db.session.flush()
    audit.record("calendar_year_entered", "calendar_years", year,
                 changes={"holidays": sum(e.kind == "holiday" for e in entries),
                          "workdays": sum(e.kind == "workday" for e in entries)})
    invalidate()


def _check_year(year: int, entries: list[DayEntry]) -> list[str]:
    errors = []
    if not 2004 <= year <= 2100:
        errors.append(_("年份 %(y)s 超出范围（2004–2100）。", y=year))
    seen: set[date] = set()
    for entry in entries:
        if entry.day.year != year:
            errors.append(_("%(d)s 不属于 %(y)s 年。", d=entry.day, y=year))
        if entry.day in seen:
            errors.append(_("%(d)s 重复出现。", d=entry.day))
        seen.add(entry.day)
        if entry.kind == "workday" and entry.day.weekday() < 5:
            errors.append(_("%(d)s 是周一至周五，本来就是工作日，不能登记为调休上班。",
                            d=entry.day))
    if not any(e.kind == "holiday" for e in entries):
        errors.append(_("至少要有一个法定节假日。"))
    return errors


def entered_years() -> list[CalendarYear]:
    return list(db.session.scalars(sa.select(CalendarYear).order_by(CalendarYear.year)))


def days_of(year: int) -> list[CalendarDay]:
    return list(db.session.scalars(sa.select(CalendarDay).where(CalendarDay.year == year)
                                   .order_by(CalendarDay.day)))


# -- the provider the legal calendar uses -------------------------------------------------------

_cache_lock = threading.Lock()
_cache: dict[str, object] = {"calendar": None, "loaded": 0.0}
CACHE_SECONDS = 60


def invalidate() -> None:
    with _cache_lock:
        _cache["calendar"] = None


def load_calendar() -> workdays.LegalCalendar:
    """Build the legal calendar from the package plus the entered years (cached for a minute,
    and rebuilt at once when this process enters a year)."""
    with _cache_lock:
        cached = _cache["calendar"]
        if cached is not None and time.monotonic() - float(_cache["loaded"]) < CACHE_SECONDS:
            return cached  # type: ignore[return-value]
    years: dict[int, workdays.YearCalendar] = {}
    rows = db.session.execute(sa.select(CalendarDay.day, CalendarDay.kind, CalendarDay.name,
                                        CalendarDay.year)).all()
    entered = set(db.session.scalars(sa.select(CalendarYear.year)))
    by_year: dict[int, tuple[dict, dict]] = {y: ({}, {}) for y in entered}
    for day, kind, name, year in rows:
        holidays, makeups = by_year.setdefault(year, ({}, {}))
        (holidays if kind == "holiday" else makeups)[day] = name
    for year, (holidays, makeups) in by_year.items():
        years[year] = workdays.YearCalendar(year=year, holidays=holidays, makeup_workdays=makeups)
    calendar = workdays.LegalCalendar(years)
    with _cache_lock:
        _cache["calendar"] = calendar
        _cache["loaded"] = time.monotonic()
    return calendar


def install(app) -> None:
    """Make the legal calendar read entered years from this app's database."""

    package_only = workdays.LegalCalendar()

    def provider() -> workdays.LegalCalendar:
        if not current_app:
            return package_only  # outside the app (scripts): the package's years only
        return load_calendar()

    workdays.set_calendar_provider(provider)
