"""Annual plans through HTTP: create, reproducibility, workflow, one approved plan per year."""

import pytest

from enforcement.extensions import db
from enforcement.plans.models import Plan
from tests.conftest import bearer


@pytest.fixture
def county(make_user, make_enterprise):
    officers = [make_user(["officer"]) for _ in range(4)]
    enterprises = []
    for _ in range(6):
        enterprises.append(make_enterprise(industry_code="F5211", standardization_grade="2"))
    enterprises.append(make_enterprise(industry_code="C3311", dust_explosion=True))
    enterprises.append(make_enterprise(major_hazard_level=2, industry_code="C2614"))
    return officers, enterprises


@pytest.fixture
def leader(make_user, api_token):
    return api_token(make_user(["leader"]))


def _create(client, token, **extra):
    return client.post("/api/v1/plans", headers=bearer(token), json={
        "year": 2026, "seed": 20260101, "other_enforcement_days": {}, **extra})


def test_create_plan_with_capacity_and_tasks(client, leader, county):
    response = _create(client, leader)
    assert response.status_code == 201, response.get_json()
    plan = response.get_json()
    assert plan["state"] == "draft" and plan["seed"] == 20260101
    capacity = plan["capacity"]
    assert capacity["officers"] >= 4 and capacity["legal_workdays_per_officer"] == 248
    assert capacity["provisional"] is False
    assert set(plan["summary"]) >= {"key", "random", "campaign", "by_class", "by_month"}
    assert plan["shortfall"]["inspections"] == 0
    tasks = client.get(f"/api/v1/plans/{plan['id']}/tasks?page_size=100",
                       headers=bearer(leader)).get_json()
    assert tasks and all(len(t["officer_ids"]) >= 2 for t in tasks)
    kinds = {t["kind"] for t in tasks}
    assert "key" in kinds  # the A and B enterprises are visited


def test_same_inputs_and_seed_give_the_same_tasks(client, leader, county):
    first = _create(client, leader).get_json()
    second = _create(client, leader).get_json()
    strip = lambda ts: [{k: v for k, v in t.items() if k != "id"} for t in ts]  # noqa: E731
    a = client.get(f"/api/v1/plans/{first['id']}/tasks?page_size=100", headers=bearer(leader))
    b = client.get(f"/api/v1/plans/{second['id']}/tasks?page_size=100", headers=bearer(leader))
    assert strip(a.get_json()) == strip(b.get_json())


def test_unknown_category_and_bad_values_are_422(client, leader, county):
    bad = _create(client, leader, other_enforcement_days={"打麻将": 3})
    assert bad.status_code == 422 and "打麻将" in str(bad.get_json()["errors"])
    negative = _create(client, leader, reserve_ratio=1.5)
    assert negative.status_code == 422
    assert db.session.query(Plan).count() == 0


def test_2027_is_provisional(client, leader, county):
    plan = client.post("/api/v1/plans", headers=bearer(leader),
                       json={"year": 2027, "seed": 1}).get_json()
    assert plan["provisional"] is True and plan["capacity"]["provisional"] is True


def test_workflow_and_one_approved_plan_per_year(client, leader, make_user, api_token, county):
    officer = api_token(make_user(["officer"]))
    first = _create(client, leader).get_json()
    second = _create(client, leader).get_json()

    def act(token, plan, action, **extra):
        return client.post(f"/api/v1/plans/{plan['id']}/actions", headers=bearer(token),
                           json={"action": action, "version": plan["version"], **extra})

    submitted = act(officer, first, "submit").get_json()
    assert submitted["state"] == "submitted"
    assert act(officer, submitted, "approve").status_code == 403
    returned = act(leader, submitted, "return")
    assert returned.status_code == 422  # an opinion is required
    returned = act(leader, submitted, "return", opinion="请补充专项整治").get_json()
    assert returned["state"] == "draft"
    resubmitted = act(officer, returned, "submit").get_json()
    approved = act(leader, resubmitted, "approve").get_json()
    assert approved["state"] == "approved"
    assert act(leader, approved, "approve").status_code == 409  # not twice
    other = act(officer, second, "submit").get_json()
    clash = act(leader, other, "approve")
    assert clash.status_code == 409 and "每年只能批准一个计划" in clash.get_json()["detail"]
    published = act(leader, approved, "publish").get_json()
    assert published["state"] == "published"


def test_officer_sees_own_tasks_once_published(client, leader, login, county):
    officers, _enterprises = county
    plan = _create(client, leader).get_json()
    for action in ("submit", "approve", "publish"):
        plan = client.post(f"/api/v1/plans/{plan['id']}/actions", headers=bearer(leader),
                           json={"action": action, "version": plan["version"]}).get_json()
    login(officers[0])
    page = client.get("/plans/mine?year=2026").get_data(as_text=True)
    assert "我的检查任务" in page and "本年度计划尚未发布" not in page


def test_declared_officer_relationship_keeps_the_officer_off_the_team(
        client, leader, make_user, api_token, make_enterprise):
    officers = [make_user(["officer"]) for _ in range(3)]
    target = make_enterprise(major_hazard_level=1, industry_code="C2614")  # class A: visited
    own = api_token(officers[0])
    declared = client.post(f"/api/v1/enterprises/{target.id}/officer-relations",
                           headers=bearer(own),
                           json={"user_id": officers[0].id, "relation": "配偶任该企业安全员"})
    assert declared.status_code == 201
    other = client.post(f"/api/v1/enterprises/{target.id}/officer-relations",
                        headers=bearer(own), json={"user_id": officers[1].id, "relation": "x"})
    assert other.status_code == 403
    plan = _create(client, leader).get_json()
    tasks = client.get(f"/api/v1/plans/{plan['id']}/tasks?page_size=100",
                       headers=bearer(leader)).get_json()
    visits = [t for t in tasks if t["enterprise_id"] == target.id]
    assert visits and all(officers[0].id not in t["officer_ids"] for t in visits)


def test_verify_draw_from_the_stored_plan(client, leader, runner, county):
    plan = _create(client, leader).get_json()
    result = runner.invoke(args=["plans", "verify-draw", str(plan["id"])])
    assert result.exit_code == 0, result.output
    assert "抽取可复现" in result.output
    stored = db.session.get(Plan, plan["id"])
    stored.random_drawn_ids = list(reversed(stored.random_drawn_ids))
    db.session.flush()
    tampered = runner.invoke(args=["plans", "verify-draw", str(plan["id"])])
    assert tampered.exit_code == 1


def test_plan_page_has_charts_and_the_export(client, leader, make_user, login, county):
    import io

    from openpyxl import load_workbook

    plan = _create(client, leader).get_json()
    login(make_user(["leader"]))
    page = client.get(f"/plans/{plan['id']}").get_data(as_text=True)
    assert 'id="chart-month"' in page and "执法力量测算" in page
    export = client.get(f"/plans/{plan['id']}/tasks.xlsx")
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "月份" and len(rows) - 1 == sum(
        plan["summary"][k] for k in ("key", "random", "campaign"))


def test_plans_page_shows_the_form_with_all_categories(client, make_user, login):
    from enforcement.plans import engine

    login(make_user(["leader"]))
    page = client.get("/plans/").get_data(as_text=True)
    for name in engine.other_enforcement_categories() + engine.non_enforcement_categories():
        assert name in page


def test_approved_plan_is_changed_only_by_amendment(client, leader, county):
    from enforcement.core.audit import AuditEvent

    plan = _create(client, leader).get_json()
    draft_try = client.post(f"/api/v1/plans/{plan['id']}/amendments", headers=bearer(leader),
                            json={"version": plan["version"], "reason": "调整月份",
                                  "changes": [{"task_id": 1, "month": 3}]})
    assert draft_try.status_code == 409
    for action in ("submit", "approve"):
        plan = client.post(f"/api/v1/plans/{plan['id']}/actions", headers=bearer(leader),
                           json={"action": action, "version": plan["version"]}).get_json()
    task = client.get(f"/api/v1/plans/{plan['id']}/tasks", headers=bearer(leader)).get_json()[0]
    no_reason = client.post(f"/api/v1/plans/{plan['id']}/amendments", headers=bearer(leader),
                            json={"version": plan["version"], "reason": "",
                                  "changes": [{"task_id": task["id"], "month": 3}]})
    assert no_reason.status_code == 422
    solo = client.post(f"/api/v1/plans/{plan['id']}/amendments", headers=bearer(leader),
                       json={"version": plan["version"], "reason": "人员调整需要",
                             "changes": [{"task_id": task["id"],
                                          "officer_ids": task["officer_ids"][:1]}]})
    assert solo.status_code == 422  # a team needs two officers
    new_month = 3 if task["month"] != 3 else 4
    ok = client.post(f"/api/v1/plans/{plan['id']}/amendments", headers=bearer(leader),
                     json={"version": plan["version"], "reason": "企业停产检修，推迟检查",
                           "changes": [{"task_id": task["id"], "month": new_month}]})
    assert ok.status_code == 201, ok.get_json()
    change = ok.get_json()["changes"][0]
    assert change["before"]["month"] == task["month"] and change["after"]["month"] == new_month
    assert db.session.query(AuditEvent).filter_by(object_type="plan_amendments").count() == 1
    stale = client.post(f"/api/v1/plans/{plan['id']}/amendments", headers=bearer(leader),
                        json={"version": plan["version"], "reason": "再调整一次",
                              "changes": [{"task_id": task["id"], "month": 5}]})
    assert stale.status_code == 409


@pytest.mark.committed
def test_large_registries_generate_the_plan_as_a_job(app, client, make_user, login, county):
    import time

    from tests.conftest import csrf_token

    app.config["PLAN_JOB_THRESHOLD"] = 0
    try:
        login(make_user(["leader"]))
        token = csrf_token(client, "/plans/")
        response = client.post("/plans/new", data={"csrf_token": token, "year": "2026",
                                                   "seed": "7"})
        assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
        for _ in range(100):
            page = client.get(response.headers["Location"], headers={"HX-Request": "true"})
            html = page.get_data(as_text=True)
            if "hx-trigger" not in html:
                break
            time.sleep(0.05)
        assert 'data-testid="job-result"' in html and "/plans/" in html
    finally:
        app.config["PLAN_JOB_THRESHOLD"] = 20000


def test_amendment_from_the_page(client, leader, make_user, login, county):
    from tests.conftest import csrf_token

    plan = _create(client, leader).get_json()
    for action in ("submit", "approve"):
        plan = client.post(f"/api/v1/plans/{plan['id']}/actions", headers=bearer(leader),
                           json={"action": action, "version": plan["version"]}).get_json()
    task = client.get(f"/api/v1/plans/{plan['id']}/tasks", headers=bearer(leader)).get_json()[0]
    login(make_user(["leader"]))
    token = csrf_token(client, f"/plans/{plan['id']}")
    client.post(f"/plans/{plan['id']}/amend", data={
        "csrf_token": token, "version": plan["version"], "task_id": task["id"], "cancel": "1",
        "reason": "企业已注销"})
    page = client.get(f"/plans/{plan['id']}").get_data(as_text=True)
    assert "企业已注销" in page and "text-decoration-line-through" in page


def test_campaign_chosen_on_the_page(client, make_user, login, make_enterprise):
    from tests.conftest import csrf_token

    for _ in range(3):
        make_user(["officer"])
    welders = [make_enterprise(industry_code="F5211", standardization_grade="2", hot_work=True)
               for _ in range(2)]
    make_enterprise(industry_code="F5211", standardization_grade="2")
    login(make_user(["leader"]))
    token = csrf_token(client, "/plans/")
    response = client.post("/plans/new", data={
        "csrf_token": token, "year": "2026", "seed": "3", "campaign_hot_work": "1",
        "campaign_limit_hot_work": "2"})
    assert response.status_code == 302 and "/plans/" in response.headers["Location"]
    plan = db.session.query(Plan).order_by(Plan.id.desc()).first()
    assert plan.summary["campaign"] >= 1
    campaign_targets = {t.enterprise_id for t in plan.tasks if t.kind == "campaign"}
    assert campaign_targets <= {w.id for w in welders}


def test_the_draw_lists_enter_the_audit_trail_as_digests(client, leader, county):
    """The pool and the drawn ids can hold the whole registry: the trail keeps their SHA-256 and
    length (which proves the stored lists), not a copy."""
    from enforcement.core.audit import AuditEvent, digest
    from enforcement.plans.models import Plan

    plan_id = _create(client, leader).get_json()["id"]
    event = db.session.query(AuditEvent).filter_by(object_type="plans", action="create",
                                                   object_id=str(plan_id)).one()
    stored = db.session.get(Plan, plan_id)
    old, new = event.changes["random_pool_ids"]
    assert old is None and new == digest(stored.random_pool_ids)
    assert new["items"] == len(stored.random_pool_ids)
    assert event.changes["seed"] == [None, 20260101]   # other columns as before


@pytest.mark.parametrize("per_statement", [4, 300])
def test_stored_tasks_are_the_computed_ones_in_plan_order(client, leader, county, monkeypatch,
                                                          per_statement):
    """The tasks go in by enterprise id, several rows per INSERT on SQLite (here 11 rows: two
    full statements and a rest of three, or one statement): read back by seq they are the
    computed tasks, the teams and needs as JSON lists."""
    import sqlalchemy as sa

    from enforcement.plans import service
    from enforcement.plans.engine import PlanTask
    from enforcement.plans.models import PlanTask as TaskRow

    plan_id = _create(client, leader).get_json()["id"]
    officers, enterprises = county
    ids = [e.id for e in enterprises]
    tasks = [PlanTask(ids[(7 * i) % len(ids)], 1 + i % 12, ("key", "random", "campaign")[i % 3],
                      f"理由{i}", tuple(o.id for o in officers[:2 + i % 3]),
                      ("危险化学品", "粉尘防爆")[:i % 3], i % 4 != 0) for i in range(11)]
    monkeypatch.setattr(service, "_ROWS_PER_INSERT", per_statement)
    db.session.execute(sa.delete(TaskRow).where(TaskRow.plan_id == plan_id))
    service._store_tasks(plan_id, tasks)
    db.session.commit()
    db.session.expire_all()
    rows = db.session.scalars(sa.select(TaskRow).where(TaskRow.plan_id == plan_id)
                              .order_by(TaskRow.seq)).all()
    assert [(r.seq, r.enterprise_id, r.month, r.kind, r.reason, r.officer_ids, r.expert_needs,
             r.covered, r.state) for r in rows] == [
        (seq, t.enterprise_id, t.month, t.kind, t.reason, list(t.officer_ids),
         list(t.expert_needs), t.covered, "planned") for seq, t in enumerate(tasks, start=1)]
