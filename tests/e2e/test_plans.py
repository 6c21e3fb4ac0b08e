"""Journey: a leader creates the 2027 plan (no official 2027 holidays yet: a provisional
warning), reads the capacity and the shortfall warning, approves and publishes; an officer sees
their January tasks."""

import pytest

from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e


def test_leader_plans_2027_and_officer_sees_january(browser, live_server):
    leader = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = leader.new_page()
    sign_in(page, live_server, "leader1")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/plans/")
    page.fill("#year", "2027")
    page.fill("#seed", "2027")
    page.fill("input[name=n0]", "9500")  # a year of heavy non-enforcement work: a shortfall
    page.click("button:has-text('生成草案')")
    page.wait_for_selector("[data-testid=capacity]")
    assert "暂定" in page.locator("[data-testid=provisional]").inner_text()
    assert "执法力量不足" in page.locator("[data-testid=shortfall]").inner_text()
    shot(page, "plan-shortfall")

    page.goto(f"{live_server}/plans/")
    page.fill("#year", "2027")
    page.fill("#seed", "2027")
    page.click("button:has-text('生成草案')")
    page.wait_for_selector("[data-testid=capacity]")
    assert page.locator("[data-testid=shortfall]").count() == 0
    for label in ("提交审批", "批准", "发布"):
        page.click(f"button:has-text('{label}')")
        page.wait_for_load_state()
    assert page.locator("[data-testid=plan-state]").get_attribute("data-state") == "published"
    assert "已发布" in page.locator("[data-testid=plan-state]").inner_text()
    shot(page, "plan-published")

    officer = browser.new_context(locale="zh-CN").new_page()
    sign_in(officer, live_server, "officer1")
    officer.wait_for_url(f"{live_server}/")
    officer.goto(f"{live_server}/plans/mine?year=2027&month=1")
    tasks = officer.locator("[data-testid=my-tasks] li")
    assert tasks.count() >= 1
    assert "1月" in tasks.first.inner_text()
    shot(officer, "plan-my-january")
