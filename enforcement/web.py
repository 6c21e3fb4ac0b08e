"""The web shell: extensions, blueprints, per-request policy (login, permissions, idle timeout,
transaction), security headers and error pages."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Flask,
    current_app,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from enforcement.core import clock
from enforcement.core.api import http_title
from enforcement.core.database import configure_engine
from enforcement.core.errors import DomainError, domain_problem, is_api_request, problem
from enforcement.core.headers import security_headers
from enforcement.core.permissions import AUTHENTICATED, PUBLIC, declared_permission
from enforcement.extensions import api, babel, csrf, db, limiter, login_manager, migrate

ROOT_MIGRATIONS = "migrations"


def select_locale() -> str:
    supported = list(current_app.config["LANGUAGES"])
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if is_api_request():
        header = request.accept_languages.best_match(["zh_CN", "zh", "en"])
        if header:
            return "en" if header == "en" else "zh_CN"
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    if session.get("lang") in supported:
        return session["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_extensions(app: Flask) -> None:
    from pathlib import Path

    import enforcement.models  # noqa: F401 - every table, before anything uses the metadata

    clock.set_timezone(app.config["TIMEZONE"])
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / ROOT_MIGRATIONS),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   timezone_selector=lambda: app.config["TIMEZONE"])
    limiter.init_app(app)
    api.init_app(app)

    from enforcement.auth import guard
    from enforcement.core import calendar_store
    from enforcement.enterprises import registry

    guard.init_login(login_manager)
    calendar_store.install(app)
    registry.install(app)
    from enforcement.experts import service as experts_service

    experts_service.install(app)
    from enforcement.cases import service as cases_service
    from enforcement.documents import kinds as documents_kinds
    from enforcement.inspections import service as inspections_service
    from enforcement.plans.inputs import load_rules

    with app.app_context():
        load_rules()  # a bureau's bad plan_rules.toml stops the app here, not at the first plan
        inspections_service.install(app)  # and a bad checklist file here
        cases_service.install(app)  # and a bad violation, discretion or deadline table here
        documents_kinds.install()  # and a document template using a field the data lacks here


def register_blueprints(app: Flask) -> None:
    from enforcement import home
    from enforcement.audit import api as audit_api
    from enforcement.audit import views as audit_views
    from enforcement.auth import api as auth_api
    from enforcement.auth import views as auth_views
    from enforcement.cases import api as cases_api
    from enforcement.cases import views as cases_views
    from enforcement.documents import api as documents_api
    from enforcement.documents import views as documents_views
    from enforcement.enterprises import api as enterprises_api
    from enforcement.enterprises import views as enterprises_views
    from enforcement.experts import api as experts_api
    from enforcement.experts import views as experts_views
    from enforcement.inspections import api as inspections_api
    from enforcement.inspections import views as inspections_views
    from enforcement.plans import api as plans_api
    from enforcement.plans import views as plans_views
    from enforcement.system import api as system_api
    from enforcement.system import views as system_views

    app.register_blueprint(home.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(auth_views.admin_bp)
    app.register_blueprint(audit_views.bp)
    app.register_blueprint(system_views.bp)
    app.register_blueprint(enterprises_views.bp)
    app.register_blueprint(experts_views.bp)
    app.register_blueprint(plans_views.bp)
    app.register_blueprint(inspections_views.bp)
    app.register_blueprint(cases_views.bp)
    app.register_blueprint(cases_views.public_bp)
    app.register_blueprint(documents_views.bp)
    app.register_blueprint(documents_views.verify_bp)
    for blp in (auth_api.blp, auth_api.users_blp, audit_api.blp, system_api.blp,
                enterprises_api.blp, experts_api.blp, plans_api.blp, inspections_api.blp,
                cases_api.blp, documents_api.blp):
        api.register_blueprint(blp)
        csrf.exempt(blp)  # the API takes bearer tokens only: no cookie, nothing to forge


def register_hooks(app: Flask) -> None:
    from enforcement.auth import guard

    app.before_request(guard.check_idle_session)
    app.before_request(enforce_permissions)
    app.before_request(guard.require_account_setup)
    app.after_request(finish_transaction)
    app.after_request(security_headers)

    @app.context_processor
    def shell_context():
        from enforcement.core.permissions import ROLE_LABELS

        return {
            "bureau_name": app.config["BUREAU_NAME"],
            "languages": app.config["LANGUAGES"],
            "role_labels": {k.value: _(v) for k, v in ROLE_LABELS.items()},
            "can": lambda perm: current_user.is_authenticated and current_user.can(perm),
            "local_time": _local_time,
            "now_utc": clock.now(),
            "page_url": _page_url,
            "unread_notifications": _unread,
            "ui_lang": "en" if str(get_locale()).startswith("en") else "zh_CN",
        }


def _unread() -> int:
    from enforcement.core import notify

    return notify.unread_count(current_user.id) if current_user.is_authenticated else 0


def _page_url(number: int) -> str:
    """The current list page with the same filters, at page ``number``."""
    args = {**request.args.to_dict(), "page": number}
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def _local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(clock.local_zone()).strftime(fmt)


def enforce_permissions():
    """Deny by default: the endpoint must declare a permission the user holds, or be public."""
    if request.endpoint is None:
        return None  # no route: the 404 handler answers
    declared = declared_permission(current_app, request.endpoint, request.method)
    if declared is None:
        current_app.logger.error("endpoint %s declares no permission; denied", request.endpoint)
        return _deny(403)
    if declared == PUBLIC:
        return None
    if not current_user.is_authenticated:
        if is_api_request():
            detail = g.get("auth_problem") or _(
                "缺少令牌：请在 Authorization 头中提供 Bearer 令牌。")
            return problem(401, http_title(401), detail, slug="unauthorized",
                           headers={"WWW-Authenticate": 'Bearer realm="api"'})
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if declared == AUTHENTICATED:
        return None
    if not any(current_user.can(p) for p in declared):
        return _deny(403)
    return None


def _deny(code: int):
    if is_api_request():
        return problem(code, http_title(code), _("您的角色没有执行此操作的权限。"),
                       slug="forbidden")
    return render_template("errors/error.html", code=code, title=http_title(code),
                           detail=_("您的账号没有访问此页面的权限。"
                                    "如需开通，请联系系统管理员。")), code


def finish_transaction(response):
    """One request, one transaction: commit on success, roll back on any error status."""
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        if is_api_request():
            return domain_problem(error)
        return render_template("errors/error.html", code=error.status, title=str(error.title),
                               detail=str(error.detail)), error.status

    @app.errorhandler(StaleDataError)
    def stale(error):
        from enforcement.core.errors import StaleVersion

        return domain_error(StaleVersion(_("记录已被他人同时修改，请重新载入后再提交")))

    @app.errorhandler(IntegrityError)
    def integrity(error):
        from enforcement.core.errors import Conflict

        current_app.logger.warning("integrity error: %s", error.orig)
        return domain_error(Conflict(_("数据与已有记录冲突（可能已被他人同时提交），请刷新后重试")))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if is_api_request():
            return problem(400, http_title(400), _("缺少或无效的 CSRF 令牌"), slug="csrf")
        return render_template("errors/error.html", code=400, title=_("表单已失效"),
                               detail=_("页面安全令牌缺失或已过期，请刷新页面后重新提交。"
                                        "您填写的内容没有保存。")), 400
