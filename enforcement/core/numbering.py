"""Gap-free document numbers: one counter per (document code, year).

A number is taken inside the transaction that issues the document, under a row lock
(PostgreSQL ``SELECT … FOR UPDATE``; on SQLite the write transaction already holds the database
lock from ``BEGIN IMMEDIATE``). If that transaction rolls back, so does the counter: no number is
ever skipped and none is handed out twice. Format (DOMAIN.md Part 1 "Documents"):
``{abbr}应急{code}〔{year}〕{n}号`` — e.g. 汶应急罚〔2026〕12号.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from enforcement.extensions import db


class Counter(db.Model):
    """The last number issued for one document code in one year."""

    __tablename__ = "number_counters"
    __table_args__ = (sa.CheckConstraint("last_value >= 0", name="not_negative"),)

    code: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)


def _ensure_row(connection: sa.Connection, code: str, year: int) -> None:
    table = Counter.__table__
    dialect = connection.dialect.name
    if dialect == "postgresql":
        stmt = postgresql.insert(table).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).on_conflict_do_nothing()
    else:  # pragma: no cover - other databases are not supported
        raise RuntimeError(f"numbering does not support {dialect}")
    connection.execute(stmt.values(code=code, year=year, last_value=0))


def next_number(code: str, year: int) -> int:
    """Take the next number for (code, year) in the current transaction."""
    if not code or len(code) > 16:
        raise ValueError("document code must be 1–16 characters")
    if not 2000 <= year <= 2100:
        raise ValueError(f"year out of range: {year}")
    connection = db.session.connection()
    _ensure_row(connection, code, year)
    table = Counter.__table__
    current = connection.execute(
        sa.select(table.c.last_value)
        .where(table.c.code == code, table.c.year == year)
        .with_for_update()
    ).scalar_one()
    value = current + 1
    connection.execute(table.update().where(table.c.code == code, table.c.year == year)
                       .values(last_value=value))
    return value


def peek(code: str, year: int) -> int:
    """The last number taken (0 if none), without taking one."""
    value = db.session.scalar(sa.select(Counter.last_value).where(
        Counter.code == code, Counter.year == year))
    return value or 0


def format_number(abbr: str, code: str, year: int, n: int) -> str:
    """``{abbr}应急{code}〔{year}〕{n}号`` — the national pattern for 应急管理 documents."""
    return f"{abbr}应急{code}〔{year}〕{n}号"
