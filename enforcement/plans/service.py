"""年度监督检查计划 — compute a plan from the registry and the officers, keep it, and take it
through draft → submitted → approved (leader) → published (安全生产法 第六十二条)."""

from __future__ import annotations

import gc
import json
import secrets
import sqlite3
from contextlib import contextmanager
from dataclasses import asdict
from itertools import chain
from typing import Any

import numpy as np
import sqlalchemy as sa
from flask_babel import gettext as _

from enforcement.auth.models import User, UserRole
from enforcement.core import audit, clock
from enforcement.core.errors import Conflict, NotFound, TransitionNotAllowed, ValidationFailed
from enforcement.core.i18n import N_
from enforcement.enterprises.models import FEATURE_FIELDS, Enterprise
from enforcement.experts import matching
from enforcement.extensions import db
from enforcement.plans import engine
from enforcement.plans.inputs import (
    Campaign,
    PlanEnterprise,
    PlanInputError,
    PlanInputs,
    PlanOfficer,
)
from enforcement.plans.models import FROZEN_STATES, Plan, PlanAmendment, PlanTask

FEATURE_COLUMNS = FEATURE_FIELDS

STATE_LABELS = {"draft": N_("草案"), "submitted": N_("待审批"), "approved": N_("已批准"),
                "published": N_("已发布")}

# (state, action) → (next state, permission needed)
WORKFLOW: dict[tuple[str, str], tuple[str, str]] = {
    ("draft", "submit"): ("submitted", "plans.draft"),
    ("submitted", "return"): ("draft", "plans.approve"),
    ("submitted", "approve"): ("approved", "plans.approve"),
    ("approved", "publish"): ("published", "plans.approve"),
}


def get_plan(plan_id: int) -> Plan:
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(_("计划 %(id)s 不存在", id=plan_id))
    return plan


def list_plans(year: int | None = None):
    stmt = sa.select(Plan).order_by(Plan.year.desc(), Plan.id.desc())
    return stmt.where(Plan.year == year) if year else stmt


def _officers(officer_ids: list[int] | None) -> list[PlanOfficer]:
    stmt = (sa.select(User.id, User.certificate_no).join(UserRole)
            .where(UserRole.role == "officer", User.active.is_(True),
                   User.certificate_no.is_not(None)).order_by(User.id))
    if officer_ids:
        stmt = stmt.where(User.id.in_(officer_ids))
    rows = db.session.execute(stmt).all()
    if officer_ids and len(rows) != len(set(officer_ids)):
        found = {r[0] for r in rows}
        missing = sorted(set(officer_ids) - found)
        raise ValidationFailed(_("执法人员有误"), errors={"officer_ids": [
            _("以下用户不是在岗且持证的执法人员：%(ids)s", ids="、".join(map(str, missing)))]})
    from enforcement.enterprises import service as registry_service

    exclusions = registry_service.officer_exclusions()
    return [PlanOfficer(id=r[0], certificate_no=r[1],
                        excluded_enterprise_ids=frozenset(exclusions.get(r[0], ())))
            for r in rows]


def _enterprises() -> list[PlanEnterprise]:
    columns = [getattr(Enterprise, c) for c in FEATURE_COLUMNS]
    rows = db.session.execute(
        sa.select(Enterprise.id, Enterprise.risk_class, Enterprise.township, Enterprise.sector,
                  Enterprise.name, *columns).where(Enterprise.risk_class.is_not(None))
        .order_by(Enterprise.id))
    out = []
    for row in rows:
        features = dict(zip(FEATURE_COLUMNS, row[5:], strict=True))
        if features["ammonia_tonnes"] is not None:
            features["ammonia_tonnes"] = float(features["ammonia_tonnes"])
        out.append(PlanEnterprise(id=row[0], risk_class=row[1], township=row[2], sector=row[3],
                                  name=row[4], features=features))
    return out


def _needs_cache():
    """Expert needs depend only on the feature flags and the sector: compute each combination
    once (a province has 200,000 enterprises and a few hundred combinations)."""
    cache: dict[tuple, list[str]] = {}
    flags = matching.FEATURE_FLAGS

    def needs(features: dict[str, Any]) -> list[str]:
        key = (features.get("sector"), *map(bool, map(features.get, flags)))
        found = cache.get(key)
        if found is None:
            found = cache[key] = matching.needs_for(features)
        return found

    return needs


_TASK_COLUMNS = ("plan_id", "seq", "enterprise_id", "month", "kind", "reason", "officer_ids",
                 "expert_needs", "covered", "state")
# plan_tasks without column types: the rows carry the JSON columns already serialised (as the
# JSON type would: json.dumps), so nothing is converted value by value
_TASK_ROWS = sa.table("plan_tasks", *(sa.column(name) for name in _TASK_COLUMNS))
_ROWS_PER_INSERT = 300  # SQLite: 3,000 parameters per statement (its default limit: 32,766)


@contextmanager
def _no_collector_passes():
    """Loading, computing and storing a province's plan makes ~10⁶ objects (enterprises, visits,
    tasks, rows) without reference cycles: the cyclic garbage collector would rescan them again
    and again (over a second in all), and once more each time it is turned back on. Reference
    counting frees them anyway; automatic collection resumes afterwards, once."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _store_tasks(plan_id: int, tasks) -> None:
    """Insert the tasks, numbered in order (a province: ~220,000 rows).

    The rows go in by enterprise id (``seq`` keeps the plan's order): the enterprise index and
    the foreign-key lookups then move forward through their B-trees instead of jumping about
    (measured on SQLite for a province: about 15 % less time). The rows are built column by
    column: a team is written as json.dumps writes a list of ids (``str`` of the list), and the
    expert needs, a few hundred distinct lists, are serialised once each."""
    if not tasks:
        return
    # a task is a named tuple (enterprise_id, month, kind, reason, officer_ids, expert_needs,
    # covered)
    ids, months, kinds, reasons, teams, needs, covered = zip(*tasks, strict=True)
    order = np.argsort(np.array(ids, dtype=np.int64), kind="stable")
    by_enterprise = order.tolist()
    needs_json = {need: json.dumps(list(need)) for need in set(needs)}

    def column(values) -> list:
        return list(map(values.__getitem__, by_enterprise))

    count = len(tasks)
    values = {"plan_id": [plan_id] * count, "seq": (order + 1).tolist(),
              "enterprise_id": column(ids), "month": column(months), "kind": column(kinds),
              "reason": column(reasons),
              "officer_ids": list(map(str, map(list, column(teams)))),
              "expert_needs": list(map(needs_json.__getitem__, column(needs))),
              "covered": column(covered), "state": ["planned"] * count}
    _insert_rows(db.session.connection(), values)


def _insert_rows(connection: sa.Connection, values: dict[str, list]) -> None:
    """INSERT the plan_tasks rows given by column. On SQLite, ``_ROWS_PER_INSERT`` rows per
    statement (``INSERT … VALUES (…), (…), …``, fewer if its parameter limit is lower): one
    statement per row would repeat the statement's set-up — the foreign-key cursors among it —
    for each of ~200,000 rows. Other databases: the driver's executemany (psycopg batches it)."""
    single = sa.insert(_TASK_ROWS).compile(dialect=connection.dialect,
                                           column_keys=list(_TASK_COLUMNS))
    if connection.dialect.name != "sqlite":
        names = single.positiontup if single.positional else _TASK_COLUMNS
        rows = list(zip(*(values[name] for name in names), strict=True))
        if not single.positional:
            rows = [dict(zip(names, row, strict=True)) for row in rows]
        connection.exec_driver_sql(single.string, rows)
        return
    names = single.positiontup
    width = len(names)
    limit = connection.connection.dbapi_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per_statement = max(1, min(_ROWS_PER_INSERT, limit // width))
    head, one = single.string.split(" VALUES ")

    def statement(rows: int) -> str:
        return f"{head} VALUES {', '.join([one] * rows)}"

    flat = list(chain.from_iterable(zip(*(values[name] for name in names), strict=True)))
    step = per_statement * width
    whole = len(flat) // step * step
    if whole:
        connection.exec_driver_sql(statement(per_statement),
                                   [tuple(flat[k:k + step]) for k in range(0, whole, step)])
    if whole < len(flat):
        connection.exec_driver_sql(statement((len(flat) - whole) // width), tuple(flat[whole:]))


def create_plan(params: dict[str, Any], user_id: int | None, progress=None) -> Plan:
    """Compute a draft plan (the same inputs and seed always give the same tasks)."""
    with _no_collector_passes():
        return _create_plan(params, user_id, progress)


def _create_plan(params: dict[str, Any], user_id: int | None, progress) -> Plan:
    report = progress or (lambda fraction, message=None: None)
    seed = params.get("seed")
    if seed is None:
        seed = secrets.randbelow(2**31)
    campaigns = tuple(Campaign(**c) for c in params.get("campaigns") or ())
    inputs = PlanInputs(
        year=params["year"], seed=seed, officers=_officers(params.get("officer_ids")),
        enterprises=_enterprises(),
        other_enforcement_days=params.get("other_enforcement_days") or {},
        non_enforcement_days=params.get("non_enforcement_days") or {},
        officer_days_per_inspection=params.get("officer_days_per_inspection"),
        reserve_ratio=params.get("reserve_ratio"),
        random_ratio_min=params.get("random_ratio_min"), campaigns=campaigns)
    report(0.2, _("计算执法力量、必检企业与双随机抽取"))
    try:
        computed = engine.generate_plan(inputs, needs_for=_needs_cache())
    except PlanInputError as err:
        raise ValidationFailed(_("计划参数有误"), errors={
            k: list(v) for k, v in err.errors.items()}) from err
    classes = {e.id: e.risk_class for e in inputs.enterprises}
    stored_params = {**params, "seed": seed,
                     "campaigns": [asdict(c) for c in campaigns]}
    plan = Plan(
        year=computed.year, seed=computed.seed, state="draft", ruleset=computed.ruleset,
        provisional=computed.provisional, params=audit.to_jsonable(stored_params),
        capacity=audit.to_jsonable(computed.capacity),
        deductions=audit.to_jsonable(computed.deductions),
        allocation=audit.to_jsonable(computed.allocation),
        summary=audit.to_jsonable(computed.summary),
        shortfall=audit.to_jsonable(computed.shortfall),
        officer_load={str(k): v for k, v in computed.officer_load.items()},
        random_pool_ids=list(computed.random_pool_ids),
        random_drawn_ids=list(computed.random_drawn_ids),
        random_pool_classes=[classes[i] for i in computed.random_pool_ids],
        random_weights=dict(computed.random_weights),
        notes=list(computed.notes), avoided=audit.to_jsonable(list(computed.avoided)),
        created_by=user_id)
    db.session.add(plan)
    db.session.flush()
    report(0.7, _("保存 %(n)s 项检查任务", n=len(computed.tasks)))
    _store_tasks(plan.id, computed.tasks)
    audit.record("plan_computed", "plans", plan.id,
                 changes={"year": plan.year, "seed": plan.seed, "tasks": len(computed.tasks),
                          "ruleset": plan.ruleset})
    return plan


def allowed_actions(plan: Plan, user) -> list[str]:
    return [action for (state, action), (_next, permission) in WORKFLOW.items()
            if state == plan.state and user.can(permission)]


def act(plan: Plan, action: str, version: int | None, user, opinion: str | None = None) -> Plan:
    """One step of the workflow table; an approved plan is frozen."""
    step = WORKFLOW.get((plan.state, action))
    if step is None:
        raise TransitionNotAllowed(_("计划当前为“%(s)s”，不能执行“%(a)s”", s=plan.state, a=action))
    next_state, permission = step
    if not user.can(permission):
        from enforcement.core.errors import Forbidden

        raise Forbidden(_("您的角色不能执行此操作"))
    plan.check_version(version)
    now = clock.now()
    if action == "return":
        if not (opinion or "").strip():
            raise ValidationFailed(_("退回须写明意见"), errors={"opinion": [_("请写明退回意见。")]})
        plan.return_opinion = opinion.strip()
    if action == "approve":
        clash = db.session.scalar(sa.select(Plan.id).where(
            Plan.year == plan.year, Plan.state.in_(FROZEN_STATES), Plan.id != plan.id))
        if clash is not None:
            raise Conflict(_("%(y)s 年已有批准的计划（#%(id)s），每年只能批准一个计划。",
                             y=plan.year, id=clash))
        plan.approved_by, plan.approved_at = user.id, now
    if action == "submit":
        plan.submitted_at = now
    if action == "publish":
        plan.published_at = now
    plan.state = next_state
    db.session.flush()
    audit.record(f"plan_{action}", "plans", plan.id, changes={"state": next_state})
    return plan


def tasks_of(plan: Plan, month: int | None = None):
    stmt = sa.select(PlanTask).where(PlanTask.plan_id == plan.id).order_by(PlanTask.seq)
    return stmt.where(PlanTask.month == month) if month else stmt


def tasks_of_officer(plan: Plan, officer_id: int, month: int | None = None) -> list[PlanTask]:
    """An officer's tasks (teams are JSON lists: filtered here, a county plan is small)."""
    return [t for t in db.session.scalars(tasks_of(plan, month)) if officer_id in t.officer_ids]


def published_plan(year: int) -> Plan | None:
    return db.session.scalar(sa.select(Plan).where(Plan.year == year,
                                                   Plan.state.in_(FROZEN_STATES)))


def verify_draw(plan: Plan) -> tuple[bool, str]:
    """Re-run the published 双随机 draw from the stored pool, classes, weights and seed."""
    from enforcement.plans.selection import draw

    weights = [plan.random_weights[c] for c in plan.random_pool_classes]
    again = list(draw(plan.random_pool_ids, weights, len(plan.random_drawn_ids), plan.seed))
    if again != plan.random_drawn_ids:
        return False, _("重新抽取的结果与计划不一致")
    random_tasks = set(db.session.scalars(sa.select(PlanTask.enterprise_id).where(
        PlanTask.plan_id == plan.id, PlanTask.kind == "random")))
    if random_tasks != set(again):
        return False, _("计划中的双随机任务与抽取结果不一致")
    return True, _("抽取可复现：种子 %(s)s，范围 %(n)s 家，抽中 %(k)s 家",
                   s=plan.seed, n=len(plan.random_pool_ids), k=len(again))


def export_tasks_xlsx(plan: Plan) -> bytes:
    """The task list as a spreadsheet (月份, 企业, 乡镇, 分类, 类型, 理由, 执法人员, 专家需求)."""
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    enterprises = {e.id: e for e in db.session.scalars(sa.select(Enterprise).where(
        Enterprise.id.in_(sa.select(PlanTask.enterprise_id).where(PlanTask.plan_id == plan.id))))}
    officers = dict(db.session.execute(sa.select(User.id, User.display_name)).all())
    kinds = {"key": _("重点检查"), "random": _("双随机"), "campaign": _("专项整治")}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("%(y)s年检查任务", y=plan.year))
    sheet.append([_("序号"), _("月份"), _("企业名称"), _("统一社会信用代码"), _("乡镇（街道）"),
                  _("风险分类"), _("类型"), _("理由"), _("执法人员"), _("专家需求")])
    for task in db.session.scalars(tasks_of(plan)):
        enterprise = enterprises[task.enterprise_id]
        values = [task.seq, task.month, enterprise.name, enterprise.uscc, enterprise.township,
                  enterprise.risk_class or "", kinds[task.kind], task.reason,
                  "、".join(officers.get(o, str(o)) for o in task.officer_ids),
                  "、".join(task.expert_needs)]
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def charts(plan: Plan) -> dict[str, dict]:
    """Data for the plan page's charts: tasks by month, by class, by township, officer load."""
    by_month = plan.summary.get("by_month", {})
    months = [str(m) for m in range(1, 13)]
    townships = plan.summary.get("by_township", {})
    load = sorted(plan.officer_load.values())
    return {
        "month": {"categories": [f"{m}月" for m in months],
                  "values": [by_month.get(m, by_month.get(int(m), 0)) for m in months]},
        "class": {"categories": list("ABCD"),
                  "values": [plan.summary.get("by_class", {}).get(c, 0) for c in "ABCD"]},
        "township": {"categories": list(townships), "values": list(townships.values())},
        "load": {"categories": [str(i + 1) for i in range(len(load))], "values": load},
    }


def amend(plan: Plan, version: int | None, reason: str, changes: list[dict[str, Any]],
          user) -> PlanAmendment:
    """计划调整: an approved plan is frozen; a change is an amendment with a reason, recorded
    with before/after and audited. A change moves a task to another month, changes its team,
    cancels it, or adds a visit to an enterprise."""
    if plan.state not in FROZEN_STATES:
        raise TransitionNotAllowed(_("未批准的计划请直接重新生成草案，不需要调整"))
    if not user.can("plans.approve"):
        from enforcement.core.errors import Forbidden

        raise Forbidden(_("计划调整须由负责人批准"))
    plan.check_version(version)
    errors: dict[str, list[str]] = {}
    if len((reason or "").strip()) < 4:
        errors["reason"] = [_("请写明调整理由（至少 4 个字）。")]
    if not changes:
        errors["changes"] = [_("至少包含一项调整。")]
    officers = {o.id: o for o in _officers(None)}
    recorded = []
    for i, change in enumerate(changes):
        where = f"changes.{i}"
        team = change.get("officer_ids")
        if team is not None:
            certificates = {officers[o].certificate_no for o in team if o in officers}
            if len(team) < 2 or len(certificates) != len(team):
                errors.setdefault(where, []).append(
                    _("检查组须有 2 名以上持不同执法证的在岗执法人员。"))
                continue
        month = change.get("month")
        if month is not None and not 1 <= month <= 12:
            errors.setdefault(where, []).append(_("月份应为 1–12。"))
            continue
        if change.get("task_id") is not None:
            task = db.session.get(PlanTask, change["task_id"])
            if task is None or task.plan_id != plan.id:
                errors.setdefault(where, []).append(_("任务不属于该计划。"))
                continue
            before = {"month": task.month, "officer_ids": task.officer_ids, "state": task.state}
            if change.get("cancel"):
                task.state = "cancelled"
            if month is not None:
                task.month = month
            if team is not None:
                task.officer_ids = list(team)
            recorded.append({"task_id": task.id, "before": before,
                             "after": {"month": task.month, "officer_ids": task.officer_ids,
                                       "state": task.state}})
        elif change.get("enterprise_id") is not None:
            if month is None or team is None:
                errors.setdefault(where, []).append(_("新增检查须给出月份和检查组。"))
                continue
            if db.session.get(Enterprise, change["enterprise_id"]) is None:
                errors.setdefault(where, []).append(_("企业不存在。"))
                continue
            seq = (db.session.scalar(sa.select(sa.func.max(PlanTask.seq))
                                     .where(PlanTask.plan_id == plan.id)) or 0) + 1
            task = PlanTask(plan_id=plan.id, seq=seq, enterprise_id=change["enterprise_id"],
                            month=month, kind="key", reason=_("计划调整：%(r)s", r=reason.strip()),
                            officer_ids=list(team), expert_needs=[], covered=True,
                            state="planned")
            db.session.add(task)
            db.session.flush()
            recorded.append({"task_id": task.id, "before": None,
                             "after": {"enterprise_id": task.enterprise_id, "month": month,
                                       "officer_ids": list(team)}})
        else:
            errors.setdefault(where, []).append(_("应给出 task_id 或 enterprise_id。"))
    if errors:
        raise ValidationFailed(_("计划调整有误"), errors=errors)
    amendment = PlanAmendment(plan_id=plan.id, reason=reason.strip(), changes=recorded,
                              made_by=user.id, made_at=clock.now())
    db.session.add(amendment)
    plan.updated_at = clock.now()  # bumps the version: others editing see the change
    db.session.flush()
    return amendment


def amendments_of(plan: Plan) -> list[PlanAmendment]:
    return list(db.session.scalars(sa.select(PlanAmendment).where(PlanAmendment.plan_id == plan.id)
                                   .order_by(PlanAmendment.id)))


# -- execution (tasks taken up by inspections) --------------------------------------------------

TASK_STATE_LABELS = {"planned": N_("待检查"), "in_progress": N_("检查中"), "done": N_("已完成"),
                     "cancelled": N_("已取消")}


def get_task(task_id: int) -> PlanTask:
    task = db.session.get(PlanTask, task_id)
    if task is None:
        raise NotFound(_("计划任务 %(id)s 不存在", id=task_id))
    return task


def task_is_live(task: PlanTask) -> bool:
    """A task may be inspected once its plan is approved (or published)."""
    return task.plan.state in FROZEN_STATES


def mark_task(task: PlanTask, state: str) -> None:
    """An inspection started (``in_progress``) or completed (``done``) the task."""
    if state not in ("in_progress", "done"):
        raise ValueError(state)
    task.state = state
    db.session.flush()


def execution(plan: Plan, today=None) -> dict[str, Any]:
    """计划执行: per month planned / done / in progress / overdue (a task still open after its
    month), and how many of the plan's class A and B enterprises have been inspected so far."""
    today = today or clock.today()

    def past(month: int) -> bool:
        return plan.year < today.year or (plan.year == today.year and month < today.month)

    by_month = {m: {"planned": 0, "done": 0, "in_progress": 0, "overdue": 0}
                for m in range(1, 13)}
    classes: dict[str, dict[str, set]] = {c: {"all": set(), "done": set()} for c in "AB"}
    rows = db.session.execute(
        sa.select(PlanTask.month, PlanTask.state, PlanTask.enterprise_id, Enterprise.risk_class)
        .join(Enterprise, Enterprise.id == PlanTask.enterprise_id)
        .where(PlanTask.plan_id == plan.id, PlanTask.state != "cancelled"))
    for month, state, enterprise_id, risk_class in rows:
        cell = by_month[month]
        cell["planned"] += 1
        if state in ("done", "in_progress"):
            cell[state] += 1
        if state != "done" and past(month):
            cell["overdue"] += 1
        if risk_class in classes:
            classes[risk_class]["all"].add(enterprise_id)
            if state == "done":
                classes[risk_class]["done"].add(enterprise_id)
    coverage = {c: {"enterprises": len(v["all"]), "inspected": len(v["done"])}
                for c, v in classes.items()}
    totals = {k: sum(m[k] for m in by_month.values())
              for k in ("planned", "done", "in_progress", "overdue")}
    return {"by_month": by_month, "coverage": coverage, **totals}
