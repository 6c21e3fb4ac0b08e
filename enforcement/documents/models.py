"""Enforcement documents (执法文书): one row per document version, with the data it was made
from, its state, its number once issued, the stored PDF's hash and the signatures applied."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from enforcement.core.audit import Audited
from enforcement.core.models import TimestampMixin, UTCDateTime, VersionMixin
from enforcement.extensions import db

DOCUMENT_STATES = ("draft", "in_review", "signed", "issued", "void")


class Document(Audited, TimestampMixin, VersionMixin, db.Model):
    """A document of one kind about a case, an inspection or a plan.

    ``data`` is the plain snapshot the template was filled with (no retyping: it is built from
    the record); ``template_version`` names the template file's hash. Signed and issued
    documents never change; a correction is a new document that ``supersedes`` the old one."""

    __tablename__ = "documents"
    __table_args__ = (
        sa.CheckConstraint(sa.column("state").in_(DOCUMENT_STATES), name="state_known"),
        sa.CheckConstraint("(CASE WHEN case_id IS NULL THEN 0 ELSE 1 END) + "
                           "(CASE WHEN inspection_id IS NULL THEN 0 ELSE 1 END) + "
                           "(CASE WHEN plan_id IS NULL THEN 0 ELSE 1 END) = 1",
                           name="one_subject"),
        sa.Index("ix_documents_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), nullable=False, index=True)
    state: Mapped[str] = mapped_column(sa.String(12), nullable=False, default="draft")
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inspections.id"),
                                                      index=True)
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plans.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    data: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    template_version: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    number: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    number_code: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    number_year: Mapped[int | None] = mapped_column(sa.Integer)
    number_value: Mapped[int | None] = mapped_column(sa.Integer)
    verification_code: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    sha256: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    signed_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    pdf_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("files.id"))
    signed_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("files.id"))
    signatures: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    history: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    opinion: Mapped[str | None] = mapped_column(sa.Text)      # the last return opinion
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"))
    void_reason: Mapped[str | None] = mapped_column(sa.String(500))
    issued_on: Mapped[date | None] = mapped_column(sa.Date)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    signed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    @property
    def subject(self) -> tuple[str, int]:
        if self.case_id:
            return "case", self.case_id
        if self.inspection_id:
            return "inspection", self.inspection_id
        return "plan", self.plan_id


class CaseArchive(Audited, db.Model):
    """归档案卷 of a closed case: the merged PDF, its PDF/A-3b variant and the .zip package
    with the originals and the manifest of hashes. Each build is kept."""

    __tablename__ = "case_archives"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), nullable=False, index=True)
    pdf_file_id: Mapped[int] = mapped_column(sa.ForeignKey("files.id"), nullable=False)
    pdfa_file_id: Mapped[int] = mapped_column(sa.ForeignKey("files.id"), nullable=False)
    zip_file_id: Mapped[int] = mapped_column(sa.ForeignKey("files.id"), nullable=False)
    pages: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    manifest: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
