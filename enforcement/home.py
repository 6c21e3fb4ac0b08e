"""The shell's own pages: the home page per role, the language switch, the health check and the
API docs page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from enforcement import __version__
from enforcement.core.forms import safe_next
from enforcement.core.permissions import authenticated, public
from enforcement.extensions import db

bp = Blueprint("home", __name__)


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("home.html")


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Switch the interface language; remembered in the session and, when signed in, per user."""
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated and current_user.locale != lang:
            current_user.locale = lang
    return redirect(safe_next(request.form.get("next"), url_for("home.index")))


@bp.route("/notifications", methods=["GET", "POST"])
@authenticated
def notifications():
    """站内通知: the signed-in user's messages; POST marks them read."""
    from enforcement.core import notify

    if request.method == "POST":
        notify.mark_read(current_user.id)
        return redirect(url_for("home.notifications"))
    return render_template("notifications.html", items=notify.recent(current_user.id))


@bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
        database = "ok"
    except Exception:
        current_app.logger.exception("health check: database unavailable")
        database = "error"
    status = "ok" if database == "ok" else "error"
    return jsonify(status=status, database=database, version=__version__), \
        200 if status == "ok" else 503


@bp.route("/api/v1/docs")
@public
def api_docs():
    """The OpenAPI document in Swagger UI (assets served from static/vendor)."""
    return render_template("api_docs.html")
