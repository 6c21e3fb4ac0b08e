"""Pages: sign in and out, second factor, own account; the administrator's user pages."""

from __future__ import annotations

import segno
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from enforcement.auth import schemas as s
from enforcement.auth import service
from enforcement.auth.guard import start_session
from enforcement.auth.models import ROLE_CODES
from enforcement.core import audit, clock
from enforcement.core.errors import DomainError, StaleVersion, ValidationFailed
from enforcement.core.forms import error_messages, parse_form, safe_next
from enforcement.core.permissions import P, authenticated, public, require
from enforcement.extensions import db, limiter

bp = Blueprint("auth", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")

PENDING_2FA_SECONDS = 300


def _login_rate() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_rate, methods=["POST"])
def login():
    next_url = safe_next(request.values.get("next"), url_for("home.index"))
    if current_user.is_authenticated:
        return redirect(next_url)
    errors: dict = {}
    message = None
    status = 200
    if request.method == "POST":
        data, errors = parse_form(s.LoginFormSchema(), request.form)
        if data is not None:
            try:
                user = service.check_password_step(data["username"], data["password"])
            except DomainError as err:
                db.session.commit()  # the failure is counted and audited
                message, status = str(err.detail), err.status
            else:
                if user.totp_secret:
                    session["pending_2fa"] = {"user_id": user.id, "at": clock.now().isoformat()}
                    return redirect(url_for("auth.login_otp", next=next_url))
                service.complete_login(user)
                start_session(user)
                return redirect(next_url)
        else:
            status = 422
    return render_template("auth/login.html", errors=errors, message=message, next=next_url,
                           username=request.form.get("username", "")), status


@bp.route("/login/otp", methods=["GET", "POST"])
@public
@limiter.limit(_login_rate, methods=["POST"])
def login_otp():
    from datetime import datetime

    next_url = safe_next(request.values.get("next"), url_for("home.index"))
    pending = session.get("pending_2fa")
    if not pending or (clock.now() - datetime.fromisoformat(pending["at"])).total_seconds() \
            > PENDING_2FA_SECONDS:
        session.pop("pending_2fa", None)
        flash(_("请重新输入用户名和密码。"), "warning")
        return redirect(url_for("auth.login", next=next_url))
    message, status, errors = None, 200, {}
    if request.method == "POST":
        user = service.get_user(pending["user_id"])
        data, errors = parse_form(s.OtpFormSchema(), request.form)
        if data is not None:
            try:
                if user.locked_until and user.locked_until > clock.now():
                    raise service.TooManyAttempts(service.locked_message(user))
                service.check_second_factor(user, data["code"])
            except DomainError as err:
                db.session.commit()
                message, status = str(err.detail), err.status
            else:
                service.complete_login(user)
                start_session(user)
                return redirect(next_url)
        else:
            status = 422
    return render_template("auth/otp.html", message=message, errors=errors, next=next_url), status


@bp.route("/logout", methods=["POST"])
@authenticated
def logout():
    audit.record("logout", "users", current_user.id)
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("已退出登录。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account")
@authenticated
def account():
    return render_template("auth/account.html", user=current_user)


@bp.route("/account/password", methods=["GET", "POST"])
@authenticated
def change_password():
    errors: dict = {}
    status = 200
    if request.method == "POST":
        data, errors = parse_form(s.PasswordChangeFormSchema(), request.form)
        if data is not None:
            try:
                service.change_own_password(current_user, data["current_password"],
                                            data["new_password"])
            except ValidationFailed as err:
                errors = err.errors or {}
            else:
                session["pw_stamp"] = service.password_stamp(current_user)
                flash(_("密码已修改。"), "success")
                return redirect(url_for("home.index"))
        status = 422
    return render_template("auth/change_password.html", errors=errors,
                           forced=current_user.must_change_password), status


@bp.route("/account/2fa", methods=["GET", "POST"])
@authenticated
def two_factor():
    user = current_user
    errors: dict = {}
    status = 200
    if request.method == "POST":
        if request.form.get("action") == "disable":
            service.disable_totp(user)
            flash(_("已关闭动态口令。"), "info")
            return redirect(url_for("auth.account"))
        secret = session.get("totp_setup")
        if not secret:
            return redirect(url_for("auth.two_factor"))
        try:
            service.enable_totp(user, secret, request.form.get("code", ""))
        except ValidationFailed as err:
            errors, status = err.errors or {}, 422
        else:
            session.pop("totp_setup", None)
            flash(_("动态口令已启用，以后登录时需要输入。"), "success")
            return redirect(url_for("home.index"))
    qr_svg = secret = None
    if not user.totp_secret:
        secret = session.get("totp_setup") or service.new_totp_secret()
        session["totp_setup"] = secret
        qr_svg = segno.make(service.totp_uri(user, secret), error="m").svg_data_uri(scale=5)
    return render_template("auth/two_factor.html", user=user, secret=secret, qr=qr_svg,
                           errors=errors,
                           required=service.requires_second_factor(user)), status


# -- administrator: accounts ------------------------------------------------------------------

@admin_bp.route("/users")
@require(P.USERS_MANAGE)
def users():
    role = request.args.get("role") or None
    if role not in ROLE_CODES:
        role = None
    state = request.args.get("state", "active")
    active = {"active": True, "inactive": False}.get(state)
    q = (request.args.get("q") or "").strip()[:64] or None
    page = db.paginate(service.list_users(role, active, q), per_page=30, max_per_page=100)
    return render_template("admin/users.html", page=page, role=role, state=state, q=q or "",
                           roles=ROLE_CODES)


@admin_bp.route("/users/new", methods=["GET", "POST"])
@require(P.USERS_MANAGE)
def user_new():
    errors: dict = {}
    form = request.form
    status = 200
    if request.method == "POST":
        data, errors = parse_form(s.UserCreateSchema(), form, lists=("roles",))
        if data is not None:
            data["must_change_password"] = True
            try:
                user = service.create_user(service.AccountData(**data))
            except ValidationFailed as err:
                errors = err.errors or {}
            else:
                flash(_("已创建用户 %(name)s，首次登录时须修改初始密码。", name=user.display_name),
                      "success")
                return redirect(url_for("admin.users"))
        status = 422
    return render_template("admin/user_form.html", user=None, form=form, errors=errors,
                           roles=ROLE_CODES), status


@admin_bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@require(P.USERS_MANAGE)
def user_edit(user_id: int):
    user = service.get_user(user_id)
    errors: dict = {}
    status = 200
    form = request.form if request.method == "POST" else None
    if request.method == "POST":
        data, errors = parse_form(s.UserPatchSchema(), request.form, lists=("roles",),
                                  blank_is_none=False)
        if data is not None:
            try:
                service.update_user(user, data.pop("version"), acting_user=current_user, **data)
            except StaleVersion as err:
                db.session.rollback()
                user = service.get_user(user_id)
                flash(str(err.detail), "danger")
                form = None  # show what is stored now
                status = 409
            except ValidationFailed as err:
                errors = err.errors or {}
                status = 422
            else:
                flash(_("已保存用户 %(name)s。", name=user.display_name), "success")
                return redirect(url_for("admin.users"))
        else:
            status = 422
    return render_template("admin/user_form.html", user=user, form=form, errors=errors,
                           roles=ROLE_CODES), status


@admin_bp.route("/users/<int:user_id>/password", methods=["POST"])
@require(P.USERS_MANAGE)
def user_reset_password(user_id: int):
    user = service.get_user(user_id)
    password = service.reset_password(user)
    flash(_("已重置 %(name)s 的密码。临时密码：%(pw)s（仅显示这一次，请当面告知本人）",
            name=user.display_name, pw=password), "warning")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@admin_bp.route("/users/<int:user_id>/active", methods=["POST"])
@require(P.USERS_MANAGE)
def user_set_active(user_id: int):
    user = service.get_user(user_id)
    active = request.form.get("active") == "1"
    try:
        service.update_user(user, request.form.get("version", type=int), active=active,
                            acting_user=current_user)
    except (StaleVersion, ValidationFailed) as err:
        db.session.rollback()
        flash("；".join(error_messages(err)), "danger")
    else:
        flash(_("已启用账号。") if active else _("已停用账号（不会删除，历史记录保留）。"),
              "success")
    return redirect(url_for("admin.user_edit", user_id=user_id))
