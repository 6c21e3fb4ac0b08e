"""Pages: the job progress fragment (htmx), the administrator's legal calendar."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from enforcement.core import calendar_store, clock, jobs
from enforcement.core.errors import ValidationFailed
from enforcement.core.forms import error_messages
from enforcement.core.permissions import P, authenticated, require
from enforcement.system import service

bp = Blueprint("system", __name__)


@bp.route("/jobs/<job_id>")
@authenticated
def job_progress(job_id: str):
    """A progress bar that refreshes itself (htmx) until the job has finished."""
    job = service.job_for(current_user, job_id)
    template = "system/_job_progress.html" if request.headers.get("HX-Request") \
        else "system/job.html"
    return render_template(template, job=jobs.status_of(job))


@bp.route("/admin/calendar", methods=["GET", "POST"])
@require(P.CALENDAR_MANAGE)
def calendar():
    year = request.values.get("year", type=int) or clock.today().year + 1
    errors: list[str] = []
    status = 200
    text = request.form.get("entries", "")
    if request.method == "POST":
        try:
            service.enter_year(year, text, request.form.get("source", ""), current_user.id)
        except ValidationFailed as err:
            errors = error_messages(err)
            status = 422
        else:
            flash(_("已保存 %(y)s 年法定节假日。", y=year), "success")
            return redirect(url_for("system.calendar", year=year))
    info = service.year_info(year) if 2004 <= year <= 2100 else None
    return render_template("system/calendar.html", year=year, info=info, text=text,
                           errors=errors, entered=calendar_store.entered_years()), status
