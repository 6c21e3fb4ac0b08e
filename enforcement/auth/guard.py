"""Per-request login policy: who the caller is (session or bearer token), idle timeout, and the
account set-up a user must finish before working (first-login password change, required 2FA)."""

from __future__ import annotations

from datetime import datetime

from flask import flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, logout_user

from enforcement.auth import service
from enforcement.auth.models import User
from enforcement.core import audit, clock
from enforcement.core.errors import is_api_request, problem
from enforcement.extensions import db

# Pages a user may open while the account set-up is unfinished.
SETUP_ENDPOINTS = {"auth.change_password", "auth.logout", "auth.two_factor", "static",
                   "home.set_language"}
API_SETUP_ENDPOINTS = {"auth_api.Me", "auth_api.MyPassword", "auth_api.CurrentToken",
                       "auth_api.Tokens"}


def init_login(manager: LoginManager) -> None:
    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        if is_api_request():
            return None  # the API trusts bearer tokens only
        user = db.session.get(User, int(user_id))
        if user is None or not user.active:
            return None
        if session.get("pw_stamp") != service.password_stamp(user):
            return None  # password changed or reset since this session began
        return user

    @manager.request_loader
    def load_from_token(req) -> User | None:
        if not is_api_request():
            return None
        header = req.headers.get("Authorization", "")
        if not header:
            return None
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            g.auth_problem = _("Authorization 头格式应为：Bearer <令牌>。")
            return None
        check = service.check_token(raw.strip())
        if check.token is None:
            g.auth_problem = check.problem
            return None
        g.api_token = check.token
        return check.token.user


def start_session(user: User) -> None:
    """After a successful login: a fresh session bound to the current password."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    from flask_login import login_user

    login_user(user)
    session.permanent = True
    session["pw_stamp"] = service.password_stamp(user)
    session["last_seen"] = clock.now().isoformat()


def check_idle_session():
    """End a page session after SESSION_IDLE_MINUTES without a request."""
    if is_api_request() or request.endpoint == "static":
        return None
    if not current_user.is_authenticated:
        return None
    raw = session.get("last_seen")
    last = datetime.fromisoformat(raw) if raw else None
    if service.session_expired(last):
        audit.record("session_timeout", "users", current_user.id)
        db.session.commit()
        logout_user()
        lang = session.get("lang")
        session.clear()
        if lang:
            session["lang"] = lang
        flash(_("长时间未操作，已自动退出，请重新登录。"), "warning")
        target = url_for("auth.login", next=request.full_path.rstrip("?"))
        if request.headers.get("HX-Request"):
            return "", 401, {"HX-Redirect": target}
        return redirect(target)
    session["last_seen"] = clock.now().isoformat()
    return None


def require_account_setup():
    """First-login password change and required 2FA enrolment come before any work."""
    if request.endpoint is None or not current_user.is_authenticated:
        return None
    user: User = current_user
    if is_api_request():
        if user.must_change_password and request.endpoint not in API_SETUP_ENDPOINTS:
            return problem(403, _("须先修改初始密码"),
                           _("这是初始密码，请先通过 POST /api/v1/me/password 或网页修改密码。"),
                           slug="password-change-required")
        return None
    if request.endpoint in SETUP_ENDPOINTS:
        return None
    if user.must_change_password:
        flash(_("首次登录或密码已被重置，请先修改密码。"), "warning")
        return redirect(url_for("auth.change_password"))
    if service.requires_second_factor(user) and not user.totp_secret:
        flash(_("您的角色要求使用动态口令，请先完成绑定。"), "warning")
        return redirect(url_for("auth.two_factor"))
    return None
