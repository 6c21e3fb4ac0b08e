"""Background jobs: large imports, plan generation, batch PDFs.

``submit("package.module:function", *args)`` records a job and runs ``function(ctx, *args)``
after the current transaction commits — in worker threads of this process when ``REDIS_URL`` is
not set (so ``make run`` needs nothing else), or on RQ workers (``flask worker``) when it is.
The function reports ``ctx.progress(fraction, message)``; each report is committed at once so a
page can show it. Its return value (JSON) is kept as the result; an exception marks the job
failed with its message. Jobs commit their own work explicitly.
"""

from __future__ import annotations

import importlib
import signal
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from enforcement.core import clock
from enforcement.core.errors import NotFound
from enforcement.core.models import UTCDateTime
from enforcement.extensions import db

STATES = ("queued", "running", "done", "failed")
QUEUE_NAME = "enforcement"


class Job(db.Model):
    """后台任务 — one background job and its progress."""

    __tablename__ = "jobs"
    __table_args__ = (
        sa.CheckConstraint(sa.column("state").in_(STATES), name="state_known"),
        sa.CheckConstraint("progress >= 0 AND progress <= 1", name="progress_range"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    function: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    args: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    state: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="queued")
    progress: Mapped[float] = mapped_column(sa.Float, nullable=False, default=0.0)
    message: Mapped[str | None] = mapped_column(sa.String(500))
    result: Mapped[Any | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


# -- submitting -------------------------------------------------------------------------------

def submit(function: str, *args: Any, name: str, created_by: int | None = None) -> Job:
    """Record a job; it starts once the current transaction commits (never if it rolls back)."""
    _resolve(function)  # fail now, not in the worker, on a wrong path
    job = Job(id=uuid.uuid4().hex, name=name, function=function, args=list(args),
              state="queued", progress=0.0, created_by=created_by, created_at=clock.now())
    db.session.add(job)
    db.session.flush()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    session = db.session()

    @event.listens_for(session, "after_commit", once=True)
    def _start(_session: Session) -> None:
        backend_for(app).enqueue(app, job.id)

    return job


def get_job(job_id: str) -> Job:
    job = db.session.get(Job, job_id) if job_id and len(job_id) <= 32 else None
    if job is None:
        raise NotFound(_("任务 %(id)s 不存在", id=job_id))
    return job


# -- running ----------------------------------------------------------------------------------

# Progress of jobs running in this process. On SQLite a job that holds the write lock would block
# its own progress write from another connection, so there progress lives here until the end.
_live: dict[str, tuple[float, str | None]] = {}


class JobContext:
    """What a job function gets: its id and a way to report progress."""

    def __init__(self, job_id: str):
        self.job_id = job_id

    def progress(self, fraction: float, message: str | None = None) -> None:
        fraction = max(0.0, min(1.0, float(fraction)))
        _live[self.job_id] = (fraction, message)
        if db.engine.dialect.name != "sqlite":
            _update(self.job_id, progress=fraction, message=message)


def status_of(job: Job) -> dict[str, Any]:
    """The job as the API and the progress bar show it (live progress when running here)."""
    progress, message = job.progress, job.message
    if job.state == "running" and job.id in _live:
        progress, message = _live[job.id]
    body: dict[str, Any] = {"id": job.id, "name": job.name, "state": job.state,
                            "progress": round(progress, 4), "message": message,
                            "created_at": job.created_at, "finished_at": job.finished_at}
    if job.state == "done":
        body["result"] = job.result
    if job.state == "failed":
        body["error"] = job.error
    return body


def _resolve(function: str):
    module_name, _sep, attr = function.partition(":")
    if not module_name or not attr:
        raise ValueError(f"job function must be 'module:function', got {function!r}")
    return getattr(importlib.import_module(module_name), attr)


def _update(job_id: str, **values: Any) -> None:
    """Write job state in its own short transaction, visible to other requests at once."""
    with db.engine.begin() as connection:
        connection.execute(Job.__table__.update().where(Job.__table__.c.id == job_id)
                           .values(**values))


def run_job(job_id: str) -> None:
    """Run one job inside an application context (the worker pushes it)."""
    job = db.session.get(Job, job_id)
    if job is None or job.state != "queued":
        db.session.remove()
        return
    function, args = job.function, list(job.args)
    db.session.rollback()
    _update(job_id, state="running", started_at=clock.now(), message=None)
    try:
        result = _resolve(function)(JobContext(job_id), *args)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        current_app.logger.error("job %s failed:\n%s", job_id, traceback.format_exc())
        _update(job_id, state="failed", error=str(exc) or exc.__class__.__name__,
                finished_at=clock.now())
    else:
        _update(job_id, state="done", progress=1.0, result=result, finished_at=clock.now())
    finally:
        _live.pop(job_id, None)
        db.session.remove()


# -- backends ---------------------------------------------------------------------------------

class ThreadBackend:
    """In-process worker threads: no other service needed."""

    def __init__(self, workers: int = 2):
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="job")

    def enqueue(self, app: Flask, job_id: str) -> None:
        self.executor.submit(self._run, app, job_id)

    @staticmethod
    def _run(app: Flask, job_id: str) -> None:
        with app.app_context():
            run_job(job_id)


class RQBackend:
    """RQ queues on Redis; ``flask worker`` runs the jobs."""

    def __init__(self, redis_url: str):
        from redis import Redis
        from rq import Queue

        self.queue = Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))

    def enqueue(self, app: Flask, job_id: str) -> None:
        self.queue.enqueue("enforcement.core.jobs.rq_entry", job_id, job_id=job_id,
                           job_timeout=app.config.get("JOB_TIMEOUT_SECONDS", 3600))


def rq_entry(job_id: str) -> None:
    """What the RQ worker calls: inside the worker's application context."""
    run_job(job_id)


def backend_for(app: Flask):
    backend = app.extensions.get("jobs_backend")
    if backend is None:
        url = app.config.get("REDIS_URL")
        backend = RQBackend(url) if url else ThreadBackend(app.config.get("JOB_THREADS", 2))
        app.extensions["jobs_backend"] = backend
    return backend


def run_worker(app: Flask, *, burst: bool = False) -> None:
    """Run an RQ worker for this app (``flask worker``)."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    url = app.config.get("REDIS_URL")
    if not url:
        raise RuntimeError("REDIS_URL is not set: jobs run inside the web process")
    connection = Redis.from_url(url)
    worker = SimpleWorker([Queue(QUEUE_NAME, connection=connection)], connection=connection)
    # the worker takes SIGINT and SIGTERM for its graceful stop and keeps them: a burst run
    # inside another program (a command, the tests) gives them back afterwards
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with app.app_context():
            worker.work(burst=burst, with_scheduler=False)
    finally:
        if burst:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
