"""Sign-in through the pages: password policy, lockout, idle timeout, forced change, 2FA, CSRF."""

from datetime import timedelta

import pyotp
import pytest

from enforcement.auth import service
from enforcement.auth.models import User
from enforcement.core import clock
from enforcement.extensions import db
from tests.conftest import PASSWORD, csrf_token, post_form


def test_login_and_logout(client, make_user, login):
    user = make_user(["officer"], display_name="张建国")
    response = login(user)
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "您好，张建国" in home and "执法人员" in home
    token = csrf_token(client, "/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").headers["Location"].endswith("/login")


def test_wrong_password_shows_chinese_error_and_counts(client, make_user, login):
    user = make_user()
    response = login(user, "Wrong-pass-1")
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "用户名或密码错误" in page and "还可尝试 4 次" in page
    db.session.refresh(user)
    assert user.failed_logins == 1


def test_unknown_user_gets_the_same_message(client, login):
    response = login("nobody", "Whatever-1")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_five_failures_lock_for_thirty_minutes(client, make_user, login, frozen):
    user = make_user()
    for _ in range(4):
        assert login(user, "Wrong-pass-1").status_code == 401
    fifth = login(user, "Wrong-pass-1")
    assert fifth.status_code == 401
    assert "账号已锁定 30 分钟" in fifth.get_data(as_text=True)
    # Even the right password is refused while locked.
    locked = login(user, PASSWORD)
    assert locked.status_code == 429
    assert "已锁定" in locked.get_data(as_text=True)
    frozen(clock.now() + timedelta(minutes=31))
    assert login(user, PASSWORD).status_code == 302


def test_idle_session_times_out_after_thirty_minutes(client, make_user, login, frozen):
    user = make_user(["admin"])
    login(user)
    frozen(clock.now() + timedelta(minutes=29))
    assert client.get("/admin/users").status_code == 200  # activity renews the session
    frozen(clock.now() + timedelta(minutes=31))
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "长时间未操作" in page


def test_first_login_forces_password_change(client, make_user, login):
    user = make_user(["officer"], must_change=True)
    login(user)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/password")
    token = csrf_token(client, "/account/password")
    weak = client.post("/account/password", data={
        "csrf_token": token, "current_password": PASSWORD, "new_password": "abcdefgh",
        "confirm_password": "abcdefgh"})
    assert weak.status_code == 422
    assert "至少三类" in weak.get_data(as_text=True)
    ok = client.post("/account/password", data={
        "csrf_token": token, "current_password": PASSWORD, "new_password": "New-pass-2026",
        "confirm_password": "New-pass-2026"})
    assert ok.status_code == 302, ok.get_data(as_text=True)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(("password", "ok"), [
    ("Short1!", False),          # 7 characters
    ("alllowercase", False),     # one class
    ("lowerUPPER", False),       # two classes
    ("lowerUPPER1", True),       # three classes
    ("lower123!!", True),
    ("Xuser42abc!", True),
])
def test_password_policy(app, password, ok):
    assert (service.password_problems(password, "someone") == []) is ok


def test_password_may_not_contain_the_username(app):
    assert service.password_problems("Zhangsan-2026", "zhangsan")


def test_password_reset_ends_existing_sessions(client, make_user, login):
    user = make_user(["officer"])
    login(user)
    assert client.get("/").status_code == 200
    db.session.refresh(user)  # the login (another session) bumped its version
    service.reset_password(user, "Reset-pass-99")
    db.session.commit()
    assert client.get("/").status_code == 302


def test_deactivated_user_cannot_sign_in(client, make_user, login):
    user = make_user()
    service.update_user(user, user.version, active=False)
    db.session.commit()
    response = login(user)
    assert response.status_code == 403
    assert "账号已停用" in response.get_data(as_text=True)


def test_missing_csrf_token_is_refused_and_changes_nothing(client, make_user, login):
    admin = make_user(["admin"])
    login(admin)
    before = db.session.query(User).count()
    response = client.post("/admin/users/new", data={
        "username": "csrfless", "display_name": "甲", "roles": "expert", "password": "Abcdefg-123"})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)
    assert db.session.query(User).count() == before


def test_login_redirects_only_to_local_paths(client, make_user):
    user = make_user()
    response = post_form(client, "/login", {"username": user.username, "password": PASSWORD,
                                            "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


class TestTwoFactor:
    def _enrol(self, client, user):
        page = client.get("/account/2fa").get_data(as_text=True)
        secret = page.split('data-testid="totp-secret">')[1].split("<")[0]
        token = csrf_token(client, "/account/2fa")
        response = client.post("/account/2fa", data={"csrf_token": token,
                                                     "code": pyotp.TOTP(secret).now()})
        assert response.status_code == 302
        return secret

    def test_enrolled_user_needs_the_code(self, client, make_user, login):
        user = make_user(["reviewer"])
        login(user)
        secret = self._enrol(client, user)
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
        response = login(user)
        assert response.headers["Location"].startswith("/login/otp")
        token = csrf_token(client, "/login/otp")
        wrong = client.post("/login/otp", data={"csrf_token": token, "code": "000000"})
        assert wrong.status_code == 401 and "动态口令错误" in wrong.get_data(as_text=True)
        right = client.post("/login/otp", data={"csrf_token": token,
                                                "code": pyotp.TOTP(secret).now()})
        assert right.status_code == 302
        assert client.get("/").status_code == 200

    def test_required_roles_must_enrol_before_working(self, app, client, make_user, login):
        app.config["REQUIRE_2FA_FOR"] = ["reviewer"]
        try:
            user = make_user(["reviewer"])
            login(user)
            response = client.get("/")
            assert response.headers["Location"].endswith("/account/2fa")
            self._enrol(client, user)
            assert client.get("/").status_code == 200
        finally:
            app.config["REQUIRE_2FA_FOR"] = []

    def test_wrong_enrolment_code_is_rejected(self, client, make_user, login):
        user = make_user()
        login(user)
        client.get("/account/2fa")
        token = csrf_token(client, "/account/2fa")
        response = client.post("/account/2fa", data={"csrf_token": token, "code": "123456"})
        assert response.status_code == 422
        assert "动态口令不正确" in response.get_data(as_text=True)
        db.session.refresh(user)
        assert user.totp_secret is None


def test_language_switch_is_remembered(client, make_user, login):
    user = make_user()
    login(user)
    token = csrf_token(client, "/")
    client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in page
    db.session.refresh(user)
    assert user.locale == "en"


def test_admin_user_list_paginates_with_filters(client, make_user, login):
    login(make_user(["admin"]))
    for _ in range(31):
        make_user(["expert"])
    page = client.get("/admin/users?role=expert").get_data(as_text=True)
    assert "共 31 条" in page
    assert "/admin/users?role=expert&amp;page=2" in page
    second = client.get("/admin/users?role=expert&page=2").get_data(as_text=True)
    assert second.count('href="/admin/users/') >= 1


def test_admin_edit_page_detects_a_concurrent_edit(client, make_user, login):
    login(make_user(["admin"]))
    target = make_user(["officer"], display_name="原来的名字")
    stale_version = target.version
    service.update_user(target, target.version, display_name="别人改的")
    db.session.commit()
    token = csrf_token(client, f"/admin/users/{target.id}/edit")
    response = client.post(f"/admin/users/{target.id}/edit", data={
        "csrf_token": token, "version": stale_version, "display_name": "我改的",
        "roles": "officer", "certificate_no": target.certificate_no, "phone": ""})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "已被他人修改" in page and 'value="别人改的"' in page
    db.session.refresh(target)
    assert target.display_name == "别人改的"
