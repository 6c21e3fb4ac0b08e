"""The case register: opening cases, taking workflow actions, deadlines, evidence, interviews,
legal review and publication.

``perform`` is the one way a case changes state. It reads the action from ``workflow.ACTIONS``,
checks role, team, version, required fields and the action's guards (``GUARDS``: each returns
``None`` or the reason it fails — with the field it concerns when the input is at fault, so the
answer is a 422 naming the field, otherwise a 409), applies the action's effects (``EFFECTS``)
and appends a timeline row. Services flush; the request commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from enforcement.auth.models import User
from enforcement.cases import deadlines as dl
from enforcement.cases import discretion, violations
from enforcement.cases.models import (
    EVIDENCE_KINDS,
    Case,
    CaseAction,
    CaseOfficer,
    Evidence,
    Interview,
    LegalReview,
    Publication,
)
from enforcement.cases.workflow import (
    ACTION_LABELS,
    BY_NAME,
    FINAL_STATES,
    STATES,
    UNDECIDED,
    Action,
    actions_from,
)
from enforcement.core import clock, crypto, numbering, storage, workdays
from enforcement.core.errors import (
    Forbidden,
    NotFound,
    TransitionNotAllowed,
    ValidationFailed,
)
from enforcement.core.i18n import N_
from enforcement.extensions import db

CASE_NUMBER_CODE = "案"
CENT = Decimal("0.01")
SOURCE_LABELS = {"inspection": N_("监督检查发现"), "complaint": N_("投诉举报"),
                 "monitoring": N_("监测预警"), "referral": N_("移送交办"), "other": N_("其他")}
PROCEDURE_LABELS = {"general": N_("普通程序"), "summary": N_("简易程序")}
PARTY_KIND_LABELS = {"unit": N_("单位"), "individual": N_("个人")}
EVIDENCE_LABELS = {
    "documentary": N_("书证"), "physical": N_("物证"), "audiovisual": N_("视听资料"),
    "electronic": N_("电子数据"), "witness": N_("证人证言"), "party_statement": N_("当事人的陈述"),
    "expert_opinion": N_("鉴定意见"), "inspection_record": N_("勘验笔录、现场笔录"),
}
# 行政处罚法 第九条 (penalty kinds besides a fine), as the proposal and decision name them
OTHER_PENALTIES = {
    "warning": N_("警告"), "confiscate": N_("没收违法所得、没收非法财物"),
    "suspend": N_("责令停产停业整顿"), "revoke": N_("暂扣或者吊销许可证件"),
    "restrict": N_("限制从业"),
}
HEAVY_PENALTIES = frozenset({"suspend", "revoke", "restrict"})  # 第六十三条: hearing right
CASE_FLAGS = {
    "public_interest": N_("涉及重大公共利益"),
    "complex": N_("案情疑难复杂、涉及多个法律关系"),
}
REVIEW_POINTS = {
    "facts_clear": N_("事实是否清楚"),
    "evidence_sufficient": N_("证据是否确凿充分"),
    "basis_correct": N_("适用依据是否准确"),
    "procedure_lawful": N_("程序是否合法"),
    "discretion_appropriate": N_("裁量是否适当"),
}
NO_PENALTY_GROUNDS = {
    "minor": N_("违法行为轻微并及时改正，没有造成危害后果（第三十三条第一款）"),
    "first_violation": N_("初次违法且危害后果轻微并及时改正（首违不罚，第三十三条第一款）"),
    "no_fault": N_("当事人有证据足以证明没有主观过错（第三十三条第二款）"),
}
SERVICE_METHODS = {
    "direct": N_("直接送达"), "left": N_("留置送达"), "mail": N_("邮寄送达"),
    "electronic": N_("电子送达"), "entrusted": N_("委托送达"), "announcement": N_("公告送达"),
}
ANNOUNCEMENT_DAYS = 60  # 民事诉讼法 第九十五条: 公告送达 is complete 60 days after publication


# -- reading ----------------------------------------------------------------------------------

def get_case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound(_("案件不存在"))
    return case


@dataclass
class Filters:
    state: str | None = None
    q: str | None = None
    officer_id: int | None = None
    states: tuple[str, ...] | None = None


def list_cases(filters: Filters):
    stmt = sa.select(Case).order_by(Case.updated_at.desc(), Case.id.desc())
    if filters.state:
        stmt = stmt.where(Case.state == filters.state)
    if filters.states:
        stmt = stmt.where(Case.state.in_(filters.states))
    if filters.officer_id:
        stmt = stmt.where(Case.id.in_(sa.select(CaseOfficer.case_id).where(
            CaseOfficer.user_id == filters.officer_id)))
    if filters.q:
        like = f"%{filters.q.strip()}%"
        stmt = stmt.where(sa.or_(Case.title.ilike(like), Case.number.ilike(like),
                                 Case.facts.ilike(like)))
    return stmt


def in_team(case: Case, user) -> bool:
    return user.id in case.officer_ids


def timeline(case: Case) -> list[CaseAction]:
    return list(db.session.scalars(sa.select(CaseAction).where(CaseAction.case_id == case.id)
                                   .order_by(CaseAction.seq)))


def evidence_of(case: Case) -> list[Evidence]:
    return list(db.session.scalars(sa.select(Evidence).where(Evidence.case_id == case.id)
                                   .order_by(Evidence.id)))


def interviews_of(case: Case) -> list[Interview]:
    return list(db.session.scalars(sa.select(Interview).where(Interview.case_id == case.id)
                                   .order_by(Interview.started_at, Interview.id)))


def reviews_of(case: Case) -> list[LegalReview]:
    return list(db.session.scalars(sa.select(LegalReview).where(LegalReview.case_id == case.id)
                                   .order_by(LegalReview.id)))


def publication_of(case: Case) -> Publication | None:
    return db.session.scalar(sa.select(Publication).where(Publication.case_id == case.id)
                             .order_by(Publication.id.desc()).limit(1))


# -- dates and money --------------------------------------------------------------------------

def _date(case: Case, key: str) -> date | None:
    value = case.dates.get(key)
    return date.fromisoformat(value) if value else None


def _set_date(case: Case, key: str, value: date | None) -> None:
    dates = dict(case.dates)
    if value is None:
        dates.pop(key, None)
    else:
        dates[key] = value.isoformat()
    case.dates = dates


def money(value: Any, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_("金额格式不正确。"))
        return None
    if not amount.is_finite() or amount < 0:
        errors.setdefault(field, []).append(_("金额不能为负数。"))
        return None
    if amount != amount.quantize(CENT):
        errors.setdefault(field, []).append(_("金额最多保留两位小数。"))
        return None
    return amount.quantize(CENT)


def events(case: Case) -> dl.CaseEvents:
    """What ``deadlines`` needs to know about the case."""
    rectifications = []
    if case.hazard_ids:
        from enforcement.inspections.models import Hazard

        for hazard in db.session.scalars(sa.select(Hazard).where(
                Hazard.id.in_(case.hazard_ids)).order_by(Hazard.id)):
            done = hazard.reviewed_on if hazard.state == "rectified" else None
            if hazard.rectify_by is None:
                continue
            rectifications.append((_("隐患整改：%(d)s", d=hazard.description[:40]),
                                   hazard.rectify_by, done))
    get = case.dates.get

    def d(key: str) -> date | None:
        return date.fromisoformat(get(key)) if get(key) else None

    return dl.CaseEvents(
        filed_on=case.filed_on,
        decision_extensions=tuple(int(e["days"]) for e in case.decision_extensions),
        notice_served_on=d("notice_served_on"), hearing_right=case.hearing_right,
        statement_on=d("statement_on"), rights_waived_on=d("rights_waived_on"),
        hearing_requested_on=d("hearing_requested_on"),
        hearing_notified_on=d("hearing_notified_on"), hearing_on=d("hearing_on"),
        hearing_held_on=d("hearing_held_on"), decided_on=case.decided_on,
        decision_served_on=d("decision_served_on"),
        service_announced_on=d("service_announced_on"), paid_on=d("paid_on"),
        payment_due_override=d("payment_due_override"),
        demand_served_on=d("demand_served_on"), court_applied_on=d("court_applied_on"),
        reconsideration_on=_first_appeal(case, "reconsideration"),
        litigation_on=_first_appeal(case, "litigation"), closed_on=case.closed_on,
        rectifications=tuple(rectifications),
        fine_imposed=bool(case.fine) if case.decided_on else True)


def _first_appeal(case: Case, kind: str) -> date | None:
    found = [a["from"] for a in case.appeals if a["kind"] == kind]
    return date.fromisoformat(min(found)) if found else None


def deadlines(case: Case, today: date | None = None) -> list[dl.Deadline]:
    today = today or clock.today()
    out = dl.compute(events(case), today)
    pub = publication_of(case)
    if pub is not None and pub.withdraw_by is not None:
        # 行政处罚法 第四十八条第二款: withdraw within 3 (working) days of the change
        done = pub.withdrawn_on
        status = ("met" if done <= pub.withdraw_by else "missed") if done else (
            "missed" if today > pub.withdraw_by else "open")
        out.append(dl.Deadline(
            kind="publication_withdrawal", label=N_("撤回公示期限"), due_on=pub.withdraw_by,
            basis=N_("《行政处罚法》第四十八条第二款"), owner="bureau", status=status,
            provisional=workdays.is_workday(pub.withdraw_by).provisional,
            start_event="reopened_on", start_on=pub.withdraw_by, done_on=done))
        out.sort(key=lambda d: (d.due_on, d.kind))
    return out


def deadline_of(case: Case, kind: str, today: date | None = None) -> dl.Deadline | None:
    return next((d for d in deadlines(case, today) if d.kind == kind), None)


def surcharge(case: Case, on: date | None = None) -> Decimal:
    """加处罚款 owed on ``on`` (3 % of the fine per day late, capped at the fine)."""
    if not case.fine:
        return Decimal("0.00")
    due = deadline_of(case, "payment", on)
    if due is None:
        return Decimal("0.00")
    on = on or clock.today()
    principal_paid = fine_paid_on(case)
    if principal_paid is not None and principal_paid < on:
        on = principal_paid   # the surcharge runs on the unpaid fine only
    return dl.surcharge(case.fine, due.due_on, on, appeal_windows(case))


APPEAL_KINDS = {"reconsideration": N_("行政复议"), "litigation": N_("行政诉讼")}


def appeal_windows(case: Case) -> list[tuple[date, date]]:
    """The 行政复议 / 行政诉讼 periods (first and last day; one still under way runs on): the
    surcharge is not counted in them (行政处罚法 第七十三条第三款)."""
    return [(date.fromisoformat(a["from"]), date.fromisoformat(a["to"]) if a.get("to")
             else date.max) for a in case.appeals]


def appeal_under_way(case: Case) -> dict[str, Any] | None:
    return next((a for a in case.appeals if not a.get("to")), None)


def fine_paid_on(case: Case) -> date | None:
    """The day the payments first covered the fine itself (payments go to the fine first)."""
    total = Decimal("0")
    for payment in sorted(case.payments, key=lambda p: p["on"]):
        total += Decimal(payment["amount"])
        if case.fine is not None and total >= case.fine:
            return date.fromisoformat(payment["on"])
    return None


def amount_owed(case: Case, on: date | None = None) -> Decimal:
    if not case.fine:
        return Decimal("0.00")
    owed = case.fine + surcharge(case, on) - (case.paid or Decimal("0"))
    return max(owed, Decimal("0.00")).quantize(CENT)


# -- parties ----------------------------------------------------------------------------------

def _party_from_enterprise(enterprise_id: int) -> dict[str, Any]:
    from enforcement.enterprises import service as registry_service

    enterprise = registry_service.get_enterprise(enterprise_id)
    return {"kind": "unit", "name": enterprise.name, "uscc": enterprise.uscc,
            "address": enterprise.address or "", "legal_rep": enterprise.legal_representative
            or "", "phone": enterprise.contact_phone or ""}


def _party_person(raw: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    name = (raw.get("name") or "").strip()
    if not name:
        errors["party.name"] = [_("请填写当事人姓名。")]
    party: dict[str, Any] = {"kind": "individual", "name": name[:60],
                             "address": (raw.get("address") or "").strip()[:300],
                             "phone": (raw.get("phone") or "").strip()[:40],
                             "employer": (raw.get("employer") or "").strip()[:200],
                             "position": (raw.get("position") or "").strip()[:60]}
    id_number = crypto.normalize_id_number(raw.get("id_number") or "")
    if not id_number:
        errors["party.id_number"] = [_("请填写公民身份号码。")]
    elif not crypto.id_number_valid(id_number):
        errors["party.id_number"] = [_("公民身份号码不正确（18 位，校验码不符）。")]
    else:
        party["id_number_enc"] = crypto.encrypt(id_number)
        party["id_number_masked"] = crypto.mask_id_number(id_number)
    return party


def may_see_personal_data(case: Case, user) -> bool:
    """The ID number in clear: the case's officers, leaders and legal reviewers only."""
    return in_team(case, user) or user.has_role("leader") or user.has_role("reviewer")


def party_view(case: Case, *, full: bool = False) -> dict[str, Any]:
    """The party without ciphertext; the ID number in clear only when ``full``."""
    party = {k: v for k, v in case.party.items() if k != "id_number_enc"}
    if full and case.party.get("id_number_enc"):
        party["id_number"] = crypto.decrypt(case.party["id_number_enc"])
    return party


# -- team -------------------------------------------------------------------------------------

def _team(officer_ids: list[int], enterprise_id: int | None,
          errors: dict[str, list[str]]) -> list[tuple[User, str]]:
    ids = list(dict.fromkeys(int(i) for i in officer_ids))
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
    team: list[tuple[User, str]] = []
    bad = []
    for user_id in ids:
        user = users.get(user_id)
        if user is None or not user.active or "officer" not in user.roles \
                or not user.certificate_no:
            bad.append(str(user_id))
            continue
        team.append((user, user.certificate_no))
    if bad:
        errors["officer_ids"] = [_("承办人须为在岗、持执法证的执法人员：%(ids)s。",
                                   ids="、".join(bad))]
    if enterprise_id and team:
        from enforcement.enterprises import service as registry_service

        excluded = registry_service.officer_exclusions().get(enterprise_id, set())
        clash = [u.display_name for u, _c in team if u.id in excluded]
        if clash:
            errors["officer_ids"] = [_("%(names)s 与当事人有利害关系，应当回避"
                                       "（行政处罚法第四十三条）。",
                                       names="、".join(clash))]
    return team


def set_team(case: Case, officer_ids: list[int], version: int | None, user) -> Case:
    if not (in_team(case, user) or user.has_role("leader")):
        raise Forbidden(_("只有承办人或负责人可以调整承办人"))
    if case.state in FINAL_STATES or case.decided_on:
        raise TransitionNotAllowed(_("案件已决定或已办结，不能调整承办人"))
    case.check_version(version)
    errors: dict[str, list[str]] = {}
    team = _team(officer_ids, case.enterprise_id, errors)
    if len(team) < 2 and not errors:
        errors["officer_ids"] = [_("承办人不得少于两人（行政处罚法第四十二条）。")]
    if errors:
        raise ValidationFailed(_("承办人有误"), errors=errors)
    case.team = [CaseOfficer(user_id=u.id, seq=i, certificate_no=c)
                 for i, (u, c) in enumerate(team, 1)]
    case.updated_at = clock.now()
    _log(case, "set_team", case.state, case.state, user, None,
         {"officer_ids": [u.id for u, _c in team]})
    db.session.flush()
    return case


# -- opening a case ---------------------------------------------------------------------------

def _check_codes(codes: list[str], field: str, errors: dict[str, list[str]]) -> list[str]:
    catalogue = violations.catalogue()
    codes = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    unknown = [c for c in codes if catalogue.get(c) is None]
    if unknown:
        errors[field] = [_("违法行为目录中没有：%(codes)s。", codes="、".join(unknown))]
    return codes


def _title(party: dict[str, Any], codes: list[str]) -> str:
    catalogue = violations.catalogue()
    first = catalogue.get(codes[0]) if codes else None
    what = first.description if first else _("涉嫌安全生产违法行为")
    more = _("等") if len(codes) > 1 else ""
    return f"{party.get('name', '')}{what}{more}"[:300]


def create(data: dict[str, Any], user) -> Case:
    """预立案 (or 当场处罚 for the summary procedure). From an enterprise of the registry or a
    person; from an inspection or a lead (a 立案建议 drafted by the inspection module)."""
    from enforcement.inspections import service as inspections_service

    errors: dict[str, list[str]] = {}
    lead = None
    if data.get("lead_id"):
        try:
            lead = inspections_service.get_lead(data["lead_id"])
        except NotFound:
            raise ValidationFailed(_("案件信息有误"), errors={"lead_id": [
                _("线索 %(id)s 不存在。", id=data["lead_id"])]}) from None
        if lead.case_id:
            errors["lead_id"] = [_("该线索已立案（案件 %(id)s）。", id=lead.case_id)]
    procedure = data.get("procedure") or "general"
    source = data.get("source") or (lead.source if lead else None)
    if source not in SOURCE_LABELS:
        errors["source"] = [_("请选择案件来源。")]
    if data.get("enterprise_id") and data.get("party"):
        errors["party"] = [_("当事人为企业时请只填 enterprise_id。")]
    party: dict[str, Any] = {}
    if data.get("enterprise_id"):
        try:
            party = _party_from_enterprise(int(data["enterprise_id"]))
        except NotFound:
            errors["enterprise_id"] = [_("企业 %(id)s 不存在。", id=data["enterprise_id"])]
    elif data.get("party"):
        raw = data["party"]
        if raw.get("kind", "individual") == "unit":
            errors["party"] = [_("单位当事人请从企业库选择（enterprise_id）。")]
        else:
            party = _party_person(raw, errors)
    else:
        errors["enterprise_id"] = [_("请选择当事企业或填写当事人。")]
    facts = (data.get("facts") or "").strip()
    if not facts:
        errors["facts"] = [_("请填写违法事实。")]
    codes = _check_codes(list(data.get("violation_codes") or []), "violation_codes", errors)
    if not codes and "violation_codes" not in errors:
        errors["violation_codes"] = [_("请至少选择一项违法行为。")]
    discovered_on = data.get("discovered_on") or clock.today()
    if discovered_on > clock.today():
        errors["discovered_on"] = [_("发现日期不能晚于今天。")]
    inspection = None
    if data.get("inspection_id"):
        try:
            inspection = inspections_service.get_inspection(int(data["inspection_id"]))
        except NotFound:
            raise ValidationFailed(_("案件信息有误"), errors={"inspection_id": [
                _("检查记录 %(id)s 不存在。", id=data["inspection_id"])]}) from None
        if inspection.state != "completed":
            errors["inspection_id"] = [_("检查记录完成后才能据以立案。")]
    officer_ids = list(data.get("officer_ids") or [])
    if not officer_ids:
        officer_ids = ([user.id] if user.has_role("officer") else []) + (
            inspection.officer_ids if inspection else [])
    team = _team(officer_ids, data.get("enterprise_id"), errors)
    if procedure == "summary" and len(team) < 2 and "officer_ids" not in errors:
        errors["officer_ids"] = [_("当场处罚须两名以上执法人员（行政处罚法第五十二条）。")]
    file_ids = list(dict.fromkeys(data.get("evidence_file_ids") or []))
    for file_id in file_ids:
        try:
            storage.get_file(file_id)
        except NotFound:
            errors["evidence_file_ids"] = [_("证据文件 %(id)s 不存在。", id=file_id)]
    if errors:
        raise ValidationFailed(_("案件信息有误"), errors=errors)
    case = Case(state="summary" if procedure == "summary" else "pre_filing",
                procedure=procedure, source=source, enterprise_id=data.get("enterprise_id"),
                inspection_id=inspection.id if inspection else None,
                lead_id=lead.id if lead else None, party=party, title=_title(party, codes),
                facts=facts, violation_codes=codes,
                hazard_ids=list(data.get("hazard_ids") or (lead.hazard_ids if lead else [])),
                discovered_on=discovered_on, dates={}, created_by=user.id)
    if data.get("filed_on"):
        case.dates = {"proposed_filed_on": data["filed_on"].isoformat()}
    case.team = [CaseOfficer(user_id=u.id, seq=i, certificate_no=c)
                 for i, (u, c) in enumerate(team, 1)]
    db.session.add(case)
    db.session.flush()
    if file_ids:
        title = _("现场检查记录及照片") if inspection else _("线索材料")
        db.session.add(Evidence(case_id=case.id, kind="inspection_record" if inspection
                                else "documentary", title=title, file_ids=file_ids,
                                collector_ids=inspection.officer_ids if inspection else [user.id],
                                collected_on=(clock.local(inspection.started_at).date()
                                              if inspection else discovered_on),
                                place=inspection.address if inspection else "",
                                created_by=user.id))
    if lead is not None:
        inspections_service.mark_case_opened(lead, case.id, user)
    _log(case, "create", None, case.state, user, discovered_on,
         {"source": source, "procedure": procedure})
    db.session.flush()
    return case


def create_from_lead(lead_id: int, user, officer_ids: list[int] | None = None) -> Case:
    """Take up a 立案建议: the lead's case draft becomes the case."""
    from enforcement.inspections import service as inspections_service

    lead = inspections_service.get_lead(lead_id)
    if lead.state != "case_proposed" or not lead.case_draft:
        raise TransitionNotAllowed(_("该线索没有待立案的建议"))
    draft = dict(lead.case_draft)
    draft["discovered_on"] = date.fromisoformat(draft["discovered_on"])
    draft["lead_id"] = lead.id
    if officer_ids:
        draft["officer_ids"] = officer_ids
    return create(draft, user)


# -- the workflow -----------------------------------------------------------------------------

GuardResult = tuple[str | None, str] | None  # (field or None, message) when the guard fails


@dataclass
class Ctx:
    case: Case
    user: Any
    data: dict[str, Any]
    on: date          # the action's legal date
    today: date


def _needs(*_fields: str) -> Callable:
    def mark(func):
        func.payload = True   # the guard reads the payload: evaluated only when acting
        return func
    return mark


def _g_team_of_two(ctx: Ctx) -> GuardResult:
    if len(ctx.case.team) < 2:
        return None, _("承办人不得少于两人（行政处罚法第四十二条）")
    return None


def _g_has_violation(ctx: Ctx) -> GuardResult:
    return None if ctx.case.violation_codes else (None, _("请先确定违法行为"))


def _g_filed_after_discovery(ctx: Ctx) -> GuardResult:
    if ctx.on < ctx.case.discovered_on:
        return "filed_on", _("立案日期不能早于发现日期 %(d)s", d=ctx.case.discovered_on.isoformat())
    return None


def _g_has_evidence(ctx: Ctx) -> GuardResult:
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Evidence).where(
        Evidence.case_id == ctx.case.id))
    interviews = db.session.scalar(sa.select(sa.func.count()).select_from(Interview).where(
        Interview.case_id == ctx.case.id))
    if not count and not interviews:
        return None, _("调查终结前须收集证据或制作询问笔录（行政处罚法第四十六条、第五十五条）")
    return None


def _g_not_waived(ctx: Ctx) -> GuardResult:
    return (None, _("当事人已放弃陈述申辩")) if ctx.case.dates.get("rights_waived_on") else None


def _g_hearing_right(ctx: Ctx) -> GuardResult:
    if not ctx.case.hearing_right:
        return None, _("拟作出的处罚不属于听证范围（行政处罚法第六十三条）")
    if ctx.case.dates.get("hearing_held_on"):
        return None, _("听证已经举行")
    return None


@_needs("requested_on")
def _g_hearing_request_in_time(ctx: Ctx) -> GuardResult:
    served = _date(ctx.case, "notice_served_on")
    end = dl.hearing_request_window_end(served).value
    if ctx.on < served:
        return "requested_on", _("申请日期不能早于告知书送达日期 %(d)s", d=served.isoformat())
    if ctx.on > end:
        return "requested_on", _("听证申请期限已于 %(d)s 届满（告知后五个工作日内，行政处罚法"
                                 "第六十四条）", d=end.isoformat())
    return None


@_needs("hearing_on", "notified_on")
def _g_hearing_notice_ahead(ctx: Ctx) -> GuardResult:
    hearing_on = ctx.data.get("hearing_on")
    if hearing_on is None:
        return "hearing_on", _("请填写听证日期")
    if not dl.hearing_notice_ok(ctx.on, hearing_on).value:
        earliest = dl.earliest_hearing(ctx.on).value
        return "hearing_on", _("听证通知须在举行听证七个工作日前送达"
                               "（行政处罚法第六十四条、第八十五条）："
                               "%(n)s 通知的，听证最早 %(d)s", n=ctx.on.isoformat(),
                               d=earliest.isoformat())
    return None


@_needs("held_on")
def _g_hearing_day_reached(ctx: Ctx) -> GuardResult:
    hearing_on = _date(ctx.case, "hearing_on")
    if hearing_on and ctx.on < hearing_on:
        return "held_on", _("听证日期为 %(d)s，尚未到来", d=hearing_on.isoformat())
    return None


@_needs("chair_id", "chair")
def _g_hearing_chair_independent(ctx: Ctx) -> GuardResult:
    """听证由行政机关指定的非本案调查人员主持 (行政处罚法 第六十四条第（四）项): a chair chosen
    from the bureau's users is active and not on the case's team; a chair given by name only
    is not the name of one of the case's officers."""
    message = _("听证主持人应由非本案调查人员担任（行政处罚法第六十四条第（四）项）")
    chair_id = ctx.data.get("chair_id")
    if chair_id is None:
        name = (ctx.data.get("chair") or "").strip()
        if name and name in user_names(ctx.case.officer_ids).values():
            return "chair", message
        return None
    chair = db.session.get(User, chair_id)
    if chair is None or not chair.active:
        return "chair_id", _("听证主持人须为本局在岗人员")
    if chair_id in ctx.case.officer_ids:
        return "chair_id", message
    return None


def hearing_chairs(case: Case) -> list[User]:
    """Who may chair the case's hearing: active officers, legal reviewers and leaders who are
    not on the case's team (行政处罚法 第六十四条第（四）项)."""
    from enforcement.auth.models import UserRole

    return list(db.session.scalars(
        sa.select(User).where(
            User.active.is_(True), User.id.not_in(case.officer_ids or [0]),
            User.id.in_(sa.select(UserRole.user_id).where(
                UserRole.role.in_(("officer", "reviewer", "leader")))))
        .order_by(User.display_name)))


def _name_the_chair(ctx: Ctx) -> None:
    """A chair chosen by id is recorded with the name, as the hearing documents print it."""
    if ctx.data.get("chair_id") is not None:
        ctx.data["chair"] = db.session.get(User, ctx.data["chair_id"]).display_name


def party_heard(case: Case, on: date) -> list[str]:
    """Why the party's statement and hearing are not yet settled on ``on`` (empty: settled).
    行政处罚法 第四十四、四十五、六十二、六十四条."""
    reasons = []
    if case.dates.get("rights_waived_on"):
        return reasons
    served = _date(case, "notice_served_on")
    if served is None:
        return [_("尚未送达行政处罚告知书")]
    if case.state in ("hearing_requested", "hearing_scheduled"):
        return [_("当事人已申请听证，须先举行听证")]
    end = dl.statement_window_end(served).value
    if on <= end and not case.dates.get("statement_on"):
        reasons.append(_("陈述申辩期至 %(d)s 届满，届满前不得作出决定"
                         "（当事人已陈述申辩或放弃的除外）",
                         d=end.isoformat()))
    if case.hearing_right and not case.dates.get("hearing_held_on") \
            and not case.dates.get("hearing_requested_on"):
        hearing_end = dl.hearing_request_window_end(served).value
        if on <= hearing_end:
            reasons.append(_("听证申请期至 %(d)s 届满", d=hearing_end.isoformat()))
    return reasons


def _g_party_heard(ctx: Ctx) -> GuardResult:
    reasons = party_heard(ctx.case, ctx.on)
    return (None, "；".join(reasons)) if reasons else None


def _g_review_done(ctx: Ctx) -> GuardResult:
    reviews = reviews_of(ctx.case)
    if reviews and reviews[-1].result == "return" and ctx.case.state != "pending_decision":
        return None, _("法制审核已退回，须重新提请审核并通过后方可决定")
    if review_reasons(ctx.case) and ctx.case.state != "pending_decision":
        return None, _("本案须经法制审核后方可决定（%(r)s）",
                       r="；".join(review_reasons(ctx.case)))
    return None


def _g_discussion_done(ctx: Ctx) -> GuardResult:
    if discussion_reasons(ctx.case) and not ctx.case.dates.get("discussed_on"):
        return None, _("本案须经负责人集体讨论（%(r)s）", r="；".join(discussion_reasons(ctx.case)))
    return None


def _g_within_decision_time(ctx: Ctx) -> GuardResult:
    if ctx.on < (ctx.case.filed_on or ctx.case.discovered_on):
        return "decided_on", _("决定日期不能早于立案日期")
    deadline = deadline_of(ctx.case, "decision", ctx.today)
    if deadline and ctx.on > deadline.due_on:
        return "decided_on", _("已超过办案期限 %(d)s，请先经负责人批准延长（行政处罚法第六十条）",
                               d=deadline.due_on.isoformat())
    return None


def _g_reviewer_qualified(ctx: Ctx) -> GuardResult:
    if ctx.user.legal_qualified:
        return None
    done = db.session.scalar(sa.select(sa.func.count()).select_from(LegalReview).where(
        LegalReview.reviewer_id == ctx.user.id))
    if not done:
        return None, _("初次从事法制审核的人员须取得国家统一法律职业资格"
                         "（行政处罚法第五十八条第二款）")
    return None


def _g_fine_due(ctx: Ctx) -> GuardResult:
    if not ctx.case.fine:
        return None, _("本案没有罚款")
    if amount_owed(ctx.case, ctx.on) <= 0:
        return None, _("罚款已缴清")
    return None


def _g_payment_overdue(ctx: Ctx) -> GuardResult:
    due = deadline_of(ctx.case, "payment", ctx.today)
    if not ctx.case.fine or due is None or amount_owed(ctx.case, ctx.on) <= 0:
        return None, _("没有待缴的罚款")
    if ctx.on <= due.due_on:
        return None, _("缴款期限 %(d)s 尚未届满", d=due.due_on.isoformat())
    return None


def _g_no_appeal_under_way(ctx: Ctx) -> GuardResult:
    under_way = appeal_under_way(ctx.case)
    if under_way:
        return None, _("当事人的%(k)s尚未终结（%(d)s 起）", k=_(APPEAL_KINDS[under_way["kind"]]),
                       d=under_way["from"])
    return None


def _g_appeal_under_way(ctx: Ctx) -> GuardResult:
    return None if appeal_under_way(ctx.case) else (None, _("没有正在进行的行政复议或行政诉讼"))


@_needs("applied_on")
def _g_enforcement_window(ctx: Ctx) -> GuardResult:
    demand = _date(ctx.case, "demand_served_on")
    if demand is None:
        return None, _("申请强制执行前须书面催告（行政强制法第五十四条）")
    deadline = deadline_of(ctx.case, "court_enforcement", ctx.today)
    if deadline is None:
        return None, _("尚未送达处罚决定书")
    if deadline.earliest_on and ctx.on < deadline.earliest_on:
        return "applied_on", _("催告书送达十日后当事人仍未履行的方可申请，"
                               "且须待复议、诉讼期限届满："
                               "最早 %(d)s", d=deadline.earliest_on.isoformat())
    if ctx.on > deadline.due_on:
        return "applied_on", _("申请期限已于 %(d)s 届满（行政强制法第五十三条）",
                               d=deadline.due_on.isoformat())
    if amount_owed(ctx.case, ctx.on) <= 0:
        return None, _("罚款已缴清")
    return None


def _g_executed(ctx: Ctx) -> GuardResult:
    if ctx.case.fine and amount_owed(ctx.case, ctx.on) > 0 \
            and not ctx.case.dates.get("court_applied_on"):
        return None, _("罚款（含加处罚款）尚未缴清，也未申请强制执行：尚欠 %(a)s 元",
                       a=amount_owed(ctx.case, ctx.on))
    return None


@_needs("ground", "pledge_file_ids")
def _g_no_penalty_ground(ctx: Ctx) -> GuardResult:
    ground = ctx.data.get("ground")
    if ground not in NO_PENALTY_GROUNDS:
        return "ground", _("请选择不予处罚的依据")
    if ground == "first_violation" and not ctx.data.get("pledge_file_ids"):
        return "pledge_file_ids", _("首违不罚须附当事人签署的《首次违法改正承诺书》")
    if ctx.data.get("pledge_file_ids"):
        mine = {f for e in evidence_of(ctx.case) for f in e.file_ids}
        if set(ctx.data["pledge_file_ids"]) - mine:
            return "pledge_file_ids", _("承诺书须先作为本案证据登记")
    if ground == "first_violation" and ctx.case.enterprise_id and penalty_counts(
            [ctx.case.enterprise_id], ctx.on).get(ctx.case.enterprise_id):
        return "ground", _("当事人近一年内受过行政处罚，不属于初次违法")
    return None


def _g_filed(ctx: Ctx) -> GuardResult:
    if ctx.case.procedure == "summary":
        return None
    return None if ctx.case.filed_on else (None, _("案件尚未立案（行政处罚法第五十四条）"))


def _g_reviewer_independent(ctx: Ctx) -> GuardResult:
    if ctx.user.id in ctx.case.officer_ids:
        return None, _("承办人不得审核本人承办的案件")
    return None


MAX_EXTENSION_DAYS = 90   # a longer extension needs the next-level department (DOMAIN.md §3.3)


def _g_decision_time_running(ctx: Ctx) -> GuardResult:
    deadline = deadline_of(ctx.case, "decision", ctx.today)
    if deadline is not None and deadline.status == "missed":
        return None, _("办案期限已于 %(d)s 届满，不能事后延长", d=deadline.due_on.isoformat())
    used = sum(int(e["days"]) for e in ctx.case.decision_extensions)
    if used >= MAX_EXTENSION_DAYS:
        return None, _("已延长 %(n)s 日；再延长须报上一级应急管理部门批准", n=used)
    return None


def _g_payment_not_overdue(ctx: Ctx) -> GuardResult:
    due = deadline_of(ctx.case, "payment", ctx.today)
    if due is not None and ctx.today > due.due_on:
        return None, _("缴款期限 %(d)s 已过，不能再批准延期（行政处罚法第六十六条）",
                       d=due.due_on.isoformat())
    return None


GUARDS: dict[str, Callable[[Ctx], GuardResult]] = {
    "team_of_two": _g_team_of_two, "has_violation": _g_has_violation,
    "filed_after_discovery": _g_filed_after_discovery, "has_evidence": _g_has_evidence,
    "not_waived": _g_not_waived, "hearing_right": _g_hearing_right,
    "hearing_request_in_time": _g_hearing_request_in_time,
    "hearing_notice_ahead": _g_hearing_notice_ahead,
    "hearing_day_reached": _g_hearing_day_reached, "party_heard": _g_party_heard,
    "hearing_chair_independent": _g_hearing_chair_independent,
    "review_done": _g_review_done, "discussion_done": _g_discussion_done,
    "within_decision_time": _g_within_decision_time,
    "reviewer_qualified": _g_reviewer_qualified, "fine_due": _g_fine_due,
    "payment_overdue": _g_payment_overdue, "enforcement_window": _g_enforcement_window,
    "no_appeal_under_way": _g_no_appeal_under_way, "appeal_under_way": _g_appeal_under_way,
    "executed": _g_executed, "no_penalty_ground": _g_no_penalty_ground, "filed": _g_filed,
    "reviewer_independent": _g_reviewer_independent,
    "decision_time_running": _g_decision_time_running,
    "payment_not_overdue": _g_payment_not_overdue,
}


# -- what the law requires of this case -------------------------------------------------------

def _proposal_total(case: Case) -> Decimal:
    if not case.proposed_penalty:
        return Decimal("0")
    return Decimal(case.proposed_penalty.get("fine") or "0")


def _other(case: Case) -> set[str]:
    return set((case.proposed_penalty or {}).get("other") or [])


def review_reasons(case: Case) -> list[str]:
    """Why 法制审核 is mandatory for this case (行政处罚法 第五十八条; DOMAIN.md Part 1);
    empty when it is optional."""
    reasons = []
    if case.procedure == "summary":
        return reasons
    flags = set(case.flags)
    if "public_interest" in flags:
        reasons.append(_("涉及重大公共利益"))
    if "complex" in flags:
        reasons.append(_("案情疑难复杂、涉及多个法律关系"))
    if case.dates.get("hearing_held_on"):
        reasons.append(_("经过听证程序"))
    if case.proposed_penalty and discretion.large_amount(case.party_kind,
                                                         _proposal_total(case)):
        reasons.append(_("较大数额罚款"))
    if _other(case) & HEAVY_PENALTIES:
        reasons.append(_("责令停产停业、吊销许可证件或限制从业"))
    items = (case.proposed_penalty or {}).get("items") or []
    if any(i.get("requires_legal_review") for i in items):
        reasons.append(_("罚款超出裁量基准阶次或低于法定最低限额"))
    return reasons


def discussion_reasons(case: Case) -> list[str]:
    """Why the leaders must decide collectively (第五十七条第二款): 情节复杂 or 重大违法行为 —
    the bureau's rule: complex cases, 较大数额 fines, 停产停业/吊销."""
    reasons = []
    if case.procedure == "summary" or not case.proposed_penalty:
        return reasons
    if "complex" in case.flags:
        reasons.append(_("情节复杂"))
    if discretion.large_amount(case.party_kind, _proposal_total(case)):
        reasons.append(_("较大数额罚款"))
    if _other(case) & HEAVY_PENALTIES:
        reasons.append(_("责令停产停业、吊销许可证件或限制从业"))
    return reasons


def procedure_checks(case: Case, today: date | None = None) -> list[dict[str, Any]]:
    """What the system checked on the file (shown to the reviewer and stored with a review)."""
    today = today or clock.today()
    checks: list[dict[str, Any]] = []

    def add(code: str, label: str, ok: bool, detail: str = "") -> None:
        checks.append({"code": code, "label": label, "ok": ok, "detail": detail})

    certs = [m.certificate_no for m in case.team]
    add("two_officers", _("两名以上持证执法人员承办"),
        len(case.team) >= 2 and len(set(certs)) == len(certs), "、".join(certs))
    add("filed", _("依法立案审批"), bool(case.filed_on),
        case.filed_on.isoformat() if case.filed_on else "")
    ev = len(evidence_of(case))
    add("evidence", _("证据已收集"), ev > 0 or bool(interviews_of(case)),
        _("%(n)s 项证据，%(m)s 份询问笔录", n=ev, m=len(interviews_of(case))))
    served = case.dates.get("notice_served_on")
    add("notice", _("已送达行政处罚告知书"), bool(served), served or "")
    heard = party_heard(case, today)
    add("party_heard", _("陈述申辩、听证权利已保障"), not heard and bool(served), "；".join(heard))
    if case.dates.get("hearing_on"):
        notified = _date(case, "hearing_notified_on")
        ok = notified is not None and dl.hearing_notice_ok(
            notified, _date(case, "hearing_on")).value
        add("hearing_notice", _("听证通知提前七个工作日送达"), ok,
            f"{case.dates.get('hearing_notified_on')} → {case.dates.get('hearing_on')}")
    for deadline in deadlines(case, today):
        if deadline.owner == "bureau" and deadline.kind in ("decision", "service"):
            add(f"deadline_{deadline.kind}", _(deadline.label), deadline.status != "missed",
                _("期限 %(d)s", d=deadline.due_on.isoformat()))
    items = (case.proposed_penalty or {}).get("items") or []
    outside = [i["violation_code"] for i in items if not i.get("within_tier", True)]
    add("discretion", _("罚款在裁量基准阶次内"), not outside,
        _("超出阶次：%(c)s", c="、".join(outside)) if outside else "")
    return checks


# -- effects ----------------------------------------------------------------------------------

def _e_assign_number(ctx: Ctx) -> None:
    case = ctx.case
    case.filed_on = ctx.on
    year = ctx.on.year
    n = numbering.next_number(CASE_NUMBER_CODE, year)
    case.number = numbering.format_number(current_app.config["BUREAU_ABBR"], CASE_NUMBER_CODE,
                                          year, n)
    _set_date(case, "filed_on", ctx.on)


def _e_open_lead(ctx: Ctx) -> None:
    return None


def _e_record_outcome(ctx: Ctx) -> None:
    keep = ("reason", "agency", "criminal", "ground", "education", "pledge_file_ids")
    outcome = {k: ctx.data[k] for k in keep if ctx.data.get(k) not in (None, "", [])}
    outcome["on"] = ctx.on.isoformat()
    ctx.case.outcome = outcome
    if ctx.case.state in UNDECIDED or ctx.case.state in ("pre_filing", "filing_review"):
        ctx.case.closed_on = ctx.on


def _check_proposal(case: Case, raw: dict[str, Any], on: date) -> dict[str, Any]:
    """处理意见: one fine per violation (第二十九条), each checked against the statutory range
    and the discretion tier; several violations are 合并罚款. Returns the stored proposal."""
    errors: dict[str, list[str]] = {}
    catalogue = violations.catalogue()
    kind = case.party_kind
    items_raw = raw.get("items")
    also: list[str] = []
    if not items_raw:
        codes = list(raw.get("violation_codes") or case.violation_codes)
        circumstances = raw.get("circumstances") or []
        if len(codes) > 1 and raw.get("fine") not in (None, "") and not raw.get("same_act"):
            errors["proposed_penalty.items"] = [_(
                "多项违法行为请逐项提出罚款（items），合并执行；若是同一违法行为违反多个法律规范，"
                "请注明 same_act（行政处罚法第二十九条）。")]
        elif len(codes) > 1 and raw.get("fine") not in (None, ""):
            # one act breaking several provisions: one fine, under the provision with the higher
            # fine (第二十九条); separate acts are proposed item by item and combined
            known = [c for c in codes if catalogue.get(c) is not None]
            escalated = "not_corrected" in circumstances or "refused_correction" in circumstances

            def ceiling(code: str) -> Decimal:
                fines = catalogue.get(code).statutory(kind, escalated) \
                    or catalogue.get(code).statutory(kind)
                return fines.max if fines else Decimal("-1")

            if known:
                chosen = max(known, key=ceiling)
                also = [c for c in codes if c != chosen]
                codes = [chosen]
        items_raw = [{"violation_code": c, "fine": raw.get("fine") if len(codes) == 1 else None,
                      "circumstances": circumstances,
                      "reason": raw.get("reason")} for c in codes]
    other = [o for o in (raw.get("other") or []) if o]
    if bad := [o for o in other if o not in OTHER_PENALTIES]:
        errors["proposed_penalty.other"] = [_("未知的处罚种类：%(o)s", o="、".join(bad))]
    items: list[dict[str, Any]] = []
    total = Decimal("0.00")
    seen_codes = [(i.get("violation_code") or "").strip() for i in items_raw]
    if dups := sorted({c for c in seen_codes if c and seen_codes.count(c) > 1}):
        errors["proposed_penalty.items"] = [_("同一违法行为只能给予一次罚款"
                                              "（行政处罚法第二十九条）：%(c)s 重复。",
                                              c="、".join(dups))]
    for n, item in enumerate(items_raw):
        where = f"proposed_penalty.items.{n}"
        code = (item.get("violation_code") or "").strip()
        violation = catalogue.get(code)
        if violation is None:
            errors[f"{where}.violation_code"] = [_("违法行为目录中没有 %(c)s。", c=code)]
            continue
        if kind not in violation.party_kinds:
            errors[f"{where}.violation_code"] = [_("%(c)s 的处罚对象不包括%(k)s当事人。", c=code,
                                                   k=_(PARTY_KIND_LABELS[kind]))]
            continue
        fine = money(item.get("fine"), f"{where}.fine", errors)
        circumstances = list(item.get("circumstances") or [])
        try:
            suggestion = discretion.suggest(code, kind, circumstances, on)
        except (KeyError, ValueError) as err:
            errors[f"{where}.circumstances"] = [str(err)]
            continue
        entry = {"violation_code": code, "description": violation.description,
                 "penalty_basis": violation.penalty_basis, "circumstances": circumstances,
                 "tier": suggestion.tier, "tier_label": suggestion.tier_label,
                 "range": ({"min": str(suggestion.range_min), "max": str(suggestion.range_max)}
                           if suggestion.range_min is not None else None),
                 "suggested": str(suggestion.suggested) if suggestion.suggested is not None
                 else None,
                 "fine": str(fine) if fine is not None else None,
                 "reason": (item.get("reason") or "").strip(),
                 "within_tier": True, "requires_legal_review": False}
        statutory = violation.statutory(kind, "not_corrected" in circumstances) \
            or violation.statutory(kind)
        if fine is not None and fine > 0 or (statutory is not None and statutory.min > 0):
            check = discretion.check_fine(code, kind, fine or Decimal("0"), circumstances, on)
            if check.above_statutory_max:
                errors[f"{where}.fine"] = [_("罚款超过法定最高限额：%(m)s", m="；".join(
                    check.messages))]
                continue
            entry["within_tier"] = check.within_tier
            entry["requires_legal_review"] = check.requires_legal_review
            if check.requires_reason and not entry["reason"]:
                errors[f"{where}.reason"] = [_("罚款超出裁量阶次或低于法定最低限额，"
                                               "须书面说明理由："
                                               "%(m)s", m="；".join(check.messages))]
            total += fine or Decimal("0")
        items.append(entry)
    if not items and not errors:
        errors["proposed_penalty.items"] = [_("请至少提出一项处理意见。")]
    if total == 0 and not other and not errors:
        errors["proposed_penalty.fine"] = [_(
            "请填写罚款金额或其他处罚种类；不予处罚请使用“不予处罚”。")]
    flags = [f for f in (raw.get("flags") or []) if f]
    if bad := [f for f in flags if f not in CASE_FLAGS]:
        errors["proposed_penalty.flags"] = [_("未知的标记：%(f)s", f="、".join(bad))]
    if errors:
        raise ValidationFailed(_("处理意见有误"), errors=errors)
    if also:
        items[0]["also_violates"] = also
        items[0]["note"] = _("同一违法行为违反多个法律规范，按照罚款数额高的规定处罚"
                             "（行政处罚法第二十九条）")
    return {"items": items, "fine": str(total.quantize(CENT)), "other": other,
            "flags": flags, "catalogue": violations.catalogue().ident,
            "benchmark": discretion.benchmark_ident(),
            "summary": (raw.get("summary") or "").strip()}


def _e_set_proposal(ctx: Ctx) -> None:
    proposal = _check_proposal(ctx.case, ctx.data["proposed_penalty"], ctx.on)
    ctx.case.proposed_penalty = proposal
    ctx.case.flags = proposal["flags"]
    codes = [c for i in proposal["items"] for c in (i["violation_code"],
                                                    *i.get("also_violates", []))]
    ctx.case.violation_codes = list(dict.fromkeys(codes))
    _set_date(ctx.case, "concluded_on", ctx.on)


def _e_set_rights(ctx: Ctx) -> None:
    """听证 right (第六十三条): 较大数额罚款, or 停产停业/吊销/限制从业."""
    case = ctx.case
    case.hearing_right = bool(discretion.large_amount(case.party_kind, _proposal_total(case))
                              or _other(case) & HEAVY_PENALTIES)


def _e_record_notice(ctx: Ctx) -> None:
    _set_date(ctx.case, "notice_served_on", ctx.on)


def _e_record_statement(ctx: Ctx) -> None:
    if ctx.on < _date(ctx.case, "notice_served_on"):
        raise ValidationFailed(_("日期有误"), errors={"statement_on": [
            _("陈述申辩日期不能早于告知书送达日期。")]})
    _set_date(ctx.case, "statement_on", ctx.on)


def _e_record_waiver(ctx: Ctx) -> None:
    _set_date(ctx.case, "rights_waived_on", ctx.on)


def _e_record_request(ctx: Ctx) -> None:
    _set_date(ctx.case, "hearing_requested_on", ctx.on)


def _e_record_schedule(ctx: Ctx) -> None:
    _set_date(ctx.case, "hearing_notified_on", ctx.on)
    _set_date(ctx.case, "hearing_on", ctx.data["hearing_on"])
    _name_the_chair(ctx)


def _e_record_hearing(ctx: Ctx) -> None:
    _set_date(ctx.case, "hearing_held_on", ctx.on)
    _name_the_chair(ctx)


def _review_points(raw: Any, required: bool) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    points: dict[str, Any] = {}
    raw = raw or {}
    for code in REVIEW_POINTS:
        value = raw.get(code)
        if value is None:
            if required:
                errors[f"points.{code}"] = [_("请对“%(p)s”作出结论。", p=_(REVIEW_POINTS[code]))]
            continue
        ok = value.get("ok") if isinstance(value, dict) else value
        note = (value.get("note") or "").strip() if isinstance(value, dict) else ""
        if not isinstance(ok, bool):
            errors[f"points.{code}"] = [_("请选择“是”或“否”。")]
            continue
        if not ok and not note:
            errors[f"points.{code}"] = [_("结论为“否”时请写明意见。")]
        points[code] = {"ok": ok, "note": note[:1000]}
    if errors:
        raise ValidationFailed(_("审核意见有误"), errors=errors)
    return points


def _e_record_review(ctx: Ctx, action: str) -> None:
    approve = action == "approve_review"
    points = _review_points(ctx.data.get("points"), required=approve)
    if approve and not all(p["ok"] for p in points.values()):
        raise ValidationFailed(_("审核意见有误"), errors={"points": [
            _("有结论为“否”的审核要点时不能审核通过，请退回。")]})
    db.session.add(LegalReview(case_id=ctx.case.id, reviewer_id=ctx.user.id, at=clock.now(),
                               result="approve" if approve else "return", points=points,
                               opinion=ctx.data["opinion"].strip(),
                               checks=procedure_checks(ctx.case, ctx.today),
                               reasons=review_reasons(ctx.case)))
    if approve:
        _set_date(ctx.case, "reviewed_on", ctx.on)


def _e_record_discussion(ctx: Ctx) -> None:
    _set_date(ctx.case, "discussed_on", ctx.on)


def _default_publish(case: Case) -> bool:
    """具有一定社会影响 (第四十八条): the bureau publishes decisions against units; a decision
    against a person only when the leader chooses to."""
    return case.party_kind == "unit"


def _publish(case: Case, on: date) -> None:
    party = case.party
    name = party.get("name", "")
    if party.get("kind") == "individual":
        name = crypto.mask_name(name)
    content = {
        "number": case.number, "party": name, "party_kind": party.get("kind"),
        "uscc": party.get("uscc", ""),
        "legal_rep": crypto.mask_name(party.get("legal_rep") or "") if party.get("legal_rep")
        else "",
        "violations": [i["description"] for i in (case.decision or {}).get("items", [])],
        "basis": [i["penalty_basis"] for i in (case.decision or {}).get("items", [])],
        "fine": (case.decision or {}).get("fine"), "other": (case.decision or {}).get("other"),
        "decided_on": case.decided_on.isoformat() if case.decided_on else None,
        "authority": current_app.config["BUREAU_NAME"],
    }
    db.session.add(Publication(case_id=case.id, content=content, published_on=on))


def _e_record_decision(ctx: Ctx) -> None:
    case = ctx.case
    errors: dict[str, list[str]] = {}
    proposed = _proposal_total(case)
    fine = money(ctx.data.get("fine"), "fine", errors)
    if fine is None and "fine" not in errors:
        fine = proposed
    if fine is not None and fine > proposed:
        errors["fine"] = [_("决定的罚款不得高于告知的 %(p)s 元：不得因当事人陈述申辩而加重处罚"
                            "（行政处罚法第四十五条），加重须重新告知。", p=proposed)]
    other = list(ctx.data["other"]) if "other" in ctx.data else sorted(_other(case))
    if bad := sorted(set(other) - _other(case)):
        errors["other"] = [_("决定不得增加告知书以外的处罚种类：%(o)s", o="、".join(bad))]
    if fine is not None and not fine and not other:
        errors["fine"] = [_("决定既无罚款也无其他处罚；不予处罚请使用“决定不予处罚”"
                            "（行政处罚法第三十三条）。")]
    if errors:
        raise ValidationFailed(_("处罚决定有误"), errors=errors)
    items = [dict(i) for i in case.proposed_penalty["items"]]
    if fine != proposed and proposed:
        # a reduced total after statement or hearing: reduce item by item, proportionally
        factor = fine / proposed
        running = Decimal("0.00")
        for i, item in enumerate(items):
            if item.get("fine"):
                share = (Decimal(item["fine"]) * factor).quantize(CENT, ROUND_HALF_UP)
                if i == len(items) - 1:
                    share = fine - running
                item["fine"] = str(share)
                running += share
        # each reduced fine is checked again: below the tier or the statutory minimum needs a
        # written reason and an approved legal review (DOMAIN.md §5.1)
        needs_review = False
        for n, item in enumerate(items):
            check = discretion.check_fine(item["violation_code"], case.party_kind,
                                          Decimal(item.get("fine") or "0"),
                                          item.get("circumstances") or [], ctx.on)
            item["within_tier"] = check.within_tier
            if check.requires_reason and not (ctx.data.get("reason") or "").strip():
                errors.setdefault("reason", []).append(
                    _("第 %(n)s 项：%(m)s", n=n + 1, m="；".join(check.messages)))
            needs_review = needs_review or check.requires_legal_review
        if errors:
            raise ValidationFailed(_("处罚决定有误"), errors=errors)
        if needs_review and not case.dates.get("reviewed_on"):
            raise TransitionNotAllowed(_("减少后的罚款超出裁量阶次或低于法定最低限额，"
                                         "须先经法制审核"))
    case.decided_on = ctx.on
    case.fine = fine if fine else None
    case.decision = {"decided_on": ctx.on.isoformat(), "fine": str(fine), "other": other,
                     "items": items, "reason": (ctx.data.get("reason") or "").strip()}
    _set_date(case, "decided_on", ctx.on)
    publish = ctx.data.get("publish")
    if publish is None:
        publish = _default_publish(case)
    if publish:
        _publish(case, ctx.on)


def _e_record_summary_decision(ctx: Ctx) -> None:
    """当场处罚 (第五十一条): a warning, or a fine within the summary thresholds."""
    case = ctx.case
    raw = ctx.data["penalty"] or {}
    errors: dict[str, list[str]] = {}
    fine = money(raw.get("fine"), "penalty.fine", errors) or Decimal("0.00")
    other = [o for o in (raw.get("other") or []) if o]
    if bad := [o for o in other if o != "warning"]:
        errors["penalty.other"] = [_("简易程序只能给予警告或罚款：%(o)s", o="、".join(bad))]
    if not fine and not other:
        errors["penalty.fine"] = [_("请填写罚款金额或选择警告。")]
    if fine and not discretion.summary_allowed(case.party_kind, fine):
        limit = _("3000 元") if case.party_kind == "unit" else _("200 元")
        errors["penalty.fine"] = [_("罚款超过简易程序限额（%(l)s，行政处罚法第五十一条），"
                                    "请适用普通程序。",
                                    l=limit)]
    code = case.violation_codes[0] if case.violation_codes else None
    if code and not errors:
        check = discretion.check_fine(code, case.party_kind, fine, [], ctx.on)
        if check.above_statutory_max:
            errors["penalty.fine"] = [_("罚款超过法定最高限额。")]
        elif check.below_statutory_min:
            errors["penalty.fine"] = [_("该违法行为的法定罚款下限超出简易程序范围，"
                                        "请转为普通程序。")]
    if errors:
        raise ValidationFailed(_("当场处罚决定有误"), errors=errors)
    catalogue = violations.catalogue()
    items = [{"violation_code": c, "description": catalogue.get(c).description,
              "penalty_basis": catalogue.get(c).penalty_basis,
              "fine": str(fine) if i == 0 else None}
             for i, c in enumerate(case.violation_codes)]
    case.proposed_penalty = {"items": items, "fine": str(fine), "other": other, "flags": [],
                             "catalogue": catalogue.ident,
                             "benchmark": discretion.benchmark_ident(), "summary": ""}
    case.decided_on = ctx.on
    case.fine = fine if fine else None
    case.decision = {"decided_on": ctx.on.isoformat(), "fine": str(fine), "other": other,
                     "items": items, "on_the_spot": True,
                     "statement": (ctx.data.get("statement") or "").strip()}
    _set_date(case, "decided_on", ctx.on)
    # a numbered 决定书 (第五十二条): the case takes its number here
    n = numbering.next_number(CASE_NUMBER_CODE, ctx.on.year)
    case.number = numbering.format_number(current_app.config["BUREAU_ABBR"], CASE_NUMBER_CODE,
                                          ctx.on.year, n)
    # the 决定书 is handed over on the spot (第五十二条): served the same day
    _set_date(case, "decision_served_on", ctx.on)


def _e_record_service(ctx: Ctx) -> None:
    method = ctx.data.get("method") or "direct"
    if method not in SERVICE_METHODS:
        raise ValidationFailed(_("送达方式有误"), errors={"method": [_("未知的送达方式。")]})
    if method == "electronic" and not ctx.data.get("consent"):
        raise ValidationFailed(_("送达方式有误"), errors={"consent": [
            _("电子送达须当事人同意并签订确认书（行政处罚法第六十一条第二款）。")]})
    if ctx.case.decided_on and ctx.on < ctx.case.decided_on:
        raise ValidationFailed(_("日期有误"), errors={"served_on": [
            _("送达日期不能早于决定日期。")]})
    served = ctx.on
    if method == "announcement":
        served = ctx.on + timedelta(days=ANNOUNCEMENT_DAYS)
        _set_date(ctx.case, "service_announced_on", ctx.on)
    _set_date(ctx.case, "decision_served_on", served)
    dates = dict(ctx.case.dates)
    dates["service_method"] = method
    ctx.case.dates = dates


def _e_record_payment(ctx: Ctx) -> None:
    case = ctx.case
    errors: dict[str, list[str]] = {}
    amount = money(ctx.data.get("amount"), "amount", errors)
    if amount is not None and amount <= 0:
        errors["amount"] = [_("缴款金额须大于零。")]
    owed = amount_owed(case, ctx.on)
    if amount is not None and amount > owed:
        errors["amount"] = [_("缴款金额 %(a)s 元超过应缴金额 %(o)s 元"
                              "（罚款 %(f)s 元，加处罚款 %(s)s 元，"
                              "已缴 %(p)s 元）。", a=amount, o=owed, f=case.fine,
                              s=surcharge(case, ctx.on), p=case.paid)]
    served = _date(case, "decision_served_on")
    if served and ctx.on < (case.decided_on or served):
        errors["paid_on"] = [_("缴款日期不能早于决定日期。")]
    if errors:
        raise ValidationFailed(_("缴款信息有误"), errors=errors)
    case.paid = (case.paid or Decimal("0")) + amount
    case.payments = [*case.payments, {"on": ctx.on.isoformat(), "amount": str(amount),
                                      "receipt": (ctx.data.get("receipt") or "").strip()}]
    if amount_owed(case, ctx.on) <= 0:
        _set_date(case, "paid_on", ctx.on)


def _e_record_deferral(ctx: Ctx) -> None:
    due_on = ctx.data["due_on"]
    if due_on <= ctx.today:
        raise ValidationFailed(_("日期有误"), errors={"due_on": [_("延期后的期限须晚于今天。")]})
    _set_date(ctx.case, "payment_due_override", due_on)


def _e_record_demand(ctx: Ctx) -> None:
    _set_date(ctx.case, "demand_served_on", ctx.on)


def _e_open_appeal(ctx: Ctx) -> None:
    ended = [a["to"] for a in ctx.case.appeals if a.get("to")]
    if ended and ctx.on.isoformat() < max(ended):
        raise ValidationFailed(_("日期有误"), errors={"appealed_on": [
            _("日期不能早于上一次复议或诉讼终结的日期 %(d)s。", d=max(ended))]})
    ctx.case.appeals = [*ctx.case.appeals, {
        "kind": ctx.data["appeal_kind"], "from": ctx.on.isoformat(), "to": None,
        "agency": (ctx.data.get("agency") or "").strip(),
        "note": (ctx.data.get("note") or "").strip()}]


def _e_close_appeal(ctx: Ctx) -> None:
    appeals = [dict(a) for a in ctx.case.appeals]
    under_way = next(a for a in appeals if not a.get("to"))
    if ctx.on.isoformat() < under_way["from"]:
        raise ValidationFailed(_("日期有误"), errors={"ended_on": [
            _("日期不能早于申请复议或起诉的日期 %(d)s。", d=under_way["from"])]})
    under_way["to"] = ctx.on.isoformat()
    under_way["outcome"] = (ctx.data.get("note") or "").strip()
    ctx.case.appeals = appeals


def _e_record_enforcement(ctx: Ctx) -> None:
    _set_date(ctx.case, "court_applied_on", ctx.on)


def _e_record_closing(ctx: Ctx) -> None:
    ctx.case.closed_on = ctx.on
    _set_date(ctx.case, "closed_on", ctx.on)


def _e_record_archive(ctx: Ctx) -> None:
    _set_date(ctx.case, "archived_on", ctx.on)


REOPEN_TO = {"closed": "executing", "not_filed": "filing_review", "no_penalty": "investigating",
             "transferred": "investigating", "withdrawn": "investigating"}


def _e_reopen(ctx: Ctx) -> None:
    """重新启用: the case goes back to where it can be worked on again; a publication of its
    decision is to be withdrawn within 3 working days if the decision changes (第四十八条)."""
    case = ctx.case
    case.reopened_from = case.state
    case.closed_on = None
    _set_date(case, "closed_on", None)
    _set_date(case, "archived_on", None)
    if case.state == "closed":
        _mark_publication_on_reopen(case)
    else:
        case.outcome = {**case.outcome, "reopened": ctx.on.isoformat()}
    target = REOPEN_TO[case.state]
    if target == "investigating" and not case.filed_on:
        target = "pre_filing"   # never filed: it must pass 立案审批 first (第五十四条)
    ctx.data["_target"] = target


def _e_record_extension(ctx: Ctx) -> None:
    days = ctx.data.get("days")
    used = sum(int(e["days"]) for e in ctx.case.decision_extensions)
    if not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS - used:
        raise ValidationFailed(_("延长天数有误"), errors={"days": [
            _("本次最多可延长 %(n)s 日（负责人批准的延长累计不超过 %(m)s 日）。",
              n=MAX_EXTENSION_DAYS - used, m=MAX_EXTENSION_DAYS)]})
    ctx.case.decision_extensions = [*ctx.case.decision_extensions, {
        "days": days, "reason": ctx.data["reason"].strip(), "by": ctx.user.id,
        "on": ctx.on.isoformat()}]


def _e_convert_procedure(ctx: Ctx) -> None:
    """简易程序 → 普通程序 (a fine above the summary threshold, or facts that need an
    investigation): the case goes to 预立案 and then 立案审批."""
    ctx.case.procedure = "general"


EFFECTS: dict[str, Callable[[Ctx], None]] = {
    "convert_procedure": _e_convert_procedure,
    "assign_number": _e_assign_number, "open_lead": _e_open_lead,
    "record_outcome": _e_record_outcome, "set_proposal": _e_set_proposal,
    "set_rights": _e_set_rights, "record_notice": _e_record_notice,
    "record_statement": _e_record_statement, "record_waiver": _e_record_waiver,
    "record_request": _e_record_request, "record_schedule": _e_record_schedule,
    "record_hearing": _e_record_hearing, "record_discussion": _e_record_discussion,
    "record_decision": _e_record_decision,
    "record_summary_decision": _e_record_summary_decision,
    "record_service": _e_record_service, "record_payment": _e_record_payment,
    "record_deferral": _e_record_deferral, "record_demand": _e_record_demand,
    "record_enforcement": _e_record_enforcement, "record_closing": _e_record_closing,
    "open_appeal": _e_open_appeal, "close_appeal": _e_close_appeal,
    "record_archive": _e_record_archive, "reopen": _e_reopen,
    "record_extension": _e_record_extension,
}


def _role_ok(action: Action, case: Case, user) -> bool:
    if not user.has_role(action.role):
        return False
    return not (action.team_only and action.role == "officer" and not in_team(case, user))


def blocked(case: Case, user, today: date | None = None) -> list[dict[str, Any]]:
    """Actions of the current state the user's role may take but a guard stops now, with why."""
    out = []
    today = today or clock.today()
    for action in actions_from(case.state):
        if not _role_ok(action, case, user):
            continue
        reasons = _pre_guards(action, case, user, today)
        if reasons:
            out.append({"action": action.name, "label": action.label, "reasons": reasons})
    return out


def _pre_guards(action: Action, case: Case, user, today: date) -> list[str]:
    ctx = Ctx(case, user, {}, today, today)
    reasons = []
    for name in action.guards:
        guard = GUARDS[name]
        if getattr(guard, "payload", False):
            continue
        failed = guard(ctx)
        if failed:
            reasons.append(failed[1])
    return reasons


def allowed_actions(case: Case, user, today: date | None = None) -> list[str]:
    """What ``user`` may do now: from the table, for the role and team, guards passing."""
    today = today or clock.today()
    return [a.name for a in actions_from(case.state)
            if _role_ok(a, case, user) and not _pre_guards(a, case, user, today)]


def _log(case: Case, action: str, from_state: str | None, to_state: str, user,
         on: date | None, payload: dict[str, Any]) -> None:
    seq = (db.session.scalar(sa.select(sa.func.max(CaseAction.seq)).where(
        CaseAction.case_id == case.id)) or 0) + 1
    db.session.add(CaseAction(case_id=case.id, seq=seq, action=action, from_state=from_state,
                              to_state=to_state, actor_id=user.id if user else None,
                              at=clock.now(), on=on, payload=payload))


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def perform(case: Case, name: str, data: dict[str, Any], user) -> Case:
    """Take workflow action ``name`` on ``case`` (see the module docstring)."""
    action = BY_NAME.get(name)
    if action is None:
        raise ValidationFailed(_("未知的操作"), errors={"action": [_("未知的操作：%(a)s", a=name)]})
    if case.state not in action.sources:
        raise TransitionNotAllowed(_("案件当前为“%(s)s”，不能执行“%(a)s”",
                                     s=_(STATES[case.state]), a=_(action.label)))
    if not user.has_role(action.role):
        raise Forbidden(_("“%(a)s”须由%(r)s办理", a=_(action.label), r=_(ROLE_NAMES[action.role])))
    if action.team_only and action.role == "officer" and not in_team(case, user):
        raise Forbidden(_("只有本案承办人可以执行“%(a)s”", a=_(action.label)))
    case.check_version(data.get("version"))
    data = dict(data)
    errors: dict[str, list[str]] = {}
    for field in action.fields:
        value = data.get(field)
        if value is None or (isinstance(value, str | list | dict) and not value):
            errors[field] = [_("此项为必填项。")]
    today = clock.today()
    on = data.get(action.date_field) if action.date_field else None
    on = on or today
    if action.date_field and on > today:
        errors[action.date_field] = [_("日期不能晚于今天。")]
    elif action.date_field:
        for key, label in NOT_BEFORE.get(action.name, ()):
            earlier = getattr(case, key) if key in ("filed_on", "discovered_on") \
                else _date(case, key)
            if earlier is not None and on < earlier:
                errors[action.date_field] = [_("日期不能早于%(l)s %(d)s。", l=_(label),
                                               d=earlier.isoformat())]
                break
    if errors:
        raise ValidationFailed(_("请补全“%(a)s”所需的内容", a=_(action.label)), errors=errors)
    ctx = Ctx(case, user, data, on, today)
    for guard_name in action.guards:
        failed = GUARDS[guard_name](ctx)
        if failed:
            field, message = failed
            if field:
                raise ValidationFailed(message, errors={field: [message]})
            raise TransitionNotAllowed(message)
    from_state = case.state
    for effect in action.effects:
        if effect == "record_review":
            _e_record_review(ctx, action.name)
        else:
            EFFECTS[effect](ctx)
    target = data.pop("_target", None) or action.target or case.state
    case.state = target
    case.updated_at = clock.now()
    if target in ("closed", "no_penalty") or action.name in ("decide", "decide_on_spot"):
        _after_penalty(case, user)
    logged = {k: _jsonable(v) for k, v in data.items()
              if k not in ("version", "action", "points") and not k.startswith("_")}
    if "points" in data:
        logged["points"] = _jsonable(data["points"])
    _log(case, action.name, from_state, target, user, on if action.date_field else None, logged)
    db.session.flush()
    return case


# an event cannot be dated before the events it follows (the windows run from those dates)
_FILED = ("filed_on", N_("立案日期"))
_NOTICE = ("notice_served_on", N_("告知书送达日期"))
NOT_BEFORE: dict[str, tuple[tuple[str, str], ...]] = {
    "serve_notice": (_FILED, ("concluded_on", N_("调查终结日期"))),
    "record_statement": (_NOTICE,),
    "waive_rights": (_NOTICE,),
    "request_hearing": (_NOTICE,),
    "schedule_hearing": (("hearing_requested_on", N_("听证申请日期")),),
    "record_discussion": (_FILED,),
    "decide": (_NOTICE, ("hearing_held_on", N_("听证日期")), ("reviewed_on", N_("法制审核日期")),
               ("discussed_on", N_("集体讨论日期"))),
    "serve_decision": (("decided_on", N_("决定日期")),),
    "serve_demand": (("decision_served_on", N_("决定书送达日期")),),
    "record_appeal": (("decision_served_on", N_("决定书送达日期")),),
    "approve_closing": (("decided_on", N_("决定日期")),),
    "no_penalty": (("discovered_on", N_("发现日期")),),
    "transfer": (("discovered_on", N_("发现日期")),),
}

ROLE_NAMES = {"officer": N_("执法人员"), "leader": N_("负责人"), "reviewer": N_("法制审核人员")}


def _after_penalty(case: Case, user) -> None:
    """A penalty decided feeds the registry's risk class (近12个月受到行政处罚)."""
    if case.enterprise_id:
        from enforcement.enterprises import service as registry_service

        registry_service.classify(registry_service.get_enterprise(case.enterprise_id),
                                  trigger="penalty_decided", user_id=user.id if user else None)


def penalty_counts(ids: list[int], today: date) -> dict[int, dict[str, int]]:
    """Registry fact ``penalties_12m``: penalty decisions against each enterprise in the last
    12 months (a fine or another penalty; not 不予处罚)."""
    since = today - timedelta(days=365)
    rows = db.session.execute(
        sa.select(Case.enterprise_id, sa.func.count()).where(
            Case.enterprise_id.in_(ids), Case.decided_on.is_not(None),
            Case.decided_on > since, Case.decided_on <= today,
            Case.state.not_in(("withdrawn",))).group_by(Case.enterprise_id)).all()
    return {eid: {"penalties_12m": n} for eid, n in rows}


def install(app) -> None:
    from enforcement.cases import workflow
    from enforcement.enterprises import service as registry_service

    workflow.check_table()
    registry_service.add_fact_source(penalty_counts)
    violations.load()
    discretion.benchmark_ident()
    dl.rules_version()


# -- evidence and interviews ------------------------------------------------------------------

EVIDENCE_STATES = ("pre_filing", "filing_review", "investigating", "proposal_review",
                   "notice_pending", "notified", "hearing_requested", "hearing_scheduled",
                   "legal_review", "pending_decision", "summary")


def _require_handler(case: Case, user) -> None:
    if not in_team(case, user):
        raise Forbidden(_("只有本案承办人可以收集证据、制作笔录"))
    if case.state not in EVIDENCE_STATES:
        raise TransitionNotAllowed(_("案件当前为“%(s)s”，不能再补充证据", s=_(STATES[case.state])))


def add_evidence(case: Case, data: dict[str, Any], user) -> Evidence:
    """证据 (第四十六条): kind, what it is, files, who collected it, when and where."""
    _require_handler(case, user)
    errors: dict[str, list[str]] = {}
    kind = data.get("kind")
    if kind not in EVIDENCE_KINDS:
        errors["kind"] = [_("请选择证据种类。")]
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("请填写证据名称。")]
    collected_on = data.get("collected_on") or clock.today()
    if collected_on > clock.today():
        errors["collected_on"] = [_("收集日期不能晚于今天。")]
    collectors = list(dict.fromkeys(data.get("collector_ids") or [user.id]))
    if bad := [c for c in collectors if c not in case.officer_ids]:
        errors["collector_ids"] = [_("收集人须为本案承办人：%(ids)s。",
                                     ids="、".join(map(str, bad)))]
    file_ids = list(dict.fromkeys(data.get("file_ids") or []))
    for file_id in file_ids:
        try:
            storage.get_file(file_id)
        except NotFound:
            errors["file_ids"] = [_("文件 %(id)s 不存在。", id=file_id)]
    if kind in ("documentary", "audiovisual", "electronic", "inspection_record") \
            and not file_ids and "file_ids" not in errors:
        errors["file_ids"] = [_("请上传证据文件。")]
    if errors:
        raise ValidationFailed(_("证据信息有误"), errors=errors)
    evidence = Evidence(case_id=case.id, kind=kind, title=title[:200],
                        description=(data.get("description") or "").strip()[:2000],
                        file_ids=file_ids, collector_ids=collectors, collected_on=collected_on,
                        place=(data.get("place") or "").strip()[:300], created_by=user.id)
    db.session.add(evidence)
    case.updated_at = clock.now()
    _log(case, "add_evidence", case.state, case.state, user, collected_on,
         {"kind": kind, "title": title})
    db.session.flush()
    return evidence


def add_interview(case: Case, data: dict[str, Any], user) -> Interview:
    """询问笔录 (第五十五条): two officers, the interviewee, questions and answers."""
    _require_handler(case, user)
    errors: dict[str, list[str]] = {}
    raw = data.get("interviewee") or {}
    name = (raw.get("name") or "").strip()
    if not name:
        errors["interviewee.name"] = [_("请填写被询问人姓名。")]
    interviewee: dict[str, Any] = {"name": name[:60], "role": (raw.get("role") or "").strip()[:60],
                                   "phone": (raw.get("phone") or "").strip()[:40]}
    id_number = crypto.normalize_id_number(raw.get("id_number") or "")
    if id_number:
        if not crypto.id_number_valid(id_number):
            errors["interviewee.id_number"] = [_("公民身份号码不正确。")]
        else:
            interviewee["id_number_enc"] = crypto.encrypt(id_number)
            interviewee["id_number_masked"] = crypto.mask_id_number(id_number)
    officers = list(dict.fromkeys(data.get("officer_ids") or case.officer_ids[:2]))
    if len(officers) < 2 or any(o not in case.officer_ids for o in officers):
        errors["officer_ids"] = [_("询问须由两名以上本案承办人进行（行政处罚法第四十二条）。")]
    started, ended = data.get("started_at"), data.get("ended_at")
    if not started or not ended:
        errors["started_at"] = [_("请填写询问起止时间。")]
    elif ended <= started:
        errors["ended_at"] = [_("结束时间须晚于开始时间。")]
    elif ended > clock.now() + timedelta(minutes=10):
        errors["ended_at"] = [_("结束时间不能晚于现在。")]
    qa = [{"q": (p.get("q") or "").strip(), "a": (p.get("a") or "").strip()}
          for p in (data.get("qa") or [])]
    qa = [p for p in qa if p["q"] or p["a"]]
    if not qa:
        errors["qa"] = [_("请记录询问的问题和回答。")]
    elif any(not p["q"] or not p["a"] for p in qa):
        errors["qa"] = [_("每一问都须有回答（拒绝回答请如实记录）。")]
    place = (data.get("place") or "").strip()
    if not place:
        errors["place"] = [_("请填写询问地点。")]
    if errors:
        raise ValidationFailed(_("询问笔录有误"), errors=errors)
    interview = Interview(case_id=case.id, interviewee=interviewee, place=place[:300],
                          started_at=started, ended_at=ended, officer_ids=officers, qa=qa,
                          created_by=user.id)
    db.session.add(interview)
    case.updated_at = clock.now()
    _log(case, "add_interview", case.state, case.state, user, clock.local(started).date(),
         {"interviewee": name})
    db.session.flush()
    return interview


# -- publication ------------------------------------------------------------------------------

def publications(on: date | None = None) -> list[Publication]:
    """What the public page shows: publications not withdrawn."""
    return list(db.session.scalars(sa.select(Publication).where(
        Publication.withdrawn_on.is_(None)).order_by(Publication.published_on.desc(),
                                                     Publication.id.desc())))


def withdraw_publication(case: Case, reason: str, user) -> Publication:
    """撤回公示 (第四十八条第二款): within 3 working days of the decision changing."""
    if not user.has_role("leader"):
        raise Forbidden(_("撤回公示须由负责人决定"))
    pub = publication_of(case)
    if pub is None or pub.withdrawn_on:
        raise TransitionNotAllowed(_("本案没有在公示中的决定"))
    if not (reason or "").strip():
        raise ValidationFailed(_("请说明撤回理由"), errors={"reason": [_("请说明撤回理由。")]})
    pub.withdrawn_on = clock.today()
    pub.withdraw_reason = reason.strip()[:500]
    _log(case, "withdraw_publication", case.state, case.state, user, pub.withdrawn_on,
         {"reason": pub.withdraw_reason})
    db.session.flush()
    return pub


def _mark_publication_on_reopen(case: Case) -> None:
    pub = publication_of(case)
    if pub is not None and not pub.withdrawn_on and pub.withdraw_by is None:
        pub.withdraw_by = workdays.add_workdays(clock.today(), 3).value


# -- lists for pages --------------------------------------------------------------------------

def upcoming(user, *, days: int = 14, today: date | None = None,
             mine: bool = True) -> list[tuple[Case, dl.Deadline]]:
    """到期和逾期: open deadlines due within ``days`` and missed ones of live cases."""
    today = today or clock.today()
    stmt = sa.select(Case).where(Case.state.not_in(tuple(FINAL_STATES)))
    if mine and not user.has_role("leader"):
        stmt = stmt.where(Case.id.in_(sa.select(CaseOfficer.case_id).where(
            CaseOfficer.user_id == user.id)))
    out = []
    horizon = today + timedelta(days=days)
    for case in db.session.scalars(stmt):
        for deadline in deadlines(case, today):
            if deadline.owner == "party" and deadline.kind not in ("payment",):
                if deadline.status != "open":
                    continue
            if deadline.status == "missed" and deadline.done_on is None:
                out.append((case, deadline))
            elif deadline.status == "open" and deadline.due_on <= horizon:
                out.append((case, deadline))
    out.sort(key=lambda pair: (pair[1].due_on, pair[0].id))
    return out


def overdue_ids(today: date | None = None) -> set[int]:
    today = today or clock.today()
    ids = set()
    for case in db.session.scalars(sa.select(Case).where(
            Case.state.not_in(tuple(FINAL_STATES)))):
        if any(d.status == "missed" and d.done_on is None and d.owner == "bureau"
               or d.kind == "payment" and d.status == "missed" and d.done_on is None
               for d in deadlines(case, today)):
            ids.add(case.id)
    return ids


def queue(user) -> dict[str, list[Case]]:
    """审核 queues: the reviewer's cases in 法制审核; the leader's approvals."""
    out: dict[str, list[Case]] = {}
    if user.has_role("reviewer"):
        out["legal_review"] = list(db.session.scalars(
            sa.select(Case).where(Case.state == "legal_review").order_by(Case.updated_at)))
    if user.has_role("leader"):
        for state in ("filing_review", "proposal_review", "pending_decision",
                      "closing_review"):
            out[state] = list(db.session.scalars(
                sa.select(Case).where(Case.state == state).order_by(Case.updated_at)))
        ready = [c for c in db.session.scalars(sa.select(Case).where(Case.state == "notified"))
                 if "decide" in allowed_actions(c, user)]
        out["notified"] = ready
    return out


def action_label(name: str) -> str:
    return ACTION_LABELS.get(name, name)


# -- the case as plain data (API, pages, documents) -------------------------------------------

def user_names(ids) -> dict[int, str]:
    from enforcement.inspections import service as inspections_service

    return inspections_service.user_names(ids)


def case_view(case: Case, user, *, full: bool = True, today: date | None = None
              ) -> dict[str, Any]:
    """Everything about the case the caller may see, as plain data."""
    today = today or clock.today()
    catalogue = violations.catalogue()
    view: dict[str, Any] = {
        "id": case.id, "number": case.number, "state": case.state,
        "state_label": _(STATES[case.state]), "version": case.version,
        "procedure": case.procedure, "source": case.source, "title": case.title,
        "party": party_view(case, full=full and may_see_personal_data(case, user)),
        "enterprise_id": case.enterprise_id, "inspection_id": case.inspection_id,
        "lead_id": case.lead_id, "officer_ids": case.officer_ids, "facts": case.facts,
        "violation_codes": case.violation_codes,
        "violations": [catalogue.get(c).to_dict() if catalogue.get(c) else {"code": c}
                       for c in case.violation_codes],
        "discovered_on": case.discovered_on, "filed_on": case.filed_on,
        "decided_on": case.decided_on, "closed_on": case.closed_on, "dates": case.dates,
        "proposed_penalty": case.proposed_penalty, "decision": case.decision,
        "fine": case.fine, "paid": case.paid, "owed": amount_owed(case, today),
        "surcharge": surcharge(case, today), "hearing_right": case.hearing_right,
        "flags": case.flags, "decision_extensions": case.decision_extensions,
        "appeals": case.appeals,
        "outcome": case.outcome, "created_at": case.created_at,
        "updated_at": case.updated_at,
    }
    if not full:
        return view
    reasons = review_reasons(case)
    names = user_names(a.actor_id for a in timeline(case))
    pub = publication_of(case)
    view.update({
        "legal_review_required": bool(reasons), "legal_review_reasons": reasons,
        "discussion_reasons": discussion_reasons(case),
        "allowed_actions": allowed_actions(case, user, today),
        "blocked_actions": blocked(case, user, today),
        "deadlines": [d.to_dict() for d in deadlines(case, today)],
        "timeline": [{"seq": a.seq, "action": a.action, "label": _(action_label(a.action)),
                      "from_state": a.from_state, "to_state": a.to_state,
                      "actor_id": a.actor_id, "actor": names.get(a.actor_id), "at": a.at,
                      "on": a.on, "payload": a.payload} for a in timeline(case)],
        "publication": ({"published_on": pub.published_on.isoformat(),
                         "withdraw_by": pub.withdraw_by.isoformat() if pub.withdraw_by
                         else None,
                         "withdrawn_on": pub.withdrawn_on.isoformat() if pub.withdrawn_on
                         else None} if pub else None),
    })
    return view


def officer_choices() -> list[User]:
    """Officers who may handle a case: active, with a certificate number."""
    from enforcement.auth.models import UserRole

    return list(db.session.scalars(
        sa.select(User).join(UserRole).where(UserRole.role == "officer", User.active.is_(True),
                                             User.certificate_no.is_not(None))
        .order_by(User.display_name)))
