"""The one clock. Code asks here for "now" and "today"; tests set it.

Timestamps are timezone-aware UTC; legal dates ("today") are dates in the bureau's time zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

_frozen: datetime | None = None
_zone = ZoneInfo("Asia/Shanghai")


def set_timezone(name: str) -> None:
    global _zone
    _zone = ZoneInfo(name)


def local_zone() -> ZoneInfo:
    return _zone


def now() -> datetime:
    """Current time, aware, in UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    """Today's date in the bureau's time zone (Asia/Shanghai by default)."""
    return now().astimezone(_zone).date()


def freeze(at: datetime | None) -> None:
    """Set the clock (tests); ``None`` lets it run again."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at.astimezone(UTC) if at is not None else None


def local(moment: datetime) -> datetime:
    """An aware timestamp in the bureau's time zone."""
    return moment.astimezone(_zone)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day, as aware UTC timestamps."""
    from datetime import time, timedelta

    start = datetime.combine(day, time(), tzinfo=_zone)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)
