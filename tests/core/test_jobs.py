"""Background jobs: the same behaviour in worker threads and on RQ/Redis."""

import time

import pytest

from enforcement.core import jobs
from enforcement.extensions import db
from tests.conftest import bearer, wait_for_job

pytestmark = pytest.mark.committed


@pytest.fixture(params=["threads", "rq"])
def backend(request, app):
    if request.param == "threads":
        app.extensions["jobs_backend"] = jobs.ThreadBackend(2)
        yield "threads"
    else:
        redis = pytest.importorskip("redis")
        url = "redis://127.0.0.1:6379/15"
        try:
            redis.Redis.from_url(url).ping()
        except redis.exceptions.ConnectionError:
            pytest.skip("Redis is not running on 127.0.0.1:6379; the RQ backend is not tested")
        app.config["REDIS_URL"] = url
        app.extensions["jobs_backend"] = jobs.RQBackend(url)
        yield "rq"
        redis.Redis.from_url(url).flushdb()
        app.config["REDIS_URL"] = None
    app.extensions.pop("jobs_backend", None)


def _run(backend, app, job_id):
    if backend == "rq":
        jobs.run_worker(app, burst=True)
    return wait_for_job(job_id)


def test_a_job_runs_after_commit_and_keeps_its_result(app, backend, make_user):
    for _ in range(3):
        make_user(["expert"], username=None)
    job = jobs.submit("tests.core.sample_jobs:count_users", "user", name="统计用户")
    assert job.state == "queued"
    job_id = job.id  # read before the commit expires it: a refresh would hold SQLite's lock
    db.session.commit()
    done = _run(backend, app, job_id)
    assert done.state == "done" and done.progress == 1.0
    assert done.result == {"count": 3}
    assert done.started_at and done.finished_at


def test_a_failing_job_is_recorded_with_its_message(app, backend):
    job_id = jobs.submit("tests.core.sample_jobs:explode", name="会失败").id
    db.session.commit()
    failed = _run(backend, app, job_id)
    assert failed.state == "failed"
    assert failed.error == "第 3 行数据有误"


def test_a_rolled_back_job_never_runs(app, backend):
    job = jobs.submit("tests.core.sample_jobs:explode", name="回滚")
    job_id = job.id
    db.session.rollback()
    if backend == "rq":
        jobs.run_worker(app, burst=True)
    time.sleep(0.2)
    assert db.session.get(jobs.Job, job_id) is None


def test_wrong_function_path_fails_at_submit(app):
    with pytest.raises(ValueError):
        jobs.submit("no_colon_here", name="x")
    with pytest.raises(ModuleNotFoundError):
        jobs.submit("tests.nowhere:fn", name="x")


def test_job_api_and_progress_fragment(app, client, make_user, api_token, login):
    app.extensions["jobs_backend"] = jobs.ThreadBackend(1)
    owner = make_user(["officer"])
    job_id = jobs.submit("tests.core.sample_jobs:count_users", "user", name="统计",
                         created_by=owner.id).id
    db.session.commit()
    job = wait_for_job(job_id)
    token = api_token(owner)
    body = client.get(f"/api/v1/jobs/{job.id}", headers=bearer(token)).get_json()
    assert body["state"] == "done" and body["progress"] == 1.0 and body["result"]["count"] >= 1
    other = api_token(make_user(["officer"]))
    assert client.get(f"/api/v1/jobs/{job.id}", headers=bearer(other)).status_code == 404
    missing = client.get("/api/v1/jobs/doesnotexist", headers=bearer(token))
    assert missing.status_code == 404 and missing.content_type == "application/problem+json"
    login(owner)
    fragment = client.get(f"/jobs/{job.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "已完成" in fragment and 'data-width="100"' in fragment and "hx-trigger" not in fragment
    app.extensions.pop("jobs_backend", None)


def test_a_burst_worker_gives_the_signals_back(app, backend):
    """The RQ worker takes SIGINT/SIGTERM for its graceful stop; after a burst inside another
    program they are that program's again (else any later signal would stop it mid-work)."""
    import signal

    if backend != "rq":
        pytest.skip("only the RQ worker takes signals; the thread backend has no worker to run")
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    jobs.run_worker(app, burst=True)
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
