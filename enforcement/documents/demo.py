"""Demo documents: the bureau's CA and certificates for the demo reviewer and leader, the
decision of the demo's closed case issued (signed, numbered, verifiable), and a penalty notice
waiting in the reviewer's queue — all through the services."""

from __future__ import annotations

import sqlalchemy as sa

from enforcement.auth.models import User
from enforcement.cases.models import Case
from enforcement.documents import pki, service
from enforcement.documents.models import Document
from enforcement.extensions import db


def seed() -> int:
    """Idempotent: does nothing when documents exist. Returns how many it made."""
    users = {u.username: u for u in db.session.scalars(sa.select(User).where(
        User.username.in_(["officer1", "leader1", "reviewer1"])))}
    if len(users) < 3:
        return 0
    if not pki.is_initialised():
        pki.init_ca()
    for name in ("reviewer1", "leader1"):
        if not pki.has_certificate(name):
            pki.issue_user(name, users[name].display_name)
    if db.session.scalar(sa.select(sa.func.count(Document.id))):
        return 0
    made = 0
    closed = db.session.scalar(sa.select(Case).where(Case.state == "closed",
                                                     Case.procedure == "general")
                               .order_by(Case.id))
    if closed is not None:
        officer = next((u for u in db.session.scalars(sa.select(User).where(
            User.id.in_(closed.officer_ids)))), users["officer1"])
        document = service.create("penalty_decision", {"case_id": closed.id}, officer)
        service.act(document, "submit", {"version": document.version}, officer)
        service.act(document, "sign", {"version": document.version}, users["reviewer1"])
        service.act(document, "issue", {"version": document.version}, officer)
        made += 1
    pending = db.session.scalar(sa.select(Case).where(Case.state == "executing")
                                .order_by(Case.id))
    if pending is not None:
        officer = next((u for u in db.session.scalars(sa.select(User).where(
            User.id.in_(pending.officer_ids)))), users["officer1"])
        document = service.create("penalty_notice", {"case_id": pending.id}, officer)
        service.act(document, "submit", {"version": document.version}, officer)
        made += 1
    return made
