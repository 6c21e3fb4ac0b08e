"""Journey: an officer searches "fcfb", invites the best expert for a dust-explosion enterprise;
the expert declines with a conflict reason; the next candidate is invited and accepts."""

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import DEMO_PASSWORD, LIVE, shot, sign_in

pytestmark = pytest.mark.e2e


def _login_of_invited(enterprise_id: int) -> str:
    """The username of the expert invited last for the enterprise (a login is made for them
    if the demo pool gave them none, as the expert office would)."""
    from enforcement.auth import service as auth
    from enforcement.experts.models import Assignment, Expert
    from enforcement.extensions import db

    app = LIVE["app"]
    with app.app_context():
        assignment = db.session.scalars(sa.select(Assignment).where(
            Assignment.enterprise_id == enterprise_id, Assignment.state == "invited")
            .order_by(Assignment.id.desc())).first()
        expert = db.session.get(Expert, assignment.expert_id)
        if expert.user_id is None:
            user = auth.create_user(auth.AccountData(
                username=f"e2e.expert{expert.id}", display_name=expert.name, roles=["expert"],
                password=DEMO_PASSWORD, must_change_password=False))
            expert.user_id = user.id
        else:
            user = db.session.get(auth.User, expert.user_id)
        db.session.commit()
        return user.username


def _dust_enterprise() -> tuple[int, str]:
    from enforcement.enterprises.models import Enterprise
    from enforcement.extensions import db

    with LIVE["app"].app_context():
        enterprise = db.session.scalars(sa.select(Enterprise).where(
            Enterprise.dust_explosion.is_(True)).order_by(Enterprise.id)).first()
        return enterprise.id, enterprise.name


def test_invite_decline_for_conflict_next_accepts(browser, live_server):
    enterprise_id, enterprise_name = _dust_enterprise()
    officer = browser.new_context(locale="zh-CN").new_page()
    sign_in(officer, live_server, "officer2")
    officer.goto(f"{live_server}/experts/search?q=fcfb&enterprise_id={enterprise_id}")
    results = officer.locator("[data-testid=expert-results] .list-group-item")
    assert results.count() >= 2
    assert "粉尘防爆" in results.first.inner_text()
    shot(officer, "expert-search")
    officer.click("button:has-text('自动邀请最匹配的专家')")
    officer.wait_for_selector("[data-testid=assignment-state]")
    assert "invited" in officer.locator("[data-testid=assignment-state]").inner_text()

    first = _login_of_invited(enterprise_id)
    expert_page = browser.new_context(locale="zh-CN").new_page()
    sign_in(expert_page, live_server, first)
    expert_page.goto(f"{live_server}/experts/me")
    card = expert_page.locator("[data-testid=invitation]").first
    assert enterprise_name in card.inner_text()
    card.locator("input[name=reason]").fill("本人曾为该企业做过安全评价")
    card.locator("input[name=conflict]").check()
    card.locator("button:has-text('谢绝')").click()
    assert "已谢绝邀请" in expert_page.locator("main").inner_text()
    shot(expert_page, "expert-declined")

    second = _login_of_invited(enterprise_id)
    assert second != first
    next_page = browser.new_context(locale="zh-CN").new_page()
    sign_in(next_page, live_server, second)
    next_page.goto(f"{live_server}/experts/me")
    next_page.locator("[data-testid=invitation]").first.locator(
        "button:has-text('接受')").click()
    assert "已接受邀请" in next_page.locator("main").inner_text()
    shot(next_page, "expert-accepted")
