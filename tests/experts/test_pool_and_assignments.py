"""The expert pool, conflicts of interest and assignments through HTTP."""

from datetime import UTC, datetime, timedelta

import pytest

from enforcement.core import clock
from enforcement.experts.models import Assignment, Engagement, Expert, Recusal
from enforcement.extensions import db
from tests.conftest import PASSWORD, bearer


@pytest.fixture
def officer(make_user, api_token):
    return api_token(make_user(["officer"]))


@pytest.fixture
def make_expert(app, make_user):
    from enforcement.experts import service

    def make(name, skills, *, login=False, **extra):
        user = make_user(["expert"], display_name=name) if login else None
        expert = service.create_expert({"name": name, "skills": skills,
                                        "user_id": user.id if user else None, **extra})
        db.session.commit()
        return expert, user
    return make


@pytest.fixture
def dusty(make_enterprise):
    return make_enterprise(name="汶上县粉尘打磨厂", industry_code="C3311", dust_explosion=True,
                           dust_workers=10)


def test_create_and_patch_expert_with_version(client, make_user, api_token):
    token = api_token(make_user(["officer"]))
    created = client.post("/api/v1/experts", headers=bearer(token), json={
        "name": "王立新", "title": "高级工程师", "skills": ["粉尘防爆", "粉尘防爆 ", "除尘系统"],
        "groups": ["粉尘防爆"]})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["skills"] == ["粉尘防爆", "除尘系统"]
    bad_group = client.patch(f"/api/v1/experts/{body['id']}", headers=bearer(token),
                             json={"version": body["version"], "groups": ["魔法"]})
    assert bad_group.status_code == 422 and "未知专业类别" in bad_group.get_json()["errors"][
        "groups"][0]
    ok = client.patch(f"/api/v1/experts/{body['id']}", headers=bearer(token),
                      json={"version": body["version"], "available": False})
    assert ok.status_code == 200
    stale = client.patch(f"/api/v1/experts/{body['id']}", headers=bearer(token),
                         json={"version": body["version"], "available": True})
    assert stale.status_code == 409


def test_search_finds_by_initials_and_explains(client, officer, make_expert):
    make_expert("张粉尘", ["粉尘防爆", "除尘系统设计"])
    make_expert("李化工", ["危险化学品", "化工工艺安全"])
    response = client.get("/api/v1/experts/search?q=fcfb", headers=bearer(officer))
    assert response.status_code == 200
    results = response.get_json()
    assert results[0]["expert"]["name"] == "张粉尘"
    assert results[0]["matched"][0]["skill"] == "粉尘防爆"
    assert set(results[0]) == {"expert", "score", "matched", "excluded", "reasons"}


def test_conflicts_are_excluded_and_explained(client, officer, make_expert, dusty):
    employee, _u = make_expert("赵本厂", ["粉尘防爆"], employer_uscc=dusty.uscc)
    consultant, _u = make_expert("钱咨询", ["粉尘防爆"])
    db.session.add(Engagement(expert_id=consultant.id, enterprise_uscc=dusty.uscc,
                              enterprise_name=dusty.name, kind="评价", by_employer=True,
                              start_on=clock.today() - timedelta(days=400)))
    free, _u = make_expert("孙中立", ["粉尘防爆"])
    db.session.commit()
    url = f"/api/v1/experts/search?q=粉尘防爆&enterprise_id={dusty.id}"
    names = [r["expert"]["name"] for r in client.get(url, headers=bearer(officer)).get_json()]
    assert names == ["孙中立"]
    shown = client.get(url + "&include_excluded=true", headers=bearer(officer)).get_json()
    reasons = {r["expert"]["name"]: r["reasons"] for r in shown if r["excluded"]}
    assert "所在单位即该企业" in reasons["赵本厂"][0]
    assert "评价" in reasons["钱咨询"][0]
    invite = client.post("/api/v1/assignments", headers=bearer(officer), json={
        "expert_id": employee.id, "enterprise_id": dusty.id})
    assert invite.status_code == 409 and "回避" in invite.get_json()["detail"]
    assert db.session.query(Assignment).count() == 0


def test_bad_queries(client, officer, dusty):
    long = client.get("/api/v1/experts/search?q=" + "粉" * 501, headers=bearer(officer))
    assert long.status_code == 422
    empty = client.get("/api/v1/experts/search?q=", headers=bearer(officer))
    assert empty.status_code == 200 and empty.get_json() == []
    control = client.get("/api/v1/experts/search?q=%00%01", headers=bearer(officer))
    assert control.status_code == 200
    unknown = client.get("/api/v1/experts/search?q=x&enterprise_id=999999",
                         headers=bearer(officer))
    assert unknown.status_code == 404


def _act(client, token, assignment, action, **extra):
    return client.post(f"/api/v1/assignments/{assignment['id']}/actions",
                       headers=bearer(token),
                       json={"action": action, "version": assignment["version"], **extra})


def test_auto_invitation_decline_with_conflict_passes_to_the_next(client, officer, api_token,
                                                                  make_expert, dusty):
    first, first_user = make_expert("甲专家", ["粉尘防爆", "除尘系统设计"], login=True)
    second, second_user = make_expert("乙专家", ["粉尘防爆"], login=True)
    created = client.post("/api/v1/assignments", headers=bearer(officer),
                          json={"auto": True, "enterprise_id": dusty.id})
    assert created.status_code == 201, created.get_json()
    assignment = created.get_json()
    assert assignment["expert"]["name"] == "甲专家" and assignment["state"] == "invited"
    first_token = api_token(first_user)
    second_token = api_token(second_user)
    # Only the invited expert answers.
    assert _act(client, second_token, assignment, "accept").status_code == 403
    no_reason = _act(client, first_token, assignment, "decline")
    assert no_reason.status_code == 422
    declined = _act(client, first_token, assignment, "decline", reason="我曾为该厂做过设计",
                    conflict=True)
    assert declined.status_code == 200, declined.get_json()
    body = declined.get_json()
    assert body["state"] == "declined" and body["next_assignment_id"]
    assert db.session.query(Recusal).filter_by(expert_id=first.id).count() == 1
    mine = client.get("/api/v1/me/assignments", headers=bearer(second_token)).get_json()
    assert mine[0]["id"] == body["next_assignment_id"]
    assert mine[0]["allowed_actions"] == ["accept", "decline"]
    accepted = _act(client, second_token, mine[0], "accept")
    assert accepted.status_code == 200 and accepted.get_json()["state"] == "accepted"
    opinion = _act(client, second_token, accepted.get_json(), "submit_opinion",
                   opinion="除尘器未设泄爆装置，建议立即整改。")
    assert opinion.get_json()["state"] == "completed"
    rated = _act(client, officer, opinion.get_json(), "rate", rating=5)
    assert rated.status_code == 200
    db.session.refresh(second)
    assert second.rating == 5.0
    # The declined expert is now excluded for this enterprise.
    search = client.get(f"/api/v1/experts/search?q=粉尘防爆&enterprise_id={dusty.id}",
                        headers=bearer(officer)).get_json()
    assert "甲专家" not in [r["expert"]["name"] for r in search]


def test_expired_invitation_cannot_be_accepted(client, officer, api_token, make_expert, dusty,
                                               frozen):
    frozen(datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    expert, user = make_expert("丙专家", ["粉尘防爆"], login=True)
    created = client.post("/api/v1/assignments", headers=bearer(officer), json={
        "expert_id": expert.id, "enterprise_id": dusty.id,
        "respond_by": "2026-11-03T09:00:00+08:00"}).get_json()
    frozen(datetime(2026, 11, 4, 1, 0, tzinfo=UTC))
    late = _act(client, api_token(user), created, "accept")
    assert late.status_code == 409 and "过期" in late.get_json()["detail"]
    db.session.expire_all()
    assert db.session.get(Assignment, created["id"]).state == "expired"


def test_respond_by_in_the_past_is_refused(client, officer, make_expert, dusty):
    expert, _u = make_expert("丁专家", ["粉尘防爆"])
    response = client.post("/api/v1/assignments", headers=bearer(officer), json={
        "expert_id": expert.id, "enterprise_id": dusty.id,
        "respond_by": "2020-01-01T00:00:00+08:00"})
    assert response.status_code == 422 and "respond_by" in response.get_json()["errors"]


def test_expert_edits_only_own_skills(client, api_token, make_expert):
    mine, user = make_expert("戊专家", ["电气安全"], login=True)
    other, _u = make_expert("己专家", ["消防安全管理"])
    token = api_token(user)
    ok = client.patch(f"/api/v1/experts/{mine.id}", headers=bearer(token),
                      json={"version": mine.version, "skills": ["电气安全", "防爆电气"]})
    assert ok.status_code == 200
    name = client.patch(f"/api/v1/experts/{mine.id}", headers=bearer(token),
                        json={"version": ok.get_json()["version"], "name": "改名"})
    assert name.status_code == 403
    others = client.patch(f"/api/v1/experts/{other.id}", headers=bearer(token),
                          json={"version": other.version, "skills": ["x"]})
    assert others.status_code == 403


def test_expert_portal_lists_the_invitation(client, officer, login, make_expert, dusty):
    expert, user = make_expert("庚专家", ["粉尘防爆"], login=True)
    client.post("/api/v1/assignments", headers=bearer(officer),
                json={"expert_id": expert.id, "enterprise_id": dusty.id})
    login(user, PASSWORD)
    page = client.get("/experts/me").get_data(as_text=True)
    assert "汶上县粉尘打磨厂" in page and "接受" in page and "谢绝" in page
    assert db.session.query(Expert).count() >= 1


def test_engagements_and_declarations_exclude(client, officer, api_token, make_expert, dusty):
    expert, user = make_expert("辛专家", ["粉尘防爆"], login=True)
    bad = client.post(f"/api/v1/experts/{expert.id}/engagements", headers=bearer(officer), json={
        "enterprise_uscc": "123", "enterprise_name": "x", "kind": "算命", "start_on": "2026-01-01"})
    assert bad.status_code == 422 and {"enterprise_uscc", "kind"} <= set(bad.get_json()["errors"])
    declared = client.post(f"/api/v1/experts/{expert.id}/relations",
                           headers=bearer(api_token(user)),
                           json={"enterprise_uscc": dusty.uscc, "relation": "妻子在该厂任会计"})
    assert declared.status_code == 201
    shown = client.get(f"/api/v1/experts/search?q=粉尘防爆&enterprise_id={dusty.id}"
                       "&include_excluded=true", headers=bearer(officer)).get_json()
    reasons = {r["expert"]["name"]: r["reasons"] for r in shown}
    assert "妻子在该厂任会计" in reasons["辛专家"][0]
    old = client.post(f"/api/v1/experts/{expert.id}/engagements", headers=bearer(officer), json={
        "enterprise_uscc": dusty.uscc, "enterprise_name": dusty.name, "kind": "培训",
        "start_on": "2019-01-01", "end_on": "2019-06-30"})
    assert old.status_code == 201  # more than 3 years ago: no longer a ground for 回避


def test_invitation_notifies_the_expert(client, officer, login, make_expert, dusty):
    expert, user = make_expert("壬专家", ["粉尘防爆"], login=True)
    client.post("/api/v1/assignments", headers=bearer(officer),
                json={"expert_id": expert.id, "enterprise_id": dusty.id})
    login(user, PASSWORD)
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="unread-count">1<' in home
    page = client.get("/notifications").get_data(as_text=True)
    assert "检查邀请" in page and "汶上县粉尘打磨厂" in page


def test_expert_updates_own_skills_on_the_portal(client, login, make_expert):
    from tests.conftest import csrf_token

    expert, user = make_expert("癸专家", ["电气安全"], login=True)
    login(user, PASSWORD)
    token = csrf_token(client, "/experts/me")
    response = client.post("/experts/me/profile", data={
        "csrf_token": token, "version": expert.version, "skills": "电气安全、防爆电气",
        "available": "1"})
    assert response.status_code == 302
    db.session.refresh(expert)
    assert expert.skills == ["电气安全", "防爆电气"]


def test_profile_forms_record_service_and_declarations(client, make_user, login, make_expert,
                                                       dusty):
    from tests.conftest import csrf_token

    expert, _u = make_expert("甲乙专家", ["粉尘防爆"])
    login(make_user(["officer"]))
    token = csrf_token(client, f"/experts/{expert.id}")
    client.post(f"/experts/{expert.id}/engagements", data={
        "csrf_token": token, "enterprise_name": dusty.name, "enterprise_uscc": dusty.uscc,
        "kind": "咨询", "start_on": "2025-06-01"})
    bad = client.post(f"/experts/{expert.id}/relations", data={
        "csrf_token": token, "enterprise_uscc": "bad", "relation": ""}, follow_redirects=True)
    assert "请说明关系" in bad.get_data(as_text=True)
    page = client.get(f"/experts/search?q=粉尘防爆&enterprise_q={dusty.name}&show_excluded=1")
    assert "本人近 3 年为该企业提供过咨询服务" in page.get_data(as_text=True)
