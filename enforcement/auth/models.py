"""Users, their roles and their API tokens."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from enforcement.core.audit import Audited
from enforcement.core.models import TimestampMixin, UTCDateTime, VersionMixin
from enforcement.core.permissions import Role, permissions_of
from enforcement.extensions import db

ROLE_CODES = tuple(r.value for r in Role)


class User(Audited, TimestampMixin, VersionMixin, db.Model):
    """用户 — an officer, leader, reviewer, expert, administrator or auditor (or several)."""

    __tablename__ = "users"
    __audit_redact__ = frozenset({"password_hash", "totp_secret"})

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    # 执法证号 — required for officers, unique across the bureau
    certificate_no: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    # 国家统一法律职业资格: a first-time 法制审核 reviewer must hold it
    # (行政处罚法 第五十八条第二款)
    legal_qualified: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False,
                                                  server_default=sa.false())
    password_hash: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    must_change_password: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    failed_logins: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_demo: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin",
        order_by="UserRole.role")

    # -- flask-login ------------------------------------------------------------------------
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    # -- roles and permissions --------------------------------------------------------------
    @property
    def roles(self) -> list[str]:
        order = {code: i for i, code in enumerate(ROLE_CODES)}
        return sorted((r.role for r in self.role_rows), key=lambda c: order.get(c, 99))

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def two_factor(self) -> bool:
        return bool(self.totp_secret)

    def can(self, permission: str) -> bool:
        return permission in permissions_of(self.roles)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(Audited, db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (
        sa.CheckConstraint(sa.column("role").in_(ROLE_CODES), name="role_known"),
    )

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(16), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(Audited, db.Model):
    """A bearer token for API clients. Only its sha256 is stored; it expires and can be revoked."""

    __tablename__ = "api_tokens"
    __audit_redact__ = frozenset({"token_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    client_ip: Mapped[str | None] = mapped_column(sa.String(64))

    user: Mapped[User] = relationship()
