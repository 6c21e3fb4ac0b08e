"""Demo cases: seven 行政处罚 cases at the stages a bureau has on its desk — one taken up from an
inspection's 立案建议 and under investigation, one awaiting the filing approval, one close to its
90-day decision deadline, one large fine through hearing, legal review (returned once) and
collective discussion now being paid, one closed and published, one 当场处罚 and one 不予处罚.

Everything goes through the case service, with the clock set to the day (and hour) each event
happened, counted back from today so that every statutory window has passed when it must have
(the statement period, the hearing request period, seven working days' hearing notice, the
decision within 90 days of filing). The clock runs again at the end."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from enforcement.auth.models import User
from enforcement.cases import discretion, service
from enforcement.cases.models import Case
from enforcement.core import clock, storage, workdays
from enforcement.enterprises.models import Enterprise
from enforcement.extensions import db

REVIEW_POINTS = ("facts_clear", "evidence_sufficient", "basis_correct", "procedure_lawful",
                 "discretion_appropriate")
LEADERS = "局长孔令军，副局长王海涛、刘志强，法制股股长颜法明"


# -- dates and the clock ------------------------------------------------------------------------

def _workday(day: date) -> bool:
    return workdays.is_workday(day).value


def _fwd(day: date, n: int) -> date:
    """The n-th working day after ``day``."""
    return workdays.add_workdays(day, n).value


def _back(day: date, n: int) -> date:
    """The n-th working day before ``day``."""
    while n > 0:
        day -= timedelta(days=1)
        if _workday(day):
            n -= 1
    return day



def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


class _Demo:
    """The people, the day the seeding started, and small helpers that act through the
    service on a given day."""

    def __init__(self, today: date, leader: User, reviewer: User, officers: dict[str, User]):
        self.today, self.leader, self.reviewer, self.officers = today, leader, reviewer, officers
        self.used: set[int] = set()
        self.now = clock.now()
        self.last: datetime | None = None
        self._photo_ids: dict[str, int] = {}

    def at(self, day: date, hour: int = 9, minute: int = 30) -> datetime:
        """Set the clock to ``day`` at ``hour`` (Beijing time), never before the previous step
        of the same case (dates capped at today may fall on one day) and never past the real
        time."""
        moment = datetime.combine(day, time(hour, minute), tzinfo=clock.local_zone())
        if self.last is not None and moment <= self.last:
            moment = self.last + timedelta(minutes=5)
        moment = min(moment, self.now)
        self.last = moment
        clock.freeze(moment)
        return moment

    # people
    def pair(self, enterprise_id: int | None, *names: str) -> list[User]:
        """Two officers (the named ones first) without a declared relationship to the party."""
        from enforcement.enterprises import service as registry_service

        excluded = registry_service.officer_exclusions()
        candidates = [self.officers[n] for n in names if n in self.officers]
        candidates += [u for u in self.officers.values() if u not in candidates]
        team = [u for u in candidates if enterprise_id not in excluded.get(u.id, set())]
        return team[:2]

    # the clock never runs past the day the seeding started
    def cap(self, day: date) -> date:
        return min(day, self.today)

    def act(self, case: Case, action: str, user: User, day: date, hour: int = 10,
            **data: Any) -> Case:
        self.at(day, hour)
        return service.perform(case, action, {"version": case.version, **data}, user)

    def propose_and_notify(self, case: Case, officer: User, concluded: date,
                           proposal: dict[str, Any], opinion: str = "同意。") -> date:
        """调查终结 with ``proposal`` on ``concluded``, approved by the 负责人 the next working
        day, the 告知书 served in person the day after; returns the day it was served."""
        self.act(case, "conclude_investigation", officer, concluded, 10,
                 proposed_penalty=proposal)
        approved = _fwd(concluded, 1)
        self.act(case, "approve_proposal", self.leader, approved, 10, opinion=opinion)
        served = _fwd(approved, 1)
        self.act(case, "serve_notice", officer, served, 10, served_on=served, method="direct")
        return served

    def photo(self, user: User, name: str, colour: tuple[int, int, int]) -> int:
        if name not in self._photo_ids:
            from PIL import Image, ImageDraw

            image = Image.new("RGB", (480, 360), colour)
            draw = ImageDraw.Draw(image)
            draw.rectangle([140, 90, 340, 270], outline="black", width=4)
            draw.line([(140, 270), (340, 90)], fill=(200, 40, 30), width=5)
            out = io.BytesIO()
            image.save(out, "PNG")
            self._photo_ids[name] = storage.store_bytes(out.getvalue(), name, user.id).id
        return self._photo_ids[name]

    def evidence(self, case: Case, user: User, day: date, hour: int = 15, **data: Any):
        self.at(day, hour)
        return service.add_evidence(case, {"collected_on": day, **data}, user)

    def interview(self, case: Case, user: User, day: date, interviewee: dict[str, str],
                  place: str, qa: list[tuple[str, str]], hour: int = 9):
        started = datetime.combine(day, time(hour, 0), tzinfo=clock.local_zone())
        self.at(day, hour + 1, 30)
        return service.add_interview(case, {
            "interviewee": interviewee, "place": place, "started_at": started,
            "ended_at": started + timedelta(minutes=55),
            "qa": [{"q": q, "a": a} for q, a in qa]}, user)

    def enterprise(self, *where: Any, prefer: list[int] | None = None) -> Enterprise:
        """The first preferred enterprise not used yet, else the first matching ``where``, else
        any enterprise not used yet."""
        for enterprise_id in prefer or []:
            if enterprise_id not in self.used:
                self.used.add(enterprise_id)
                return db.session.get(Enterprise, enterprise_id)
        for condition in (where, ()):
            stmt = sa.select(Enterprise).where(*condition).order_by(Enterprise.id)
            if self.used:
                stmt = stmt.where(Enterprise.id.not_in(self.used))
            found = db.session.scalar(stmt.limit(1))
            if found is not None:
                self.used.add(found.id)
                return found
        raise LookupError("no enterprise for the demo cases")


def seed() -> int:
    """Idempotent: does nothing when any case exists. Returns how many cases it made."""
    if db.session.scalar(sa.select(sa.func.count(Case.id))):
        return 0
    users = {u.username: u for u in db.session.scalars(sa.select(User).where(
        User.username.in_(["leader1", "reviewer1", *[f"officer{n}" for n in range(1, 9)]])))}
    officers = {name: users[name] for name in sorted(users) if name.startswith("officer")
                and users[name].certificate_no}
    if "leader1" not in users or "reviewer1" not in users or len(officers) < 2:
        return 0
    if not db.session.scalar(sa.select(sa.func.count(Enterprise.id))):
        return 0
    reviewer = users["reviewer1"]
    if not reviewer.legal_qualified:   # 第五十八条第二款: the demo reviewer holds the qualification
        from enforcement.auth import service as auth_service

        auth_service.update_user(reviewer, reviewer.version, legal_qualified=True)
    demo = _Demo(clock.today(), users["leader1"], reviewer, officers)
    visits = _visits()
    made = 0
    try:
        # the lead and the rectified hazard keep their enterprises for cases 1 and 7
        lead = _proposal_lead(demo, visits)
        if lead is not None and lead.enterprise_id:
            demo.used.add(lead.enterprise_id)
        rectified = _rectified_hazard(demo, visits)
        if rectified is not None:
            demo.used.add(rectified[0].enterprise_id)
        # in the order the cases were filed, so that the case numbers follow the dates
        steps = (
            lambda: _near_deadline(demo),
            lambda: _with_hearing(demo, visits),
            lambda: _closed(demo, visits),
            lambda: _no_penalty(demo, rectified),
            lambda: _on_the_spot(demo),
            lambda: _from_lead(demo, lead),
            lambda: _awaiting_filing(demo),
        )
        for step in steps:
            demo.last = None
            if step() is not None:
                made += 1
    finally:
        clock.freeze(None)
    return made


def _visits() -> list[Any]:
    """The completed inspections of the inspections demo, oldest first."""
    from enforcement.inspections.models import Inspection

    return list(db.session.scalars(sa.select(Inspection).where(
        Inspection.state == "completed").order_by(Inspection.started_at, Inspection.id)))


def _visit_day(inspection) -> date:
    return clock.local(inspection.started_at).date()


# -- 1. taken up from a 立案建议, under investigation ---------------------------------------------

def _proposal_lead(demo: _Demo, visits: list[Any]):
    """A lead in 建议立案 from the inspections demo; if there is none, the officer proposes a
    case on the latest completed inspection that left a hazard open."""
    from enforcement.inspections import service as inspections_service
    from enforcement.inspections.models import Lead

    lead = db.session.scalar(sa.select(Lead).where(
        Lead.state == "case_proposed", Lead.case_draft.is_not(None)).order_by(Lead.id).limit(1))
    if lead is not None:
        return lead
    for inspection in reversed(visits):
        hazards = [h for h in inspection.hazards if h.state == "open" and h.violation_code]
        if not hazards or inspections_service.proposals_of(inspection):
            continue
        team = [demo.officers[n] for n in demo.officers
                if demo.officers[n].id in inspection.officer_ids]
        if not team:
            continue
        demo.at(demo.cap(_fwd(_visit_day(inspection), 1)), 16)
        return inspections_service.open_case(inspection, inspection.version, team[0],
                                             hazard_ids=[h.id for h in hazards])
    return None


def _from_lead(demo: _Demo, lead) -> Case | None:
    if lead is None:
        return _investigating_without_lead(demo)
    draft = lead.case_draft
    discovered = date.fromisoformat(draft["discovered_on"])
    received = clock.local(lead.triaged_at or lead.received_at).date()
    start = demo.cap(max(discovered, received))
    officer_ids = None
    if draft.get("inspection_id"):
        from enforcement.inspections.models import Inspection

        inspection = db.session.get(Inspection, draft["inspection_id"])
        officer_ids = inspection.officer_ids if inspection else None
    team = ([db.session.get(User, i) for i in officer_ids] if officer_ids
            else demo.pair(lead.enterprise_id, "officer1", "officer2"))
    officer = next((u for u in team if u.username == "officer1"), team[0])
    demo.at(start, 16, 30)
    case = service.create_from_lead(lead.id, officer, [u.id for u in team])
    other = next((u for u in team if u.id != officer.id), officer)
    demo.act(case, "submit_filing", officer, start, 17)
    filed = demo.cap(_fwd(start, 1))
    demo.act(case, "approve_filing", demo.leader, filed, 9, filed_on=filed,
             opinion="同意立案，由承办人依法调查取证。")
    day = demo.cap(_fwd(filed, 1))
    party = case.party
    demo.interview(case, officer, day, {"name": party.get("legal_rep") or "王建国",
                                        "role": "法定代表人", "phone": party.get("phone") or ""},
                   place=f"{party.get('name', '')}办公室", qa=[
        ("我们是汶上县应急管理局的执法人员，这是我们的执法证件，请过目。你是否申请回避？",
         "看过了，不申请回避。"),
        ("现场检查时发现的问题你是否清楚？", "清楚，检查当天安全主管在场，已签字确认。"),
        ("问题是什么原因造成的？", "单位对这项工作不够重视，安全管理人员调整后没有及时落实。"),
        ("目前整改情况如何？", "正在按整改指令书的要求整改，期限内完成后书面报告。"),
        ("以上所记录的内容是否属实？", "属实。"),
    ])
    demo.evidence(case, other, day, kind="audiovisual", title="现场检查照片",
                  description="执法人员现场拍摄，显示检查发现的问题部位。",
                  file_ids=[demo.photo(officer, "现场检查照片.png", (196, 190, 176))],
                  place=party.get("address") or "生产车间")
    demo.evidence(case, officer, day, 16, kind="documentary",
                  title="营业执照复印件、法定代表人身份证明",
                  description="当事人提供，加盖公章。",
                  file_ids=[demo.photo(officer, "营业执照复印件.png", (238, 236, 228))])
    return case


def _investigating_without_lead(demo: _Demo) -> Case:
    """No inspection left a hazard to propose: an ordinary complaint case under investigation."""
    plant = demo.enterprise(Enterprise.sector == "light_industry")
    a, b = demo.pair(plant.id, "officer1", "officer2")
    start = _back(demo.today, 4)
    demo.at(start, 10)
    case = service.create({
        "enterprise_id": plant.id, "source": "complaint", "discovered_on": start,
        "violation_codes": ["SCL97-3"], "officer_ids": [a.id, b.id],
        "facts": f"{_cn(start)}，我局接到该单位职工举报，反映{plant.name}新入职的包装工未经"
                 "安全生产教育和培训即上岗作业。"}, a)
    demo.act(case, "submit_filing", a, start, 11)
    filed = _fwd(start, 1)
    demo.act(case, "approve_filing", demo.leader, filed, 9, filed_on=filed)
    demo.evidence(case, a, _fwd(filed, 1), kind="documentary", title="职工花名册及培训档案",
                  file_ids=[demo.photo(a, "培训档案.png", (238, 236, 228))])
    return case


# -- 2. awaiting the filing approval ------------------------------------------------------------

def _awaiting_filing(demo: _Demo) -> Case:
    shop = demo.enterprise(Enterprise.name.like("%超市%"))
    a, b = demo.pair(shop.id, "officer3", "officer1")
    received = _back(demo.today, 2)
    demo.at(received, 10)
    case = service.create({
        "enterprise_id": shop.id, "source": "complaint", "discovered_on": received,
        "violation_codes": ["SCL105-2"], "officer_ids": [a.id, b.id],
        "facts": f"{_cn(received)}上午，我局接到群众电话举报，反映{shop.name}营业期间将卖场东侧"
                 "安全出口用铁链上锁，疏散通道堆放大量货物。执法人员当日下午赶赴现场核查，"
                 "发现该超市东侧安全出口被铁链锁闭，疏散通道内堆放饮料、粮油等货物约20箱，"
                 "通道净宽不足0.8米，现场拍照取证并制作现场笔录。"
                 "上述行为涉嫌违反《中华人民共和国安全生产法》第四十二条第二款的规定。"}, a)
    demo.evidence(case, a, received, 16, kind="inspection_record", title="现场笔录及现场照片",
                  description="安全出口锁闭、疏散通道堆物情况，当事人现场负责人签字确认。",
                  file_ids=[demo.photo(a, "安全出口锁闭.png", (170, 170, 160))],
                  place=shop.address or "超市卖场")
    demo.act(case, "submit_filing", a, _back(demo.today, 1), 9)
    return case


# -- 3. close to the 90-day decision deadline ---------------------------------------------------

def _filing_day_for_deadline(today: date) -> date:
    """A working day about 85 days ago whose 90-day decision deadline falls within the next
    week (a deadline on a rest day moves to the next working day)."""
    for back in (85, 84, 86, 83, 87, 82, 88, 81, 89):
        filed = today - timedelta(days=back)
        if not _workday(filed):
            continue
        due = workdays.add_days(filed, 90).value
        if today < due <= today + timedelta(days=7):
            return filed
    return today - timedelta(days=85)


def _near_deadline(demo: _Demo) -> Case:
    plant = demo.enterprise(Enterprise.sector == "machinery")
    a, b = demo.pair(plant.id, "officer1", "officer4")
    filed = _filing_day_for_deadline(demo.today)
    found = _back(filed, 2)
    demo.at(found, 15)
    case = service.create({
        "enterprise_id": plant.id, "source": "inspection", "discovered_on": found,
        "violation_codes": ["SCL99-3"], "officer_ids": [a.id, b.id],
        "facts": f"{_cn(found)}，执法人员{a.display_name}、{b.display_name}对{plant.name}进行"
                 "执法检查时发现：该公司冲压车间3台开式压力机（J23-40型）的光电保护装置失效，"
                 "设备仍在使用；该公司不能提供上述设备的日常维护保养记录和定期检测报告。"
                 "经委托检测机构检测，光电保护装置响应时间不符合GB 27607的要求。"
                 "上述行为涉嫌违反《中华人民共和国安全生产法》第三十六条第一款的规定。"}, a)
    demo.act(case, "submit_filing", a, found, 16)
    demo.act(case, "approve_filing", demo.leader, filed, 9, filed_on=filed,
             opinion="同意立案。需委托检测的，抓紧办理。")
    demo.evidence(case, b, _fwd(filed, 1), kind="audiovisual", title="冲压车间现场照片",
                  description="压力机光电保护装置指示灯不亮，遮挡光幕后滑块仍可下行。",
                  file_ids=[demo.photo(b, "光电保护装置.png", (150, 160, 175))],
                  place="冲压车间")
    demo.interview(case, a, _fwd(filed, 2), {"name": "李德胜", "role": "设备科科长"},
                   place="汶上县应急管理局询问室", qa=[
        ("压力机光电保护装置失效多长时间了？", "大概两个月，一直想着等停产检修时一起换。"),
        ("设备有没有维护保养和定期检测？", "日常由操作工自己看，没有专门记录，也没请机构检测。"),
        ("以上所记录的内容是否属实？", "属实。"),
    ])
    # the 检测报告 took long: the commissioned agency reported two months later
    report_day = _back(demo.today, 16)
    demo.evidence(case, a, report_day, kind="expert_opinion",
                  title="压力机安全保护装置检测报告",
                  description="山东某检测技术有限公司出具，结论：3台压力机光电保护装置不合格。",
                  file_ids=[demo.photo(a, "检测报告.png", (240, 240, 232))])
    concluded = _fwd(report_day, 2)
    served = demo.propose_and_notify(case, a, concluded, {
        "items": [{"violation_code": "SCL99-3", "fine": "20000"}],
        "summary": "违法事实清楚，证据确实充分，建议处罚款人民币贰万元整。"})
    stated = _fwd(served, 2)
    demo.act(case, "record_statement", b, stated, 14, statement_on=stated, adopted=False,
             statement="当事人书面陈述：光电保护装置已全部更换并经检测合格，"
                       "请求从轻处罚。经复核，整改系案发后所为，不属于从轻情形，不予采纳。")
    demo.act(case, "submit_review", a, _fwd(stated, 1), 9)
    demo.act(case, "approve_review", demo.reviewer, _fwd(stated, 2), 15,
             points={p: {"ok": True} for p in REVIEW_POINTS},
             opinion="事实清楚，证据充分，程序合法，裁量适当。注意办案期限即将届满，"
                     "请尽快作出决定。")
    return case


# -- 4. a large fine: hearing, legal review returned once, collective discussion, part-paid ------

def _with_hearing(demo: _Demo, visits: list[Any]) -> Case:
    dusty = [v.enterprise_id for v in visits
             if db.session.get(Enterprise, v.enterprise_id).dust_explosion]
    plant = demo.enterprise(Enterprise.dust_explosion.is_(True), prefer=dusty)
    a, b = demo.pair(plant.id, "officer1", "officer2")
    start = _back(demo.today, 36)
    ordered = _back(start, 12)
    demo.at(start, 9)
    case = service.create({
        "enterprise_id": plant.id, "source": "inspection", "discovered_on": start,
        "violation_codes": ["SCL99-2"], "officer_ids": [a.id, b.id],
        "facts": f"{_cn(ordered)}，执法人员对{plant.name}检查时发现，该公司粉尘涉爆车间干式"
                 "除尘器未按《粉尘防爆安全规程》（GB 15577）设置泄爆装置，"
                 "除尘系统未采用锁气卸灰装置，"
                 f"我局当场下达《责令限期整改指令书》，责令其于{_cn(_fwd(ordered, 5))}前改正。"
                 f"{_cn(start)}复查时，上述问题仍未改正，除尘器仍在使用。"
                 "上述行为涉嫌违反《中华人民共和国安全生产法》第三十六条第一款的规定，"
                 "且属逾期未改正。"}, a)
    demo.act(case, "submit_filing", a, start, 11)
    filed = _fwd(start, 1)
    demo.act(case, "approve_filing", demo.leader, filed, 9, filed_on=filed,
             opinion="同意立案。")
    demo.evidence(case, b, filed, 15, kind="audiovisual", title="复查现场照片",
                  description="粉尘涉爆车间干式除尘器，无泄爆口，卸灰口为敞口。",
                  file_ids=[demo.photo(b, "除尘器复查.png", (120, 125, 118))],
                  place="粉尘涉爆车间")
    demo.evidence(case, a, filed, 16, kind="documentary", title="责令限期整改指令书及送达回证",
                  file_ids=[demo.photo(a, "整改指令书.png", (240, 238, 230))])
    demo.interview(case, a, _fwd(filed, 1), {"name": case.party.get("legal_rep") or "张明辉",
                                             "role": "法定代表人"},
                   place="汶上县应急管理局询问室", qa=[
        ("我局责令你公司限期整改除尘系统，你是否收到指令书？", "收到了，是我签收的。"),
        ("为什么期限届满仍未改正？", "泄爆片和卸灰阀订货晚了，厂家还没到货，车间一直没停。"),
        ("期间除尘器是否一直在使用？", "是的，订单多，没有停。"),
        ("以上所记录的内容是否属实？", "属实。"),
    ])
    concluded = _fwd(filed, 12)
    suggestion = discretion.suggest("SCL99-2", "unit", ["not_corrected"], concluded)
    fine = str(suggestion.suggested)
    served = demo.propose_and_notify(case, a, concluded, {
        "items": [{"violation_code": "SCL99-2", "fine": fine,
                   "circumstances": ["not_corrected"],
                   "reason": "责令限期改正逾期未改正，且期间继续使用不符合标准的除尘系统。"}],
        "summary": "依据《中华人民共和国安全生产法》第九十九条第（二）项，逾期未改正，"
                   f"建议处罚款人民币{Decimal(fine):,.0f}元。"},
        opinion="同意。属较大数额罚款，告知当事人有要求听证的权利。")
    requested = _fwd(served, 2)
    demo.act(case, "request_hearing", a, requested, 11, requested_on=requested)
    notified = _fwd(requested, 1)
    hearing = _fwd(notified, 7)   # the 7th working day after the notice (第六十四条、第八十五条)
    demo.act(case, "schedule_hearing", a, notified, 10, notified_on=notified,
             hearing_on=hearing, place="汶上县应急管理局三楼听证室", chair_id=demo.reviewer.id)
    demo.act(case, "record_hearing", a, hearing, 16, held_on=hearing, chair_id=demo.reviewer.id,
             record="听证笔录：案件调查人员陈述了违法事实、证据和处罚建议；当事人委托代理人"
                    "提出，设备已于听证前全部整改完毕，请求减轻处罚。双方就证据进行了质证。",
             report="听证报告：当事人逾期未改正的事实清楚，证据确实充分；事后整改不属于法定"
                    "减轻情形。建议维持告知的处罚。")
    demo.act(case, "submit_review", a, _fwd(hearing, 1), 9)
    demo.act(case, "return_review", demo.reviewer, _fwd(hearing, 2), 15,
             opinion="请补充整改期限届满前后的对比照片，证明逾期未改正的事实。",
             points={"evidence_sufficient": {"ok": False,
                                             "note": "缺整改期限届满前后的对比照片"}})
    supplemented = _fwd(hearing, 3)
    demo.evidence(case, b, supplemented, 10, kind="audiovisual",
                  title="整改期限届满前后对比照片",
                  description="指令书送达时与复查时同一位置拍摄，除尘器状况未变。",
                  file_ids=[demo.photo(b, "对比照片.png", (132, 128, 120))],
                  place="粉尘涉爆车间")
    demo.act(case, "submit_review", a, supplemented, 14)
    reviewed = _fwd(hearing, 4)
    demo.act(case, "approve_review", demo.reviewer, reviewed, 15,
             points={p: {"ok": True} for p in REVIEW_POINTS},
             opinion="已补充对比照片。事实清楚，证据充分，适用依据准确，程序合法，裁量适当。")
    decided = _fwd(reviewed, 1)
    demo.act(case, "record_discussion", demo.leader, decided, 9, held_on=decided,
             participants=LEADERS,
             conclusion="经集体讨论，一致同意按告知的罚款金额作出行政处罚决定。")
    demo.act(case, "decide", demo.leader, decided, 11, decided_on=decided)
    delivered = _fwd(decided, 1)
    demo.act(case, "serve_decision", a, delivered, 10, served_on=delivered, method="direct",
             receiver=case.party.get("legal_rep") or "张明辉")
    paid = _fwd(delivered, 2)
    half = (Decimal(fine) / 2).quantize(Decimal("0.01"))
    demo.act(case, "record_payment", b, paid, 15, paid_on=paid, amount=str(half),
             receipt="非税收入一般缴款书 No.37083026" + f"{case.id:05d}")
    return case


# -- 5. closed: decided, served, paid, closing approved (published) ---------------------------

def _closed(demo: _Demo, visits: list[Any]) -> Case:
    prefer = [visits[-1].enterprise_id] if visits else []
    plant = demo.enterprise(Enterprise.sector.in_(("light_industry", "textile")), prefer=prefer)
    a, b = demo.pair(plant.id, "officer2", "officer1")
    start = _back(demo.today, 30)
    demo.at(start, 10)
    case = service.create({
        "enterprise_id": plant.id, "source": "inspection", "discovered_on": start,
        "violation_codes": ["SCL99-5"], "officer_ids": [a.id, b.id],
        "facts": f"{_cn(start)}，执法人员{a.display_name}、{b.display_name}对{plant.name}进行"
                 "执法检查时发现：该公司粉碎、打磨岗位12名作业人员佩戴普通棉纱口罩作业，"
                 "未为从业人员提供符合GB 2626标准的防尘口罩；该公司不能提供劳动防护用品"
                 "采购和发放记录。上述行为涉嫌违反《中华人民共和国安全生产法》第四十五条的规定。"},
        a)
    demo.act(case, "submit_filing", a, start, 11)
    filed = _fwd(start, 1)
    demo.act(case, "approve_filing", demo.leader, filed, 9, filed_on=filed)
    demo.evidence(case, b, filed, 15, kind="audiovisual", title="作业人员佩戴口罩情况照片",
                  file_ids=[demo.photo(b, "防护用品.png", (210, 205, 190))], place="打磨车间")
    demo.interview(case, a, _fwd(filed, 1), {"name": "赵春燕", "role": "安全管理员"},
                   place=f"{plant.name}会议室", qa=[
        ("打磨岗位作业人员佩戴的是什么口罩？", "普通棉纱口罩，是工人自己买的。"),
        ("单位是否为他们配发符合标准的防尘口罩？", "没有，之前没注意到要发专门的防尘口罩。"),
        ("以上所记录的内容是否属实？", "属实。"),
    ])
    concluded = _fwd(filed, 5)
    served = demo.propose_and_notify(case, a, concluded, {
        "items": [{"violation_code": "SCL99-5", "fine": "15000"}],
        "summary": "建议处罚款人民币壹万伍仟元整。"})
    stated = _fwd(served, 2)
    demo.act(case, "record_statement", b, stated, 10, statement_on=stated, adopted=False,
             statement="当事人陈述：已为全部粉尘作业人员配发KN95防尘口罩，请求从轻处罚。"
                       "经复核，罚款已在基准阶次内从低确定，不再调整。")
    decided = _fwd(stated, 2)
    demo.act(case, "decide", demo.leader, decided, 10, decided_on=decided)
    delivered = _fwd(decided, 1)
    demo.act(case, "serve_decision", a, delivered, 10, served_on=delivered, method="direct",
             receiver=case.party.get("legal_rep") or "赵春燕")
    paid = _fwd(delivered, 3)
    demo.act(case, "record_payment", b, paid, 15, paid_on=paid, amount="15000.00",
             receipt="非税收入一般缴款书 No.37083026" + f"{case.id:05d}")
    demo.act(case, "submit_closing", a, _fwd(paid, 1), 10,
             summary="罚款已全额缴纳，违法行为已改正，申请结案。")
    closed = _fwd(paid, 2)
    demo.act(case, "approve_closing", demo.leader, closed, 10, closed_on=closed,
             opinion="同意结案。")
    return case


# -- 6. 当场处罚 (summary procedure) --------------------------------------------------------------

def _on_the_spot(demo: _Demo) -> Case:
    restaurant = demo.enterprise(Enterprise.name.like("%餐饮%"))
    a, b = demo.pair(restaurant.id, "officer5", "officer1")
    day = _back(demo.today, 10)
    demo.at(day, 11)
    case = service.create({
        "enterprise_id": restaurant.id, "procedure": "summary", "source": "inspection",
        "discovered_on": day, "violation_codes": ["SCL99-8"], "officer_ids": [a.id, b.id],
        "facts": f"{_cn(day)}，执法人员{a.display_name}、{b.display_name}对{restaurant.name}"
                 "进行燃气安全专项检查时发现：该单位后厨使用瓶装液化石油气，未安装可燃气体"
                 "报警装置。违法事实确凿，当事人当场承认。"}, a)
    demo.act(case, "decide_on_spot", a, day, 11, decided_on=day, penalty={"fine": "2000"},
             statement="当事人对违法事实无异议，未提出陈述申辩。")
    paid = _fwd(day, 2)   # the 决定书 was handed over on the spot (第五十二条)
    demo.act(case, "record_payment", b, paid, 15, paid_on=paid, amount="2000.00",
             receipt="非税收入一般缴款书 No.37083026" + f"{case.id:05d}")
    demo.act(case, "submit_closing", a, _fwd(paid, 1), 10,
             summary="罚款已缴纳，可燃气体报警装置已安装。")
    closed = _fwd(paid, 2)
    demo.act(case, "approve_closing", demo.leader, closed, 10, closed_on=closed,
             opinion="同意结案，报法制股备案。")
    return case


# -- 7. 不予处罚: minor and corrected at once --------------------------------------------------

def _rectified_hazard(demo: _Demo, visits: list[Any]):
    """A missing warning sign found by the inspections demo and rectified in time."""
    for inspection in visits:
        for hazard in inspection.hazards:
            if hazard.state == "rectified" and hazard.violation_code == "SCL99-1" \
                    and inspection.enterprise_id not in demo.used:
                return inspection, hazard
    return None


def _no_penalty(demo: _Demo, rectified) -> Case:
    if rectified is not None:
        inspection, hazard = rectified
        enterprise = db.session.get(Enterprise, inspection.enterprise_id)
        found = _visit_day(inspection)
        team = [db.session.get(User, i) for i in inspection.officer_ids]
        extra = {"inspection_id": inspection.id, "hazard_ids": [hazard.id]}
        corrected = hazard.reviewed_on or _fwd(found, 5)
        photo_ids = list(hazard.review_file_ids)
    else:
        enterprise = demo.enterprise(Enterprise.sector == "building_materials")
        found = _back(demo.today, 15)
        team = demo.pair(enterprise.id, "officer6", "officer1")
        extra = {}
        corrected = _fwd(found, 5)
        photo_ids = []
    a, b = team[0], team[1]
    opened = demo.cap(_fwd(found, 1))
    demo.at(opened, 10)
    case = service.create({
        "enterprise_id": enterprise.id, "source": "inspection", "discovered_on": found,
        "violation_codes": ["SCL99-1"], "officer_ids": [a.id, b.id], **extra,
        "facts": f"{_cn(found)}，执法人员{a.display_name}、{b.display_name}对{enterprise.name}"
                 "进行执法检查时发现：该公司配电室、喷漆房未设置安全警示标志。"
                 "上述行为涉嫌违反《中华人民共和国安全生产法》第三十五条的规定。"}, a)
    demo.act(case, "submit_filing", a, opened, 11)
    filed = demo.cap(_fwd(opened, 1))
    demo.act(case, "approve_filing", demo.leader, filed, 9, filed_on=filed)
    later = demo.cap(workdays.next_workday(max(_fwd(filed, 1), corrected)).value)
    demo.interview(case, a, later, {"name": "王建国", "role": "安全主管"},
                   place=f"{enterprise.name}办公室", qa=[
        ("配电室、喷漆房为什么没有设置安全警示标志？",
         "原来的标志牌在车间粉刷时拆下，没有及时装回。"),
        ("现在整改了吗？", "检查后第二周已经全部装好，执法人员复查过。"),
        ("是否造成危害后果？", "没有。"),
        ("以上所记录的内容是否属实？", "属实。"),
    ])
    demo.evidence(case, b, later, kind="audiovisual", title="整改后现场照片",
                  description="配电室、喷漆房门口已设置“当心触电”“禁止烟火”等警示标志。",
                  file_ids=photo_ids or [demo.photo(b, "整改后照片.png", (225, 200, 60))])
    decided = demo.cap(_fwd(later, 2))
    demo.act(case, "no_penalty", demo.leader, decided, 15, decided_on=decided, ground="minor",
             reason="当事人违法行为轻微，并在责令限期整改期限内及时改正，没有造成危害后果，"
                    "依据《中华人民共和国行政处罚法》第三十三条第一款，不予行政处罚。",
             education="执法人员向当事人法定代表人和安全主管讲解了《中华人民共和国安全生产法》"
                       "第三十五条关于设置安全警示标志的规定，当事人表示今后严格落实，"
                       "定期检查警示标志完好情况。")
    return case
