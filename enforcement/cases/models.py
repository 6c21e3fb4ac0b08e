"""行政处罚案件: the case, its team, the actions that moved it (the timeline), its evidence,
interview records (询问笔录), legal reviews (法制审核) and publications (行政执法公示).

The workflow itself is a table (``workflow.py``); this module only stores what happened.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from enforcement.core.audit import Audited
from enforcement.core.models import TimestampMixin, UTCDateTime, VersionMixin
from enforcement.extensions import db

PROCEDURES = ("general", "summary")
SOURCES = ("inspection", "complaint", "monitoring", "referral", "other")
MONEY = sa.Numeric(14, 2)


class Case(Audited, TimestampMixin, VersionMixin, db.Model):
    """One 行政处罚 case from 预立案 to 归档 (or a side exit).

    ``dates`` holds the legal dates of the events that start or meet deadlines (``filed_on``,
    ``notice_served_on``, ``decided_on`` …; see ``deadlines.CaseEvents``); the timeline keeps
    who recorded each and when."""

    __tablename__ = "cases"
    __table_args__ = (
        sa.CheckConstraint(sa.column("procedure").in_(PROCEDURES), name="procedure_known"),
        sa.CheckConstraint(sa.column("source").in_(SOURCES), name="source_known"),
        sa.Index("ix_cases_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(sa.String(60), unique=True)  # 案件编号, on filing
    state: Mapped[str] = mapped_column(sa.String(24), nullable=False)
    procedure: Mapped[str] = mapped_column(sa.String(8), nullable=False, default="general")
    source: Mapped[str] = mapped_column(sa.String(12), nullable=False)
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprises.id"),
                                                      index=True)
    inspection_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inspections.id"),
                                                      index=True)
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leads.id"), index=True)
    # {"kind": "unit"|"individual", "name", "uscc"?, "address", "legal_rep"?, "phone"?,
    #  "id_number_enc"?, "id_number_masked"?} — an ID number only ever stored encrypted
    party: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)  # 案由
    facts: Mapped[str] = mapped_column(sa.Text, nullable=False)
    violation_codes: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    hazard_ids: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    discovered_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    filed_on: Mapped[date | None] = mapped_column(sa.Date)
    decided_on: Mapped[date | None] = mapped_column(sa.Date)
    closed_on: Mapped[date | None] = mapped_column(sa.Date)
    dates: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    decision_extensions: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    # {"items": [{"violation_code", "fine", "tier", "reason", "circumstances"}], "fine", "other",
    #  "catalogue", "benchmark", "flags"}
    proposed_penalty: Mapped[dict | None] = mapped_column(sa.JSON)
    decision: Mapped[dict | None] = mapped_column(sa.JSON)
    fine: Mapped[Decimal | None] = mapped_column(MONEY)          # decided fine (合并罚款)
    paid: Mapped[Decimal] = mapped_column(MONEY, nullable=False, default=Decimal("0"))
    payments: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    # 行政复议 / 行政诉讼 of the decision: [{"kind", "from", "to" (None while under way),
    #  "agency", "note"}] — the surcharge does not run meanwhile (行政处罚法 第七十三条第三款)
    appeals: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    hearing_right: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    flags: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)  # complex, …
    outcome: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)  # side exits
    reopened_from: Mapped[str | None] = mapped_column(sa.String(24))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    team: Mapped[list[CaseOfficer]] = relationship(
        order_by="CaseOfficer.seq", lazy="selectin", cascade="all, delete-orphan")

    @property
    def officer_ids(self) -> list[int]:
        return [member.user_id for member in self.team]

    @property
    def party_kind(self) -> str:
        return self.party.get("kind", "unit")


class CaseOfficer(Audited, db.Model):
    """承办人 — an officer handling the case (≥2 with certificates, 行政处罚法 第四十二条)."""

    __tablename__ = "case_officers"
    __table_args__ = (sa.UniqueConstraint("case_id", "user_id"),
                      sa.Index("ix_case_officers_user", "user_id", "case_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"),
                                         nullable=False)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    seq: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    certificate_no: Mapped[str] = mapped_column(sa.String(40), nullable=False)


class CaseAction(Audited, db.Model):
    """One step of the timeline: who did what, when (and the legal date it records).
    Rows are only ever added."""

    __tablename__ = "case_actions"
    __table_args__ = (sa.UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"),
                                         nullable=False, index=True)
    seq: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    action: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    from_state: Mapped[str | None] = mapped_column(sa.String(24))
    to_state: Mapped[str] = mapped_column(sa.String(24), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    on: Mapped[date | None] = mapped_column(sa.Date)   # the legal date of the event
    payload: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)


EVIDENCE_KINDS = ("documentary", "physical", "audiovisual", "electronic", "witness",
                  "party_statement", "expert_opinion", "inspection_record")


class Evidence(Audited, TimestampMixin, db.Model):
    """证据 — of a kind of 行政处罚法 第四十六条, with who collected it, when and where."""

    __tablename__ = "case_evidence"
    __table_args__ = (sa.CheckConstraint(sa.column("kind").in_(EVIDENCE_KINDS),
                                         name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"),
                                         nullable=False, index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str] = mapped_column(sa.String(2000), nullable=False, default="")
    file_ids: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    collector_ids: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    collected_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    place: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="")
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class Interview(Audited, TimestampMixin, db.Model):
    """询问笔录 — questions and answers, with the interviewee and the two officers."""

    __tablename__ = "case_interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"),
                                         nullable=False, index=True)
    # {"name", "role", "phone"?, "id_number_enc"?, "id_number_masked"?}
    interviewee: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    place: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    officer_ids: Mapped[list] = mapped_column(sa.JSON, nullable=False)
    qa: Mapped[list] = mapped_column(sa.JSON, nullable=False)   # [{"q", "a"}]
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class LegalReview(Audited, db.Model):
    """法制审核 — the reviewer's structured opinion on the whole file, and the checks the
    system ran on it at that moment."""

    __tablename__ = "case_legal_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"),
                                         nullable=False, index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False,
                                             index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    result: Mapped[str] = mapped_column(sa.String(8), nullable=False)   # approve | return
    points: Mapped[dict] = mapped_column(sa.JSON, nullable=False)  # point → {"ok", "note"}
    opinion: Mapped[str] = mapped_column(sa.Text, nullable=False)
    checks: Mapped[list] = mapped_column(sa.JSON, nullable=False)
    reasons: Mapped[list] = mapped_column(sa.JSON, nullable=False)  # why review was required


class Publication(Audited, TimestampMixin, db.Model):
    """行政执法公示 of a decision (行政处罚法 第四十八条), personal data masked; withdrawn
    within 3 working days when the decision changes."""

    __tablename__ = "case_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"),
                                         nullable=False, index=True)
    content: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    published_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    withdraw_by: Mapped[date | None] = mapped_column(sa.Date)   # set when the decision changed
    withdrawn_on: Mapped[date | None] = mapped_column(sa.Date)
    withdraw_reason: Mapped[str | None] = mapped_column(sa.String(500))
