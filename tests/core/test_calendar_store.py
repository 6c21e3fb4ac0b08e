"""Entering a year the calendar package does not know (2027), by page, API and CLI."""

from datetime import date

from enforcement.core import workdays
from tests.conftest import bearer, csrf_token

# The 2027 arrangement as an administrator would type it (illustrative dates).
ENTRIES_2027 = """日期,类别,名称
2027-01-01,休,元旦
2027-02-06~2027-02-12,休,春节
2027-02-14,班,春节调休
2027-04-05,休,清明节
2027-05-01~2027-05-05,休,劳动节
2027-06-09,休,端午节
2027-09-15,休,中秋节
2027-10-01~2027-10-07,休,国庆节
2027-10-09,班,国庆节调休
"""


def test_2027_is_provisional_until_entered(app, client, make_user, api_token):
    before = workdays.add_workdays(date(2027, 2, 5), 1)
    assert before.provisional and before.value == date(2027, 2, 8)
    token = api_token(make_user(["admin"]))
    response = client.put("/api/v1/calendar/years/2027", headers=bearer(token),
                          json={"entries": ENTRIES_2027, "source": "国办发明电〔2026〕X号"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["official"] is True and body["provisional"] is False
    after = workdays.add_workdays(date(2027, 2, 5), 1)
    assert not after.provisional
    assert after.value == date(2027, 2, 14)  # 02-06..12 holiday, 02-13 Saturday, 02-14 班
    assert workdays.is_workday(date(2027, 10, 9)).value is True


def test_deadline_endpoint_names_the_rule(client, make_user, api_token):
    token = api_token(make_user(["officer"]))
    response = client.get("/api/v1/calendar/deadline?start=2026-09-30&workdays=5",
                          headers=bearer(token))
    body = response.get_json()
    # 10-01..07 holiday; 10-08 (1), 10-09 (2), Saturday 10-10 make-up day (3), 10-12 (4), 10-13 (5)
    assert body["due_on"] == "2026-10-13" and body["provisional"] is False
    assert "工作日" in body["rule"]
    both = client.get("/api/v1/calendar/deadline?start=2026-09-30&workdays=5&days=3",
                      headers=bearer(token))
    assert both.status_code == 422
    bad = client.get("/api/v1/calendar/deadline?start=2026-02-30&days=3", headers=bearer(token))
    assert bad.status_code == 422 and "start" in bad.get_json()["errors"]


def test_bad_entries_are_refused_line_by_line_and_nothing_is_saved(client, make_user, api_token):
    token = api_token(make_user(["admin"]))
    response = client.put("/api/v1/calendar/years/2027", headers=bearer(token), json={
        "entries": "2027-01-01,休,元旦\n2027-13-01,休,错\n2027-02-03,班,周三\n2026-12-31,休,跨年"})
    assert response.status_code == 422
    messages = response.get_json()["errors"]["entries"]
    assert any("第 2 行" in m for m in messages)
    again = client.put("/api/v1/calendar/years/2027", headers=bearer(token), json={
        "entries": "2027-01-01,休,元旦\n2027-02-03,班,周三\n2026-12-31,休,跨年"})
    messages = again.get_json()["errors"]["entries"]
    assert any("本来就是工作日" in m for m in messages)
    assert any("不属于 2027 年" in m for m in messages)
    info = client.get("/api/v1/calendar/years/2027", headers=bearer(token)).get_json()
    assert info["provisional"] is True


def test_only_admins_enter_years(client, make_user, api_token):
    token = api_token(make_user(["leader"]))
    response = client.put("/api/v1/calendar/years/2027", headers=bearer(token),
                          json={"entries": ENTRIES_2027})
    assert response.status_code == 403


def test_admin_page_shows_provisional_then_saves(client, make_user, login):
    login(make_user(["admin"]))
    page = client.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert "暂定" in page
    token = csrf_token(client, "/admin/calendar?year=2027")
    bad = client.post("/admin/calendar", data={"csrf_token": token, "year": "2027",
                                               "entries": "2027-02-30,休,错"})
    assert bad.status_code == 422 and "日期“2027-02-30”无效" in bad.get_data(as_text=True)
    ok = client.post("/admin/calendar", data={"csrf_token": token, "year": "2027",
                                              "entries": ENTRIES_2027})
    assert ok.status_code == 302
    page = client.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert "官方" in page and "春节调休" in page


def test_cli_import_and_show(runner, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(ENTRIES_2027, encoding="utf-8")
    result = runner.invoke(args=["calendar", "import", str(path), "--year", "2027"])
    assert result.exit_code == 0, result.output
    assert "法定工作日" in result.output
    shown = runner.invoke(args=["calendar", "show", "2027"])
    assert "官方" in shown.output and "春节调休" in shown.output
    bad = tmp_path / "bad.csv"
    bad.write_text("2027-01-01,假期中,元旦\n", encoding="utf-8")
    failed = runner.invoke(args=["calendar", "import", str(bad), "--year", "2027"])
    assert failed.exit_code == 2 and "类别" in failed.output


def test_package_year_shows_its_days(client, make_user, api_token):
    token = api_token(make_user(["officer"]))
    info = client.get("/api/v1/calendar/years/2026", headers=bearer(token)).get_json()
    assert info["official"] and info["legal_workdays"] == 248
    assert any(d["date"] == "2026-10-10" and d["kind"] == "workday" for d in info["days"])
    assert client.get("/api/v1/calendar/years/1999", headers=bearer(token)).status_code == 404
