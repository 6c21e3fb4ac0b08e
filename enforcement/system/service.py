"""Access rules and read models for files, jobs and the calendar."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _

from enforcement.core import calendar_store, jobs, workdays
from enforcement.core.errors import NotFound, ValidationFailed
from enforcement.core.permissions import Role


def job_for(user, job_id: str) -> jobs.Job:
    """A job its creator (or an administrator) may watch; others get 404, not a hint."""
    job = jobs.get_job(job_id)
    if job.created_by != user.id and not user.has_role(Role.ADMIN):
        raise NotFound(_("任务 %(id)s 不存在", id=job_id))
    return job


def deadline(start: date, *, workdays_: int | None = None, days: int | None = None,
             months: int | None = None) -> dict[str, Any]:
    """One period from ``start`` by the legal counting rules (exactly one kind of period)."""
    given = [v is not None for v in (workdays_, days, months)]
    if sum(given) != 1:
        message = _("请只给出 workdays、days、months 中的一项。")
        raise ValidationFailed(message, errors={"workdays": [message]})
    try:
        if workdays_ is not None:
            result, rule = workdays.add_workdays(start, workdays_), _("%(n)s 个工作日", n=workdays_)
        elif days is not None:
            result, rule = workdays.add_days(start, days), _("%(n)s 日（末日遇休息日顺延）", n=days)
        else:
            result, rule = workdays.add_months(start, months), _("%(n)s 个月（末日遇休息日顺延）",
                                                                 n=months)
    except ValueError as exc:
        raise ValidationFailed(str(exc), errors={"start": [str(exc)]}) from exc
    return {"start": start, "due_on": result.value, "rule": rule,
            "provisional": result.provisional,
            "years_without_data": list(result.years_without_data)}


def year_info(year: int) -> dict[str, Any]:
    if not 2004 <= year <= 2100:
        raise NotFound(_("年份 %(y)s 超出范围", y=year))
    calendar = workdays.get_calendar()
    entered = {y.year: y for y in calendar_store.entered_years()}
    count = workdays.legal_workdays(year)
    if year in entered:
        source = entered[year].source or _("管理员录入")
        days = [{"date": d.day.isoformat(), "kind": d.kind, "name": d.name}
                for d in calendar_store.days_of(year)]
    else:
        source = (_("无官方数据（仅按周末计算）") if count.provisional
                  else _("chinese-calendar 数据包（国务院办公厅通知）"))
        data = calendar.year_calendar(year)
        days = sorted(
            [{"date": d.isoformat(), "kind": "holiday", "name": n}
             for d, n in (data.holidays.items() if data else [])]
            + [{"date": d.isoformat(), "kind": "workday", "name": n}
               for d, n in (data.makeup_workdays.items() if data else [])],
            key=lambda item: item["date"])
    return {"year": year, "official": not count.provisional, "source": source,
            "legal_workdays": count.value, "provisional": count.provisional, "days": days}


def enter_year(year: int, text: str, source: str, user_id: int | None) -> None:
    """Parse and save an administrator's entry of a year's holidays (all or nothing)."""
    entries, errors = calendar_store.parse_entries(text)
    if errors:
        raise ValidationFailed(_("节假日数据有误"), errors={"entries": errors})
    calendar_store.save_year(year, entries, source or _("管理员录入"), user_id)
