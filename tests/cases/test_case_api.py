"""The general procedure through HTTP, step by step, with the law's refusals along the way."""

from datetime import date
from decimal import Decimal

from enforcement.extensions import db
from tests.cases.conftest import set_day
from tests.conftest import bearer


def test_general_procedure_with_hearing_review_and_payment(client, people, open_case, plant):
    users, tokens = people
    case = open_case(codes=("SCL99-2",))
    assert case.body["state"] == "pre_filing" and case.body["number"] is None
    assert case.body["party"]["name"] == plant.name
    assert case.body["allowed_actions"] == ["submit_filing"]

    # the leader cannot act before it is submitted; the officer cannot approve
    assert case.act("leader", "approve_filing").status_code == 409
    case.ok("officer", "submit_filing")
    assert case.act("officer", "approve_filing").status_code == 403
    body = case.ok("leader", "approve_filing", filed_on="2026-11-02")
    assert body["state"] == "investigating"
    assert body["number"].startswith("汶应急案〔2026〕")
    assert body["filed_on"] == "2026-11-02"
    decision = next(d for d in body["deadlines"] if d["kind"] == "decision")
    # 90 days from Mon 2 Nov 2026: 31 Jan 2027 is a Sunday → Mon 1 Feb 2027, provisional (2027
    # has no official calendar in the package)
    assert decision["due_on"] == "2027-02-01" and decision["provisional"] is True

    # no evidence yet: concluding is blocked, and says why
    body = case.get("officer")
    assert "conclude_investigation" not in body["allowed_actions"]
    assert any(b["action"] == "conclude_investigation" for b in body["blocked_actions"])
    case.evidence()

    # the calculator: not corrected within the period → the escalated range (5万–20万)
    suggestion = client.post("/api/v1/discretion/suggestions", headers=bearer(tokens["officer"]),
                             json={"violation_code": "SCL99-2", "party_kind": "unit",
                                   "circumstances": ["not_corrected"]}).get_json()
    assert Decimal(suggestion["statutory"]["min"]) == 50000
    assert Decimal(suggestion["statutory"]["max"]) == 200000
    fine = suggestion["suggested"]
    low, high = suggestion["range"]["min"], suggestion["range"]["max"]
    assert Decimal(low) <= Decimal(fine) <= Decimal(high)

    # a fine above the statutory maximum is refused, naming the field
    too_much = case.act("officer", "conclude_investigation", proposed_penalty={"items": [
        {"violation_code": "SCL99-2", "fine": "200000.01", "circumstances": ["not_corrected"]}]})
    assert too_much.status_code == 422
    assert "proposed_penalty.items.0.fine" in too_much.get_json()["errors"]
    assert case.get()["state"] == "investigating"

    case.ok("officer", "conclude_investigation", proposed_penalty={"items": [
        {"violation_code": "SCL99-2", "fine": fine, "circumstances": ["not_corrected"]}]})
    body = case.ok("leader", "approve_proposal")
    assert body["state"] == "notice_pending" and body["hearing_right"] is True
    assert "较大数额罚款" in body["legal_review_reasons"]

    # notice served Monday 2 November: statement to Thu 5 Nov, hearing request to Mon 9 Nov
    case.ok("officer", "serve_notice", served_on="2026-11-02")
    kinds = {d["kind"]: d for d in case.get()["deadlines"]}
    assert kinds["statement"]["due_on"] == "2026-11-05"
    assert kinds["hearing_request"]["due_on"] == "2026-11-09"
    refused = case.act("leader", "decide")
    assert refused.status_code == 409
    assert "陈述申辩期" in refused.get_json()["detail"]

    set_day(date(2026, 11, 4))
    case.ok("officer", "request_hearing", requested_on="2026-11-04")
    set_day(date(2026, 11, 5))
    # 7 working days after Thu 5 Nov: 6, 9, 10, 11, 12, 13, 16 → the hearing no earlier than 16 Nov
    short = case.act("officer", "schedule_hearing", notified_on="2026-11-05",
                     hearing_on="2026-11-13")
    assert short.status_code == 422 and "hearing_on" in short.get_json()["errors"]
    assert "2026-11-16" in short.get_json()["errors"]["hearing_on"][0]
    case.ok("officer", "schedule_hearing", notified_on="2026-11-05", hearing_on="2026-11-16",
            place="局三楼会议室", chair="李主持")
    assert case.act("officer", "record_hearing", record="…", report="…").status_code == 422

    set_day(date(2026, 11, 16))
    case.ok("officer", "record_hearing", held_on="2026-11-16", record="听证笔录：当事人称已整改。",
            report="建议维持。")
    body = case.get("officer")
    assert "经过听证程序" in body["legal_review_reasons"]
    # the legal review is mandatory: no decision before it
    assert case.act("leader", "decide").status_code == 409
    case.ok("officer", "submit_review")

    # the reviewer returns once: a "no" needs a note, and cannot be approved
    no_note = case.act("reviewer", "return_review", opinion="证据不足",
                       points={"evidence_sufficient": {"ok": False}})
    assert no_note.status_code == 422
    case.ok("reviewer", "return_review", opinion="补充整改前的照片。",
            points={"evidence_sufficient": {"ok": False, "note": "缺整改前照片"}})
    assert case.get()["state"] == "notified"
    case.evidence(title="整改前照片")
    case.ok("officer", "submit_review")
    points = {k: {"ok": True} for k in ("facts_clear", "evidence_sufficient", "basis_correct",
                                        "procedure_lawful", "discretion_appropriate")}
    case.ok("reviewer", "approve_review", opinion="同意。", points=points)
    reviews = client.get(f"/api/v1/cases/{case.id}/reviews",
                         headers=bearer(tokens["leader"])).get_json()
    assert [r["result"] for r in reviews] == ["return", "approve"]
    assert any(c["code"] == "two_officers" and c["ok"] for c in reviews[-1]["checks"])

    # large amount: collective discussion first; a heavier fine than notified is refused
    assert case.act("leader", "decide").status_code == 409
    case.ok("leader", "record_discussion", conclusion="同意按告知的罚款决定。",
            participants="局长、副局长")
    heavier = case.act("leader", "decide", fine=str(Decimal(fine) + 1))
    assert heavier.status_code == 422 and "fine" in heavier.get_json()["errors"]
    body = case.ok("leader", "decide", decided_on="2026-11-16")
    assert body["state"] == "decided" and body["fine"] == f"{Decimal(fine):.2f}"
    assert body["publication"]["published_on"] == "2026-11-16"
    public = client.get("/api/v1/publications").get_json()
    assert public[0]["content"]["party"] == plant.name

    set_day(date(2026, 11, 17))
    case.ok("officer", "serve_decision", served_on="2026-11-17", method="direct")
    kinds = {d["kind"]: d for d in case.get()["deadlines"]}
    # 15 days from Tue 17 Nov → Wed 2 Dec; 60 days → Sat 16 Jan 2027 → Mon 18 Jan (provisional)
    assert kinds["payment"]["due_on"] == "2026-12-02"
    assert kinds["reconsideration"]["due_on"] == "2027-01-18"
    assert kinds["litigation"]["due_on"] == "2027-05-17"
    assert kinds["decision"]["status"] == "met"

    over = case.act("officer", "record_payment", amount=str(Decimal(fine) + 1),
                    paid_on="2026-11-17")
    assert over.status_code == 422 and "amount" in over.get_json()["errors"]
    half = Decimal(fine) / 2
    case.ok("officer", "record_payment", amount=str(half), paid_on="2026-11-17")
    assert case.act("officer", "submit_closing").status_code == 409
    case.ok("officer", "record_payment", amount=str(Decimal(fine) - half), paid_on="2026-11-17")
    assert Decimal(case.get()["owed"]) == 0
    case.ok("officer", "submit_closing")
    body = case.ok("leader", "approve_closing")
    assert body["state"] == "closed" and body["closed_on"] == "2026-11-17"
    assert all(d["status"] != "open" for d in body["deadlines"])
    case.ok("officer", "archive")
    labels = [t["action"] for t in case.get()["timeline"]]
    assert labels[0] == "create" and labels[-1] == "archive"
    assert labels.count("return_review") == 1

    # a decided penalty feeds the registry: the plant now has a penalty within 12 months
    from enforcement.enterprises import service as registry_service

    facts = registry_service.facts_for(db.session.get(type(plant), plant.id),
                                       today=date(2026, 11, 17))
    assert facts.penalties_12m == 1


def test_late_payment_surcharge_and_payment_larger_than_due(client, people, open_case,
                                                            api_token):
    case = open_case(codes=("SCL99-5",))
    case.to_notice([("SCL99-5", "10000")])
    case.ok("officer", "serve_notice", served_on="2026-11-02")
    case.ok("officer", "waive_rights", waived_on="2026-11-02")
    body = case.get()
    assert body["hearing_right"] is False and "decide" in case.get("leader")["allowed_actions"]
    case.ok("leader", "decide")
    case.ok("officer", "serve_decision", served_on="2026-11-02")
    assert case.deadline("payment")["due_on"] == "2026-11-17"
    # three days late: 3 % × 3 × 10000 = 900
    set_day(date(2026, 11, 20))
    body = case.get()
    assert body["surcharge"] == "900.00" and body["owed"] == "10900.00"
    assert case.deadline("payment")["status"] == "missed"
    assert case.act("officer", "record_payment", amount="10900.01").status_code == 422
    case.ok("officer", "serve_demand", served_on="2026-11-20")
    case.ok("officer", "record_payment", amount="10900.00")
    assert case.get()["owed"] == "0.00"
    assert case.deadline("payment")["status"] == "missed"  # paid, but late
    set_day(date(2026, 11, 30))   # paid: the surcharge stopped running on the day of payment
    case.tokens["officer"] = api_token(people[0]["officer"])   # tokens last 12 hours
    assert case.get()["surcharge"] == "900.00" and case.get()["owed"] == "0.00"


def test_a_fine_paid_on_time_owes_nothing_later(client, people, open_case, api_token):
    case = open_case(codes=("SCL99-5",))
    case.to_decision([("SCL99-5", "10000")])
    case.ok("officer", "serve_decision")
    case.ok("officer", "record_payment", amount="10000")
    set_day(date(2026, 12, 30))
    case.tokens["officer"] = api_token(people[0]["officer"])   # tokens last 12 hours
    body = case.get()
    assert body["surcharge"] == "0.00" and body["owed"] == "0.00"
    assert case.deadline("payment")["status"] == "met"
    case.ok("officer", "submit_closing")


def test_summary_procedure_within_and_above_threshold(client, people, plant, frozen):
    users, tokens = people
    body = {"enterprise_id": plant.id, "procedure": "summary", "source": "inspection",
            "facts": "现场检查发现安全警示标志缺失。", "violation_codes": ["SCL99-1"],
            "discovered_on": "2026-11-02", "officer_ids": [users["officer"].id,
                                                           users["officer2"].id]}
    response = client.post("/api/v1/cases", headers=bearer(tokens["officer"]), json=body)
    assert response.status_code == 201
    case_id = response.get_json()["id"]
    assert response.get_json()["state"] == "summary"

    def act(**payload):
        version = client.get(f"/api/v1/cases/{case_id}",
                             headers=bearer(tokens["officer"])).get_json()["version"]
        return client.post(f"/api/v1/cases/{case_id}/actions", headers=bearer(tokens["officer"]),
                           json={"action": "decide_on_spot", "version": version, **payload})

    above = act(penalty={"fine": "3000.01"})
    assert above.status_code == 422 and "penalty.fine" in above.get_json()["errors"]
    assert "简易程序" in above.get_json()["errors"]["penalty.fine"][0]
    done = act(penalty={"fine": "3000"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["state"] == "executing"   # handed over on the spot (第五十二条)
    assert done.get_json()["dates"]["decision_served_on"] == "2026-11-02"
    assert done.get_json()["number"].startswith("汶应急案〔2026〕")


def test_person_party_id_number_encrypted_and_masked(client, people, frozen):
    users, tokens = people
    body = {"party": {"kind": "individual", "name": "王小明", "id_number": "11010519491231002X",
                      "address": "汶上县中都街道"},
            "source": "complaint", "facts": "特种作业人员未持证上岗。",
            "violation_codes": ["SCL97-7"],
            "discovered_on": "2026-11-02",
            "officer_ids": [users["officer"].id, users["officer2"].id]}
    bad = client.post("/api/v1/cases", headers=bearer(tokens["officer"]),
                      json={**body, "party": {**body["party"], "id_number": "110105194912310021"}})
    assert bad.status_code == 422 and "party.id_number" in bad.get_json()["errors"]
    response = client.post("/api/v1/cases", headers=bearer(tokens["officer"]), json=body)
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["party"]["id_number_masked"] == "110105********002X"
    assert case["party"]["id_number"] == "11010519491231002X"
    listed = client.get("/api/v1/cases", headers=bearer(tokens["officer"])).get_json()
    assert "id_number" not in listed[0]["party"]
    from enforcement.cases.models import Case

    stored = db.session.get(Case, case["id"]).party
    assert "11010519491231002X" not in str(stored) and stored["id_number_enc"].startswith("v1:")


def test_bad_inputs_change_nothing(client, people, open_case):
    users, tokens = people
    case = open_case()
    before = case.get()
    # unknown action, missing version, stale version
    r = client.post(f"/api/v1/cases/{case.id}/actions", headers=bearer(tokens["officer"]),
                    json={"action": "fly", "version": before["version"]})
    assert r.status_code == 422
    r = client.post(f"/api/v1/cases/{case.id}/actions", headers=bearer(tokens["officer"]),
                    json={"action": "submit_filing", "version": before["version"] - 1})
    assert r.status_code == 409
    case.ok("officer", "submit_filing")
    # missing required field
    r = case.act("leader", "reject_filing")
    assert r.status_code == 422 and "reason" in r.get_json()["errors"]
    # a reviewer may not approve filing
    assert case.act("reviewer", "approve_filing").status_code == 403
    # a filing date in the future
    r = case.act("leader", "approve_filing", filed_on="2026-11-03")
    assert r.status_code == 422 and "filed_on" in r.get_json()["errors"]
    after = case.get()
    assert after["state"] == "filing_review" and after["number"] is None
    # unknown violation code on creation
    r = client.post("/api/v1/cases", headers=bearer(tokens["officer"]), json={
        "enterprise_id": before["enterprise_id"], "source": "other", "facts": "x",
        "violation_codes": ["SCL999"], "discovered_on": "2026-11-02"})
    assert r.status_code == 422 and "violation_codes" in r.get_json()["errors"]


def test_two_users_acting_at_once_never_both_succeed(client, people, open_case):
    case = open_case()
    case.ok("officer", "submit_filing")
    version = case.get("leader")["version"]
    first = case.act("leader", "approve_filing", version=version)
    second = case.act("leader", "reject_filing", version=version, reason="重复")
    assert first.status_code == 200 and second.status_code == 409
    assert case.get()["state"] == "investigating"


def test_case_from_an_inspection_proposal(client, people, plant, frozen):
    """A 立案建议 of a completed inspection becomes the case; the lead records it."""
    from tests.inspections.conftest import Recorder

    users, tokens = people
    a, b = users["officer"], users["officer2"]
    r = client.post("/api/v1/inspections", headers=bearer(tokens["officer"]), json={
        "enterprise_id": plant.id, "officer_ids": [a.id, b.id], "reason": "专项检查"})
    record = Recorder(client, tokens["officer"], r.get_json())
    items = record.refresh()["items"]
    failing = next(i for i in items if i["violation_code"] == "SCL99-2")
    record.answer_all("pass", skip=(failing["code"],))
    import io

    from tests.inspections.conftest import photo_bytes

    photo = client.post("/api/v1/files", headers=bearer(tokens["officer"]),
                        data={"file": (io.BytesIO(photo_bytes()), "dust.jpg")},
                        content_type="multipart/form-data").get_json()
    assert record.answer(failing["code"], "fail", note="除尘器积灰",
                         file_ids=[photo["id"]]).status_code == 200
    hazard = record.refresh()["hazards"][0]  # a failed item is a hazard with a default deadline
    record.sign_everyone([a, b])
    assert record.act("complete").status_code == 200
    proposal = record.act("open_case")
    assert proposal.status_code == 200, proposal.get_json()
    lead = proposal.get_json()["case_proposals"][0]

    made = client.post("/api/v1/cases", headers=bearer(tokens["officer"]),
                       json={"lead_id": lead["lead_id"]})
    assert made.status_code == 201, made.get_json()
    case = made.get_json()
    assert case["inspection_id"] == record.id and case["source"] == "inspection"
    assert "SCL99-2" in case["violation_codes"]
    assert any(d["kind"] == "rectification" and d["due_on"] == hazard["rectify_by"]
               for d in case["deadlines"])
    evidence = client.get(f"/api/v1/cases/{case['id']}/evidence",
                          headers=bearer(tokens["officer"])).get_json()
    assert evidence and evidence[0]["kind"] == "inspection_record"
    lead_now = client.get(f"/api/v1/leads/{lead['lead_id']}", headers=bearer(tokens["officer"]))
    assert lead_now.get_json()["state"] == "case_opened"
    again = client.post("/api/v1/cases", headers=bearer(tokens["officer"]),
                        json={"lead_id": lead["lead_id"]})
    assert again.status_code == 409


def test_violation_catalogue_and_first_time_reviewer(client, people, make_user, api_token,
                                                     open_case):
    users, tokens = people
    listed = client.get("/api/v1/violations?q=警示标志", headers=bearer(tokens["officer"]))
    assert listed.status_code == 200
    assert any(v["code"] == "SCL99-1" for v in listed.get_json())
    # a reviewer without the qualification and without any past review may not review
    novice = make_user(["reviewer"])
    case = open_case(codes=("SCL99-5",))
    case.tokens = {**case.tokens, "novice": api_token(novice)}
    case.to_notice([("SCL99-5", "10000")])
    case.ok("officer", "serve_notice")
    case.ok("officer", "waive_rights")
    case.ok("officer", "submit_review")  # optional here, the officer asks for it anyway
    r = case.act("novice", "approve_review", opinion="同意", points={
        k: {"ok": True} for k in ("facts_clear", "evidence_sufficient", "basis_correct",
                                  "procedure_lawful", "discretion_appropriate")})
    assert r.status_code == 409 and "法律职业资格" in r.get_json()["detail"]


def test_one_act_under_several_provisions_takes_the_higher_fine(client, people, open_case):
    """API.md's shape {violation_codes, fine} with several codes: one act, one fine under the
    provision with the higher maximum (行政处罚法 第二十九条)."""
    case = open_case(codes=("SCL99-1", "SCL101-3"))
    case.ok("officer", "submit_filing")
    case.ok("leader", "approve_filing")
    case.evidence()
    several = case.act("officer", "conclude_investigation", proposed_penalty={
        "violation_codes": ["SCL99-1", "SCL101-3"], "fine": "30000"})
    assert several.status_code == 422   # separate acts are fined item by item
    body = case.ok("officer", "conclude_investigation", proposed_penalty={
        "violation_codes": ["SCL99-1", "SCL101-3"], "fine": "30000", "same_act": True})
    items = body["proposed_penalty"]["items"]
    assert len(items) == 1 and items[0]["violation_code"] == "SCL101-3"  # ≤10万 beats ≤5万
    assert items[0]["also_violates"] == ["SCL99-1"]
    assert body["proposed_penalty"]["fine"] == "30000.00"
    assert set(body["violation_codes"]) == {"SCL99-1", "SCL101-3"}


def test_side_exits_extension_and_reopen(client, people, open_case, plant):
    users, tokens = people
    # 撤案 before filing is decided
    first = open_case(codes=("SCL99-1",))
    first.ok("officer", "submit_filing")
    body = first.ok("leader", "withdraw", reason="线索不实")
    assert body["state"] == "withdrawn" and body["outcome"]["reason"] == "线索不实"
    assert body["deadlines"] == [] or all(d["status"] != "open" for d in body["deadlines"])

    # 移送 (涉嫌犯罪)
    second = open_case(codes=("SCL99-1",))
    second.ok("officer", "submit_filing")
    second.ok("leader", "approve_filing")
    r = second.act("leader", "transfer", reason="涉嫌重大责任事故罪")
    assert r.status_code == 422 and "agency" in r.get_json()["errors"]
    body = second.ok("leader", "transfer", agency="汶上县公安局", reason="涉嫌重大责任事故罪",
                     criminal=True)
    assert body["state"] == "transferred" and body["outcome"]["criminal"] is True

    # 延长办案期限, then 不予处罚 (首违不罚 needs the pledge), then 重新启用
    third = open_case(codes=("SCL99-1",))
    third.ok("officer", "submit_filing")
    third.ok("leader", "approve_filing")
    before = third.deadline("decision")["due_on"]
    assert third.act("leader", "extend_decision_deadline", days=0, reason="x").status_code == 422
    third.ok("leader", "extend_decision_deadline", days=30, reason="案情复杂，需鉴定")
    after = third.deadline("decision")["due_on"]
    assert after > before
    r = third.act("leader", "no_penalty", ground="first_violation", reason="初次违法",
                  education="已当场批评教育")
    assert r.status_code == 422 and "pledge_file_ids" in r.get_json()["errors"]
    pledge = third.evidence(kind="documentary", title="首次违法改正承诺书")
    body = third.ok("leader", "no_penalty", ground="first_violation", reason="初次违法，已改正",
                    education="已当场批评教育", pledge_file_ids=pledge["file_ids"])
    assert body["state"] == "no_penalty" and body["outcome"]["ground"] == "first_violation"
    assert third.act("officer", "reopen", reason="x").status_code == 403
    body = third.ok("leader", "reopen", reason="发现新的违法事实")
    assert body["state"] == "investigating"
    assert [t["action"] for t in body["timeline"]][-1] == "reopen"


def test_reopening_a_decided_case_schedules_withdrawal_of_its_publication(client, people,
                                                                          open_case):
    case = open_case(codes=("SCL99-5",))
    case.to_decision([("SCL99-5", "10000")])
    case.ok("officer", "serve_decision")
    case.ok("officer", "record_payment", amount="10000")
    case.ok("officer", "submit_closing")
    case.ok("leader", "approve_closing")
    body = case.ok("leader", "reopen", reason="复议机关决定变更")
    # Monday 2 Nov 2026 + 3 working days → Thursday 5 Nov
    assert body["state"] == "executing" and body["publication"]["withdraw_by"] == "2026-11-05"
    assert any(d["kind"] == "publication_withdrawal" and d["due_on"] == "2026-11-05"
               for d in body["deadlines"])
    r = client.post(f"/api/v1/cases/{case.id}/publication/withdraw",
                    headers=bearer(case.tokens["leader"]), json={"reason": "决定已变更"})
    assert r.status_code == 200 and r.get_json()["withdrawn_on"] == "2026-11-02"
    assert client.get("/api/v1/publications").get_json() == []


def test_interview_record(client, people, open_case):
    users, tokens = people
    case = open_case()
    case.ok("officer", "submit_filing")
    case.ok("leader", "approve_filing")
    url = f"/api/v1/cases/{case.id}/interviews"
    body = {"interviewee": {"name": "王建国", "role": "安全主管",
                            "id_number": "11010519491231002X"},
            "place": "企业会议室", "started_at": "2026-11-02T08:00:00+08:00",
            "ended_at": "2026-11-02T08:40:00+08:00",
            "qa": [{"q": "除尘系统多久清理一次？", "a": "每月一次。"},
                   {"q": "有记录吗？", "a": ""}]}
    r = client.post(url, headers=bearer(tokens["officer"]), json=body)
    assert r.status_code == 422 and "qa" in r.get_json()["errors"]
    body["qa"][1]["a"] = "没有记录。"
    r = client.post(url, headers=bearer(tokens["officer"]), json=body)
    assert r.status_code == 201, r.get_json().get("errors")
    saved = client.get(url, headers=bearer(tokens["leader"])).get_json()[0]
    assert saved["interviewee"]["id_number_masked"] == "110105********002X"
    assert "id_number_enc" not in saved["interviewee"]
    assert len(saved["officer_ids"]) == 2
    # the interview counts as evidence for concluding
    assert "conclude_investigation" in case.get()["allowed_actions"]
    outsider = client.post(url, headers=bearer(tokens["leader"]), json=body)
    assert outsider.status_code == 403


def test_dates_cannot_precede_the_events_they_follow(client, people, open_case):
    case = open_case(codes=("SCL99-5",))
    case.to_notice([("SCL99-5", "10000")])
    r = case.act("officer", "serve_notice", served_on="2026-10-01")
    assert r.status_code == 422 and "served_on" in r.get_json()["errors"]
    case.ok("officer", "serve_notice", served_on="2026-11-02")
    r = case.act("officer", "request_hearing", requested_on="2026-11-01")
    assert r.status_code in (409, 422)


def test_a_reduced_fine_below_the_tier_needs_a_reason_and_a_review(client, people, open_case):
    case = open_case(codes=("SCL99-5",))
    case.to_notice([("SCL99-5", "10000")])
    case.ok("officer", "serve_notice")
    case.ok("officer", "waive_rights")
    r = case.act("leader", "decide", fine="0")
    assert r.status_code == 422 and "fine" in r.get_json().get("errors", {}), r.get_json()
    r = case.act("leader", "decide", fine="500")
    assert r.status_code == 422 and "reason" in r.get_json()["errors"]
    r = case.act("leader", "decide", fine="500", reason="当事人陈述申辩成立，主动消除危害后果")
    assert r.status_code == 409 and "法制审核" in r.get_json()["detail"]
    assert case.get()["state"] == "notified"


def test_one_violation_is_fined_once(client, people, open_case):
    case = open_case(codes=("SCL99-5",))
    case.ok("officer", "submit_filing")
    case.ok("leader", "approve_filing")
    case.evidence()
    r = case.act("officer", "conclude_investigation", proposed_penalty={"items": [
        {"violation_code": "SCL99-5", "fine": "10000"},
        {"violation_code": "SCL99-5", "fine": "10000"}]})
    assert r.status_code == 422 and "proposed_penalty.items" in r.get_json()["errors"]


def test_a_case_never_filed_comes_back_to_pre_filing(client, people, open_case):
    case = open_case()
    case.ok("leader", "withdraw", reason="误登记")
    body = case.ok("leader", "reopen", reason="发现登记有误，重新办理")
    assert body["state"] == "pre_filing" and body["number"] is None


def test_summary_case_can_become_a_general_case(client, people, plant, frozen):
    users, tokens = people
    r = client.post("/api/v1/cases", headers=bearer(tokens["officer"]), json={
        "enterprise_id": plant.id, "procedure": "summary", "source": "inspection",
        "facts": "未设置安全警示标志，需调查", "violation_codes": ["SCL99-1"],
        "discovered_on": "2026-11-02",
        "officer_ids": [users["officer"].id, users["officer2"].id]})
    case_id = r.get_json()["id"]
    version = r.get_json()["version"]
    r = client.post(f"/api/v1/cases/{case_id}/actions", headers=bearer(tokens["officer"]),
                    json={"action": "convert_to_general", "version": version,
                          "reason": "罚款可能超过简易程序限额"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "pre_filing" and r.get_json()["procedure"] == "general"


def test_a_case_officer_cannot_review_the_case(client, people, open_case, make_user, api_token):
    users, tokens = people
    both = make_user(["officer", "reviewer"], legal_qualified=True)
    case = open_case(officer_ids=[users["officer"].id, both.id])
    case.tokens["both"] = api_token(both)
    case.to_notice([("SCL99-2", "20000")])
    case.ok("officer", "serve_notice")
    case.ok("officer", "waive_rights")
    case.ok("officer", "submit_review")
    r = case.act("both", "approve_review", opinion="同意", points={
        k: {"ok": True} for k in ("facts_clear", "evidence_sufficient", "basis_correct",
                                  "procedure_lawful", "discretion_appropriate")})
    assert r.status_code == 409 and "本人承办" in r.get_json()["detail"]


def test_an_expired_decision_deadline_cannot_be_extended(client, people, open_case, api_token):
    case = open_case()
    case.ok("officer", "submit_filing")
    case.ok("leader", "approve_filing")
    set_day(date(2027, 3, 1))   # 90 days ran out on 1 February 2027
    case.tokens["leader"] = api_token(people[0]["leader"])
    r = case.act("leader", "extend_decision_deadline", days=30, reason="补办延期")
    assert r.status_code == 409 and "届满" in r.get_json()["detail"]


def test_id_numbers_in_clear_only_for_the_team_leaders_and_reviewers(client, people,
                                                                     make_user, api_token):
    users, tokens = people
    r = client.post("/api/v1/cases", headers=bearer(tokens["officer"]), json={
        "party": {"kind": "individual", "name": "王小明", "id_number": "11010519491231002X"},
        "source": "complaint", "facts": "特种作业人员未持证上岗。", "violation_codes": ["SCL97-7"],
        "discovered_on": "2026-11-02",
        "officer_ids": [users["officer"].id, users["officer2"].id]})
    case_id = r.get_json()["id"]
    other = api_token(make_user(["officer"]))
    seen = client.get(f"/api/v1/cases/{case_id}", headers=bearer(other)).get_json()["party"]
    assert "id_number" not in seen and seen["id_number_masked"] == "110105********002X"
    leader = client.get(f"/api/v1/cases/{case_id}", headers=bearer(tokens["leader"])).get_json()
    assert leader["party"]["id_number"] == "11010519491231002X"
    # an interview's ID number stays stored after it is listed
    case_url = f"/api/v1/cases/{case_id}"
    client.post(f"{case_url}/interviews", headers=bearer(tokens["officer"]), json={
        "interviewee": {"name": "王小明", "id_number": "11010519491231002X"}, "place": "现场",
        "started_at": "2026-11-02T08:00:00+08:00", "ended_at": "2026-11-02T08:30:00+08:00",
        "qa": [{"q": "是否持证？", "a": "没有。"}]})
    client.get(f"{case_url}/interviews", headers=bearer(tokens["officer"]))
    from enforcement.cases.models import Interview

    db.session.expire_all()
    stored = db.session.query(Interview).one().interviewee
    assert stored["id_number_enc"].startswith("v1:")


def test_service_by_announcement_meets_the_service_deadline(client, people, open_case):
    """公告送达: published on the day (the 7-working-day service deadline is met), served 60
    days later (payment and remedies run from then)."""
    case = open_case(codes=("SCL99-5",))
    case.to_notice([("SCL99-5", "10000")])
    case.ok("officer", "serve_notice")
    case.ok("officer", "waive_rights")
    case.ok("leader", "decide")
    case.ok("officer", "serve_decision", method="announcement")
    kinds = {d["kind"]: d for d in case.get()["deadlines"]}
    assert kinds["service"]["status"] == "met" and kinds["service"]["done_on"] == "2026-11-02"
    # served on 1 January 2027 (a holiday): 15 days → 16 January, a Saturday → Monday 18 January
    assert case.get()["dates"]["decision_served_on"] == "2027-01-01"
    assert kinds["payment"]["due_on"] == "2027-01-18"


def test_the_hearing_is_chaired_by_someone_outside_the_case(client, people, open_case, login):
    """行政处罚法 第六十四条第（四）项: 听证由非本案调查人员主持 — the API and the page."""
    users, tokens = people
    case = open_case()
    case.ok("officer", "submit_filing")
    case.ok("leader", "approve_filing")
    case.evidence()
    circumstances = ["not_corrected"]
    fine = client.post("/api/v1/discretion/suggestions", headers=bearer(tokens["officer"]), json={
        "violation_code": "SCL99-2", "party_kind": "unit",
        "circumstances": circumstances}).get_json()["suggested"]
    case.ok("officer", "conclude_investigation", proposed_penalty={"items": [
        {"violation_code": "SCL99-2", "fine": fine, "circumstances": circumstances}]})
    assert case.ok("leader", "approve_proposal")["hearing_right"] is True
    case.ok("officer", "serve_notice", served_on="2026-11-02")
    set_day(date(2026, 11, 4))
    case.ok("officer", "request_hearing", requested_on="2026-11-04")
    set_day(date(2026, 11, 5))
    when = {"notified_on": "2026-11-05", "hearing_on": "2026-11-16"}

    investigator = case.act("officer", "schedule_hearing", chair_id=users["officer2"].id, **when)
    assert investigator.status_code == 422
    assert "非本案调查人员" in investigator.get_json()["errors"]["chair_id"][0]
    by_name = case.act("officer", "schedule_hearing", chair=users["officer"].display_name, **when)
    assert by_name.status_code == 422 and "chair" in by_name.get_json()["errors"]
    nobody = case.act("officer", "schedule_hearing", chair_id=10**6, **when)
    assert nobody.status_code == 422 and "chair_id" in nobody.get_json()["errors"]
    assert case.get()["state"] == "hearing_requested"

    body = case.ok("officer", "schedule_hearing", chair_id=users["reviewer"].id, **when)
    assert body["state"] == "hearing_scheduled"
    assert body["timeline"][-1]["payload"]["chair"] == users["reviewer"].display_name

    # the page offers as chairs the bureau's people outside the case's team
    login(users["officer"])
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    form = html[html.index('data-testid="form-record_hearing"'):]
    form = form[:form.index("</form>")]
    assert f'<option value="{users["reviewer"].id}"' in form
    assert f'<option value="{users["leader"].id}"' in form
    assert f'<option value="{users["officer2"].id}"' not in form
    assert 'name="chair"' not in form


def test_no_surcharge_is_counted_while_the_decision_is_appealed(client, people, open_case, login):
    """行政处罚法 第七十三条第三款: 加处罚款的数额在行政复议或者行政诉讼期间不予计算."""
    from datetime import timedelta

    case = open_case()
    case.to_decision([("SCL99-5", "10000")])
    case.ok("officer", "serve_decision", served_on="2026-11-02", method="direct")
    due = date.fromisoformat(case.deadline("payment")["due_on"])

    def day(n):
        return (due + timedelta(days=n)).isoformat()

    assert case.act("officer", "record_appeal_end").status_code == 409   # nothing under way
    early = case.act("officer", "record_appeal", appeal_kind="reconsideration",
                     appealed_on="2026-11-01")
    assert early.status_code == 422 and "appealed_on" in early.get_json()["errors"]
    assert case.act("officer", "record_appeal", appeal_kind="appeal").status_code == 422

    set_day(due + timedelta(days=10))
    assert case.get()["surcharge"] == "3000.00"          # 10 days × 3 % × 10,000
    case.ok("officer", "record_appeal", appeal_kind="reconsideration", appealed_on=day(4),
            agency="汶上县人民政府", note="请求撤销处罚决定")
    assert case.get()["surcharge"] == "900.00"           # days 1–3 only, while under way
    again = case.act("officer", "record_appeal", appeal_kind="litigation")
    assert again.status_code == 409 and "行政复议" in again.get_json()["detail"]
    refused = case.act("leader", "apply_enforcement")
    assert refused.status_code == 409 and "尚未终结" in refused.get_json()["detail"]
    backwards = case.act("officer", "record_appeal_end", ended_on=day(3))
    assert backwards.status_code == 422 and "ended_on" in backwards.get_json()["errors"]

    body = case.ok("officer", "record_appeal_end", ended_on=day(8), note="维持原处罚决定")
    assert body["appeals"] == [{"kind": "reconsideration", "from": day(4), "to": day(8),
                                "agency": "汶上县人民政府", "note": "请求撤销处罚决定",
                                "outcome": "维持原处罚决定"}]
    assert body["surcharge"] == "1500.00"                # days 1–3 and 9–10
    assert body["state"] == "executing"
    windows = {d["kind"]: d for d in body["deadlines"]}
    assert windows["reconsideration"]["status"] == "met"
    assert windows["reconsideration"]["done_on"] == day(4)
    assert windows["litigation"]["done_on"] is None   # not sued (yet): the window runs on

    users, _tokens = people
    login(users["officer"])
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="appeals"' in html and "汶上县人民政府" in html
    assert 'data-testid="form-record_appeal"' in html and "复议机关或人民法院" in html

    # then a lawsuit: the fine is paid meanwhile, but the case is not closed before it ends
    case.ok("officer", "record_appeal", appeal_kind="litigation", appealed_on=day(10))
    assert case.get()["surcharge"] == "1200.00"          # day 10 is inside the lawsuit now
    case.ok("officer", "record_payment", amount=case.get()["owed"])
    closing = case.act("officer", "submit_closing")
    assert closing.status_code == 409 and "行政诉讼" in closing.get_json()["detail"]
    assert case.deadline("litigation")["done_on"] == day(10)
