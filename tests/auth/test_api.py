"""The API shell through HTTP: tokens, problem+json, validation, pagination, versions."""

import json
from datetime import timedelta

import pytest

from enforcement.auth.models import ApiToken, User
from enforcement.core import clock
from enforcement.extensions import db
from tests.conftest import PASSWORD, bearer


def test_token_lifecycle(client, make_user):
    user = make_user(["officer", "leader"], display_name="李卫东")
    response = client.post("/api/v1/auth/tokens",
                           json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "expires_at", "user"}
    assert body["user"] == {"id": user.id, "username": user.username, "display_name": "李卫东",
                            "roles": ["officer", "leader"], "certificate_no": user.certificate_no}
    assert body["expires_at"].endswith("+08:00")
    # Only the hash is stored.
    assert db.session.query(ApiToken).filter_by(token_hash=body["token"]).count() == 0
    headers = bearer(body["token"])
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.delete("/api/v1/auth/tokens/current", headers=headers).status_code == 204
    revoked = client.get("/api/v1/me", headers=headers)
    assert revoked.status_code == 401
    assert revoked.get_json()["detail"] == "令牌已注销。"


def test_expired_token_is_401(client, make_user, api_token, frozen):
    token = api_token(make_user())
    frozen(clock.now() + timedelta(hours=13))
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert "过期" in response.get_json()["detail"]


def test_malformed_authorization_header(client):
    response = client.get("/api/v1/me", headers={"Authorization": "Token abc"})
    assert response.status_code == 401
    assert "Bearer" in response.get_json()["detail"]


def test_wrong_credentials_401_then_429_when_locked(client, make_user):
    user = make_user()
    body = {"username": user.username, "password": "Wrong-pass-1"}
    statuses = [client.post("/api/v1/auth/tokens", json=body).status_code for _ in range(5)]
    assert statuses == [401] * 5
    locked = client.post("/api/v1/auth/tokens",
                         json={"username": user.username, "password": PASSWORD})
    assert locked.status_code == 429
    problem = locked.get_json()
    assert locked.content_type == "application/problem+json"
    assert problem["status"] == 429 and "锁定" in problem["detail"]


def test_login_rate_limit_per_address(app, client, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [client.post("/api/v1/auth/tokens",
                                json={"username": "nobody", "password": "x"}).status_code
                    for _ in range(4)]
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "10000 per minute"
    assert statuses == [401, 401, 401, 429]


def test_otp_is_required_once_enrolled(client, make_user):
    import pyotp

    from enforcement.auth import service

    user = make_user()
    secret = pyotp.random_base32()
    service.enable_totp(user, secret, pyotp.TOTP(secret).now())
    db.session.commit()
    creds = {"username": user.username, "password": PASSWORD}
    missing = client.post("/api/v1/auth/tokens", json=creds)
    assert missing.status_code == 401 and "动态口令" in missing.get_json()["detail"]
    ok = client.post("/api/v1/auth/tokens", json=dict(creds, otp=pyotp.TOTP(secret).now()))
    assert ok.status_code == 201


def test_must_change_password_blocks_the_api_until_changed(client, make_user, api_token):
    user = make_user(must_change=True)
    token = api_token(user)
    blocked = client.get("/api/v1/users", headers=bearer(token))
    assert blocked.status_code == 403
    assert "初始密码" in blocked.get_json()["title"]
    changed = client.post("/api/v1/me/password", headers=bearer(token),
                          json={"current_password": PASSWORD, "new_password": "Fresh-pass-77"})
    assert changed.status_code == 204
    assert client.get("/api/v1/users", headers=bearer(token)).status_code == 200


def test_malformed_json_is_400_problem(client, make_user, api_token):
    token = api_token(make_user(["admin"]))
    response = client.post("/api/v1/users", headers=dict(bearer(token), **{
        "Content-Type": "application/json"}), data="{not json")
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert response.get_json()["detail"] == "请求体不是有效的 JSON"


def test_unknown_and_missing_fields_are_422_per_field(client, make_user, api_token):
    token = api_token(make_user(["admin"]))
    before = db.session.query(User).count()
    response = client.post("/api/v1/users", headers=bearer(token), json={
        "username": "newone", "roles": ["officer", "wizard"], "colour": "red"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["colour"] == ["未知字段。"]
    assert errors["display_name"] == ["此字段为必填项。"]
    assert errors["password"] == ["此字段为必填项。"]
    assert any("必须是以下之一" in m for m in errors["roles.1"])
    assert db.session.query(User).count() == before


def test_errors_follow_accept_language(client, make_user, api_token):
    token = api_token(make_user(["admin"]))
    response = client.post("/api/v1/users", json={"colour": "red"},
                           headers=dict(bearer(token), **{"Accept-Language": "en"}))
    body = response.get_json()
    assert body["errors"]["colour"] == ["Unknown field."]
    assert body["errors"]["username"] == ["This field is required."]
    assert body["title"] == "Invalid data submitted"


def test_admin_creates_and_edits_users(client, make_user, api_token):
    token = api_token(make_user(["admin"]))
    created = client.post("/api/v1/users", headers=bearer(token), json={
        "username": "Zhao.Lin", "display_name": "赵琳", "roles": ["officer"],
        "password": "Initial-pass-1", "certificate_no": "37083099001", "phone": "13800000000"})
    assert created.status_code == 201, created.get_json()
    user = created.get_json()
    assert user["username"] == "zhao.lin" and user["must_change_password"] is True
    patched = client.patch(f"/api/v1/users/{user['id']}", headers=bearer(token), json={
        "version": user["version"], "roles": ["officer", "leader"]})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["roles"] == ["officer", "leader"]
    assert patched.get_json()["version"] == user["version"] + 1


def test_stale_version_is_409_and_changes_nothing(client, make_user, api_token):
    token = api_token(make_user(["admin"]))
    target = make_user(["officer"], display_name="原名")
    url = f"/api/v1/users/{target.id}"
    first = client.patch(url, headers=bearer(token),
                         json={"version": target.version, "display_name": "新名"})
    assert first.status_code == 200
    second = client.patch(url, headers=bearer(token),
                          json={"version": target.version, "display_name": "覆盖"})
    assert second.status_code == 409
    assert second.get_json()["type"] == "/problems/stale-version"
    assert client.get(url, headers=bearer(token)).get_json()["display_name"] == "新名"


def test_duplicate_username_and_certificate_are_422(client, make_user, api_token):
    token = api_token(make_user(["admin"]))
    existing = make_user(["officer"])
    response = client.post("/api/v1/users", headers=bearer(token), json={
        "username": existing.username, "display_name": "重复", "roles": ["officer"],
        "password": "Initial-pass-1", "certificate_no": existing.certificate_no})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["username"] == ["用户名已被使用。"]
    assert "执法证号已属于" in errors["certificate_no"][0]


def test_officer_role_requires_a_certificate(client, make_user, api_token):
    token = api_token(make_user(["admin"]))
    response = client.post("/api/v1/users", headers=bearer(token), json={
        "username": "nocert", "display_name": "无证", "roles": ["officer"],
        "password": "Initial-pass-1"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["certificate_no"] == ["执法人员必须填写执法证号。"]


def test_users_list_filters_by_role_and_paginates(client, make_user, api_token):
    token = api_token(make_user(["leader"]))
    for _ in range(3):
        make_user(["officer"])
    make_user(["expert"])
    response = client.get("/api/v1/users?role=officer&page_size=2", headers=bearer(token))
    assert response.status_code == 200
    users = response.get_json()
    assert len(users) == 2 and all("officer" in u["roles"] for u in users)
    assert set(users[0]) == {"id", "username", "display_name", "roles", "certificate_no"}
    pagination = json.loads(response.headers["X-Pagination"])
    assert pagination == {"total": 3, "total_pages": 2, "first_page": 1, "last_page": 2,
                          "page": 1, "next_page": 2}
    too_big = client.get("/api/v1/users?page_size=101", headers=bearer(token))
    assert too_big.status_code == 422 and "page_size" in too_big.get_json()["errors"]
    bad_role = client.get("/api/v1/users?role=wizard", headers=bearer(token))
    assert bad_role.status_code == 422


def test_admin_resets_a_password(client, make_user, api_token):
    token = api_token(make_user(["admin"]))
    target = make_user(["officer"])
    old_token = api_token(target)
    response = client.post(f"/api/v1/users/{target.id}/password", headers=bearer(token), json={})
    assert response.status_code == 200
    temporary = response.get_json()["password"]
    assert client.get("/api/v1/me", headers=bearer(old_token)).status_code == 401
    login = client.post("/api/v1/auth/tokens",
                        json={"username": target.username, "password": temporary})
    assert login.status_code == 201


def test_admin_cannot_deactivate_themself(client, make_user, api_token):
    admin = make_user(["admin"])
    token = api_token(admin)
    db.session.refresh(admin)
    response = client.patch(f"/api/v1/users/{admin.id}", headers=bearer(token),
                            json={"version": admin.version, "active": False})
    assert response.status_code == 422
    assert "不能停用自己" in response.get_json()["errors"]["active"][0]


def test_unknown_resource_is_404_problem(client, make_user, api_token):
    token = api_token(make_user(["admin"]))
    response = client.get("/api/v1/users/999999", headers=bearer(token))
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    missing_route = client.get("/api/v1/nothing-here", headers=bearer(token))
    assert missing_route.status_code == 404
    assert missing_route.content_type == "application/problem+json"


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["version"]


def test_openapi_document_and_docs_page(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    paths = spec.get_json()["paths"]
    assert "/api/v1/auth/tokens" in paths and "/api/v1/users" in paths
    assert "bearerAuth" in spec.get_json()["components"]["securitySchemes"]
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "swagger-ui-bundle.js" in page
    assert "http://" not in page and "https://" not in page


def test_json_is_utf8_unescaped(client, make_user, api_token):
    token = api_token(make_user(display_name="王海涛"))
    raw = client.get("/api/v1/me", headers=bearer(token)).get_data(as_text=True)
    assert "王海涛" in raw


@pytest.mark.parametrize("header", ["Content-Security-Policy", "X-Content-Type-Options",
                                    "Referrer-Policy", "X-Frame-Options"])
def test_security_headers(client, header):
    assert header in client.get("/login").headers
