"""Queries over the audit trail (the trail itself lives in ``core.audit``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from enforcement.core import clock
from enforcement.core.audit import AuditEvent


def search_events(*, actor: str | None = None, object_type: str | None = None,
                  object_id: str | None = None, action: str | None = None,
                  success: bool | None = None, date_from: date | None = None,
                  date_to: date | None = None):
    """A select of events, newest first; dates are local (Asia/Shanghai) calendar days."""
    stmt = sa.select(AuditEvent).order_by(AuditEvent.seq.desc())
    if actor:
        stmt = stmt.where(AuditEvent.actor_name.ilike(f"%{actor}%"))
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if success is not None:
        stmt = stmt.where(AuditEvent.success.is_(success))
    if date_from:
        stmt = stmt.where(AuditEvent.created_at >= _local_midnight(date_from))
    if date_to:
        stmt = stmt.where(AuditEvent.created_at < _local_midnight(date_to + timedelta(days=1)))
    return stmt


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.local_zone())


def distinct_values(column) -> list[str]:
    from enforcement.extensions import db

    return list(db.session.scalars(sa.select(column).distinct().order_by(column)))
