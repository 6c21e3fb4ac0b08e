"""现场检查 — start a record, answer the checklist, record hazards and the 第六十五条 measures,
sign, complete (the record locks), correct by amendment, re-check (复查), propose a case; and
leads (线索) from complaints, monitoring and referrals.

Law encoded here:
- 行政处罚法 第四十二条: at least two officers, each with an enforcement certificate.
- 行政处罚法 第四十三条 / 安全生产法: an officer with a declared relationship to the party is
  recused (回避); an expert with a conflict of interest is never on the team.
- 安全生产法 第六十五条第一款第（三）项: hazards found are ordered removed at once or within a set
  time; for a 重大事故隐患 the officers may order people out of the danger zone, a temporary stop
  of production or of the equipment concerned; work resumes only after review and consent.
- 安全生产法 第六十八条: the record states time, place, content, problems found and how they were
  handled, and is signed by the officers and the unit's 负责人; a refusal is recorded (here with
  a witness who signs).

Services flush, never commit. Every change is audited by the models' ``Audited`` mixin.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from enforcement.auth.models import User, UserRole
from enforcement.core import clock, storage
from enforcement.core.errors import (
    Forbidden,
    NotFound,
    TransitionNotAllowed,
    ValidationFailed,
)
from enforcement.core.i18n import N_
from enforcement.enterprises.models import Enterprise, OfficerRelation
from enforcement.extensions import db
from enforcement.inspections import checklists
from enforcement.inspections.models import (
    MEASURES,
    Hazard,
    Inspection,
    InspectionAmendment,
    InspectionItem,
    InspectionOfficer,
    Lead,
)

STATE_LABELS = {"in_progress": N_("检查中"), "completed": N_("已完成")}
RESULT_LABELS = {"pass": N_("符合"), "fail": N_("不符合"), "na": N_("不适用")}
HAZARD_STATE_LABELS = {"open": N_("整改中"), "rectified": N_("已整改"),
                       "not_rectified": N_("逾期未整改")}
MEASURE_LABELS = {
    "eliminate": N_("责令立即排除或限期排除事故隐患"),
    "evacuate": N_("责令从危险区域内撤出作业人员"),
    "suspend": N_("责令暂时停产停业"),
    "stop_use": N_("责令停止使用相关设施、设备"),
}
MEASURES_BASIS = N_("《安全生产法》第六十五条第一款第（三）项")
ROLE_LABELS = {"officer": N_("检查人员"), "expert": N_("检查专家"),
               "representative": N_("被检查单位现场负责人"), "witness": N_("见证人")}
LEAD_SOURCE_LABELS = {"inspection": N_("监督检查发现"), "complaint": N_("投诉举报"),
                      "monitoring": N_("监测预警（非现场执法）"), "referral": N_("移送交办"),
                      "other": N_("其他")}
LEAD_STATE_LABELS = {"new": N_("待处理"), "dismissed": N_("不予处理"), "inspecting": N_("转检查"),
                     "case_proposed": N_("建议立案"), "case_opened": N_("已立案")}
# (state, action) → next state. Every action needs leads.manage.
LEAD_WORKFLOW: dict[tuple[str, str], str] = {
    ("new", "dismiss"): "dismissed",
    ("new", "inspect"): "inspecting",
    ("new", "open_case"): "case_proposed",
    ("inspecting", "open_case"): "case_proposed",
    ("inspecting", "dismiss"): "dismissed",
    ("case_proposed", "dismiss"): "dismissed",
}
# 安全生产法 第一百零二条: a hazard not removed by its deadline
NOT_REMOVED_VIOLATION = "SCL102"
SIGNATURE_MAX_BYTES = 512 * 1024


# -- reading ----------------------------------------------------------------------------------

def get_inspection(inspection_id: int) -> Inspection:
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFound(_("检查记录 %(id)s 不存在", id=inspection_id))
    return inspection


def get_hazard(hazard_id: int) -> Hazard:
    hazard = db.session.get(Hazard, hazard_id)
    if hazard is None:
        raise NotFound(_("隐患 %(id)s 不存在", id=hazard_id))
    return hazard


def get_lead(lead_id: int) -> Lead:
    lead = db.session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(_("线索 %(id)s 不存在", id=lead_id))
    return lead


@dataclass
class Filters:
    officer_id: int | None = None
    enterprise_id: int | None = None
    state: str | None = None
    task_id: int | None = None
    on: date | None = None


def list_inspections(filters: Filters):
    stmt = sa.select(Inspection).order_by(Inspection.started_at.desc(), Inspection.id.desc())
    if filters.officer_id:
        stmt = stmt.where(Inspection.id.in_(sa.select(InspectionOfficer.inspection_id).where(
            InspectionOfficer.user_id == filters.officer_id)))
    if filters.enterprise_id:
        stmt = stmt.where(Inspection.enterprise_id == filters.enterprise_id)
    if filters.state:
        stmt = stmt.where(Inspection.state == filters.state)
    if filters.task_id:
        stmt = stmt.where(Inspection.task_id == filters.task_id)
    if filters.on:
        start, end = clock.day_bounds(filters.on)
        stmt = stmt.where(Inspection.started_at >= start, Inspection.started_at < end)
    return stmt


def hazards_query(*, state: str | None = None, due: str | None = None,
                  enterprise_id: int | None = None, officer_id: int | None = None,
                  today: date | None = None):
    """Hazards of completed records; ``due`` is ``overdue`` (open, deadline passed) or ``soon``
    (open, due within 7 days)."""
    today = today or clock.today()
    stmt = (sa.select(Hazard).join(Inspection, Inspection.id == Hazard.inspection_id)
            .where(Inspection.state == "completed")
            .order_by(Hazard.rectify_by, Hazard.id))
    if state:
        stmt = stmt.where(Hazard.state == state)
    if due == "overdue":
        stmt = stmt.where(Hazard.state == "open", Hazard.rectify_by < today)
    elif due == "soon":
        stmt = stmt.where(Hazard.state == "open", Hazard.rectify_by >= today,
                          Hazard.rectify_by <= today + timedelta(days=7))
    if enterprise_id:
        stmt = stmt.where(Hazard.enterprise_id == enterprise_id)
    if officer_id:
        stmt = stmt.where(Inspection.id.in_(sa.select(InspectionOfficer.inspection_id).where(
            InspectionOfficer.user_id == officer_id)))
    return stmt


def due_status(hazard: Hazard, today: date | None = None) -> str:
    """``overdue`` / ``due`` (within 3 days) / ``open`` for an open hazard, else its state."""
    today = today or clock.today()
    if hazard.state != "open":
        return hazard.state
    if hazard.rectify_by < today:
        return "overdue"
    return "due" if (hazard.rectify_by - today).days <= 3 else "open"


def open_major_hazard_counts(ids: list[int], today: date) -> dict[int, dict[str, int]]:
    """Fact source for risk classification: open 重大事故隐患 per enterprise (completed records;
    a hazard stays open until a re-check finds it rectified)."""
    rows = db.session.execute(
        sa.select(Hazard.enterprise_id, sa.func.count(Hazard.id))
        .join(Inspection, Inspection.id == Hazard.inspection_id)
        .where(Hazard.enterprise_id.in_(ids), Hazard.major.is_(True),
               Hazard.state.in_(("open", "not_rectified")), Inspection.state == "completed")
        .group_by(Hazard.enterprise_id))
    return {enterprise_id: {"open_major_hazards": n} for enterprise_id, n in rows}


def install(app) -> None:
    from enforcement.enterprises import service as registry_service

    registry_service.add_fact_source(open_major_hazard_counts)
    checklists.load()
    checklists.rules()


# -- permissions on a record ------------------------------------------------------------------

def in_team(inspection: Inspection, user) -> bool:
    return user.id in inspection.officer_ids


def _require_team(inspection: Inspection, user) -> None:
    if not in_team(inspection, user):
        raise Forbidden(_("只有本次检查的检查人员可以填写或修改检查记录"))


def _require_open(inspection: Inspection) -> None:
    if inspection.state != "in_progress":
        raise TransitionNotAllowed(_("检查记录已完成并锁定；如需更正，请提交更正说明"))


def allowed_actions(inspection: Inspection, user) -> list[str]:
    if not user.can("inspections.record"):
        return []
    if inspection.state == "in_progress":
        return ["complete"] if in_team(inspection, user) else []
    actions = ["amend"] if in_team(inspection, user) or user.can("plans.approve") else []
    if user.can("leads.manage") and any(h.state != "rectified" for h in inspection.hazards):
        actions.append("open_case")
    return actions


# -- the team ---------------------------------------------------------------------------------

def _team(officer_ids: list[int], enterprise: Enterprise, field: str = "officer_ids"
          ) -> list[tuple[int, str]]:
    """(user id, certificate no) of a valid team, in the order given: ≥2 distinct active
    officers with distinct certificate numbers, none with a declared relationship."""
    errors: list[str] = []
    if len(officer_ids) != len(set(officer_ids)):
        errors.append(_("同一名执法人员不能重复列入。"))
    ids = list(dict.fromkeys(officer_ids))
    if len(ids) < 2:
        errors.append(_("现场检查须由两名以上持证执法人员进行（《行政处罚法》第四十二条）。"))
    rows = {r[0]: r for r in db.session.execute(
        sa.select(User.id, User.certificate_no, User.display_name, User.active)
        .join(UserRole).where(User.id.in_(ids), UserRole.role == "officer"))}
    for user_id in ids:
        row = rows.get(user_id)
        if row is None or not row[3]:
            errors.append(_("用户 %(id)s 不是在岗的执法人员。", id=user_id))
        elif not row[1]:
            errors.append(_("%(n)s 没有执法证号，不能参加检查。", n=row[2]))
    certificates = [rows[i][1] for i in ids if i in rows and rows[i][1]]
    if len(certificates) != len(set(certificates)):
        errors.append(_("检查人员的执法证号不能相同。"))
    related = set(db.session.scalars(sa.select(OfficerRelation.user_id).where(
        OfficerRelation.enterprise_id == enterprise.id, OfficerRelation.user_id.in_(ids))))
    for user_id in ids:
        if user_id in related and user_id in rows:
            errors.append(_("%(n)s 与该企业存在利害关系，应当回避。", n=rows[user_id][2]))
    if errors:
        raise ValidationFailed(_("检查人员有误"), errors={field: errors})
    return [(i, rows[i][1]) for i in ids]


def _experts(expert_ids: list[int], enterprise: Enterprise) -> list[int]:
    from enforcement.experts import service as experts_service
    from enforcement.experts.models import Expert

    ids = list(dict.fromkeys(expert_ids or []))
    if not ids:
        return []
    found = {e.id: e for e in db.session.scalars(sa.select(Expert).where(Expert.id.in_(ids)))}
    conflicts = experts_service.conflicts_for(enterprise)
    errors = []
    for expert_id in ids:
        if expert_id not in found:
            errors.append(_("专家 %(id)s 不存在。", id=expert_id))
        elif expert_id in conflicts:
            errors.append(_("专家%(n)s须回避：%(r)s", n=found[expert_id].name,
                            r="；".join(conflicts[expert_id])))
    if errors:
        raise ValidationFailed(_("检查专家有误"), errors={"expert_ids": errors})
    return ids


# -- starting a record -----------------------------------------------------------------------

def _by_key(model, key: str | None, **scope):
    if not key:
        return None
    return db.session.scalar(sa.select(model).filter_by(client_key=key, **scope))


def start(data: dict[str, Any], user) -> Inspection:
    """Open a record: from a plan task, from a lead, or ad hoc with a reason. The checklist is
    chosen from the enterprise's sector and features. A repeated ``client_key`` returns the
    record it already created (a phone resending after a lost connection)."""
    existing = _by_key(Inspection, data.get("client_key"))
    if existing is not None:
        return existing
    from enforcement.enterprises import service as registry_service

    errors: dict[str, list[str]] = {}
    enterprise = None
    task = None
    if data.get("task_id"):
        from enforcement.plans import service as plans_service

        task = plans_service.get_task(data["task_id"])
        if task.state not in ("planned", "in_progress"):
            errors["task_id"] = [_("该计划任务已完成或已取消。")]
        elif not plans_service.task_is_live(task):
            errors["task_id"] = [_("该任务所属计划尚未批准。")]
        if data.get("enterprise_id") and data["enterprise_id"] != task.enterprise_id:
            errors["enterprise_id"] = [_("企业与计划任务不一致。")]
        data["enterprise_id"] = data.get("enterprise_id") or task.enterprise_id
    lead = None
    if data.get("lead_id"):
        lead = get_lead(data["lead_id"])
        if lead.state not in ("new", "inspecting"):
            errors["lead_id"] = [_("该线索已处理，不能再据此检查。")]
        if lead.enterprise_id and data.get("enterprise_id") not in (None, lead.enterprise_id):
            errors["enterprise_id"] = [_("企业与线索不一致。")]
        data["enterprise_id"] = data.get("enterprise_id") or lead.enterprise_id
    if not data.get("enterprise_id"):
        errors.setdefault("enterprise_id", [_("请选择被检查企业。")])
    else:
        enterprise = registry_service.get_enterprise(data["enterprise_id"])
    reason = (data.get("reason") or "").strip()
    if task is None and lead is None and not reason:
        errors["reason"] = [_("计划外检查须填写检查事由。")]
    started_at = data.get("started_at") or clock.now()
    if started_at > clock.now() + timedelta(minutes=10):
        errors["started_at"] = [_("检查开始时间不能晚于现在。")]
    if errors:
        raise ValidationFailed(_("检查记录有误"), errors=errors)
    team = _team(list(data.get("officer_ids") or []), enterprise)
    expert_ids = _experts(list(data.get("expert_ids") or []), enterprise)
    if user.id not in [t[0] for t in team]:
        raise ValidationFailed(_("检查人员有误"), errors={"officer_ids": [
            _("开始检查的执法人员本人须在检查组内。")]})

    table = checklists.load()
    items = table.for_enterprise(enterprise.sector, enterprise.features)
    purpose = (data.get("purpose") or "").strip() or _default_purpose(task, lead, reason)
    inspection = Inspection(
        enterprise_id=enterprise.id, task_id=task.id if task else None,
        lead_id=lead.id if lead else None, reason=reason or None, purpose=purpose[:500],
        expert_ids=expert_ids, started_at=started_at,
        address=(data.get("address") or enterprise.address or "")[:300],
        place=(data.get("place") or "")[:300], representative=_representative(data),
        checklist=table.ident, client_key=data.get("client_key"), created_by=user.id,
        team=[InspectionOfficer(user_id=i, certificate_no=c, seq=n)
              for n, (i, c) in enumerate(team, 1)],
        items=[InspectionItem(seq=n, code=i.code, group=i.group.name, text=i.text,
                              basis=i.basis, major_hazard_clause=i.major_hazard_clause,
                              violation_code=i.violation_code, violation=i.violation)
               for n, i in enumerate(items, 1)])
    db.session.add(inspection)
    db.session.flush()
    if task is not None:
        from enforcement.plans import service as plans_service

        plans_service.mark_task(task, "in_progress")
    if lead is not None:
        lead.state = "inspecting"
        lead.inspection_id = inspection.id
        lead.triaged_by = lead.triaged_by or user.id
        lead.triaged_at = lead.triaged_at or clock.now()
    return inspection


def _default_purpose(task, lead, reason: str) -> str:
    if task is not None:
        return _("年度监督检查计划任务（%(r)s）", r=task.reason)
    if lead is not None:
        return _("核查线索：%(s)s", s=lead.subject)
    return reason


def _representative(data: dict[str, Any]) -> dict[str, str]:
    raw = data.get("representative") or {}
    keys = ("name", "title", "phone", "gender", "id_number")
    return {k: str(raw.get(k) or "").strip()[:100] for k in keys if raw.get(k)}


def update_header(inspection: Inspection, version: int | None, data: dict[str, Any],
                  user) -> Inspection:
    """Place, address, purpose, the unit's representative and the free findings, while open."""
    _require_team(inspection, user)
    _require_open(inspection)
    inspection.check_version(version)
    for key in ("place", "address", "purpose"):
        if key in data and data[key] is not None:
            setattr(inspection, key, str(data[key]).strip()[:500 if key == "purpose" else 300])
    if "findings" in data and data["findings"] is not None:
        inspection.findings = str(data["findings"]).strip()[:20000]
    if "representative" in data and data["representative"] is not None:
        inspection.representative = _representative(data)
    db.session.flush()
    return inspection


# -- checklist answers and hazards ------------------------------------------------------------

def _files(file_ids: list[int] | None, field: str, *, images_only: bool = False) -> list[int]:
    ids = list(dict.fromkeys(file_ids or []))
    if not ids:
        return []
    found = {f.id: f for f in db.session.scalars(
        sa.select(storage.StoredFile).where(storage.StoredFile.id.in_(ids)))}
    errors = []
    for file_id in ids:
        stored = found.get(file_id)
        if stored is None:
            errors.append(_("文件 %(id)s 不存在。", id=file_id))
        elif not (stored.content_type.startswith("image/")
                  or (not images_only and stored.content_type in storage.VIDEO_TYPES)):
            errors.append(_("“%(n)s”不是照片或视频。", n=stored.filename))
    if errors:
        raise ValidationFailed(_("证据文件有误"), errors={field: errors})
    return ids


def item_of(inspection: Inspection, code: str) -> InspectionItem:
    item = next((i for i in inspection.items if i.code == code), None)
    if item is None:
        raise NotFound(_("检查项 %(c)s 不在本次检查表中", c=code))
    return item


def answer(inspection: Inspection, code: str, data: dict[str, Any], user) -> InspectionItem:
    """Pass / fail / not applicable, with a note and photos or videos. A failed item becomes a
    hazard (major when the item is a 重大事故隐患 criterion) with its rectification deadline;
    answering it otherwise again removes that hazard while the record is open."""
    _require_team(inspection, user)
    _require_open(inspection)
    item = item_of(inspection, code)
    result = data.get("result")
    if result not in ("pass", "fail", "na"):
        raise ValidationFailed(_("检查结果有误"), errors={"result": [
            _("请选择“符合”“不符合”或“不适用”。")]})
    item.result = result
    if data.get("note") is not None:
        item.note = str(data["note"]).strip()[:2000]
    if data.get("file_ids") is not None:
        item.file_ids = _files(data["file_ids"], "file_ids")
    item.answered_by = user.id
    item.answered_at = clock.now()
    hazard = next((h for h in inspection.hazards if h.item_code == code), None)
    if result == "fail":
        fields = {"description": data.get("description") or item.note
                  or _("不符合：%(t)s", t=item.text),
                  "rectify_by": data.get("rectify_by"), "measures": data.get("measures"),
                  "measures_note": data.get("measures_note")}
        if hazard is None:
            _new_hazard(inspection, item, fields, user)
        else:
            _edit_hazard(hazard, item, fields)
    elif hazard is not None:
        inspection.hazards.remove(hazard)
        db.session.delete(hazard)
    db.session.flush()
    return item


def default_deadline(major: bool, on: date | None = None) -> date:
    days = checklists.rules()
    return (on or clock.today()) + timedelta(days=days.major_days if major
                                             else days.general_days)


def _check_hazard_fields(major: bool, fields: dict[str, Any], errors: dict) -> None:
    rectify_by = fields.get("rectify_by")
    if rectify_by is not None and rectify_by < clock.today():
        errors["rectify_by"] = [_("整改期限不能早于今天。")]
    measures = fields.get("measures")
    if measures is not None:
        unknown = [m for m in measures if m not in MEASURES]
        if unknown:
            errors["measures"] = [_("未知的处理措施：%(m)s", m="、".join(unknown))]
        elif measures and not major:
            errors["measures"] = [_("第六十五条第（三）项的措施只适用于重大事故隐患。")]


def _new_hazard(inspection: Inspection, item: InspectionItem | None, fields: dict[str, Any],
                user, client_key: str | None = None) -> Hazard:
    major = bool(item.major_hazard_clause) if item is not None and item.major_hazard_clause \
        else bool(fields.get("major"))
    errors: dict[str, list[str]] = {}
    description = (fields.get("description") or "").strip()
    if not description:
        errors["description"] = [_("请描述隐患。")]
    _check_hazard_fields(major, fields, errors)
    if errors:
        raise ValidationFailed(_("隐患信息有误"), errors=errors)
    measures = list(dict.fromkeys(fields.get("measures") or []))
    if major and "eliminate" not in measures:
        measures.insert(0, "eliminate")
    hazard = Hazard(
        inspection_id=inspection.id, enterprise_id=inspection.enterprise_id,
        seq=max((h.seq for h in inspection.hazards), default=0) + 1,
        item_code=item.code if item else None, description=description[:2000], major=major,
        major_hazard_clause=((item.major_hazard_clause if item is not None else None)
                             or ((fields.get("major_hazard_clause") or "").strip() or None
                                 if major else None)),
        basis=(item.basis if item else (fields.get("basis") or None)),
        violation_code=(item.violation_code if item else fields.get("violation_code")),
        rectify_by=fields.get("rectify_by") or default_deadline(major),
        measures=measures, measures_note=(fields.get("measures_note") or "").strip()[:1000],
        file_ids=_files(fields.get("file_ids"), "file_ids"), client_key=client_key,
        created_by=user.id)
    inspection.hazards.append(hazard)
    db.session.flush()
    return hazard


def _edit_hazard(hazard: Hazard, item: InspectionItem, fields: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    _check_hazard_fields(hazard.major, fields, errors)
    if errors:
        raise ValidationFailed(_("隐患信息有误"), errors=errors)
    if fields.get("description"):
        hazard.description = fields["description"].strip()[:2000]
    if fields.get("rectify_by"):
        hazard.rectify_by = fields["rectify_by"]
    if fields.get("measures") is not None and hazard.major:
        measures = list(dict.fromkeys(fields["measures"]))
        hazard.measures = measures if "eliminate" in measures else ["eliminate", *measures]
    if fields.get("measures_note") is not None:
        hazard.measures_note = fields["measures_note"].strip()[:1000]


def add_hazard(inspection: Inspection, data: dict[str, Any], user) -> Hazard:
    """A hazard from a failed item (``item_code``) or a free finding. The item decides whether it
    is major; a free finding is major when the officers say so and name the clause."""
    _require_team(inspection, user)
    _require_open(inspection)
    existing = _by_key(Hazard, data.get("client_key"), inspection_id=inspection.id)
    if existing is not None:
        return existing
    item = None
    if data.get("item_code"):
        item = item_of(inspection, data["item_code"])
        if any(h.item_code == item.code for h in inspection.hazards):
            raise ValidationFailed(_("隐患信息有误"), errors={"item_code": [
                _("该检查项已记录隐患，请修改原隐患。")]})
        if item.result != "fail":
            item.result = "fail"
            item.answered_by = user.id
            item.answered_at = clock.now()
    if data.get("major") and not (item is not None and item.major_hazard_clause) \
            and not (data.get("major_hazard_clause") or "").strip():
        raise ValidationFailed(_("隐患信息有误"), errors={"major_hazard_clause": [
            _("重大事故隐患须写明判定依据条款。")]})
    if data.get("rectify_by") is None:
        raise ValidationFailed(_("隐患信息有误"), errors={"rectify_by": [_("请填写整改期限。")]})
    return _new_hazard(inspection, item, data, user, client_key=data.get("client_key"))


# -- signatures -------------------------------------------------------------------------------

def _signature_image(data: dict[str, Any], user) -> storage.StoredFile:
    if data.get("file_id"):
        stored = storage.get_file(int(data["file_id"]))
        if not stored.content_type.startswith("image/"):
            raise ValidationFailed(_("签名有误"), errors={"file_id": [_("签名须为图片。")]})
        return stored
    raw = data.get("image") or ""
    prefix = "data:image/png;base64,"
    if not raw.startswith(prefix):
        raise ValidationFailed(_("签名有误"), errors={"image": [_("请在签名框内签名。")]})
    try:
        png = base64.b64decode(raw[len(prefix):], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(_("签名有误"), errors={"image": [_("签名图片无法识别。")]}) from None
    if len(png) > SIGNATURE_MAX_BYTES or len(png) < 100:
        raise ValidationFailed(_("签名有误"), errors={"image": [_("签名图片无法识别。")]})
    stored = storage.store_bytes(png, "signature.png", user.id)
    if stored.content_type != "image/png":
        raise ValidationFailed(_("签名有误"), errors={"image": [_("签名图片无法识别。")]})
    return stored


def sign(inspection: Inspection, data: dict[str, Any], user) -> dict[str, Any]:
    """Capture one signature on screen (a PNG, stored by hash): an officer of the team, an
    expert, the unit's representative, or — when the representative refuses — the refusal and
    the witness who signs for it. Signing again replaces that signer's signature while open."""
    _require_team(inspection, user)
    _require_open(inspection)
    role = data.get("role")
    errors: dict[str, list[str]] = {}
    entry: dict[str, Any] = {"role": role}
    if role == "officer":
        member = next((m for m in inspection.team if m.user_id == data.get("user_id")), None)
        if member is None:
            errors["user_id"] = [_("请选择本组检查人员。")]
        else:
            entry.update(user_id=member.user_id, name=db.session.get(User, member.user_id)
                         .display_name, certificate_no=member.certificate_no)
    elif role == "expert":
        if data.get("expert_id") not in inspection.expert_ids:
            errors["expert_id"] = [_("请选择参加本次检查的专家。")]
        else:
            from enforcement.experts.models import Expert

            entry.update(expert_id=data["expert_id"],
                         name=db.session.get(Expert, data["expert_id"]).name)
    elif role in ("representative", "witness"):
        name = (data.get("name") or "").strip()
        if not name:
            errors["name"] = [_("请填写签名人姓名。")]
        entry["name"] = name[:50]
        if role == "representative" and data.get("refused"):
            entry["refused"] = True
            if not (data.get("refusal_note") or "").strip():
                errors["refusal_note"] = [_("请记录拒绝签字的情况。")]
            entry["refusal_note"] = (data.get("refusal_note") or "").strip()[:500]
    else:
        errors["role"] = [_("签名人身份无效。")]
    if errors:
        raise ValidationFailed(_("签名有误"), errors=errors)
    if not entry.get("refused"):
        stored = _signature_image(data, user)
        entry.update(file_id=stored.id, sha256=stored.sha256)
    entry.update(signed_at=clock.now().isoformat(), recorded_by=user.id)
    key = _signer_key(entry)
    inspection.signatures = [s for s in inspection.signatures if _signer_key(s) != key] + [entry]
    if role == "representative":
        representative = dict(inspection.representative)
        representative["name"] = entry["name"]
        inspection.representative = representative
    db.session.flush()
    return entry


def _signer_key(entry: dict[str, Any]) -> tuple:
    return (entry["role"], entry.get("user_id"), entry.get("expert_id"))


def missing_signatures(inspection: Inspection) -> list[str]:
    signed = {_signer_key(s) for s in inspection.signatures}
    names = dict(db.session.execute(sa.select(User.id, User.display_name).where(
        User.id.in_(inspection.officer_ids))).all())
    missing = [_("检查人员%(n)s", n=names.get(i, i)) for i in inspection.officer_ids
               if ("officer", i, None) not in signed]
    if inspection.expert_ids:
        from enforcement.experts.models import Expert

        experts = dict(db.session.execute(sa.select(Expert.id, Expert.name).where(
            Expert.id.in_(inspection.expert_ids))).all())
        missing += [_("专家%(n)s", n=experts.get(i, i)) for i in inspection.expert_ids
                    if ("expert", None, i) not in signed]
    representative = next((s for s in inspection.signatures if s["role"] == "representative"),
                          None)
    if representative is None:
        missing.append(_("被检查单位现场负责人（或其拒签记录）"))
    elif representative.get("refused") and ("witness", None, None) not in signed:
        missing.append(_("见证人（现场负责人拒绝签字时）"))
    return missing


# -- completion and corrections ---------------------------------------------------------------

def complete(inspection: Inspection, version: int | None, user,
             ended_at: datetime | None = None) -> Inspection:
    """Lock the record. Every item answered, every failed item a hazard with a deadline not in
    the past, every signature present (安全生产法 第六十八条)."""
    _require_team(inspection, user)
    _require_open(inspection)
    inspection.check_version(version)
    errors: dict[str, list[str]] = {}
    unanswered = [i.code for i in inspection.items if i.result is None]
    if unanswered:
        errors["items"] = [_("以下检查项尚未填写：%(c)s", c="、".join(unanswered))]
    failed = {i.code for i in inspection.items if i.result == "fail"}
    without = sorted(failed - {h.item_code for h in inspection.hazards})
    if without:
        errors["hazards"] = [_("以下不符合项尚未记录隐患：%(c)s", c="、".join(without))]
    past = [str(h.seq) for h in inspection.hazards if h.rectify_by < clock.today()]
    if past:
        errors["rectify_by"] = [_("第 %(n)s 项隐患的整改期限早于今天。", n="、".join(past))]
    if not inspection.representative.get("name"):
        errors["representative"] = [_("请填写被检查单位现场负责人。")]
    missing = missing_signatures(inspection)
    if missing:
        errors["signatures"] = [_("尚缺签名：%(m)s", m="、".join(missing))]
    ended_at = ended_at or clock.now()
    if ended_at < inspection.started_at:
        errors["ended_at"] = [_("检查结束时间不能早于开始时间。")]
    if errors:
        raise ValidationFailed(_("检查记录尚不完整，不能完成"), errors=errors)
    inspection.state = "completed"
    inspection.ended_at = ended_at
    inspection.completed_by = user.id
    inspection.completed_at = clock.now()
    db.session.flush()
    if inspection.task_id:
        from enforcement.plans import service as plans_service

        plans_service.mark_task(plans_service.get_task(inspection.task_id), "done")
    if any(h.major for h in inspection.hazards):
        _reclassify(inspection.enterprise_id, "major_hazard_found", user.id)
    return inspection


def _reclassify(enterprise_id: int, trigger: str, user_id: int | None) -> None:
    from enforcement.enterprises import service as registry_service

    registry_service.classify(registry_service.get_enterprise(enterprise_id), trigger=trigger,
                              user_id=user_id)


AMENDABLE = ("place", "address", "purpose", "findings")


def amend(inspection: Inspection, version: int | None, reason: str,
          changes: dict[str, Any], user) -> InspectionAmendment:
    """更正 of a locked record: the record shows the corrected text, the amendment keeps what it
    replaced, why, who and when. Item notes are corrected as ``item:<code>``."""
    if not (in_team(inspection, user) or user.can("plans.approve")):
        raise Forbidden(_("只有本次检查的检查人员或负责人可以更正检查记录"))
    if inspection.state != "completed":
        raise TransitionNotAllowed(_("检查尚未完成，请直接修改记录"))
    inspection.check_version(version)
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("请说明更正原因。")]
    applied = []
    for field, value in (changes or {}).items():
        value = str(value or "").strip()
        if field in AMENDABLE:
            old = getattr(inspection, field)
            if value != old:
                applied.append({"field": field, "old": old, "new": value})
                setattr(inspection, field, value)
        elif field.startswith("item:"):
            item = next((i for i in inspection.items if i.code == field[5:]), None)
            if item is None:
                errors.setdefault("changes", []).append(_("检查项 %(c)s 不存在。", c=field[5:]))
            elif value != item.note:
                applied.append({"field": field, "old": item.note, "new": value})
                item.note = value[:2000]
        else:
            errors.setdefault("changes", []).append(_("“%(f)s”不能更正。", f=field))
    if not applied and not errors:
        errors["changes"] = [_("没有需要更正的内容。")]
    if errors:
        raise ValidationFailed(_("更正内容有误"), errors=errors)
    inspection.updated_at = clock.now()
    amendment = InspectionAmendment(inspection_id=inspection.id, reason=reason.strip()[:1000],
                                    changes=applied, made_by=user.id, made_at=clock.now())
    db.session.add(amendment)
    db.session.flush()
    return amendment


def amendments_of(inspection: Inspection) -> list[InspectionAmendment]:
    return list(db.session.scalars(sa.select(InspectionAmendment).where(
        InspectionAmendment.inspection_id == inspection.id).order_by(InspectionAmendment.id)))


# -- re-check (复查) ----------------------------------------------------------------------------

def review(hazard: Hazard, action: str, data: dict[str, Any], user) -> Hazard:
    """整改复查 of one hazard: rectified (with evidence; for a major hazard under the 第六十五条
    measures this is the review and consent to resume), or not rectified after its deadline —
    then a case is proposed (安全生产法 第一百零二条)."""
    if action not in ("review_rectified", "review_not_rectified"):
        raise TransitionNotAllowed(_("未知的操作：%(a)s", a=action))
    inspection = get_inspection(hazard.inspection_id)
    if inspection.state != "completed":
        raise TransitionNotAllowed(_("检查记录完成后才能复查"))
    if hazard.state != "open":
        raise TransitionNotAllowed(_("该隐患已复查（%(s)s）",
                                     s=_(HAZARD_STATE_LABELS[hazard.state])))
    hazard.check_version(data.get("version"))
    enterprise = db.session.get(Enterprise, hazard.enterprise_id)
    team = _team(list(data.get("officer_ids") or inspection.officer_ids), enterprise)
    if user.id not in [t[0] for t in team]:
        raise ValidationFailed(_("复查人员有误"), errors={"officer_ids": [
            _("记录复查的执法人员本人须在复查人员内。")]})
    reviewed_on = data.get("reviewed_on") or clock.today()
    errors: dict[str, list[str]] = {}
    if reviewed_on > clock.today():
        errors["reviewed_on"] = [_("复查日期不能晚于今天。")]
    elif reviewed_on < clock.local(inspection.started_at).date():
        errors["reviewed_on"] = [_("复查日期不能早于检查日期。")]
    elif action == "review_not_rectified" and reviewed_on <= hazard.rectify_by:
        errors["reviewed_on"] = [_("整改期限（%(d)s）届满前不能认定逾期未整改。",
                                   d=hazard.rectify_by.isoformat())]
    note = (data.get("note") or "").strip()
    if not note:
        errors["note"] = [_("请填写复查情况。")]
    file_ids = _files(data.get("file_ids"), "file_ids")
    if action == "review_rectified" and not file_ids:
        errors["file_ids"] = [_("请上传整改后的照片或视频作为证据。")]
    if errors:
        raise ValidationFailed(_("复查信息有误"), errors=errors)
    hazard.state = "rectified" if action == "review_rectified" else "not_rectified"
    hazard.reviewed_on = reviewed_on
    hazard.review_note = note[:2000]
    hazard.review_file_ids = file_ids
    hazard.review_officer_ids = [t[0] for t in team]
    hazard.reviewed_by = user.id
    if hazard.state == "rectified" and hazard.major and \
            {"suspend", "stop_use"} & set(hazard.measures):
        hazard.resume_approved = True
    db.session.flush()
    if hazard.state == "not_rectified":
        lead = _propose_case(inspection, [hazard], user, not_removed=True)
        hazard.lead_id = lead.id
    if hazard.major:
        _reclassify(hazard.enterprise_id, "major_hazard_closed" if hazard.state == "rectified"
                    else "major_hazard_not_rectified", user.id)
    db.session.flush()
    return hazard


def hazard_allowed_actions(hazard: Hazard, user) -> list[str]:
    if hazard.state != "open" or not user.can("inspections.record"):
        return []
    actions = ["review_rectified"]
    if clock.today() > hazard.rectify_by:
        actions.append("review_not_rectified")
    return actions


# -- cases proposed from inspections ----------------------------------------------------------

def _facts(inspection: Inspection, hazards: list[Hazard], *, not_removed: bool) -> str:
    enterprise = db.session.get(Enterprise, inspection.enterprise_id)
    names = dict(db.session.execute(sa.select(User.id, User.display_name).where(
        User.id.in_(inspection.officer_ids))).all())
    day = clock.local(inspection.started_at).date()
    officers = "、".join(names.get(i, str(i)) for i in inspection.officer_ids)
    lines = "；".join(f"{n}. {h.description}" for n, h in enumerate(hazards, 1))
    text = _("%(y)s年%(m)s月%(d)s日，执法人员%(o)s对%(e)s进行现场检查时发现：%(l)s。",
             y=day.year, m=day.month, d=day.day, o=officers, e=enterprise.name, l=lines)
    if not_removed:
        reviews = "；".join(_("第%(n)s项隐患整改期限为%(d)s，%(r)s复查时仍未整改", n=h.seq,
                              d=h.rectify_by.isoformat(), r=h.reviewed_on.isoformat())
                            for h in hazards)
        text += reviews + "。"
    return text


def _propose_case(inspection: Inspection, hazards: list[Hazard], user, *,
                  not_removed: bool = False, facts: str | None = None) -> Lead:
    enterprise = db.session.get(Enterprise, inspection.enterprise_id)
    codes = [NOT_REMOVED_VIOLATION] if not_removed else []
    codes += [h.violation_code for h in hazards if h.violation_code]
    evidence: list[int] = []
    for item in inspection.items:
        if item.code in {h.item_code for h in hazards}:
            evidence += item.file_ids
    for h in hazards:
        evidence += h.file_ids + h.review_file_ids
    text = (facts or "").strip() or _facts(inspection, hazards, not_removed=not_removed)
    draft = {
        "enterprise_id": enterprise.id, "procedure": "general", "source": "inspection",
        "inspection_id": inspection.id, "facts": text,
        "violation_codes": list(dict.fromkeys(codes)),
        "discovered_on": (hazards[0].reviewed_on if not_removed and hazards[0].reviewed_on
                          else clock.local(inspection.started_at).date()).isoformat(),
        "evidence_file_ids": list(dict.fromkeys(evidence)),
        "hazard_ids": [h.id for h in hazards],
    }
    subject = (_("%(e)s 逾期未整改事故隐患", e=enterprise.name) if not_removed
               else _("%(e)s 现场检查发现违法行为", e=enterprise.name))
    lead = Lead(source="inspection", state="case_proposed", enterprise_id=enterprise.id,
                subject=subject[:200], details=text, received_at=clock.now(),
                inspection_id=inspection.id, hazard_ids=[h.id for h in hazards],
                case_draft=draft, created_by=user.id, triaged_by=user.id,
                triaged_at=clock.now())
    db.session.add(lead)
    db.session.flush()
    return lead


def open_case(inspection: Inspection, version: int | None, user,
              hazard_ids: list[int] | None = None, facts: str | None = None) -> Lead:
    """立案建议 from a completed record: facts, evidence and violation codes carried over into a
    case draft that the case register takes up (source ``inspection``)."""
    if not user.can("leads.manage"):
        raise Forbidden(_("没有提出立案建议的权限"))
    if inspection.state != "completed":
        raise TransitionNotAllowed(_("检查记录完成后才能提出立案建议"))
    inspection.check_version(version)
    candidates = [h for h in inspection.hazards if h.state != "rectified"]
    chosen = [h for h in candidates if h.id in set(hazard_ids)] if hazard_ids else candidates
    errors: dict[str, list[str]] = {}
    if hazard_ids and len(chosen) != len(set(hazard_ids)):
        errors["hazard_ids"] = [_("只能选择本次检查中尚未整改的隐患。")]
    elif not chosen:
        errors["hazard_ids"] = [_("本次检查没有可立案的隐患。")]
    taken = {i for lead in proposals_of(inspection) if lead.state != "dismissed"
             for i in lead.hazard_ids}
    repeated = sorted(h.seq for h in chosen if h.id in taken)
    if repeated and not errors:
        errors["hazard_ids"] = [_("第 %(n)s 项隐患已提出立案建议。",
                                  n="、".join(map(str, repeated)))]
    if errors:
        raise ValidationFailed(_("立案建议有误"), errors=errors)
    lead = _propose_case(inspection, chosen, user, facts=facts)
    inspection.updated_at = clock.now()
    db.session.flush()
    return lead


def mark_case_opened(lead: Lead, case_id: int, user) -> Lead:
    """The case register took up the lead (立案建议 → 预立案): trace it to the case."""
    lead.case_id = case_id
    lead.state = "case_opened"
    lead.triaged_by = user.id
    lead.triaged_at = clock.now()
    db.session.flush()
    return lead


def proposals_of(inspection: Inspection) -> list[Lead]:
    return list(db.session.scalars(sa.select(Lead).where(
        Lead.inspection_id == inspection.id, Lead.source == "inspection").order_by(Lead.id)))


# -- leads (线索) -------------------------------------------------------------------------------

def list_leads(state: str | None = None, source: str | None = None):
    stmt = sa.select(Lead).order_by(Lead.received_at.desc(), Lead.id.desc())
    if state:
        stmt = stmt.where(Lead.state == state)
    if source:
        stmt = stmt.where(Lead.source == source)
    return stmt


def create_lead(data: dict[str, Any], user) -> Lead:
    existing = _by_key(Lead, data.get("client_key"))
    if existing is not None:
        return existing
    errors: dict[str, list[str]] = {}
    source = data.get("source")
    if source not in ("complaint", "monitoring", "referral", "other"):
        errors["source"] = [_("请选择线索来源（投诉举报、监测预警、移送交办或其他）。")]
    subject = (data.get("subject") or "").strip()
    if not subject:
        errors["subject"] = [_("请填写线索摘要。")]
    received_at = data.get("received_at") or clock.now()
    if received_at > clock.now() + timedelta(minutes=10):
        errors["received_at"] = [_("收到时间不能晚于现在。")]
    if data.get("enterprise_id"):
        from enforcement.enterprises import service as registry_service

        registry_service.get_enterprise(data["enterprise_id"])
    if errors:
        raise ValidationFailed(_("线索信息有误"), errors=errors)
    lead = Lead(source=source, enterprise_id=data.get("enterprise_id") or None,
                subject=subject[:200], details=(data.get("details") or "").strip(),
                reporter=(data.get("reporter") or "").strip()[:200],
                reporter_contact=(data.get("reporter_contact") or "").strip()[:100],
                received_at=received_at, file_ids=_lead_files(data.get("file_ids")),
                created_by=user.id, client_key=data.get("client_key"))
    db.session.add(lead)
    db.session.flush()
    return lead


def _lead_files(file_ids: list[int] | None) -> list[int]:
    ids = list(dict.fromkeys(file_ids or []))
    for file_id in ids:
        storage.get_file(file_id)
    return ids


def lead_allowed_actions(lead: Lead, user) -> list[str]:
    if not user.can("leads.manage"):
        return []
    return [action for (state, action) in LEAD_WORKFLOW if state == lead.state]


def triage(lead: Lead, action: str, data: dict[str, Any], user) -> Lead:
    """不予处理 (with the reason), 转检查, or 建议立案 (a case draft from the lead)."""
    next_state = LEAD_WORKFLOW.get((lead.state, action))
    if next_state is None:
        raise TransitionNotAllowed(_("线索当前为“%(s)s”，不能执行该操作",
                                     s=_(LEAD_STATE_LABELS[lead.state])))
    lead.check_version(data.get("version"))
    if action == "dismiss":
        reason = (data.get("reason") or "").strip()
        if not reason:
            raise ValidationFailed(_("请说明不予处理的理由"), errors={"reason": [
                _("请说明不予处理的理由。")]})
        lead.dismiss_reason = reason[:1000]
    elif action == "open_case":
        if not lead.enterprise_id:
            raise ValidationFailed(_("请先确定涉及的企业"), errors={"enterprise_id": [
                _("立案建议须确定当事企业。")]})
        facts = (data.get("facts") or "").strip() or lead.details or lead.subject
        lead.case_draft = {
            "enterprise_id": lead.enterprise_id, "procedure": "general",
            "source": lead.source, "inspection_id": lead.inspection_id, "facts": facts,
            "violation_codes": list(data.get("violation_codes") or []),
            "discovered_on": (data.get("discovered_on")
                              or clock.local(lead.received_at).date()).isoformat(),
            "evidence_file_ids": list(lead.file_ids), "lead_id": lead.id}
    lead.state = next_state
    lead.triaged_by = user.id
    lead.triaged_at = clock.now()
    db.session.flush()
    return lead


# -- pages' summaries -------------------------------------------------------------------------

def today_for(user, today: date | None = None) -> dict[str, Any]:
    """我的今日检查: this month's planned tasks of the officer not yet started, records in
    progress, and records completed today."""
    today = today or clock.today()
    from enforcement.plans import service as plans_service

    plan = plans_service.published_plan(today.year)
    tasks = [t for t in plans_service.tasks_of_officer(plan, user.id, today.month)
             if t.state == "planned"] if plan else []
    mine = list_inspections(Filters(officer_id=user.id))
    in_progress = list(db.session.scalars(mine.where(Inspection.state == "in_progress")))
    start, end = clock.day_bounds(today)
    done = list(db.session.scalars(mine.where(Inspection.state == "completed",
                                              Inspection.completed_at >= start,
                                              Inspection.completed_at < end)))
    return {"plan": plan, "tasks": tasks, "in_progress": in_progress, "done": done}


def officer_choices() -> list:
    """(id, name, certificate no) of the active officers who can be on a team."""
    return db.session.execute(
        sa.select(User.id, User.display_name, User.certificate_no).join(UserRole)
        .where(UserRole.role == "officer", User.active.is_(True),
               User.certificate_no.is_not(None)).order_by(User.id)).all()


def expert_choices(task_id: int | None) -> tuple[list, set[int]]:
    """The pool's experts, and those who accepted an assignment for the task (pre-selected)."""
    from enforcement.experts.models import Assignment, Expert

    accepted: set[int] = set()
    if task_id:
        accepted = set(db.session.scalars(sa.select(Assignment.expert_id).where(
            Assignment.task_id == task_id, Assignment.state.in_(("accepted", "completed")))))
    experts = db.session.execute(sa.select(Expert.id, Expert.name, Expert.title)
                                 .order_by(Expert.name)).all()
    return experts, accepted


def enterprise_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Enterprise.id, Enterprise.name).where(
        Enterprise.id.in_(ids))).all())


def user_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.display_name).where(
        User.id.in_(ids))).all())
