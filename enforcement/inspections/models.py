"""On-site inspection records (现场检查记录), their checklist answers, the hazards they
found (事故隐患) with rectification and re-check (复查), corrections after completion, and
leads (线索)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from enforcement.core.audit import Audited
from enforcement.core.models import TimestampMixin, UTCDateTime, VersionMixin
from enforcement.extensions import db

INSPECTION_STATES = ("in_progress", "completed")
RESULTS = ("pass", "fail", "na")
HAZARD_STATES = ("open", "rectified", "not_rectified")
SIGNER_ROLES = ("officer", "expert", "representative", "witness")
LEAD_SOURCES = ("inspection", "complaint", "monitoring", "referral", "other")
LEAD_STATES = ("new", "dismissed", "inspecting", "case_proposed", "case_opened")
# 安全生产法 第六十五条第一款第（三）项: what the officers order when a major hazard is found
MEASURES = ("eliminate", "evacuate", "suspend", "stop_use")


class Inspection(Audited, TimestampMixin, VersionMixin, db.Model):
    """现场检查记录 — who inspected whom, when and where, what they checked and found, who
    signed. Completed records are locked: corrections are amendments."""

    __tablename__ = "inspections"
    __table_args__ = (
        sa.CheckConstraint(sa.column("state").in_(INSPECTION_STATES), name="state_known"),
        sa.CheckConstraint("task_id IS NOT NULL OR lead_id IS NOT NULL OR reason IS NOT NULL",
                           name="planned_or_reasoned"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), nullable=False,
                                               index=True)
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan_tasks.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    reason: Mapped[str | None] = mapped_column(sa.String(500))      # 事由 of an ad hoc visit
    purpose: Mapped[str] = mapped_column(sa.String(500), nullable=False)  # 事由和目的
    state: Mapped[str] = mapped_column(sa.String(12), nullable=False, default="in_progress")
    expert_ids: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    address: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="")  # 检查地址
    place: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="")    # 检查场所
    representative: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    findings: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    checklist: Mapped[str] = mapped_column(sa.String(80), nullable=False)  # name@version
    signatures: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    client_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    completed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    team: Mapped[list[InspectionOfficer]] = relationship(
        order_by="InspectionOfficer.seq", lazy="selectin", cascade="all, delete-orphan")
    items: Mapped[list[InspectionItem]] = relationship(
        back_populates="inspection", order_by="InspectionItem.seq", lazy="selectin")
    hazards: Mapped[list[Hazard]] = relationship(
        back_populates="inspection", order_by="Hazard.id", lazy="selectin")


    @property
    def officer_ids(self) -> list[int]:
        return [member.user_id for member in self.team]


class InspectionOfficer(Audited, db.Model):
    """检查人 — one officer of the team (≥2, 行政处罚法 第四十二条), with the certificate number
    (执法证号) held on the day, as the record prints it."""

    __tablename__ = "inspection_officers"
    __table_args__ = (sa.UniqueConstraint("inspection_id", "user_id"),
                      sa.Index("ix_inspection_officers_user", "user_id", "inspection_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        sa.ForeignKey("inspections.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    seq: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    certificate_no: Mapped[str] = mapped_column(sa.String(40), nullable=False)


class InspectionItem(Audited, db.Model):
    """One checklist line of a record, copied from the checklist in force when it started."""

    __tablename__ = "inspection_items"
    __table_args__ = (
        sa.UniqueConstraint("inspection_id", "code"),
        sa.CheckConstraint("result IS NULL OR result IN ('pass', 'fail', 'na')",
                           name="result_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        sa.ForeignKey("inspections.id", ondelete="CASCADE"), nullable=False)
    seq: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    code: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    group: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    text: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    basis: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    major_hazard_clause: Mapped[str | None] = mapped_column(sa.String(100))
    violation_code: Mapped[str | None] = mapped_column(sa.String(20))
    violation: Mapped[str | None] = mapped_column(sa.String(300))
    result: Mapped[str | None] = mapped_column(sa.String(4))
    note: Mapped[str] = mapped_column(sa.String(2000), nullable=False, default="")
    file_ids: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    answered_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    inspection: Mapped[Inspection] = relationship(back_populates="items")


class Hazard(Audited, TimestampMixin, VersionMixin, db.Model):
    """事故隐患 — found by an inspection, with its rectification deadline (整改期限), the
    第六十五条 measures for a major one, and the re-check (复查) result."""

    __tablename__ = "hazards"
    __table_args__ = (
        sa.CheckConstraint(sa.column("state").in_(HAZARD_STATES), name="state_known"),
        sa.UniqueConstraint("inspection_id", "client_key"),
        sa.Index("ix_hazards_state_due", "state", "rectify_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id"), nullable=False,
                                               index=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), nullable=False,
                                               index=True)
    seq: Mapped[int] = mapped_column(sa.Integer, nullable=False)  # number on the order
    item_code: Mapped[str | None] = mapped_column(sa.String(20))
    description: Mapped[str] = mapped_column(sa.String(2000), nullable=False)
    major: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    major_hazard_clause: Mapped[str | None] = mapped_column(sa.String(100))
    basis: Mapped[str | None] = mapped_column(sa.String(300))
    violation_code: Mapped[str | None] = mapped_column(sa.String(20))
    rectify_by: Mapped[date] = mapped_column(sa.Date, nullable=False)
    measures: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    measures_note: Mapped[str] = mapped_column(sa.String(1000), nullable=False, default="")
    file_ids: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    state: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="open")
    client_key: Mapped[str | None] = mapped_column(sa.String(64))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_on: Mapped[date | None] = mapped_column(sa.Date)
    review_note: Mapped[str] = mapped_column(sa.String(2000), nullable=False, default="")
    review_file_ids: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    review_officer_ids: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    reviewed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resume_approved: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    lead_id: Mapped[int | None] = mapped_column(sa.Integer)  # the case proposed on failure

    inspection: Mapped[Inspection] = relationship(back_populates="hazards")


class InspectionAmendment(Audited, db.Model):
    """更正 — a correction to a completed record, with its reason and the values it replaced."""

    __tablename__ = "inspection_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id"), nullable=False,
                                               index=True)
    reason: Mapped[str] = mapped_column(sa.String(1000), nullable=False)
    changes: Mapped[list] = mapped_column(sa.JSON, nullable=False)
    made_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Lead(Audited, TimestampMixin, VersionMixin, db.Model):
    """线索 — a complaint, a monitoring alert (非现场执法), a referral, or a case proposed by an
    inspection; triaged to dismissal, an inspection or a case, and traced to what it became."""

    __tablename__ = "leads"
    __table_args__ = (
        sa.CheckConstraint(sa.column("source").in_(LEAD_SOURCES), name="source_known"),
        sa.CheckConstraint(sa.column("state").in_(LEAD_STATES), name="state_known"),
        sa.Index("ix_leads_state", "state", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(12), nullable=False)
    state: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="new")
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprises.id"),
                                                      index=True)
    subject: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    details: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    reporter: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    reporter_contact: Mapped[str] = mapped_column(sa.String(100), nullable=False, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    file_ids: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    inspection_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inspections.id"))
    hazard_ids: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    case_draft: Mapped[dict | None] = mapped_column(sa.JSON)
    case_id: Mapped[int | None] = mapped_column(sa.Integer)
    dismiss_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    triaged_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    client_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
