"""In-app notifications (站内通知): one row per message per user, shown in the navigation bar.
When ``SMTP_HOST`` is configured and the user has an e-mail address, the message is also
mailed — after the transaction commits (never for a change that was rolled back)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

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
    _mail_after_commit(user_id, text)


def _mail_after_commit(user_id: int, text: str) -> None:
    from flask import current_app

    if not current_app.config.get("SMTP_HOST"):
        return
    address = db.session.execute(sa.text("SELECT email FROM users WHERE id = :id"),
                                 {"id": user_id}).scalar()
    if not address:
        return
    pending = db.session().info.setdefault("pending_mail", [])
    pending.append((dict(current_app.config), address, text, current_app.logger))


@sa.event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    import threading

    for config, address, text, logger in session.info.pop("pending_mail", []):
        threading.Thread(target=send_mail, args=(config, address, text, logger),
                         daemon=True).start()


@sa.event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop("pending_mail", None)


def send_mail(config: dict, address: str, text: str, logger=None) -> bool:
    """Send one notification by SMTP; a failure is logged, never raised to the user."""
    import smtplib
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = address
    message["Subject"] = f"[{config.get('BUREAU_NAME', '')}] {text[:60]}"
    message.set_content(text)
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
            smtp.send_message(message)
        return True
    except (OSError, smtplib.SMTPException) as exc:
        if logger is not None:
            logger.warning("mail to %s failed: %s", address, exc)
        return False


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
