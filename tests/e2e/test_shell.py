"""First journeys: every role signs in and sees its home page; errors and language switch."""

import pytest

from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e

ROLE_HOMES = [
    ("officer1", "执法人员", "行政处罚案件"),
    ("leader1", "负责人", "年度监督检查计划"),
    ("reviewer1", "法制审核人员", "法制审核"),
    ("expert1", "专家", "专家工作台"),
    ("admin", "系统管理员", "用户管理"),
    ("auditor1", "审计管理员", "审计日志"),
]


@pytest.mark.parametrize(("username", "role_label", "card"), ROLE_HOMES)
def test_each_role_signs_in_to_its_home(page, live_server, username, role_label, card):
    sign_in(page, live_server, username)
    page.wait_for_url(f"{live_server}/")
    assert page.locator("h1").inner_text().startswith("您好")
    assert role_label in page.locator("main").inner_text()
    assert card in page.locator("main").inner_text()
    shot(page, f"home-{username}")


def test_wrong_password_shows_the_chinese_error(page, live_server):
    sign_in(page, live_server, "officer2", "Not-the-password-1")
    error = page.locator("[data-testid=login-error]")
    assert "用户名或密码错误" in error.inner_text()
    shot(page, "login-wrong-password")


def test_language_switch(page, live_server):
    sign_in(page, live_server, "officer3")
    page.wait_for_url(f"{live_server}/")
    page.click("button[data-lang=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Hello" in page.locator("h1").inner_text()
    shot(page, "home-english")
    page.click("button[data-lang=zh_CN]")
    page.wait_for_load_state()
    assert "您好" in page.locator("h1").inner_text()


def test_admin_creates_a_user_on_a_phone(phone, live_server):
    sign_in(phone, live_server, "admin")
    phone.goto(f"{live_server}/admin/users/new")
    phone.fill("#f-username", "e2e.officer")
    phone.fill("#f-display_name", "端到端")
    phone.check("#role-officer")
    phone.fill("#f-password", "Start-pass-1")
    phone.click("button[type=submit]:has-text('保存')")
    assert "执法人员必须填写执法证号" in phone.locator("main").inner_text()
    shot(phone, "admin-user-form-error-phone")
    phone.fill("#f-certificate_no", "37083077777")
    phone.fill("#f-password", "Start-pass-1")
    phone.click("button[type=submit]:has-text('保存')")
    phone.wait_for_url(f"{live_server}/admin/users")
    assert "已创建用户 端到端" in phone.locator("main").inner_text()
    shot(phone, "admin-users-phone")


def test_auditor_sees_the_chain_status(page, live_server):
    sign_in(page, live_server, "auditor1")
    page.goto(f"{live_server}/audit/")
    assert "哈希链完整" in page.locator("[data-testid=chain-status]").inner_text()
    shot(page, "audit-log")
