"""The audit trail: append-only, hash-chained, written in the same transaction as the change.

Every change to a model marked ``Audited`` is captured automatically at flush; domain events
(login, logout, a workflow action, an export) are written with ``record()``. Each event's hash is
``sha256(previous hash + canonical JSON of the event)``, so altering, removing or reordering a
stored event breaks the chain, and ``verify_chain()`` names the first event that no longer fits.
The application never updates or deletes an event (the database refuses it with a trigger too).
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from enforcement.core import clock
from enforcement.core.models import UTCDateTime
from enforcement.extensions import db

GENESIS_HASH = "0" * 64
REDACTED = "***"


class AuditEvent(db.Model):
    """审计事件 — one row of the chained trail. Never updated, never deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    actor_name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    object_type: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    object_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    action: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    success: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    changes: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    prev_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)


class AuditHead(db.Model):
    """The chain's head: one row, locked while an event is appended, so the chain stays linear."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    last_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, default=GENESIS_HASH)


class Audited:
    """Mixin: every insert, update and delete of the model writes an audit event at flush.

    ``__audit_redact__`` names columns whose values never enter the trail (only that they changed).
    ``__audit_digest__`` names large JSON columns recorded by their SHA-256 and length instead of a
    copy (the row itself keeps the value; the digest proves which value it was).
    """

    __audit_redact__: frozenset[str] = frozenset()
    __audit_digest__: frozenset[str] = frozenset()
    __audit_ignore__: frozenset[str] = frozenset({"created_at", "updated_at"})


# -- who is acting ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Actor:
    id: int | None
    name: str
    ip: str | None = None


_actor_override: contextvars.ContextVar[Actor | None] = contextvars.ContextVar(
    "audit_actor", default=None)


@contextlib.contextmanager
def acting_as(actor_id: int | None, name: str, ip: str | None = None) -> Iterator[None]:
    """Attribute the events written inside the block (CLI commands, jobs, the login itself)."""
    token = _actor_override.set(Actor(actor_id, name, ip))
    try:
        yield
    finally:
        _actor_override.reset(token)


@contextlib.contextmanager
def acting_user(user: Any) -> Iterator[None]:
    """Attribute events to ``user`` (sign-in, before the session knows who it is)."""
    ip = request.remote_addr if has_request_context() else None
    with acting_as(user.id, user.username, ip):
        yield
        db.session.flush()  # capture the model changes while the actor is still set


def current_actor() -> Actor:
    override = _actor_override.get()
    if override is not None:
        return override
    if has_request_context():
        from flask_login import current_user

        ip = request.remote_addr
        if current_user and getattr(current_user, "is_authenticated", False):
            return Actor(current_user.id, current_user.username, ip)
        return Actor(None, "anonymous", ip)
    return Actor(None, "system", None)


# -- canonical form and hashing ---------------------------------------------------------------

def to_jsonable(value: Any) -> Any:
    """A value as it is stored in ``changes``: JSON types only, so it reads back identically."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, datetime):
        return format_ts(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    return str(value)


def format_ts(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(fields)).encode("utf-8")).hexdigest()


def _hashed_fields(seq: int, created_at: datetime, actor: Actor, object_type: str,
                   object_id: str | None, action: str, success: bool,
                   changes: dict[str, Any]) -> dict[str, Any]:
    return {
        "seq": seq,
        "created_at": format_ts(created_at),
        "actor_id": actor.id,
        "actor_name": actor.name,
        "ip": actor.ip,
        "object_type": object_type,
        "object_id": object_id,
        "action": action,
        "success": success,
        "changes": changes,
    }


# -- writing ----------------------------------------------------------------------------------

def _append(connection: sa.Connection, rows: list[tuple[str, str | None, str, bool, dict]]) -> None:
    """Append events to the chain on ``connection`` (inside the caller's transaction)."""
    if not rows:
        return
    head_t = AuditHead.__table__
    event_t = AuditEvent.__table__
    head = connection.execute(
        sa.select(head_t.c.seq, head_t.c.last_hash).where(head_t.c.id == 1).with_for_update()
    ).first()
    if head is None:
        connection.execute(head_t.insert().values(id=1, seq=0, last_hash=GENESIS_HASH))
        seq, last_hash = 0, GENESIS_HASH
    else:
        seq, last_hash = head.seq, head.last_hash
    actor = current_actor()
    at = clock.now()
    values = []
    for object_type, object_id, action, success, changes in rows:
        seq += 1
        changes = to_jsonable(changes)
        fields = _hashed_fields(seq, at, actor, object_type, object_id, action, success, changes)
        digest = chain_hash(last_hash, fields)
        values.append({
            "seq": seq, "created_at": at, "actor_id": actor.id, "actor_name": actor.name,
            "ip": actor.ip, "object_type": object_type, "object_id": object_id,
            "action": action, "success": success, "changes": changes,
            "prev_hash": last_hash, "hash": digest,
        })
        last_hash = digest
    connection.execute(event_t.insert(), values)
    connection.execute(head_t.update().where(head_t.c.id == 1)
                       .values(seq=seq, last_hash=last_hash))


def record(action: str, object_type: str, object_id: Any = None, *,
           changes: dict[str, Any] | None = None, success: bool = True,
           session: Session | None = None) -> None:
    """Write a domain event (login, workflow action, export …) in the current transaction."""
    session = session or db.session
    session.flush()  # model changes first, so their events precede this one in the chain
    _append(session.connection(), [(object_type, None if object_id is None else str(object_id),
                                    action, success, changes or {})])


def record_many(events: list[tuple[str, Any, str, dict[str, Any]]], *,
                session: Session | None = None) -> None:
    """Write many domain events at once (bulk imports): (object_type, object_id, action,
    changes) each, chained in order, in the current transaction."""
    session = session or db.session
    session.flush()
    _append(session.connection(), [(t, None if i is None else str(i), a, True, c)
                                   for t, i, a, c in events])


def object_type_of(obj: Any) -> str:
    return obj.__class__.__tablename__


def digest(value: Any) -> dict[str, Any] | None:
    """{"sha256", "items"} of a JSON value (canonical form: sorted keys, no spaces)."""
    if value is None:
        return None
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)
    items = len(value) if isinstance(value, (list, dict)) else None
    return {"sha256": hashlib.sha256(text.encode()).hexdigest(), "items": items}


def _diff(obj: Any, kind: str) -> dict[str, list[Any]]:
    state = inspect(obj)
    redact = obj.__audit_redact__
    digested = obj.__audit_digest__
    ignore = obj.__audit_ignore__
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in ignore:
            continue
        hist = state.attrs[key].history
        if key in digested:
            old = (hist.deleted or hist.unchanged or [None])[0] if kind != "create" else None
            new = None if kind == "delete" else (hist.added or [getattr(obj, key)])[0]
            if kind == "update" and not hist.has_changes():
                continue
            if old is not None or new is not None:
                changes[key] = [digest(old), digest(new)]
            continue
        if kind == "create":
            new = hist.added[0] if hist.added else getattr(obj, key)
            if new is None:
                continue
            changes[key] = [None, REDACTED if key in redact else to_jsonable(new)]
        elif kind == "delete":
            old = (hist.unchanged or hist.deleted or [None])[0]
            changes[key] = [REDACTED if key in redact else to_jsonable(old), None]
        elif hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if key in redact:
                changes[key] = [REDACTED, REDACTED]
            elif to_jsonable(old) != to_jsonable(new):
                changes[key] = [to_jsonable(old), to_jsonable(new)]
    return changes


def _pk(obj: Any) -> str | None:
    values = inspect(obj).mapper.primary_key_from_instance(obj)
    if any(v is None for v in values):
        return None
    return ":".join(str(v) for v in values)


@event.listens_for(Session, "after_flush")
def _capture_changes(session: Session, flush_context) -> None:
    rows = []
    for obj in session.new:
        if isinstance(obj, Audited):
            rows.append((object_type_of(obj), _pk(obj), "create", True, _diff(obj, "create")))
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            changes = _diff(obj, "update")
            if changes:
                rows.append((object_type_of(obj), _pk(obj), "update", True, changes))
    for obj in session.deleted:
        if isinstance(obj, Audited):
            rows.append((object_type_of(obj), _pk(obj), "delete", True, _diff(obj, "delete")))
    if rows:
        _append(session.connection(), rows)


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    raise RuntimeError("audit events are append-only")


# -- reading and verifying --------------------------------------------------------------------

@dataclass
class ChainStatus:
    ok: bool
    count: int
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str | None = None


def verify_chain(session: Session | None = None) -> ChainStatus:
    """Recompute every hash in order; name the first event that does not fit."""
    session = session or db.session
    prev = GENESIS_HASH
    expected_seq = 0
    count = 0
    # Core rows, not ORM objects: what is stored now, not what the session remembers.
    query = sa.select(AuditEvent.__table__).order_by(AuditEvent.seq).execution_options(
        yield_per=2000)
    for ev in session.execute(query):
        expected_seq += 1
        count += 1
        if ev.seq != expected_seq:
            return ChainStatus(False, count, ev.seq, ev.id,
                               f"sequence gap: expected {expected_seq}, found {ev.seq}")
        if ev.prev_hash != prev:
            return ChainStatus(False, count, ev.seq, ev.id,
                               "prev_hash does not match the event before")
        actor = Actor(ev.actor_id, ev.actor_name, ev.ip)
        fields = _hashed_fields(ev.seq, ev.created_at, actor, ev.object_type, ev.object_id,
                                ev.action, ev.success, ev.changes)
        if chain_hash(prev, fields) != ev.hash:
            return ChainStatus(False, count, ev.seq, ev.id, "content does not match its hash")
        prev = ev.hash
    head = session.execute(
        sa.select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == 1)).first()
    if head is not None and (head.seq != expected_seq or head.last_hash != prev):
        return ChainStatus(False, count, head.seq, None,
                           f"chain head says {head.seq} events, found {expected_seq}: "
                           "events at the end were removed")
    return ChainStatus(True, count)
