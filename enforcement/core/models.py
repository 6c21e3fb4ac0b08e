"""Column types and mixins every module's models share."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

from enforcement.core import clock
from enforcement.core.errors import StaleVersion


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on every database.

    PostgreSQL stores ``timestamptz``; SQLite has no zone, so we store naive UTC and re-attach it.
    Naive datetimes are refused on the way in: they are always a bug.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now,
                                                 onupdate=clock.now, nullable=False)


class VersionMixin:
    """Optimistic concurrency: every UPDATE checks and bumps ``version``.

    ``check_version`` catches a client that edited an old copy (→ 409); the mapper's
    ``version_id_col`` catches two transactions racing on the same row.
    """

    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls):  # noqa: N805
        return {"version_id_col": cls.version}

    def check_version(self, version: int | None) -> None:
        if version is None or int(version) != self.version:
            raise StaleVersion(
                _stale_message(version, self.version),
            )


def _stale_message(sent, current) -> str:
    from flask_babel import gettext as _

    if sent is None:
        return _("缺少版本号 version，请重新载入后再提交")
    return _("记录已被他人修改（您提交的版本 %(sent)s，当前版本 %(current)s），请重新载入后再提交",
             sent=sent, current=current)
