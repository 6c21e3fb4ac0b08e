"""Test fixtures: one app per session, a clean database per test (a transaction rolled back at
the end; the code's commits release savepoints), and factories that go through the services.

SQLite by default (a fresh file per session, built by the migrations); PostgreSQL when
TEST_DATABASE_URL is set (its public schema is dropped and rebuilt by the migrations).
"""

from __future__ import annotations

import contextvars
import os
import random
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession

from enforcement import create_app
from enforcement.core import calendar_store, clock
from enforcement.enterprises import uscc
from enforcement.extensions import db, limiter

PASSWORD = "Test-pass-2026"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class BoundSession(FlaskSession):
    """A session that always uses the test's connection (Flask-SQLAlchemy would pick the engine)."""

    def get_bind(self, *args, **kwargs):
        return self.bind


class IsolatedClient(FlaskClient):
    """Each request gets its own application context (and so its own ``g`` and DB session), as in
    production; without this, requests would share the test's context and leak ``g``."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{instance / 'test.db'}"
    os.environ["INSTANCE_PATH"] = str(instance)
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "STORAGE_DIR": str(instance / "files"),
        "LOGIN_RATE_LIMIT": "10000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 8, "ARGON2_PARALLELISM": 1,
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        _build_schema(app)
    yield app
    with app.app_context():
        db.engine.dispose()


def _build_schema(app):
    from flask_migrate import upgrade

    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    upgrade()


@pytest.fixture(autouse=True)
def _db(app, request):
    """Each test runs inside one outer transaction that is rolled back afterwards.

    Tests marked ``committed`` (other threads or processes must see their data: jobs, number
    counters under concurrency) commit for real; the database is wiped after them.
    """
    if request.node.get_closest_marker("committed"):
        from enforcement.core import jobs

        app.extensions["jobs_backend"] = jobs.ThreadBackend(2)
        with app.app_context():
            original = db.session
            # Reading an attribute after a commit must not start a transaction: on SQLite that
            # would take the write lock (BEGIN IMMEDIATE) that the other threads are waiting for.
            db.session = db._make_scoped_session({"expire_on_commit": False})
            try:
                yield
            finally:
                db.session.remove()
                db.session = original
                wipe_database()
                clock.freeze(None)
                limiter.reset()
                calendar_store.invalidate()
        return
    # Jobs need committed data and a free database: here they are only recorded (tests marked
    # ``committed`` install a real backend).
    app.extensions["jobs_backend"] = RecordingBackend()
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = db._make_scoped_session({
            "class_": BoundSession, "bind": connection,
            "join_transaction_mode": "create_savepoint"})
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()
            clock.freeze(None)
            limiter.reset()
            calendar_store.invalidate()


class RecordingBackend:
    """A job backend that keeps the submitted ids instead of running them."""

    def __init__(self):
        self.enqueued: list[str] = []

    def enqueue(self, app, job_id: str) -> None:
        self.enqueued.append(job_id)


def wipe_database() -> None:
    """Delete every row (audit events too, past their append-only guard) and reset the chain."""
    with db.engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
        else:
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_delete")
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        if postgres:
            conn.exec_driver_sql("ALTER TABLE audit_events ENABLE TRIGGER USER")
        else:
            conn.exec_driver_sql(
                "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END")
        conn.exec_driver_sql(
            "INSERT INTO audit_head (id, seq, last_hash) VALUES (1, 0, '" + "0" * 64 + "')")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def frozen(app):
    """Set the clock: ``frozen(datetime)``; it runs again after the test."""
    def set_clock(at: datetime):
        clock.freeze(at if at.tzinfo else at.replace(tzinfo=UTC))
    set_clock(datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    return set_clock


# -- factories: the real business path --------------------------------------------------------

_counter = iter(range(1, 10**6))


@pytest.fixture
def make_user(app):
    from enforcement.auth import service

    def make(roles=("officer",), *, username=None, password=PASSWORD, must_change=False,
             certificate_no=None, display_name=None, **extra):
        n = next(_counter)
        roles = list(roles)
        if "officer" in roles and certificate_no is None:
            certificate_no = f"T{n:08d}"
        user = service.create_user(service.AccountData(
            username=username or f"user{n}", display_name=display_name or f"测试用户{n}",
            roles=roles, password=password, certificate_no=certificate_no,
            must_change_password=must_change, **extra))
        db.session.commit()
        return user

    return make


def csrf_token(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client, path, data, *, token_from="/login", **kwargs):
    payload = dict(data)
    payload.setdefault("csrf_token", csrf_token(client, token_from))
    return client.post(path, data=payload, **kwargs)


@pytest.fixture
def login(client):
    """Sign a user in through the login page."""
    def do(user_or_name, password=PASSWORD):
        username = getattr(user_or_name, "username", user_or_name)
        response = post_form(client, "/login", {"username": username, "password": password})
        return response
    return do


@pytest.fixture
def api_token(client):
    def issue(user_or_name, password=PASSWORD, otp=None):
        username = getattr(user_or_name, "username", user_or_name)
        body = {"username": username, "password": password}
        if otp:
            body["otp"] = otp
        response = client.post("/api/v1/auth/tokens", json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["token"]
    return issue


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def wait_for_job(job_id, timeout: float = 15.0, poll: float = 0.05):
    """The job once finished, as a snapshot of its columns. Polls in a session of its own: the
    test's session (and its objects) stay untouched, and no transaction stays open to hold
    SQLite's write lock while the worker needs it."""
    import time
    from types import SimpleNamespace

    from sqlalchemy.orm import Session

    from enforcement.core import jobs

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(db.engine) as session:
            job = session.get(jobs.Job, job_id)
            snapshot = SimpleNamespace(**{c.key: getattr(job, c.key)
                                          for c in jobs.Job.__table__.columns},
                                       finished=job.finished)
        if snapshot.finished:
            return snapshot
        time.sleep(poll)
    raise AssertionError("job did not finish")


# -- registry factories (shared by the modules that need enterprises) --------------------------

_enterprise_rng = random.Random(7)


@pytest.fixture
def new_uscc():
    def make():
        return uscc.generate("370830", seed=_enterprise_rng.randrange(10**9))
    return make


@pytest.fixture
def make_enterprise(app, new_uscc):
    """An enterprise made through the service (the real path), committed."""
    from enforcement.enterprises import service

    def make(**fields):
        data = {"uscc": new_uscc(), "name": f"汶上县测试{_enterprise_rng.randrange(10**6)}有限公司",
                "township": "南站镇", "industry_code": "C3311", **fields}
        enterprise = service.create_enterprise(data, None)
        db.session.commit()
        return enterprise
    return make
