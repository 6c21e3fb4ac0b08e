"""Pages: plans of a year, a plan with its capacity arithmetic, shortfall and tasks, and an
officer's own tasks."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from enforcement.core import clock
from enforcement.core.errors import DomainError, ValidationFailed
from enforcement.core.forms import error_messages
from enforcement.core.permissions import P, require
from enforcement.extensions import db
from enforcement.plans import engine, service

bp = Blueprint("plans", __name__, url_prefix="/plans")


@bp.app_template_filter("plan_state")
def plan_state(state: str) -> str:
    return _(service.STATE_LABELS.get(state, state))


@bp.app_template_filter("task_state")
def task_state(state: str) -> str:
    return _(service.TASK_STATE_LABELS.get(state, state))


@bp.route("/")
@require(P.PLANS_READ)
def index():
    plans = db.session.scalars(service.list_plans()).all()
    return render_template("plans/index.html", plans=plans, next_year=clock.today().year + 1,
                           other=engine.other_enforcement_categories(),
                           non=engine.non_enforcement_categories(),
                           campaigns=engine.default_campaigns(0))


@bp.route("/new", methods=["POST"])
@require(P.PLANS_DRAFT)
def new():
    form = request.form
    errors: list[str] = []

    def days(names, prefix):
        out = {}
        for i, name in enumerate(names):
            raw = (form.get(f"{prefix}{i}") or "").strip()
            if raw:
                try:
                    out[name] = float(raw)
                except ValueError:
                    errors.append(_("“%(n)s”应为数字。", n=name))
        return out

    params = {
        "year": form.get("year", type=int), "seed": form.get("seed", type=int),
        "other_enforcement_days": days(engine.other_enforcement_categories(), "o"),
        "non_enforcement_days": days(engine.non_enforcement_categories(), "n"),
        "reserve_ratio": (form.get("reserve_percent", type=float) or 0) / 100
        if form.get("reserve_percent") else None,
        "campaigns": [
            {"code": c.code, "name": c.name, "feature": c.feature,
             "limit": form.get(f"campaign_limit_{c.code}", type=int) or 0}
            for c in engine.default_campaigns(0) if form.get(f"campaign_{c.code}") == "1"],
    }
    for campaign in params["campaigns"]:
        if campaign["limit"] < 1:
            errors.append(_("专项整治“%(n)s”须填写检查家数。", n=campaign["name"]))
    try:
        if errors:
            raise ValidationFailed(_("计划参数有误"), errors={"days": errors})
        if not params["year"]:
            raise ValidationFailed(_("请填写年度"), errors={"year": [_("请填写年度。")]})
        if _registry_size() > current_app.config.get("PLAN_JOB_THRESHOLD", 20000):
            from enforcement.core import jobs

            job = jobs.submit("enforcement.plans.jobs:generate", params, current_user.id,
                              current_user.username,
                              name=_("生成 %(y)s 年度计划", y=params["year"]),
                              created_by=current_user.id)
            return redirect(url_for("system.job_progress", job_id=job.id))
        plan = service.create_plan(params, current_user.id)
    except DomainError as err:
        db.session.rollback()
        flash("；".join(error_messages(err)), "danger")
        return redirect(url_for("plans.index"))
    flash(_("已生成 %(y)s 年计划草案 #%(id)s。", y=plan.year, id=plan.id), "success")
    return redirect(url_for("plans.detail", plan_id=plan.id))


def _registry_size() -> int:
    from enforcement.enterprises.models import Enterprise

    return db.session.scalar(db.select(db.func.count(Enterprise.id))) or 0


@bp.route("/<int:plan_id>")
@require(P.PLANS_READ)
def detail(plan_id: int):
    plan = service.get_plan(plan_id)
    month = request.args.get("month", type=int)
    page = db.paginate(service.tasks_of(plan, month), per_page=50, max_per_page=200)
    from enforcement.auth.models import User
    from enforcement.enterprises.models import Enterprise

    names = dict(db.session.execute(db.select(Enterprise.id, Enterprise.name).where(
        Enterprise.id.in_([t.enterprise_id for t in page.items]))).all())
    officer_ids = {i for t in page.items for i in t.officer_ids}
    officers = dict(db.session.execute(db.select(User.id, User.display_name).where(
        User.id.in_(officer_ids))).all())
    return render_template("plans/detail.html", plan=plan, page=page, month=month, names=names,
                           officers=officers, actions=service.allowed_actions(plan, current_user),
                           charts=service.charts(plan), amendments=service.amendments_of(plan),
                           execution=service.execution(plan)
                           if plan.state in ("approved", "published") else None)


@bp.route("/<int:plan_id>/tasks.xlsx")
@require(P.PLANS_READ)
def export(plan_id: int):
    from enforcement.core.forms import XLSX, download

    plan = service.get_plan(plan_id)
    return download(service.export_tasks_xlsx(plan), f"{plan.year}年度监督检查任务.xlsx", XLSX)


@bp.route("/<int:plan_id>/act", methods=["POST"])
@require(P.PLANS_DRAFT, P.PLANS_APPROVE)
def act(plan_id: int):
    plan = service.get_plan(plan_id)
    try:
        service.act(plan, request.form.get("action", ""), request.form.get("version", type=int),
                    current_user, request.form.get("opinion"))
    except DomainError as err:
        db.session.rollback()
        flash("；".join(error_messages(err)), "danger")
    else:
        flash(_("计划状态已更新为：%(s)s", s=_(service.STATE_LABELS[plan.state])), "success")
    return redirect(url_for("plans.detail", plan_id=plan_id))


@bp.route("/mine")
@require(P.PLANS_READ)
def my_tasks():
    year = request.args.get("year", type=int) or clock.today().year
    month = request.args.get("month", type=int)
    plan = service.published_plan(year)
    tasks = service.tasks_of_officer(plan, current_user.id, month) if plan else []
    from enforcement.enterprises.models import Enterprise

    names = dict(db.session.execute(db.select(Enterprise.id, Enterprise.name).where(
        Enterprise.id.in_([t.enterprise_id for t in tasks]))).all()) if tasks else {}
    return render_template("plans/mine.html", plan=plan, tasks=tasks, year=year, month=month,
                           names=names)


@bp.route("/<int:plan_id>/amend", methods=["POST"])
@require(P.PLANS_APPROVE)
def amend(plan_id: int):
    """计划调整 from the page: move one task to another month, or cancel it, with a reason."""
    plan = service.get_plan(plan_id)
    change = {"task_id": request.form.get("task_id", type=int),
              "month": request.form.get("month", type=int),
              "cancel": request.form.get("cancel") == "1"}
    try:
        service.amend(plan, request.form.get("version", type=int),
                      request.form.get("reason", ""), [change], current_user)
    except DomainError as err:
        db.session.rollback()
        flash("；".join(error_messages(err)), "danger")
    else:
        flash(_("已记录计划调整。"), "success")
    return redirect(url_for("plans.detail", plan_id=plan_id))
