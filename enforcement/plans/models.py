"""Annual plans (年度监督检查计划) and their tasks, as computed and as decided."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from enforcement.core.audit import Audited
from enforcement.core.models import TimestampMixin, UTCDateTime, VersionMixin
from enforcement.extensions import db

PLAN_STATES = ("draft", "submitted", "approved", "published")
TASK_KINDS = ("key", "random", "campaign")
FROZEN_STATES = ("approved", "published")


class Plan(Audited, TimestampMixin, VersionMixin, db.Model):
    """A year's plan: the inputs it was computed from, the capacity arithmetic, the draw (seed
    and the list drawn from) and the workflow state. Several drafts may exist per year; only
    one is approved (a partial unique index enforces it)."""

    __tablename__ = "plans"
    # the draw's pool and result (up to the whole registry) enter the audit trail as digests
    __audit_digest__ = frozenset({"random_pool_ids", "random_drawn_ids", "random_pool_classes"})
    __table_args__ = (
        sa.CheckConstraint(sa.column("state").in_(PLAN_STATES), name="state_known"),
        sa.Index("uq_plans_year_approved", "year", unique=True,
                 sqlite_where=sa.text("state IN ('approved', 'published')"),
                 postgresql_where=sa.text("state IN ('approved', 'published')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, nullable=False, index=True)
    seed: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    state: Mapped[str] = mapped_column(sa.String(12), nullable=False, default="draft")
    ruleset: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    provisional: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    params: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    capacity: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    deductions: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    allocation: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    summary: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    shortfall: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    officer_load: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    random_pool_ids: Mapped[list] = mapped_column(sa.JSON, nullable=False)
    random_drawn_ids: Mapped[list] = mapped_column(sa.JSON, nullable=False)
    # the class of each enterprise in the pool (same order) and the weights: with the seed,
    # anyone can re-run the draw (flask plans verify-draw)
    random_pool_classes: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    random_weights: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    notes: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    avoided: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    return_opinion: Mapped[str | None] = mapped_column(sa.String(1000))

    tasks: Mapped[list[PlanTask]] = relationship(back_populates="plan", order_by="PlanTask.seq",
                                                 lazy="select")


class PlanTask(db.Model):
    """One planned inspection: enterprise, month, kind, the reason it was chosen, the team."""

    __tablename__ = "plan_tasks"
    __table_args__ = (
        sa.CheckConstraint(sa.column("kind").in_(TASK_KINDS), name="kind_known"),
        sa.CheckConstraint("month BETWEEN 1 AND 12", name="month_range"),
        sa.Index("ix_plan_tasks_plan_month", "plan_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"),
                                         nullable=False)
    seq: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), nullable=False,
                                               index=True)
    month: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    reason: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    officer_ids: Mapped[list] = mapped_column(sa.JSON, nullable=False)
    expert_needs: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    covered: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    state: Mapped[str] = mapped_column(sa.String(12), nullable=False, default="planned")

    plan: Mapped[Plan] = relationship(back_populates="tasks")


class PlanAmendment(Audited, db.Model):
    """计划调整 — a change to an approved plan, with its reason and what it changed."""

    __tablename__ = "plan_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id"), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(sa.String(1000), nullable=False)
    changes: Mapped[list] = mapped_column(sa.JSON, nullable=False)
    made_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
