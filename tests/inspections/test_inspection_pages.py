"""The inspection pages through the browser's path: forms with CSRF, htmx partials, uploads."""

import io
import re

from enforcement.extensions import db
from enforcement.inspections.models import Inspection, Lead
from tests.conftest import csrf_token
from tests.inspections.conftest import photo_bytes, signature_png


def _start(client, plant, a, b):
    token = csrf_token(client, "/inspections/new")
    return client.post("/inspections/new", data={
        "csrf_token": token, "enterprise_id": plant.id, "officer_ids": [a.id, b.id],
        "reason": "专项整治", "place": "除尘系统", "rep_name": "王经理",
        "client_key": "page-key-0000001"}, headers={"HX-Request": "true"})


def test_officer_records_an_inspection_on_the_pages(client, login, team, plant, frozen):
    a, b, _ = team
    login(a)
    assert client.get("/inspections/").status_code == 200
    form = client.get("/inspections/new")
    assert form.status_code == 200 and "计划外检查须填写检查事由" not in form.get_data(as_text=True)
    started = _start(client, plant, a, b)
    assert started.status_code == 200 and started.headers["HX-Redirect"].startswith("/inspections/")
    again = _start(client, plant, a, b)       # the phone resends: same record
    assert again.headers["HX-Redirect"] == started.headers["HX-Redirect"]
    assert db.session.scalar(db.select(db.func.count(Inspection.id))) == 1
    url = started.headers["HX-Redirect"]
    page = client.get(url).get_data(as_text=True)
    assert "粉尘防爆" in page and 'data-draft="inspection-' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    # an item answered through htmx with a photo comes back as its card
    card = client.post(f"{url}/items/DUST-03", headers={"HX-Request": "true"}, data={
        "csrf_token": token, "result": "fail", "note": "除尘器无泄爆装置",
        "rectify_by": "2026-12-01", "measures": ["stop_use"],
        "photos": (io.BytesIO(photo_bytes()), "dust.jpg")}, content_type="multipart/form-data")
    html = card.get_data(as_text=True)
    assert card.status_code == 200 and 'id="item-DUST-03"' in html and "隐患 1" in html
    assert "evidence-thumb" in html
    # a text file posing as a photo: the card shows the error, nothing recorded
    bad = client.post(f"{url}/items/DUST-07", headers={"HX-Request": "true"}, data={
        "csrf_token": token, "result": "fail",
        "photos": (io.BytesIO(b"just text, not a picture"), "x.jpg")},
        content_type="multipart/form-data")
    assert bad.status_code == 422 and "不是照片或视频" in bad.get_data(as_text=True)
    inspection = db.session.scalar(db.select(Inspection))
    for item in inspection.items:
        if item.result is None and item.code != "DUST-07":
            client.post(f"{url}/items/{item.code}", data={"csrf_token": token, "result": "pass"})
    client.post(f"{url}/items/DUST-07", data={"csrf_token": token, "result": "na"})
    for signer in (f"officer:{a.id}", f"officer:{b.id}", "representative:"):
        r = client.post(f"{url}/sign", data={"csrf_token": token, "signer": signer,
                                             "name": "王经理", "image": signature_png()})
        assert r.status_code == 302
    db.session.expire_all()
    inspection = db.session.scalar(db.select(Inspection))
    done = client.post(f"{url}/complete", data={"csrf_token": token,
                                                "version": inspection.version},
                       follow_redirects=True)
    assert "检查记录已完成并锁定" in done.get_data(as_text=True)
    order = client.get(f"{url}/order").get_data(as_text=True)
    assert "责令限期整改指令书" in order and "2026年12月1日前" in order
    assert "责令停止使用相关设施、设备" in order
    assert client.get(f"{url}/recheck").status_code == 200
    hazards = client.get("/inspections/hazards").get_data(as_text=True)
    assert "除尘器无泄爆装置" in hazards


def test_completing_with_gaps_explains_and_changes_nothing(client, login, team, plant, frozen):
    a, b, _ = team
    login(a)
    url = _start(client, plant, a, b).headers["HX-Redirect"]
    token = csrf_token(client, url)
    inspection = db.session.scalar(db.select(Inspection))
    page = client.post(f"{url}/complete", data={"csrf_token": token,
                                                "version": inspection.version},
                       follow_redirects=True).get_data(as_text=True)
    assert "以下检查项尚未填写" in page and "尚缺签名" in page
    db.session.expire_all()
    assert db.session.scalar(db.select(Inspection)).state == "in_progress"


def test_lead_inbox_enter_and_dismiss(client, login, team, plant):
    a, _, _ = team
    login(a)
    token = csrf_token(client, "/inspections/leads/new")
    bad = client.post("/inspections/leads/new", data={"csrf_token": token, "source": "complaint",
                                                      "subject": ""})
    assert bad.status_code == 422 and "请填写线索摘要" in bad.get_data(as_text=True)
    created = client.post("/inspections/leads/new", data={
        "csrf_token": token, "source": "referral", "subject": "区县移送：违规动火",
        "enterprise_id": plant.id, "client_key": "lead-page-000001"})
    assert created.status_code == 302
    lead = db.session.scalar(db.select(Lead))
    inbox = client.get("/inspections/leads").get_data(as_text=True)
    assert "区县移送：违规动火" in inbox
    r = client.post(f"/inspections/leads/{lead.id}/act", data={
        "csrf_token": token, "action": "dismiss", "version": lead.version,
        "reason": "经核实为其他辖区企业"}, follow_redirects=True)
    assert "不予处理" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).state == "dismissed"


def test_reviewer_reads_but_cannot_start(client, login, make_user):
    login(make_user(["reviewer"]))
    assert client.get("/inspections/records").status_code == 200
    assert client.get("/inspections/new").status_code == 403


def test_record_page_in_english(client, login, team, plant, frozen):
    a, b, _ = team
    login(a)
    url = _start(client, plant, a, b).headers["HX-Redirect"]
    token = csrf_token(client, url)
    client.post("/language", data={"csrf_token": token, "lang": "en", "next": url})
    page = client.get(url).get_data(as_text=True)
    assert "Compliant" in page and "不符合即为重大事故隐患" not in page
    assert client.get("/inspections/").status_code == 200
    assert client.get("/inspections/hazards").status_code == 200
    assert client.get("/inspections/leads").status_code == 200
