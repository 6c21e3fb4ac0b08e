"""专家库 — the pool, matching with conflict-of-interest exclusion, and assignments.

Experts are technical support, never enforcement subjects (国办发〔2024〕54号; DOMAIN §7.1).
Conflicts (回避, DOMAIN Part 1 "Experts"): the expert's employer is the enterprise (same credit
code); the expert or the employer served it (评价/咨询/培训/设计/托管) within 3 years; a declared
relationship; an earlier decline for a conflict. An excluded expert is never invited.
Ranking: skill match, then fewer assignments in the last 12 months, then rating.
"""

from __future__ import annotations

import random
import threading
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from enforcement.core import audit, clock, notify
from enforcement.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TransitionNotAllowed,
    ValidationFailed,
)
from enforcement.core.rulefiles import rule_file
from enforcement.enterprises.models import Enterprise
from enforcement.experts import matching
from enforcement.experts.models import Assignment, DeclaredRelation, Engagement, Expert, Recusal
from enforcement.extensions import db

DATA = Path(__file__).parent / "data"
MAX_QUERY = 200


class InvitationExpired(TransitionNotAllowed):
    """The answer came too late; the expiry itself is kept (the caller commits it)."""

    slug = "invitation-expired"


class ConflictOfInterest(Conflict):
    title = "存在利益冲突，须回避"
    slug = "conflict-of-interest"


# -- taxonomy ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Taxonomy:
    version: str
    groups: tuple[str, ...]
    service_kinds: tuple[str, ...]
    conflict_years: int


def load_taxonomy(instance_path: str | None = None) -> Taxonomy:
    path = rule_file(DATA / "expert_groups.toml", instance_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Taxonomy(str(data["version"]), tuple(data["groups"]),
                        tuple(data["service_kinds"]), int(data.get("conflict_years", 3)))
    except (KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path.name}: {exc}") from exc


def install(app) -> None:
    app.extensions["expert_taxonomy"] = load_taxonomy(app.instance_path)
    with app.app_context():
        app.extensions["expert_synonyms"] = matching.load_synonyms()


def taxonomy() -> Taxonomy:
    return current_app.extensions["expert_taxonomy"]


# -- the pool ---------------------------------------------------------------------------------

def get_expert(expert_id: int) -> Expert:
    expert = db.session.get(Expert, expert_id)
    if expert is None:
        raise NotFound(_("专家 %(id)s 不存在", id=expert_id))
    return expert


def expert_of_user(user) -> Expert | None:
    return db.session.scalar(sa.select(Expert).where(Expert.user_id == user.id))


def list_experts(q: str | None = None, group: str | None = None):
    stmt = sa.select(Expert).order_by(Expert.id)
    if q:
        stmt = stmt.where(sa.or_(Expert.name.contains(q.strip(), autoescape=True),
                                 Expert.employer.contains(q.strip(), autoescape=True)))
    if group:
        stmt = stmt.where(sa.cast(Expert.groups, sa.String).contains(group, autoescape=True))
    return stmt


def _clean_list(values: Any) -> list[str]:
    if values is None:
        return []
    out = []
    for value in values:
        text = " ".join(str(value).split())[:60]
        if text and text not in out:
            out.append(text)
    return out


def _check(data: dict[str, Any]) -> dict[str, list[str]]:
    from enforcement.enterprises import uscc

    errors: dict[str, list[str]] = {}
    if "groups" in data:
        unknown = [g for g in data["groups"] if g not in taxonomy().groups]
        if unknown:
            errors["groups"] = [_("未知专业类别：%(g)s", g="、".join(unknown))]
    if data.get("employer_uscc"):
        problems = uscc.validate(data["employer_uscc"])
        if problems:
            errors["employer_uscc"] = problems
    if "skills" in data and not data["skills"]:
        errors["skills"] = [_("至少填写一项专长。")]
    for period in data.get("unavailable_periods") or []:
        if period["to"] < period["from"]:
            errors["unavailable_periods"] = [_("不可用时段的结束日期早于开始日期。")]
    return errors


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    from enforcement.enterprises import uscc

    data = dict(data)
    for key in ("skills", "groups", "qualifications"):
        if key in data:
            data[key] = _clean_list(data[key])
    if data.get("employer_uscc"):
        data["employer_uscc"] = uscc.normalize(data["employer_uscc"])
    if "unavailable_periods" in data:
        data["unavailable_periods"] = [
            {"from": p["from"].isoformat(), "to": p["to"].isoformat(), "note": p.get("note", "")}
            for p in data["unavailable_periods"] or []]
    return data


def create_expert(data: dict[str, Any]) -> Expert:
    data = _normalise(data)
    errors = _check({**data, "skills": data.get("skills", [])})
    if errors:
        raise ValidationFailed(_("专家信息有误"), errors=errors)
    expert = Expert(**{k: v for k, v in data.items() if k in _FIELDS})
    db.session.add(expert)
    db.session.flush()
    index_changed()
    return expert


_FIELDS = ("name", "title", "employer", "employer_uscc", "phone", "skills", "groups",
           "qualifications", "available", "unavailable_periods", "user_id")
SELF_EDITABLE = frozenset({"skills", "available", "unavailable_periods", "phone"})


def update_expert(expert: Expert, version: int, data: dict[str, Any], *, by_self: bool) -> Expert:
    expert.check_version(version)
    data = _normalise(data)
    if by_self:
        forbidden = set(data) - SELF_EDITABLE
        if forbidden:
            raise Forbidden(_("专家本人只能修改专长、联系电话和可用时间。"))
    errors = _check(data)
    if errors:
        raise ValidationFailed(_("专家信息有误"), errors=errors)
    for key, value in data.items():
        if key in _FIELDS:
            setattr(expert, key, value)
    db.session.flush()
    index_changed()
    return expert


def add_engagement(expert: Expert, *, enterprise_uscc: str, enterprise_name: str, kind: str,
                   by_employer: bool, start_on: date, end_on: date | None) -> Engagement:
    """Record past service (评价/咨询/培训/设计/托管) — a ground for 回避 for some years."""
    from enforcement.enterprises import uscc

    code = uscc.normalize(enterprise_uscc or "")
    errors: dict[str, list[str]] = {}
    problems = uscc.validate(code)
    if problems:
        errors["enterprise_uscc"] = problems
    if kind not in taxonomy().service_kinds:
        errors["kind"] = [_("服务类型应为：%(k)s", k="、".join(taxonomy().service_kinds))]
    if end_on is not None and end_on < start_on:
        errors["end_on"] = [_("结束日期不能早于开始日期。")]
    if start_on > clock.today():
        errors["start_on"] = [_("开始日期不能晚于今天。")]
    if errors:
        raise ValidationFailed(_("服务记录有误"), errors=errors)
    engagement = Engagement(expert_id=expert.id, enterprise_uscc=code,
                            enterprise_name=enterprise_name.strip(), kind=kind,
                            by_employer=by_employer, start_on=start_on, end_on=end_on)
    db.session.add(engagement)
    db.session.flush()
    return engagement


def declare_relation(expert: Expert, *, enterprise_uscc: str, relation: str) -> DeclaredRelation:
    """An expert's declaration of a relationship with an enterprise (主动申报回避事由)."""
    from enforcement.enterprises import uscc

    code = uscc.normalize(enterprise_uscc or "")
    errors: dict[str, list[str]] = {}
    problems = uscc.validate(code)
    if problems:
        errors["enterprise_uscc"] = problems
    if not (relation or "").strip():
        errors["relation"] = [_("请说明关系。")]
    if errors:
        raise ValidationFailed(_("申报信息有误"), errors=errors)
    record = DeclaredRelation(expert_id=expert.id, enterprise_uscc=code,
                              relation=relation.strip(), declared_on=clock.today())
    db.session.add(record)
    db.session.flush()
    return record


# -- the matching index (rebuilt when the pool changes) ---------------------------------------

_index_lock = threading.Lock()


def index_changed() -> None:
    current_app.extensions.pop("expert_index", None)


def _stamp() -> tuple:
    return tuple(db.session.execute(sa.select(sa.func.count(Expert.id),
                                              sa.func.max(Expert.updated_at))).one())


def expert_index() -> matching.ExpertIndex:
    """The in-memory index; rebuilt when the pool changed (here or in another process)."""
    stamp = _stamp()
    cached = current_app.extensions.get("expert_index")
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _index_lock:
        rows = db.session.execute(sa.select(Expert.id, Expert.skills)).all()
        index = matching.ExpertIndex.build(((r[0], r[1] or []) for r in rows),
                                           current_app.extensions.get("expert_synonyms"))
        current_app.extensions["expert_index"] = (stamp, index)
        return index


# -- conflicts --------------------------------------------------------------------------------

def conflicts_for(enterprise: Enterprise, today: date | None = None) -> dict[int, list[str]]:
    """expert id → the reasons that expert must not serve this enterprise (回避)."""
    today = today or clock.today()
    since = today.replace(year=today.year - taxonomy().conflict_years)
    reasons: dict[int, list[str]] = {}

    def add(expert_id: int, reason: str) -> None:
        reasons.setdefault(expert_id, []).append(reason)

    for (expert_id,) in db.session.execute(
            sa.select(Expert.id).where(Expert.employer_uscc == enterprise.uscc)):
        add(expert_id, _("所在单位即该企业"))
    for expert_id, kind, by_employer, start_on, end_on in db.session.execute(
            sa.select(Engagement.expert_id, Engagement.kind, Engagement.by_employer,
                      Engagement.start_on, Engagement.end_on)
            .where(Engagement.enterprise_uscc == enterprise.uscc)):
        if (end_on or start_on) >= since:
            who = _("所在单位") if by_employer else _("本人")
            add(expert_id, _("%(who)s近 %(y)s 年为该企业提供过%(kind)s服务（%(d)s）",
                             who=who, y=taxonomy().conflict_years, kind=kind,
                             d=(end_on or start_on).isoformat()))
    for expert_id, relation in db.session.execute(
            sa.select(DeclaredRelation.expert_id, DeclaredRelation.relation)
            .where(DeclaredRelation.enterprise_uscc == enterprise.uscc)):
        add(expert_id, _("申报的利害关系：%(r)s", r=relation))
    for expert_id, reason in db.session.execute(
            sa.select(Recusal.expert_id, Recusal.reason)
            .where(Recusal.enterprise_id == enterprise.id)):
        add(expert_id, _("曾申请回避：%(r)s", r=reason))
    return reasons


# -- search and ranking -----------------------------------------------------------------------

@dataclass
class Result:
    expert: Expert
    score: float
    matched: list[dict[str, Any]]
    excluded: bool = False
    reasons: list[str] = field(default_factory=list)
    recent_assignments: int = 0


def _recent_counts(ids: list[int]) -> dict[int, int]:
    since = clock.now() - timedelta(days=365)
    rows = db.session.execute(
        sa.select(Assignment.expert_id, sa.func.count()).where(
            Assignment.expert_id.in_(ids), Assignment.created_at >= since,
            Assignment.state.in_(("accepted", "completed")))
        .group_by(Assignment.expert_id))
    return dict(rows.all())


def check_query(q: str | None) -> str:
    q = "".join(ch for ch in (q or "") if ch.isprintable()).strip()
    if len(q) > MAX_QUERY:
        raise ValidationFailed(_("查询太长"), errors={"q": [_("查询不能超过 %(n)s 个字。",
                                                           n=MAX_QUERY)]})
    return q


def search(q: str | None = None, *, enterprise: Enterprise | None = None,
           on: date | None = None, limit: int = 20, include_excluded: bool = False
           ) -> list[Result]:
    """Best experts first. With an enterprise and no words, its features say what is needed."""
    q = check_query(q)
    terms: list[str] = []
    if not q and enterprise is not None:
        terms = needs_of(enterprise)
    if not q and not terms:
        return []
    on = on or clock.today()
    index = expert_index()
    conflicts = conflicts_for(enterprise) if enterprise is not None else {}
    hits = index.search(q, limit=max(limit * 5, 50)) if q else \
        index.search_terms(terms, limit=max(limit * 5, 50))
    experts = {e.id: e for e in db.session.scalars(
        sa.select(Expert).where(Expert.id.in_([h.expert_id for h in hits])))}
    recent = _recent_counts(list(experts))
    results = []
    for hit in hits:
        expert = experts.get(hit.expert_id)
        if expert is None:
            continue
        reasons = list(conflicts.get(expert.id, []))
        if not expert.available_on(on):
            reasons.append(_("%(d)s 不可用", d=on.isoformat()))
        result = Result(expert, round(hit.score, 1),
                        [{"skill": m.skill, "term": m.term, "score": round(m.score, 1)}
                         for m in hit.matched], bool(reasons), reasons,
                        recent.get(expert.id, 0))
        if result.excluded and not include_excluded:
            continue
        results.append(result)
    results.sort(key=lambda r: (r.excluded, -r.score, r.recent_assignments,
                                -(r.expert.rating or 0), r.expert.id))
    return results[:limit]


def needs_of(enterprise: Enterprise) -> list[str]:
    return matching.needs_for({**enterprise.features, "sector": enterprise.sector})


# -- assignments ------------------------------------------------------------------------------

def _deadline(respond_by: datetime | None) -> datetime:
    if respond_by is None:
        return clock.now() + timedelta(hours=current_app.config.get("EXPERT_RESPONSE_HOURS", 24))
    if respond_by <= clock.now():
        raise ValidationFailed(_("答复期限必须晚于现在"),
                               errors={"respond_by": [_("答复期限必须晚于现在。")]})
    return respond_by


def invite(*, enterprise: Enterprise, expert_id: int | None, auto: bool, purpose: str,
           respond_by: datetime | None, user_id: int | None, task_id: int | None = None,
           case_id: int | None = None, seed: int | None = None,
           previous: Assignment | None = None) -> Assignment:
    """Invite a chosen expert, or (``auto``) the best-ranked qualified one not yet asked."""
    deadline = _deadline(respond_by)
    needs = needs_of(enterprise)
    if auto:
        asked = set(db.session.scalars(sa.select(Assignment.expert_id).where(
            Assignment.enterprise_id == enterprise.id, Assignment.task_id.is_(task_id)
            if task_id is None else Assignment.task_id == task_id,
            Assignment.state.in_(("invited", "accepted", "declined", "expired", "completed")))))
        candidates = [r for r in search(enterprise=enterprise, limit=50)
                      if r.expert.id not in asked and r.score >= 60]
        if not candidates:
            raise Conflict(_("没有符合条件且未被邀请过的专家"))
        if seed is not None:  # 双随机: a seeded draw among the qualified
            top = [c for c in candidates if c.score >= candidates[0].score - 10]
            chosen = random.Random(seed).choice(top)
        else:
            chosen = candidates[0]
        expert, score, matched = chosen.expert, chosen.score, chosen.matched
    else:
        if expert_id is None:
            raise ValidationFailed(_("请指定专家或选择自动匹配"),
                                   errors={"expert_id": [_("请指定专家，或设 auto 为 true。")]})
        expert = get_expert(expert_id)
        reasons = conflicts_for(enterprise).get(expert.id)
        if reasons:
            raise ConflictOfInterest(_("该专家须回避：%(r)s", r="；".join(reasons)))
        if not expert.available_on(deadline.astimezone(clock.local_zone()).date()):
            raise Conflict(_("该专家在此期间不可用"))
        score, matched = None, []
    assignment = Assignment(
        expert_id=expert.id, enterprise_id=enterprise.id, task_id=task_id, case_id=case_id,
        purpose=purpose or _("随同现场检查"), state="invited", respond_by=deadline, auto=auto,
        needs=needs, match_score=score, matched=matched, created_by=user_id,
        previous_id=previous.id if previous else None)
    db.session.add(assignment)
    db.session.flush()
    notify.notify(expert.user_id, _("检查邀请：%(e)s（请于 %(t)s 前答复）", e=enterprise.name,
                                    t=deadline.astimezone(clock.local_zone())
                                    .strftime("%Y-%m-%d %H:%M")),
                  f"/experts/me#assignment-{assignment.id}")
    return assignment


def get_assignment(assignment_id: int) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound(_("委派 %(id)s 不存在", id=assignment_id))
    return assignment


ACTIONS = ("accept", "decline", "withdraw", "submit_opinion", "rate")


def allowed_actions(assignment: Assignment, user) -> list[str]:
    own = assignment.expert.user_id == user.id
    officer = user.has_role("officer") or user.has_role("leader")
    state = assignment.state
    actions = []
    if state == "invited" and own:
        actions += ["accept", "decline"]
    if state in ("invited", "accepted") and officer:
        actions.append("withdraw")
    if state == "accepted" and own:
        actions.append("submit_opinion")
    if state == "completed" and officer and assignment.rating is None:
        actions.append("rate")
    return actions


def expire_overdue() -> int:
    """Invitations past their deadline expire; an automatic one passes to the next expert."""
    overdue = list(db.session.scalars(sa.select(Assignment).where(
        Assignment.state == "invited", Assignment.respond_by <= clock.now())))
    for assignment in overdue:
        assignment.state = "expired"
        db.session.flush()
        audit.record("assignment_expired", "assignments", assignment.id)
        _next_after(assignment)
    return len(overdue)


def _next_after(assignment: Assignment) -> Assignment | None:
    notify.notify(assignment.created_by, _("专家 %(n)s 未接受邀请（%(s)s）",
                                           n=assignment.expert.name, s=assignment.state))
    if not assignment.auto:
        return None
    enterprise = db.session.get(Enterprise, assignment.enterprise_id)
    try:
        return invite(enterprise=enterprise, expert_id=None, auto=True,
                      purpose=assignment.purpose, respond_by=None,
                      user_id=assignment.created_by, task_id=assignment.task_id,
                      case_id=assignment.case_id, previous=assignment)
    except Conflict:
        notify.notify(assignment.created_by, _("没有可自动邀请的下一位专家，请手动选择。"))
        return None


def act(assignment: Assignment, user, action: str, version: int | None,
        data: dict[str, Any]) -> Assignment | None:
    """Do one action; returns the follow-up invitation when a decline passes it on."""
    if action not in ACTIONS:
        raise ValidationFailed(_("未知操作"), errors={"action": [_("未知操作：%(a)s", a=action)]})
    if assignment.state == "invited" and assignment.respond_by <= clock.now():
        expire_overdue()
        raise InvitationExpired(_("邀请已过期，不能再答复"))
    own = assignment.expert.user_id == user.id
    if action in ("accept", "decline", "submit_opinion") and not own:
        raise Forbidden(_("只有受邀专家本人可以执行此操作"))
    if action not in allowed_actions(assignment, user):
        raise TransitionNotAllowed(_("当前状态（%(s)s）不允许此操作", s=assignment.state))
    assignment.check_version(version)
    now = clock.now()
    follow_up = None
    if action == "accept":
        assignment.state, assignment.responded_at = "accepted", now
        notify.notify(assignment.created_by, _("专家 %(n)s 已接受邀请", n=assignment.expert.name))
    elif action == "decline":
        reason = (data.get("reason") or "").strip()
        if not reason:
            raise ValidationFailed(_("请说明谢绝理由"), errors={"reason": [_("谢绝须说明理由。")]})
        assignment.state, assignment.responded_at = "declined", now
        assignment.decline_reason = reason
        assignment.declined_for_conflict = bool(data.get("conflict"))
        db.session.flush()
        if assignment.declined_for_conflict:
            db.session.add(Recusal(expert_id=assignment.expert_id,
                                   enterprise_id=assignment.enterprise_id, reason=reason,
                                   assignment_id=assignment.id, recorded_at=now))
        follow_up = _next_after(assignment)
    elif action == "withdraw":
        assignment.state = "withdrawn"
        notify.notify(assignment.expert.user_id, _("邀请已撤回：%(p)s", p=assignment.purpose))
    elif action == "submit_opinion":
        opinion = (data.get("opinion") or "").strip()
        if not opinion:
            raise ValidationFailed(_("请填写专家意见"), errors={"opinion": [_("意见不能为空。")]})
        assignment.state, assignment.opinion, assignment.opinion_at = "completed", opinion, now
        assignment.opinion_file_ids = list(data.get("file_ids") or [])
        notify.notify(assignment.created_by, _("专家 %(n)s 已提交意见", n=assignment.expert.name))
    elif action == "rate":
        rating = data.get("rating")
        if not isinstance(rating, int) or not 1 <= rating <= 5:
            raise ValidationFailed(_("评分应为 1–5"),
                                   errors={"rating": [_("评分应为 1–5 的整数。")]})
        assignment.rating, assignment.rating_note = rating, data.get("note")
        db.session.flush()
        _update_rating(assignment.expert)
    db.session.flush()
    return follow_up


def _update_rating(expert: Expert) -> None:
    average = db.session.scalar(sa.select(sa.func.avg(Assignment.rating)).where(
        Assignment.expert_id == expert.id, Assignment.rating.is_not(None)))
    expert.rating = round(float(average), 2) if average is not None else None


def assignments_of_expert(expert: Expert) -> list[Assignment]:
    return list(db.session.scalars(sa.select(Assignment).where(Assignment.expert_id == expert.id)
                                   .order_by(Assignment.id.desc())))
