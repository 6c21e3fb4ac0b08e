"""Pages: the pool, a profile, the search with explanations, the expert's own portal, and the
officer's view of an assignment."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from enforcement.core import notify
from enforcement.core.errors import DomainError, NotFound
from enforcement.core.forms import error_messages
from enforcement.core.permissions import P, require
from enforcement.enterprises import service as enterprises
from enforcement.experts import service
from enforcement.extensions import db

bp = Blueprint("experts", __name__, url_prefix="/experts")


@bp.route("/")
@require(P.EXPERTS_READ)
def index():
    q = (request.args.get("q") or "").strip()[:60] or None
    group = request.args.get("group") or None
    page = db.paginate(service.list_experts(q, group), per_page=30, max_per_page=100)
    return render_template("experts/index.html", page=page, q=q or "", group=group,
                           groups=service.taxonomy().groups)


@bp.route("/<int:expert_id>")
@require(P.EXPERTS_READ)
def profile(expert_id: int):
    expert = service.get_expert(expert_id)
    return render_template("experts/profile.html", expert=expert,
                           assignments=service.assignments_of_expert(expert),
                           kinds=service.taxonomy().service_kinds)


@bp.route("/<int:expert_id>/engagements", methods=["POST"])
@require(P.EXPERTS_MANAGE)
def add_engagement(expert_id: int):
    from datetime import date as date_type

    expert = service.get_expert(expert_id)
    form = request.form
    try:
        start = date_type.fromisoformat(form.get("start_on") or "")
        end = date_type.fromisoformat(form["end_on"]) if form.get("end_on") else None
        service.add_engagement(expert, enterprise_uscc=form.get("enterprise_uscc", ""),
                               enterprise_name=form.get("enterprise_name", ""),
                               kind=form.get("kind", ""),
                               by_employer=form.get("by_employer") == "1",
                               start_on=start, end_on=end)
    except ValueError:
        flash(_("日期格式无效，应为 YYYY-MM-DD。"), "danger")
    except DomainError as err:
        db.session.rollback()
        flash("；".join(error_messages(err)), "danger")
    else:
        flash(_("已记录服务经历（回避依据）。"), "success")
    return redirect(url_for("experts.profile", expert_id=expert_id))


@bp.route("/<int:expert_id>/relations", methods=["POST"])
@require(P.EXPERTS_MANAGE)
def declare_relation(expert_id: int):
    expert = service.get_expert(expert_id)
    try:
        service.declare_relation(expert, enterprise_uscc=request.form.get("enterprise_uscc", ""),
                                 relation=request.form.get("relation", ""))
    except DomainError as err:
        db.session.rollback()
        flash("；".join(error_messages(err)), "danger")
    else:
        flash(_("已登记申报的利害关系。"), "success")
    return redirect(url_for("experts.profile", expert_id=expert_id))


@bp.route("/search")
@require(P.EXPERTS_READ)
def search():
    q = request.args.get("q") or ""
    enterprise = None
    enterprise_id = request.args.get("enterprise_id", type=int)
    enterprise_q = (request.args.get("enterprise_q") or "").strip()[:100]
    results, error = [], None
    try:
        if enterprise_id:
            enterprise = enterprises.get_enterprise(enterprise_id)
        elif enterprise_q:
            enterprise = db.session.scalars(enterprises.search(
                enterprises.Filters(q=enterprise_q)).limit(1)).first()
            if enterprise is None:
                raise NotFound(_("没有找到企业“%(q)s”", q=enterprise_q))
        if q or enterprise:
            results = service.search(q, enterprise=enterprise, limit=20,
                                     include_excluded=bool(request.args.get("show_excluded")))
    except DomainError as err:
        error = str(err.detail)
    needs = service.needs_of(enterprise) if enterprise else []
    return render_template("experts/search.html", q=q, enterprise=enterprise, results=results,
                           error=error, needs=needs,
                           show_excluded=bool(request.args.get("show_excluded")))


@bp.route("/assignments", methods=["POST"])
@require(P.ASSIGNMENTS_MANAGE)
def invite():
    enterprise_id = request.form.get("enterprise_id", type=int)
    try:
        if enterprise_id is None:
            raise NotFound(_("请先选择检查对象企业"))
        enterprise = enterprises.get_enterprise(enterprise_id)
        assignment = service.invite(
            enterprise=enterprise, expert_id=request.form.get("expert_id", type=int),
            auto=request.form.get("auto") == "1", purpose=request.form.get("purpose", ""),
            respond_by=None, user_id=current_user.id)
    except DomainError as err:
        db.session.rollback()
        flash(str(err.detail), "danger")
        return redirect(request.referrer or url_for("experts.search"))
    flash(_("已邀请专家 %(n)s，等待答复。", n=assignment.expert.name), "success")
    return redirect(url_for("experts.assignment", assignment_id=assignment.id))


@bp.route("/assignments/<int:assignment_id>")
@require(P.ASSIGNMENTS_MANAGE)
def assignment(assignment_id: int):
    service.expire_overdue()
    item = service.get_assignment(assignment_id)
    chain = [item]
    while chain[-1].previous_id:
        chain.append(service.get_assignment(chain[-1].previous_id))
    later = db.session.scalars(db.select(type(item)).where(
        type(item).previous_id == item.id)).first()
    return render_template("experts/assignment.html", a=item, chain=chain[1:], later=later,
                           enterprise=enterprises.get_enterprise(item.enterprise_id),
                           actions=service.allowed_actions(item, current_user))


@bp.route("/assignments/<int:assignment_id>/act", methods=["POST"])
@require(P.ASSIGNMENTS_MANAGE, P.EXPERT_SELF)
def act(assignment_id: int):
    item = service.get_assignment(assignment_id)
    action = request.form.get("action", "")
    data = {"reason": request.form.get("reason"), "conflict": request.form.get("conflict") == "1",
            "opinion": request.form.get("opinion"), "note": request.form.get("note"),
            "rating": request.form.get("rating", type=int)}
    try:
        follow_up = service.act(item, current_user, action, request.form.get("version", type=int),
                                data)
    except service.InvitationExpired as err:
        db.session.commit()  # the expiry (and any next invitation) stands
        flash(str(err.detail), "danger")
    except DomainError as err:
        db.session.rollback()
        messages = error_messages(err)
        flash("；".join(messages), "danger")
    else:
        labels = {"accept": _("已接受邀请。"), "decline": _("已谢绝邀请。"),
                  "withdraw": _("已撤回邀请。"), "submit_opinion": _("已提交专家意见。"),
                  "rate": _("已评价。")}
        flash(labels.get(action, _("已完成。")), "success")
        if follow_up is not None and current_user.can(P.ASSIGNMENTS_MANAGE):
            flash(_("已自动邀请下一位专家：%(n)s", n=follow_up.expert.name), "info")
    if current_user.can(P.ASSIGNMENTS_MANAGE):
        return redirect(url_for("experts.assignment", assignment_id=assignment_id))
    return redirect(url_for("experts.portal"))


@bp.route("/me")
@require(P.EXPERT_SELF)
def portal():
    service.expire_overdue()
    expert = service.expert_of_user(current_user)
    items = service.assignments_of_expert(expert) if expert else []
    names = {e.id: e.name for e in enterprises_by_id({a.enterprise_id for a in items})}
    notify.mark_read(current_user.id)
    return render_template("experts/portal.html", expert=expert, items=items, names=names,
                           today=date.today(),
                           actions={a.id: service.allowed_actions(a, current_user)
                                    for a in items})


def enterprises_by_id(ids: set[int]):
    from enforcement.enterprises.models import Enterprise

    if not ids:
        return []
    return db.session.scalars(db.select(Enterprise).where(Enterprise.id.in_(ids))).all()


@bp.route("/me/profile", methods=["POST"])
@require(P.EXPERT_SELF)
def update_own_profile():
    """The expert keeps their own skills, phone and availability up to date."""
    expert = service.expert_of_user(current_user)
    if expert is None:
        raise NotFound(_("您的账号尚未关联专家档案"))
    skills = [s for s in (request.form.get("skills") or "").replace("，", "、").replace(",", "、")
              .split("、") if s.strip()]
    data = {"skills": skills, "available": request.form.get("available") == "1",
            "phone": request.form.get("phone") or None}
    try:
        service.update_expert(expert, request.form.get("version", type=int), data, by_self=True)
    except DomainError as err:
        db.session.rollback()
        messages = error_messages(err)
        flash("；".join(messages), "danger")
    else:
        flash(_("已更新专长与可用状态。"), "success")
    return redirect(url_for("experts.portal"))
