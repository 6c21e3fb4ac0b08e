"""On-site inspections through HTTP: checklist choice, team rules, hazards and the 第六十五条
measures, signatures, completion lock, re-check, case proposals, idempotent resends."""

from datetime import date, datetime, timedelta

from enforcement.enterprises.models import Enterprise, OfficerRelation
from enforcement.extensions import db
from enforcement.inspections.models import Hazard, Inspection, Lead
from tests.conftest import bearer
from tests.inspections.conftest import photo_bytes, signature_png


def test_checklist_is_chosen_from_sector_and_features(client, team, make_enterprise, start):
    record = start()
    codes = {i["code"] for i in record.body["items"]}
    assert {f"DUST-{n:02d}" for n in (1, 2, 3, 10)} <= codes      # 令10号 第十一条
    assert {"TG-01", "TG-02", "GEN-06"} & codes                     # 第三条 / general
    assert "AMM-01" not in codes and "DUST-09" not in codes         # no ammonia, no metal dust
    dust = next(i for i in record.body["items"] if i["code"] == "DUST-03")
    assert dust["major_hazard_clause"] == "令10号 第十一条第(三)项"
    assert record.body["state"] == "in_progress"
    assert record.body["checklist"].startswith("现场检查表@")
    shop = make_enterprise(industry_code="F5211")
    a, b, token = team
    other = client.post("/api/v1/inspections", headers=bearer(token), json={
        "enterprise_id": shop.id, "officer_ids": [a.id, b.id], "reason": "举报核查"}).get_json()
    assert not any(i["code"].startswith("DUST") for i in other["items"])


def test_team_rules(client, team, plant, make_user):
    a, b, token = team
    url, h = "/api/v1/inspections", bearer(token)
    one = client.post(url, headers=h, json={"enterprise_id": plant.id, "officer_ids": [a.id],
                                             "reason": "x"})
    assert one.status_code == 422 and "两名" in str(one.get_json()["errors"]["officer_ids"])
    twice = client.post(url, headers=h, json={"enterprise_id": plant.id,
                                              "officer_ids": [a.id, a.id], "reason": "x"})
    assert twice.status_code == 422 and "重复" in str(twice.get_json()["errors"])
    no_reason = client.post(url, headers=h, json={"enterprise_id": plant.id,
                                                  "officer_ids": [a.id, b.id]})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    clerk = make_user(["leader"])
    not_officer = client.post(url, headers=h, json={"enterprise_id": plant.id,
                                                    "officer_ids": [a.id, clerk.id],
                                                    "reason": "x"})
    assert not_officer.status_code == 422
    db.session.add(OfficerRelation(user_id=b.id, enterprise_id=plant.id, relation="近亲属任职",
                                   declared_at=datetime.now().astimezone()))
    db.session.commit()
    recused = client.post(url, headers=h, json={"enterprise_id": plant.id,
                                                "officer_ids": [a.id, b.id], "reason": "x"})
    assert recused.status_code == 422 and "回避" in str(recused.get_json()["errors"])
    assert db.session.scalar(db.select(db.func.count(Inspection.id))) == 0


def test_failed_major_item_becomes_a_major_hazard_with_measures(start, frozen):
    record = start()
    bad = record.answer("DUST-03", "fail", note="布袋除尘器无泄爆、惰化、抑爆措施",
                        rectify_by="2026-10-01")
    assert bad.status_code == 422 and "rectify_by" in bad.get_json()["errors"]
    ok = record.answer("DUST-03", "fail", note="布袋除尘器无泄爆、惰化、抑爆措施",
                       measures=["evacuate", "stop_use"])
    assert ok.status_code == 200, ok.get_json()
    hazard = record.refresh()["hazards"][0]
    assert hazard["major"] is True and hazard["major_hazard_clause"] == "令10号 第十一条第(三)项"
    assert hazard["measures"] == ["eliminate", "evacuate", "stop_use"]
    assert hazard["rectify_by"] == (date(2026, 11, 2) + timedelta(days=30)).isoformat()
    assert hazard["violation_code"] and hazard["description"].startswith("布袋除尘器")
    # answering it again as pass removes the hazard while the record is open
    assert record.answer("DUST-03", "pass").status_code == 200
    assert record.refresh()["hazards"] == []


def test_general_hazard_cannot_take_major_measures_and_free_finding_needs_clause(start):
    record = start()
    r = record.answer("GEN-11", "fail", measures=["suspend"])
    assert r.status_code == 422 and "measures" in r.get_json()["errors"]
    h = bearer(record.token)
    free = record.client.post(record.url("/hazards"), headers=h, json={
        "description": "配电箱门损坏", "major": True, "rectify_by": "2026-11-20"})
    assert free.status_code == 422 and "major_hazard_clause" in free.get_json()["errors"]
    free = record.client.post(record.url("/hazards"), headers=h, json={
        "description": "配电箱门损坏", "rectify_by": "2026-11-20"})
    assert free.status_code == 201 and free.get_json()["major"] is False


def test_evidence_must_be_a_photo_or_video(start):
    record = start()
    h = bearer(record.token)
    photo = record.client.post("/api/v1/files", headers=h, data={
        "file": (__import__("io").BytesIO(photo_bytes()), "现场.jpg")})
    assert photo.status_code == 201
    text = record.client.post("/api/v1/files", headers=h, data={
        "file": (__import__("io").BytesIO("不是图片".encode()), "伪装.jpg")})
    assert text.status_code == 201 and text.get_json()["content_type"] == "text/plain"
    bad = record.answer("DUST-07", "fail", file_ids=[text.get_json()["id"]])
    assert bad.status_code == 422 and "不是照片或视频" in str(bad.get_json()["errors"])
    assert record.refresh()["hazards"] == []          # nothing partial
    good = record.answer("DUST-07", "fail", file_ids=[photo.get_json()["id"]])
    assert good.status_code == 200 and good.get_json()["file_ids"] == [photo.get_json()["id"]]


def test_complete_needs_every_item_hazard_and_signature_then_locks(start, team, plant):
    a, b, _ = team
    record = start()
    record.answer("DUST-03", "fail", note="无泄爆措施")
    early = record.act("complete")
    assert early.status_code == 422
    errors = early.get_json()["errors"]
    assert {"items", "signatures", "representative"} <= set(errors)
    record.answer_all("pass")
    record.sign_everyone([a, b])
    done = record.act("complete")
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["state"] == "completed" and body["ended_at"]
    assert "open_case" in body["allowed_actions"]
    # locked: answers, hazards and a second completion are refused
    assert record.answer("GEN-01", "fail").status_code == 409
    again = record.act("complete")
    assert again.status_code == 409
    # a major hazard re-classifies the enterprise (open 重大事故隐患 → A)
    db.session.expire_all()
    assert db.session.get(Enterprise, plant.id).risk_class == "A"


def test_refused_signature_needs_a_witness(start, team):
    a, b, _ = team
    record = start()
    record.answer_all("pass")
    h = bearer(record.token)
    for officer in (a, b):
        record.client.post(record.url("/signatures"), headers=h, json={
            "role": "officer", "user_id": officer.id, "image": signature_png()})
    no_note = record.client.post(record.url("/signatures"), headers=h, json={
        "role": "representative", "name": "李厂长", "refused": True})
    assert no_note.status_code == 422
    refused = record.client.post(record.url("/signatures"), headers=h, json={
        "role": "representative", "name": "李厂长", "refused": True,
        "refusal_note": "以需请示总部为由拒绝签字"})
    assert refused.status_code == 201
    assert "见证人" in str(record.act("complete").get_json()["errors"]["signatures"])
    blank = record.client.post(record.url("/signatures"), headers=h, json={
        "role": "witness", "name": "张村委", "image": "data:image/png;base64,AAAA"})
    assert blank.status_code == 422
    record.client.post(record.url("/signatures"), headers=h, json={
        "role": "witness", "name": "张村委", "image": signature_png()})
    assert record.act("complete").status_code == 200


def test_only_the_team_writes_the_record(client, start, make_user, api_token):
    record = start()
    outsider = api_token(make_user(["officer"]))
    r = client.put(record.url("/items/GEN-01"), headers=bearer(outsider), json={"result": "pass"})
    assert r.status_code == 403
    reviewer = api_token(make_user(["reviewer"]))
    assert client.get(record.url(), headers=bearer(reviewer)).status_code == 200
    r = client.put(record.url("/items/GEN-01"), headers=bearer(reviewer), json={"result": "pass"})
    assert r.status_code == 403


def test_stale_version_is_409(start):
    record = start()
    old = record.body["version"]
    assert record.client.patch(record.url(), headers=bearer(record.token), json={
        "version": old, "place": "一号车间"}).status_code == 200
    stale = record.client.patch(record.url(), headers=bearer(record.token), json={
        "version": old, "place": "二号车间"})
    assert stale.status_code == 409
    assert record.refresh()["place"] == "一号车间"


def test_resending_with_the_same_key_creates_once(client, team, plant, frozen):
    a, b, token = team
    body = {"enterprise_id": plant.id, "officer_ids": [a.id, b.id], "reason": "复核"}
    headers = {**bearer(token), "Idempotency-Key": "phone-7f3a9c2e-0001"}
    first = client.post("/api/v1/inspections", headers=headers, json=body)
    second = client.post("/api/v1/inspections", headers=headers, json=body)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]
    assert db.session.scalar(db.select(db.func.count(Inspection.id))) == 1
    url = f"/api/v1/inspections/{first.get_json()['id']}/hazards"
    finding = {"description": "消防通道堵塞", "rectify_by": "2026-11-10",
               "client_key": "phone-7f3a9c2e-0002"}
    h1 = client.post(url, headers=bearer(token), json=finding)
    h2 = client.post(url, headers=bearer(token), json=finding)
    assert h1.get_json()["id"] == h2.get_json()["id"]
    assert db.session.scalar(db.select(db.func.count(Hazard.id))) == 1


def _completed_with_hazard(record, team, **answer):
    a, b, _ = team
    record.answer("DUST-10", "fail", note="除尘管道积尘严重", **answer)
    record.answer_all("pass")
    record.sign_everyone([a, b])
    assert record.act("complete").status_code == 200
    return record.refresh()["hazards"][0]


def test_recheck_rectified_needs_evidence_and_restores_class(client, start, team, plant, frozen):
    record = start()
    hazard = _completed_with_hazard(record, team, measures=["suspend"])
    url, h = f"/api/v1/hazards/{hazard['id']}/actions", bearer(record.token)
    no_photo = client.post(url, headers=h, json={"action": "review_rectified",
                                                 "version": hazard["version"],
                                                 "note": "已清理"})
    assert no_photo.status_code == 422 and "file_ids" in no_photo.get_json()["errors"]
    too_early = client.post(url, headers=h, json={"action": "review_not_rectified",
                                                  "version": hazard["version"], "note": "未清理"})
    assert too_early.status_code == 422 and "reviewed_on" in too_early.get_json()["errors"]
    photo = client.post("/api/v1/files", headers=h, data={
        "file": (__import__("io").BytesIO(photo_bytes("PNG")), "整改后.png")}).get_json()
    ok = client.post(url, headers=h, json={"action": "review_rectified",
                                           "version": hazard["version"], "note": "已清理积尘",
                                           "file_ids": [photo["id"]]})
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["state"] == "rectified" and ok.get_json()["resume_approved"] is True
    db.session.expire_all()
    assert db.session.get(Enterprise, plant.id).risk_class == "B"   # dust plant, hazard closed
    twice = client.post(url, headers=h, json={"action": "review_rectified",
                                              "version": ok.get_json()["version"], "note": "x",
                                              "file_ids": [photo["id"]]})
    assert twice.status_code == 409


def test_not_rectified_after_deadline_proposes_a_case(client, start, team, frozen):
    record = start()
    hazard = _completed_with_hazard(record, team, rectify_by="2026-11-10")
    frozen(datetime(2026, 11, 12, 2, 0).astimezone())
    r = client.post(f"/api/v1/hazards/{hazard['id']}/actions", headers=bearer(record.token),
                    json={"action": "review_not_rectified", "version": hazard["version"],
                          "note": "复查时管道仍积尘"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "not_rectified" and r.get_json()["lead_id"]
    lead = client.get(f"/api/v1/leads/{r.get_json()['lead_id']}",
                      headers=bearer(record.token)).get_json()
    assert lead["state"] == "case_proposed" and lead["source"] == "inspection"
    draft = lead["case_draft"]
    assert draft["violation_codes"][0] == "SCL102" and draft["inspection_id"] == record.id
    assert "2026-11-10" in draft["facts"] and draft["discovered_on"] == "2026-11-12"


def test_open_case_carries_facts_evidence_and_violations(client, start, team):
    record = start()
    _completed_with_hazard(record, team)
    r = record.act("open_case")
    assert r.status_code == 200, r.get_json()
    proposal = r.get_json()["case_proposals"][0]
    draft = proposal["case_draft"]
    assert draft["source"] == "inspection"
    assert draft["enterprise_id"] == record.body["enterprise_id"]
    assert "除尘管道积尘严重" in draft["facts"] and "现场检查时发现" in draft["facts"]
    assert draft["violation_codes"] and draft["hazard_ids"]
    again = record.act("open_case")
    assert again.status_code == 422        # the same hazards are not proposed twice


def test_amendment_keeps_what_it_replaced(client, start, team):
    record = start()
    _completed_with_hazard(record, team)
    h = bearer(record.token)
    no_reason = client.post(record.url("/amendments"), headers=h, json={
        "version": record.refresh()["version"], "reason": "", "changes": {"place": "二号车间"}})
    assert no_reason.status_code == 422
    bad_field = client.post(record.url("/amendments"), headers=h, json={
        "version": record.refresh()["version"], "reason": "笔误", "changes": {"state": "x"}})
    assert bad_field.status_code == 422
    ok = client.post(record.url("/amendments"), headers=h, json={
        "version": record.refresh()["version"], "reason": "检查场所笔误",
        "changes": {"place": "二号车间", "item:DUST-10": "除尘管道及风机积尘严重"}})
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["changes"][0] == {"field": "place", "old": "", "new": "二号车间"}
    body = record.refresh()
    assert body["place"] == "二号车间"
    note = next(i for i in body["items"] if i["code"] == "DUST-10")["note"]
    assert note == "除尘管道及风机积尘严重"


def test_hazard_list_due_and_overdue(client, start, team, frozen):
    record = start()
    hazard = _completed_with_hazard(record, team, rectify_by="2026-11-05")
    h = bearer(record.token)
    soon = client.get("/api/v1/hazards?due=soon", headers=h).get_json()
    assert [x["id"] for x in soon] == [hazard["id"]]
    frozen(datetime(2026, 11, 9, 2, 0).astimezone())
    overdue = client.get("/api/v1/hazards?due=overdue", headers=h).get_json()
    assert [x["id"] for x in overdue] == [hazard["id"]] and overdue[0]["due_status"] == "overdue"
    assert "review_not_rectified" in overdue[0]["allowed_actions"]


def test_leads_are_entered_triaged_and_traced(client, team, plant, make_user, api_token):
    a, b, token = team
    h = bearer(token)
    bad = client.post("/api/v1/leads", headers=h, json={"source": "gossip", "subject": ""})
    assert bad.status_code == 422 and {"source", "subject"} <= set(bad.get_json()["errors"])
    lead = client.post("/api/v1/leads", headers=h, json={
        "source": "complaint", "subject": "举报夜间违规电焊", "enterprise_id": plant.id,
        "details": "群众反映该厂夜间在粉尘区动火", "reporter": "匿名"}).get_json()
    assert lead["state"] == "new" and set(lead["allowed_actions"]) == {"dismiss", "inspect",
                                                                       "open_case"}
    no_reason = client.post(f"/api/v1/leads/{lead['id']}/actions", headers=h, json={
        "action": "dismiss", "version": lead["version"]})
    assert no_reason.status_code == 422
    inspect = client.post(f"/api/v1/leads/{lead['id']}/actions", headers=h, json={
        "action": "inspect", "version": lead["version"]}).get_json()
    assert inspect["state"] == "inspecting"
    record = client.post("/api/v1/inspections", headers=h, json={
        "lead_id": lead["id"], "officer_ids": [a.id, b.id]})
    assert record.status_code == 201, record.get_json()["errors"]
    assert record.get_json()["enterprise_id"] == plant.id
    traced = client.get(f"/api/v1/leads/{lead['id']}", headers=h).get_json()
    assert traced["inspection_id"] == record.get_json()["id"]
    monitoring = client.post("/api/v1/leads", headers=h, json={
        "source": "monitoring", "subject": "可燃气体浓度报警",
        "enterprise_id": plant.id}).get_json()
    case = client.post(f"/api/v1/leads/{monitoring['id']}/actions", headers=h, json={
        "action": "open_case", "version": monitoring["version"],
        "violation_codes": ["SCL99-4"]}).get_json()
    assert case["state"] == "case_proposed" and case["case_draft"]["source"] == "monitoring"
    dismissed = client.post(f"/api/v1/leads/{monitoring['id']}/actions", headers=h, json={
        "action": "inspect", "version": case["version"]})
    assert dismissed.status_code == 409
    assert db.session.scalar(db.select(db.func.count(Lead.id))) == 2
