"""Journey of a case: the officer proposes a case from a completed inspection and registers it,
the leader approves filing, the officer collects evidence and concludes with the discretion
suggestion, serves the notice, the party asks for a hearing, the hearing is notified and (seven
working days later) recorded, the reviewer returns the file once and then approves it, the
leader records the collective discussion and decides, the decision is served and paid, and the
leader closes the case. The live server runs in this process, so the test sets its clock."""

import io
from datetime import datetime, time

import pytest
import sqlalchemy as sa
from PIL import Image

from enforcement.core import clock, workdays
from tests.e2e.conftest import LIVE, shot, sign_in

pytestmark = pytest.mark.e2e


def _inspection_to_prosecute() -> tuple[int, str]:
    """A completed demo inspection of officer1 with an open hazard and no case proposal yet."""
    from enforcement.auth.models import User
    from enforcement.extensions import db
    from enforcement.inspections import service as inspections_service
    from enforcement.inspections.models import Inspection

    with LIVE["app"].app_context():
        officer = db.session.scalar(sa.select(User).where(User.username == "officer1"))
        for inspection in db.session.scalars(sa.select(Inspection).where(
                Inspection.state == "completed").order_by(Inspection.id)):
            if officer.id not in inspection.officer_ids:
                continue
            if any(h.state == "open" for h in inspection.hazards) \
                    and not inspections_service.proposals_of(inspection):
                return inspection.id, officer.display_name
    raise AssertionError("no completed demo inspection with an open hazard to prosecute")


def _freeze(day) -> None:
    clock.freeze(datetime.combine(day, time(10, 0), tzinfo=clock.local_zone()))


class Actor:
    """One signed-in browser context per role (a clock jump ends page sessions)."""

    def __init__(self, browser, base):
        self.browser, self.base, self.context, self.page = browser, base, None, None

    def sign_in(self, username):
        if self.context is not None:
            self.context.close()
        self.context = self.browser.new_context(locale="zh-CN",
                                                viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        sign_in(self.page, self.base, username)
        return self.page

    def close(self):
        if self.context is not None:
            self.context.close()


def _open(page, name):
    details = page.locator(f"[data-testid=action-{name}]")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return page.locator(f"[data-testid=form-{name}]")


def _do(page, name, fill=None):
    form = _open(page, name)
    for selector, value in (fill or {}).items():
        form.locator(selector).fill(value)
    form.locator(f"[data-testid=do-{name}]").click()
    page.wait_for_load_state()


def _state(page):
    return page.locator("[data-testid=case-state]").inner_text().strip()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (150, 120, 90)).save(out, "JPEG")
    return out.getvalue()


def test_a_case_from_inspection_to_closing(browser, live_server):
    inspection_id, _name = _inspection_to_prosecute()
    today = clock.today()
    hearing_day = workdays.add_workdays(today, 7).value
    officer, leader, reviewer = (Actor(browser, live_server) for _ in range(3))
    try:
        _freeze(today)
        page = officer.sign_in("officer1")
        page.goto(f"{live_server}/inspections/{inspection_id}")
        page.locator("summary:has-text('提出立案建议')").click()
        page.click("[data-testid=open-case]")
        page.wait_for_load_state()
        page.click("[data-testid=lead-register-case]")
        page.click("[data-testid=take-up-lead]")
        page.wait_for_load_state()
        assert _state(page) == "预立案"
        case_url = page.url
        _do(page, "submit_filing")
        assert _state(page) == "立案审批"

        lp = leader.sign_in("leader1")
        lp.goto(f"{live_server}/cases/queue")
        shot(lp, "case-queue")
        case_path = case_url.split(live_server, 1)[1]
        lp.locator(f"[data-testid=queue-filing_review] a[href='{case_path}']").click()
        _do(lp, "approve_filing")
        assert _state(lp) == "调查取证"
        assert "汶应急案〔" in lp.locator("[data-testid=case-number]").inner_text()

        page.goto(case_url)
        page.locator("[data-testid=add-evidence] summary").click()
        page.select_option("#ev-kind", "audiovisual")
        page.fill("#ev-title", "现场照片：应急预案演练记录缺失")
        page.set_input_files("#ev-files", {"name": "scene.jpg", "mimeType": "image/jpeg",
                                           "buffer": _jpeg()})
        page.click("[data-testid=save-evidence]")
        page.wait_for_load_state()
        shot(page, "case-evidence")
        assert page.locator("[data-testid=evidence-list] li").count() >= 1
        assert page.locator("[data-testid=action-conclude_investigation]").count() == 1, \
            page.locator(".alert").all_inner_texts()

        # the discretion suggestion, with "not corrected within the period"
        form = _open(page, "conclude_investigation")
        form.locator("input[value=not_corrected]").first.check()
        form.locator("[data-testid^=suggest-]").first.click()
        amount = form.locator("[data-testid=suggested-amount]").first
        amount.wait_for()
        suggested = amount.inner_text().strip()
        form.locator("#item-0-fine").fill(suggested)
        for i in range(1, form.locator("input[name$=-violation_code]").count()):
            form.locator(f"input[name=item-{i}-circumstances][value=not_corrected]").check()
            form.locator(f"#item-{i}-fine").fill(suggested)
        form.locator("input[name=other][value=suspend]").check()   # 责令停产停业整顿: hearing right
        shot(page, "case-conclude")
        form.locator("[data-testid=do-conclude_investigation]").click()
        page.wait_for_load_state()
        assert _state(page) == "案件处理呈批", page.locator(".alert").all_inner_texts()

        lp.goto(case_url)
        _do(lp, "approve_proposal")
        assert _state(lp) == "待告知"

        page.goto(case_url)
        _do(page, "serve_notice")
        assert _state(page) == "告知期（陈述申辩）"
        assert page.locator("[data-kind=hearing_request]").count() == 1
        _do(page, "request_hearing")
        assert _state(page) == "已申请听证"
        # a hearing fewer than seven working days away is refused, with the earliest date
        _do(page, "schedule_hearing", {"input[name=hearing_on]": today.isoformat()})
        assert page.locator("[data-field-error=hearing_on]").is_visible()
        _do(page, "schedule_hearing", {"input[name=hearing_on]": hearing_day.isoformat(),
                                       "input[name=place]": "局三楼会议室"})
        assert _state(page) == "听证已通知"
        page.goto(f"{live_server}/cases/deadlines")
        shot(page, "case-deadlines")
        assert page.locator(f"[data-testid=deadline-list] a[href='{case_path}']").count() >= 1

        # seven working days later: the hearing is held
        _freeze(hearing_day)
        page = officer.sign_in("officer1")
        page.goto(case_url)
        _do(page, "record_hearing", {"textarea[name=record]": "当事人陈述已开始整改，请求从轻。",
                                     "textarea[name=report]": "建议维持告知的处罚。"})
        assert _state(page) == "告知期（陈述申辩）"
        _do(page, "submit_review")
        assert _state(page) == "法制审核"

        rp = reviewer.sign_in("reviewer1")
        rp.goto(f"{live_server}/cases/queue")
        rp.locator(f"[data-testid=queue-legal_review] a[href='{case_path}']").click()
        form = _open(rp, "return_review")
        form.locator("#return_review-evidence_sufficient-n").check()
        form.locator("input[name=note-evidence_sufficient]").fill("缺少整改前后对比照片")
        form.locator("textarea[name=opinion]").fill("请补充证据后重新提交。")
        form.locator("[data-testid=do-return_review]").click()
        rp.wait_for_load_state()
        assert _state(rp) == "告知期（陈述申辩）"

        page.goto(case_url)
        _do(page, "submit_review")
        rp.goto(case_url)
        _do(rp, "approve_review",
            {"textarea[name=opinion]": "事实清楚，证据确凿，程序合法，同意。"})
        assert _state(rp) == "待决定"
        assert rp.locator("[data-testid=review]").count() == 2

        lp = leader.sign_in("leader1")
        lp.goto(case_url)
        _do(lp, "record_discussion", {"textarea[name=conclusion]": "同意按告知的罚款作出决定。",
                                      "input[name=participants]": "局长、分管副局长、法规科长"})
        _do(lp, "decide")
        assert _state(lp) == "已决定待送达"

        page.goto(case_url)
        _do(page, "serve_decision")
        assert _state(page) == "执行中"
        _do(page, "record_payment")       # the form proposes the amount owed
        _do(page, "submit_closing")
        assert _state(page) == "结案审批"

        lp.goto(case_url)
        _do(lp, "approve_closing")
        assert _state(lp) == "已结案"
        shot(lp, "case-closed")
        timeline = lp.locator("[data-testid=timeline] li").all_inner_texts()
        assert any("法制审核退回" in t for t in timeline)
        lp.goto(f"{live_server}/public/cases")
        assert lp.locator("[data-testid=publications] tbody tr").count() >= 1
    finally:
        clock.freeze(None)
        for actor in (officer, leader, reviewer):
            actor.close()
