"""The registry through HTTP (API.md "Enterprises" and "Risk classification")."""

import json

import pytest

from enforcement.enterprises.models import Enterprise
from enforcement.extensions import db
from tests.conftest import bearer


@pytest.fixture
def officer_token(make_user, api_token):
    return api_token(make_user(["officer"]))


@pytest.fixture
def leader_token(make_user, api_token):
    return api_token(make_user(["leader"]))


def test_create_derives_sector_and_classifies(client, officer_token, new_uscc):
    code = new_uscc()
    response = client.post("/api/v1/enterprises", headers=bearer(officer_token), json={
        "uscc": code.lower(), "name": "汶上县鑫达机械有限公司", "township": "南站镇",
        "industry_code": "C3311", "employees": 85, "standardization_grade": "3",
        "features": {"dust_explosion": True, "dust_workers": 12}})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["uscc"] == code and body["sector"] == "machinery"
    assert body["risk_class"] == "B" and body["risk_level"] == "high"
    assert body["features"]["dust_explosion"] is True and body["version"] >= 1
    classification = client.get(f"/api/v1/enterprises/{body['id']}/classification",
                                headers=bearer(officer_token)).get_json()
    codes = [f["code"] for f in classification["factors"]]
    assert classification["risk_class"] == "B" and codes
    assert "@" in classification["ruleset"]
    assert all(f["label"] and f["detail"] for f in classification["factors"])


def test_wrong_check_character_names_it(client, officer_token, new_uscc):
    code = new_uscc()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = client.post("/api/v1/enterprises", headers=bearer(officer_token), json={
        "uscc": wrong, "name": "某公司", "township": "南站镇"})
    assert response.status_code == 422
    message = response.get_json()["errors"]["uscc"][0]
    assert "第 18 位校验码应为" in message and code[-1] in message


def test_duplicate_uscc_unknown_township_negative_employees(client, officer_token,
                                                            make_enterprise):
    existing = make_enterprise()
    response = client.post("/api/v1/enterprises", headers=bearer(officer_token), json={
        "uscc": existing.uscc, "name": "另一家", "township": "火星镇", "employees": -3})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "employees" in errors
    before = db.session.query(Enterprise).count()
    response = client.post("/api/v1/enterprises", headers=bearer(officer_token), json={
        "uscc": existing.uscc, "name": "另一家", "township": "火星镇"})
    errors = response.get_json()["errors"]
    assert "已登记" in errors["uscc"][0] and "未知乡镇" in errors["township"][0]
    assert db.session.query(Enterprise).count() == before


def test_patch_with_version_reclassifies_and_detects_staleness(client, officer_token,
                                                               make_enterprise):
    enterprise = make_enterprise(industry_code="F5211", standardization_grade="2")
    assert enterprise.risk_class == "D"
    url = f"/api/v1/enterprises/{enterprise.id}"
    first = client.patch(url, headers=bearer(officer_token), json={
        "version": enterprise.version, "features": {"ammonia_refrigeration": True,
                                                    "ammonia_tonnes": 6}})
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["risk_class"] == "B"
    stale = client.patch(url, headers=bearer(officer_token), json={
        "version": enterprise.version, "name": "改名"})
    assert stale.status_code == 409
    history = client.get(f"{url}/classifications", headers=bearer(officer_token)).get_json()
    assert [h["risk_class"] for h in history][:2] == ["B", "D"]


def test_accident_reclassifies_to_a(client, officer_token, make_enterprise):
    enterprise = make_enterprise(industry_code="F5211", standardization_grade="2")
    response = client.post(f"/api/v1/enterprises/{enterprise.id}/accidents",
                           headers=bearer(officer_token), json={
                               "occurred_on": "2026-11-20", "deaths": 1,
                               "serious_injuries": 0, "summary": "高处坠落"})
    assert response.status_code == 201, response.get_json()
    body = client.get(f"/api/v1/enterprises/{enterprise.id}", headers=bearer(officer_token))
    assert body.get_json()["risk_class"] == "A"
    future = client.post(f"/api/v1/enterprises/{enterprise.id}/accidents",
                         headers=bearer(officer_token), json={
                             "occurred_on": "2099-01-01", "summary": "x"})
    assert future.status_code == 422


def test_leader_override_needs_a_reason_and_is_audited(client, officer_token, leader_token,
                                                       make_enterprise):
    from enforcement.core.audit import AuditEvent

    enterprise = make_enterprise(industry_code="F5211", standardization_grade="2")
    url = f"/api/v1/enterprises/{enterprise.id}/classification/override"
    assert client.put(url, headers=bearer(officer_token),
                      json={"risk_class": "A", "reason": "群众多次举报"}).status_code == 403
    no_reason = client.put(url, headers=bearer(leader_token), json={"risk_class": "A",
                                                                   "reason": " "})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    ok = client.put(url, headers=bearer(leader_token),
                    json={"risk_class": "A", "reason": "群众多次举报违规储存液化气"})
    assert ok.status_code == 200
    body = ok.get_json()
    assert body["overridden"] is True and body["computed_class"] == "D"
    current = client.get(f"/api/v1/enterprises/{enterprise.id}", headers=bearer(officer_token))
    assert current.get_json()["risk_class"] == "A" and current.get_json()["risk_overridden"]
    # A re-evaluation keeps the override in force.
    client.post(f"/api/v1/enterprises/{enterprise.id}/classification",
                headers=bearer(officer_token))
    again = client.get(f"/api/v1/enterprises/{enterprise.id}", headers=bearer(officer_token))
    assert again.get_json()["risk_class"] == "A"
    assert db.session.query(AuditEvent).filter_by(
        action="classification_overridden", object_id=str(enterprise.id)).count() == 1
    lifted = client.put(url, headers=bearer(leader_token),
                        json={"risk_class": None, "reason": "核查后举报不实"})
    assert lifted.status_code == 200
    final = client.get(f"/api/v1/enterprises/{enterprise.id}", headers=bearer(officer_token))
    assert final.get_json()["risk_class"] == "D"


@pytest.mark.parametrize(("q", "expect"), [
    ("鑫达机械", True), ("鑫達機械", True), ("xindajixie", True), ("xdjx", True),
    ("汶上县鑫达", True), ("ｘｄｊｘ", True), ("不存在的企业", False)])
def test_search_by_name_pinyin_initials_traditional(client, officer_token, make_enterprise,
                                                    q, expect):
    target = make_enterprise(name="汶上县鑫达机械有限公司")
    make_enterprise(name="汶上县华润超市")
    response = client.get("/api/v1/enterprises", headers=bearer(officer_token),
                          query_string={"q": q})
    ids = [e["id"] for e in response.get_json()]
    assert (target.id in ids) is expect


def test_search_by_uscc_and_filters(client, officer_token, make_enterprise):
    target = make_enterprise(township="南旺镇", industry_code="C3011")
    make_enterprise(township="南站镇")
    by_code = client.get("/api/v1/enterprises", headers=bearer(officer_token),
                         query_string={"q": target.uscc[-8:]}).get_json()
    assert [e["id"] for e in by_code] == [target.id]
    filtered = client.get("/api/v1/enterprises", headers=bearer(officer_token),
                          query_string={"township": "南旺镇", "sector": "building_materials"})
    assert [e["id"] for e in filtered.get_json()] == [target.id]
    assert json.loads(filtered.headers["X-Pagination"])["total"] == 1
    bad = client.get("/api/v1/enterprises?risk_class=E", headers=bearer(officer_token))
    assert bad.status_code == 422


@pytest.mark.committed
def test_classify_all_runs_as_a_job(client, make_user, api_token, make_enterprise):
    import time

    token = api_token(make_user(["officer"]))
    for _ in range(3):
        make_enterprise()
    response = client.post("/api/v1/classifications/run", headers=bearer(token))
    assert response.status_code == 202
    job_id = response.get_json()["job_id"]
    for _ in range(100):
        body = client.get(f"/api/v1/jobs/{job_id}", headers=bearer(token)).get_json()
        if body["state"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert body["state"] == "done", body
    assert body["result"]["enterprises"] == 3 and sum(body["result"]["by_class"].values()) == 3


def test_experts_and_auditors_do_not_read_the_registry(client, make_user, api_token):
    for role in ("expert", "auditor", "admin"):
        token = api_token(make_user([role]))
        assert client.get("/api/v1/enterprises", headers=bearer(token)).status_code == 403
