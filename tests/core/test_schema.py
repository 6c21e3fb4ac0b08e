"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from enforcement.extensions import db


def test_models_and_migrations_agree(app):
    connection = db.session.connection()
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ — add a migration: {diff}"


def test_constraint_names_follow_the_convention(app):
    inspector = sa.inspect(db.session.connection())
    assert inspector.get_pk_constraint("users")["name"] == "pk_users"
    uniques = {u["name"] for u in inspector.get_unique_constraints("users")}
    assert {"uq_users_username", "uq_users_certificate_no"} <= uniques
    fks = {f["name"] for f in inspector.get_foreign_keys("user_roles")}
    assert fks == {"fk_user_roles_user_id_users"}


def test_sqlite_runs_with_foreign_keys_and_wal(app):
    if db.engine.dialect.name != "sqlite":
        return
    conn = db.session.connection()
    assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_timestamps_come_back_aware_utc(make_user):
    user = make_user()
    db.session.expire_all()
    fresh = db.session.get(type(user), user.id)
    assert fresh.created_at.tzinfo is not None
    assert fresh.created_at.utcoffset().total_seconds() == 0
