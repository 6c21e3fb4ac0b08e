"""The data a document is filled with, built from the records (no retyping).

Every builder returns plain data (dicts, lists, text, numbers as text) — templates never see
ORM objects. ``SAMPLES`` holds one complete example per subject: the kinds registry renders
every template with it at start-up, so a template that uses a field the builders do not
provide fails there, naming the field (and a test checks that the builders produce exactly
the sample's fields).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from enforcement.core import clock
from enforcement.extensions import db


def _d(value: date | str | None) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _money(value: Any) -> str:
    if value in (None, ""):
        return ""
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def _names(ids) -> dict[int, Any]:
    from enforcement.auth.models import User

    ids = [i for i in ids if i]
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


def _agency() -> dict[str, str]:
    config = current_app.config
    return {"agency": config["BUREAU_NAME"],
            "reconsideration_body": config.get("RECONSIDERATION_BODY")
            or config["BUREAU_NAME"].replace("应急管理局", "人民政府"),
            "court": config.get("COURT_NAME") or config["BUREAU_NAME"].replace("应急管理局",
                                                                               "人民法院"),
            "payment_account": config.get("PAYMENT_ACCOUNT")
            or "代收银行：汶上县农村商业银行各网点（非税收入一般缴款书）",
            "agency_address": config.get("BUREAU_ADDRESS") or "",
            "agency_phone": config.get("BUREAU_PHONE") or ""}


def _issued_documents(field: str, subject_id: int) -> list[dict[str, str]]:
    """The subject's issued documents (kind, name, number, date), e.g. for a 整改复查意见书
    citing its 责令限期整改指令书 or a 催缴通知书 citing its 决定书."""
    from enforcement.documents import kinds
    from enforcement.documents.models import Document

    registry = kinds.registry()
    rows = db.session.scalars(sa.select(Document).where(
        getattr(Document, field) == subject_id, Document.state == "issued",
        Document.number.is_not(None)).order_by(Document.issued_on, Document.id))
    return [{"kind": d.kind, "name": k.name if (k := registry.get(d.kind)) else d.kind,
             "number": d.number or "", "issued_on": _d(d.issued_on)} for d in rows]


# -- cases ------------------------------------------------------------------------------------

def case_data(case_id: int) -> dict[str, Any]:
    from enforcement.cases import service as cases
    from enforcement.cases import violations

    case = cases.get_case(case_id)
    with force_locale("zh_CN"):
        return _case_data(case, cases, violations.catalogue())


def _case_data(case, cases, catalogue) -> dict[str, Any]:
    users = _names([*case.officer_ids, *(r.reviewer_id for r in cases.reviews_of(case))])
    certificates = {m.user_id: m.certificate_no for m in case.team}
    party = cases.party_view(case)
    deadlines = {d.kind: d for d in cases.deadlines(case)}
    proposal = case.proposed_penalty or {}
    decision = case.decision or {}
    reviews = cases.reviews_of(case)
    last_review = reviews[-1] if reviews else None
    interviews = cases.interviews_of(case)
    hearing_dates = case.dates

    def penalty(block: dict) -> dict[str, Any]:
        if not block:
            return {"items": [], "fine": "", "other": [], "text": ""}
        items = [{"code": i["violation_code"], "description": i.get("description", ""),
                  "penalty_basis": i.get("penalty_basis", ""), "fine": _money(i.get("fine")),
                  "tier": i.get("tier_label") or ""} for i in block.get("items", [])]
        other = [_(cases.OTHER_PENALTIES[o]) for o in block.get("other", [])]
        parts = [_("罚款人民币%(f)s元", f=_money(block.get("fine")))] \
            if Decimal(str(block.get("fine") or 0)) else []
        return {"items": items, "fine": _money(block.get("fine")), "other": other,
                "text": "，".join(parts + other)}

    def due(kind: str) -> str:
        return _d(deadlines[kind].due_on) if kind in deadlines else ""

    return {
        **_agency(),
        "case": {"id": case.id, "number": case.number or "", "title": case.title,
                 "facts": case.facts, "source": _(cases.SOURCE_LABELS[case.source]),
                 "procedure": _(cases.PROCEDURE_LABELS[case.procedure]),
                 "discovered_on": _d(case.discovered_on), "filed_on": _d(case.filed_on),
                 "decided_on": _d(case.decided_on), "closed_on": _d(case.closed_on)},
        "party": {"kind": party.get("kind", "unit"), "name": party.get("name", ""),
                  "uscc": party.get("uscc", ""), "address": party.get("address", ""),
                  "legal_rep": party.get("legal_rep", ""), "phone": party.get("phone", ""),
                  "id_number_masked": party.get("id_number_masked", "")},
        "officers": [{"name": users[m.user_id].display_name if m.user_id in users else "",
                      "certificate_no": m.certificate_no} for m in case.team],
        "violations": [{"code": c, "description": v.description, "violated": v.violated,
                        "penalty_basis": v.penalty_basis, "penalty": v.penalty}
                       for c in case.violation_codes if (v := catalogue.get(c)) is not None],
        "proposal": penalty(proposal),
        "decision": penalty(decision),
        "hearing_right": case.hearing_right,
        "deadlines": {"statement": due("statement"), "hearing_request": due("hearing_request"),
                      "decision": due("decision"), "payment": due("payment"),
                      "reconsideration": due("reconsideration"),
                      "litigation": due("litigation")},
        "dates": {"notice_served_on": _d(hearing_dates.get("notice_served_on")),
                  "statement_on": _d(hearing_dates.get("statement_on")),
                  "hearing_on": _d(hearing_dates.get("hearing_on")),
                  "hearing_held_on": _d(hearing_dates.get("hearing_held_on")),
                  "decision_served_on": _d(hearing_dates.get("decision_served_on")),
                  "demand_served_on": _d(hearing_dates.get("demand_served_on"))},
        "evidence": [{"kind": _(cases.EVIDENCE_LABELS[e.kind]), "title": e.title,
                      "collected_on": _d(e.collected_on)} for e in cases.evidence_of(case)],
        "interviews": [{"interviewee": i.interviewee.get("name", ""),
                        "role": i.interviewee.get("role", ""),
                        "id_number_masked": i.interviewee.get("id_number_masked", ""),
                        "place": i.place,
                        "started_at": clock.local(i.started_at).strftime("%Y-%m-%d %H:%M"),
                        "ended_at": clock.local(i.ended_at).strftime("%Y-%m-%d %H:%M"),
                        "officers": [users[o].display_name if o in users else ""
                                     for o in i.officer_ids],
                        "qa": [{"q": p["q"], "a": p["a"]} for p in i.qa],
                        "phone": i.interviewee.get("phone", ""),
                        "interviewers": [{"name": users[o].display_name if o in users else "",
                                          "certificate_no": certificates.get(o, "")}
                                         for o in i.officer_ids]} for i in interviews],
        "review": ({"result": last_review.result, "opinion": last_review.opinion,
                    "reviewer": users[last_review.reviewer_id].display_name
                    if last_review.reviewer_id in users else "",
                    "at": clock.local(last_review.at).strftime("%Y-%m-%d")}
                   if last_review else {"result": "", "opinion": "", "reviewer": "", "at": ""}),
        "payment": {"fine": _money(case.fine), "paid": _money(case.paid),
                    "owed": _money(cases.amount_owed(case)),
                    "surcharge": _money(cases.surcharge(case))},
        "outcome": {"reason": case.outcome.get("reason", ""),
                    "summary": (case.outcome.get("education") or "")},
        "documents": _issued_documents("case_id", case.id),
    }


# -- inspections ------------------------------------------------------------------------------

def inspection_data(inspection_id: int) -> dict[str, Any]:
    from enforcement.inspections import service as inspections

    with force_locale("zh_CN"):
        return _inspection_data(inspections.get_inspection(inspection_id), inspections)


def _inspection_data(inspection, inspections) -> dict[str, Any]:
    from enforcement.enterprises.models import Enterprise
    from enforcement.experts.models import Expert

    enterprise = db.session.get(Enterprise, inspection.enterprise_id)
    users = _names(inspection.officer_ids)
    experts = {e.id: e for e in db.session.scalars(sa.select(Expert).where(
        Expert.id.in_(inspection.expert_ids or [0])))}
    rep = inspection.representative or {}
    start = clock.local(inspection.started_at)
    end = clock.local(inspection.ended_at) if inspection.ended_at else None
    failed = [i for i in inspection.items if i.result == "fail"]
    return {
        **_agency(),
        "inspection": {"id": inspection.id, "address": inspection.address or
                       (enterprise.address or ""), "place": inspection.place,
                       "purpose": inspection.purpose, "findings": inspection.findings,
                       "started_at": start.strftime("%Y-%m-%d %H:%M"),
                       "ended_at": end.strftime("%Y-%m-%d %H:%M") if end else "",
                       "checklist": inspection.checklist},
        "party": {"kind": "unit", "name": enterprise.name, "uscc": enterprise.uscc,
                  "address": enterprise.address or "",
                  "legal_rep": enterprise.legal_representative or "",
                  "phone": enterprise.contact_phone or "", "id_number_masked": ""},
        "representative": {"name": rep.get("name", ""), "title": rep.get("title", ""),
                           "phone": rep.get("phone", "")},
        "officers": [{"name": users[m.user_id].display_name if m.user_id in users else "",
                      "certificate_no": m.certificate_no} for m in inspection.team],
        "experts": [{"name": e.name, "employer": e.employer or ""} for e in experts.values()],
        "items": [{"code": i.code, "text": i.text, "result": i.result or "",
                   "note": i.note} for i in inspection.items],
        "failed": [{"code": i.code, "text": i.text, "note": i.note, "basis": i.basis}
                   for i in failed],
        "hazards": [{"seq": h.seq, "description": h.description, "major": h.major,
                     "basis": h.basis or "", "rectify_by": _d(h.rectify_by),
                     "measures": [_(inspections.MEASURE_LABELS[m]) for m in (h.measures or [])],
                     "state": _(inspections.HAZARD_STATE_LABELS[h.state]),
                     "reviewed_on": _d(h.reviewed_on), "review_note": h.review_note or "",
                     "state_code": h.state}
                    for h in inspection.hazards],
        "measures_basis": _(inspections.MEASURES_BASIS),
        "documents": _issued_documents("inspection_id", inspection.id),
    }


# -- plans ------------------------------------------------------------------------------------

def plan_data(plan_id: int) -> dict[str, Any]:
    from enforcement.plans import service as plans

    with force_locale("zh_CN"):
        return _plan_data(plans.get_plan(plan_id), plans)


def _plan_data(plan, plans) -> dict[str, Any]:
    from enforcement.plans.inputs import PlanRulesError, load_rules

    cap = plan.capacity
    summary = plan.summary or {}
    # the stored summary counts the tasks by month (JSON: the keys are text)
    by_month = {int(k): v for k, v in (summary.get("by_month") or {}).items()}
    kinds = {k: int(summary.get(k) or 0) for k in ("key", "random", "campaign")}
    try:
        labels = {code: rule.label for code, rule in load_rules().classes.items()}
    except PlanRulesError:  # a broken rules file must not stop the plan document
        labels = {}
    allocation = plan.allocation or {}
    shortfall = plan.shortfall or {}
    deductions = plan.deductions or {}
    return {
        **_agency(),
        "plan": {"id": plan.id, "year": plan.year, "seed": plan.seed, "ruleset": plan.ruleset,
                 "provisional": plan.provisional,
                 "approved_on": clock.local(plan.approved_at).date().isoformat()
                 if plan.approved_at else ""},
        "capacity": {"officers": cap.get("officers", 0),
                     "legal_workdays_per_officer": cap.get("legal_workdays_per_officer", 0),
                     "total_workdays": cap.get("total_workdays", 0),
                     "other_enforcement_days": cap.get("other_enforcement_days", 0),
                     "non_enforcement_days": cap.get("non_enforcement_days", 0),
                     "inspection_workdays": cap.get("inspection_workdays", 0),
                     "reserve": cap.get("reserve", 0),
                     "reserve_ratio": cap.get("reserve_ratio", 0),
                     "officer_days_per_inspection": cap.get("officer_days_per_inspection", 0),
                     "inspections_possible": cap.get("inspections_possible", 0)},
        "summary": {str(k): v for k, v in summary.items()
                    if isinstance(v, int | float | str)},
        "counts": {**kinds, "planned": sum(kinds.values())},
        "by_class": [{"code": str(code), "label": labels.get(code) or f"{code}类",
                      "count": count} for code, count in (summary.get("by_class") or {}).items()],
        "by_township": [{"name": str(name), "count": count}
                        for name, count in (summary.get("by_township") or {}).items()],
        "deductions": {key: [{"name": str(name), "days": days}
                             for name, days in (deductions.get(key) or {}).items()]
                       for key in ("other_enforcement", "non_enforcement")},
        "allocation": {key: allocation.get(key, 0) for key in (
            "mandatory", "mandatory_covered", "campaign", "random", "random_pool",
            "random_quota", "planned")},
        "shortfall": {"inspections": shortfall.get("inspections", 0),
                      "officer_days": shortfall.get("officer_days", 0),
                      "enterprises": len(shortfall.get("enterprise_ids") or [])},
        "campaigns": [{"name": str(c.get("name", "")), "limit": c.get("limit", 0)}
                      for c in (plan.params or {}).get("campaigns") or []],
        "avoided": [{"label": str(a.get("label", "")), "start": _d(a.get("start")),
                     "end": _d(a.get("end"))} for a in plan.avoided or []],
        "notes": [str(n) for n in plan.notes or []],
        "months": [{"month": m, "count": by_month.get(m, 0)} for m in range(1, 13)],
        "random": {"pool": len(plan.random_pool_ids or []),
                   "drawn": len(plan.random_drawn_ids or [])},
    }


BUILDERS = {"case": case_data, "inspection": inspection_data, "plan": plan_data}


# -- samples: every field a template may use --------------------------------------------------

_AGENCY = {"agency": "汶上县应急管理局", "reconsideration_body": "汶上县人民政府",
           "court": "汶上县人民法院", "payment_account": "代收银行：汶上县农村商业银行各网点",
           "agency_address": "汶上县中都街道示范路1号", "agency_phone": "0537-7200001"}
# what the document service adds to every document's data (document number, reviewer's signing)
_SERVICE = {"number": "",
            "signing": {"reviewer": "颜法明", "role": "法制审核人员", "at": "2026-11-18 10:00",
                        "seal": True}}
_PARTY = {"kind": "unit", "name": "济宁喆𠮷〇机械有限公司", "uscc": "91370830MA3C000001",
          "address": "汶上县南站镇工业园1号", "legal_rep": "张三", "phone": "0537-7200000",
          "id_number_masked": ""}
_OFFICERS = [{"name": "黄秀英", "certificate_no": "37083000001"},
             {"name": "孙静怡", "certificate_no": "37083000013"}]
_PENALTY = {"items": [{"code": "SCL99-2", "description": "未对安全设备进行经常性维护、保养",
                       "penalty_basis": "《中华人民共和国安全生产法》第九十九条第（三）项",
                       "fine": "20000.00", "tier": "一般"}],
            "fine": "20000.00", "other": ["警告"], "text": "罚款人民币20000.00元，警告"}

SAMPLES: dict[str, dict[str, Any]] = {
    "case": {
        **_AGENCY, **_SERVICE,
        "case": {"id": 1, "number": "汶应急案〔2026〕1号", "title": "某公司未维护安全设备案",
                 "facts": "2026年11月2日，执法人员现场检查时发现……", "source": "监督检查发现",
                 "procedure": "普通程序", "discovered_on": "2026-11-02",
                 "filed_on": "2026-11-02", "decided_on": "2026-11-20", "closed_on": ""},
        "party": _PARTY, "officers": _OFFICERS,
        "violations": [{"code": "SCL99-2", "description": "未对安全设备进行经常性维护、保养",
                        "violated": "《中华人民共和国安全生产法》第三十六条第二款",
                        "penalty_basis": "《中华人民共和国安全生产法》第九十九条第（三）项",
                        "penalty": "责令限期改正，处五万元以下的罚款"}],
        "proposal": _PENALTY, "decision": _PENALTY, "hearing_right": True,
        "deadlines": {"statement": "2026-11-05", "hearing_request": "2026-11-09",
                      "decision": "2027-02-01", "payment": "2026-12-07",
                      "reconsideration": "2027-01-19", "litigation": "2027-05-20"},
        "dates": {"notice_served_on": "2026-11-02", "statement_on": "",
                  "hearing_on": "2026-11-16", "hearing_held_on": "2026-11-16",
                  "decision_served_on": "2026-11-21", "demand_served_on": ""},
        "evidence": [{"kind": "视听资料", "title": "现场照片", "collected_on": "2026-11-02"}],
        "interviews": [{"interviewee": "王建国", "role": "安全主管",
                        "id_number_masked": "110105********002X", "place": "企业会议室",
                        "started_at": "2026-11-02 09:00", "ended_at": "2026-11-02 09:40",
                        "officers": ["黄秀英", "孙静怡"],
                        "qa": [{"q": "除尘系统多久清理一次？", "a": "每月一次。"}],
                        "phone": "13800000000",
                        "interviewers": _OFFICERS}],
        "review": {"result": "approve", "opinion": "同意。", "reviewer": "颜法明",
                   "at": "2026-11-18"},
        "payment": {"fine": "20000.00", "paid": "0.00", "owed": "20000.00",
                    "surcharge": "0.00"},
        "outcome": {"reason": "", "summary": ""},
        "documents": [{"kind": "penalty_notice", "name": "行政处罚告知书",
                       "number": "汶应急罚告〔2026〕1号", "issued_on": "2026-11-02"},
                      {"kind": "penalty_decision", "name": "行政处罚决定书",
                       "number": "汶应急罚〔2026〕1号", "issued_on": "2026-11-20"}],
    },
    "inspection": {
        **_AGENCY, **_SERVICE,
        "inspection": {"id": 1, "address": "汶上县南站镇工业园1号", "place": "生产车间",
                       "purpose": "年度监督检查计划", "findings": "",
                       "started_at": "2026-11-02 09:30", "ended_at": "2026-11-02 11:40",
                       "checklist": "现场检查表@2026.1"},
        "party": _PARTY,
        "representative": {"name": "王建国", "title": "安全主管", "phone": "13800000000"},
        "officers": _OFFICERS,
        "experts": [{"name": "李专家", "employer": "山东安全技术研究院"}],
        "items": [{"code": "GEN-01", "text": "主要负责人履行安全生产职责", "result": "pass",
                   "note": ""},
                  {"code": "DUST-10", "text": "除尘系统按规定清理", "result": "fail",
                   "note": "积尘超过1毫米"}],
        "failed": [{"code": "DUST-10", "text": "除尘系统按规定清理", "note": "积尘超过1毫米",
                    "basis": "令10号 第十一条"}],
        "hazards": [{"seq": 1, "description": "除尘管道积尘", "major": True,
                     "basis": "令10号 第十一条第（三）项", "rectify_by": "2026-11-30",
                     "measures": ["责令立即排除或限期排除事故隐患"], "state": "整改中",
                     "reviewed_on": "", "review_note": "", "state_code": "open"}],
        "measures_basis": "《安全生产法》第六十五条第一款第（三）项",
        "documents": [{"kind": "rectification_order", "name": "责令限期整改指令书",
                       "number": "汶应急责改〔2026〕1号", "issued_on": "2026-11-02"}],
    },
    "plan": {
        **_AGENCY, **_SERVICE,
        "plan": {"id": 1, "year": 2027, "seed": 372857, "ruleset": "检查频次@2026.1",
                 "provisional": True, "approved_on": "2026-12-20"},
        "capacity": {"officers": 40, "legal_workdays_per_officer": 250,
                     "total_workdays": 10000, "other_enforcement_days": 1200,
                     "non_enforcement_days": 800, "inspection_workdays": 8000, "reserve": 800,
                     "reserve_ratio": 0.1, "officer_days_per_inspection": 2,
                     "inspections_possible": 3600},
        "summary": {"total": 3600, "key": 1200, "random": 2400, "campaign": 0},
        "counts": {"key": 1000, "random": 2400, "campaign": 200, "planned": 3600},
        "by_class": [{"code": "A", "label": "A类（重大风险）", "count": 160},
                     {"code": "B", "label": "B类（较大风险）", "count": 840},
                     {"code": "C", "label": "C类（一般风险）", "count": 1500},
                     {"code": "D", "label": "D类（低风险）", "count": 1100}],
        "by_township": [{"name": name, "count": count} for name, count in (
            ("中都街道", 380), ("义桥镇", 200), ("军屯乡", 240), ("南旺镇", 260),
            ("南站镇", 300), ("寅寺镇", 220), ("康驿镇", 260), ("杨店镇", 200),
            ("次丘镇", 240), ("汶上街道", 400), ("白石镇", 220), ("苑庄镇", 220),
            ("郭仓镇", 220), ("郭楼镇", 240))],
        "deductions": {
            "other_enforcement": [{"name": name, "days": days} for name, days in (
                ("安全生产综合监管", 200), ("行政许可", 150), ("事故调查处理", 120),
                ("投诉举报核查", 150), ("联合执法", 100), ("登记、备案", 80),
                ("中介机构检查", 60), ("宣传教育培训", 140), ("行政复议、应诉", 50),
                ("上级交办执法任务", 150))],
            "non_enforcement": [{"name": name, "days": days} for name, days in (
                ("机关值班", 200), ("学习、培训、考核、会议", 200), ("指导下级", 60),
                ("党群活动", 80), ("病假、事假", 60), ("年休假、探亲假、婚丧假", 160),
                ("其他非执法工作", 40))]},
        "allocation": {"mandatory": 1000, "mandatory_covered": 1000, "campaign": 200,
                       "random": 2400, "random_pool": 2500, "random_quota": 1080,
                       "planned": 3600},
        "shortfall": {"inspections": 0, "officer_days": 0, "enterprises": 0},
        "campaigns": [{"name": name, "limit": 50}
                      for name in ("违规电气焊", "有限空间", "高处坠落", "外包施工")],
        "avoided": [{"label": "春节", "start": "2027-02-06", "end": "2027-02-12"},
                    {"label": "国庆节", "start": "2027-10-01", "end": "2027-10-07"}],
        "notes": ["2027 年尚无官方节假日安排，法定工作日按双休日计算（暂定），公布后请重新编制"],
        "months": [{"month": m, "count": 300} for m in range(1, 13)],
        "random": {"pool": 2500, "drawn": 2400},
    },
}
