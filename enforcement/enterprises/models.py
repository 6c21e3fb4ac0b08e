"""Enterprises (企业), their accidents and their risk-classification history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from enforcement.core.audit import Audited
from enforcement.core.models import TimestampMixin, UTCDateTime, VersionMixin
from enforcement.extensions import db

SECTORS = ("metallurgy", "nonferrous", "building_materials", "machinery", "light_industry",
           "textile", "tobacco", "commerce", "hazardous_chemicals", "fireworks", "non_coal_mine",
           "coal_mine", "other")
GRADES = ("1", "2", "3")
CREDIT = ("normal", "serious_dishonest")
RISK_CLASSES = ("A", "B", "C", "D")
RISK_LEVELS = ("major", "high", "moderate", "low")
# Special-risk features: inputs of the risk rules.
RISK_FEATURES = ("dust_explosion", "metal_dust", "dust_workers", "ammonia_refrigeration",
                 "ammonia_tonnes", "confined_space", "confined_space_toxic", "metal_smelting",
                 "major_hazard_level", "hazardous_chemicals_use")
# Work that special campaigns (四项整治) target; recorded, not scored by the risk rules.
CAMPAIGN_FEATURES = ("hot_work", "work_at_height", "outsourced_construction")
FEATURE_FIELDS = RISK_FEATURES + CAMPAIGN_FEATURES


class Enterprise(Audited, TimestampMixin, VersionMixin, db.Model):
    """企业 — a production or business unit under the bureau's supervision."""

    __tablename__ = "enterprises"
    __audit_ignore__ = frozenset({"created_at", "updated_at", "name_compact", "name_pinyin",
                                  "name_initials"})
    __table_args__ = (
        sa.CheckConstraint(sa.column("sector").in_(SECTORS), name="sector_known"),
        sa.CheckConstraint(sa.or_(sa.column("standardization_grade").is_(None),
                                  sa.column("standardization_grade").in_(GRADES)),
                           name="grade_known"),
        sa.CheckConstraint(sa.column("credit_status").in_(CREDIT), name="credit_known"),
        sa.CheckConstraint(sa.or_(sa.column("risk_class").is_(None),
                                  sa.column("risk_class").in_(RISK_CLASSES)), name="class_known"),
        sa.CheckConstraint("employees IS NULL OR employees >= 0", name="employees_not_negative"),
        sa.CheckConstraint("major_hazard_level IS NULL OR major_hazard_level BETWEEN 1 AND 4",
                           name="major_hazard_level_range"),
        sa.Index("ix_enterprises_filters", "township", "sector", "risk_class"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(sa.String(18), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    # search keys (core.text): normalised compact name, full pinyin, initials
    name_compact: Mapped[str] = mapped_column(sa.String(200), nullable=False, index=True)
    name_pinyin: Mapped[str] = mapped_column(sa.String(800), nullable=False)
    name_initials: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    township: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    address: Mapped[str | None] = mapped_column(sa.String(300))
    legal_representative: Mapped[str | None] = mapped_column(sa.String(60))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(40))
    industry_code: Mapped[str | None] = mapped_column(sa.String(8))
    sector: Mapped[str] = mapped_column(sa.String(24), nullable=False, default="other")
    sector_set_by_hand: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    employees: Mapped[int | None] = mapped_column(sa.Integer)
    standardization_grade: Mapped[str | None] = mapped_column(sa.String(1))
    credit_status: Mapped[str] = mapped_column(sa.String(20), nullable=False, default="normal")
    # special-risk features
    dust_explosion: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    metal_dust: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    dust_workers: Mapped[int | None] = mapped_column(sa.Integer)
    ammonia_refrigeration: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    ammonia_tonnes: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    confined_space: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    confined_space_toxic: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    metal_smelting: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    major_hazard_level: Mapped[int | None] = mapped_column(sa.Integer)
    hazardous_chemicals_use: Mapped[bool] = mapped_column(sa.Boolean, nullable=False,
                                                          default=False)
    # 四项整治 targets: 动火（电气焊）作业, 高处作业, 外包施工
    hot_work: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    work_at_height: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    outsourced_construction: Mapped[bool] = mapped_column(sa.Boolean, nullable=False,
                                                          default=False)
    # current classification (denormalised from the latest Classification for lists and plans)
    risk_class: Mapped[str | None] = mapped_column(sa.String(1), index=True)
    risk_level: Mapped[str | None] = mapped_column(sa.String(10))
    risk_score: Mapped[int | None] = mapped_column(sa.Integer)
    risk_overridden: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)

    accidents: Mapped[list[Accident]] = relationship(
        back_populates="enterprise", order_by="Accident.occurred_on.desc()", lazy="select")

    @property
    def features(self) -> dict:
        return {name: getattr(self, name) for name in FEATURE_FIELDS}


class Accident(Audited, db.Model):
    """生产安全事故 — an accident at the enterprise (feeds the risk rules)."""

    __tablename__ = "enterprise_accidents"
    __table_args__ = (
        sa.CheckConstraint("deaths >= 0 AND serious_injuries >= 0", name="counts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), nullable=False,
                                               index=True)
    occurred_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    deaths: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    serious_injuries: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    summary: Mapped[str] = mapped_column(sa.String(1000), nullable=False)
    recorded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    enterprise: Mapped[Enterprise] = relationship(back_populates="accidents")


class Classification(db.Model):
    """分类分级结果 — one evaluation (or a leader's override), kept as history.

    Written once, never changed; the audit trail records who asked for it.
    """

    __tablename__ = "enterprise_classifications"
    __table_args__ = (
        sa.CheckConstraint(sa.column("risk_class").in_(RISK_CLASSES), name="class_known"),
        sa.Index("ix_enterprise_classifications_enterprise", "enterprise_id", "evaluated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), nullable=False)
    risk_class: Mapped[str] = mapped_column(sa.String(1), nullable=False)
    risk_level: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    score: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    factors: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    ruleset: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    trigger: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    overridden: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    override_reason: Mapped[str | None] = mapped_column(sa.String(500))
    computed_class: Mapped[str | None] = mapped_column(sa.String(1))
    evaluated_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class OfficerRelation(Audited, db.Model):
    """执法人员回避 — an officer's declared relationship with an enterprise (行政处罚法 第四十三条:
    the party, a near relative, an interest in the matter). The officer is never put on that
    enterprise's inspection team."""

    __tablename__ = "officer_relations"
    __table_args__ = (sa.UniqueConstraint("user_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), nullable=False,
                                               index=True)
    relation: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
