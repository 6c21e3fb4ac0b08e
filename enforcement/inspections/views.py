"""Pages: my inspections today, starting a record, the record itself (a phone in a plant: one
item at a time, sent as it is answered, kept in the browser while offline), signatures, the
rectification order, re-checks, the hazard list and the lead inbox."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from enforcement.core import clock, storage
from enforcement.core.errors import DomainError, ValidationFailed
from enforcement.core.forms import error_messages, int_list
from enforcement.core.permissions import P, require
from enforcement.extensions import db
from enforcement.inspections import service
from enforcement.inspections.models import MEASURES, Inspection

bp = Blueprint("inspections", __name__, url_prefix="/inspections")


@bp.app_template_filter("inspection_state")
def inspection_state(state: str) -> str:
    return _(service.STATE_LABELS.get(state, state))


@bp.app_template_filter("hazard_state")
def hazard_state(state: str) -> str:
    return _(service.HAZARD_STATE_LABELS.get(state, state))


@bp.app_template_filter("lead_state")
def lead_state(state: str) -> str:
    return _(service.LEAD_STATE_LABELS.get(state, state))


@bp.app_template_filter("lead_source")
def lead_source(source: str) -> str:
    return _(service.LEAD_SOURCE_LABELS.get(source, source))


@bp.app_template_global("new_client_key")
def new_client_key() -> str:
    return uuid.uuid4().hex


def _is_htmx() -> bool:
    return bool(request.headers.get("HX-Request"))


def _redirect(url: str):
    """A redirect that htmx follows as a page load."""
    if _is_htmx():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


def _date(name: str) -> date | None:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(_("日期格式无效"), errors={name: [
            _("日期格式无效，应为 YYYY-MM-DD。")]}) from None


def _datetime(name: str) -> datetime | None:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(_("时间格式无效"), errors={name: [_("时间格式无效。")]}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.local_zone())


def _uploads(field: str = "photos") -> list[int]:
    """Store the photos or videos sent with a form (by content; size-limited) → file ids."""
    ids = []
    for upload in request.files.getlist(field):
        if upload and upload.filename:
            ids.append(storage.store(upload.stream, upload.filename, current_user.id).id)
    return ids


# -- today and lists --------------------------------------------------------------------------

@bp.route("/")
@require(P.INSPECTIONS_READ)
def today():
    summary = service.today_for(current_user)
    ids = [t.enterprise_id for t in summary["tasks"]] + \
        [i.enterprise_id for i in summary["in_progress"] + summary["done"]]
    overdue = db.session.scalar(db.select(db.func.count()).select_from(
        service.hazards_query(due="overdue", officer_id=current_user.id).subquery()))
    return render_template("inspections/today.html", names=service.enterprise_names(ids),
                           overdue=overdue, today=clock.today(), **summary)


@bp.route("/records")
@require(P.INSPECTIONS_READ)
def records():
    filters = service.Filters(state=request.args.get("state") or None,
                              enterprise_id=request.args.get("enterprise_id", type=int),
                              task_id=request.args.get("task_id", type=int),
                              officer_id=current_user.id if request.args.get("mine") else None)
    page = db.paginate(service.list_inspections(filters), per_page=30, max_per_page=100)
    return render_template("inspections/records.html", page=page, filters=filters,
                           names=service.enterprise_names(i.enterprise_id for i in page.items))


# -- starting a record ------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@require(P.INSPECTIONS_RECORD)
def new():
    task = lead = None
    task_id = request.values.get("task_id", type=int)
    lead_id = request.values.get("lead_id", type=int)
    if task_id:
        from enforcement.plans import service as plans_service

        task = plans_service.get_task(task_id)
    if lead_id:
        lead = service.get_lead(lead_id)
    enterprise_id = request.values.get("enterprise_id", type=int) or \
        (task.enterprise_id if task else lead.enterprise_id if lead else None)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = {
            "task_id": task_id, "lead_id": lead_id, "enterprise_id": enterprise_id,
            "reason": request.form.get("reason"), "purpose": request.form.get("purpose"),
            "officer_ids": int_list(request.form, "officer_ids"),
            "expert_ids": int_list(request.form, "expert_ids"),
            "place": request.form.get("place"),
            "representative": {"name": request.form.get("rep_name"),
                               "title": request.form.get("rep_title"),
                               "phone": request.form.get("rep_phone")},
            "client_key": (request.form.get("client_key") or "")[:64] or None,
        }
        try:
            data["started_at"] = _datetime("started_at")
            inspection = service.start(data, current_user)
        except DomainError as err:
            db.session.rollback()
            errors = err.errors or {"form": [str(err.detail)]}
        else:
            return _redirect(url_for("inspections.record", inspection_id=inspection.id))
    enterprise = None
    if enterprise_id:
        from enforcement.enterprises.models import Enterprise

        enterprise = db.session.get(Enterprise, enterprise_id)
    experts, accepted = service.expert_choices(task_id)
    selected = set(int_list(request.form, "officer_ids")) if request.method == "POST" else \
        set(task.officer_ids if task else [current_user.id])
    html = render_template("inspections/new.html", task=task, lead=lead, enterprise=enterprise,
                           officers=service.officer_choices(), selected=selected,
                           experts=experts, accepted=accepted, errors=errors,
                           form=request.form, now=clock.local(clock.now()))
    return html, (422 if errors else 200)


@bp.route("/enterprise-options")
@require(P.INSPECTIONS_RECORD)
def enterprise_options():
    """Search box of an ad hoc inspection: the first matches as radio choices."""
    from enforcement.enterprises import service as registry_service

    q = (request.args.get("q") or "").strip()
    found = db.session.scalars(registry_service.search(registry_service.Filters(q=q))
                               .limit(8)).all() if q else []
    return render_template("inspections/_enterprise_options.html", found=found, q=q)


# -- the record -------------------------------------------------------------------------------

def _record_context(inspection) -> dict:
    from enforcement.enterprises.models import Enterprise
    from enforcement.experts.models import Expert

    enterprise = db.session.get(Enterprise, inspection.enterprise_id)
    experts = dict(db.session.execute(db.select(Expert.id, Expert.name).where(
        Expert.id.in_(inspection.expert_ids or [0]))).all())
    file_ids = {f for i in inspection.items for f in i.file_ids} | \
        {f for h in inspection.hazards for f in h.file_ids + h.review_file_ids}
    files = {f.id: f for f in db.session.scalars(db.select(storage.StoredFile).where(
        storage.StoredFile.id.in_(file_ids or [0])))}
    groups: dict[str, list] = {}
    for item in inspection.items:
        groups.setdefault(item.group, []).append(item)
    return {"inspection": inspection, "enterprise": enterprise,
            "officers": service.user_names(inspection.officer_ids), "experts": experts,
            "files": files, "groups": groups, "editable": inspection.state == "in_progress"
            and service.in_team(inspection, current_user),
            "hazard_by_item": {h.item_code: h for h in inspection.hazards if h.item_code},
            "measures": MEASURES, "measure_labels": service.MEASURE_LABELS,
            "result_labels": service.RESULT_LABELS, "role_labels": service.ROLE_LABELS,
            "actions": service.allowed_actions(inspection, current_user),
            "missing": service.missing_signatures(inspection)
            if inspection.state == "in_progress" else [],
            "default_deadline": service.default_deadline,
            "amendments": service.amendments_of(inspection),
            "proposals": service.proposals_of(inspection), "today": clock.today()}


@bp.route("/<int:inspection_id>")
@require(P.INSPECTIONS_READ)
def record(inspection_id: int):
    inspection = service.get_inspection(inspection_id)
    return render_template("inspections/record.html", **_record_context(inspection))


def _item_card(inspection, code: str, errors=None, status: int = 200):
    context = _record_context(inspection)
    item = service.item_of(inspection, code)
    return render_template("inspections/_item.html", item=item, errors=errors or {},
                           **context), status


@bp.route("/<int:inspection_id>/items/<code>", methods=["POST"])
@require(P.INSPECTIONS_RECORD)
def answer(inspection_id: int, code: str):
    inspection = service.get_inspection(inspection_id)
    try:
        data = {"result": request.form.get("result"), "note": request.form.get("note"),
                "rectify_by": _date("rectify_by"),
                "measures": request.form.getlist("measures") or None,
                "measures_note": request.form.get("measures_note")}
        new_files = _uploads()
        if new_files:
            data["file_ids"] = service.item_of(inspection, code).file_ids + new_files
        service.answer(inspection, code, data, current_user)
    except DomainError as err:
        db.session.rollback()
        if not _is_htmx():
            flash("；".join(error_messages(err)), "danger")
            return redirect(url_for("inspections.record", inspection_id=inspection_id,
                                    _anchor=f"item-{code}"))
        inspection = service.get_inspection(inspection_id)
        return _item_card(inspection, code, err.errors or {"form": [str(err.detail)]},
                          err.status)
    if not _is_htmx():
        return redirect(url_for("inspections.record", inspection_id=inspection_id,
                                _anchor=f"item-{code}"))
    return _item_card(inspection, code)


def _back(inspection_id: int, anchor: str | None = None):
    return _redirect(url_for("inspections.record", inspection_id=inspection_id,
                             _anchor=anchor) if anchor else
                     url_for("inspections.record", inspection_id=inspection_id))


def _act(inspection_id: int, anchor: str, work, success: str):
    """Run ``work``; flash its errors or ``success``; back to the record."""
    try:
        work()
    except DomainError as err:
        db.session.rollback()
        flash("；".join(error_messages(err)), "danger")
    else:
        flash(success, "success")
    return _back(inspection_id, anchor)


@bp.route("/<int:inspection_id>/header", methods=["POST"])
@require(P.INSPECTIONS_RECORD)
def header(inspection_id: int):
    inspection = service.get_inspection(inspection_id)
    data = {"place": request.form.get("place"), "purpose": request.form.get("purpose"),
            "findings": request.form.get("findings"),
            "representative": {"name": request.form.get("rep_name"),
                               "title": request.form.get("rep_title"),
                               "phone": request.form.get("rep_phone")}}
    return _act(inspection_id, "header", lambda: service.update_header(
        inspection, request.form.get("version", type=int), data, current_user),
        _("已保存。"))


@bp.route("/<int:inspection_id>/hazards", methods=["POST"])
@require(P.INSPECTIONS_RECORD)
def add_hazard(inspection_id: int):
    """A free finding (检查发现的其他问题) as a hazard."""
    inspection = service.get_inspection(inspection_id)

    def work():
        service.add_hazard(inspection, {
            "description": request.form.get("description"),
            "major": request.form.get("major") == "1",
            "major_hazard_clause": request.form.get("major_hazard_clause"),
            "rectify_by": _date("rectify_by"),
            "measures": request.form.getlist("measures") or None,
            "file_ids": _uploads(),
            "client_key": (request.form.get("client_key") or "")[:64] or None},
            current_user)

    return _act(inspection_id, "hazards", work, _("已记录隐患。"))


@bp.route("/<int:inspection_id>/sign", methods=["POST"])
@require(P.INSPECTIONS_RECORD)
def sign(inspection_id: int):
    inspection = service.get_inspection(inspection_id)
    role, _sep, who = (request.form.get("signer") or "").partition(":")
    data = {"role": role, "user_id": int(who) if role == "officer" and who.isdigit() else None,
            "expert_id": int(who) if role == "expert" and who.isdigit() else None,
            "name": request.form.get("name"), "refused": request.form.get("refused") == "1",
            "refusal_note": request.form.get("refusal_note"),
            "image": request.form.get("image")}
    return _act(inspection_id, "signatures",
                lambda: service.sign(inspection, data, current_user), _("已签名。"))


@bp.route("/<int:inspection_id>/complete", methods=["POST"])
@require(P.INSPECTIONS_RECORD)
def complete(inspection_id: int):
    inspection = service.get_inspection(inspection_id)
    return _act(inspection_id, "top", lambda: service.complete(
        inspection, request.form.get("version", type=int), current_user),
        _("检查记录已完成并锁定。"))


@bp.route("/<int:inspection_id>/amend", methods=["POST"])
@require(P.INSPECTIONS_RECORD, P.PLANS_APPROVE)
def amend(inspection_id: int):
    inspection = service.get_inspection(inspection_id)
    field = request.form.get("field") or ""
    return _act(inspection_id, "amendments", lambda: service.amend(
        inspection, request.form.get("version", type=int), request.form.get("reason", ""),
        {field: request.form.get("value", "")}, current_user), _("已记录更正。"))


@bp.route("/<int:inspection_id>/open-case", methods=["POST"])
@require(P.LEADS_MANAGE)
def open_case(inspection_id: int):
    inspection = service.get_inspection(inspection_id)
    try:
        lead = service.open_case(inspection, request.form.get("version", type=int),
                                 current_user, int_list(request.form, "hazard_ids") or None,
                                 request.form.get("facts"))
    except DomainError as err:
        db.session.rollback()
        flash("；".join(error_messages(err)), "danger")
        return redirect(url_for("inspections.record", inspection_id=inspection_id))
    flash(_("已提出立案建议，事实、证据和违法行为已带入。"), "success")
    return redirect(url_for("inspections.lead", lead_id=lead.id))


@bp.route("/<int:inspection_id>/order")
@require(P.INSPECTIONS_READ)
def order(inspection_id: int):
    """责令限期整改指令书 as it prints (the numbered, signed PDF is the documents' work)."""
    inspection = service.get_inspection(inspection_id)
    if not inspection.hazards:
        abort(404)
    return render_template("inspections/order.html", **_record_context(inspection))


# -- re-check ---------------------------------------------------------------------------------

@bp.route("/<int:inspection_id>/recheck")
@require(P.INSPECTIONS_READ)
def recheck(inspection_id: int):
    inspection = service.get_inspection(inspection_id)
    return render_template("inspections/recheck.html", **_record_context(inspection),
                           allowed={h.id: service.hazard_allowed_actions(h, current_user)
                                    for h in inspection.hazards})


@bp.route("/hazards/<int:hazard_id>/review", methods=["POST"])
@require(P.INSPECTIONS_RECORD)
def review(hazard_id: int):
    hazard = service.get_hazard(hazard_id)
    try:
        data = {"version": request.form.get("version", type=int),
                "note": request.form.get("note"), "reviewed_on": _date("reviewed_on"),
                "officer_ids": int_list(request.form, "officer_ids") or None}
        data["file_ids"] = _uploads()
        service.review(hazard, request.form.get("action", ""), data, current_user)
    except DomainError as err:
        db.session.rollback()
        flash("；".join(error_messages(err)), "danger")
    else:
        flash(_("已记录复查结果：%(s)s", s=_(service.HAZARD_STATE_LABELS[hazard.state])),
              "success")
    return redirect(url_for("inspections.recheck", inspection_id=hazard.inspection_id,
                            _anchor=f"hazard-{hazard_id}"))


@bp.route("/hazards")
@require(P.INSPECTIONS_READ)
def hazards():
    due = request.args.get("due") or None
    state = request.args.get("state") or (None if due else "open")
    stmt = service.hazards_query(state=state, due=due,
                                 officer_id=current_user.id if request.args.get("mine") else None)
    page = db.paginate(stmt, per_page=50, max_per_page=200)
    return render_template("inspections/hazards.html", page=page, due=due, state=state,
                           names=service.enterprise_names(h.enterprise_id for h in page.items),
                           due_status=service.due_status, today=clock.today())


# -- leads ------------------------------------------------------------------------------------

@bp.route("/leads")
@require(P.INSPECTIONS_READ)
def leads():
    state = request.args.get("state", "new") or None
    page = db.paginate(service.list_leads(state if state != "all" else None,
                                          request.args.get("source") or None),
                       per_page=30, max_per_page=100)
    return render_template("inspections/leads.html", page=page, state=state,
                           names=service.enterprise_names(lead.enterprise_id
                                                          for lead in page.items))


@bp.route("/leads/new", methods=["GET", "POST"])
@require(P.LEADS_MANAGE)
def new_lead():
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            data = {"source": request.form.get("source"),
                    "subject": request.form.get("subject"),
                    "details": request.form.get("details"),
                    "reporter": request.form.get("reporter"),
                    "reporter_contact": request.form.get("reporter_contact"),
                    "enterprise_id": request.form.get("enterprise_id", type=int),
                    "received_at": _datetime("received_at"),
                    "client_key": (request.form.get("client_key") or "")[:64] or None}
            data["file_ids"] = _uploads("files")
            lead = service.create_lead(data, current_user)
        except DomainError as err:
            db.session.rollback()
            errors = err.errors or {"form": [str(err.detail)]}
        else:
            flash(_("已登记线索。"), "success")
            return _redirect(url_for("inspections.lead", lead_id=lead.id))
    return render_template("inspections/lead_form.html", errors=errors, form=request.form,
                           sources=[s for s in service.LEAD_SOURCE_LABELS if s != "inspection"],
                           now=clock.local(clock.now())), (422 if errors else 200)


@bp.route("/leads/<int:lead_id>")
@require(P.INSPECTIONS_READ)
def lead(lead_id: int):
    item = service.get_lead(lead_id)
    from enforcement.enterprises.models import Enterprise

    enterprise = db.session.get(Enterprise, item.enterprise_id) if item.enterprise_id else None
    inspections = db.session.scalars(service.list_inspections(service.Filters()).where(
        db.or_(Inspection.lead_id == item.id,
               Inspection.id == (item.inspection_id or 0)))).all()
    return render_template("inspections/lead.html", lead=item, enterprise=enterprise,
                           inspections=inspections,
                           actions=service.lead_allowed_actions(item, current_user))


@bp.route("/leads/<int:lead_id>/act", methods=["POST"])
@require(P.LEADS_MANAGE)
def lead_act(lead_id: int):
    item = service.get_lead(lead_id)
    action = request.form.get("action", "")
    try:
        service.triage(item, action, {"version": request.form.get("version", type=int),
                                      "reason": request.form.get("reason"),
                                      "facts": request.form.get("facts")}, current_user)
    except DomainError as err:
        db.session.rollback()
        flash("；".join(error_messages(err)), "danger")
        return redirect(url_for("inspections.lead", lead_id=lead_id))
    flash(_("线索已处理：%(s)s", s=_(service.LEAD_STATE_LABELS[item.state])), "success")
    if action == "inspect":
        return redirect(url_for("inspections.new", lead_id=lead_id))
    return redirect(url_for("inspections.lead", lead_id=lead_id))
