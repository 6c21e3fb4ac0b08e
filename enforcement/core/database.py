"""Engine set-up for the embedded SQLite database.

SQLite gets WAL, foreign keys and a busy timeout. Python's sqlite3 module manages transactions
its own way, which breaks SAVEPOINT and ``BEGIN IMMEDIATE``; we switch that off and begin
transactions ourselves: ``BEGIN IMMEDIATE`` (take the write lock up front, so a transaction that
reads and then writes never fails half-way on a busy database) for everything except read-only
HTTP requests, which begin deferred and never block writers.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import has_request_context, request

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def configure_engine(engine: sa.Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        read_only = has_request_context() and request.method in READ_ONLY_METHODS
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
