"""Import (dry run, all-or-nothing, upsert, duplicates, bad sheets) and export (CSV injection)."""

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from enforcement.core.audit import AuditEvent
from enforcement.enterprises.importer import COLUMNS
from enforcement.enterprises.models import Enterprise
from enforcement.extensions import db
from tests.conftest import bearer

HEADERS = [c.header for c in COLUMNS]


def _row(code, name, township="南站镇", **extra):
    values = {"统一社会信用代码": code, "企业名称": name, "乡镇（街道）": township,
              "行业代码": "C3311", "从业人数": 20, "标准化等级": "三级", **extra}
    return [values.get(h, "") for h in HEADERS]


def _xlsx(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _csv(rows, headers=HEADERS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


@pytest.fixture
def token(make_user, api_token):
    return api_token(make_user(["officer"]))


def _import(client, token, data, name="企业.xlsx", dry_run="true"):
    return client.post(f"/api/v1/enterprises/import?dry_run={dry_run}", headers=bearer(token),
                       content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name)})


def test_dry_run_reports_and_writes_nothing(client, token, new_uscc):
    rows = [_row(new_uscc(), "汶上县甲机械有限公司"), _row(new_uscc(), "汶上县乙食品有限公司")]
    before = db.session.query(Enterprise).count()
    response = _import(client, token, _xlsx(rows))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["created"], body["updated"], body["unchanged"], body["errors"]) == (2, 0, 0, [])
    assert db.session.query(Enterprise).count() == before


def test_one_bad_row_rejects_everything_with_row_and_column(client, token, new_uscc):
    good = new_uscc()
    bad = new_uscc()
    bad = bad[:-1] + ("0" if bad[-1] != "0" else "1")
    rows = [_row(good, "汶上县甲机械有限公司"), _row(bad, "汶上县乙机械有限公司", 从业人数=-5),
            _row(new_uscc(), "汶上县丙机械有限公司", township="火星镇")]
    before = db.session.query(Enterprise).count()
    response = _import(client, token, _xlsx(rows), dry_run="false")
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    errors = response.get_json()["errors"]
    assert {"row": 3, "column": "统一社会信用代码"} == {k: errors[0][k] for k in ("row", "column")}
    assert "校验码" in errors[0]["message"]
    assert any(e["row"] == 3 and e["column"] == "从业人数" for e in errors)
    assert any(e["row"] == 4 and e["column"] == "乡镇（街道）" for e in errors)
    assert db.session.query(Enterprise).count() == before


def test_commit_then_upsert_by_uscc(client, token, new_uscc):
    code = new_uscc()
    first = _import(client, token, _csv([_row(code, "汶上县丁机械有限公司")]), "a.csv", "false")
    assert first.status_code == 200 and first.get_json()["created"] == 1
    enterprise = db.session.query(Enterprise).filter_by(uscc=code).one()
    assert enterprise.risk_class == "C" and enterprise.sector == "machinery"
    assert db.session.query(AuditEvent).filter_by(action="import_create",
                                                  object_id=str(enterprise.id)).count() == 1
    second = _import(client, token, _csv([_row(code, "汶上县丁机械有限公司", 粉尘涉爆="是")]),
                     "a.csv", "false")
    body = second.get_json()
    assert (body["created"], body["updated"]) == (0, 1)
    db.session.refresh(enterprise)
    assert enterprise.dust_explosion is True and enterprise.risk_class == "B"
    same = _import(client, token, _csv([_row(code, "汶上县丁机械有限公司", 粉尘涉爆="是")]),
                   "a.csv", "true")
    assert same.get_json()["unchanged"] == 1


def test_missing_and_renamed_columns(client, token, new_uscc):
    headers = [h if h != "企业名称" else "单位名称" for h in HEADERS]
    response = _import(client, token, _xlsx([_row(new_uscc(), "某公司")], headers))
    errors = response.get_json()["errors"]
    assert any(e["row"] == 1 and "单位名称" in e["message"] for e in errors)
    assert any(e["row"] == 1 and e["column"] == "企业名称" and "缺少" in e["message"]
               for e in errors)


def test_duplicate_names_are_reported_not_merged(client, token, new_uscc, make_enterprise):
    make_enterprise(name="汶上县宏达机械有限公司")
    rows = [_row(new_uscc(), "汶上县宏达机械有限公司"),
            _row(new_uscc(), "汶上县宏达机械有限公司。"),
            _row(new_uscc(), "汶上县完全不同的公司")]
    body = _import(client, token, _xlsx(rows)).get_json()
    assert body["created"] == 3
    pairs = {(d["a"], d["b"]) for d in body["duplicates"]}
    assert len(body["duplicates"]) >= 2 and pairs


def test_duplicate_uscc_within_the_sheet(client, token, new_uscc):
    code = new_uscc()
    body = _import(client, token, _xlsx([_row(code, "甲公司"), _row(code, "乙公司")])).get_json()
    assert any("与第 2 行" in e["message"] for e in body["errors"])


def test_formula_is_stored_as_text_and_neutralised_in_csv(client, token, new_uscc):
    code = new_uscc()
    payload = "=HYPERLINK(\"http://x\",\"点我\")"
    rows = [_row(code, "汶上县戊公司", 法定代表人=payload, 地址="<script>alert(1)</script>")]
    response = _import(client, token, _csv(rows), "f.csv", "false")
    assert response.status_code == 200
    enterprise = db.session.query(Enterprise).filter_by(uscc=code).one()
    assert enterprise.legal_representative == payload
    exported = client.get("/api/v1/enterprises/export?format=csv&q=" + code,
                          headers=bearer(token))
    text = exported.data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    xlsx = client.get("/api/v1/enterprises/export?format=xlsx&q=" + code, headers=bearer(token))
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    cell = sheet.cell(row=2, column=HEADERS.index("法定代表人") + 1)
    assert cell.data_type == "s" and cell.value == payload


def test_a_file_that_is_not_a_sheet_is_415_and_too_big_is_413(app, client, token):
    response = _import(client, token, b"%PDF-1.4\n%%EOF\n", "企业.xlsx")
    assert response.status_code == 415
    app.config["UPLOAD_MAX_OTHER_MB"] = 1
    try:
        big = _csv([["x" * 100] * 3] * 12000)
        assert _import(client, token, big, "big.csv").status_code == 413
    finally:
        app.config["UPLOAD_MAX_OTHER_MB"] = 20


def test_template_has_the_headers(client, token):
    response = client.get("/api/v1/enterprises/import-template", headers=bearer(token))
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == HEADERS


def test_export_follows_the_filters(client, token, make_enterprise):
    make_enterprise(township="军屯乡", name="汶上县军屯导出测试有限公司")
    make_enterprise(township="南站镇")
    response = client.get("/api/v1/enterprises/export?format=csv&township=军屯乡",
                          headers=bearer(token))
    lines = response.data.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2 and "军屯导出测试" in lines[1]


def test_large_imports_compute_name_keys_in_a_helper_process(monkeypatch):
    from enforcement.core import text
    from enforcement.enterprises.importer import KeyPrecomputer

    monkeypatch.setattr(KeyPrecomputer, "START_AFTER", 3)
    monkeypatch.setattr(KeyPrecomputer, "CHUNK", 2)
    names = ["汶上县鑫达机械有限公司", "汶上县長城超市", "济宁华润食品", "南站镇某某商店",
             "郭楼镇五金店"]
    pre = KeyPrecomputer()
    for name in names:
        pre.add(name)
    keys = pre.result()
    assert pre.pool is not None, "a helper process was used"
    assert keys == {n: tuple(text.keys_for_many([n])[0]) for n in names}
