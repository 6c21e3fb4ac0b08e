"""In-app notifications (站内通知): one row per message per user, shown in the navigation bar.
Mail through SMTP is sent after commit when ``SMTP_HOST`` is configured (not in this version)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from enforcement.core import clock
from enforcement.core.models import UTCDateTime
from enforcement.extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    text: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    link: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def notify(user_id: int | None, text: str, link: str | None = None) -> None:
    if user_id is None:
        return
    db.session.add(Notification(user_id=user_id, text=text[:500], link=link,
                                created_at=clock.now()))


def unread(user_id: int, limit: int = 20) -> list[Notification]:
    return list(db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user_id,
                                      Notification.read_at.is_(None))
        .order_by(Notification.id.desc()).limit(limit)))


def mark_read(user_id: int, notification_id: int | None = None) -> None:
    stmt = sa.update(Notification).where(Notification.user_id == user_id,
                                         Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    db.session.execute(stmt.values(read_at=clock.now()))


def recent(user_id: int, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user_id)
                                   .order_by(Notification.id.desc()).limit(limit)))


def unread_count(user_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0
