"""The registry's pages."""

import io
import time

import pytest

from enforcement.core import jobs
from enforcement.enterprises.models import Enterprise
from enforcement.extensions import db
from tests.conftest import csrf_token


def test_list_search_and_detail_show_class_with_reasons(client, make_user, login,
                                                        make_enterprise):
    enterprise = make_enterprise(name="汶上县恒泰食品有限公司", industry_code="C1311",
                                 ammonia_refrigeration=True, ammonia_tonnes=6)
    login(make_user(["officer"]))
    listing = client.get("/enterprises/?q=htsp").get_data(as_text=True)
    assert "汶上县恒泰食品有限公司" in listing and 'data-risk-class="B"' in listing
    page = client.get(f"/enterprises/{enterprise.id}").get_data(as_text=True)
    assert "涉氨制冷" in page and "风险分类" in page and "@" in page


def test_create_form_shows_field_errors_and_keeps_input(client, make_user, login, new_uscc):
    login(make_user(["officer"]))
    token = csrf_token(client, "/enterprises/new")
    code = new_uscc()
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = client.post("/enterprises/new", data={
        "csrf_token": token, "uscc": bad, "name": "汶上县表单测试有限公司", "township": "南站镇",
        "employees": "-1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "校验码应为" in page and 'value="汶上县表单测试有限公司"' in page
    assert db.session.query(Enterprise).filter_by(name="汶上县表单测试有限公司").count() == 0
    ok = client.post("/enterprises/new", data={
        "csrf_token": token, "uscc": code, "name": "汶上县表单测试有限公司", "township": "南站镇",
        "industry_code": "C3311", "dust_explosion": "1", "dust_workers": "8"})
    assert ok.status_code == 302
    created = db.session.query(Enterprise).filter_by(uscc=code).one()
    assert created.dust_explosion and created.risk_class == "B"


def test_edit_detects_a_concurrent_change(client, make_user, login, make_enterprise):
    from enforcement.enterprises import service

    enterprise = make_enterprise(name="原名称有限公司")
    login(make_user(["officer"]))
    stale = enterprise.version
    service.update_enterprise(enterprise, enterprise.version, {"name": "他人改过有限公司"}, None)
    db.session.commit()
    token = csrf_token(client, f"/enterprises/{enterprise.id}/edit")
    response = client.post(f"/enterprises/{enterprise.id}/edit", data={
        "csrf_token": token, "version": stale, "uscc": enterprise.uscc, "name": "我的修改",
        "township": "南站镇"})
    assert response.status_code == 409
    assert "他人改过有限公司" in response.get_data(as_text=True)


def test_overview_links_counts_to_lists(client, make_user, login, make_enterprise):
    make_enterprise(township="军屯乡")
    login(make_user(["leader"]))
    page = client.get("/enterprises/overview").get_data(as_text=True)
    assert "军屯乡" in page and 'id="chart-townships"' in page
    assert "/enterprises/?township=" in page


def test_leader_overrides_from_the_page(client, make_user, login, make_enterprise):
    enterprise = make_enterprise(industry_code="F5211", standardization_grade="2")
    login(make_user(["leader"]))
    token = csrf_token(client, f"/enterprises/{enterprise.id}")
    empty = client.post(f"/enterprises/{enterprise.id}/override",
                        data={"csrf_token": token, "risk_class": "A", "reason": ""})
    assert empty.status_code == 302
    db.session.refresh(enterprise)
    assert enterprise.risk_class == "D"
    client.post(f"/enterprises/{enterprise.id}/override",
                data={"csrf_token": token, "risk_class": "B", "reason": "多次被投诉占用消防通道"})
    page = client.get(f"/enterprises/{enterprise.id}").get_data(as_text=True)
    assert "负责人人工调整" in page and "多次被投诉占用消防通道" in page


@pytest.mark.committed
def test_import_page_runs_a_dry_run_job_then_imports(app, client, make_user, login, new_uscc):
    from openpyxl import Workbook

    from enforcement.enterprises.importer import COLUMNS

    app.extensions["jobs_backend"] = jobs.ThreadBackend(1)
    user = make_user(["officer"])
    login(user)
    wb = Workbook()
    wb.active.append([c.header for c in COLUMNS])
    row = {"统一社会信用代码": new_uscc(), "企业名称": "汶上县页面导入有限公司",
           "乡镇（街道）": "郭楼镇"}
    wb.active.append([row.get(c.header, "") for c in COLUMNS])
    buffer = io.BytesIO()
    wb.save(buffer)
    token = csrf_token(client, "/enterprises/import")
    response = client.post("/enterprises/import", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(buffer.getvalue()), "新企业.xlsx")})
    assert response.status_code == 302
    result_url = response.headers["Location"]
    page = _until_done(client, result_url)
    assert "新增 1" in page and "确认导入" in page
    file_id = result_url.split("file_id=")[1]
    confirm = client.post("/enterprises/import", data={"csrf_token": token, "file_id": file_id,
                                                       "confirm": "1"})
    page = _until_done(client, confirm.headers["Location"])
    assert "已导入" in page
    app.extensions.pop("jobs_backend", None)


def _until_done(client, url, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = client.get(url).get_data(as_text=True)
        if "hx-trigger" not in page:
            return page
        time.sleep(0.1)
    raise AssertionError("job did not finish")
