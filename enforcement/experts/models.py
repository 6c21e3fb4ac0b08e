"""Experts (专家), their past service and declared relationships, 回避 records and
assignments (委派)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from enforcement.core.audit import Audited
from enforcement.core.models import TimestampMixin, UTCDateTime, VersionMixin
from enforcement.extensions import db

ASSIGNMENT_STATES = ("invited", "accepted", "declined", "expired", "withdrawn", "completed")


class Expert(Audited, TimestampMixin, VersionMixin, db.Model):
    """专家 — technical support for inspections (not an enforcement subject, DOMAIN §7.1)."""

    __tablename__ = "experts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    title: Mapped[str | None] = mapped_column(sa.String(60))          # 职称
    employer: Mapped[str | None] = mapped_column(sa.String(200))
    employer_uscc: Mapped[str | None] = mapped_column(sa.String(18), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    skills: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    groups: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    qualifications: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    available: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    unavailable_periods: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    rating: Mapped[float | None] = mapped_column(sa.Float)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), unique=True)

    engagements: Mapped[list[Engagement]] = relationship(back_populates="expert",
                                                         order_by="Engagement.start_on.desc()")
    relations: Mapped[list[DeclaredRelation]] = relationship(back_populates="expert")

    def available_on(self, day: date) -> bool:
        if not self.available:
            return False
        for period in self.unavailable_periods or []:
            if period["from"] <= day.isoformat() <= period["to"]:
                return False
        return True


class Engagement(Audited, db.Model):
    """Past service of the expert or the employer to an enterprise (评价/咨询/培训/设计/托管)."""

    __tablename__ = "expert_engagements"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("experts.id"), nullable=False,
                                           index=True)
    enterprise_uscc: Mapped[str] = mapped_column(sa.String(18), nullable=False, index=True)
    enterprise_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(8), nullable=False)
    by_employer: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    start_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    end_on: Mapped[date | None] = mapped_column(sa.Date)

    expert: Mapped[Expert] = relationship(back_populates="engagements")


class DeclaredRelation(Audited, db.Model):
    """A relationship the expert declared with an enterprise (亲属任职、经济利益 …)."""

    __tablename__ = "expert_relations"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("experts.id"), nullable=False,
                                           index=True)
    enterprise_uscc: Mapped[str] = mapped_column(sa.String(18), nullable=False, index=True)
    relation: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    declared_on: Mapped[date] = mapped_column(sa.Date, nullable=False)

    expert: Mapped[Expert] = relationship(back_populates="relations")


class Recusal(Audited, db.Model):
    """回避记录 — the expert will not serve this enterprise (declared when declining)."""

    __tablename__ = "expert_recusals"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("experts.id"), nullable=False,
                                           index=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), nullable=False)
    reason: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    assignment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assignments.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Assignment(Audited, TimestampMixin, VersionMixin, db.Model):
    """专家委派 — an invitation to an expert for an inspection task or a case."""

    __tablename__ = "assignments"
    __table_args__ = (
        sa.CheckConstraint(sa.column("state").in_(ASSIGNMENT_STATES), name="state_known"),
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("experts.id"), nullable=False,
                                           index=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), nullable=False,
                                               index=True)
    task_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)   # plan task (年度计划)
    case_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)   # 行政处罚案件
    purpose: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    state: Mapped[str] = mapped_column(sa.String(12), nullable=False, default="invited")
    respond_by: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(sa.String(500))
    declined_for_conflict: Mapped[bool] = mapped_column(sa.Boolean, nullable=False,
                                                        default=False)
    auto: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    needs: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    match_score: Mapped[float | None] = mapped_column(sa.Float)
    matched: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    previous_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assignments.id"))
    opinion: Mapped[str | None] = mapped_column(sa.Text)
    opinion_file_ids: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    opinion_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating: Mapped[int | None] = mapped_column(sa.Integer)
    rating_note: Mapped[str | None] = mapped_column(sa.String(500))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    expert: Mapped[Expert] = relationship()
