"""Pages: my cases, the case page (timeline, deadlines, evidence, interviews, the action forms
the workflow table allows), upcoming and overdue deadlines, the reviewer's queue and the
leader's approvals, and the public page of published decisions (no login)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from enforcement.cases import discretion, service, violations
from enforcement.cases import schemas as s
from enforcement.cases.workflow import BY_NAME, STATES
from enforcement.core import clock
from enforcement.core.errors import DomainError, ValidationFailed
from enforcement.core.forms import error_messages, int_list
from enforcement.core.permissions import P, public, require
from enforcement.core.schemas import translate_errors
from enforcement.extensions import db

bp = Blueprint("cases", __name__, url_prefix="/cases")
public_bp = Blueprint("publications", __name__, url_prefix="/public")


@bp.app_template_filter("case_state")
def case_state(state: str) -> str:
    return _(STATES.get(state, state))


@bp.app_template_filter("case_action")
def case_action(name: str) -> str:
    return _(service.action_label(name))


def _labels() -> dict[str, Any]:
    return {"sources": service.SOURCE_LABELS, "procedures": service.PROCEDURE_LABELS,
            "evidence_kinds": service.EVIDENCE_LABELS, "other_penalties": service.OTHER_PENALTIES,
            "flags": service.CASE_FLAGS, "points": service.REVIEW_POINTS,
            "grounds": service.NO_PENALTY_GROUNDS, "methods": service.SERVICE_METHODS,
            "appeal_kinds": service.APPEAL_KINDS,
            "circumstances": discretion.CIRCUMSTANCES, "states": STATES}


@bp.route("/")
@require(P.CASES_READ)
def index():
    state = request.args.get("state") or None
    mine = request.args.get("mine", "1" if current_user.has_role("officer") else "0") == "1"
    q = (request.args.get("q") or "").strip() or None
    stmt = service.list_cases(service.Filters(
        state=state if state in STATES else None, q=q,
        officer_id=current_user.id if mine else None))
    cases = list(db.session.scalars(stmt.limit(200)))
    overdue = service.overdue_ids()
    return render_template("cases/index.html", cases=cases, state=state, mine=mine, q=q or "",
                           overdue=overdue, active="cases", **_labels())


@bp.route("/deadlines")
@require(P.CASES_READ)
def deadlines_page():
    days = request.args.get("days", 14, type=int)
    days = days if 1 <= days <= 90 else 14
    rows = service.upcoming(current_user, days=days)
    return render_template("cases/deadlines.html", rows=rows, days=days, today=clock.today(),
                           active="deadlines")


@bp.route("/queue")
@require(P.CASES_APPROVE, P.CASES_REVIEW)
def queue():
    return render_template("cases/queue.html", queues=service.queue(current_user),
                           active="queue")


def _enterprise_choices() -> list:
    from enforcement.enterprises.models import Enterprise

    return list(db.session.execute(db.select(Enterprise.id, Enterprise.name)
                                   .order_by(Enterprise.name).limit(5000)).all())


@bp.route("/new", methods=["GET", "POST"])
@require(P.CASES_HANDLE)
def new():
    from enforcement.inspections import service as inspections_service

    lead = None
    lead_id = request.values.get("lead_id", type=int)
    if lead_id:
        lead = inspections_service.get_lead(lead_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            if lead is not None and lead.case_draft and not request.form.get("facts"):
                case = service.create_from_lead(lead.id, current_user,
                                                int_list(request.form, "officer_ids") or None)
            else:
                data = _load(s.CaseCreateSchema(), _create_payload())
                case = service.create(data, current_user)
        except DomainError as err:
            db.session.rollback()
            errors = err.errors or {"": error_messages(err)}
        else:
            db.session.commit()
            flash(_("案件已登记（预立案）：%(t)s", t=case.title), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    officers = service.officer_choices()
    team = [current_user.id]
    if lead is not None and lead.inspection_id:
        inspection = inspections_service.get_inspection(lead.inspection_id)
        team = list(dict.fromkeys([*([current_user.id] if current_user.id in
                                      inspection.officer_ids else []), *inspection.officer_ids]))
    return render_template("cases/new.html", lead=lead, errors=errors, form=request.form,
                           default_team=team,
                           enterprises=_enterprise_choices(), officers=officers,
                           catalogue=violations.catalogue(), today=clock.today(),
                           active="cases", **_labels()), (422 if errors else 200)


def _blank(value: str | None) -> str | None:
    return value if value not in (None, "") else None


def _create_payload() -> dict[str, Any]:
    form = request.form
    raw: dict[str, Any] = {
        "procedure": form.get("procedure") or "general",
        "source": _blank(form.get("source")),
        "facts": _blank(form.get("facts")),
        "violation_codes": [c for c in form.getlist("violation_codes") if c],
        "discovered_on": _blank(form.get("discovered_on")),
        "officer_ids": int_list(request.form, "officer_ids") or None,
    }
    if form.get("party_kind") == "individual":
        raw["party"] = {"kind": "individual", "name": _blank(form.get("party_name")),
                        "id_number": _blank(form.get("party_id_number")),
                        "address": _blank(form.get("party_address")),
                        "phone": _blank(form.get("party_phone"))}
    else:
        raw["enterprise_id"] = _blank(form.get("enterprise_id"))
    if form.get("inspection_id"):
        raw["inspection_id"] = form.get("inspection_id")
    return {k: v for k, v in raw.items() if v is not None}


def _load(schema: ma.Schema, raw: dict[str, Any]) -> dict[str, Any]:
    try:
        return schema.load(raw)
    except ma.ValidationError as err:
        from enforcement.core.api import flatten_errors

        raise ValidationFailed(_("提交的数据有误"),
                               errors=translate_errors(flatten_errors(err.messages))) from None


@bp.route("/<int:case_id>")
@require(P.CASES_READ)
def detail(case_id: int, errors: dict | None = None, open_action: str | None = None,
           status: int = 200):
    case = service.get_case(case_id)
    view = service.case_view(case, current_user)
    names = service.user_names([*case.officer_ids, *(e.created_by for e in
                                                     service.evidence_of(case))])
    from enforcement.core.storage import StoredFile

    evidence = service.evidence_of(case)
    file_ids = {i for e in evidence for i in e.file_ids}
    files = {f.id: f for f in db.session.scalars(db.select(StoredFile).where(
        StoredFile.id.in_(file_ids or {0})))}
    return render_template(
        "cases/detail.html", case=case, view=view, evidence=evidence, files=files,
        interviews=service.interviews_of(case), reviews=service.reviews_of(case),
        names=names, checks=service.procedure_checks(case), actions=BY_NAME,
        catalogue=violations.catalogue(), errors=errors or {}, open_action=open_action,
        form=request.form if errors else {}, today=clock.today(),
        team=service.officer_choices(), in_team=service.in_team(case, current_user),
        chairs=service.hearing_chairs(case),
        active="cases", **_labels()), status


def _date_or_none(value: str | None):
    return value or None


def _action_payload(name: str) -> dict[str, Any]:
    """The action form → the API's payload (then the same schema validates it)."""
    form = request.form
    raw: dict[str, Any] = {"action": name, "version": form.get("version")}
    action = BY_NAME[name]
    simple = set(action.fields) | set(action.optional)
    for field in simple - {"proposed_penalty", "penalty", "points", "pledge_file_ids",
                           "other", "publish", "consent", "absent", "adopted", "criminal",
                           "instalments"}:
        value = form.get(field)
        if value not in (None, ""):
            raw[field] = value
    for flag in ("publish", "consent", "absent", "adopted", "criminal"):
        if flag in simple and form.get(flag) is not None:
            raw[flag] = form.get(flag) in ("1", "on", "true")
    if name == "decide":   # unchecking every box drops the other penalties
        raw["other"] = [o for o in form.getlist("other") if o]
    elif "other" in simple and form.getlist("other"):
        raw["other"] = [o for o in form.getlist("other") if o]
    if "pledge_file_ids" in simple:
        raw["pledge_file_ids"] = int_list(request.form, "pledge_file_ids")
    if name == "conclude_investigation":
        items = []
        for i in range(20):
            code = form.get(f"item-{i}-violation_code")
            if code is None:
                break
            item = {"violation_code": code,
                    "circumstances": [c for c in form.getlist(f"item-{i}-circumstances") if c]}
            if form.get(f"item-{i}-fine"):
                item["fine"] = form.get(f"item-{i}-fine")
            if form.get(f"item-{i}-reason"):
                item["reason"] = form.get(f"item-{i}-reason")
            items.append(item)
        raw["proposed_penalty"] = {
            "items": items, "other": [o for o in form.getlist("other") if o],
            "flags": [f for f in form.getlist("flags") if f],
            "summary": form.get("summary") or None}
    if name == "decide_on_spot":
        raw["penalty"] = {"fine": form.get("fine") or None,
                          "other": [o for o in form.getlist("other") if o]}
        raw.pop("fine", None)
    if name in ("approve_review", "return_review"):
        points = {}
        for code in service.REVIEW_POINTS:
            value = form.get(f"point-{code}")
            if value in ("yes", "no"):
                points[code] = {"ok": value == "yes", "note": form.get(f"note-{code}") or ""}
        raw["points"] = points
    if "days" in raw:
        raw["days"] = raw["days"]
    return raw


@bp.route("/<int:case_id>/act", methods=["POST"])
@require(P.CASES_HANDLE, P.CASES_APPROVE, P.CASES_REVIEW)
def act(case_id: int):
    case = service.get_case(case_id)
    name = request.form.get("action", "")
    if name not in BY_NAME:
        abort(400)
    try:
        data = _load(s.CaseActionSchema(), _action_payload(name))
        data.pop("action")
        service.perform(case, name, {k: v for k, v in data.items() if v is not None},
                        current_user)
    except DomainError as err:
        db.session.rollback()
        errors = err.errors or {}
        flash("；".join(error_messages(err)), "danger")
        return detail(case_id, errors=errors, open_action=name, status=err.status)
    db.session.commit()
    flash(_("已完成：%(a)s。案件状态：%(s)s", a=_(service.action_label(name)),
            s=_(STATES[case.state])), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/<int:case_id>/evidence", methods=["POST"])
@require(P.CASES_HANDLE)
def add_evidence(case_id: int):
    from enforcement.core import storage

    case = service.get_case(case_id)
    try:
        file_ids = []
        for upload in request.files.getlist("files"):
            if upload and upload.filename:
                file_ids.append(storage.store(upload.stream, upload.filename, current_user.id).id)
        raw = {"kind": request.form.get("kind") or "", "title": request.form.get("title") or "",
               "description": request.form.get("description") or None,
               "collected_on": request.form.get("collected_on") or None,
               "place": request.form.get("place") or None, "file_ids": file_ids,
               "collector_ids": int_list(request.form, "collector_ids") or None}
        data = _load(s.EvidenceCreateSchema(), raw)
        service.add_evidence(case, data, current_user)
    except DomainError as err:
        db.session.rollback()
        flash("；".join(error_messages(err)), "danger")
        return detail(case_id, errors=err.errors or {}, open_action="evidence",
                      status=err.status)
    db.session.commit()
    flash(_("证据已登记"), "success")
    return redirect(url_for("cases.detail", case_id=case_id) + "#evidence")


@bp.route("/<int:case_id>/interviews", methods=["POST"])
@require(P.CASES_HANDLE)
def add_interview(case_id: int):
    case = service.get_case(case_id)
    form = request.form
    qa = [{"q": q, "a": a} for q, a in zip(form.getlist("q"), form.getlist("a"), strict=False)]
    day = form.get("day") or clock.today().isoformat()
    try:
        raw = {"interviewee": {"name": form.get("name") or None, "role": form.get("role") or None,
                               "phone": form.get("phone") or None,
                               "id_number": form.get("id_number") or None},
               "place": form.get("place") or None,
               "started_at": f"{day}T{form.get('start') or '00:00'}:00" if form.get("start")
               else None,
               "ended_at": f"{day}T{form.get('end') or '00:00'}:00" if form.get("end") else None,
               "officer_ids": int_list(request.form, "officer_ids") or None, "qa": qa}
        data = _load(s.InterviewCreateSchema(), raw)
        service.add_interview(case, data, current_user)
    except DomainError as err:
        db.session.rollback()
        flash("；".join(error_messages(err)), "danger")
        return detail(case_id, errors=err.errors or {}, open_action="interview",
                      status=err.status)
    db.session.commit()
    flash(_("询问笔录已保存"), "success")
    return redirect(url_for("cases.detail", case_id=case_id) + "#interviews")


@bp.route("/<int:case_id>/team", methods=["POST"])
@require(P.CASES_HANDLE, P.CASES_APPROVE)
def set_team(case_id: int):
    case = service.get_case(case_id)
    try:
        service.set_team(case, int_list(request.form, "officer_ids"),
                         request.form.get("version", type=int), current_user)
    except DomainError as err:
        db.session.rollback()
        flash("；".join(error_messages(err)), "danger")
        return detail(case_id, errors=err.errors or {}, open_action="team", status=err.status)
    db.session.commit()
    flash(_("承办人已更新"), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/<int:case_id>/publication/withdraw", methods=["POST"])
@require(P.CASES_APPROVE)
def withdraw_publication(case_id: int):
    case = service.get_case(case_id)
    try:
        service.withdraw_publication(case, request.form.get("reason") or "", current_user)
    except DomainError as err:
        db.session.rollback()
        flash("；".join(error_messages(err)), "danger")
    else:
        db.session.commit()
        flash(_("公示已撤回"), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/suggest")
@require(P.CASES_READ)
def suggest():
    """The discretion calculator's answer as a small card (htmx, in the conclusion form)."""
    code = request.args.get("violation_code", "")
    kind = request.args.get("party_kind", "unit")
    circumstances = [c for key in request.args if key.endswith("circumstances")
                     for c in request.args.getlist(key) if c]
    try:
        suggestion = discretion.suggest(code, kind, circumstances)
        error = None
    except (KeyError, ValueError) as err:
        suggestion, error = None, str(err)
    return render_template("cases/_suggestion.html", suggestion=suggestion, error=error)


@public_bp.route("/cases")
@public
def publications():
    """行政执法公示: decided cases with social impact; personal data masked."""
    return render_template("cases/public.html", publications=service.publications(),
                           other_labels=service.OTHER_PENALTIES)
