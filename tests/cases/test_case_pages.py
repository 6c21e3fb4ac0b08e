"""The case pages: the forms go through the same schemas and the same workflow table."""

import re

from enforcement.cases.models import Case
from enforcement.extensions import db
from tests.conftest import csrf_token


def _form(client, url, page, data):
    payload = {"csrf_token": csrf_token(client, page), **data}
    return client.post(url, data=payload)


def test_officer_registers_and_leader_approves_through_pages(client, people, plant, login,
                                                             frozen):
    users, _tokens = people
    officer, other, leader = users["officer"], users["officer2"], users["leader"]
    login(officer)
    assert client.get("/cases/").status_code == 200
    page = client.get("/cases/new")
    assert page.status_code == 200 and "登记案件" in page.get_data(as_text=True)

    bad = _form(client, "/cases/new", "/cases/new", {
        "procedure": "general", "source": "complaint", "party_kind": "unit",
        "enterprise_id": str(plant.id), "facts": "", "discovered_on": "2026-11-02",
        "officer_ids": [str(officer.id), str(other.id)]})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'data-field-error="facts"' in html and 'data-field-error="violation_codes"' in html
    assert db.session.query(Case).count() == 0

    made = _form(client, "/cases/new", "/cases/new", {
        "procedure": "general", "source": "complaint", "party_kind": "unit",
        "enterprise_id": str(plant.id), "facts": "未在配电室设置安全警示标志。",
        "violation_codes": "SCL99-1", "discovered_on": "2026-11-02",
        "officer_ids": [str(officer.id), str(other.id)]})
    assert made.status_code == 302, made.get_data(as_text=True)[:2000]
    case = db.session.query(Case).one()
    url = f"/cases/{case.id}"
    html = client.get(url).get_data(as_text=True)
    assert 'data-testid="action-submit_filing"' in html
    assert 'data-kind=' not in html  # no deadlines before filing
    done = _form(client, f"{url}/act", url, {"action": "submit_filing",
                                             "version": str(case.version)})
    assert done.status_code == 302

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(leader)
    queue = client.get("/cases/queue").get_data(as_text=True)
    assert case.title in queue
    html = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    future = _form(client, f"{url}/act", url, {"action": "approve_filing", "version": version,
                                               "filed_on": "2027-01-01"})
    assert future.status_code == 422
    assert 'data-field-error="filed_on"' in future.get_data(as_text=True)
    ok = _form(client, f"{url}/act", url, {"action": "approve_filing", "version": version,
                                           "filed_on": "2026-11-02"})
    assert ok.status_code == 302
    db.session.refresh(case)
    assert case.state == "investigating" and case.number
    html = client.get(url).get_data(as_text=True)
    assert 'data-kind="decision"' in html and "2027-02-01" in html


def test_conclusion_form_and_review_points(client, people, open_case, login):
    users, _tokens = people
    case = open_case(codes=("SCL99-1", "SCL99-5"))
    case.ok("officer", "submit_filing")
    case.ok("leader", "approve_filing")
    case.evidence()
    login(users["officer"])
    url = f"/cases/{case.id}"
    html = client.get(url).get_data(as_text=True)
    assert 'data-testid="form-conclude_investigation"' in html
    # the calculator's card
    card = client.get("/cases/suggest?violation_code=SCL99-1&party_kind=unit"
                      "&item-0-circumstances=removed_harm").get_data(as_text=True)
    assert 'data-testid="suggested-amount"' in card
    plain = client.get("/cases/suggest?violation_code=SCL99-1&party_kind=unit").get_data(
        as_text=True)
    lighter = re.search(r'suggested-amount">([\d.]+)<', card).group(1)
    general = re.search(r'suggested-amount">([\d.]+)<', plain).group(1)
    assert float(lighter) < float(general)   # the circumstance reached the calculator
    # one fine per violation; an over-maximum fine names its item
    r = _form(client, f"{url}/act", url, {
        "action": "conclude_investigation", "version": str(case.get()["version"]),
        "item-0-violation_code": "SCL99-1", "item-0-fine": "2000",
        "item-1-violation_code": "SCL99-5", "item-1-fine": "50000.01"})
    assert r.status_code == 422
    assert 'data-field-error="proposed_penalty.items.1.fine"' in r.get_data(as_text=True)
    r = _form(client, f"{url}/act", url, {
        "action": "conclude_investigation", "version": str(case.get()["version"]),
        "item-0-violation_code": "SCL99-1", "item-0-fine": "2000",
        "item-1-violation_code": "SCL99-5", "item-1-fine": "20000"})
    # 2000 is below the 一般 tier of SCL99-1: a written reason is required
    assert r.status_code == 422
    assert 'data-field-error="proposed_penalty.items.0.reason"' in r.get_data(as_text=True)
    r = _form(client, f"{url}/act", url, {
        "action": "conclude_investigation", "version": str(case.get()["version"]),
        "item-0-violation_code": "SCL99-1", "item-0-fine": "2000",
        "item-0-reason": "当事人当场改正，危害轻微",
        "item-1-violation_code": "SCL99-5", "item-1-fine": "20000"})
    assert r.status_code == 302
    body = case.get()
    assert body["proposed_penalty"]["fine"] == "22000.00"
    assert [i["fine"] for i in body["proposed_penalty"]["items"]] == ["2000.00", "20000.00"]
    assert "罚款超出裁量基准阶次或低于法定最低限额" in body["legal_review_reasons"]


def test_public_publication_page_needs_no_login(client, people, open_case):
    case = open_case(codes=("SCL99-5",))
    case.to_decision([("SCL99-5", "10000")])
    page = client.get("/public/cases")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert case.body["party"]["name"] in html and "10000.00" in html


def test_case_pages_in_english(client, people, open_case, login):
    users, _tokens = people
    case = open_case()
    login(users["officer"])
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client, "/cases/")})
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Submit for filing approval" in html
    assert "Deadlines" in html
