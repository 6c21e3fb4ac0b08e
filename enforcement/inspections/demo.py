"""Demo inspections: the county's plan for this year approved and published, a few completed
inspections with hazards (one re-checked, one past its deadline) and two leads — all made
through the services, with the clock set to the day each inspection happened."""

from __future__ import annotations

import base64
import io
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from enforcement.auth.models import User
from enforcement.core import clock, storage
from enforcement.enterprises.models import Enterprise
from enforcement.extensions import db
from enforcement.inspections import service
from enforcement.inspections.models import Inspection

# (days ago, items to fail with their notes, days to rectify)
VISITS = (
    (40, {"DUST-10": "除尘管道、设备表面积尘厚度超过1毫米，未按规定清理"}, 10),   # overdue
    (25, {"GEN-11": "配电室、喷漆房未设置安全警示标志"}, 15),
    (12, {"GEN-10": "未制定有限空间作业专项应急预案，未组织演练"}, 20),
    (3, {}, 0),
)


def _signature() -> str:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(image).line([(20, 70), (90, 30), (160, 75), (270, 35)], fill="black", width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _photo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (200, 200, 190))
    ImageDraw.Draw(image).rectangle([100, 60, 220, 180], fill=(230, 190, 0), outline="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _published_plan(year: int, leader: User):
    from enforcement.plans import service as plans_service

    plan = plans_service.published_plan(year)
    if plan is not None:
        return plan
    plan = plans_service.create_plan({"year": year, "seed": 370830 + year}, leader.id)
    for action in ("submit", "approve", "publish"):
        plans_service.act(plan, action, plan.version, leader)
    return plan


def seed() -> int:
    """Idempotent: does nothing when inspections exist. Returns how many it made."""
    if db.session.scalar(sa.select(sa.func.count(Inspection.id))):
        return 0
    leader = db.session.scalar(sa.select(User).where(User.username == "leader1"))
    officer = db.session.scalar(sa.select(User).where(User.username == "officer1"))
    if leader is None or officer is None:
        return 0
    today = clock.today()
    plan = _published_plan(today.year, leader)
    from enforcement.plans import service as plans_service

    tasks = [t for t in plans_service.tasks_of_officer(plan, officer.id) if t.state == "planned"]
    dusty = {e for e in db.session.scalars(sa.select(Enterprise.id).where(
        Enterprise.dust_explosion.is_(True)))}
    tasks.sort(key=lambda t: (t.enterprise_id not in dusty, t.month, t.id))
    signature = _signature()
    made = 0
    try:
        for (days_ago, failures, days), task in zip(VISITS, tasks, strict=False):
            day = today - timedelta(days=days_ago)
            clock.freeze(datetime.combine(day, time(9, 30), tzinfo=clock.local_zone()))
            team = [db.session.get(User, i) for i in task.officer_ids]
            actor = officer if officer in team else team[0]
            inspection = service.start({"task_id": task.id, "officer_ids": task.officer_ids,
                                        "place": "生产车间", "representative": {
                                            "name": "王建国", "title": "安全主管"}}, actor)
            codes = {item.code for item in inspection.items}
            failures = {(code if code in codes else "GEN-11"): note
                        for code, note in failures.items()}
            for item in inspection.items:
                note = failures.get(item.code)
                data = {"result": "fail" if note else "pass", "note": note or ""}
                if note:
                    data["rectify_by"] = day + timedelta(days=days)
                service.answer(inspection, item.code, data, actor)
            for member in team:
                service.sign(inspection, {"role": "officer", "user_id": member.id,
                                          "image": signature}, actor)
            service.sign(inspection, {"role": "representative", "name": "王建国",
                                      "image": signature}, actor)
            clock.freeze(datetime.combine(day, time(11, 40), tzinfo=clock.local_zone()))
            service.complete(inspection, inspection.version, actor)
            made += 1
            if days_ago == 25:   # re-checked and found rectified, with a photo
                clock.freeze(datetime.combine(day + timedelta(days=days - 2), time(15, 0),
                                              tzinfo=clock.local_zone()))
                photo = storage.store_bytes(_photo(), "整改后.png", actor.id)
                for hazard in inspection.hazards:
                    service.review(hazard, "review_rectified", {
                        "version": hazard.version, "note": "已按要求设置安全警示标志",
                        "file_ids": [photo.id]}, actor)
    finally:
        clock.freeze(None)
    _leads(officer)
    return made


def _leads(officer: User) -> None:
    shop = db.session.scalar(sa.select(Enterprise.id).where(Enterprise.sector == "commerce")
                             .order_by(Enterprise.id))
    service.create_lead({"source": "complaint", "subject": "群众举报：仓库夜间违规电焊作业",
                         "details": "来电反映该企业仓库夜间在货架区电焊，无人监护、无灭火器材。",
                         "reporter": "匿名", "enterprise_id": shop}, officer)
    service.create_lead({"source": "monitoring",
                         "subject": "在线监测：可燃气体浓度超限报警持续30分钟",
                         "details": "企业安全风险监测预警系统推送，报警未消除。",
                         "enterprise_id": shop}, officer)
