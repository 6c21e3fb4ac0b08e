"""Deny by default: every endpoint declares a permission or that it is public."""

import pytest

from enforcement.core.permissions import (
    AUTHENTICATED,
    PUBLIC,
    ROLE_PERMISSIONS,
    P,
    Role,
    declared_permission,
)
from tests.conftest import bearer


def test_every_endpoint_declares_a_permission(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"OPTIONS"}):
            declared = declared_permission(app, rule.endpoint, method)
            if declared is None:
                undeclared.append(f"{method} {rule.rule} ({rule.endpoint})")
            elif declared not in (PUBLIC, AUTHENTICATED):
                assert all(isinstance(p, P) for p in declared), rule.endpoint
    assert undeclared == [], "endpoints without a permission: " + ", ".join(undeclared)


def test_an_undeclared_endpoint_is_denied(app, client, make_user, login):
    # A route added without @require/@public: the guard refuses it, even to a signed-in admin.
    app.view_functions["home.index"].__dict__.pop("__permission__")
    try:
        login(make_user(["admin"]))
        assert client.get("/").status_code == 403
    finally:
        app.view_functions["home.index"].__permission__ = PUBLIC


def test_separation_of_duties():
    admin = ROLE_PERMISSIONS[Role.ADMIN]
    auditor = ROLE_PERMISSIONS[Role.AUDITOR]
    assert P.AUDIT_READ not in admin, "the system administrator must not read the audit trail"
    assert auditor == {P.AUDIT_READ}, "the auditor reads and changes nothing"


# (method, url, role) → status, through the API with bearer tokens.
API_ACCESS = [
    ("GET", "/api/v1/users", "officer", 200),
    ("GET", "/api/v1/users", "leader", 200),
    ("GET", "/api/v1/users", "admin", 200),
    ("GET", "/api/v1/users", "expert", 403),
    ("GET", "/api/v1/users", "auditor", 403),
    ("POST", "/api/v1/users", "officer", 403),
    ("POST", "/api/v1/users", "leader", 403),
    ("POST", "/api/v1/users", "auditor", 403),
    ("POST", "/api/v1/users", "admin", 422),  # allowed; the empty body is then invalid
    ("GET", "/api/v1/audit/events", "auditor", 200),
    ("GET", "/api/v1/audit/events", "admin", 403),
    ("GET", "/api/v1/audit/events", "officer", 403),
    ("GET", "/api/v1/audit/verify", "auditor", 200),
    ("GET", "/api/v1/audit/verify", "leader", 403),
    ("GET", "/api/v1/me", "expert", 200),
    ("GET", "/api/v1/me", "auditor", 200),
]


@pytest.mark.parametrize(("method", "url", "role", "status"), API_ACCESS)
def test_api_access_table(client, make_user, api_token, method, url, role, status):
    token = api_token(make_user([role]))
    response = client.open(url, method=method, headers=bearer(token),
                           json={} if method == "POST" else None)
    assert response.status_code == status, response.get_json()


PAGE_ACCESS = [
    ("/admin/users", "admin", 200),
    ("/admin/users", "auditor", 403),
    ("/admin/users", "officer", 403),
    ("/audit/", "auditor", 200),
    ("/audit/", "admin", 403),
    ("/audit/", "leader", 403),
    ("/account", "expert", 200),
]


@pytest.mark.parametrize(("url", "role", "status"), PAGE_ACCESS)
def test_page_access_table(client, make_user, login, url, role, status):
    login(make_user([role]))
    assert client.get(url).status_code == status


@pytest.mark.parametrize("url", ["/api/v1/users", "/api/v1/me", "/api/v1/audit/events"])
def test_api_without_token_is_401_problem(client, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "令牌" in response.get_json()["detail"]


def test_pages_without_login_redirect_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_api_ignores_session_cookies(client, make_user, login):
    """The API trusts bearer tokens only, so a page session cannot be abused cross-site."""
    login(make_user(["admin"]))
    assert client.get("/admin/users").status_code == 200
    assert client.get("/api/v1/users").status_code == 401
