"""Journey on a phone: an officer opens a plan task of a dust-explosion plant, checks items
(one of them while the connection is lost), fails a 粉尘防爆 item with a photo, gets the major
hazard and the rectification order, signs on screen and completes the record; then records the
re-check."""

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from tests.e2e.conftest import LIVE, shot, sign_in

pytestmark = pytest.mark.e2e


def _dust_task(username: str) -> tuple[int, str]:
    from enforcement.auth.models import User
    from enforcement.enterprises.models import Enterprise
    from enforcement.extensions import db
    from enforcement.plans import service as plans_service

    with LIVE["app"].app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        plan = plans_service.published_plan(plans_service.clock.today().year)
        for task in plans_service.tasks_of_officer(plan, user.id):
            enterprise = db.session.get(Enterprise, task.enterprise_id)
            if task.state == "planned" and enterprise.dust_explosion:
                return task.id, enterprise.name
    raise AssertionError("the demo plan has no dust-explosion task for " + username)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (120, 110, 100)).save(out, "JPEG")
    return out.getvalue()


def _sign(phone, signer: str, name: str | None = None) -> None:
    phone.select_option("[data-testid=sign-form] select[name=signer]", signer)
    if name:
        phone.fill("[data-testid=sign-form] input[name=name]", name)
    pad = phone.locator("[data-testid=signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    phone.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    phone.mouse.down()
    for step in range(1, 8):
        y = box["y"] + box["height"] * (0.3 + (step % 2) * 0.4)
        phone.mouse.move(box["x"] + 20 + step * 35, y)
    phone.mouse.up()
    phone.click("[data-testid=sign-submit]")
    phone.wait_for_load_state()


def test_officer_inspects_a_dust_plant_on_a_phone(phone, live_server):
    task_id, enterprise = _dust_task("officer1")
    sign_in(phone, live_server, "officer1")
    phone.goto(f"{live_server}/inspections/")
    assert phone.locator("[data-testid=in-progress]").is_visible()
    shot(phone, "inspection-today-phone")
    phone.goto(f"{live_server}/inspections/new?task_id={task_id}")
    assert phone.locator("[data-testid=enterprise-name]").inner_text() == enterprise
    phone.fill("#f-place", "除尘系统、抛光车间")
    phone.fill("#f-rep", "王建国")
    phone.click("[data-testid=start-submit]")
    phone.wait_for_url(f"{live_server}/inspections/*")
    assert phone.locator("[data-testid=record-enterprise]").inner_text() == enterprise

    # the dust-explosion item fails, with a photo: a major hazard with its 第六十五条 measures
    card = phone.locator("[data-testid=item-DUST-03]")
    card.locator("[data-testid=result-DUST-03-fail]").click()
    assert card.locator("[data-testid=deadline-DUST-03]").is_visible()
    card.locator("textarea[name=note]").fill("布袋除尘器未设置泄爆、惰化或抑爆装置")
    card.locator("label:has-text('责令停止使用相关设施、设备')").click()
    card.locator("[data-testid=photo-DUST-03]").set_input_files(
        files=[{"name": "dust.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
    card.locator("[data-testid=save-DUST-03]").click()
    phone.wait_for_selector("[data-testid=hazard-of-DUST-03]")
    assert "重大事故隐患" in phone.locator("[data-testid=hazard-of-DUST-03]").inner_text()
    assert phone.locator("[data-testid=evidence-DUST-03] img").count() == 1

    # the connection drops while an item is answered: kept on the phone, sent when back
    context = phone.context
    context.set_offline(True)
    phone.evaluate("window.dispatchEvent(new Event('offline'))")
    first = phone.locator(".item-card[data-result='']").first
    code = first.get_attribute("data-testid").removeprefix("item-")
    first.locator(f"[data-testid=result-{code}-pass]").click()
    first.locator(f"[data-testid=save-{code}]").click()
    assert phone.locator("[data-offline-banner]").is_visible()
    assert phone.evaluate(f"!!localStorage.getItem('pe-draft:' + document.querySelector("
                          f"'#item-{code} form').dataset.draft)")
    context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    phone.wait_for_selector(f"#item-{code}[data-result=pass]")

    # the rest pass
    while phone.locator(".item-card[data-result='']").count():
        item = phone.locator(".item-card[data-result='']").first
        code = item.get_attribute("data-testid").removeprefix("item-")
        item.locator(f"[data-testid=result-{code}-pass]").click()
        item.locator(f"[data-testid=save-{code}]").click()
        phone.wait_for_selector(f"#item-{code}[data-result=pass]")
    phone.reload()
    assert phone.locator(".draft-badge:visible").count() == 0   # everything was sent
    assert phone.evaluate("Object.keys(localStorage).filter(k => k.startsWith('pe-draft:')"
                          " && k.includes('inspection-')).length") == 0
    shot(phone, "inspection-record-phone")

    for option in phone.locator("[data-testid=sign-form] select[name=signer] option").all():
        value = option.get_attribute("value")
        if value.startswith("officer:"):
            _sign(phone, value)
    _sign(phone, "representative:", "王建国")
    assert phone.locator("[data-testid=signature-list] img").count() == 3

    phone.once("dialog", lambda dialog: dialog.accept())
    phone.click("[data-testid=complete]")
    phone.wait_for_load_state()
    assert phone.locator("[data-testid=record-state]").inner_text() == "已完成"
    assert phone.locator("[data-testid=complete]").count() == 0       # locked
    shot(phone, "inspection-completed-phone")

    phone.click("[data-testid=order-link]")
    order = phone.locator("[data-testid=rectification-order]")
    assert "责令限期整改指令书" in order.inner_text()
    assert "布袋除尘器未设置泄爆" in order.inner_text() and "停止使用" in order.inner_text()
    shot(phone, "rectification-order-phone")

    # later: the re-check, with a photo of the fix
    phone.go_back()
    phone.click("[data-testid=recheck-link]")
    phone.fill("textarea[name=note]", "已加装泄爆片并经检测合格")
    phone.locator("[data-testid=recheck-photo-1]").set_input_files(
        files=[{"name": "fixed.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
    phone.click("[data-testid=recheck-submit-1]")
    phone.wait_for_load_state()
    assert phone.locator("[data-testid=hazard-state-1]").inner_text() == "已整改"
    assert "审查同意恢复" in phone.locator("[data-testid=recheck-1]").inner_text()
    shot(phone, "inspection-recheck-phone")
